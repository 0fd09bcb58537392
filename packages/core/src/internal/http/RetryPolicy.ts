/**
 * Which failed vendor calls are tried again, and after how long.
 *
 * - 429 is retried for every method: the vendor refused the request without acting on it.
 * - 500, 502, 503, 504, 408 and transport failures (including timeouts) are retried for idempotent
 *   methods (GET, PUT, DELETE) only; for POST and PATCH the vendor may have acted, and a repeat could
 *   create a second record. The one exception is a connection that failed before anything was sent.
 * - Other 4xx are not retried; 401 is handled separately (one refresh, one repeat).
 * - The wait is the vendor's `Retry-After` / reset header plus up to 10 % (never earlier than asked)
 *   when given, else exponential backoff from `baseDelayMillis`, capped at `maxDelayMillis`, ±20 %
 *   jitter. A vendor asking for more than `maxRetryAfterMillis` is not waited for: the error goes
 *   back to the caller with `retryAfterMillis`, which pollers use for their own schedule.
 */
import type * as ConnectorError from "../../ConnectorError.js"
import type * as VendorClient from "../../VendorClient.js"

/** Retry settings. */
export interface Settings {
  readonly maxAttempts: number
  readonly baseDelayMillis: number
  readonly maxDelayMillis: number
  readonly maxRetryAfterMillis: number
}

/** A failed attempt as the policy sees it. */
export interface Failure {
  readonly error: ConnectorError.ConnectorError
  /** True when the request surely never reached the vendor. */
  readonly beforeSend: boolean
}

const idempotent: ReadonlySet<VendorClient.Method> = new Set(["GET", "PUT", "DELETE"])
const retriedStatuses: ReadonlySet<number> = new Set([408, 500, 502, 503, 504])

/** Whether this failure may be tried again with this method, ignoring attempt counts. */
export const isRetryable = (method: VendorClient.Method, failure: Failure): boolean => {
  const reason = failure.error.reason
  switch (reason._tag) {
    case "RateLimited":
      return true
    case "VendorUnavailable":
      return reason.status !== undefined && retriedStatuses.has(reason.status) && idempotent.has(method)
    case "Transport":
      return reason.status === undefined
        ? idempotent.has(method) || failure.beforeSend
        : retriedStatuses.has(reason.status) && idempotent.has(method)
    default:
      return false
  }
}

/**
 * The wait before attempt `attempt + 1` in milliseconds, or undefined to give up. `random` is a
 * number in [0, 1) for the jitter.
 */
export const delayBefore = (
  method: VendorClient.Method,
  failure: Failure,
  attempt: number,
  settings: Settings,
  random: number
): number | undefined => {
  if (attempt >= settings.maxAttempts || !isRetryable(method, failure)) return undefined
  const asked = failure.error.retryAfterMillis
  if (asked !== undefined) {
    if (asked > settings.maxRetryAfterMillis) return undefined
    return Math.ceil(asked + asked * 0.1 * random)
  }
  const exponential = Math.min(settings.maxDelayMillis, settings.baseDelayMillis * 2 ** (attempt - 1))
  return Math.max(0, Math.round(exponential * (0.8 + 0.4 * random)))
}
