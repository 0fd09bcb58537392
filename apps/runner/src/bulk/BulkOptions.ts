/**
 * The bulk worker's tunables. The defaults suit production; tests provide shorter timings with
 * `Layer.succeed(BulkOptions, { ...BulkOptions.defaults, … })`.
 */
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
  /** Upload rows written between two saves of the job's progress. */
  readonly uploadBatch: number
  /** Timeout of the completion callback POST. */
  readonly callbackTimeout: number
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
  callbackTimeout: 20_000
}

/** The bulk worker's options; {@link defaults} unless a layer provides others. */
export const BulkOptions = Context.Reference<Options>("@plugboard/runner/bulk/BulkOptions", {
  defaultValue: () => defaults
})
