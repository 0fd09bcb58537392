import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, Option, Redacted } from "effect"
import type { Settings } from "../../src/Settings.js"
import * as EncryptionKey from "../../src/store/EncryptionKey.js"

const settings = (overrides: Partial<Settings>): Settings => ({
  port: 0,
  dataDir: mkdtempSync(join(tmpdir(), "plugboard-key-")),
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

describe("EncryptionKey", () => {
  it.effect("embedded mode generates a 0600 key file once and reuses it", () =>
    Effect.gen(function* () {
      const s = settings({})
      const first = yield* EncryptionKey.resolve(s)
      const path = join(s.dataDir, EncryptionKey.KEY_FILE)
      assert.strictEqual(statSync(path).mode & 0o777, 0o600)
      assert.strictEqual(Buffer.from(readFileSync(path, "utf8").trim(), "base64").length, 32)
      const second = yield* EncryptionKey.resolve(s)
      assert.deepStrictEqual(Buffer.from(second), Buffer.from(first))
    })
  )

  it.effect("a generated key is announced once with a warning to back it up, without the key", () =>
    Effect.gen(function* () {
      const logs: Array<{ readonly level: string; readonly message: string }> = []
      const capture = Logger.make<unknown, void>(({ logLevel, message }) => {
        const parts = Array.isArray(message) ? message : [message]
        logs.push({ level: logLevel, message: parts.map(String).join(" ") })
      })
      const s = settings({})
      const resolve = EncryptionKey.resolve(s).pipe(Effect.provide(Logger.layer([capture])))
      const key = yield* resolve
      const path = join(s.dataDir, EncryptionKey.KEY_FILE)
      assert.strictEqual(logs.length, 1, JSON.stringify(logs))
      const [line] = logs
      assert.strictEqual(line!.level, "Warn")
      assert.include(line!.message, `generated an encryption key for secrets at rest in ${path} (mode 0600)`)
      assert.include(line!.message, "back it up")
      assert.include(line!.message, "PLUGBOARD_ENCRYPTION_KEY")
      assert.notInclude(line!.message, Buffer.from(key).toString("base64"))
      // Reusing the key file says nothing more.
      yield* resolve
      assert.strictEqual(logs.length, 1)
    })
  )

  it.effect("uses PLUGBOARD_ENCRYPTION_KEY when set, and refuses one of the wrong size", () =>
    Effect.gen(function* () {
      const key = randomBytes(32)
      const given = yield* EncryptionKey.resolve(
        settings({ encryptionKey: Option.some(Redacted.make(key.toString("base64"))) })
      )
      assert.deepStrictEqual(Buffer.from(given), key)
      const error = yield* Effect.flip(
        EncryptionKey.resolve(
          settings({ encryptionKey: Option.some(Redacted.make(randomBytes(16).toString("base64"))) })
        )
      )
      assert.include(error.message, "PLUGBOARD_ENCRYPTION_KEY")
      assert.include(error.message, "32 bytes")
    })
  )

  it.effect("PostgreSQL without a key does not start", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        EncryptionKey.resolve(settings({ databaseUrl: Option.some(Redacted.make("postgres://x@y/z")) }))
      )
      assert.include(error.message, "PLUGBOARD_ENCRYPTION_KEY is required")
    })
  )
})
