/**
 * The poll claim loop: claims due `poll_schedule` rows of the owned partitions, polls each resource
 * through the {@link PollRunner}, and commits the new events, their notifications and the new
 * cursor in one transaction, under the claim token. A poll that fails or times out keeps its cursor;
 * the failure is counted and the next run backs off (the interval, doubling, at most
 * `maxPollBackoff`), and the error is visible on the schedule. A stored state that cannot be read is
 * such a failure too (logged as an error), never silently replaced: a fresh state would skip the
 * changes since the stored cursor. What a successful poll could not handle (records without an id,
 * unreadable dates, a listing that changed under it) is logged and counted (`PollFindings`). A poll
 * of an instance that is disabled, or of a resource the vendor now pushes to the instance
 * (`event.vendor.type` `webhook`; the row stays until the instance is next saved, e.g. one scheduled
 * before a connector declared its webhooks' resources), is skipped until the next interval. Every
 * poll counts in the metrics by element, resource and outcome, and the events it committed by
 * element and type.
 */
import { randomUUID } from "node:crypto"
import { Poller, PollerConfiguration } from "@plugboard/core"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { EngineOptions } from "./EngineOptions.js"
import * as RunnerMetrics from "../metrics/RunnerMetrics.js"
import { EngineSignals } from "./EngineSignals.js"
import { EventRecorder } from "./EventRecorder.js"
import { InstanceDirectory } from "./InstanceDirectory.js"
import { PartitionOwnership } from "./PartitionOwnership.js"
import { PollFailure } from "./PollFailure.js"
import * as PollFindings from "./PollFindings.js"
import * as PollPlan from "./PollPlan.js"
import { PollRunner } from "./PollRunner.js"
import { type Schedule, ScheduleStore } from "./ScheduleStore.js"
import * as WorkLoop from "./WorkLoop.js"

const decodeEntry = Schema.decodeUnknownEffect(Schema.fromJsonString(PollerConfiguration.Entry))

/** The stored error of a poll whose stored state cannot be read, with how to recover. */
const unreadableState = (problem: string): string =>
  `the stored poller state is unreadable (${problem.replace(/\s*\n\s*/g, " ").slice(0, 200)}); ` +
  "it is kept as stored and every poll fails until events of the instance are disabled and enabled " +
  "again, which starts this resource afresh from then"

/** The wait after the `failures`-th failure in a row, as `Poller.failed` computes it for a readable state. */
const backoffDelay = (failures: number, backoff: Poller.Backoff): number =>
  Math.min(backoff.maxMillis, backoff.baseMillis * 2 ** Math.min(failures - 1, 30))

/**
 * The claim was lost while polling (its lease lapsed, or its instance was deleted): the results are
 * discarded. A normal end of the poll, not an error.
 */
class LostClaim extends Schema.TaggedError<LostClaim>()("LostClaim", {}) {}

/** Runs the poll claim loop for as long as the layer lives. */
export const layer: Layer.Layer<
  never,
  never,
  | SqlClient.SqlClient
  | ScheduleStore
  | EventRecorder
  | InstanceDirectory
  | PollRunner
  | PartitionOwnership
  | EngineSignals
> = Layer.effectDiscard(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const store = yield* ScheduleStore
    const recorder = yield* EventRecorder
    const directory = yield* InstanceDirectory
    const runner = yield* PollRunner
    const ownership = yield* PartitionOwnership
    const signals = yield* EngineSignals
    const options = yield* EngineOptions

    const runPoll = (schedule: Schedule, token: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const started = performance.now()
        const found = yield* directory.lookup(schedule.instanceId)
        if (Option.isNone(found)) return yield* store.remove(schedule.instanceId)
        const instance = found.value
        const key = { instanceId: schedule.instanceId, resource: schedule.resource, token }
        const measured = (outcome: RunnerMetrics.PollOutcome) =>
          RunnerMetrics.poll({
            element: instance.elementKey,
            resource: schedule.resource,
            outcome,
            seconds: (performance.now() - started) / 1000
          })
        if (instance.disabled) {
          yield* measured("skipped")
          return yield* store.postpone({ ...key, nextRunAt: now + schedule.intervalMillis })
        }
        if (instance.connector !== undefined) {
          const url = yield* decodeEntry(schedule.entry).pipe(
            Effect.map((entry) => entry.url),
            Effect.orElseSucceed(() => "")
          )
          if (PollPlan.isPushed(instance.connector, instance.configuration, schedule.resource, url)) {
            yield* measured("skipped")
            return yield* store.postpone({ ...key, nextRunAt: now + schedule.intervalMillis })
          }
        }

        const backoff = {
          baseMillis: schedule.intervalMillis,
          maxMillis: Math.max(schedule.intervalMillis, options.maxPollBackoff)
        }
        const decoded = yield* Effect.result(Poller.decodeState(schedule.state))
        if (decoded._tag === "Failure") {
          // Never replaced with a fresh state here: that would skip the changes since the stored
          // watermark and forget what was already emitted. The poll fails, visibly, and keeps
          // failing until an operator restarts the resource (see PollScheduler.enable).
          const message = unreadableState(decoded.failure.message)
          yield* Effect.logError(
            `poll of ${schedule.instanceId}/${schedule.resource} failed: ${message}`
          ).pipe(
            Effect.annotateLogs({
              instanceId: schedule.instanceId,
              resource: schedule.resource,
              element: instance.elementKey
            })
          )
          yield* measured("failure")
          return yield* store.fail({
            ...key,
            error: message,
            nextRunAt: now + backoffDelay(schedule.failures + 1, backoff)
          })
        }
        const state = decoded.success
        const outcome = yield* Effect.gen(function* () {
          const connector = instance.connector
          if (connector === undefined) {
            return yield* new PollFailure({
              message: `element '${instance.elementKey}' is not loaded by this runner`
            })
          }
          const entry = yield* decodeEntry(schedule.entry).pipe(
            Effect.mapError(
              () => new PollFailure({ message: "the stored poller entry is unreadable; enable events again" })
            )
          )
          const result = yield* runner
            .poll({
              instanceId: schedule.instanceId,
              elementKey: instance.elementKey,
              hubKey: connector.hub,
              resource: schedule.resource,
              entry,
              state,
              now
            })
            .pipe(Effect.timeoutOption(options.pollTimeout))
          return yield* Option.match(result, {
            onNone: () =>
              Effect.fail(
                new PollFailure({ message: `the poll took longer than ${options.pollTimeout} ms` })
              ),
            onSome: (polled) => Effect.succeed({ polled, entry, hubKey: connector.hub })
          })
        }).pipe(Effect.result)

        if (outcome._tag === "Failure") {
          const failed = Poller.failed(state, { now, message: outcome.failure.message }, backoff)
          yield* Effect.logWarning(
            `poll of ${schedule.instanceId}/${schedule.resource} failed: ${outcome.failure.message}`
          )
          yield* measured("failure")
          return yield* store.fail({
            ...key,
            state: Poller.encodeState(failed),
            error: failed.lastError ?? outcome.failure.message,
            nextRunAt: failed.retryAt ?? now + schedule.intervalMillis
          })
        }

        const { polled, entry, hubKey } = outcome.success
        const recorded = yield* sql
          .withTransaction(
            Effect.gen(function* () {
              // Checked first (and, on PostgreSQL, the instance locked against deletion) so that an
              // instance deleted mid-poll ends the poll quietly instead of breaking a foreign key.
              if (!(yield* store.holds(key))) return yield* new LostClaim()
              const recorded = yield* recorder.record({
                instanceId: schedule.instanceId,
                partition: schedule.partition,
                elementKey: instance.elementKey,
                hubKey,
                accountId: instance.accountId,
                userId: instance.userId,
                resource: schedule.resource,
                events: polled.events,
                now
              })
              const kept = yield* store.succeed({
                ...key,
                state: Poller.encodeState(polled.state),
                nextRunAt: now + schedule.intervalMillis,
                eventCount: recorded.count,
                now
              })
              if (!kept) return yield* new LostClaim()
              return recorded
            })
          )
          .pipe(
            Effect.catchTag("LostClaim", () =>
              Effect.as(
                Effect.logInfo(
                  `poll of ${schedule.instanceId}/${schedule.resource} no longer holds its claim ` +
                    "(the instance was deleted, or its lease lapsed); results dropped"
                ),
                undefined
              )
            )
          )
        if (recorded === undefined) return yield* measured("lost_claim")
        yield* measured("success")
        // After the commit: a poll whose results were dropped is repeated, and reports then.
        yield* PollFindings.report({
          instanceId: schedule.instanceId,
          element: instance.elementKey,
          resource: schedule.resource,
          entry,
          result: polled
        })
        yield* RunnerMetrics.recorded(instance.elementKey, recorded.byType)
        if (recorded.count > 0) yield* signals.deliveries.ring
      })

    yield* WorkLoop.start<{ readonly schedule: Schedule; readonly token: string }>({
      name: "poll worker",
      concurrency: options.pollConcurrency,
      idleMillis: options.idleCheck,
      graceMillis: options.shutdownGrace,
      wakeup: signals.polls,
      partitions: ownership.owned,
      keyOf: (unit) => unit.schedule.instanceId,
      claim: (partitions, limit) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const token = randomUUID()
          const claimed = yield* store.claim({
            partitions,
            limit: Math.min(limit, options.claimBatch),
            now,
            leaseUntil: now + options.pollLease,
            token
          })
          return claimed.map((schedule) => ({ schedule, token }))
        }),
      process: (unit) => runPoll(unit.schedule, unit.token),
      renewMillis: options.leaseRenewal,
      renew: (units) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          store.renew({
            tokens: [...new Set(units.map((unit) => unit.token))],
            leaseUntil: now + options.pollLease
          })
        ),
      nextDue: (partitions) => store.nextDue(partitions)
    })
  })
)
