/**
 * Organization and user secrets, and instance tokens, are stored only as SHA-256 hashes: a leaked
 * database does not hand out credentials. Secrets are long random strings, so a plain hash (no
 * salt or stretching) is enough to make them unrecoverable, and it lets a secret be looked up by
 * its hash.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { Redacted } from "effect"

/** The stored form of a secret: lower-case hex SHA-256 of its UTF-8 bytes. */
export const hash = (secret: Redacted.Redacted<string> | string): string =>
  createHash("sha256")
    .update(typeof secret === "string" ? secret : Redacted.value(secret), "utf8")
    .digest("hex")

/** Compares two hex hashes in constant time. */
export const sameHash = (storedHash: string, presentedHash: string): boolean => {
  const expected = Buffer.from(storedHash, "hex")
  const actual = Buffer.from(presentedHash, "hex")
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

/** Compares a stored hash with a presented secret in constant time. */
export const matches = (storedHash: string, presented: Redacted.Redacted<string>): boolean =>
  sameHash(storedHash, hash(presented))

/** A new random secret: 32 bytes as URL-safe base64 (43 characters). */
export const generate = (): Redacted.Redacted<string> => Redacted.make(randomBytes(32).toString("base64url"))
