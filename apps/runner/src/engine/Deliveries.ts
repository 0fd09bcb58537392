/**
 * The operator side of delivery: an instance's subscription state and outbox counts, and
 * redelivery. A redelivery turns the chosen notifications (those carrying the given events, or
 * every `FAILED` and `QUEUED` one) back into `PENDING` with a fresh retry schedule, marks their
 * events `NEW` and resumes the subscription; the delivery loop then sends them with the same
 * `webhook-id` as before, so receivers that already got one can drop it.
 */
import { Clock, Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { EngineSignals } from "./EngineSignals.js"
import { EventStore } from "./EventStore.js"
import { Outbox, type Summary } from "./Outbox.js"
import { type Subscription, Subscriptions } from "./Subscriptions.js"

/** An instance's delivery state. */
export interface DeliveryStatus {
  readonly subscription: Subscription
  readonly notifications: Summary
}

/** Redelivery and delivery status. */
export interface DeliveriesService {
  readonly status: (instanceId: number) => Effect.Effect<DeliveryStatus>
  /**
   * Requeues the notifications carrying `eventIds` (any status but pending), or all `FAILED` and
   * `QUEUED` ones when no ids are given, and resumes the subscription; returns the number requeued.
   */
  readonly redeliver: (instanceId: number, eventIds?: ReadonlyArray<string>) => Effect.Effect<number>
}

/** Delivery administration. */
export class Deliveries extends Context.Service<Deliveries, DeliveriesService>()(
  "@plugboard/runner/engine/Deliveries"
) {
  static readonly layer: Layer.Layer<
    Deliveries,
    never,
    SqlClient.SqlClient | EventStore | Outbox | Subscriptions | EngineSignals
  > = Layer.effect(
    Deliveries,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const events = yield* EventStore
      const outbox = yield* Outbox
      const subscriptions = yield* Subscriptions
      const signals = yield* EngineSignals

      const status: DeliveriesService["status"] = (instanceId) =>
        Effect.all({
          subscription: subscriptions.get(instanceId),
          notifications: outbox.summary(instanceId)
        }).pipe(Effect.orDie)

      const redeliver: DeliveriesService["redeliver"] = (instanceId, eventIds) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const requeued = yield* sql
            .withTransaction(
              Effect.gen(function* () {
                const chosen =
                  eventIds === undefined
                    ? yield* outbox.undelivered(instanceId)
                    : yield* events.notificationsOf(instanceId, eventIds)
                const changed = yield* outbox.requeue(instanceId, chosen, "PENDING", now)
                yield* events.markNotifications(instanceId, changed, "NEW", now)
                yield* subscriptions.resume(instanceId, now)
                return changed.length
              })
            )
            .pipe(Effect.orDie)
          yield* signals.deliveries.ring
          return requeued
        })

      return Deliveries.of({ status, redeliver })
    })
  )
}
