/**
 * Finds the keys that encrypt secrets at rest. The current key — the one new values are sealed
 * with — is `PLUGBOARD_ENCRYPTION_KEY` (base64 of 32 bytes) when set — required with PostgreSQL,
 * where several runners must share it — or, in embedded mode, a key file generated once into the
 * data directory with mode 0600 (and a log line saying so). Previous keys, which still open values
 * sealed before a rotation, come from `PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS` and, in embedded mode,
 * from the data directory: the previous-keys file that `rotate-key --generate` keeps, and the
 * generated key file itself once an explicit key has replaced it.
 */
import { randomBytes } from "node:crypto"
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync
} from "node:fs"
import { join } from "node:path"
import { Effect, Layer, Option, Redacted } from "effect"
import { RunnerSettings, type Settings, usesPostgres } from "../Settings.js"
import { StartupError } from "../StartupError.js"
import * as Cipher from "./Cipher.js"

/** File name of the generated key inside the data directory. */
export const KEY_FILE = "encryption.key"

/** File name, inside the data directory, of the keys a generated key replaced: one base64 key a line. */
export const PREVIOUS_KEYS_FILE = "encryption.previous-keys"

/** The keys of a runner: the one that seals, and older ones that still open. */
export interface Keyring {
  readonly current: Uint8Array
  /** Previous keys, without the current one and without duplicates. */
  readonly previous: ReadonlyArray<Uint8Array>
  /** Where the current key came from. */
  readonly source: "environment" | "file"
}

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

const readText = (path: string): Effect.Effect<string | undefined, StartupError> =>
  Effect.try({
    try: () => (existsSync(path) ? readFileSync(path, "utf8") : undefined),
    catch: (cause) => new StartupError({ message: `cannot read the key file ${path}: ${String(cause)}` })
  })

/**
 * Writes a whole file under a temporary name, flushed, then renamed over the target, so that a
 * crash leaves either the old file or the new one and never half a key.
 */
const replaceFile = (path: string, text: string): Effect.Effect<void, StartupError> =>
  Effect.try({
    try: () => {
      const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`
      const fd = openSync(temporary, "wx", 0o600)
      try {
        writeFileSync(fd, text)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      chmodSync(temporary, 0o600)
      renameSync(temporary, path)
    },
    catch: (cause) => new StartupError({ message: `cannot write the key file ${path}: ${String(cause)}` })
  })

const keyFile = (dataDir: string): Effect.Effect<Uint8Array, StartupError> =>
  Effect.gen(function* () {
    const path = join(dataDir, KEY_FILE)
    const existing = yield* readText(path)
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

/** The keys listed in the previous-keys file, one base64 key a line; blank lines and `#` comments are skipped. */
const previousKeysFile = (dataDir: string): Effect.Effect<ReadonlyArray<Uint8Array>, StartupError> =>
  Effect.gen(function* () {
    const path = join(dataDir, PREVIOUS_KEYS_FILE)
    const text = yield* readText(path)
    if (text === undefined) return []
    const keys: Array<Uint8Array> = []
    for (const [index, line] of text.split("\n").entries()) {
      const trimmed = line.trim()
      if (trimmed === "" || trimmed.startsWith("#")) continue
      keys.push(yield* decodeKey(trimmed, `line ${index + 1} of ${path}`))
    }
    return keys
  })

/** The current key for these settings. */
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

/** The current key and every previous key for these settings. */
export const resolveKeyring = (settings: Settings): Effect.Effect<Keyring, StartupError> =>
  Effect.gen(function* () {
    const current = yield* resolve(settings)
    const source = Option.isSome(settings.encryptionKey) ? "environment" : "file"
    const candidates: Array<Uint8Array> = []
    for (const [index, key] of (settings.previousEncryptionKeys ?? []).entries()) {
      candidates.push(
        yield* decodeKey(Redacted.value(key), `entry ${index + 1} of PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS`)
      )
    }
    if (!usesPostgres(settings)) {
      candidates.push(...(yield* previousKeysFile(settings.dataDir)))
      // An explicit key that replaced a generated one: the file still opens what it sealed.
      if (source === "environment") {
        const path = join(settings.dataDir, KEY_FILE)
        const generated = yield* readText(path)
        if (generated !== undefined) candidates.push(yield* decodeKey(generated, `the key file ${path}`))
      }
    }
    const seen = new Set([Cipher.keyId(current)])
    const previous: Array<Uint8Array> = []
    for (const key of candidates) {
      const id = Cipher.keyId(key)
      if (seen.has(id)) continue
      seen.add(id)
      previous.push(key)
    }
    return { current, previous, source }
  })

/** What {@link generateNext} did, by key id (never the keys). */
export interface Generated {
  readonly keyFile: string
  readonly previousKeysFile: string
  readonly newKeyId: string
  readonly previousKeyId: string
}

/**
 * Replaces the generated key file of an embedded runner with a new random key, first adding the
 * old key to the previous-keys file so that every value it sealed stays readable; a crash between
 * the two steps leaves the old key current and also listed as previous, which is harmless. Refused
 * when the current key comes from `PLUGBOARD_ENCRYPTION_KEY` (rotate that by setting a new key
 * there) or when no key file exists yet.
 */
export const generateNext = (settings: Settings): Effect.Effect<Generated, StartupError> =>
  Effect.gen(function* () {
    if (Option.isSome(settings.encryptionKey) || usesPostgres(settings)) {
      return yield* new StartupError({
        message:
          "--generate rotates the key file of an embedded runner; with PLUGBOARD_ENCRYPTION_KEY set, put the new key in PLUGBOARD_ENCRYPTION_KEY and the old one in PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS, then run rotate-key"
      })
    }
    const path = join(settings.dataDir, KEY_FILE)
    const existing = yield* readText(path)
    if (existing === undefined) {
      return yield* new StartupError({
        message: `there is no key file ${path} to rotate (the runner generates one at its first start)`
      })
    }
    const old = yield* decodeKey(existing, `the key file ${path}`)
    const previousPath = join(settings.dataDir, PREVIOUS_KEYS_FILE)
    const listed = (yield* readText(previousPath)) ?? ""
    const known = yield* previousKeysFile(settings.dataDir)
    if (!known.some((key) => Cipher.keyId(key) === Cipher.keyId(old))) {
      const separator = listed === "" || listed.endsWith("\n") ? "" : "\n"
      yield* replaceFile(previousPath, `${listed}${separator}${Buffer.from(old).toString("base64")}\n`)
    }
    const next = randomBytes(32)
    yield* replaceFile(path, `${next.toString("base64")}\n`)
    yield* Effect.logWarning(
      `generated a new encryption key in ${path} (mode 0600); the old one is kept in ${previousPath} — back both up`
    )
    return {
      keyFile: path,
      previousKeysFile: previousPath,
      newKeyId: Cipher.keyId(next),
      previousKeyId: Cipher.keyId(old)
    }
  })

/** The runner's cipher: the current key seals, every previous key still opens. */
export const layer: Layer.Layer<Cipher.SecretCipher, StartupError, RunnerSettings> = Layer.effect(
  Cipher.SecretCipher,
  Effect.gen(function* () {
    const settings = yield* RunnerSettings
    const keyring = yield* resolveKeyring(settings)
    const cipher = Cipher.make(keyring.current, keyring.previous)
    if (keyring.previous.length > 0) {
      yield* Effect.logInfo(
        `encryption key ${cipher.keyId} seals new values; ${keyring.previous.length} previous key(s) still open older ones — run \`plugboard-runner rotate-key\` to re-encrypt them`
      )
    }
    return Cipher.SecretCipher.of(cipher)
  })
)
