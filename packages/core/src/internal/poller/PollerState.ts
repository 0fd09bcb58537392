import { Schema } from "effect"

/**
 * A version already emitted for one object: `[objectId, version, keepUntil]`. `version` is
 * `<updated millis>:<hash>` for dated records, `#<hash>` for records without an updated date,
 * `deleted:<millis>` / `deleted#<hash>` for tombstones. `keepUntil` is the vendor time below which
 * the vendor can no longer list that version inside a poll window, so the entry may go.
 */
export const SeenEntry = Schema.Tuple([Schema.String, Schema.String, Schema.Finite])
export type SeenEntry = typeof SeenEntry.Type

/** Diff-mode cache: `[objectId, contentHash]` pairs. */
export const HashEntry = Schema.Tuple([Schema.String, Schema.String])
export type HashEntry = typeof HashEntry.Type

/**
 * Diff mode's memory: whether the first listing was taken (it only primes the cache), the content
 * hash of every object of the last complete listing, and objects missing from one complete
 * listing, reported DELETED when a second one confirms it.
 */
export const DiffState = Schema.Struct({
  primed: Schema.Boolean,
  records: Schema.Array(HashEntry),
  missing: Schema.Array(HashEntry)
})
export type DiffState = typeof DiffState.Type

/**
 * Everything a poller remembers between polls of one resource, stored by the runner as JSON and
 * committed in the same transaction as the poll's events. Arrays of tuples rather than objects keyed
 * by vendor ids, so that an id such as `__proto__` is just data.
 */
export const State = Schema.Struct({
  version: Schema.Literal(1),
  /** Runner time (epoch ms) from which changes may not have been emitted yet; polls read from `watermark − pollDelay`. */
  watermark: Schema.Finite,
  seen: Schema.Array(SeenEntry),
  diff: Schema.optionalKey(DiffState),
  /** Consecutive polls whose listing changed under them, so the watermark stayed put. */
  heldPolls: Schema.Int,
  /** Consecutive failed polls; zero after a success. */
  failures: Schema.Int,
  lastError: Schema.optionalKey(Schema.String),
  /** No poll before this instant (epoch ms) after failures. */
  retryAt: Schema.optionalKey(Schema.Finite)
})
export type State = typeof State.Type

/** The state as JSON text, for the runner's store. */
export const StateJson = Schema.fromJsonString(State)
