import { assert, describe, it } from "@effect/vitest"
import { AuthSpec, Configuration, Param } from "@plugboard/core"
import { Effect } from "effect"
import { Sage200, Sage200Errors, Sage200Session } from "../src/index.js"
import { seedConfiguration } from "./Sage200Seed.js"

describe("the Sage 200 connector's data", () => {
  it("is the sage200 element of the finance hub with OAuth 2.0 through Sage ID", () => {
    assert.strictEqual(Sage200.key, "sage200")
    assert.strictEqual(Sage200.id, 4242)
    assert.strictEqual(Sage200.hub, "finance")
    assert.strictEqual(AuthSpec.catalogType(Sage200.auth.strategy), "oauth2")
    assert.deepStrictEqual(Sage200.auth.headers, { "Ocp-Apim-Subscription-Key": "subscription.key" })
    assert.strictEqual(
      Sage200.configuration["oauth.authorization.url"]?.default,
      "https://id.sage.com/authorize?audience=s200ukipd/sage200"
    )
    assert.strictEqual(Sage200.configuration["oauth.scope"]?.default, "openid profile email offline_access")
    assert.strictEqual(Sage200.configuration["pagination.max"]?.default, "5000")
    assert.isDefined(Sage200.hooks.sessionHeaders)
  })

  it("declares the seed's configuration keys, secrets as secrets", () => {
    for (const key of ["oauth.api.key", "oauth.api.secret", "subscription.key", "signing.key"]) {
      assert.isTrue(Param.isSecretKey(key, Sage200.configuration[key]), key)
    }
    assert.strictEqual(Sage200.configuration["company.name"]?.kind, "text")
    assert.deepStrictEqual(Sage200.configuration["sage200.edition"]?.options, ["sage200", "sage200extra"])
  })

  it.effect("decodes the seed's example configuration", () =>
    Effect.gen(function* () {
      const configuration = yield* Configuration.decode(Sage200.configuration, seedConfiguration)
      assert.strictEqual(configuration.text("company.name"), "Cloud-Elements Demodata")
      assert.strictEqual(
        configuration.resolve("base.url"),
        "https://api.columbus.sage.com/uk/sage200/accounts/v1"
      )
    })
  )

  it("maps the hub resources onto the Sage 200 collections", () => {
    const paths = Object.fromEntries(Object.entries(Sage200.resources).map(([name, r]) => [name, r.path]))
    assert.deepStrictEqual(paths, {
      customers: "/customers",
      suppliers: "/suppliers",
      vendors: "/suppliers",
      invoices: "/sales_invoices",
      payments: "/sales_receipts",
      transactions: "/sales_posted_transactions",
      products: "/products",
      warehouses: "/warehouses",
      "warehouse-holdings": "/warehouse_holdings",
      "sales-orders": "/sop_orders"
    })
    assert.deepStrictEqual(Sage200.resources["transactions"]?.verbs, ["list", "get"])
    assert.strictEqual(Sage200.resources["customers"]?.updateMethod, "PUT")
    assert.strictEqual(
      Sage200.resources["sales-orders"]?.children["sop_order_lines"]?.path,
      "/sop_orders/{id}/sop_order_lines"
    )
    assert.deepStrictEqual(Sage200.paging, {
      _tag: "Offset",
      offsetParam: "$skip",
      limitParam: "$top",
      firstOffset: 0,
      maxPageSize: 5000,
      defaultPageSize: 100,
      items: null
    })
  })
})

describe("Sage 200 error bodies", () => {
  it("reads the shapes the vendor, APIM and Sage ID answer with", () => {
    assert.strictEqual(
      Sage200Errors.readError(400, { code: "ValidationError", message: "bad" }),
      "ValidationError: bad"
    )
    assert.strictEqual(
      Sage200Errors.readError(400, { Message: "The request is invalid." }),
      "The request is invalid."
    )
    assert.strictEqual(
      Sage200Errors.readError(400, { error: { code: "X", message: "odata says no" } }),
      "X: odata says no"
    )
    assert.strictEqual(
      Sage200Errors.readError(401, { statusCode: 401, message: "Access denied" }),
      "Access denied"
    )
    assert.strictEqual(
      Sage200Errors.readError(403, { error: "invalid_grant", error_description: "Unknown refresh token" }),
      "invalid_grant: Unknown refresh token"
    )
    assert.strictEqual(Sage200Errors.readError(500, "<html>oops</html>"), undefined)
    assert.strictEqual(Sage200Errors.readError(400, [{ message: "a" }, { message: "b" }]), "a; b")
  })
})

describe("Sage 200 site selection", () => {
  const sites = [
    { site_id: "s1", site_name: "HQ", company_id: 1, company_name: "Alpha" },
    { site_id: "s2", site_name: "HQ", company_id: 2, company_name: "Beta Ltd" }
  ]

  it.effect("picks the company by name ignoring case and spaces, or the only one", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* Sage200Session.pickSite(sites, "  beta LTD ")).site_id, "s2")
      assert.strictEqual((yield* Sage200Session.pickSite([sites[0]], undefined)).site_id, "s1")
    })
  )

  it.effect("fails with InvalidRequest on company.name, or UnexpectedResponse on a strange body", () =>
    Effect.gen(function* () {
      const unknown = yield* Effect.flip(Sage200Session.pickSite(sites, "Gamma"))
      assert.strictEqual(unknown.reason._tag, "InvalidRequest")
      assert.match(unknown.message, /'Gamma'.*'Alpha', 'Beta Ltd'/)
      const strange = yield* Effect.flip(Sage200Session.pickSite({ sites }, "Alpha"))
      assert.strictEqual(strange.reason._tag, "UnexpectedResponse")
    })
  )
})
