import { assert, describe, it } from "@effect/vitest"
import { AuthSpec, Ceql, Configuration, Param, PollerConfiguration } from "@plugboard/core"
import { Effect, Redacted, Result } from "effect"
import { endpoints, requestsPerSecond, Sendoso, SendosoCeql } from "../src/index.js"

describe("Sendoso definition", () => {
  it("is the sendoso element of the rewards hub, OAuth 2.0 code, polling and webhooks", () => {
    assert.strictEqual(Sendoso.key, "sendoso")
    assert.strictEqual(Sendoso.hub, "rewards")
    assert.isTrue(Number.isInteger(Sendoso.id) && Sendoso.id > 0)
    assert.strictEqual(Sendoso.auth.strategy._tag, "OAuth2Code")
    assert.strictEqual(AuthSpec.catalogType(Sendoso.auth.strategy), "oauth2")
    assert.deepStrictEqual(Sendoso.events.methods, ["polling", "webhook"])
    assert.deepStrictEqual(Sendoso.rateLimit, { requestsPerSecond: 10 })
    assert.strictEqual(requestsPerSecond, 10)
    assert.deepStrictEqual(Sendoso.credentialCheck, { path: "/me" })
  })

  it("declares the seed's configuration keys with Sendoso's endpoints as defaults", () => {
    const c = Sendoso.configuration
    for (const key of ["oauth.api.key", "oauth.api.secret", "oauth.callback.url"])
      assert.isDefined(c[key], key)
    assert.isTrue(c["oauth.api.key"]?.required)
    assert.isTrue(c["oauth.api.secret"]?.required)
    assert.strictEqual(Param.catalogType(c["oauth.api.secret"]!), "PASSWORD")
    // No default: a Cloud Elements URL means nothing here; the runner falls back to its own callback.
    assert.isNull(c["oauth.callback.url"]?.default)
    assert.strictEqual(c["base.url"]?.default, "https://app.sendoso.com/api/v3")
    assert.strictEqual(c["oauth.authorization.url"]?.default, "https://app.sendoso.com/oauth/authorize")
    assert.strictEqual(c["oauth.token.url"]?.default, "https://app.sendoso.com/oauth/token")
    assert.strictEqual(c["oauth.scope"]?.default, "public write update marketplace smartsend")
    assert.strictEqual(c["pagination.max"]?.default, "100")
    assert.strictEqual(endpoints.baseUrl, "https://app.sendoso.com/api/v3")
  })

  it.effect("decodes the seed's sample configuration and names the missing keys", () =>
    Effect.gen(function* () {
      const ok = yield* Configuration.decode(Sendoso.configuration, {
        "oauth.api.key": "[myApiKey]",
        "oauth.api.secret": "[myApiSecret]",
        "oauth.callback.url": "https://auth.cloudelements.io/oauth"
      })
      assert.strictEqual(Redacted.value(ok.secret("oauth.api.secret")!), "[myApiSecret]")
      assert.strictEqual(ok.masked()["oauth.api.secret"], "********")
      const bad = yield* Effect.flip(Configuration.decode(Sendoso.configuration, {}))
      assert.deepStrictEqual(bad.problems.map((p) => p.key).sort(), ["oauth.api.key", "oauth.api.secret"])
    })
  )

  it("maps each resource to its Sendoso path and list envelope", () => {
    const r = Sendoso.resources
    assert.deepStrictEqual(Object.keys(r), ["groups", "touches", "gifts", "users", "return-addresses"])
    assert.deepStrictEqual(
      Object.fromEntries(Object.entries(r).map(([name, res]) => [name, [res.path, res.envelope]])),
      {
        groups: ["/groups", { items: "groups", total: "total_groups" }],
        touches: ["/touches", { items: "touches", total: "total_posts" }],
        gifts: ["/send", { items: "sends", total: "total_count" }],
        users: ["/users", { items: "users", total: "total_users" }],
        "return-addresses": [
          "/return_addresses",
          { items: "return_addresses", total: "total_return_addresses" }
        ]
      }
    )
    assert.deepStrictEqual(r["groups"]?.children["members"], {
      path: "/groups/{id}/members",
      envelope: { items: null },
      id: "id"
    })
    assert.strictEqual(r["gifts"]?.bodyKey, "send")
    assert.deepStrictEqual(r["gifts"]?.verbs, ["list", "create"])
    assert.deepStrictEqual(r["touches"]?.verbs, ["list", "get"])
    assert.deepStrictEqual(Sendoso.paging, {
      _tag: "PageNumber",
      firstPage: 1,
      defaultPageSize: 100,
      pageParam: "page",
      sizeParam: "per_page",
      maxPageSize: 100,
      items: null
    })
    // No generic objects: a name Sendoso lacks is refused by core, naming these resources.
    assert.isUndefined(Sendoso.objects)
  })

  it("polls groups on updated_at and the resources without an update date in Diff mode", () => {
    const entry = (name: string) =>
      PollerConfiguration.defaultEntry("rewards", name, Sendoso.resources[name]!)
    assert.deepStrictEqual(entry("groups"), {
      url: "/hubs/rewards/groups?where=updated_at >= '${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
      idField: "id",
      datesConfiguration: {
        updatedDateField: "updated_at",
        updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
        updatedDateTimezone: "GMT",
        createdDateField: "created_at",
        createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
        createdDateTimezone: "GMT"
      }
    })
    for (const name of ["touches", "gifts", "return-addresses"]) {
      assert.strictEqual(entry(name)?.strategy, "diff", name)
      assert.strictEqual(entry(name)?.url, `/hubs/rewards/${name}`)
    }
    assert.isUndefined(entry("users"))
    assert.deepStrictEqual(Sendoso.events.defaultResources, ["groups", "touches"])
  })
})

describe("Sendoso CEQL", () => {
  const plan = (where: string, resource: string) =>
    Result.getOrThrow(Ceql.planResult(where, Sendoso.query, { resource }))

  it("sends delivery_type of campaigns to Sendoso and checks it again in memory", () => {
    const translated = plan("delivery_type = 'email' AND name LIKE 'Coffee%'", "touches")
    assert.deepStrictEqual(translated.params, { delivery_type: "email" })
    assert.strictEqual(Ceql.print(translated.residual!), "delivery_type = 'email' AND name LIKE 'Coffee%'")
  })

  it("keeps an unknown delivery type, other resources and every other condition in memory", () => {
    assert.deepStrictEqual(plan("delivery_type = 'fax'", "touches").params, {})
    assert.deepStrictEqual(plan("delivery_type = 'mail'", "gifts").params, {})
    const dates = plan("updated_at >= '2026-11-22T10:00:00Z' OR id = 4", "groups")
    assert.deepStrictEqual(dates.params, {})
    assert.strictEqual(Ceql.print(dates.residual!), "updated_at >= '2026-11-22T10:00:00Z' OR id = 4")
    assert.deepStrictEqual(SendosoCeql.rulesFor("groups"), {})
  })
})
