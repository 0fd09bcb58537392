/**
 * The operator side of polling: which resources of an instance are polled, how often, and from
 * which cursor. Enabling computes each resource's entry from the configuration (see `PollPlan`);
 * a resource polled for the first time starts from now (no replay of history), one polled before
 * keeps its cursor, so disabling and re-enabling loses and repeats nothing. The one exception is a
 * stored state that can no longer be read (polls of it fail, visibly, rather than guess a cursor):
 * enabling events again after they were disabled starts that resource afresh from then, with a
 * warning, as the operator's explicit way out. A resource the vendor pushes to a `webhook` instance
 * is not in the plan, so its row goes: should the instance go back to polling, that resource starts
 * from then, the webhooks having reported what came before. The runner's instance code calls
 * `enable` when events are switched on or the configuration changes, `disable` when they are
 * switched off or the instance is disabled, and `remove` when the instance is deleted.
 */
import { type Configuration, type Connector, Poller, type PollerConfiguration } from "@plugboard/core"
import { Clock, Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { EngineSignals } from "./EngineSignals.js"
import { EventStore } from "./EventStore.js"
import { Outbox } from "./Outbox.js"
import * as Partition from "./Partition.js"
import * as PollPlan from "./PollPlan.js"
import { type Schedule, ScheduleStore } from "./ScheduleStore.js"
import { Subscriptions } from "./Subscriptions.js"

/** Whether a stored poller state can be read. */
const isReadable = (text: string): Effect.Effect<boolean> =>
  Poller.decodeState(text).pipe(
    Effect.as(true),
    Effect.orElseSucceed(() => false)
  )

/** What `enable` needs to know about the instance. */
export interface EnableInput {
  readonly instanceId: number
  readonly connector: Connector.Connector
  readonly configuration: Configuration.Configuration
}

/** Schedules and triggers polls. */
export interface PollSchedulerService {
  /**
   * Starts (or refreshes) polling of an instance; returns the polled resources. Fails naming the key,
   * resource and field when the poller configuration is invalid; nothing is changed then.
   */
  readonly enable: (
    input: EnableInput
  ) => Effect.Effect<ReadonlyArray<string>, PollerConfiguration.PollerConfigurationError>
  /** Stops polling; cursors and events are kept. */
  readonly disable: (instanceId: number) => Effect.Effect<void>
  /** Forgets everything the engine holds for an instance: schedule, cursors, events, notifications. */
  readonly remove: (instanceId: number) => Effect.Effect<void>
  /**
   * Polls the instance's active resources (or one) as soon as possible, skipping any failure
   * backoff; returns the resources that will poll (empty when none matches).
   */
  readonly pollNow: (instanceId: number, resource?: string) => Effect.Effect<ReadonlyArray<string>>
  /** The instance's schedule rows, for the API. */
  readonly schedules: (instanceId: number) => Effect.Effect<ReadonlyArray<Schedule>>
}

/** The poll scheduler. */
export class PollScheduler extends Context.Service<PollScheduler, PollSchedulerService>()(
  "@plugboard/runner/engine/PollScheduler"
) {
  static readonly layer: Layer.Layer<
    PollScheduler,
    never,
    SqlClient.SqlClient | ScheduleStore | EventStore | Outbox | Subscriptions | EngineSignals
  > = Layer.effect(
    PollScheduler,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const store = yield* ScheduleStore
      const events = yield* EventStore
      const outbox = yield* Outbox
      const subscriptions = yield* Subscriptions
      const signals = yield* EngineSignals

      const enable: PollSchedulerService["enable"] = (input) =>
        Effect.gen(function* () {
          const plan = yield* PollPlan.make(input.connector, input.configuration)
          const now = yield* Clock.currentTimeMillis
          const initialState = Poller.encodeState(Poller.initialState(now))
          const partition = Partition.of(input.instanceId)
          const restarted = yield* sql
            .withTransaction(
              Effect.gen(function* () {
                // Rows stopped until now (events or the instance were disabled): this is a re-enable.
                const stopped = new Map(
                  (yield* store.list(input.instanceId))
                    .filter((row) => !row.active)
                    .map((row) => [row.resource, row.state] as const)
                )
                for (const [resource, entry] of plan.entries) {
                  yield* store.put({
                    instanceId: input.instanceId,
                    partition,
                    resource,
                    entry: JSON.stringify(entry),
                    intervalMillis: plan.intervalMillis,
                    initialState,
                    now
                  })
                }
                yield* store.prune(
                  input.instanceId,
                  plan.entries.map(([resource]) => resource)
                )
                const restarted: Array<string> = []
                for (const [resource] of plan.entries) {
                  const stored = stopped.get(resource)
                  if (stored === undefined || (yield* isReadable(stored))) continue
                  const done = yield* store.restart({
                    instanceId: input.instanceId,
                    resource,
                    expected: stored,
                    state: initialState,
                    now
                  })
                  if (done) restarted.push(resource)
                }
                return restarted
              })
            )
            .pipe(Effect.orDie)
          for (const resource of restarted) {
            yield* Effect.logWarning(
              `poller state of instance ${input.instanceId}, resource '${resource}' was unreadable; ` +
                "events were enabled again, so it starts afresh from now (changes made before now and " +
                "since its last successful poll are not reported)"
            )
          }
          yield* signals.polls.ring
          return plan.entries.map(([resource]) => resource)
        })

      const remove: PollSchedulerService["remove"] = (instanceId) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              yield* store.remove(instanceId)
              yield* outbox.removeInstance(instanceId)
              yield* events.removeInstance(instanceId)
              yield* subscriptions.remove(instanceId)
            })
          )
          .pipe(Effect.orDie)

      const pollNow: PollSchedulerService["pollNow"] = (instanceId, resource) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const resources = yield* store.trigger(instanceId, resource, now).pipe(Effect.orDie)
          if (resources.length > 0) yield* signals.polls.ring
          return resources
        })

      return PollScheduler.of({
        enable,
        disable: (instanceId) => store.deactivate(instanceId).pipe(Effect.orDie),
        remove,
        pollNow,
        schedules: (instanceId) => store.list(instanceId).pipe(Effect.orDie)
      })
    })
  )
}
