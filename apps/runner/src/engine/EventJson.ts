/**
 * How the API shows engine state (contract.md §7): an event as
 * `{id, eventDate, status, providerData, notifiedData}` — `providerData` the vendor record,
 * `notifiedData` the event as the callback receives it — plus, ours, the instance, object and
 * notification it belongs to; and an instance's event status: subscription, outbox counts and one
 * poller per resource with its failures and backoff.
 */
import { Schema } from "effect"
import type { DeliveryStatus } from "./Deliveries.js"
import type { StoredEvent } from "./EventStore.js"
import { EventStatus } from "./EventStore.js"
import type { Schedule } from "./ScheduleStore.js"
import * as Subscriptions from "./Subscriptions.js"

const iso = (millis: number | null | undefined) =>
  millis === null || millis === undefined ? null : new Date(millis).toISOString()

/** One event. */
export const Event = Schema.Struct({
  id: Schema.String,
  eventDate: Schema.String,
  status: EventStatus,
  providerData: Schema.Unknown,
  notifiedData: Schema.Unknown,
  instanceId: Schema.Number,
  objectType: Schema.String,
  objectId: Schema.String,
  eventType: Schema.String,
  notificationId: Schema.String,
  createdDate: Schema.String,
  updatedDate: Schema.String
})
export type Event = typeof Event.Type

/** The JSON of a stored event. */
export const present = (event: StoredEvent): Event => ({
  id: event.id,
  eventDate: event.eventDate,
  status: event.status,
  providerData: event.record ?? null,
  notifiedData: event.event,
  instanceId: event.instanceId,
  objectType: event.resource,
  objectId: event.objectId,
  eventType: event.eventType,
  notificationId: event.notificationId,
  createdDate: new Date(event.createdAt).toISOString(),
  updatedDate: new Date(event.updatedAt).toISOString()
})

/** One polled resource. */
export const Poller = Schema.Struct({
  resource: Schema.String,
  active: Schema.Boolean,
  /** `event.poller.refresh_interval`, minutes. */
  refreshInterval: Schema.Number,
  url: Schema.String,
  nextPollDate: Schema.NullOr(Schema.String),
  lastPollDate: Schema.NullOr(Schema.String),
  lastSuccessDate: Schema.NullOr(Schema.String),
  lastEventCount: Schema.Number,
  /** Consecutive failed polls; 0 after a success. */
  failures: Schema.Number,
  lastError: Schema.NullOr(Schema.String),
  /** No poll before this date after failures (a manual poll skips it). */
  backoffUntil: Schema.NullOr(Schema.String)
})

/** An instance's events engine state. */
export const Status = Schema.Struct({
  instanceId: Schema.Number,
  subscription: Schema.Struct({
    state: Subscriptions.State,
    reason: Schema.NullOr(Schema.String),
    changedDate: Schema.NullOr(Schema.String)
  }),
  notifications: Schema.Struct({
    PENDING: Schema.Number,
    DELIVERED: Schema.Number,
    FAILED: Schema.Number,
    QUEUED: Schema.Number
  }),
  pollers: Schema.Array(Poller)
})
export type Status = typeof Status.Type

const urlOf = (entry: string): string => {
  try {
    const parsed = JSON.parse(entry) as { readonly url?: unknown }
    return typeof parsed.url === "string" ? parsed.url : ""
  } catch {
    return ""
  }
}

/** The JSON of an instance's engine state. */
export const presentStatus = (
  instanceId: number,
  delivery: DeliveryStatus,
  schedules: ReadonlyArray<Schedule>
): Status => ({
  instanceId,
  subscription: {
    state: delivery.subscription.state,
    reason: delivery.subscription.reason ?? null,
    changedDate: iso(delivery.subscription.changedAt)
  },
  notifications: delivery.notifications,
  pollers: schedules.map((schedule) => ({
    resource: schedule.resource,
    active: schedule.active,
    refreshInterval: schedule.intervalMillis / 60_000,
    url: urlOf(schedule.entry),
    // While claimed, `next_run_at` is the lease's end, not a planned poll.
    nextPollDate: schedule.active && schedule.claimToken === null ? iso(schedule.nextRunAt) : null,
    lastPollDate: iso(schedule.lastPollAt),
    lastSuccessDate: iso(schedule.lastSuccessAt),
    lastEventCount: schedule.lastEventCount,
    failures: schedule.failures,
    lastError: schedule.lastError,
    backoffUntil: iso(schedule.backoffUntil)
  }))
})
