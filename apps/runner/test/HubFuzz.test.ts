/**
 * CEQL and the list parameters fuzzed through HTTP (reliability.md "Bad input": CEQL is fuzzed with
 * 0 crashes and 0 5xx): a seeded fast-check property sends mutated and garbage `where`, `orderBy`,
 * `fields`, `page`, `pageSize`, `nextPage` and `returnCount` values to `GET /hubs/crm/accounts` on a
 * runner in front of the fake Sage CRM, form-encoded or raw (invalid percent escapes, stray `&`,
 * `=` and `+`). Every answer is below 500: a 200 with a JSON array, or a 4xx with the contract's
 * error body. Core fuzzes the CEQL parser alone; this covers the path around it — query decoding,
 * the runner's parameter checks, the connector's translation and the vendor's answer.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { sageCrmBody } from "./support/Seeds.js"
import { startRunner, type TestRunner } from "./support/TestRunner.js"

const PARAMETERS = ["where", "orderBy", "fields", "page", "pageSize", "nextPage", "returnCount"] as const
type Parameter = (typeof PARAMETERS)[number]

/** Valid values the mutations start from; `nextPage` gets a real token at start-up too. */
const SEEDS: Record<Parameter, Array<string>> = {
  where: [
    "comp_name = 'Acme Ltd'",
    "comp_type = 'Customer' and comp_name like 'A%'",
    "Comp_UpdatedDate >= '2026-01-01T00:00:00Z'",
    "comp_companyid in (1, 2, 3) or comp_name is not null",
    "NOT (comp_name = 'x' OR comp_type <> 'Prospect')",
    "`comp_name` = 'it''s'",
    "comp_name = true and comp_companyid > -12.5"
  ],
  orderBy: ["comp_name asc", "Comp_UpdatedDate desc, comp_name", "comp_companyid"],
  fields: ["comp_name", "comp_name,comp_type", "comp_companyid, comp_name"],
  page: ["1", "2", "3"],
  pageSize: ["1", "2", "50", "200"],
  nextPage: [],
  returnCount: ["true", "false"]
}

// Characters that matter to CEQL, to query strings and to number parsing, and far-away code points.
const noise: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("'", "`", "(", ")", ",", "=", "<", ">", "!", "-", ".", "%", "_", " ", "\t", "\n"),
  fc.constantFrom("AND", "OR", "NOT", "IN", "IS", "NULL", "LIKE", "asc", "desc", "true", "1e999", "-0"),
  fc.constantFrom("&", "+", "#", "?", "/", "\\", "%2", "%G1", "%00", "%25", "%E2%82", "\u0000", "é", "😀"),
  fc.constantFrom("9007199254740993", "0", "-1", "0x10", "1.5", " 2 ", "Infinity", "NaN"),
  fc.string({ minLength: 1, maxLength: 3, unit: "binary" })
)

type Mutation =
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "insert"; readonly at: number; readonly text: string }
  | { readonly kind: "truncate"; readonly at: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: noise }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() })
)

const mutate = (input: string, mutations: ReadonlyArray<Mutation>): string => {
  let text = input
  for (const m of mutations) {
    const at = text.length === 0 ? 0 : m.at % (text.length + 1)
    if (m.kind === "delete") text = text.slice(0, at) + text.slice(at + m.length)
    else if (m.kind === "insert") text = text.slice(0, at) + m.text + text.slice(at)
    else text = text.slice(0, at)
  }
  return text
}

/** One parameter's value: a valid one, a mutated valid one, or garbage. */
const value = (parameter: Parameter): fc.Arbitrary<string> => {
  const seeds = SEEDS[parameter]
  const garbage = fc.oneof(
    fc.string({ maxLength: 40, unit: "binary" }),
    fc.array(noise, { maxLength: 8 }).map((parts) => parts.join(""))
  )
  if (seeds.length === 0) return garbage
  const seed = fc.constantFrom(...seeds)
  return fc.oneof(
    { weight: 1, arbitrary: seed },
    {
      weight: 4,
      arbitrary: fc
        .tuple(seed, fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([text, ms]) => mutate(text, ms))
    },
    { weight: 2, arbitrary: garbage }
  )
}

/** How the query string is written: form-encoded as a browser would, or raw as a hand-typed URL. */
const Encoding = fc.constantFrom("form", "raw")

const request = fc.record(
  {
    encoding: Encoding,
    // Some parameters, each at most once (a repeated one is its own 400), in any order.
    values: fc.uniqueArray(
      fc
        .constantFrom(...PARAMETERS)
        .chain((parameter) => value(parameter).map((text) => [parameter, text] as const)),
      { minLength: 1, maxLength: 4, selector: ([parameter]) => parameter }
    )
  },
  { requiredKeys: ["encoding", "values"] }
)

const queryString = (encoding: string, values: ReadonlyArray<readonly [string, string]>): string =>
  encoding === "form"
    ? new URLSearchParams(values.map(([name, text]): [string, string] => [name, text])).toString()
    : // Raw: only what `fetch` cannot send at all is escaped; `%`, `&`, `=` and `+` stay as typed.
      values.map(([name, text]) => `${name}=${text.replace(/[\s#]/g, encodeURIComponent)}`).join("&")

describe("hub list parameters fuzzed through HTTP", () => {
  let runner: TestRunner
  let crm: FakeSageCrm
  let token: string

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: "pw" })
    for (const [name, type] of [
      ["Acme Ltd", "Customer"],
      ["Initech", "Customer"],
      ["Globex", "Prospect"],
      ["it's", "Prospect"]
    ] as const) {
      crm.store.insert("Company", { comp_name: name, comp_type: type })
    }
    runner = await startRunner({ backend: "sqlite", connectors: [SageCrm] })
    const created = await runner.call("/instances", {
      method: "POST",
      headers: { authorization: runner.authorization() },
      json: sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: "pw" })
    })
    const instance = (await created.json()) as { token: string }
    assert.strictEqual(created.status, 200, JSON.stringify(instance))
    token = instance.token
    const first = await runner.call("/hubs/crm/accounts?pageSize=1", {
      headers: { authorization: runner.authorization(token) }
    })
    assert.strictEqual(first.status, 200)
    const next = first.headers.get("elements-next-page-token")
    assert.isString(next)
    SEEDS.nextPage.push(next!)
  })

  afterAll(async () => {
    await runner?.close()
    await crm?.close()
  })

  it("answers every request below 500, a 4xx with the error body", async () => {
    let answered4xx = 0
    await fc.assert(
      fc.asyncProperty(request, async ({ encoding, values }) => {
        const query = queryString(encoding, values)
        const response = await runner.call(`/hubs/crm/accounts?${query}`, {
          headers: { authorization: runner.authorization(token) }
        })
        const text = await response.text()
        const what = `${response.status} for ?${query}: ${text.slice(0, 300)}`
        assert.isBelow(response.status, 500, what)
        assert.match(response.headers.get("content-type") ?? "", /application\/json/, what)
        const body = JSON.parse(text) as unknown
        if (response.status === 200) {
          assert.isArray(body, what)
          return
        }
        answered4xx += 1
        assert.isAtLeast(response.status, 400, what)
        const error = body as { requestId?: unknown; message?: unknown }
        assert.isString(error.requestId, what)
        assert.strictEqual(response.headers.get("elements-request-id"), error.requestId, what)
        assert.isString(error.message, what)
        assert.isAbove((error.message as string).length, 3, what)
      }),
      { numRuns: 200, seed: 20260703, endOnFailure: true }
    )
    // The generator reaches the error paths, not only valid queries.
    assert.isAbove(answered4xx, 20)
  }, 60_000)
})
