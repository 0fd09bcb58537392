/**
 * Writes what a poll found: the events the instance does not have yet (deterministic ids make a
 * repeated poll a no-op), and their notifications (at most 10 events each, one object type each) in
 * the outbox, `PENDING` or, while the subscription is paused, `QUEUED`. It runs inside the poll's
 * commit transaction, next to the cursor update, so events and cursor are stored together or not
 * at all.
 */
import { Events, type Poller } from "@plugboard/core"
import { Context, Effect, Layer } from "effect"
import type { SqlError } from "effect/sql"
import { EventStore, type NewEvent } from "./EventStore.js"
import { type NewEntry, Outbox } from "./Outbox.js"
import { Subscriptions } from "./Subscriptions.js"

/** The poll whose events are recorded. */
export interface RecordInput {
  readonly instanceId: number
  readonly partition: number
  readonly elementKey: string
  readonly hubKey: string
  readonly accountId: number
  readonly userId: number
  readonly resource: string
  readonly events: ReadonlyArray<Poller.PolledEvent>
  readonly now: number
}

/** What a recording added: the new events, in all and by event type (for the metrics). */
export interface Recorded {
  readonly count: number
  readonly byType: Readonly<Record<string, number>>
}

const nothing: Recorded = { count: 0, byType: {} }

/** Records polled events. */
export interface EventRecorderService {
  /** Stores the new events and enqueues their notifications; tells how many events were new. */
  readonly record: (input: RecordInput) => Effect.Effect<Recorded, SqlError.SqlError>
}

/** The event recorder as a service. */
export class EventRecorder extends Context.Service<EventRecorder, EventRecorderService>()(
  "@plugboard/runner/engine/EventRecorder"
) {
  static readonly layer: Layer.Layer<EventRecorder, never, EventStore | Outbox | Subscriptions> =
    Layer.effect(
      EventRecorder,
      Effect.gen(function* () {
        const events = yield* EventStore
        const outbox = yield* Outbox
        const subscriptions = yield* Subscriptions

        const record: EventRecorderService["record"] = (input) =>
          Effect.gen(function* () {
            const unique = new Map<string, Poller.PolledEvent>()
            for (const polled of input.events)
              if (!unique.has(polled.event.id)) unique.set(polled.event.id, polled)
            if (unique.size === 0) return nothing
            const known = yield* events.existing(input.instanceId, [...unique.keys()])
            const fresh = [...unique.values()].filter((polled) => !known.has(polled.event.id))
            if (fresh.length === 0) return nothing

            const paused = (yield* subscriptions.get(input.instanceId)).state === "paused"
            const notifications = Events.batchNotifications({
              instanceId: input.instanceId,
              elementKey: input.elementKey,
              hubKey: input.hubKey,
              accountId: input.accountId,
              userId: input.userId,
              events: fresh.map((polled) =>
                polled.record === undefined
                  ? { event: polled.event }
                  : { event: polled.event, record: polled.record }
              )
            })
            const carriedBy = new Map<string, string>()
            const entries: Array<NewEntry> = notifications.map((notification, position) => {
              for (const event of notification.message.events)
                carriedBy.set(event.id, notification.message.eventId)
              return {
                notificationId: notification.message.eventId,
                instanceId: input.instanceId,
                partition: input.partition,
                body: Events.encodeNotification(notification),
                eventCount: notification.message.events.length,
                status: paused ? "QUEUED" : "PENDING",
                deliverAt: input.now,
                position,
                now: input.now
              }
            })
            const rows: Array<NewEvent> = fresh.map((polled) => ({
              id: polled.event.id,
              instanceId: input.instanceId,
              resource: input.resource,
              objectId: polled.event.objectId,
              eventType: polled.event.eventType,
              eventDate: polled.event.date,
              status: paused ? "QUEUED" : "NEW",
              notificationId: carriedBy.get(polled.event.id) ?? "",
              event: polled.event,
              record: polled.record,
              now: input.now
            }))
            yield* events.insert(rows)
            yield* outbox.insert(entries)
            const byType: Record<string, number> = {}
            for (const polled of fresh)
              byType[polled.event.eventType] = (byType[polled.event.eventType] ?? 0) + 1
            return { count: fresh.length, byType }
          })

        return EventRecorder.of({ record })
      })
    )
}
