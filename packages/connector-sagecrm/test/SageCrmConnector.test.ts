import { assert, describe, it } from "@effect/vitest"
import { AuthSpec, Ceql, Configuration, ConnectorError, Param } from "@plugboard/core"
import { Effect, Result } from "effect"
import { readSDataError } from "../src/internal/errors.js"
import { SageCrm } from "../src/index.js"
import { connect, withFake } from "./SageCrmHarness.js"

describe("Sage CRM element", () => {
  it("has the original element's catalog metadata", () => {
    assert.strictEqual(SageCrm.key, "sagecrm")
    assert.strictEqual(SageCrm.id, 3641)
    assert.strictEqual(SageCrm.name, "Sage CRM")
    assert.strictEqual(SageCrm.hub, "crm")
    assert.strictEqual(SageCrm.image, "/elements/provider_sagecrm.png")
    assert.match(SageCrm.description, /^Add a Sage CRM Instance to connect your existing Sage account/)
    assert.strictEqual(AuthSpec.catalogType(SageCrm.auth.strategy), "basic")
    assert.deepStrictEqual(SageCrm.events.methods, ["polling"])
    assert.deepStrictEqual(SageCrm.bulk, { download: true, upload: true })
    assert.deepStrictEqual(Object.keys(SageCrm.resources).sort(), [
      "accounts",
      "contacts",
      "leads",
      "opportunities",
      "users"
    ])
    assert.deepStrictEqual(SageCrm.resources.users?.verbs, ["list", "get"])
    assert.includeMembers(
      [...(SageCrm.resources.accounts?.verbs ?? [])],
      ["create", "update", "replace", "delete"]
    )
    assert.strictEqual(SageCrm.resources.accounts?.itemPath, "/Company('{id}')")
  })

  it.effect("decodes the seed's instance configuration to the seed's stored values", () =>
    Effect.gen(function* () {
      const configuration = yield* Configuration.decode(SageCrm.configuration, {
        subdomain: "sagecrm-0.cloud-elements.com",
        username: "XXXXXX",
        password: "XXXXXXXXXX"
      })
      const shown = configuration.masked()
      const expected: Record<string, string | null> = {
        "base.url": "https://{subdomain}/sdata/crmj/sagecrm2/-",
        "bulk.add_metadata": null,
        "bulk.query.field_name": "replaceMe",
        "pagination.max": "200",
        "bulk.accounts.attribute.created_time": "Comp_UpdatedDate",
        "event.vendor.type": "polling",
        "bulk.query.operator": ">=",
        "bulk.query.date_mask": "yyyy-MM-dd'T'HH:mm:ss'Z'",
        "bulk.query.download_format": "JSON",
        password: "********",
        "bulk.contacts.attribute.created_time": "Pers_UpdatedDate",
        "pagination.type": "cursor",
        "bulk.relations": null,
        "event.poller.refresh_interval": "15",
        "event.notification.callback.url": null,
        subdomain: "sagecrm-0.cloud-elements.com",
        "bulk.leads.attribute.created_time": "Lead_UpdatedDate",
        "bulk.users.attribute.created_time": "User_UpdatedDate",
        "bulk.opportunities.attribute.created_time": "Oppo_UpdatedDate",
        "bulk.query.update": "true",
        username: "XXXXXX",
        "event.notification.enabled": "false"
      }
      for (const [key, value] of Object.entries(expected)) assert.strictEqual(shown[key], value, key)
      assert.strictEqual(
        configuration.resolve("base.url"),
        "https://sagecrm-0.cloud-elements.com/sdata/crmj/sagecrm2/-"
      )
      assert.isTrue(Param.isSecretKey("password", SageCrm.configuration.password))
    })
  )

  it.effect("names every missing required key", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Configuration.decode(SageCrm.configuration, { subdomain: "crm.example.com" })
      )
      assert.deepStrictEqual(error.problems.map((p) => p.key).sort(), ["password", "username"])
    })
  )

  it("reads SData $diagnoses into the provider message", () => {
    const body = {
      $diagnoses: [
        { $severity: "error", $sdataCode: "BadWhereSyntax", $message: "where: unknown field 'x'" },
        { $severity: "error", $sdataCode: "ApplicationDiagnosis", $message: "second" }
      ]
    }
    assert.strictEqual(readSDataError(400, body), "where: unknown field 'x' (BadWhereSyntax); second")
    assert.strictEqual(readSDataError(400, [{ $message: "bare array" }]), "bare array")
    assert.strictEqual(readSDataError(500, "Server busy"), "Server busy")
    assert.isUndefined(readSDataError(500, "<html><body>IIS</body></html>"))
    assert.isUndefined(readSDataError(500, { $diagnoses: [{ $severity: "error" }] }))
    assert.isUndefined(readSDataError(500, null))
  })

  it("translates CEQL per resource: id aliases, children, vendor objects", () => {
    const plan = (where: string, resource: string) => {
      const result = Ceql.planResult(where, SageCrm.query, { resource })
      assert.isTrue(Result.isSuccess(result), where)
      return Result.getOrThrow(result)
    }
    assert.deepStrictEqual(plan("$key = '5'", "contacts").params, { where: "pers_personid eq '5'" })
    assert.deepStrictEqual(plan("key = 5 AND pers_lastname = 'Smith'", "accounts/{id}/contacts").params, {
      where: "pers_personid eq 5 and pers_lastname eq 'Smith'"
    })
    const object = plan("$key = '5' AND case_status = 'Open'", "Cases")
    assert.deepStrictEqual(object.params, { where: "case_status eq 'Open'" })
    assert.isDefined(object.residual)
    const decorated = plan("$url = 'x' AND `a.b` = 1 AND Comp_Type = 'Customer'", "accounts")
    assert.deepStrictEqual(decorated.params, { where: "Comp_Type eq 'Customer'" })
    assert.deepStrictEqual(plan("comp_name IS NULL", "accounts").params, {})
    // Sage CRM's where has no boolean literals: such conditions stay in memory.
    const flagged = plan("comp_name = true AND Comp_Type = 'Customer'", "accounts")
    assert.deepStrictEqual(flagged.params, { where: "Comp_Type eq 'Customer'" })
    assert.strictEqual(Ceql.print(flagged.residual!), "comp_name = true AND Comp_Type = 'Customer'")
    assert.deepStrictEqual(plan("", "accounts").params, {})
  })

  it.live("retries a vendor 503 on reads and reports a vendor 400 with its message", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        fake.store.insert("Company", { comp_name: "Acme" })
        const connection = yield* connect(fake)
        fake.store.failNext({ status: 503, times: 2 })
        const page = yield* connection.list({ resource: "accounts" })
        assert.strictEqual(page.records.length, 1)

        const error = yield* Effect.flip(connection.list({ resource: "accounts", where: "comp_nosuch = 1" }))
        assert.instanceOf(error, ConnectorError.ConnectorError)
        assert.strictEqual(error.reason._tag, "InvalidRequest")
        assert.match(error.providerMessage ?? "", /unknown field 'comp_nosuch'.*BadWhereSyntax/)
      })
    )
  )
})
