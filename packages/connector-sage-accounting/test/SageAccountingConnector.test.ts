import { assert, describe, it } from "@effect/vitest"
import { AuthSpec, Configuration, Param } from "@plugboard/core"
import { Effect, Redacted } from "effect"
import { endpoints, SageAccounting, SageAccountingErrors } from "../src/index.js"

describe("SageAccounting definition", () => {
  it("is the sageone element of the finance hub, OAuth 2.0, polling", () => {
    assert.strictEqual(SageAccounting.key, "sageone")
    assert.strictEqual(SageAccounting.hub, "finance")
    assert.strictEqual(AuthSpec.catalogType(SageAccounting.auth.strategy), "oauth2")
    assert.deepStrictEqual(SageAccounting.events.methods, ["polling"])
    assert.strictEqual(SageAccounting.auth.strategy._tag, "OAuth2Code")
    if (SageAccounting.auth.strategy._tag === "OAuth2Code") {
      assert.deepStrictEqual(SageAccounting.auth.strategy.authorizeParams, { country: "{country}" })
    }
    assert.deepStrictEqual(SageAccounting.auth.headers, {
      "X-Business": "business.id",
      "Ocp-Apim-Subscription-Key": "apim.subscription.key"
    })
  })

  it("declares the seed's configuration keys with Sage's endpoints as defaults", () => {
    const c = SageAccounting.configuration
    for (const key of [
      "oauth.api.key",
      "oauth.api.secret",
      "signature.secret",
      "apim.subscription.key",
      "country",
      "oauth.callback.url",
      "business.id"
    ]) {
      assert.isDefined(c[key], key)
    }
    assert.strictEqual(c["oauth.scope"]?.default, "full_access")
    assert.strictEqual(c["base.url"]?.default, "https://api.accounting.sage.com/v3.1")
    assert.strictEqual(c["oauth.authorization.url"]?.default, endpoints.authorizationUrl)
    assert.include(endpoints.authorizationUrl, "filter=apiv3.1")
    assert.strictEqual(c["oauth.token.url"]?.default, "https://oauth.accounting.sage.com/token")
    assert.strictEqual(c["pagination.max"]?.default, "200")
    for (const key of ["oauth.api.secret", "signature.secret", "apim.subscription.key"]) {
      assert.strictEqual(Param.catalogType(c[key]!), "PASSWORD", key)
    }
  })

  it.effect("decodes a configuration, refusing a scope Sage does not have", () =>
    Effect.gen(function* () {
      const ok = yield* Configuration.decode(SageAccounting.configuration, {
        "oauth.api.key": "id",
        "oauth.api.secret": "secret",
        "apim.subscription.key": "k"
      })
      assert.strictEqual(ok.text("oauth.scope"), "full_access")
      assert.strictEqual(Redacted.value(ok.secret("apim.subscription.key")!), "k")
      assert.strictEqual(ok.masked()["apim.subscription.key"], "********")
      const bad = yield* Effect.flip(
        Configuration.decode(SageAccounting.configuration, { "oauth.scope": "admin" })
      )
      assert.deepStrictEqual(bad.problems.map((p) => p.key).sort(), [
        "oauth.api.key",
        "oauth.api.secret",
        "oauth.scope"
      ])
    })
  )

  it("maps the finance resources to Sage's collections with their wrapper keys", () => {
    const r = SageAccounting.resources
    const table = Object.fromEntries(Object.entries(r).map(([name, res]) => [name, [res.path, res.bodyKey]]))
    assert.deepStrictEqual(table, {
      customers: ["/contacts", "contact"],
      vendors: ["/contacts", "contact"],
      contacts: ["/contacts", "contact"],
      invoices: ["/sales_invoices", "sales_invoice"],
      "purchase-invoices": ["/purchase_invoices", "purchase_invoice"],
      products: ["/products", "product"],
      "ledger-accounts": ["/ledger_accounts", "ledger_account"],
      payments: ["/contact_payments", "contact_payment"],
      "tax-rates": ["/tax_rates", "tax_rate"],
      journals: ["/journals", "journal"],
      "bank-accounts": ["/bank_accounts", "bank_account"]
    })
    assert.deepStrictEqual(r["customers"]?.query, { contact_type_id: "CUSTOMER" })
    assert.deepStrictEqual(r["customers"]?.createDefaults, { contact_type_ids: ["CUSTOMER"] })
    assert.deepStrictEqual(r["vendors"]?.query, { contact_type_id: "VENDOR" })
    assert.deepStrictEqual(r["journals"]?.verbs, ["list", "get", "create", "delete"])
    assert.notInclude(r["ledger-accounts"]?.verbs ?? [], "delete")
    // The vendor has no deleted_since on ledger accounts and tax rates.
    assert.isUndefined(r["ledger-accounts"]?.tombstones)
    assert.isUndefined(r["tax-rates"]?.tombstones)
    assert.strictEqual(r["customers"]?.tombstones?.param, "deleted_since")
    assert.strictEqual(SageAccounting.objects?.path, "/{objectName}")
  })

  it("reads the vendor's error shapes", () => {
    const read = SageAccountingErrors.readError
    assert.strictEqual(
      read(422, [
        { $severity: "error", $dataCode: "RecordInvalid", $message: "can't be blank", $source: "name" },
        { $severity: "error", $dataCode: "RecordInvalid", $message: "is invalid", $source: "" }
      ]),
      "name: can't be blank; is invalid"
    )
    assert.strictEqual(
      read(401, { statusCode: 401, message: "Access denied due to missing subscription key." }),
      "Access denied due to missing subscription key."
    )
    assert.strictEqual(
      read(400, { error: "invalid_grant", error_description: "expired" }),
      "invalid_grant: expired"
    )
    assert.strictEqual(read(404, [{ $dataCode: "RecordNotFound" }]), "RecordNotFound")
    assert.isUndefined(read(500, "<html>oops</html>"))
    assert.isUndefined(read(500, []))
    assert.strictEqual(read(500, "x".repeat(2000))?.length, 1000)
  })
})
