/**
 * Keeps the engine's tables from growing without end: once an hour (a cluster cron, so exactly one
 * runner does it), delivered notifications and notified events older than the retention period
 * (30 days by default) are deleted. Failed and queued ones stay until they are redelivered or their
 * instance is deleted; poll schedules hold no history.
 */
import { Clock, Cron, Effect, type Layer } from "effect"
import { ClusterCron, type Sharding } from "effect/cluster"
import { EngineOptions } from "./EngineOptions.js"
import { EventStore } from "./EventStore.js"
import { Outbox } from "./Outbox.js"

/** Deletes what the retention period has passed; returns the counts. */
export const prune: Effect.Effect<
  { readonly events: number; readonly notifications: number },
  never,
  EventStore | Outbox
> = Effect.gen(function* () {
  const options = yield* EngineOptions
  const events = yield* EventStore
  const outbox = yield* Outbox
  const before = (yield* Clock.currentTimeMillis) - options.retention
  const notifications = yield* outbox.prune(before)
  const removed = yield* events.prune(before)
  return { events: removed, notifications }
}).pipe(Effect.orDie)

/** The hourly cluster cron running {@link prune}. */
export const layer: Layer.Layer<never, never, Sharding.Sharding | EventStore | Outbox> = ClusterCron.make({
  name: "plugboard-engine-retention",
  cron: Cron.parseUnsafe("17 * * * *"),
  execute: prune.pipe(
    Effect.tap(({ events, notifications }) =>
      events + notifications === 0
        ? Effect.void
        : Effect.logInfo(`event retention: deleted ${notifications} notifications and ${events} events`)
    ),
    Effect.asVoid
  )
})
