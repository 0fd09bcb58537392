/**
 * The default `state` of an authorize URL (RFC 9700 §2.1.1, RFC 6749 §10.12). When the caller of
 * `/oauth/url` sends none, the runner issues an unguessable one that its own callback page can verify
 * without storing anything: `pbs1.<issued>.<nonce>.<mac>` — the issue time in epoch seconds, 16
 * random bytes, and an HMAC-SHA256 over the three parts before it under a key derived from the
 * runner's encryption key (HKDF, purpose {@link PURPOSE}; the encryption key itself is never used
 * for this). A state the caller chose is theirs to check: it is passed through untouched and never
 * judged.
 *
 * Without storage a verified state proves that this runner issued it, recently; it cannot prove that
 * it is used once, or by the browser it was issued for — the application that asked for the URL
 * keeps that binding if it needs it, by sending a state of its own.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"

/** The HKDF purpose of the signing key, so no other use of the encryption key can produce a valid state. */
export const PURPOSE = "plugboard oauth state v1"

/** How long a runner-issued state verifies: time enough to sign in and consent at the vendor. */
export const LIFETIME_SECONDS = 3600

const VERSION = "pbs1"
const SHAPE = /^pbs1\.(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/

/** What the callback page can say of the `state` it received. */
export type Verdict =
  /** Issued by this runner, signature valid, within its lifetime. */
  | "verified"
  /** Shaped like a runner-issued state, but its signature does not match any key this runner holds. */
  | "forged"
  /** Issued by this runner, but longer ago than {@link LIFETIME_SECONDS} (or dated in the future). */
  | "expired"
  /** Not a runner-issued state: the caller's own, passed through and not judged. */
  | "caller"
  /** No state came back. */
  | "missing"

/** Issues and checks runner states under derived keys: the first signs, every one verifies. */
export interface OAuthStates {
  readonly issue: (nowMillis: number) => string
  readonly check: (state: string | undefined, nowMillis: number) => Verdict
}

const mac = (key: Uint8Array, signed: string): Buffer => createHmac("sha256", key).update(signed).digest()

/** States under `keys` (from `Cipher.deriveKeys(PURPOSE)`: the current key's first). */
export const make = (keys: ReadonlyArray<Uint8Array>): OAuthStates => {
  const [signing] = keys
  if (signing === undefined) throw new RangeError("OAuth states need at least one key")
  return {
    issue: (nowMillis) => {
      const signed = `${VERSION}.${Math.floor(nowMillis / 1000)}.${randomBytes(16).toString("base64url")}`
      return `${signed}.${mac(signing, signed).toString("base64url")}`
    },
    check: (state, nowMillis) => {
      if (state === undefined || state === "") return "missing"
      const parts = SHAPE.exec(state)
      if (parts === null) return "caller"
      const signed = state.slice(0, state.lastIndexOf("."))
      const given = Buffer.from(parts[3] ?? "", "base64url")
      const authentic = keys.some((key) => {
        const expected = mac(key, signed)
        return expected.length === given.length && timingSafeEqual(expected, given)
      })
      if (!authentic) return "forged"
      const age = nowMillis / 1000 - Number(parts[1])
      // A minute of grace for clocks of runners behind one load balancer.
      return age < -60 || age > LIFETIME_SECONDS ? "expired" : "verified"
    }
  }
}
