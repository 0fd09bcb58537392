/**
 * The runner-issued OAuth `state` (RFC 9700): unguessable, signed under a key derived from the
 * encryption key (never the key itself), verified without storage — also after a key rotation —
 * and refused when altered, made under another key, or too old. Values the caller chose are not
 * judged.
 */
import { createHmac, randomBytes } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import * as OAuthState from "../../src/http/OAuthState.js"
import * as Cipher from "../../src/store/Cipher.js"

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0)

describe("Cipher.deriveKeys", () => {
  const key = randomBytes(32)
  const previous = randomBytes(32)

  it("derives per purpose, stably, and never hands out the encryption key", () => {
    const cipher = Cipher.make(key, [previous])
    const [current, older] = cipher.deriveKeys(OAuthState.PURPOSE)
    assert.lengthOf(cipher.deriveKeys(OAuthState.PURPOSE), 2)
    assert.strictEqual(current!.length, 32)
    assert.notDeepEqual(Buffer.from(current!), key)
    assert.notDeepEqual(Buffer.from(older!), previous)
    assert.deepStrictEqual(Cipher.make(key).deriveKeys(OAuthState.PURPOSE)[0], current)
    assert.notDeepEqual(cipher.deriveKeys("another purpose")[0], current)
    assert.deepStrictEqual(older, Cipher.make(previous).deriveKeys(OAuthState.PURPOSE)[0])
  })

  it("lists a previous key equal to the current one once", () => {
    assert.lengthOf(Cipher.make(key, [key]).deriveKeys(OAuthState.PURPOSE), 1)
  })
})

describe("OAuthState", () => {
  const key = randomBytes(32)
  const states = OAuthState.make(Cipher.make(key).deriveKeys(OAuthState.PURPOSE))

  it("issues a fresh signed value every time, and verifies it", () => {
    const a = states.issue(NOW)
    const b = states.issue(NOW)
    assert.notStrictEqual(a, b)
    assert.match(a, /^pbs1\.\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/)
    assert.strictEqual(states.check(a, NOW), "verified")
    assert.strictEqual(states.check(b, NOW + 30 * 60_000), "verified")
  })

  it("refuses an altered state", () => {
    const state = states.issue(NOW)
    const [version, issued, nonce, mac] = state.split(".") as [string, string, string, string]
    const otherNonce = randomBytes(16).toString("base64url")
    assert.strictEqual(states.check(`${version}.${issued}.${otherNonce}.${mac}`, NOW), "forged")
    assert.strictEqual(states.check(`${version}.${Number(issued) + 1}.${nonce}.${mac}`, NOW), "forged")
    const flipped = Buffer.from(mac, "base64url")
    flipped[0] = flipped[0]! ^ 0x01
    assert.strictEqual(
      states.check(`${version}.${issued}.${nonce}.${flipped.toString("base64url")}`, NOW),
      "forged"
    )
  })

  it("refuses a state signed with the raw encryption key or another runner's key", () => {
    const signed = `pbs1.${Math.floor(NOW / 1000)}.${randomBytes(16).toString("base64url")}`
    const withRawKey = `${signed}.${createHmac("sha256", key).update(signed).digest("base64url")}`
    assert.strictEqual(states.check(withRawKey, NOW), "forged")
    const elsewhere = OAuthState.make(Cipher.make(randomBytes(32)).deriveKeys(OAuthState.PURPOSE))
    assert.strictEqual(states.check(elsewhere.issue(NOW), NOW), "forged")
  })

  it("verifies a state issued before a key rotation", () => {
    const before = states.issue(NOW)
    const rotated = OAuthState.make(Cipher.make(randomBytes(32), [key]).deriveKeys(OAuthState.PURPOSE))
    assert.strictEqual(rotated.check(before, NOW), "verified")
  })

  it("says a state is expired past its lifetime or dated in the future", () => {
    const state = states.issue(NOW)
    assert.strictEqual(states.check(state, NOW + (OAuthState.LIFETIME_SECONDS + 1) * 1000), "expired")
    assert.strictEqual(states.check(state, NOW - 5 * 60_000), "expired")
    assert.strictEqual(states.check(state, NOW - 30_000), "verified")
  })

  it("does not judge the caller's own state, and says when there is none", () => {
    assert.strictEqual(states.check("my-app-state-42", NOW), "caller")
    assert.strictEqual(states.check("sageone", NOW), "caller")
    assert.strictEqual(states.check(undefined, NOW), "missing")
    assert.strictEqual(states.check("", NOW), "missing")
  })
})
