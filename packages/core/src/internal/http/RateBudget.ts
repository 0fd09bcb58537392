/**
 * A request budget of so many requests per second, as a token bucket kept in "theoretical arrival
 * time" form (GCRA): each request reserves the next free slot and waits for it, so requests are
 * spaced evenly and never refused. `burst` requests may go at once after a quiet spell; the default
 * of 1 keeps any one-second window within the vendor's limit.
 */
import { Clock, Duration, Effect } from "effect"

/** The budget of one instance. */
export interface RateBudget {
  /** Waits until the next request may go. */
  readonly take: (requestsPerSecond: number, burst: number) => Effect.Effect<void>
}

/** A budget starting idle. */
export const make = (): RateBudget => {
  // The time at which the bucket would be full again, in epoch milliseconds.
  let theoreticalArrival = 0
  return {
    take: (requestsPerSecond, burst) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (!(requestsPerSecond > 0)) return Effect.void
        const interval = 1000 / requestsPerSecond
        const tolerance = (Math.max(1, Math.floor(burst)) - 1) * interval
        const start = Math.max(theoreticalArrival, now)
        const wait = Math.max(0, start - tolerance - now)
        // Reserved synchronously, so concurrent callers get consecutive slots.
        theoreticalArrival = start + interval
        return wait === 0 ? Effect.void : Effect.sleep(Duration.millis(Math.ceil(wait)))
      })
  }
}
