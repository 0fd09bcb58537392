/**
 * How a callback attempt is settled (delivered, retried on the schedule with jitter and
 * `Retry-After`, given up after the last attempt or on 410), and that the reasons logged and stored
 * never carry a URL's path, query or credentials.
 */
import { describe, expect, it } from "@effect/vitest"
import { settle, withoutUrls } from "../../src/bulk/BulkCallbacks.js"

const schedule = [0, 1_000, 4_000]
const now = 1_000_000

describe("bulk callback attempts", () => {
  it("delivers on 2xx only", () => {
    expect(settle(schedule, { _tag: "Answered", status: 204, retryAfter: undefined }, 0, now, 0.5)).toEqual({
      _tag: "Delivered"
    })
    const redirect = settle(schedule, { _tag: "Answered", status: 302, retryAfter: undefined }, 0, now, 0.5)
    expect(redirect).toEqual({ _tag: "Retry", due: now + 1_000, error: "it answered 302" })
  })

  it("waits the schedule's next delay, with ±20 % jitter", () => {
    const failed = { _tag: "Failed", message: "connect ECONNREFUSED" } as const
    expect(settle(schedule, failed, 1, now, 0.5)).toEqual({
      _tag: "Retry",
      due: now + 4_000,
      error: "connect ECONNREFUSED"
    })
    expect(settle(schedule, failed, 1, now, 0)).toMatchObject({ due: now + 3_200 })
    expect(settle(schedule, failed, 1, now, 0.999_999)).toMatchObject({ due: now + 4_800 })
  })

  it("honours Retry-After on 429 and 503 within 1×–2× of the delay", () => {
    const busy = (retryAfter: string) =>
      settle(schedule, { _tag: "Answered", status: 503, retryAfter }, 0, now, 0.5)
    expect(busy("1.5")).toMatchObject({ due: now + 1_500 })
    expect(busy("3600")).toMatchObject({ due: now + 2_000 })
    expect(busy("0")).toMatchObject({ due: now + 1_000 })
  })

  it("gives up after the last attempt, and at once on 410 Gone", () => {
    const last = settle(schedule, { _tag: "Answered", status: 500, retryAfter: undefined }, 2, now, 0.5)
    expect(last).toEqual({ _tag: "Failed", error: "no success after 3 attempts; last: it answered 500" })
    const gone = settle(schedule, { _tag: "Answered", status: 410, retryAfter: undefined }, 0, now, 0.5)
    expect(gone).toEqual({ _tag: "Failed", error: "the callback answered 410 Gone" })
  })

  it("keeps only the origin of URLs in reasons", () => {
    const message = "Transport error (POST https://user:secret@hooks.example.com:8443/t/abc123?token=xyz)"
    expect(withoutUrls(message)).toBe("Transport error (POST https://hooks.example.com:8443)")
    const failed = settle(schedule, { _tag: "Failed", message }, 0, now, 0.5)
    expect(failed).toMatchObject({ _tag: "Retry" })
    expect(JSON.stringify(failed)).not.toMatch(/secret|abc123|xyz|user/)
  })
})
