/**
 * Finds the key that encrypts secrets at rest: `PLUGBOARD_ENCRYPTION_KEY` (base64 of 32 bytes) when
 * set — required with PostgreSQL, where several runners must share it — or, in embedded mode, a key
 * file generated once into the data directory with mode 0600 (and a log line saying so).
 */
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer, Option, Redacted } from "effect"
import { RunnerSettings, type Settings, usesPostgres } from "../Settings.js"
import { StartupError } from "../StartupError.js"
import * as Cipher from "./Cipher.js"

/** File name of the generated key inside the data directory. */
export const KEY_FILE = "encryption.key"

const decodeKey = (text: string, source: string): Effect.Effect<Uint8Array, StartupError> => {
  const trimmed = text.trim()
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, "base64") : Buffer.alloc(0)
  return bytes.length === 32
    ? Effect.succeed(new Uint8Array(bytes))
    : Effect.fail(
        new StartupError({
          message: `${source} must be base64 of exactly 32 bytes (it decodes to ${bytes.length}); generate one with: openssl rand -base64 32`
        })
      )
}

const keyFile = (dataDir: string): Effect.Effect<Uint8Array, StartupError> =>
  Effect.gen(function* () {
    const path = join(dataDir, KEY_FILE)
    const existing = yield* Effect.try({
      try: () => (existsSync(path) ? readFileSync(path, "utf8") : undefined),
      catch: (cause) => new StartupError({ message: `cannot read the key file ${path}: ${String(cause)}` })
    })
    if (existing !== undefined) return yield* decodeKey(existing, `the key file ${path}`)
    const key = randomBytes(32)
    yield* Effect.try({
      try: () => {
        mkdirSync(dataDir, { recursive: true, mode: 0o700 })
        // "wx" refuses to overwrite a key another process wrote a moment ago.
        writeFileSync(path, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" })
        chmodSync(path, 0o600)
      },
      catch: (cause) => new StartupError({ message: `cannot write the key file ${path}: ${String(cause)}` })
    })
    yield* Effect.logWarning(
      `generated an encryption key for secrets at rest in ${path} (mode 0600); back it up — stored credentials cannot be read without it — or set PLUGBOARD_ENCRYPTION_KEY`
    )
    return new Uint8Array(key)
  })

/** The key for these settings. */
export const resolve = (settings: Settings): Effect.Effect<Uint8Array, StartupError> => {
  if (Option.isSome(settings.encryptionKey)) {
    return decodeKey(Redacted.value(settings.encryptionKey.value), "PLUGBOARD_ENCRYPTION_KEY")
  }
  if (usesPostgres(settings)) {
    return Effect.fail(
      new StartupError({
        message:
          "PLUGBOARD_ENCRYPTION_KEY is required with DATABASE_URL (PostgreSQL): every runner must share one key; generate one with: openssl rand -base64 32"
      })
    )
  }
  return keyFile(settings.dataDir)
}

/** The runner's cipher, keyed from the settings. */
export const layer: Layer.Layer<Cipher.SecretCipher, StartupError, RunnerSettings> = Layer.effect(
  Cipher.SecretCipher,
  Effect.gen(function* () {
    const settings = yield* RunnerSettings
    const key = yield* resolve(settings)
    return Cipher.SecretCipher.of(Cipher.make(key))
  })
)
