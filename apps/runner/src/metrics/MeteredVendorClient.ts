/**
 * A vendor client that counts and times every call in the metrics: by element, by the verb of the
 * call (`list`, `get`, `create`, `update`, `replace`, `delete`, `credential`, else `other` — never the
 * free-form operation text, which may name records), and by outcome: the status class of the answer
 * or, without one, `transport`, `unavailable` (circuit breaker open) or `error`. A call's time
 * includes its retries and waits, as the caller sees it.
 */
import type { ConnectorError, VendorClient } from "@plugboard/core"
import { Effect } from "effect"
import * as RunnerMetrics from "./RunnerMetrics.js"

const KINDS: ReadonlySet<string> = new Set([
  "list",
  "get",
  "create",
  "update",
  "replace",
  "delete",
  "credential"
])

/** The verb of an operation (`list accounts` → `list`), from a closed set. */
export const kindOf = (operation: string): string => {
  const verb = operation.trim().split(/\s+/, 1)[0]?.toLowerCase() ?? ""
  return KINDS.has(verb) ? verb : "other"
}

/** The outcome label of a failed call. */
export const failureOutcome = (error: ConnectorError.ConnectorError): string => {
  const status = error.reason.status
  if (status !== undefined) return RunnerMetrics.statusClass(status)
  if (error.reason._tag === "Transport") return "transport"
  if (error.reason._tag === "VendorUnavailable") return "unavailable"
  return "error"
}

/** Wraps a client so that its calls are metered under `element`. */
export const make = (element: string, client: VendorClient.VendorClient): VendorClient.VendorClient => ({
  request: (request) =>
    Effect.suspend(() => {
      const started = performance.now()
      const measured = (outcome: string) =>
        RunnerMetrics.vendorCall({
          element,
          kind: kindOf(request.operation),
          outcome,
          seconds: (performance.now() - started) / 1000
        })
      return client.request(request).pipe(
        Effect.tap((response) => measured(RunnerMetrics.statusClass(response.status))),
        Effect.tapError((error) => measured(failureOutcome(error)))
      )
    })
})
