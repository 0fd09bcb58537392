/**
 * The delivery claim loop: claims due notifications of the owned partitions, groups them by
 * instance and sends each instance's in order, one at a time (different instances in parallel), so
 * that on the happy path a receiver sees an object's changes in order. Each POST carries the stored
 * body, `webhook-id` = the notification id, a fresh `webhook-timestamp` and signatures over exactly
 * those bytes. Then:
 * - 2xx: `DELIVERED`, events `NOTIFIED`;
 * - 410: the receiver is gone: the notification `FAILED`, the subscription paused, the instance's
 *   other undelivered notifications and events `QUEUED`;
 * - anything else (3xx included, timeouts, refused addresses): the next attempt is scheduled by the
 *   retry schedule with ±20 % jitter, honouring `Retry-After` on 429/503 within 1×–2× of the
 *   scheduled delay; events `DISPATCHED`. After the last attempt: as for 410.
 * A failed attempt ends the instance's turn; its remaining notifications go back to the outbox and
 * are tried on the next turn, so one slow receiver never holds more than its own batch.
 * Every attempt counts in the metrics as delivered, retry, failed or disabled, with its duration.
 */
import { randomUUID } from "node:crypto"
import { Events } from "@plugboard/core"
import { Clock, Effect, Layer, Option, Random } from "effect"
import { SqlClient } from "effect/sql"
import * as RunnerMetrics from "../metrics/RunnerMetrics.js"
import { CallbackClient, type CallbackResult } from "./CallbackClient.js"
import * as CallbackTarget from "./CallbackTarget.js"
import { EngineOptions } from "./EngineOptions.js"
import { EngineSignals } from "./EngineSignals.js"
import { EventStore } from "./EventStore.js"
import { InstanceDirectory } from "./InstanceDirectory.js"
import { Outbox, type OutboxEntry } from "./Outbox.js"
import { PartitionOwnership } from "./PartitionOwnership.js"
import { Subscriptions } from "./Subscriptions.js"
import * as WorkLoop from "./WorkLoop.js"

/** One instance's share of a claim. */
interface Batch {
  readonly instanceId: number
  readonly entries: ReadonlyArray<OutboxEntry>
  readonly token: string
}

const describe = (result: CallbackResult): string =>
  result._tag === "Answered" ? `the callback answered ${result.status}` : result.message

/** Runs the delivery claim loop for as long as the layer lives. */
export const layer: Layer.Layer<
  never,
  never,
  | SqlClient.SqlClient
  | Outbox
  | EventStore
  | Subscriptions
  | InstanceDirectory
  | CallbackClient
  | PartitionOwnership
  | EngineSignals
> = Layer.effectDiscard(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const outbox = yield* Outbox
    const events = yield* EventStore
    const subscriptions = yield* Subscriptions
    const directory = yield* InstanceDirectory
    const client = yield* CallbackClient
    const ownership = yield* PartitionOwnership
    const signals = yield* EngineSignals
    const options = yield* EngineOptions

    const settle = (
      entry: OutboxEntry,
      token: string,
      result: CallbackResult,
      now: number,
      seconds: number
    ): Effect.Effect<boolean, unknown> =>
      Effect.gen(function* () {
        const attempts = entry.attempts + 1
        const httpStatus = result._tag === "Answered" ? result.status : null
        const outcome = Events.classifyStatus(result._tag === "Answered" ? result.status : undefined)
        const base = { notificationId: entry.notificationId, token, attempts, httpStatus, now }

        if (outcome === "delivered") {
          yield* sql.withTransaction(
            Effect.gen(function* () {
              const kept = yield* outbox.settle({
                ...base,
                status: "DELIVERED",
                deliverAt: entry.deliverAt,
                error: null
              })
              if (kept) yield* events.markNotification(entry.notificationId, "NOTIFIED", now)
            })
          )
          yield* RunnerMetrics.delivery("delivered", seconds)
          return true
        }

        const delay =
          outcome === "disable"
            ? Option.none()
            : Events.nextDelay(options.retrySchedule, attempts, yield* Random.next)
        if (Option.isSome(delay)) {
          const retryAfter =
            result._tag === "Answered" && (result.status === 429 || result.status === 503)
              ? Events.parseRetryAfter(result.retryAfter, now)
              : undefined
          const wait = Events.honourRetryAfter(delay.value, retryAfter)
          yield* sql.withTransaction(
            Effect.gen(function* () {
              const kept = yield* outbox.settle({
                ...base,
                status: "PENDING",
                deliverAt: now + wait,
                error: describe(result)
              })
              if (kept) yield* events.markNotification(entry.notificationId, "DISPATCHED", now)
            })
          )
          yield* RunnerMetrics.delivery("retry", seconds)
          return false
        }

        const reason =
          outcome === "disable"
            ? "the callback answered 410 Gone"
            : `no success after ${attempts} attempts; last: ${describe(result)}`
        yield* sql.withTransaction(
          Effect.gen(function* () {
            const kept = yield* outbox.settle({
              ...base,
              status: "FAILED",
              deliverAt: entry.deliverAt,
              error: reason
            })
            if (!kept) return
            yield* events.markNotification(entry.notificationId, "FAILED", now)
            yield* outbox.queuePending(entry.instanceId, now)
            yield* events.queuePending(entry.instanceId, now)
            yield* subscriptions.pause(entry.instanceId, reason, now)
          })
        )
        yield* RunnerMetrics.delivery(outcome === "disable" ? "disabled" : "failed", seconds)
        yield* Effect.logWarning(`event subscription of instance ${entry.instanceId} paused: ${reason}`)
        return false
      })

    const deliver = (batch: Batch) =>
      Effect.gen(function* () {
        const found = yield* directory.lookup(batch.instanceId)
        const target = Option.map(found, (instance) =>
          CallbackTarget.fromConfiguration(instance.configuration)
        )
        for (const [index, entry] of batch.entries.entries()) {
          const now = yield* Clock.currentTimeMillis
          const started = performance.now()
          const result: CallbackResult = yield* Option.match(target, {
            onNone: () =>
              Effect.succeed<CallbackResult>({ _tag: "Refused", message: "the instance no longer exists" }),
            onSome: (target) =>
              "problem" in target
                ? Effect.succeed<CallbackResult>({ _tag: "Refused", message: target.problem })
                : client.post({
                    url: target.url,
                    body: entry.body,
                    timeoutMillis: options.callbackTimeout,
                    headers: Events.deliveryHeaders({
                      body: entry.body,
                      webhookId: entry.notificationId,
                      timestampSeconds: Math.floor(now / 1000),
                      signatureKey: target.signatureKey,
                      basic: target.basic
                    })
                  })
          })
          const delivered = yield* settle(
            entry,
            batch.token,
            result,
            yield* Clock.currentTimeMillis,
            (performance.now() - started) / 1000
          )
          if (!delivered) {
            const rest = batch.entries.slice(index + 1).map((left) => left.notificationId)
            if (rest.length > 0) yield* outbox.release(rest, batch.token)
            return
          }
        }
      })

    const claim = (partitions: ReadonlyArray<number>, limit: number, busy: ReadonlyArray<number>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const token = randomUUID()
        const entries = yield* outbox.claim({
          partitions,
          busy,
          limit: options.claimBatch,
          now,
          leaseUntil: now + options.deliveryLease,
          token
        })
        const byInstance = new Map<number, Array<OutboxEntry>>()
        for (const entry of entries) {
          const group = byInstance.get(entry.instanceId)
          if (group === undefined) byInstance.set(entry.instanceId, [entry])
          else group.push(entry)
        }
        const batches: Array<Batch> = []
        const surplus: Array<string> = []
        for (const [instanceId, group] of byInstance) {
          if (batches.length >= limit) {
            surplus.push(...group.map((entry) => entry.notificationId))
            continue
          }
          batches.push({ instanceId, entries: group.slice(0, options.perInstanceBatch), token })
          surplus.push(...group.slice(options.perInstanceBatch).map((entry) => entry.notificationId))
        }
        if (surplus.length > 0) yield* outbox.release(surplus, token)
        return batches
      })

    yield* WorkLoop.start<Batch>({
      name: "delivery worker",
      concurrency: options.deliveryConcurrency,
      idleMillis: options.idleCheck,
      graceMillis: options.shutdownGrace,
      wakeup: signals.deliveries,
      partitions: ownership.owned,
      keyOf: (batch) => batch.instanceId,
      claim,
      process: deliver,
      renewMillis: options.leaseRenewal,
      renew: (batches) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          outbox.renew({
            tokens: [...new Set(batches.map((batch) => batch.token))],
            leaseUntil: now + options.deliveryLease
          })
        ),
      nextDue: (partitions) => outbox.nextDue(partitions)
    })
  })
)
