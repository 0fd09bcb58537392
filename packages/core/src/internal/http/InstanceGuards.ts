/**
 * The per-instance state VendorHttp keeps across clients: the request budget and the circuit
 * breaker. Keyed by instance, so two clients built for the same instance (one per hub request, one
 * for the poller) share one budget and one breaker.
 */
import * as CircuitBreaker from "./CircuitBreaker.js"
import * as RateBudget from "./RateBudget.js"

/** The guards of one instance. */
export interface Guards {
  readonly budget: RateBudget.RateBudget
  readonly breaker: CircuitBreaker.CircuitBreaker
}

/** A table of guards by instance key. */
export interface InstanceGuards {
  /** The guards of an instance, created on first use. */
  readonly of: (instanceKey: string) => Guards
  /** Drops an instance's guards (the instance was deleted or reconfigured). */
  readonly forget: (instanceKey: string) => void
}

/** An empty table local to this process. */
export const make = (): InstanceGuards => {
  const table = new Map<string, Guards>()
  return {
    of: (instanceKey) => {
      let guards = table.get(instanceKey)
      if (guards === undefined) {
        guards = { budget: RateBudget.make(), breaker: CircuitBreaker.make() }
        table.set(instanceKey, guards)
      }
      return guards
    },
    forget: (instanceKey) => {
      table.delete(instanceKey)
    }
  }
}
