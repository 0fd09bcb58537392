import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import * as Settings from "../../src/Settings.js"

const read = (env: Record<string, string>) =>
  Settings.config.pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env })))

describe("Settings", () => {
  it.effect("has the documented defaults", () =>
    Effect.gen(function* () {
      const settings = yield* read({})
      assert.strictEqual(settings.port, 8080)
      assert.strictEqual(settings.dataDir, "./.plugboard")
      assert.isTrue(Option.isNone(settings.databaseUrl))
      assert.isTrue(Option.isNone(settings.connectors))
      assert.deepStrictEqual(settings.allowPrivateNetworks, { _tag: "None" })
      assert.strictEqual(settings.logLevel, "info")
      assert.isFalse(Settings.usesPostgres(settings))
    })
  )

  it.effect("reads every variable of contract §10", () =>
    Effect.gen(function* () {
      const settings = yield* read({
        PORT: "9090",
        PLUGBOARD_DATA_DIR: "/var/lib/plugboard",
        DATABASE_URL: "postgres://u@db/plugboard",
        PLUGBOARD_ENCRYPTION_KEY: "a2V5",
        PLUGBOARD_ORGANIZATION_SECRET: "org",
        PLUGBOARD_USER_SECRET: "user",
        PLUGBOARD_CONNECTORS: " @a/one, @b/two ,",
        PLUGBOARD_ALLOW_PRIVATE_NETWORKS: "10.0.0.0/8, 192.168.1.0/24",
        LOG_LEVEL: "WARN"
      })
      assert.strictEqual(settings.port, 9090)
      assert.strictEqual(settings.dataDir, "/var/lib/plugboard")
      assert.isTrue(Settings.usesPostgres(settings))
      assert.strictEqual(Redacted.value(Option.getOrThrow(settings.organizationSecret)), "org")
      assert.deepStrictEqual(Option.getOrThrow(settings.connectors), ["@a/one", "@b/two"])
      assert.deepStrictEqual(settings.allowPrivateNetworks, {
        _tag: "Cidrs",
        cidrs: ["10.0.0.0/8", "192.168.1.0/24"]
      })
      assert.strictEqual(settings.logLevel, "warn")
      assert.deepStrictEqual(
        (yield* read({ PLUGBOARD_ALLOW_PRIVATE_NETWORKS: "true" })).allowPrivateNetworks,
        {
          _tag: "All"
        }
      )
    })
  )

  it.effect("refuses a bad LOG_LEVEL or PORT with a message naming it", () =>
    Effect.gen(function* () {
      const level = yield* Effect.flip(read({ LOG_LEVEL: "loud" }))
      assert.include(level.message, "LOG_LEVEL")
      const port = yield* Effect.flip(read({ PORT: "eighty" }))
      assert.include(port.message, "PORT")
    })
  )

  it.effect("treats empty secrets as unset", () =>
    Effect.gen(function* () {
      const settings = yield* read({ PLUGBOARD_USER_SECRET: "  ", DATABASE_URL: "" })
      assert.isTrue(Option.isNone(settings.userSecret))
      assert.isTrue(Option.isNone(settings.databaseUrl))
    })
  )
})
