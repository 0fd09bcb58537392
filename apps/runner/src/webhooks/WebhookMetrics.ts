/**
 * The vendor webhook counter: requests received by element and outcome (`accepted`, `duplicate`,
 * `unauthorized`, `rejected`). Labels are closed sets or element keys, never instance ids, so the
 * number of series stays bounded. It lives in the runner's metric registry like the other metrics.
 */
import { type Effect, Metric } from "effect"

/** How a pushed request ended. */
export type Outcome = "accepted" | "duplicate" | "unauthorized" | "rejected"

const received = Metric.counter("plugboard_vendor_webhooks_total", {
  description: "Vendor webhook requests received, by element and outcome",
  incremental: true
})

/** Counts one pushed request. */
export const request = (element: string, outcome: Outcome): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(received, { element, outcome }), 1)
