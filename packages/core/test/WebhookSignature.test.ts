import { assert, describe, it } from "@effect/vitest"
import { WebhookSignature } from "@plugboard/core"
import { Redacted, Result } from "effect"
import { createHmac } from "node:crypto"

const vector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: `{"test": 2432232314}`,
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
}
const vectorNow = vector.timestamp * 1000

const reasonOf = <A>(result: Result.Result<A, WebhookSignature.WebhookVerificationError>) => {
  if (Result.isSuccess(result)) assert.fail("expected verification to fail")
  assert.strictEqual(result.failure._tag, "WebhookVerificationError")
  return result.failure.reason
}

describe("WebhookSignature signing", () => {
  it("matches the Standard Webhooks test vector", () => {
    assert.strictEqual(WebhookSignature.standardSign(vector), vector.signature)
    assert.strictEqual(
      WebhookSignature.standardSign({ ...vector, secret: Redacted.make(vector.secret) }),
      vector.signature
    )
    assert.strictEqual(
      WebhookSignature.standardSign({ ...vector, body: new TextEncoder().encode(vector.body) }),
      vector.signature
    )
    assert.deepStrictEqual(WebhookSignature.standardHeaders(vector), {
      "webhook-id": vector.id,
      "webhook-timestamp": "1614265330",
      "webhook-signature": vector.signature
    })
  })

  it("uses the UTF-8 bytes of a secret that is not whsec_<base64>", () => {
    const expected = createHmac("sha256", Buffer.from("plain key", "utf8"))
      .update(`${vector.id}.${vector.timestamp}.${vector.body}`)
      .digest("base64")
    assert.strictEqual(WebhookSignature.standardSign({ ...vector, secret: "plain key" }), `v1,${expected}`)
    assert.deepStrictEqual([...WebhookSignature.secretBytes("whsec_AAEC")], [0, 1, 2])
    assert.deepStrictEqual(
      Buffer.from(WebhookSignature.secretBytes("whsec_not base64!")).toString("utf8"),
      "whsec_not base64!"
    )
  })

  it("computes the Elements signature over the raw body with the key's UTF-8 bytes", () => {
    const body = `{"message":{"eventId":"abc"}}`
    const expected = createHmac("sha256", "s3cr€t").update(body).digest("base64")
    assert.strictEqual(WebhookSignature.elementsSignature("s3cr€t", body), `sha256=${expected}`)
    assert.strictEqual(
      WebhookSignature.elementsSignature(Redacted.make("s3cr€t"), body),
      `sha256=${expected}`
    )
    // A whsec_ key is NOT decoded for the Elements header.
    const whsec = createHmac("sha256", vector.secret).update(body).digest("base64")
    assert.strictEqual(WebhookSignature.elementsSignature(vector.secret, body), `sha256=${whsec}`)
  })

  it("signs with every secret during rotation", () => {
    const headers = WebhookSignature.standardHeaders({ ...vector, secret: ["old secret", vector.secret] })
    const parts = headers["webhook-signature"].split(" ")
    assert.strictEqual(parts.length, 2)
    assert.strictEqual(parts[1], vector.signature)
  })
})

describe("WebhookSignature.verify", () => {
  const headers = {
    "webhook-id": vector.id,
    "webhook-timestamp": String(vector.timestamp),
    "webhook-signature": vector.signature
  }

  it("accepts the test vector, with plain or fetch headers", () => {
    const result = WebhookSignature.verify({
      headers,
      body: vector.body,
      secrets: vector.secret,
      now: vectorNow
    })
    assert.deepStrictEqual(Result.getOrThrow(result), { id: vector.id, timestamp: vector.timestamp })
    const fetchHeaders = new Headers({
      "Webhook-Id": vector.id,
      "Webhook-Timestamp": String(vector.timestamp),
      "Webhook-Signature": vector.signature
    })
    assert.isTrue(
      Result.isSuccess(
        WebhookSignature.verify({
          headers: fetchHeaders,
          body: vector.body,
          secrets: Redacted.make(vector.secret),
          now: new Date(vectorNow)
        })
      )
    )
  })

  it("rejects a tampered body", () => {
    const result = WebhookSignature.verify({
      headers,
      body: `{"test": 2432232315}`,
      secrets: vector.secret,
      now: vectorNow
    })
    assert.strictEqual(reasonOf(result), "mismatch")
  })

  it("rejects a timestamp outside the tolerance, either way, and honours a custom tolerance", () => {
    const verifyAt = (now: number, toleranceSeconds?: number) =>
      WebhookSignature.verify({ headers, body: vector.body, secrets: vector.secret, now, toleranceSeconds })
    assert.isTrue(Result.isSuccess(verifyAt(vectorNow + 300_000)))
    assert.isTrue(Result.isSuccess(verifyAt(vectorNow - 300_000)))
    assert.strictEqual(reasonOf(verifyAt(vectorNow + 301_000)), "expired")
    assert.strictEqual(reasonOf(verifyAt(vectorNow - 301_000)), "expired")
    assert.strictEqual(reasonOf(verifyAt(vectorNow + 61_000, 60)), "expired")
    assert.isTrue(Result.isSuccess(verifyAt(vectorNow + 3_600_000, 3600)))
  })

  it("accepts key rotation: two secrets, two signatures", () => {
    const rotated = WebhookSignature.standardHeaders({ ...vector, secret: ["new-secret", vector.secret] })
    // A receiver that only has the old secret, one that only has the new, and one with both.
    for (const secrets of [[vector.secret], ["new-secret"], ["unrelated", "new-secret"]]) {
      assert.isTrue(
        Result.isSuccess(
          WebhookSignature.verify({ headers: rotated, body: vector.body, secrets, now: vectorNow })
        ),
        secrets.join(",")
      )
    }
    const result = WebhookSignature.verify({
      headers: rotated,
      body: vector.body,
      secrets: "unrelated",
      now: vectorNow
    })
    assert.strictEqual(reasonOf(result), "mismatch")
  })

  it("skips other signature versions and garbage", () => {
    const mixed = {
      ...headers,
      "webhook-signature": `v1a,${vector.signature.slice(3)} v1,AAAA ${vector.signature}`
    }
    assert.isTrue(
      Result.isSuccess(
        WebhookSignature.verify({ headers: mixed, body: vector.body, secrets: vector.secret, now: vectorNow })
      )
    )
    const onlyOther = { ...headers, "webhook-signature": `v2,${vector.signature.slice(3)}` }
    assert.strictEqual(
      reasonOf(
        WebhookSignature.verify({
          headers: onlyOther,
          body: vector.body,
          secrets: vector.secret,
          now: vectorNow
        })
      ),
      "mismatch"
    )
  })

  it("names missing headers and bad timestamps", () => {
    const { "webhook-signature": _, ...noSignature } = headers
    const missing = WebhookSignature.verify({
      headers: noSignature,
      body: vector.body,
      secrets: vector.secret,
      now: vectorNow
    })
    assert.strictEqual(reasonOf(missing), "missing-header")
    if (Result.isFailure(missing)) assert.include(missing.failure.message, "webhook-signature")
    for (const timestamp of ["soon", "1614265330.5", "-1614265330", ""]) {
      const result = WebhookSignature.verify({
        headers: { ...headers, "webhook-timestamp": timestamp },
        body: vector.body,
        secrets: vector.secret,
        now: vectorNow
      })
      assert.strictEqual(reasonOf(result), "bad-timestamp", timestamp)
    }
  })
})

describe("WebhookSignature.verifyElements", () => {
  const body = `{"message":{"eventId":"abc"}}`

  it("accepts a matching signature with any of several keys", () => {
    const signature = WebhookSignature.elementsSignature("key-2", body)
    assert.isTrue(Result.isSuccess(WebhookSignature.verifyElements("key-2", body, signature)))
    assert.isTrue(
      Result.isSuccess(WebhookSignature.verifyElements(["key-1", Redacted.make("key-2")], body, signature))
    )
  })

  it("rejects tampering, wrong keys, malformed and missing headers", () => {
    const signature = WebhookSignature.elementsSignature("key", body)
    assert.strictEqual(reasonOf(WebhookSignature.verifyElements("key", `${body} `, signature)), "mismatch")
    assert.strictEqual(reasonOf(WebhookSignature.verifyElements("other", body, signature)), "mismatch")
    assert.strictEqual(reasonOf(WebhookSignature.verifyElements("key", body, signature.slice(7))), "mismatch")
    assert.strictEqual(reasonOf(WebhookSignature.verifyElements("key", body, undefined)), "missing-header")
    assert.strictEqual(reasonOf(WebhookSignature.verifyElements("key", body, " ")), "missing-header")
  })
})
