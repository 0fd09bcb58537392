/**
 * The loop that sends bulk jobs' async callbacks (`Elements-Async-Callback-Url`). The write that
 * ends a job makes its callback `PENDING`, so a callback outlives the runner that ran the job: any
 * runner's loop claims due callbacks with a lease of their own (renewed while the POST runs, so two
 * runners never send one at the same time) and POSTs the job's final status through the guarded
 * outbound client. Then, under that claim:
 * - 2xx: `DELIVERED`;
 * - 410 Gone: the receiver says it is gone for good, `FAILED` at once;
 * - anything else (3xx included, timeouts, connection errors, refused addresses): the next attempt
 *   is scheduled by `BulkOptions.callbackRetrySchedule` with ±20 % jitter (the events engine's
 *   rules, `Retry-After` on 429/503 honoured within 1×–2× of the delay); once the schedule is used
 *   up, `FAILED`.
 * Each failed attempt is logged at warning level with the job id and the reason, never the URL's
 * path, query or credentials. A runner that stops mid-POST gives the callback back, due at once; one
 * that dies leaves it to be claimed again when its lease lapses (the receiver may then see it twice).
 */
import { randomUUID } from "node:crypto"
import { Events } from "@plugboard/core"
import { Clock, Effect, Random, type Scope } from "effect"
import type { CallbackClientService, CallbackResult } from "../engine/CallbackClient.js"
import * as WorkLoop from "../engine/WorkLoop.js"
import * as BulkJson from "./BulkJson.js"
import type { Options } from "./BulkOptions.js"
import type { BulkJob, BulkStoreService, CallbackOutcome } from "./BulkStore.js"

/** A message with every URL in it cut to its origin: paths, queries and user info may hold secrets. */
export const withoutUrls = (message: string): string =>
  message.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]+/gi, (url) =>
    URL.canParse(url) ? new URL(url).origin : "<url>"
  )

const describe = (result: CallbackResult): string =>
  result._tag === "Answered" ? `it answered ${result.status}` : withoutUrls(result.message)

/** What an attempt's result means, given the attempts already made before it. */
export const settle = (
  schedule: Events.RetrySchedule,
  result: CallbackResult,
  attemptsBefore: number,
  now: number,
  random: number
): CallbackOutcome => {
  const status = result._tag === "Answered" ? result.status : undefined
  const outcome = Events.classifyStatus(status)
  if (outcome === "delivered") return { _tag: "Delivered" }
  const attempts = attemptsBefore + 1
  if (outcome === "disable") return { _tag: "Failed", error: "the callback answered 410 Gone" }
  const delay = Events.nextDelay(schedule, attempts, random)
  if (delay._tag === "None") {
    return { _tag: "Failed", error: `no success after ${attempts} attempts; last: ${describe(result)}` }
  }
  const retryAfter =
    result._tag === "Answered" && (status === 429 || status === 503)
      ? Events.parseRetryAfter(result.retryAfter, now)
      : undefined
  return {
    _tag: "Retry",
    due: now + Events.honourRetryAfter(delay.value, retryAfter),
    error: describe(result)
  }
}

/** Starts the callback loop in the current scope; closing the scope stops and drains it. */
export const start = (options: {
  readonly store: BulkStoreService
  readonly client: CallbackClientService
  readonly bulk: Options
}): Effect.Effect<void, never, Scope.Scope> => {
  const { store, client, bulk } = options
  const schedule = bulk.callbackRetrySchedule

  const send = (job: BulkJob) => {
    const token = job.callbackToken ?? ""
    return Effect.gen(function* () {
      if (job.callbackUrl === undefined) {
        // Never made pending without a URL; settle it rather than claim it forever.
        yield* store.settleCallback({
          id: job.id,
          token,
          outcome: { _tag: "Failed", error: "the job has no callback URL" }
        })
        return
      }
      const result = yield* client.post({
        url: job.callbackUrl,
        headers: {},
        body: JSON.stringify(BulkJson.callbackBody(job)),
        timeoutMillis: bulk.callbackTimeout
      })
      const now = yield* Clock.currentTimeMillis
      const outcome = settle(schedule, result, job.callbackAttempts, now, yield* Random.next)
      const kept = yield* store.settleCallback({ id: job.id, token, outcome })
      if (!kept) {
        yield* Effect.logInfo(`bulk job ${job.id}: callback claim lost, left to its new owner`)
        return
      }
      const attempt = `attempt ${job.callbackAttempts + 1} of ${schedule.length}`
      if (outcome._tag === "Retry") {
        const seconds = Math.max(0, Math.round((outcome.due - now) / 100) / 10)
        yield* Effect.logWarning(
          `bulk job ${job.id}: async callback ${attempt} failed: ${outcome.error}; next attempt in ${seconds} s`
        )
      } else if (outcome._tag === "Failed") {
        yield* Effect.logWarning(
          `bulk job ${job.id}: async callback ${attempt} failed, giving up: ${outcome.error}`
        )
      }
    }).pipe(
      Effect.onInterrupt(() =>
        store
          .releaseCallback(job.id, token)
          .pipe(
            Effect.catchCause((cause) =>
              Effect.logWarning(`bulk job ${job.id}: callback release failed`, cause)
            )
          )
      )
    )
  }

  return WorkLoop.start<BulkJob>({
    name: "bulk callbacks",
    concurrency: bulk.callbackConcurrency,
    idleMillis: bulk.idleCheck,
    graceMillis: bulk.shutdownGrace,
    wakeup: store.callbackWakeup,
    partitions: Effect.succeed([0]),
    // One POST per job at a time; jobs' callbacks are independent of each other.
    keyOf: (job) => job.id,
    claim: (_partitions, limit, busy) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        return yield* store.claimCallbacks({
          limit,
          busy,
          now,
          leaseUntil: now + bulk.lease,
          token: randomUUID()
        })
      }),
    process: send,
    renewMillis: bulk.renewal,
    renew: (jobs) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        store.renewCallbacks(
          [...new Set(jobs.flatMap((job) => (job.callbackToken === undefined ? [] : [job.callbackToken])))],
          now + bulk.lease
        )
      ),
    nextDue: () => store.nextCallbackDue
  })
}
