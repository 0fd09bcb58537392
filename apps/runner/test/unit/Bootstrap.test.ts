import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Console, Effect, Layer, Option, Redacted } from "effect"
import { RunnerSettings, type Settings } from "../../src/Settings.js"
import * as Bootstrap from "../../src/store/Bootstrap.js"
import * as Database from "../../src/store/Database.js"
import { Tenants } from "../../src/store/Tenants.js"

const settingsFor = (dataDir: string, overrides: Partial<Settings> = {}): Settings => ({
  port: 0,
  dataDir,
  databaseUrl: Option.none(),
  encryptionKey: Option.none(),
  organizationSecret: Option.none(),
  userSecret: Option.none(),
  connectors: Option.none(),
  allowPrivateNetworks: { _tag: "None" },
  logLevel: "error",
  maxBodyBytes: 1024,
  ...overrides
})

/** Runs the bootstrap against a data dir, returning what it printed. */
const bootstrap = (settings: Settings) =>
  Effect.gen(function* () {
    const printed: Array<string> = []
    const console = {
      ...globalThis.console,
      error: (...args: ReadonlyArray<unknown>) => printed.push(args.join(" "))
    }
    yield* Bootstrap.ensureFirstTenant.pipe(Effect.provideService(Console.Console, console as never))
    const tenants = yield* Tenants
    return { printed: printed.join("\n"), organizations: yield* tenants.organizationCount }
  }).pipe(
    Effect.provide(
      Tenants.layer.pipe(
        Layer.provideMerge(Database.layer),
        Layer.provideMerge(RunnerSettings.layerValue(settings))
      )
    ),
    Effect.scoped
  )

describe("Bootstrap", () => {
  it.effect("generates the first organization and user once and prints their secrets that once", () =>
    Effect.gen(function* () {
      const dataDir = mkdtempSync(join(tmpdir(), "plugboard-boot-"))
      const first = yield* bootstrap(settingsFor(dataDir))
      assert.strictEqual(first.organizations, 1)
      const org = /PLUGBOARD_ORGANIZATION_SECRET=(\S+)/.exec(first.printed)?.[1]
      const user = /PLUGBOARD_USER_SECRET=(\S+)/.exec(first.printed)?.[1]
      assert.isString(org)
      assert.isString(user)
      const second = yield* bootstrap(settingsFor(dataDir))
      assert.strictEqual(second.organizations, 1)
      assert.strictEqual(second.printed, "")
      const check = yield* Effect.gen(function* () {
        const tenants = yield* Tenants
        return yield* tenants.authenticate(Redacted.make(user!), Redacted.make(org!))
      }).pipe(
        Effect.provide(
          Tenants.layer.pipe(
            Layer.provideMerge(Database.layer),
            Layer.provideMerge(RunnerSettings.layerValue(settingsFor(dataDir)))
          )
        ),
        Effect.scoped
      )
      assert.isTrue(Option.isSome(check))
    })
  )

  it.effect("creates the tenant named by the environment and prints nothing", () =>
    Effect.gen(function* () {
      const dataDir = mkdtempSync(join(tmpdir(), "plugboard-boot-"))
      const settings = settingsFor(dataDir, {
        organizationSecret: Option.some(Redacted.make("env-org")),
        userSecret: Option.some(Redacted.make("env-user"))
      })
      const result = yield* bootstrap(settings)
      assert.strictEqual(result.printed, "")
      assert.strictEqual(result.organizations, 1)
      assert.strictEqual((yield* bootstrap(settings)).organizations, 1)
    })
  )
})
