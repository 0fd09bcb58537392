/**
 * The bulk worker's tunables. The defaults suit production (async callbacks retried on the original
 * platform's schedule: 9 retries waiting 4^n seconds, ≈ 73 h in all); tests provide shorter timings
 * with `Layer.succeed(BulkOptions, { ...BulkOptions.defaults, … })`.
 */
import { Events } from "@plugboard/core"
import { Context } from "effect"

/** Every tunable of the bulk worker; durations in milliseconds. */
export interface Options {
  /** Jobs running at once in one process (one per instance at a time). */
  readonly concurrency: number
  /**
   * How long a claim on a job is reserved past its last renewal: a runner that dies stops renewing,
   * so its job is resumed elsewhere this long after.
   */
  readonly lease: number
  /** How often the claims of running jobs are renewed; well under `lease`. */
  readonly renewal: number
  /** Longest sleep of an idle worker before it looks for jobs another runner created. */
  readonly idleCheck: number
  /** On shutdown, how long running jobs may take to reach their next save before they are released. */
  readonly shutdownGrace: number
  /** Records asked of the hub per page of a query job. */
  readonly pageSize: number
  /** Upload rows read from the store at a time (each row's progress is still saved on its own). */
  readonly uploadBatch: number
  /** Timeout of one async callback POST, headers and body (reliability.md: 15–30 s). */
  readonly callbackTimeout: number
  /**
   * Wait before each async callback attempt (entry `n` before attempt `n`, ±20 % jitter); its length
   * is the number of attempts. Entry 0 is not waited: the first attempt is due when the job ends.
   */
  readonly callbackRetrySchedule: Events.RetrySchedule
  /** Async callbacks being sent at once in one process. */
  readonly callbackConcurrency: number
}

/** The production defaults. */
export const defaults: Options = {
  concurrency: 4,
  lease: 30_000,
  renewal: 5_000,
  idleCheck: 2_000,
  shutdownGrace: 5_000,
  pageSize: 200,
  uploadBatch: 50,
  callbackTimeout: 20_000,
  callbackRetrySchedule: Events.RetrySchedule.legacyElements,
  callbackConcurrency: 8
}

/** The bulk worker's options; {@link defaults} unless a layer provides others. */
export const BulkOptions = Context.Reference<Options>("@plugboard/runner/bulk/BulkOptions", {
  defaultValue: () => defaults
})
