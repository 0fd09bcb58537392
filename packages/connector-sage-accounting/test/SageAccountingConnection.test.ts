import { assert, describe, it } from "@effect/vitest"
import { TokenStore } from "@plugboard/core"
import { Effect, Layer, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { fakeSageAccounting } from "../src/testing.js"
import { connect } from "./SageConnect.js"
import { seedPollerUrlClosed } from "./SageSeed.js"

const services = Layer.mergeAll(TokenStore.TokenStore.layerMemory, FetchHttpClient.layer)

const collect = <A, E>(stream: Stream.Stream<A, E>) => Stream.runCollect(stream)

describe("Sage Accounting through the hub engine", () => {
  it.live("customers: create, get, replace, list, delete", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting({ subscriptionKey: "apim-key" })
      const { connection } = yield* connect(fake)

      const created = yield* connection.create("customers", { name: "Acme Ltd", reference: "ACME" })
      assert.match(String(created["id"]), /^[0-9a-f]{32}$/)
      const id = String(created["id"])
      const stored = fake.store.get("contacts", id)
      assert.deepStrictEqual(
        ((stored?.["contact_types"] ?? []) as ReadonlyArray<{ id: string }>).map((t) => t.id),
        ["CUSTOMER"]
      )
      const post = fake.requests.find((r) => r.method === "POST")
      assert.strictEqual(post?.headers["ocp-apim-subscription-key"], "apim-key")

      const read = yield* connection.get("customers", id)
      assert.strictEqual(read["reference"], "ACME")

      const replaced = yield* connection.replace("customers", id, { notes: "pays on time" })
      assert.strictEqual(replaced["name"], "Acme Ltd")
      assert.strictEqual(replaced["notes"], "pays on time")

      // Sage has no PATCH: a hub update is sent as Sage's merging PUT.
      const patched = yield* connection.update("customers", id, { reference: "ACME-2" })
      assert.strictEqual(patched["name"], "Acme Ltd")
      assert.strictEqual(patched["reference"], "ACME-2")
      const lastWrite = fake.requests.filter((r) => r.method === "PUT" || r.method === "PATCH").at(-1)
      assert.strictEqual(lastWrite?.method, "PUT")

      fake.store.insert("contacts", { name: "Bolt Supplies", contact_type_ids: ["VENDOR"] })
      const customers = yield* connection.list({ resource: "customers" })
      assert.deepStrictEqual(
        customers.records.map((r) => r["name"]),
        ["Acme Ltd"]
      )
      const vendors = yield* connection.list({ resource: "vendors", where: "name LIKE 'bolt%'" })
      assert.deepStrictEqual(
        vendors.records.map((r) => r["name"]),
        ["Bolt Supplies"]
      )
      const listCall = fake.requests.filter((r) => r.method === "GET" && r.path === "/contacts").at(-1)
      assert.strictEqual(listCall?.query.get("search"), "bolt")
      assert.strictEqual(listCall?.query.get("contact_type_id"), "VENDOR")
      assert.strictEqual(listCall?.query.get("attributes"), "all")

      yield* connection.remove("customers", id)
      const gone = yield* Effect.flip(connection.get("customers", id))
      assert.strictEqual(gone._tag, "ConnectorError")
      if (gone._tag === "ConnectorError") assert.strictEqual(gone.reason._tag, "NotFound")
    }).pipe(Effect.provide(services))
  )

  it.live("a 422 comes back as InvalidRequest with the vendor's field messages", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const { connection } = yield* connect(fake)
      const error = yield* Effect.flip(connection.create("customers", { reference: "no name" }))
      assert.strictEqual(error._tag, "ConnectorError")
      if (error._tag === "ConnectorError") {
        assert.strictEqual(error.reason._tag, "InvalidRequest")
        assert.strictEqual(error.status, 422)
        assert.strictEqual(error.providerMessage, "name: can't be blank")
      }
      const typed = yield* Effect.flip(
        connection.create("contacts", { name: "x", contact_type_ids: ["PARTNER"] })
      )
      if (typed._tag === "ConnectorError") {
        assert.match(typed.providerMessage ?? "", /contact_type_ids: 'PARTNER' is not a contact type/)
      }
    }).pipe(Effect.provide(services))
  )

  it.live("pages through 450 contacts, each once, by stream and by nextPage tokens", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const { connection } = yield* connect(fake)
      for (let i = 0; i < 450; i++) {
        fake.store.insert("contacts", {
          name: `Contact ${i}`,
          contact_type_ids: [i % 2 === 0 ? "CUSTOMER" : "VENDOR"]
        })
      }
      const streamed = yield* collect(connection.stream({ resource: "contacts" }))
      assert.strictEqual(streamed.length, 450)
      assert.strictEqual(new Set(streamed.map((r) => r["id"])).size, 450)
      const pages = fake.requests.filter((r) => r.path === "/contacts" && r.method === "GET")
      assert.isTrue(pages.every((r) => Number(r.query.get("items_per_page")) <= 200))

      const seen: Array<unknown> = []
      let token: string | undefined
      let calls = 0
      do {
        const page = yield* connection.list({
          resource: "contacts",
          pageSize: 200,
          ...(token === undefined ? {} : { nextPage: token })
        })
        for (const record of page.records) seen.push(record["id"])
        token = page.nextPage
        calls += 1
      } while (token !== undefined && calls < 10)
      assert.strictEqual(seen.length, 450)
      assert.strictEqual(new Set(seen).size, 450)
      assert.strictEqual(calls, 3)

      const customers = yield* collect(connection.stream({ resource: "customers", pageSize: 60 }))
      assert.strictEqual(customers.length, 225)
    }).pipe(Effect.provide(services))
  )

  it.live("the seed's poller URL (quote closed) asks Sage for changes since a time with two attributes", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const { connection } = yield* connect(fake)
      fake.store.insert(
        "contacts",
        { name: "Old", contact_type_ids: ["CUSTOMER"] },
        { at: "2026-11-22T08:00:00Z" }
      )
      const fresh = fake.store.insert(
        "contacts",
        { name: "New", contact_type_ids: ["CUSTOMER"] },
        { at: "2026-11-22T10:00:00Z" }
      )
      const url = seedPollerUrlClosed.replace("${date:yyyy-MM-dd'T'HH:mm:ss'Z'}", "2026-11-22T10:00:00Z")
      const records = yield* collect(connection.query(url))
      assert.deepStrictEqual(records, [
        {
          id: fresh.id,
          displayed_as: "New",
          $path: `/contacts/${fresh.id}`,
          created_at: "2026-11-22T10:00:00Z",
          updated_at: "2026-11-22T10:00:00Z"
        }
      ])
      const call = fake.requests.at(-1)
      assert.strictEqual(call?.query.get("updated_or_created_since"), "2026-11-22T10:00:00Z")
      assert.strictEqual(call?.query.get("attributes"), "created_at,updated_at")
      assert.strictEqual(call?.query.get("contact_type_id"), "CUSTOMER")
    }).pipe(Effect.provide(services))
  )

  it.live("reports deleted customers from deleted_since tombstones", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const { connection } = yield* connect(fake)
      const a = fake.store.insert("contacts", { name: "A", contact_type_ids: ["CUSTOMER"] })
      fake.store.remove("contacts", a.id, { at: "2026-11-22T10:00:05Z" })
      const deleted = yield* collect(connection.tombstones("customers", Date.parse("2026-11-22T10:00:00Z")))
      assert.deepStrictEqual(
        deleted.map((r) => [r["id"], r["deleted_at"]]),
        [[a.id, "2026-11-22T10:00:05Z"]]
      )
      assert.strictEqual(fake.requests.at(-1)?.query.get("deleted_since"), "2026-11-22T10:00:00Z")
      const none = yield* Effect.flip(collect(connection.tombstones("tax-rates", 0)))
      assert.strictEqual(none._tag, "ConnectorError")
    }).pipe(Effect.provide(services))
  )

  it.live("an access token that expired at Sage is refreshed on the 401 and the call repeated", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const { connection, instanceKey } = yield* connect(fake)
      fake.store.insert("contacts", { name: "A", contact_type_ids: ["CUSTOMER"] })
      fake.oauth.expireAccessTokens()
      const page = yield* connection.list({ resource: "customers" })
      assert.strictEqual(page.records.length, 1)
      assert.deepStrictEqual(
        fake.oauth.tokenRequests.map((r) => r.grantType),
        ["authorization_code", "refresh_token"]
      )
      const stored = yield* (yield* TokenStore.TokenStore).get(instanceKey)
      assert.strictEqual(stored._tag, "Some")
      assert.strictEqual(fake.oauth.liveRefreshTokens().length, 1)
    }).pipe(Effect.provide(services))
  )

  it.live("a 429 is retried after Retry-After", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting({ rateLimit: { requests: 2, windowSeconds: 1 } })
      const { connection } = yield* connect(fake)
      for (let i = 0; i < 3; i++) yield* connection.list({ resource: "customers" })
      const statuses = fake.requests.map((r) => r.status)
      assert.include(statuses, 429)
      assert.deepStrictEqual(
        statuses.filter((s) => s === 200),
        [200, 200, 200]
      )
    }).pipe(Effect.provide(services))
  )

  it.live("sends X-Business when business.id is set, and reaches other collections as objects", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting({ businesses: ["lead", "second"] })
      const { connection } = yield* connect(fake, { "business.id": "second" })
      const ledger = fake.store.insert("ledger_accounts", {
        name: "Sales",
        display_name: "Sales",
        nominal_code: 4000,
        ledger_account_type_id: "SALES",
        included_in_chart: true
      })
      const service = yield* connection.create("services", {
        service: { description: "Consulting", sales_ledger_account_id: ledger.id }
      })
      assert.strictEqual(service["description"], "Consulting")
      const listed = yield* connection.list({ resource: "services", where: "updated_at >= '2020-01-01'" })
      assert.strictEqual(listed.records.length, 1)
      assert.isTrue(fake.requests.every((r) => r.headers["x-business"] === "second"))
      const unknown = yield* Effect.flip(connection.list({ resource: "no_such_things" }))
      assert.strictEqual(unknown._tag, "ConnectorError")
    }).pipe(Effect.provide(services))
  )
})
