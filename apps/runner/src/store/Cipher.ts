/**
 * Encryption of secrets at rest (reliability.md "Credentials"): AES-256-GCM under the runner's
 * 32-byte key, a random 96-bit IV per value, and the key's id stored with every value so that a
 * rotated key can still open old rows and a wrong key is reported as such. The sealed form is text,
 * `pb1.<keyId>.<iv>.<ciphertext+tag>` in base64url, so it fits any column type.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto"
import { Context, Effect, Layer, Option, Redacted, Schema } from "effect"

/**
 * A sealed value could not be opened: unknown key, damaged text, or a failed authentication tag.
 * `keyId` names the key the value says it was sealed with, when the text is readable that far; it
 * is an id, never the key.
 */
export class DecryptionError extends Schema.TaggedError<DecryptionError>()("DecryptionError", {
  message: Schema.String,
  keyId: Schema.optional(Schema.String)
}) {}

const VERSION = "pb1"
const IV_BYTES = 12
const TAG_BYTES = 16

/** The id of a key: the first 8 bytes of a SHA-256 over a label and the key, in hex. Reveals nothing of the key. */
export const keyId = (key: Uint8Array): string =>
  createHash("sha256").update("plugboard-key-id:").update(key).digest("hex").slice(0, 16)

/**
 * The id of the key a sealed value names, read from its text without opening it; `undefined` when
 * the text is not a sealed value at all. Key rotation uses it to skip values already under the
 * current key without decrypting them.
 */
export const keyIdOf = (sealed: string): string | undefined => {
  const parts = sealed.split(".")
  return parts.length === 4 && parts[0] === VERSION && /^[0-9a-f]{16}$/.test(parts[1] ?? "")
    ? parts[1]
    : undefined
}

/** Encrypts and decrypts secret values. */
export interface Cipher {
  /** The id of the key new values are sealed with. */
  readonly keyId: string
  /** Seals a secret; every call uses a fresh IV, so equal secrets give different text. */
  readonly seal: (secret: Redacted.Redacted<string> | string) => string
  /** Opens a sealed value. */
  readonly open: (sealed: string) => Effect.Effect<Redacted.Redacted<string>, DecryptionError>
  /**
   * 32-byte keys for another purpose, named by `purpose` (HKDF-SHA256 `info`): the one derived from
   * the current key first, then one from each previous key, so that what was signed before a
   * rotation still verifies. The encryption keys themselves never leave the cipher.
   */
  readonly deriveKeys: (purpose: string) => ReadonlyArray<Uint8Array>
}

/** HKDF salt of {@link Cipher.deriveKeys}: fixed, so a purpose always gets the same key from the same key. */
const DERIVE_SALT = "plugboard-derived-key"

/** A key for `purpose` derived from `key` (HKDF-SHA256, RFC 5869). */
export const deriveKey = (key: Uint8Array, purpose: string): Uint8Array =>
  new Uint8Array(hkdfSync("sha256", key, DERIVE_SALT, purpose, 32))

/**
 * Builds a cipher from the current key and, optionally, older keys that can still open values
 * sealed before a rotation.
 */
export const make = (key: Uint8Array, previousKeys: ReadonlyArray<Uint8Array> = []): Cipher => {
  if (key.length !== 32) throw new RangeError("the encryption key must be 32 bytes")
  const currentId = keyId(key)
  const keys = new Map<string, Uint8Array>([[currentId, key]])
  for (const previous of previousKeys) {
    if (previous.length !== 32) throw new RangeError("every previous encryption key must be 32 bytes")
    keys.set(keyId(previous), previous)
  }

  const seal = (secret: Redacted.Redacted<string> | string): string => {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv("aes-256-gcm", key, iv)
    const plain = typeof secret === "string" ? secret : Redacted.value(secret)
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final(), cipher.getAuthTag()])
    return `${VERSION}.${currentId}.${iv.toString("base64url")}.${body.toString("base64url")}`
  }

  const open = (sealed: string): Effect.Effect<Redacted.Redacted<string>, DecryptionError> =>
    Effect.suspend(() => {
      const parts = sealed.split(".")
      if (parts.length !== 4 || parts[0] !== VERSION) {
        return Effect.fail(new DecryptionError({ message: "not a sealed value" }))
      }
      const [, id, ivText, bodyText] = parts as [string, string, string, string]
      const usable = keys.get(id)
      if (usable === undefined) {
        return Effect.fail(
          new DecryptionError({
            message: `value was sealed with key ${id}, which this runner does not hold (give that key in PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS)`,
            keyId: id
          })
        )
      }
      const iv = Buffer.from(ivText, "base64url")
      const body = Buffer.from(bodyText, "base64url")
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
        return Effect.fail(new DecryptionError({ message: "sealed value is damaged", keyId: id }))
      }
      try {
        const decipher = createDecipheriv("aes-256-gcm", usable, iv)
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES))
        const plain = Buffer.concat([
          decipher.update(body.subarray(0, body.length - TAG_BYTES)),
          decipher.final()
        ])
        return Effect.succeed(Redacted.make(plain.toString("utf8")))
      } catch {
        return Effect.fail(
          new DecryptionError({
            message: "sealed value failed authentication (damaged or wrong key)",
            keyId: id
          })
        )
      }
    })

  const deriveKeys = (purpose: string): ReadonlyArray<Uint8Array> =>
    [key, ...[...keys].flatMap(([id, held]) => (id === currentId ? [] : [held]))].map((held) =>
      deriveKey(held, purpose)
    )

  return { keyId: currentId, seal, open, deriveKeys }
}

/**
 * A sealed value under the cipher's current key: `None` when it already is (nothing to write),
 * otherwise the value opened with whichever held key it names and sealed again with a fresh IV.
 */
export const reseal = (
  cipher: Cipher,
  sealed: string
): Effect.Effect<Option.Option<string>, DecryptionError> =>
  keyIdOf(sealed) === cipher.keyId
    ? Effect.succeedNone
    : Effect.map(cipher.open(sealed), (secret) => Option.some(cipher.seal(secret)))

/** The runner's cipher as a service. */
export class SecretCipher extends Context.Service<SecretCipher, Cipher>()(
  "@plugboard/runner/store/SecretCipher"
) {
  /** A cipher over a fixed key, and older keys it may still open values with. */
  static readonly layerKey = (
    key: Uint8Array,
    previousKeys: ReadonlyArray<Uint8Array> = []
  ): Layer.Layer<SecretCipher> => Layer.sync(SecretCipher, () => SecretCipher.of(make(key, previousKeys)))
}
