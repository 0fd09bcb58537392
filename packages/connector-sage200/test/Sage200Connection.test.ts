import { assert, describe, it } from "@effect/vitest"
import { Auth, Configuration, type ConnectorError, TokenStore } from "@plugboard/core"
import { Effect, Layer, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { Sage200 } from "../src/index.js"
import { fakeSage200 } from "../src/testing.js"
import { connect } from "./Sage200Connect.js"
import { seedInstanceConfiguration } from "./Sage200Seed.js"

const services = Layer.mergeAll(TokenStore.TokenStore.layerMemory, FetchHttpClient.layer)

const reasonOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "ConnectorError"
    ? (error as ConnectorError.ConnectorError).reason._tag
    : undefined

const twoCompanies = [
  { siteId: "site-1", siteName: "Head office", companyId: 1, companyName: "Alpha Trading" },
  { siteId: "site-2", siteName: "Head office", companyId: 2, companyName: "Cloud-Elements Demodata" }
]

describe("Sage 200 through the hub engine", () => {
  it.live("finds X-Site and X-Company once from GET /sites by company.name and sends them everywhere", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSage200({ companies: twoCompanies, subscriptionKey: "sub-key" })
      fake
        .storeOf("Cloud-Elements Demodata")
        .insert("customers", { reference: "DEMO1", name: "Demo customer" })
      fake.storeOf("Alpha Trading").insert("customers", { reference: "ALPHA1", name: "Alpha customer" })
      const { connection } = yield* connect(fake, {
        "subscription.key": "sub-key",
        "company.name": " cloud-elements DEMODATA "
      })

      const first = yield* connection.list({ resource: "customers" })
      const second = yield* connection.list({ resource: "customers" })
      assert.deepStrictEqual(
        first.records.map((r) => r["reference"]),
        ["DEMO1"]
      )
      assert.deepStrictEqual(
        second.records.map((r) => r["reference"]),
        ["DEMO1"]
      )
      assert.strictEqual(fake.requests.filter((r) => r.path === "/sites").length, 1)
      const call = fake.requests.filter((r) => r.path === "/customers").at(-1)
      assert.strictEqual(call?.headers["x-site"], "site-2")
      assert.strictEqual(call?.headers["x-company"], "2")
      assert.strictEqual(call?.headers["ocp-apim-subscription-key"], "sub-key")
      assert.strictEqual(call?.query.get("$orderby"), "id")
      assert.strictEqual(call?.query.get("$skip"), "0")
    }).pipe(Effect.provide(services))
  )

  it.live("a company the user cannot reach is an InvalidRequest naming company.name and the companies", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSage200({ companies: twoCompanies })
      const { connection } = yield* connect(fake, { "company.name": "Nope Ltd" })
      const error = yield* Effect.flip(connection.list({ resource: "customers" }))
      assert.strictEqual(reasonOf(error), "InvalidRequest")
      const reason = (error as ConnectorError.ConnectorError).reason
      assert.strictEqual("field" in reason ? reason.field : undefined, "company.name")
      assert.match(error.message, /'Nope Ltd'/)
      assert.match(error.message, /'Alpha Trading', 'Cloud-Elements Demodata'/)
      // Without company.name and with two companies, the user must choose.
      const unnamed = yield* connect(fake, { "company.name": "" })
      const missing = yield* Effect.flip(unnamed.connection.list({ resource: "customers" }))
      assert.match(missing.message, /'company.name' is required/)
    }).pipe(Effect.provide(services))
  )

  it.live("customers: create, get, replace, update (as PUT), list with CEQL, delete", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSage200()
      const { connection } = yield* connect(fake)
      const created = yield* connection.create("customers", { reference: "ACME01", name: "Acme Ltd" })
      assert.isNumber(created["id"])
      const id = String(created["id"])
      assert.strictEqual((yield* connection.get("customers", id))["name"], "Acme Ltd")
      const replaced = yield* connection.replace("customers", id, { credit_limit: 5000 })
      assert.strictEqual(replaced["name"], "Acme Ltd")
      const patched = yield* connection.update("customers", id, { name: "Acme Group" })
      assert.strictEqual(patched["credit_limit"], 5000)
      assert.strictEqual(fake.requests.filter((r) => r.method === "PATCH").length, 0)

      yield* connection.create("customers", { reference: "BOLT01", name: "Bolt Supplies" })
      const found = yield* connection.list({ resource: "customers", where: `id = '${id}'` })
      assert.deepStrictEqual(
        found.records.map((r) => r["reference"]),
        ["ACME01"]
      )
      assert.strictEqual(fake.requests.at(-1)?.query.get("$filter"), `id eq ${id}`)
      const liked = yield* connection.list({
        resource: "customers",
        where: "name LIKE '%bolt%'",
        orderBy: "name desc"
      })
      assert.deepStrictEqual(
        liked.records.map((r) => r["reference"]),
        ["BOLT01"]
      )
      assert.strictEqual(fake.requests.at(-1)?.query.get("$orderby"), "name desc,id asc")

      yield* connection.remove("customers", id)
      assert.strictEqual(reasonOf(yield* Effect.flip(connection.get("customers", id))), "NotFound")
    }).pipe(Effect.provide(services))
  )

  it.live("pages with $skip/$top until a short page, and reads sales order lines as children", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSage200()
      for (let n = 0; n < 7; n++) fake.store.insert("products", { code: `P${n}`, name: `Product ${n}` })
      const order = fake.store.insert("sop_orders", { customer_id: 1, document_no: "SO1" })
      fake.store.insert("sop_order_lines", { sop_order_id: order.id, line_quantity: 3 })
      const { connection } = yield* connect(fake)
      const page1 = yield* connection.list({ resource: "products", pageSize: 3 })
      assert.strictEqual(page1.records.length, 3)
      const all = yield* Stream.runCollect(connection.stream({ resource: "products", pageSize: 3 }))
      assert.strictEqual(all.length, 7)
      const skips = fake.requests.filter((r) => r.path === "/products").map((r) => r.query.get("$skip"))
      assert.includeMembers(skips, ["0", "3", "6"])
      const lines = yield* connection.children("sales-orders", String(order.id), "sop_order_lines")
      assert.deepStrictEqual(
        lines.records.map((l) => l["line_quantity"]),
        [3]
      )
      // Any other Sage 200 collection is a vendor object.
      fake.store.insert("product_groups", { code: "G1" })
      const groups = yield* connection.list({ resource: "product_groups" })
      assert.deepStrictEqual(
        groups.records.map((g) => g["code"]),
        ["G1"]
      )
    }).pipe(Effect.provide(services))
  )

  it.live("ledger postings cannot be changed; the vendor's validation comes back as InvalidRequest", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSage200()
      const { connection } = yield* connect(fake)
      const invoice = yield* connection.create("invoices", { customer_id: 1, reference: "INV1" })
      const refused = yield* Effect.flip(
        connection.update("invoices", String(invoice["id"]), { reference: "x" })
      )
      assert.strictEqual(reasonOf(refused), "Unsupported")
      const invalid = yield* Effect.flip(connection.create("customers", { name: "No reference" }))
      assert.strictEqual(reasonOf(invalid), "InvalidRequest")
      assert.strictEqual(
        (invalid as ConnectorError.ConnectorError).providerMessage,
        "ValidationError: The reference field is required."
      )
    }).pipe(Effect.provide(services))
  )

  it.live("retries 429 and 5xx; a bad token is an Authentication failure after a refresh", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSage200()
      const { connection } = yield* connect(fake)
      fake.failNext(503)
      fake.failNext(429)
      const listed = yield* connection.list({ resource: "warehouses" })
      assert.deepStrictEqual(listed.records, [])
      fake.oauth.expireAccessTokens()
      yield* connection.list({ resource: "warehouses" })
      assert.isTrue(fake.oauth.tokenRequests.some((t) => t.grantType === "refresh_token" && t.status === 200))
    }).pipe(Effect.provide(services))
  )

  it.live(
    "the authorize URL carries the Sage ID audience and scope; the edition key picks Professional",
    () =>
      Effect.gen(function* () {
        const fake = yield* fakeSage200()
        const configuration = yield* Configuration.decode(
          Sage200.configuration,
          seedInstanceConfiguration(fake)
        )
        const url = new URL(yield* Auth.authorizeUrl(Sage200, configuration, { state: "s" }))
        assert.strictEqual(url.searchParams.get("audience"), "s200ukipd/sage200")
        assert.strictEqual(url.searchParams.get("scope"), "openid profile email offline_access")
        const defaults = yield* Configuration.decode(Sage200.configuration, {
          "oauth.api.key": "k",
          "oauth.api.secret": "s",
          "sage200.edition": "sage200extra"
        })
        assert.strictEqual(
          defaults.resolve("base.url"),
          "https://api.columbus.sage.com/uk/sage200extra/accounts/v1"
        )
        assert.strictEqual(defaults.text("oauth.token.url"), "https://id.sage.com/oauth/token")
        const { connection } = yield* connect(fake, { "base.url": fake.professionalBaseUrl })
        yield* connection.list({ resource: "customers" })
        assert.strictEqual(fake.requests.at(-1)?.edition, "sage200extra")
      }).pipe(Effect.provide(services))
  )
})
