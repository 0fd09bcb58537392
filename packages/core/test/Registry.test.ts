import { assert, describe, it } from "@effect/vitest"
import { AuthSpec, Connector, Paging, Param, Registry, Resource } from "@plugboard/core"
import { Effect } from "effect"

const noTranslation = () => ({ params: {}, residual: undefined })

const connector = (key: string, id: number) =>
  Connector.make({
    key,
    id,
    name: key.toUpperCase(),
    description: `The ${key} element`,
    hub: "crm",
    baseUrl: "https://{subdomain}.example.com/api",
    auth: AuthSpec.basic(),
    configuration: { subdomain: Param.text({ required: true }) },
    paging: Paging.pageNumber({ pageParam: "page", sizeParam: "per_page", maxPageSize: 50, items: "items" }),
    query: noTranslation as never,
    resources: { accounts: Resource.make({ path: "/accounts", id: "id", verbs: ["list", "get", "create"] }) }
  })

describe("Connector.make", () => {
  it("adds the standard configuration keys and keeps the connector's own", () => {
    const made = connector("acme", 1)
    assert.strictEqual(made.configuration["base.url"]?.default, "https://{subdomain}.example.com/api")
    assert.strictEqual(made.configuration["pagination.max"]?.default, "50")
    assert.strictEqual(made.configuration["event.poller.refresh_interval"]?.default, "15")
    assert.isTrue(made.configuration["event.notification.basic.password"]?.secret)
    assert.isTrue(made.configuration["subdomain"]?.required)
    assert.deepStrictEqual(made.credentialCheck, { path: "/accounts" })
    assert.deepStrictEqual(made.events.methods, ["polling"])
    assert.strictEqual(AuthSpec.catalogType(made.auth.strategy), "basic")
    assert.strictEqual(Param.catalogType(made.configuration["event.poller.configuration"]!), "CODE_EDITOR")
  })

  it("finds resources by hub name only", () => {
    const made = connector("acme", 1)
    assert.isDefined(Connector.resource(made, "accounts"))
    assert.isUndefined(Connector.resource(made, "toString"))
  })
})

describe("Registry", () => {
  it.effect("looks connectors up by key and by numeric id", () =>
    Effect.gen(function* () {
      const registry = yield* Registry.make([connector("acme", 1), connector("globex", 2)])
      assert.strictEqual(registry.find("globex")?.id, 2)
      assert.strictEqual(registry.find("1")?.key, "acme")
      assert.isUndefined(registry.find("initech"))
      assert.strictEqual(registry.all.length, 2)
    })
  )

  it.effect("refuses two connectors with one key", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Registry.make([connector("acme", 1), connector("acme", 3)]))
      assert.strictEqual(error._tag, "DuplicateConnector")
      assert.include(error.message, "acme")
    })
  )
})
