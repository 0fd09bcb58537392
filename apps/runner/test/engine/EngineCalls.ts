/**
 * The engine calls the engine suites make through `Harness.run`, one instance at a time: its stored
 * events, poll schedules and delivery status, a poll now, and events disabled.
 */
import { Effect } from "effect"
import { Deliveries } from "../../src/engine/Deliveries.js"
import { EventStore } from "../../src/engine/EventStore.js"
import { PollScheduler } from "../../src/engine/PollScheduler.js"

/** The instance's stored events (the first 1,000: more than any suite records). */
export const events = (instanceId: number) =>
  Effect.gen(function* () {
    const store = yield* EventStore
    return yield* store.list({ instanceIds: [instanceId], offset: 0, limit: 1000 })
  })

/** The instance's poll schedules, one per resource. */
export const schedules = (instanceId: number) =>
  Effect.gen(function* () {
    const scheduler = yield* PollScheduler
    return yield* scheduler.schedules(instanceId)
  })

/** Polls the instance now (every resource, or only `resource`), as `POST …/events/poll` does. */
export const pollNow = (instanceId: number, resource?: string) =>
  Effect.gen(function* () {
    const scheduler = yield* PollScheduler
    return yield* scheduler.pollNow(instanceId, resource)
  })

/** Disables the instance's events. */
export const disable = (instanceId: number) =>
  Effect.gen(function* () {
    const scheduler = yield* PollScheduler
    yield* scheduler.disable(instanceId)
  })

/** The instance's delivery status (the subscription). */
export const status = (instanceId: number) =>
  Effect.gen(function* () {
    const deliveries = yield* Deliveries
    return yield* deliveries.status(instanceId)
  })
