/**
 * How long a vendor asked us to wait before trying again: `Retry-After` (delta seconds or an HTTP
 * date), else a rate-limit reset header. Reset headers differ between vendors — delta seconds
 * (`RateLimit-Reset`), epoch seconds (`X-RateLimit-Reset` at many vendors) or epoch milliseconds — so
 * their magnitude decides how they are read.
 */

const resetHeaders = ["x-rate-limit-reset", "x-ratelimit-reset", "ratelimit-reset"] as const

/** Epoch seconds beyond this are read as a point in time, not a delay (2001-09-09). */
const EPOCH_SECONDS = 1_000_000_000
/** Epoch milliseconds beyond this are read as a point in time in milliseconds. */
const EPOCH_MILLIS = 1_000_000_000_000

/**
 * The wait in milliseconds, or undefined when the vendor gave no usable hint. `header` looks a header
 * up by lower-case name; `now` is the current time in epoch milliseconds.
 */
export const retryAfterMillis = (
  header: (name: string) => string | undefined,
  now: number
): number | undefined => {
  const retryAfter = header("retry-after")
  if (retryAfter !== undefined) {
    const parsed = readRetryAfter(retryAfter.trim(), now)
    if (parsed !== undefined) return parsed
  }
  for (const name of resetHeaders) {
    const value = header(name)
    if (value === undefined) continue
    const parsed = readReset(value.trim(), now)
    if (parsed !== undefined) return parsed
  }
  return undefined
}

/**
 * One `Retry-After` value (trimmed): delta seconds, or an HTTP date measured from `now`; a date in
 * the past gives 0, anything else `undefined`. Shared with event delivery, which reads receivers'
 * answers the same way.
 */
export const readRetryAfter = (value: string, now: number): number | undefined => {
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000)
  return readDate(value, now)
}

const readReset = (value: string, now: number): number | undefined => {
  if (/^\d+(\.\d+)?$/.test(value)) {
    const number = Number(value)
    if (number >= EPOCH_MILLIS) return Math.max(0, Math.round(number - now))
    if (number >= EPOCH_SECONDS) return Math.max(0, Math.round(number * 1000 - now))
    return Math.round(number * 1000)
  }
  return readDate(value, now)
}

const readDate = (value: string, now: number): number | undefined => {
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}
