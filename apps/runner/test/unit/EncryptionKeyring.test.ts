import { randomBytes } from "node:crypto"
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import * as RunnerSettings from "../../src/Settings.js"
import type { Settings } from "../../src/Settings.js"
import * as Cipher from "../../src/store/Cipher.js"
import * as EncryptionKey from "../../src/store/EncryptionKey.js"

const settings = (overrides: Partial<Settings>): Settings => ({
  port: 0,
  dataDir: mkdtempSync(join(tmpdir(), "plugboard-keyring-")),
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

const b64 = (key: Uint8Array) => Buffer.from(key).toString("base64")
const ids = (keys: ReadonlyArray<Uint8Array>) => keys.map(Cipher.keyId)
const secret = (text: string) => Option.some(Redacted.make(text))

describe("PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS", () => {
  const read = (env: Record<string, string>) =>
    RunnerSettings.config.pipe(
      Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
    )

  it.effect("is a comma-separated list of secrets, empty when unset", () =>
    Effect.gen(function* () {
      const listed = yield* read({ PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS: " a2V5MQ==, a2V5Mg== ,," })
      assert.deepStrictEqual(listed.previousEncryptionKeys?.map(Redacted.value), ["a2V5MQ==", "a2V5Mg=="])
      assert.isTrue(listed.previousEncryptionKeys?.every(Redacted.isRedacted))
      assert.deepStrictEqual((yield* read({})).previousEncryptionKeys, [])
    })
  )
})

describe("EncryptionKey keyring", () => {
  it.effect("previous keys from the environment, without the current key or duplicates", () =>
    Effect.gen(function* () {
      const current = randomBytes(32)
      const old = randomBytes(32)
      const older = randomBytes(32)
      const keyring = yield* EncryptionKey.resolveKeyring(
        settings({
          encryptionKey: secret(b64(current)),
          previousEncryptionKeys: [old, current, older, old].map((key) => Redacted.make(b64(key)))
        })
      )
      assert.strictEqual(keyring.source, "environment")
      assert.strictEqual(Cipher.keyId(keyring.current), Cipher.keyId(current))
      assert.deepStrictEqual(ids(keyring.previous), ids([old, older]))
    })
  )

  it.effect("a malformed previous key names its position, never its value", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        EncryptionKey.resolveKeyring(
          settings({
            encryptionKey: secret(b64(randomBytes(32))),
            previousEncryptionKeys: [Redacted.make(b64(randomBytes(32))), Redacted.make("c2hvcnQta2V5")]
          })
        )
      )
      assert.include(error.message, "entry 2 of PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS")
      assert.notInclude(error.message, "c2hvcnQta2V5")
    })
  )

  it.effect("embedded mode also reads the previous-keys file, skipping blank lines and comments", () =>
    Effect.gen(function* () {
      const s = settings({})
      const current = yield* EncryptionKey.resolve(s)
      const old = randomBytes(32)
      writeFileSync(
        join(s.dataDir, EncryptionKey.PREVIOUS_KEYS_FILE),
        `# rotated out\n\n${b64(old)}\n${b64(current)}\n`
      )
      const keyring = yield* EncryptionKey.resolveKeyring(s)
      assert.strictEqual(keyring.source, "file")
      assert.deepStrictEqual(ids(keyring.previous), ids([old]))

      writeFileSync(join(s.dataDir, EncryptionKey.PREVIOUS_KEYS_FILE), `${b64(old)}\n\nnot-a-key\n`)
      const error = yield* Effect.flip(EncryptionKey.resolveKeyring(s))
      assert.include(error.message, `line 3 of ${join(s.dataDir, EncryptionKey.PREVIOUS_KEYS_FILE)}`)
    })
  )

  it.effect("an explicit key replacing a generated one keeps the generated file as a previous key", () =>
    Effect.gen(function* () {
      const s = settings({})
      const generated = yield* EncryptionKey.resolve(s)
      const explicit = randomBytes(32)
      const keyring = yield* EncryptionKey.resolveKeyring({ ...s, encryptionKey: secret(b64(explicit)) })
      assert.strictEqual(Cipher.keyId(keyring.current), Cipher.keyId(explicit))
      assert.deepStrictEqual(ids(keyring.previous), ids([generated]))
    })
  )

  it.effect("PostgreSQL reads no key files from the data directory", () =>
    Effect.gen(function* () {
      const s = settings({
        databaseUrl: secret("postgres://x@y/z"),
        encryptionKey: secret(b64(randomBytes(32)))
      })
      writeFileSync(join(s.dataDir, EncryptionKey.PREVIOUS_KEYS_FILE), `${b64(randomBytes(32))}\n`)
      writeFileSync(join(s.dataDir, EncryptionKey.KEY_FILE), `${b64(randomBytes(32))}\n`)
      assert.lengthOf((yield* EncryptionKey.resolveKeyring(s)).previous, 0)
    })
  )

  it.effect("the runner's cipher opens values sealed under a previous key", () =>
    Effect.gen(function* () {
      const old = randomBytes(32)
      const current = randomBytes(32)
      const sealed = Cipher.make(old).seal("carried over")
      const cipher = yield* Effect.gen(function* () {
        return yield* Cipher.SecretCipher
      }).pipe(
        Effect.provide(EncryptionKey.layer),
        Effect.provide(
          RunnerSettings.RunnerSettings.layerValue(
            settings({
              encryptionKey: secret(b64(current)),
              previousEncryptionKeys: [Redacted.make(b64(old))]
            })
          )
        )
      )
      assert.strictEqual(cipher.keyId, Cipher.keyId(current))
      assert.strictEqual(Redacted.value(yield* cipher.open(sealed)), "carried over")
    })
  )
})

describe("EncryptionKey.generateNext", () => {
  it.effect("replaces the key file and appends the old key to the previous-keys file, both 0600", () =>
    Effect.gen(function* () {
      const s = settings({})
      const first = yield* EncryptionKey.resolve(s)
      const one = yield* EncryptionKey.generateNext(s)
      const second = yield* EncryptionKey.resolve(s)
      assert.strictEqual(one.previousKeyId, Cipher.keyId(first))
      assert.strictEqual(one.newKeyId, Cipher.keyId(second))
      assert.notStrictEqual(one.newKeyId, one.previousKeyId)
      assert.strictEqual(statSync(one.keyFile).mode & 0o777, 0o600)
      assert.strictEqual(statSync(one.previousKeysFile).mode & 0o777, 0o600)

      yield* EncryptionKey.generateNext(s)
      const keyring = yield* EncryptionKey.resolveKeyring(s)
      assert.deepStrictEqual(ids(keyring.previous), ids([first, second]))
      assert.lengthOf(readFileSync(one.previousKeysFile, "utf8").trim().split("\n"), 2)
    })
  )

  it.effect("does not list a key twice when a crash left it listed already", () =>
    Effect.gen(function* () {
      const s = settings({})
      const current = yield* EncryptionKey.resolve(s)
      const path = join(s.dataDir, EncryptionKey.PREVIOUS_KEYS_FILE)
      writeFileSync(path, `${b64(current)}`, { mode: 0o600 })
      yield* EncryptionKey.generateNext(s)
      assert.deepStrictEqual(readFileSync(path, "utf8"), `${b64(current)}`)
    })
  )

  it.effect("refuses when the key is explicit, or when there is no key file", () =>
    Effect.gen(function* () {
      const explicit = yield* Effect.flip(
        EncryptionKey.generateNext(settings({ encryptionKey: secret(b64(randomBytes(32))) }))
      )
      assert.include(explicit.message, "PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS")
      const missing = yield* Effect.flip(EncryptionKey.generateNext(settings({})))
      assert.include(missing.message, "no key file")
    })
  )
})

describe("Cipher for rotation", () => {
  const old = randomBytes(32)
  const current = randomBytes(32)
  const cipher = Cipher.make(current, [old])

  it("reads a value's key id without opening it", () => {
    const sealed = Cipher.make(old).seal("x")
    assert.strictEqual(Cipher.keyIdOf(sealed), Cipher.keyId(old))
    for (const text of ["", "pb1.x.y.z", "pb2.0123456789abcdef.a.b", "hunter2"]) {
      assert.isUndefined(Cipher.keyIdOf(text))
    }
  })

  it.effect("reseals values under older keys and leaves current ones alone", () =>
    Effect.gen(function* () {
      const fresh = cipher.seal("already")
      assert.isTrue(Option.isNone(yield* Cipher.reseal(cipher, fresh)))
      const moved = yield* Cipher.reseal(cipher, Cipher.make(old).seal("carried"))
      assert.isTrue(Option.isSome(moved))
      const text = Option.getOrThrow(moved)
      assert.strictEqual(Cipher.keyIdOf(text), cipher.keyId)
      assert.strictEqual(Redacted.value(yield* Cipher.make(current).open(text)), "carried")
    })
  )

  it.effect("a value under an unknown key fails with that key's id", () =>
    Effect.gen(function* () {
      const stranger = randomBytes(32)
      const error = yield* Effect.flip(Cipher.reseal(cipher, Cipher.make(stranger).seal("x")))
      assert.strictEqual(error.keyId, Cipher.keyId(stranger))
      assert.include(error.message, Cipher.keyId(stranger))
      assert.include(error.message, "PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS")
    })
  )

  it("refuses previous keys that are not 32 bytes", () => {
    assert.throws(() => Cipher.make(current, [randomBytes(31)]))
  })
})
