/**
 * The runner's Prometheus metrics, on Effect's `Metric` module: HTTP requests by route template,
 * polls (and what they could not handle: records without an id, unreadable dates, held watermarks),
 * events recorded, deliveries and vendor calls with their latencies, and the outbox backlog. Labels
 * are closed sets or names from configuration the operator controls (element keys, poller resource
 * names, route templates); never an instance id, a record id, a token or a secret, so the
 * number of series stays bounded whatever the traffic. Each runner keeps its own registry
 * ({@link layer}), so several runners in one process (tests, embedding) never mix their numbers.
 */
import { Effect, Layer, Metric } from "effect"
import { PrometheusMetrics } from "effect/observability"

/** The `Content-Type` of the text exposition format 0.0.4. */
export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

/** Latency buckets, in seconds: 1 ms to 30 s. */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

type Labels = Readonly<Record<string, string>>

/**
 * One metric family with a series per label set. Series are kept, so the attribute merge and key
 * of a series are computed once rather than on every update.
 */
const family = <M extends Metric.Metric<number, unknown>>(base: M) => {
  const series = new Map<string, M>()
  return (labels: Labels): M => {
    const key = Object.values(labels).join("\u0000")
    let found = series.get(key)
    if (found === undefined) {
      found = Metric.withAttributes(base, labels) as M
      series.set(key, found)
    }
    return found
  }
}

const counter = (name: string, description: string) =>
  family(Metric.counter(name, { description, incremental: true }))
const histogram = (name: string, description: string) =>
  family(Metric.histogram(name, { description, boundaries: latencyBuckets }))
const gauge = (name: string, description: string) => family(Metric.gauge(name, { description }))

const httpRequests = counter("plugboard_http_requests_total", "HTTP requests answered, by route template")
const httpDuration = histogram(
  "plugboard_http_request_duration_seconds",
  "Time to answer an HTTP request, by route template"
)
const polls = counter("plugboard_polls_total", "Polls of one resource of one instance, by outcome")
const pollDuration = histogram("plugboard_poll_duration_seconds", "Time a poll took, vendor reads included")
const pollRecordsSkipped = counter(
  "plugboard_poll_records_skipped_total",
  "Records a poll listed but could not track and did not emit, by reason (no_id: no value at the idField)"
)
const pollUnreadableDates = counter(
  "plugboard_poll_unreadable_dates_total",
  "Date values of polled records that could not be read (such records are tracked by content hash)"
)
const pollsHeld = counter(
  "plugboard_polls_held_total",
  "Polls whose listing changed under them, so the watermark stayed and the next poll re-reads the window"
)
const eventsRecorded = counter(
  "plugboard_events_recorded_total",
  "New events stored by polls and vendor webhooks"
)
const deliveries = counter(
  "plugboard_deliveries_total",
  "Notification delivery attempts: delivered, retry (scheduled again), failed (after the last attempt), disabled (410)"
)
const deliveryDuration = histogram(
  "plugboard_delivery_duration_seconds",
  "Time a delivery attempt took, the callback's answer included"
)
const vendorCalls = counter(
  "plugboard_vendor_requests_total",
  "Calls to vendors, retries included, by outcome"
)
const vendorDuration = histogram(
  "plugboard_vendor_request_duration_seconds",
  "Time a vendor call took, retries and waits included"
)
const outbox = gauge("plugboard_outbox_notifications", "Notifications not yet delivered, by status")
const outboxOldest = gauge(
  "plugboard_outbox_oldest_due_seconds",
  "Age of the oldest PENDING notification that is due (0 when none is)"
)
const partitionsOwned = gauge(
  "plugboard_engine_partitions_owned",
  "Partitions of the events engine this runner owns now (of 64, split among the runners of one database)"
)

/** Status class of an HTTP status: `2xx`, `4xx`, … */
export const statusClass = (status: number): string =>
  status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : "other"

const METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])

/** Records one answered HTTP request; `route` is the route template or `unmatched`. */
export const httpRequest = (options: {
  readonly method: string
  readonly route: string
  readonly status: number
  readonly seconds: number
}): Effect.Effect<void> => {
  const labels = {
    method: METHODS.has(options.method) ? options.method : "other",
    route: options.route,
    status_class: statusClass(options.status)
  }
  return Effect.andThen(
    Metric.update(httpRequests(labels), 1),
    Metric.update(httpDuration(labels), options.seconds)
  )
}

/** How a poll ended. */
export type PollOutcome = "success" | "failure" | "lost_claim" | "skipped"

/** Records one poll of a resource. */
export const poll = (options: {
  readonly element: string
  readonly resource: string
  readonly outcome: PollOutcome
  readonly seconds: number
}): Effect.Effect<void> =>
  Effect.andThen(
    Metric.update(
      polls({ element: options.element, resource: options.resource, outcome: options.outcome }),
      1
    ),
    Metric.update(pollDuration({ element: options.element, outcome: options.outcome }), options.seconds)
  )

/** Why a poll did not emit a listed record. */
export type SkipReason = "no_id"

/** What a successful poll could not fully handle (all zero / false: nothing is recorded). */
export const pollFindings = (options: {
  readonly element: string
  readonly resource: string
  readonly withoutId: number
  readonly unreadableDates: number
  readonly held: boolean
}): Effect.Effect<void> => {
  const labels = { element: options.element, resource: options.resource }
  return Effect.all(
    [
      options.withoutId > 0
        ? Metric.update(
            pollRecordsSkipped({ ...labels, reason: "no_id" satisfies SkipReason }),
            options.withoutId
          )
        : Effect.void,
      options.unreadableDates > 0
        ? Metric.update(pollUnreadableDates(labels), options.unreadableDates)
        : Effect.void,
      options.held ? Metric.update(pollsHeld(labels), 1) : Effect.void
    ],
    { discard: true }
  )
}

/** Records the new events a poll committed, by event type. */
export const recorded = (element: string, byType: Readonly<Record<string, number>>): Effect.Effect<void> =>
  Effect.forEach(
    Object.entries(byType),
    ([type, count]) => Metric.update(eventsRecorded({ element, type }), count),
    { discard: true }
  )

/** How a delivery attempt ended. */
export type DeliveryOutcome = "delivered" | "retry" | "failed" | "disabled"

/** Records one delivery attempt. */
export const delivery = (outcome: DeliveryOutcome, seconds: number): Effect.Effect<void> =>
  Effect.andThen(
    Metric.update(deliveries({ outcome }), 1),
    Metric.update(deliveryDuration({ outcome }), seconds)
  )

/**
 * Records one vendor call: `kind` is the verb of the call (`list`, `get`, `create`, …), `outcome`
 * the status class of the answer (`2xx`, `4xx`, `5xx`) or, without an answer, the failure
 * (`transport`, `unavailable`, `other`).
 */
export const vendorCall = (options: {
  readonly element: string
  readonly kind: string
  readonly outcome: string
  readonly seconds: number
}): Effect.Effect<void> => {
  const labels = { element: options.element, kind: options.kind, outcome: options.outcome }
  return Effect.andThen(
    Metric.update(vendorCalls(labels), 1),
    Metric.update(vendorDuration(labels), options.seconds)
  )
}

/** The outbox's undelivered notifications, as counted at scrape time. */
export interface Backlog {
  readonly pending: number
  readonly queued: number
  readonly failed: number
  /** Seconds since the oldest due PENDING notification became due; 0 when none is due. */
  readonly oldestDueSeconds: number
}

/** Sets the backlog gauges. */
export const backlog = (value: Backlog): Effect.Effect<void> =>
  Effect.all(
    [
      Metric.update(outbox({ status: "PENDING" }), value.pending),
      Metric.update(outbox({ status: "QUEUED" }), value.queued),
      Metric.update(outbox({ status: "FAILED" }), value.failed),
      Metric.update(outboxOldest({}), value.oldestDueSeconds)
    ],
    { discard: true }
  )

/**
 * Sets how many engine partitions this runner owns, whenever that changes: with several runners on
 * one database the values add up to 64 once the cluster has settled, and a runner's partitions
 * moving to the others after it stopped or died shows as theirs rising.
 */
export const partitions = (owned: number): Effect.Effect<void> => Metric.update(partitionsOwned({}), owned)

/** Every metric of the current registry in the Prometheus text format 0.0.4. */
export const exposition: Effect.Effect<string> = PrometheusMetrics.format()

/** A registry of this runner's own, for everything built under it. */
export const layer: Layer.Layer<never> = Layer.effect(
  Metric.MetricRegistry,
  Effect.sync(() => new Map())
)
