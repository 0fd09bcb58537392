import { Option } from "effect"
import { readRetryAfter } from "../http/RetryAfter.js"

/**
 * Delays in milliseconds before each delivery attempt: entry `n` is the wait before attempt `n`
 * (0-based), so entry 0 is the first delivery and the length is the number of attempts in all.
 */
export type RetrySchedule = ReadonlyArray<number>

const second = 1000
const minute = 60 * second
const hour = 60 * minute

/**
 * The two schedules. `svix`: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts,
 * ≈ 27.6 h). `legacyElements`: the original platform's — immediately, then 4^n seconds for
 * n = 1…9 (4 s, 16 s, 64 s … 72.8 h; 10 attempts).
 */
export const RetrySchedule: { readonly svix: RetrySchedule; readonly legacyElements: RetrySchedule } = {
  svix: [0, 5 * second, 5 * minute, 30 * minute, 2 * hour, 5 * hour, 10 * hour, 10 * hour],
  legacyElements: [0, ...Array.from({ length: 9 }, (_, index) => 4 ** (index + 1) * second)]
}

/**
 * The wait before attempt number `attempt` (0-based: the count of attempts already made), with
 * ±20 % jitter from `random` (a number in [0, 1), e.g. from `Random.next`), rounded to whole
 * milliseconds. `Option.none()` once the schedule is used up: the delivery has failed for good.
 */
export const nextDelay = (
  schedule: RetrySchedule,
  attempt: number,
  random: number
): Option.Option<number> => {
  const base = Number.isInteger(attempt) && attempt >= 0 ? schedule[attempt] : undefined
  if (base === undefined) return Option.none()
  const unit = Number.isFinite(random) ? Math.min(Math.max(random, 0), 1) : 0.5
  return Option.some(Math.round(base * (0.8 + 0.4 * unit)))
}

/**
 * Applies a receiver's `Retry-After` (already in milliseconds) to a scheduled delay: honoured, but
 * kept within 1×–2× of the schedule so a receiver can neither hurry the retries nor stall them. No or
 * a meaningless value leaves the schedule as it is. Use it for 429 and 503 answers.
 */
export const honourRetryAfter = (scheduledMs: number, retryAfterMs: number | undefined): number =>
  retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs < 0
    ? scheduledMs
    : Math.min(Math.max(retryAfterMs, scheduledMs), 2 * scheduledMs)

/**
 * Reads a `Retry-After` header (delta seconds, or an HTTP date measured from `nowMillis`) into
 * milliseconds; `undefined` when absent or unreadable. A date in the past gives 0.
 */
export const parseRetryAfter = (value: string | null | undefined, nowMillis: number): number | undefined =>
  value === null || value === undefined ? undefined : readRetryAfter(value.trim(), nowMillis)

/** What to do after a callback answered: done, try again later, or stop the subscription. */
export type DeliveryOutcome = "delivered" | "retry" | "disable"

/** Whether a callback status counts as delivered: 2xx only (a redirect is never followed). */
export const isSuccess = (status: number): boolean => status >= 200 && status <= 299

/**
 * Classifies a callback's HTTP status: 2xx delivered; 410 Gone disables the subscription; everything
 * else, 3xx included, is retried. A timeout or a connection failure (no status) is a retry as well.
 */
export const classifyStatus = (status: number | undefined): DeliveryOutcome => {
  if (status === undefined) return "retry"
  if (isSuccess(status)) return "delivered"
  return status === 410 ? "disable" : "retry"
}
