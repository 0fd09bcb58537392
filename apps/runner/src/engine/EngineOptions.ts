/**
 * The engine's tunables. The defaults suit production (the retry schedule is Svix's, callback
 * timeouts 20 s, short leases renewed while the work runs); tests provide shorter timings with
 * `Layer.succeed(EngineOptions, { ...EngineOptions.defaults, … })`.
 */
import { Events } from "@plugboard/core"
import { Context } from "effect"

/** Every tunable of the engine; durations in milliseconds. */
export interface Options {
  /** Polls running at once in one process. */
  readonly pollConcurrency: number
  /** Instances whose notifications are being delivered at once in one process. */
  readonly deliveryConcurrency: number
  /** Most rows taken by one claim. */
  readonly claimBatch: number
  /** Most notifications of one instance taken by one claim (they are sent one after another). */
  readonly perInstanceBatch: number
  /**
   * Longest sleep of an idle loop before it looks for due rows again. Work made due in this process
   * wakes the loop at once; this bounds how late it notices work another runner made due.
   */
  readonly idleCheck: number
  /**
   * How long a claim on a poll is reserved past its last renewal. While the poll runs, its runner
   * renews the claim every `leaseRenewal`; a runner that dies stops renewing, so its poll is free to
   * run again this long after its last renewal (with the partition's new owner).
   */
  readonly pollLease: number
  /** Longest a single poll may run. */
  readonly pollTimeout: number
  /** Longest pause between polls of a resource that keeps failing. */
  readonly maxPollBackoff: number
  /** As `pollLease`, for claimed notifications. */
  readonly deliveryLease: number
  /**
   * How often a runner renews the claims of its polls and deliveries in flight (one statement per
   * table); well under both leases, so that a slow database turn or a busy event loop does not let a
   * live runner's claim lapse.
   */
  readonly leaseRenewal: number
  /** Timeout of one callback POST, headers and body (reliability.md: 15–30 s). */
  readonly callbackTimeout: number
  /** Wait before each delivery attempt; its length is the number of attempts. */
  readonly retrySchedule: Events.RetrySchedule
  /** On shutdown, how long in-flight polls and deliveries may take to finish. */
  readonly shutdownGrace: number
  /**
   * How long delivered notifications and notified events are kept (for the events API and
   * redelivery); failed and queued ones are kept until redelivered or the instance is deleted.
   */
  readonly retention: number
}

/** The production defaults. */
export const defaults: Options = {
  pollConcurrency: 8,
  deliveryConcurrency: 32,
  claimBatch: 100,
  perInstanceBatch: 10,
  idleCheck: 2_000,
  pollLease: 30_000,
  pollTimeout: 10 * 60_000,
  maxPollBackoff: 60 * 60_000,
  deliveryLease: 30_000,
  leaseRenewal: 5_000,
  callbackTimeout: 20_000,
  retrySchedule: Events.RetrySchedule.svix,
  shutdownGrace: 30_000,
  retention: 30 * 24 * 60 * 60_000
}

/** The engine's options; {@link defaults} unless a layer provides others. */
export const EngineOptions = Context.Reference<Options>("@plugboard/runner/engine/EngineOptions", {
  defaultValue: () => defaults
})
