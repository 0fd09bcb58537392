/**
 * The fake Sendoso's throttle: more than `requests` API calls of one client within `windowMillis`
 * are refused with 429 and `X-Rate-Limit-Reset`, the seconds until the oldest call leaves the window.
 * It runs on its own clock (real time by default), apart from the fake's record clock, which tests
 * often freeze.
 */
import { type Answer, failure } from "./FakeSendosoHttp.js"

/** The throttle's settings: Sendoso documents 10 requests per second per client. */
export interface RateLimit {
  readonly requests: number
  readonly windowMillis: number
}

/** Sendoso's documented limit. */
export const sendosoRateLimit: RateLimit = { requests: 10, windowMillis: 1000 }

/** A sliding-window throttle per client. */
export class FakeSendosoRateLimit {
  private readonly calls = new Map<string, Array<number>>()
  /** How many calls were refused. */
  refused = 0

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: () => number = Date.now
  ) {}

  /** Counts a call of `client`; a 429 answer when it is over the limit. */
  admit(client: string): Answer | undefined {
    const at = this.clock()
    const recent = (this.calls.get(client) ?? []).filter((t) => t > at - this.limit.windowMillis)
    if (recent.length >= this.limit.requests) {
      this.calls.set(client, recent)
      this.refused += 1
      const oldest = recent[0] ?? at
      const wait = Math.max(1, Math.ceil((oldest + this.limit.windowMillis - at) / 1000))
      return failure(429, "Too many requests. You have exceeded the rate limit; retry later.", {
        "x-rate-limit-reset": String(wait)
      })
    }
    recent.push(at)
    this.calls.set(client, recent)
    return undefined
  }
}
