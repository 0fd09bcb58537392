import { assert, describe, it } from "@effect/vitest"
import { Ceql, Connection } from "@plugboard/core"
import { Effect, Stream } from "effect"
import * as fc from "fast-check"
import {
  allPages,
  configuration,
  connectorFor,
  dataset,
  fake,
  type JsonRecord,
  type StyleName,
  styles
} from "./ConnectionFakeVendor.js"

const filters: ReadonlyArray<{
  readonly where: string | undefined
  readonly test: (r: JsonRecord) => boolean
}> = [
  { where: undefined, test: () => true },
  { where: "bucket = 0", test: (r) => r["bucket"] === 0 },
  { where: "bucket < 3", test: (r) => (r["bucket"] as number) < 3 },
  { where: "kind = 'b'", test: (r) => r["kind"] === "b" },
  { where: "kind = 'a' AND bucket != 2", test: (r) => r["kind"] === "a" && r["bucket"] !== 2 },
  { where: "id > 1000", test: () => false },
  { where: "id = 1 OR bucket = 6", test: (r) => r["id"] === 1 || r["bucket"] === 6 },
  { where: "name LIKE '%9'", test: (r) => String(r["name"]).endsWith("9") }
]

const orders: ReadonlyArray<string | undefined> = [undefined, undefined, "name desc", "bucket asc, name"]

const scenario = fc.record({
  style: fc.constantFrom<StyleName>(...styles),
  size: fc.integer({ min: 0, max: 250 }),
  pageSize: fc.integer({ min: 1, max: 60 }),
  paginationMax: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
  filter: fc.integer({ min: 0, max: filters.length - 1 }),
  order: fc.integer({ min: 0, max: orders.length - 1 }),
  nativeKind: fc.boolean(),
  nativeSort: fc.boolean(),
  lookahead: fc.constantFrom(0, 1, 5)
})

const run = (
  s: typeof scenario extends fc.Arbitrary<infer A> ? A : never,
  limits: Partial<Connection.Limits>
) => {
  const records = dataset(s.size)
  const vendor = fake(s.style, { collections: { "/accounts": records } })
  const sortable = s.style === "sdata" || s.style === "odata"
  const connection = Connection.make({
    connector: connectorFor(s.style, {
      ...(s.nativeKind ? { query: Ceql.Translate.params({ kind: { "=": "kind" } }) } : {}),
      ...(s.nativeSort && sortable
        ? { sort: { param: s.style === "sdata" ? "orderBy" : "$orderby", style: "words" as const } }
        : {})
    }),
    configuration: configuration(s.paginationMax),
    client: vendor.client,
    limits
  })
  const filter = filters[s.filter]!
  const orderBy = orders[s.order]
  let oracle = records.filter(filter.test)
  if (orderBy !== undefined) {
    const keys = Effect.runSync(Ceql.parseOrderBy(orderBy))
    oracle = [...oracle].sort(Ceql.compareBy(keys))
  }
  const request = {
    resource: "accounts",
    pageSize: s.pageSize,
    returnCount: true,
    ...(filter.where === undefined ? {} : { where: filter.where }),
    ...(orderBy === undefined ? {} : { orderBy })
  }
  return { connection, oracle, request }
}

const ids = (list: ReadonlyArray<JsonRecord>) => list.map((r) => r["id"])

describe("Connection paging properties", () => {
  it("concatenated pages equal the oracle, in full pages, for any dataset, page size and filter", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { connection, oracle, request } = run(s, { lookaheadPages: s.lookahead })
        const pages = await Effect.runPromise(allPages(connection, request))
        assert.deepStrictEqual(ids(pages.flatMap((p) => p.records)), ids(oracle))
        // A page is full unless it is the last (which may be empty when the look-ahead ran out).
        for (const page of pages.slice(0, -1)) assert.strictEqual(page.records.length, s.pageSize)
        assert.isAtMost(pages.at(-1)!.records.length, s.pageSize)
        assert.isUndefined(pages.at(-1)!.nextPage)
        for (const page of pages) if (page.total !== undefined) assert.strictEqual(page.total, oracle.length)
        const streamed = await Effect.runPromise(Stream.runCollect(connection.stream(request)))
        assert.deepStrictEqual(ids(streamed), ids(oracle))
      }),
      { numRuns: 300 }
    )
  })

  it("with enough look-ahead the last page is never empty and a token always leads to records", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { connection, oracle, request } = run(s, { lookaheadPages: 1_000 })
        const pages = await Effect.runPromise(allPages(connection, request))
        assert.strictEqual(pages.length, Math.max(1, Math.ceil(oracle.length / s.pageSize)))
        if (oracle.length > 0) assert.isAbove(pages.at(-1)!.records.length, 0)
      }),
      { numRuns: 200 }
    )
  })
})
