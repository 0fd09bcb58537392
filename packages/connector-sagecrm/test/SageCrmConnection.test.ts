import { assert, describe, it } from "@effect/vitest"
import { type Connection, ConnectorError } from "@plugboard/core"
import { Effect, Stream } from "effect"
import type { FakeSageCrm } from "../src/testing.js"
import { connect, withFake } from "./SageCrmHarness.js"

const reasonOf = (error: unknown): string | undefined =>
  error instanceof ConnectorError.ConnectorError ? error.reason._tag : undefined

/** Every record of a list call, following `nextPage` tokens, with the pages seen. */
const allPages = (connection: Connection.Connection, request: Parameters<Connection.Connection["list"]>[0]) =>
  Effect.gen(function* () {
    const records: Array<Record<string, unknown>> = []
    const pages: Array<number> = []
    let nextPage: string | undefined
    do {
      const page = yield* connection.list(nextPage === undefined ? request : { ...request, nextPage })
      records.push(...page.records)
      pages.push(page.records.length)
      nextPage = page.nextPage
    } while (nextPage !== undefined)
    return { records, pages }
  })

const seedCompanies = (fake: FakeSageCrm) => {
  fake.store.clock.set("2024-05-01T08:00:00Z")
  fake.store.insert("Company", { comp_name: "Acme", comp_type: "Customer" })
  fake.store.clock.set("2024-05-01T09:00:00Z")
  fake.store.insert("Company", { comp_name: "Globex", comp_type: "Prospect" })
  fake.store.clock.set("2024-05-01T10:00:00Z")
  fake.store.insert("Company", { comp_name: "Initech", comp_type: "Customer" })
  fake.store.clock.set("2024-05-01T11:00:00Z")
  fake.store.insert("Company", { comp_name: "Umbrella", comp_type: "Customer" })
}

const names = (records: ReadonlyArray<Record<string, unknown>>) => records.map((r) => r.comp_name)

describe("Sage CRM connector over the fake vendor", () => {
  const crud: ReadonlyArray<{
    readonly resource: string
    readonly entity: string
    readonly idColumn: string
    readonly create: Record<string, unknown>
    readonly patch: Record<string, unknown>
    readonly put: Record<string, unknown>
  }> = [
    {
      resource: "accounts",
      entity: "Company",
      idColumn: "comp_companyid",
      create: { Comp_Name: "Acme", comp_type: "Customer" },
      patch: { comp_status: "Active" },
      put: { comp_name: "Acme Ltd" }
    },
    {
      resource: "contacts",
      entity: "Person",
      idColumn: "pers_personid",
      create: { pers_firstname: "Ann", pers_lastname: "Smith" },
      patch: { pers_title: "CFO" },
      put: { pers_lastname: "Jones" }
    },
    {
      resource: "leads",
      entity: "Lead",
      idColumn: "lead_leadid",
      create: { lead_description: "Website enquiry", lead_companyname: "Hooli" },
      patch: { lead_stage: "Qualified" },
      put: { lead_description: "Website enquiry (phoned)" }
    },
    {
      resource: "opportunities",
      entity: "Opportunity",
      idColumn: "oppo_opportunityid",
      create: { oppo_description: "500 seats", oppo_forecast: 12000.5 },
      patch: { oppo_certainty: 60 },
      put: { oppo_stage: "Negotiating" }
    }
  ]

  for (const spec of crud) {
    it.live(`creates, reads, updates (PATCH, PUT) and deletes ${spec.resource}`, () =>
      withFake((fake) =>
        Effect.gen(function* () {
          const connection = yield* connect(fake)
          const created = yield* connection.create(spec.resource, spec.create)
          const id = String(created[spec.idColumn])
          assert.strictEqual(created.$key, id)
          assert.isDefined(fake.store.get(spec.entity, id))

          const read = yield* connection.get(spec.resource, id)
          for (const [field, value] of Object.entries(spec.create))
            assert.strictEqual(read[field.toLowerCase()], value)

          const patched = yield* connection.update(spec.resource, id, spec.patch)
          for (const [field, value] of Object.entries(spec.patch)) assert.strictEqual(patched[field], value)
          const replaced = yield* connection.replace(spec.resource, id, spec.put)
          for (const [field, value] of Object.entries(spec.put)) assert.strictEqual(replaced[field], value)
          const stored = fake.store.get(spec.entity, id)!
          for (const [field, value] of Object.entries({ ...spec.patch, ...spec.put })) {
            assert.strictEqual(stored[field], value)
          }
          const methods = fake.store.requests().map((r) => `${r.method} ${r.path}`)
          assert.includeMembers(methods, [
            `POST /${spec.entity}`,
            `GET /${spec.entity}('${id}')`,
            `PATCH /${spec.entity}('${id}')`,
            `PUT /${spec.entity}('${id}')`
          ])

          yield* connection.remove(spec.resource, id)
          assert.isUndefined(fake.store.get(spec.entity, id))
          const gone = yield* Effect.flip(connection.get(spec.resource, id))
          assert.strictEqual(reasonOf(gone), "NotFound")
        })
      )
    )
  }

  it.live("refuses a write the vendor refuses, with the vendor's $diagnoses message", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const connection = yield* connect(fake)
        const missing = yield* Effect.flip(connection.create("accounts", { comp_type: "Customer" }))
        assert.strictEqual(reasonOf(missing), "InvalidRequest")
        assert.match(
          (missing as ConnectorError.ConnectorError).providerMessage ?? "",
          /comp_name is required/
        )
        const users = yield* Effect.flip(connection.create("users", { user_logon: "x", user_lastname: "x" }))
        assert.strictEqual(reasonOf(users), "Unsupported")
      })
    )
  )

  it.live("checks credentials: a wrong password is an Authentication error with Sage's message", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const good = yield* connect(fake)
        yield* good.check()
        const checked = fake.store.requests().at(-1)!
        assert.strictEqual(checked.path, "/Company")
        assert.deepStrictEqual(checked.query, { startIndex: "1", count: "1" })

        const wrong = yield* connect(fake, { password: "not-the-password" })
        const error = yield* Effect.flip(wrong.check())
        assert.instanceOf(error, ConnectorError.ConnectorError)
        assert.strictEqual(error.reason._tag, "Authentication")
        assert.strictEqual(error.status, 401)
        assert.match(error.providerMessage ?? "", /Invalid username or password/)
        assert.notInclude(error.message, "not-the-password")

        fake.store.addUser({ logon: "former", password: "pw", disabled: true })
        const disabled = yield* connect(fake, { username: "former", password: "pw" })
        const refused = yield* Effect.flip(disabled.check())
        assert.strictEqual(reasonOf(refused), "Authentication")
        assert.match((refused as ConnectorError.ConnectorError).providerMessage ?? "", /disabled/)
      })
    )
  )

  it.live("CEQL equality goes to SData where and returns only the matching records", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        seedCompanies(fake)
        const connection = yield* connect(fake)
        const page = yield* connection.list({ resource: "accounts", where: "Comp_Name = 'Globex'" })
        assert.deepStrictEqual(names(page.records), ["Globex"])
        assert.isUndefined(page.nextPage)
        const sent = fake.store.requests().at(-1)!
        assert.strictEqual(sent.query.where, "Comp_Name eq 'Globex'")

        // SQL Server compares text ignoring case; CEQL does not, so the runner re-checks in memory.
        const lower = yield* connection.list({ resource: "accounts", where: "comp_name = 'globex'" })
        assert.deepStrictEqual(names(lower.records), [])

        const byKey = yield* connection.list({ resource: "accounts", where: "key = '2' OR $key = 3" })
        assert.deepStrictEqual(names(byKey.records), ["Globex", "Initech"])
        assert.strictEqual(
          fake.store.requests().at(-1)!.query.where,
          "comp_companyid eq '2' or comp_companyid eq 3"
        )

        const mixed = yield* connection.list({
          resource: "accounts",
          where: "comp_type IN ('Customer') AND comp_name LIKE '%e%' AND comp_website IS NULL"
        })
        assert.deepStrictEqual(names(mixed.records), ["Acme", "Initech", "Umbrella"])
        assert.strictEqual(
          fake.store.requests().at(-1)!.query.where,
          "comp_type in ('Customer') and comp_name like '%e%'"
        )
      })
    )
  )

  it.live("CEQL date ranges return only records updated inside the range", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        seedCompanies(fake)
        fake.store.clock.set("2024-05-01T11:30:00Z")
        fake.store.update("Company", 1, { comp_status: "Active" })
        const connection = yield* connect(fake)
        const range = yield* connection.list({
          resource: "accounts",
          where: "Comp_UpdatedDate >= '2024-05-01T09:00:00Z' AND Comp_UpdatedDate <= '2024-05-01T10:30:00Z'"
        })
        assert.deepStrictEqual(names(range.records), ["Globex", "Initech"])
        assert.strictEqual(
          fake.store.requests().at(-1)!.query.where,
          "Comp_UpdatedDate between '2024-05-01T09:00:00Z' and '2024-05-01T10:30:00Z'"
        )
        const after = yield* connection.list({
          resource: "accounts",
          where: "Comp_UpdatedDate > '2024-05-01T10:00:00+00:00'",
          orderBy: "comp_updateddate desc"
        })
        assert.deepStrictEqual(names(after.records), ["Acme", "Umbrella"])
        assert.strictEqual(
          fake.store.requests().at(-1)!.query.orderBy,
          "comp_updateddate desc,comp_companyid asc"
        )
        const created = yield* connection.list({
          resource: "accounts",
          where: "Comp_CreatedDate < '2024-05-01T09:30:00Z'"
        })
        assert.deepStrictEqual(names(created.records), ["Acme", "Globex"])
      })
    )
  )

  it.live("pages through 450 accounts with pageSize 200, each exactly once", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        for (let i = 1; i <= 450; i++) {
          fake.store.insert("Company", { comp_name: `Company ${String(i).padStart(3, "0")}` })
        }
        const connection = yield* connect(fake)
        fake.store.clearRequests()
        const { records, pages } = yield* allPages(connection, { resource: "accounts", pageSize: 200 })
        assert.deepStrictEqual(pages, [200, 200, 50])
        // Without an order SQL Server may shuffle rows between pages; the connector always sends one.
        assert.strictEqual(fake.store.requests()[0]?.query.orderBy, "comp_companyid asc")
        const ids = records.map((r) => r.comp_companyid)
        assert.strictEqual(new Set(ids).size, 450)
        assert.deepStrictEqual(
          fake.store.requests().map((r) => [r.query.startIndex, r.query.count]),
          [
            ["1", "200"],
            ["201", "200"],
            ["401", "200"]
          ]
        )

        const first = yield* connection.list({ resource: "accounts", pageSize: 200, returnCount: true })
        assert.strictEqual(first.total, 450)

        const streamed = yield* Stream.runCollect(connection.stream({ resource: "accounts", pageSize: 200 }))
        assert.strictEqual(new Set(Array.from(streamed, (r) => r.comp_companyid)).size, 450)

        const sorted = yield* allPages(connection, {
          resource: "accounts",
          pageSize: 200,
          orderBy: "comp_name desc"
        })
        assert.strictEqual(sorted.records[0]?.comp_name, "Company 450")
        assert.strictEqual(new Set(sorted.records.map((r) => r.comp_companyid)).size, 450)
      })
    )
  )

  it.live("lists child collections and other Sage CRM entities as vendor objects", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        seedCompanies(fake)
        fake.store.insert("Person", { pers_lastname: "Smith", pers_companyid: 2 })
        fake.store.insert("Person", { pers_lastname: "Jones", pers_companyid: 3 })
        fake.store.insert("Cases", { case_description: "Broken widget", case_primarycompanyid: 2 })
        const connection = yield* connect(fake)

        const people = yield* connection.children("accounts", "2", "contacts")
        assert.deepStrictEqual(
          people.records.map((r) => r.pers_lastname),
          ["Smith"]
        )
        const viaUrl = yield* Stream.runCollect(connection.query("/hubs/crm/accounts/2/cases"))
        assert.deepStrictEqual(
          Array.from(viaUrl, (r) => r.case_description),
          ["Broken widget"]
        )

        const cases = yield* connection.list({ resource: "Cases", where: "$key = '1'" })
        assert.deepStrictEqual(
          cases.records.map((r) => r.$key),
          ["1"]
        )
        // The id column of an object is unknown, so `$key` is filtered in memory, not sent.
        assert.isUndefined(fake.store.requests().at(-1)!.query.where)
        const note = yield* connection.create("Notes", {
          note_foreigntableid: 5,
          note_foreignid: 2,
          note_note: "Hi"
        })
        const read = yield* connection.get("Notes", String(note.$key))
        assert.strictEqual(read.note_note, "Hi")
        const unknown = yield* Effect.flip(connection.list({ resource: "Widgets" }))
        assert.strictEqual(reasonOf(unknown), "NotFound")
      })
    )
  )
})
