import { assert, describe, it } from "@effect/vitest"
import { Configuration, Param } from "@plugboard/core"
import { Effect, Redacted } from "effect"

// The parameters of the seed elements, as their connectors declare them (the standard event keys included).
const sageCrmParams = {
  subdomain: Param.text({ required: true }),
  username: Param.text({ required: true }),
  password: Param.secret({ required: true }),
  "base.url": Param.url({ default: "https://{subdomain}/sdata/crmj/sagecrm2/-" }),
  "pagination.max": Param.number({ default: 200 }),
  "event.notification.enabled": Param.boolean({ default: false }),
  "event.poller.refresh_interval": Param.number({ default: 15 }),
  "event.poller.configuration": Param.json({}),
  "event.notification.basic.password": Param.secret({})
}

const sageOneParams = {
  "oauth.api.key": Param.secret({ required: true }),
  "oauth.api.secret": Param.secret({ required: true }),
  "signature.secret": Param.secret({}),
  "apim.subscription.key": Param.secret({}),
  country: Param.text({}),
  "oauth.callback.url": Param.url({}),
  "event.notification.enabled": Param.boolean({ default: false }),
  "event.notification.callback.url": Param.url({}),
  "event.poller.refresh_interval": Param.number({ default: 15 }),
  "event.poller.configuration": Param.json({})
}

// Seed 004: Sage CRM authentication.
const seedSageCrm = { subdomain: "sagecrm-0.cloud-elements.com", username: "XXXXXX", password: "XXXXXXXXXX" }

// Seed 003: Sage Business Cloud Accounting with polling; booleans as JSON, the poller config as an object.
const seedSageOne = {
  "oauth.api.key": "xxxxxxxxxxxxxxxxxx",
  "oauth.api.secret": "xxxxxxxxxxxxxxxxxxxxxx",
  "signature.secret": "xxxxxxxxxxxxxxxxxxxxxxxxx",
  "apim.subscription.key": "xxxxxxxxxxxxxxxxxxxxxxxxx",
  country: "US",
  "oauth.callback.url": "https://mycoolapp.com",
  "event.notification.enabled": true,
  "event.notification.callback.url": "http://mycoolapp.com",
  "event.poller.refresh_interval": "15",
  "event.poller.configuration": {
    customers: {
      url: "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at'",
      idField: "id",
      datesConfiguration: { updatedDateField: "updated_at", updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'" }
    }
  }
}

describe("Configuration.decode", () => {
  it.effect("accepts the Sage CRM seed and merges defaults", () =>
    Effect.gen(function* () {
      const config = yield* Configuration.decode(sageCrmParams, seedSageCrm)
      assert.strictEqual(config.text("subdomain"), "sagecrm-0.cloud-elements.com")
      assert.strictEqual(config.text("pagination.max"), "200")
      assert.strictEqual(
        config.resolve("base.url"),
        "https://sagecrm-0.cloud-elements.com/sdata/crmj/sagecrm2/-"
      )
      assert.strictEqual(config.text("password"), undefined, "secrets are not readable as text")
      assert.strictEqual(Redacted.value(config.secret("password")!), "XXXXXXXXXX")
      const masked = config.masked()
      assert.strictEqual(masked["password"], "********")
      assert.strictEqual(masked["event.notification.enabled"], "false")
      assert.strictEqual(masked["event.poller.configuration"], null)
    })
  )

  it.effect("accepts the Sage Accounting seed with booleans and a JSON object", () =>
    Effect.gen(function* () {
      const config = yield* Configuration.decode(sageOneParams, seedSageOne)
      assert.isTrue(config.flag("event.notification.enabled"))
      assert.strictEqual(config.number("event.poller.refresh_interval"), 15)
      assert.deepStrictEqual(
        config.json("event.poller.configuration"),
        seedSageOne["event.poller.configuration"]
      )
      for (const key of ["oauth.api.key", "oauth.api.secret", "signature.secret", "apim.subscription.key"]) {
        assert.strictEqual(config.masked()[key], "********", key)
      }
    })
  )

  it.effect("accepts the poller configuration as a JSON string", () =>
    Effect.gen(function* () {
      const asString = JSON.stringify(seedSageOne["event.poller.configuration"])
      const config = yield* Configuration.decode(sageOneParams, {
        ...seedSageOne,
        "event.poller.configuration": asString
      })
      assert.deepStrictEqual(
        config.json("event.poller.configuration"),
        seedSageOne["event.poller.configuration"]
      )
    })
  )

  it.effect("names every missing required key and every ill-typed key", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Configuration.decode(sageCrmParams, {
          subdomain: "x",
          "event.notification.enabled": "maybe",
          "event.poller.refresh_interval": "often",
          "event.poller.configuration": "{not json"
        })
      )
      const keys = error.problems.map((p) => p.key).sort()
      assert.deepStrictEqual(keys, [
        "event.notification.enabled",
        "event.poller.configuration",
        "event.poller.refresh_interval",
        "password",
        "username"
      ])
      assert.include(error.message, "'password' is required")
      assert.include(error.message, "'username' is required")
      assert.notInclude(error.message, "XXXXXXXXXX")
    })
  )

  it.effect("keeps undeclared keys as strings and masks secret-looking ones", () =>
    Effect.gen(function* () {
      const config = yield* Configuration.decode(sageCrmParams, {
        ...seedSageCrm,
        "custom.flag": true,
        "oauth.user.token": "tok"
      })
      assert.strictEqual(config.text("custom.flag"), "true")
      assert.strictEqual(config.masked()["oauth.user.token"], "********")
    })
  )

  it.effect("an update keeps stored values and a masked secret keeps the stored secret", () =>
    Effect.gen(function* () {
      const first = yield* Configuration.decode(sageCrmParams, seedSageCrm)
      const next = yield* Configuration.decode(
        sageCrmParams,
        { password: "********", username: "new-user" },
        { previous: first }
      )
      assert.strictEqual(next.text("username"), "new-user")
      assert.strictEqual(next.text("subdomain"), "sagecrm-0.cloud-elements.com")
      assert.strictEqual(Redacted.value(next.secret("password")!), "XXXXXXXXXX")
    })
  )

  it.effect("rejects a configuration that is not an object", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Configuration.decode(sageCrmParams, ["a"]))
      assert.strictEqual(error.problems[0]?.key, "configuration")
    })
  )

  it.effect("rejects a base URL that is not a URL", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Configuration.decode(sageCrmParams, { ...seedSageCrm, "base.url": "not a url" })
      )
      assert.strictEqual(error.problems[0]?.key, "base.url")
    })
  )
})
