import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { TokenSet } from "../src/TokenStore.js"
import * as ConnectorError from "../src/ConnectorError.js"
import * as RefreshPolicy from "../src/internal/auth/RefreshPolicy.js"
import * as RateBudget from "../src/internal/http/RateBudget.js"
import { retryAfterMillis } from "../src/internal/http/RetryAfter.js"
import * as RetryPolicy from "../src/internal/http/RetryPolicy.js"
import * as VendorUrl from "../src/internal/http/VendorUrl.js"
import { Redacted } from "effect"

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0)
const headers = (record: Record<string, string>) => (name: string) => record[name]

describe("RetryAfter", () => {
  it("reads delta seconds and HTTP dates", () => {
    assert.strictEqual(retryAfterMillis(headers({ "retry-after": "2" }), NOW), 2000)
    assert.strictEqual(retryAfterMillis(headers({ "retry-after": "0.5" }), NOW), 500)
    const date = new Date(NOW + 30_000).toUTCString()
    assert.strictEqual(retryAfterMillis(headers({ "retry-after": date }), NOW), 30_000)
    assert.strictEqual(
      retryAfterMillis(headers({ "retry-after": new Date(NOW - 5000).toUTCString() }), NOW),
      0
    )
  })

  it("falls back to reset headers, read by magnitude", () => {
    assert.strictEqual(retryAfterMillis(headers({ "x-rate-limit-reset": "12" }), NOW), 12_000)
    assert.strictEqual(
      retryAfterMillis(headers({ "x-rate-limit-reset": String(NOW / 1000 + 40) }), NOW),
      40_000
    )
    assert.strictEqual(retryAfterMillis(headers({ "ratelimit-reset": "3" }), NOW), 3000)
    assert.strictEqual(retryAfterMillis(headers({ "x-ratelimit-reset": String(NOW + 1500) }), NOW), 1500)
    assert.strictEqual(
      retryAfterMillis(headers({ "retry-after": "1", "x-rate-limit-reset": "50" }), NOW),
      1000
    )
  })

  it("ignores what it cannot read", () => {
    assert.isUndefined(retryAfterMillis(headers({}), NOW))
    assert.isUndefined(retryAfterMillis(headers({ "retry-after": "soon" }), NOW))
  })
})

describe("RetryPolicy", () => {
  const settings = {
    maxAttempts: 4,
    baseDelayMillis: 500,
    maxDelayMillis: 30_000,
    maxRetryAfterMillis: 60_000
  }
  const failure = (status: number, retryAfter?: number) => ({
    error: ConnectorError.make(ConnectorError.fromStatus(status, { retryAfterMillis: retryAfter })),
    beforeSend: false
  })
  const transport = (beforeSend: boolean) => ({
    error: ConnectorError.make(new ConnectorError.Transport({ message: "down" })),
    beforeSend
  })

  it("retries 429 for every method and 5xx/408/transport for idempotent ones", () => {
    for (const method of ["GET", "PUT", "DELETE", "POST", "PATCH"] as const) {
      assert.isTrue(RetryPolicy.isRetryable(method, failure(429)), method)
    }
    for (const status of [408, 500, 502, 503, 504]) {
      assert.isTrue(RetryPolicy.isRetryable("GET", failure(status)), `GET ${status}`)
      assert.isFalse(RetryPolicy.isRetryable("POST", failure(status)), `POST ${status}`)
      assert.isFalse(RetryPolicy.isRetryable("PATCH", failure(status)), `PATCH ${status}`)
    }
    for (const status of [400, 401, 403, 404, 409, 422, 501]) {
      assert.isFalse(RetryPolicy.isRetryable("GET", failure(status)), `GET ${status}`)
    }
    assert.isTrue(RetryPolicy.isRetryable("DELETE", transport(false)))
    assert.isFalse(RetryPolicy.isRetryable("POST", transport(false)))
    assert.isTrue(RetryPolicy.isRetryable("POST", transport(true)))
  })

  it("waits what the vendor asked, up to 10 % more, and gives up on long waits", () => {
    assert.strictEqual(RetryPolicy.delayBefore("GET", failure(429, 2000), 1, settings, 0), 2000)
    assert.strictEqual(RetryPolicy.delayBefore("GET", failure(429, 2000), 1, settings, 0.999), 2200)
    assert.isUndefined(RetryPolicy.delayBefore("GET", failure(429, 120_000), 1, settings, 0))
    assert.isUndefined(RetryPolicy.delayBefore("GET", failure(429), 4, settings, 0))
  })

  it("backs off exponentially with ±20 % jitter, capped", () => {
    const at = (attempt: number, random: number) =>
      RetryPolicy.delayBefore("GET", failure(503), attempt, settings, random)
    assert.strictEqual(at(1, 0.5), 500)
    assert.strictEqual(at(2, 0.5), 1000)
    assert.strictEqual(at(3, 0.5), 2000)
    assert.strictEqual(at(1, 0), 400)
    assert.strictEqual(at(1, 1), 600)
    const capped = { ...settings, maxAttempts: 20, maxDelayMillis: 5000 }
    assert.strictEqual(RetryPolicy.delayBefore("GET", failure(503), 10, capped, 0.5), 5000)
  })
})

describe("RefreshPolicy", () => {
  const token = (obtainedAt: number | undefined, lifetimeSeconds: number) =>
    new TokenSet({
      accessToken: Redacted.make("a"),
      tokenType: "bearer",
      ...(obtainedAt === undefined ? {} : { obtainedAt }),
      expiresAt: (obtainedAt ?? 0) + lifetimeSeconds * 1000
    })

  it("refreshes at most half the lifetime and at most five minutes early", () => {
    assert.strictEqual(RefreshPolicy.refreshAt(token(0, 3600)), 3_300_000)
    assert.strictEqual(RefreshPolicy.refreshAt(token(0, 300)), 150_000)
    assert.strictEqual(RefreshPolicy.refreshAt(token(0, 60)), 30_000)
    assert.strictEqual(RefreshPolicy.refreshAt(token(undefined, 3600)), 3_300_000)
    assert.isFalse(RefreshPolicy.isDue(token(0, 300), 149_999))
    assert.isTrue(RefreshPolicy.isDue(token(0, 300), 150_000))
    const noExpiry = new TokenSet({ accessToken: Redacted.make("a"), tokenType: "bearer" })
    assert.isFalse(RefreshPolicy.isDue(noExpiry, Number.MAX_SAFE_INTEGER))
  })
})

describe("RateBudget", () => {
  it.effect("hands out evenly spaced slots and allows a burst after a quiet spell", () =>
    Effect.gen(function* () {
      const budget = RateBudget.make()
      const done: Array<number> = []
      const take = (i: number) => Effect.tap(budget.take(10, 1), () => Effect.sync(() => done.push(i)))
      const fiber = yield* Effect.forkChild(Effect.all([0, 1, 2, 3].map(take), { concurrency: "unbounded" }))
      yield* TestClock.adjust(0)
      assert.deepStrictEqual(done, [0])
      yield* TestClock.adjust(100)
      assert.deepStrictEqual(done, [0, 1])
      yield* TestClock.adjust(200)
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(done, [0, 1, 2, 3])

      const bursty = RateBudget.make()
      yield* TestClock.adjust(10_000)
      const burst = yield* Effect.forkChild(
        Effect.all(
          [1, 2, 3].map(() => bursty.take(10, 3)),
          { concurrency: 3 }
        )
      )
      yield* TestClock.adjust(0)
      assert.isDefined(burst.pollUnsafe(), "three at once with a burst of three")
    })
  )
})

describe("VendorUrl", () => {
  const base = new URL("https://api.test/v3.1/")
  const resolve = (path: string) => Effect.runSync(Effect.result(VendorUrl.resolve(base, path, "op")))

  it("joins paths whatever the slashes and keeps vendor query strings", () => {
    for (const path of ["contacts", "/contacts"]) {
      const result = resolve(path)
      assert.strictEqual(result._tag === "Success" && result.success.href, "https://api.test/v3.1/contacts")
    }
    const next = resolve("/contacts?page=2&items_per_page=20")
    assert.strictEqual(next._tag === "Success" && next.success.searchParams.get("page"), "2")
    const sdata = resolve("Company('43')")
    assert.strictEqual(sdata._tag === "Success" && sdata.success.pathname, "/v3.1/Company('43')")
  })

  it("accepts same-origin absolute links only", () => {
    const same = resolve("https://api.test/v3.1/contacts?page=3")
    assert.strictEqual(same._tag, "Success")
    const others = [
      "https://evil.test/v3.1/contacts",
      "http://api.test/v3.1/contacts",
      "https://api.test:8443/x",
      "//evil.test/x"
    ]
    for (const other of others) {
      const result = resolve(other)
      assert.strictEqual(result._tag, "Failure", other)
    }
  })
})
