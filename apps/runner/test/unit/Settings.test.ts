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

  it.effect("reads PLUGBOARD_PUBLIC_URL without its trailing slash and refuses a URL it cannot use", () =>
    Effect.gen(function* () {
      assert.isUndefined((yield* read({})).publicUrl)
      assert.isUndefined((yield* read({ PLUGBOARD_PUBLIC_URL: " " })).publicUrl)
      assert.strictEqual(
        (yield* read({ PLUGBOARD_PUBLIC_URL: "https://plugboard.example.com/" })).publicUrl,
        "https://plugboard.example.com"
      )
      assert.strictEqual(
        (yield* read({ PLUGBOARD_PUBLIC_URL: "https://example.com/plugboard" })).publicUrl,
        "https://example.com/plugboard"
      )
      for (const bad of [
        "plugboard.example.com",
        "ftp://example.com",
        "https://x.example/?a=1",
        "https://x.example/#f"
      ]) {
        const error = yield* Effect.flip(read({ PLUGBOARD_PUBLIC_URL: bad }))
        assert.include(error.message, "PLUGBOARD_PUBLIC_URL", bad)
      }
    })
  )

  it.effect("reads PLUGBOARD_CORS_ORIGINS as '*' or origins and refuses anything else", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual((yield* read({})).corsOrigins, [])
      assert.deepStrictEqual(
        (yield* read({ PLUGBOARD_CORS_ORIGINS: "https://a.example, http://localhost:3000/" })).corsOrigins,
        ["https://a.example", "http://localhost:3000"]
      )
      assert.deepStrictEqual((yield* read({ PLUGBOARD_CORS_ORIGINS: "*" })).corsOrigins, ["*"])
      for (const bad of ["a.example", "https://a.example/path", "https://a.example?x=1"]) {
        const error = yield* Effect.flip(read({ PLUGBOARD_CORS_ORIGINS: bad }))
        assert.include(error.message, "PLUGBOARD_CORS_ORIGINS", bad)
      }
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
