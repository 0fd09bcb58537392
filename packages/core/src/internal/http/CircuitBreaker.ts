/**
 * A circuit breaker for one instance's vendor. After `threshold` consecutive failures (5xx answers,
 * transport errors) it opens: calls fail at once for `cooldownMillis`. Then one probe call is let
 * through (half-open); its success closes the breaker, its failure opens it again. Answers that show
 * the vendor alive (2xx, 4xx) count as successes; throttling (429) and abandoned calls count as
 * neither.
 */
import { Clock, Effect } from "effect"

/** What one call showed about the vendor's health. */
export type Outcome = "success" | "failure" | "ignored"

type State =
  | { readonly _tag: "Closed"; readonly failures: number }
  | { readonly _tag: "Open"; readonly until: number }
  | { readonly _tag: "HalfOpen"; readonly probing: boolean }

/** Settings of a breaker. */
export interface Settings {
  readonly threshold: number
  readonly cooldownMillis: number
}

/** The decision for one call: go (and whether it is the probe), or wait `retryAfterMillis`. */
export type Admission =
  | { readonly _tag: "Admitted"; readonly probe: boolean }
  | { readonly _tag: "Rejected"; readonly retryAfterMillis: number }

/** The breaker of one instance. */
export interface CircuitBreaker {
  readonly admit: (settings: Settings) => Effect.Effect<Admission>
  /** Records a call's outcome; returns true when this outcome opened the breaker. */
  readonly record: (
    admission: { readonly probe: boolean },
    outcome: Outcome,
    settings: Settings
  ) => Effect.Effect<boolean>
}

/** A closed breaker. */
export const make = (): CircuitBreaker => {
  let state: State = { _tag: "Closed", failures: 0 }
  return {
    admit: (settings) =>
      Effect.map(Clock.currentTimeMillis, (now): Admission => {
        switch (state._tag) {
          case "Closed":
            return { _tag: "Admitted", probe: false }
          case "Open":
            if (now < state.until) return { _tag: "Rejected", retryAfterMillis: state.until - now }
            state = { _tag: "HalfOpen", probing: true }
            return { _tag: "Admitted", probe: true }
          case "HalfOpen":
            if (state.probing)
              return { _tag: "Rejected", retryAfterMillis: Math.min(1000, settings.cooldownMillis) }
            state = { _tag: "HalfOpen", probing: true }
            return { _tag: "Admitted", probe: true }
        }
      }),
    record: (admission, outcome, settings) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const open = (): boolean => {
          state = { _tag: "Open", until: now + settings.cooldownMillis }
          return true
        }
        if (outcome === "success") {
          state = { _tag: "Closed", failures: 0 }
          return false
        }
        if (outcome === "ignored") {
          if (admission.probe && state._tag === "HalfOpen") state = { _tag: "HalfOpen", probing: false }
          return false
        }
        switch (state._tag) {
          case "Closed": {
            const failures = state.failures + 1
            if (failures >= Math.max(1, settings.threshold)) return open()
            state = { _tag: "Closed", failures }
            return false
          }
          case "HalfOpen":
            return admission.probe ? open() : false
          case "Open":
            // A call admitted before the breaker opened failed too; the cool-down stands.
            return false
        }
      })
  }
}
