/**
 * The bulk claim loop (the engine's `WorkLoop`): claims `CREATED` jobs and active jobs whose lease
 * lapsed (their runner stopped or died), one job per instance at a time — the store's claim never
 * takes a job while an older one of its instance is active, so an instance's jobs run in order even
 * across runners and within one claim batch — renews their leases while they run, and runs each
 * through the instance's connection — a query page by page, an upload row by row — saving progress
 * under the claim so that another runner, or this one after a restart, resumes where the last save
 * left off. A job ends `COMPLETED`, `ERROR` (with the failure kept for `/errors`) or `CANCELLED` (a
 * cancel seen at its next save, or one recorded after its last save: the store then ends it
 * `CANCELLED` instead of `COMPLETED`, as the cancel's answer promised). The same write that ends a
 * job makes its async callback, if it has one, pending; this layer also runs the loop that sends
 * pending callbacks and retries them ({@link BulkCallbacks}), so a callback survives the runner and
 * never changes the job's outcome. On shutdown a running job is given back at once.
 */
import { randomUUID } from "node:crypto"
import { Clock, Effect, Layer, Option } from "effect"
import { CallbackClient } from "../engine/CallbackClient.js"
import * as EngineCluster from "../engine/EngineCluster.js"
import * as WorkLoop from "../engine/WorkLoop.js"
import { Provisioning } from "../Provisioning.js"
import type { RunnerSettings } from "../Settings.js"
import { Instances } from "../store/Instances.js"
import * as BulkCallbacks from "./BulkCallbacks.js"
import * as BulkFailures from "./BulkFailures.js"
import { BulkOptions } from "./BulkOptions.js"
import * as BulkQueryJob from "./BulkQueryJob.js"
import { type BulkFailure, type BulkJob, BulkStore } from "./BulkStore.js"
import * as BulkUploadJob from "./BulkUploadJob.js"

/** Runs the bulk claim loop for as long as the layer lives. */
export const layer: Layer.Layer<
  never,
  never,
  BulkStore | Instances | Provisioning | CallbackClient | RunnerSettings
> = Layer.effectDiscard(
  Effect.gen(function* () {
    const store = yield* BulkStore
    const instances = yield* Instances
    const provisioning = yield* Provisioning
    const client = yield* CallbackClient
    const options = yield* BulkOptions

    // An embedded runner is alone on its database: whatever is still claimed was cut short by a
    // crash of this same runner, so it resumes at once rather than after its lease.
    if (yield* EngineCluster.isEmbedded) yield* store.releaseAll.pipe(Effect.orDie)

    const end = (
      job: BulkJob,
      token: string,
      status: "COMPLETED" | "ERROR" | "CANCELLED",
      failure?: BulkFailure
    ) =>
      Effect.gen(function* () {
        // The store makes the job's callback pending in this same write and rings the callback loop.
        yield* store.finish({
          id: job.id,
          token,
          status,
          now: yield* Clock.currentTimeMillis,
          ...(failure === undefined ? {} : { failure })
        })
      })

    /** The connection the job runs through, or why there is none. */
    const connect = (job: BulkJob) =>
      Effect.gen(function* () {
        const found = yield* instances.find(job.instanceId)
        if (Option.isNone(found))
          return yield* Effect.fail(new Error(`instance ${job.instanceId} no longer exists`))
        if (found.value.disabled)
          return yield* Effect.fail(new Error(`instance ${job.instanceId} is disabled`))
        return yield* provisioning.connection(found.value)
      })

    const process = (job: BulkJob) => {
      const token = job.claimToken ?? ""
      return Effect.gen(function* () {
        if (job.status === "CANCELLATION_PENDING") return yield* end(job, token, "CANCELLED")
        const outcome = yield* connect(job).pipe(
          Effect.flatMap((connection) =>
            job.kind === "query"
              ? BulkQueryJob.run({ job, token, connection, store, pageSize: options.pageSize })
              : BulkUploadJob.run({ job, token, connection, store, batch: options.uploadBatch })
          ),
          Effect.result
        )
        if (outcome._tag === "Failure") {
          return yield* end(job, token, "ERROR", BulkFailures.describe(outcome.failure))
        }
        if (outcome.success === "saved") return yield* end(job, token, "COMPLETED")
        // A save was refused: the job was cancelled meanwhile, or another runner holds it now.
        const now = yield* store.find(job.id)
        if (
          Option.isSome(now) &&
          now.value.claimToken === token &&
          now.value.status === "CANCELLATION_PENDING"
        ) {
          return yield* end(job, token, "CANCELLED")
        }
        yield* Effect.logInfo(`bulk job ${job.id}: claim lost, left to its new owner`)
      }).pipe(
        Effect.onInterrupt(() =>
          store
            .release(job.id, token)
            .pipe(
              Effect.catchCause((cause) => Effect.logWarning(`bulk job ${job.id}: release failed`, cause))
            )
        )
      )
    }

    yield* WorkLoop.start<BulkJob>({
      name: "bulk worker",
      concurrency: options.concurrency,
      idleMillis: options.idleCheck,
      graceMillis: options.shutdownGrace,
      wakeup: store.wakeup,
      // Jobs are not partitioned: any runner may take any job, its lease keeps it to one runner.
      partitions: Effect.succeed([0]),
      keyOf: (job) => job.instanceId,
      claim: (_partitions, limit, busy) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          return yield* store.claim({
            limit,
            busy,
            now,
            leaseUntil: now + options.lease,
            token: randomUUID()
          })
        }),
      process,
      renewMillis: options.renewal,
      renew: (jobs) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          store.renew(
            jobs.flatMap((job) => (job.claimToken === undefined ? [] : [job.claimToken])),
            now + options.lease
          )
        ),
      nextDue: () => store.nextDue
    })

    yield* BulkCallbacks.start({ store, client, bulk: options })
  })
)
