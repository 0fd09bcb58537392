/**
 * The events engine as layers, in the two halves the runner's composition needs:
 *
 * - {@link core}: the engine's schema, its stores, the poll scheduler, delivery administration and
 *   the engine's `InstanceLifecycle` hooks. Provide it *below* `Provisioning`, which reads the
 *   lifecycle hooks when it is built.
 * - {@link workers}: the cluster, the partition singletons and the two claim loops. It polls
 *   through `Provisioning`'s connections, so it goes *above* it.
 *
 * ```ts
 * Server.layer(…).pipe(
 *   Layer.provideMerge(EngineLayer.workers),
 *   Layer.provideMerge(Provisioning.layer),
 *   Layer.provideMerge(EngineLayer.core),
 *   Layer.provideMerge(OutboundHttp.layer),
 *   Layer.provideMerge(services), …)
 * ```
 */
import type { Registry } from "@plugboard/core"
import { Clock, Effect, Layer } from "effect"
import type { HttpClient } from "effect/http"
import type { SqlClient } from "effect/sql"
import type { Provisioning } from "../Provisioning.js"
import type { RunnerSettings } from "../Settings.js"
import type { StartupError } from "../StartupError.js"
import type { Database } from "../store/Database.js"
import type { Instances } from "../store/Instances.js"
import { CallbackClient } from "./CallbackClient.js"
import * as EngineCluster from "./EngineCluster.js"
import * as EngineLifecycle from "./EngineLifecycle.js"
import * as EngineSchema from "./EngineSchema.js"
import { EngineSignals } from "./EngineSignals.js"
import { Deliveries } from "./Deliveries.js"
import * as DeliveryWorker from "./DeliveryWorker.js"
import { EventRecorder } from "./EventRecorder.js"
import { EventStore } from "./EventStore.js"
import { InstanceConnections } from "./InstanceConnections.js"
import { InstanceDirectory } from "./InstanceDirectory.js"
import { Outbox } from "./Outbox.js"
import { PartitionOwnership } from "./PartitionOwnership.js"
import { PollRunner } from "./PollRunner.js"
import { PollScheduler } from "./PollScheduler.js"
import * as Retention from "./Retention.js"
import * as PollWorker from "./PollWorker.js"
import { ScheduleStore } from "./ScheduleStore.js"
import { Subscriptions } from "./Subscriptions.js"
import { BulkStore } from "../bulk/BulkStore.js"
import * as BulkWorker from "../bulk/BulkWorker.js"

/** The stores over the migrated schema. */
const stores = Layer.mergeAll(ScheduleStore.layer, EventStore.layer, Outbox.layer, Subscriptions.layer).pipe(
  Layer.provide(EngineSchema.layer)
)

/** What {@link core} provides. */
export type CoreServices =
  | PollScheduler
  | Deliveries
  | EventRecorder
  | EventStore
  | Outbox
  | ScheduleStore
  | Subscriptions
  | EngineSignals
  | BulkStore

/** Schema, stores, scheduler, delivery administration and the lifecycle hooks. */
export const core: Layer.Layer<CoreServices, StartupError, SqlClient.SqlClient | Database> =
  EngineLifecycle.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(PollScheduler.layer, Deliveries.layer, EventRecorder.layer)),
    Layer.provideMerge(stores),
    Layer.provideMerge(BulkStore.layer),
    Layer.provideMerge(EngineSignals.layer)
  )

/**
 * Releases the leases of an embedded runner's previous life: it is the only process on its
 * database, so anything still claimed was cut short by a crash and can run again at once.
 */
const releaseStaleClaims = Layer.effectDiscard(
  Effect.gen(function* () {
    if (!(yield* EngineCluster.isEmbedded)) return
    const schedules = yield* ScheduleStore
    const outbox = yield* Outbox
    const now = yield* Clock.currentTimeMillis
    yield* schedules.releaseAll(now)
    yield* outbox.releaseAll
  }).pipe(Effect.orDie)
)

/**
 * The claim loops on their cluster, over whatever {@link InstanceDirectory}, {@link PollRunner} and
 * {@link CallbackClient} are provided (tests provide in-memory ones); also tells which partitions
 * this runner owns.
 */
export const loops: Layer.Layer<
  PartitionOwnership,
  StartupError,
  CoreServices | SqlClient.SqlClient | RunnerSettings | InstanceDirectory | PollRunner | CallbackClient
> = Layer.mergeAll(
  PollWorker.layer,
  DeliveryWorker.layer,
  PartitionOwnership.singletons,
  Retention.layer
).pipe(
  Layer.provide(releaseStaleClaims),
  Layer.provideMerge(PartitionOwnership.layer),
  Layer.provide(EngineCluster.layer)
)

/**
 * The claim loops polling through the instances' connections and posting with the runner's guarded
 * outbound `HttpClient`.
 */
export const workers: Layer.Layer<
  PartitionOwnership,
  StartupError,
  | CoreServices
  | SqlClient.SqlClient
  | RunnerSettings
  | Instances
  | Registry.Registry
  | Provisioning
  | HttpClient.HttpClient
> = Layer.merge(loops, BulkWorker.layer).pipe(
  Layer.provide(Layer.mergeAll(CallbackClient.layer, InstanceDirectory.layer, PollRunner.layer)),
  Layer.provide(InstanceConnections.layer)
)
