/**
 * One poll of one resource of one instance: read the entry's hub URL from the last watermark less
 * `pollDelay`, classify every record (CREATED / UPDATED / DELETED from tombstones), drop what was
 * already emitted, and return the events together with the next state. The poller never writes
 * anything: the caller commits the events and the returned state in one transaction (outbox). A
 * poll that fails returns its error and the caller keeps the old state — recording the failure with
 * {@link failed}, which touches only the failure counters — so a failed or crashed poll is simply
 * repeated, and the repeat yields the same event ids.
 *
 * Guarantees (reliability.md "Polling: lose nothing, duplicate little"), REQUIRING `pollDelay` ≥ the
 * vendor's clock skew from the runner (default 120 s) and a vendor filter of `updated >= since` on
 * the vendor's own dates (a vendor that ignores the filter is fine too):
 * - every change is eventually emitted (at least its latest version), including changes made while
 *   pages were being read, objects sharing one updated second, and records with no updated date;
 * - no (object, version) is emitted by two committed polls; versions are `updated:contentHash`, so
 *   two changes in the same second are two events;
 * - event ids are `hash(instance, resource, objectId, version)`: a repeated poll repeats ids.
 * How: the cursor is the updated time compared with `>=` (less one unit of the date pattern, since
 * vendors truncate) and a dedupe set of emitted (objectId, version) pairs covers the overlap
 * window; the watermark moves to the poll's start only when the listing was stable — no object
 * listed twice in different versions and no deletion during the poll — else it stays, because
 * offset pages may have shifted past a record; dedupe entries go only once the next window cannot
 * list them again.
 *
 * Limits: a deletion during a listing is only noticed through tombstones, so without them a record
 * shifted past by it waits for the next poll that lists it; with `filterByUpdatedDate: false` the
 * vendor's filter alone bounds the window (records it re-lists after their dedupe entry is gone
 * are emitted again, with the same ids). Diff mode: the first listing is the baseline, except that
 * records whose created date (`createdDateField`, read with its format and zone) is at or after the
 * state's watermark less `pollDelay` (less one unit of the created date's pattern) are CREATED on it
 * — they were made after enabling; records with no created date configured or readable stay
 * baseline only, so one created between enabling and the first poll is then not reported; a deletion
 * is reported after two complete listings agree; nothing is concluded from a listing in which an
 * object appeared twice. `State.heldPolls` counts polls in a row that kept the watermark: alert
 * when it keeps growing (e.g. an `idField` that is not unique).
 *
 * `filterByCurrentDate` (our reading of the original flag): records dated after `now + pollDelay`
 * are not emitted yet; they stay inside later windows and are emitted once their date has come.
 */
import { Clock, Effect, Schema, type Stream } from "effect"
import type * as Connection from "./Connection.js"
import * as Connector from "./Connector.js"
import { diffPoll } from "./internal/poller/DiffPoll.js"
import type { PollInput, PollResult, Source } from "./internal/poller/PollInput.js"
import { type State, StateJson } from "./internal/poller/PollerState.js"
import { updatedSincePoll } from "./internal/poller/UpdatedSincePoll.js"
import * as PollerConfiguration from "./PollerConfiguration.js"

export type {
  PolledEvent,
  PollInput,
  PollResult,
  PollStats,
  Source,
  TombstoneSource
} from "./internal/poller/PollInput.js"
export { DiffState, HashEntry, SeenEntry, State, StateJson } from "./internal/poller/PollerState.js"

/**
 * The state of a poller enabled at `now`: the first poll reads from `now − pollDelay`, so history
 * is not replayed (only the overlap window before enabling can be). Diff-mode pollers take their
 * first listing as the baseline, reporting on it only records created since `now − pollDelay` (by
 * their created date, when the entry names one).
 */
export const initialState = (now: number): State => ({
  version: 1,
  watermark: now,
  seen: [],
  heldPolls: 0,
  failures: 0
})

/**
 * Polls once. Fails with the source's error or a `PollerConfigurationError` (a URL placeholder that
 * cannot be filled); on failure keep the previous state (see {@link failed}).
 */
export const poll = <E, R>(
  input: PollInput<E, R>
): Effect.Effect<PollResult, E | PollerConfiguration.PollerConfigurationError, R> => {
  const settings = PollerConfiguration.settings(input.entry)
  const run = settings.strategy === "diff" ? diffPoll(input, settings) : updatedSincePoll(input, settings)
  return run.pipe(
    Effect.withSpan("Poller.poll", {
      attributes: {
        resource: input.resource,
        instanceId: String(input.instanceId),
        strategy: settings.strategy
      }
    })
  )
}

/** Backoff of {@link failed}: the first retry waits `baseMillis`, doubling up to `maxMillis`. */
export interface Backoff {
  readonly baseMillis: number
  readonly maxMillis: number
}

/** One minute doubling to six hours. */
export const defaultBackoff: Backoff = { baseMillis: 60_000, maxMillis: 6 * 3_600_000 }

/**
 * The state to store after a failed poll: the cursor, dedupe set and cache unchanged; the failure
 * counted, its message kept (first 500 characters; never put secrets in it) and the next attempt
 * deferred by exponential backoff. The next successful poll resets the counters.
 */
export const failed = (
  state: State,
  failure: { readonly now: number; readonly message: string },
  backoff: Backoff = defaultBackoff
): State => {
  const failures = state.failures + 1
  const delay = Math.min(backoff.maxMillis, backoff.baseMillis * 2 ** Math.min(failures - 1, 30))
  return { ...state, failures, lastError: failure.message.slice(0, 500), retryAt: failure.now + delay }
}

/** Whether a poller in this state may poll at `now` (its failure backoff, if any, has passed). */
export const isDue = (state: State, now: number): boolean =>
  state.retryAt === undefined || now >= state.retryAt

/** The state as JSON text for storage. */
export const encodeState = (state: State): string => Schema.encodeSync(StateJson)(state)

/**
 * Reads a stored state; a malformed one fails with the schema error. Do not silently replace it with
 * {@link initialState}: that would skip the changes since the stored watermark.
 */
export const decodeState = (text: string): Effect.Effect<State, Schema.SchemaError> =>
  Schema.decodeUnknownEffect(StateJson)(text)

/**
 * The source of one resource over an instance's connection: `connection.query` for the hub URL and,
 * when the connector declares tombstones for `resource` (the resource the entry's URL lists), its
 * deleted records.
 */
export const fromConnection = (
  connection: Connection.Connection,
  resource: string
): Source<Connection.HubError> => {
  const spec = Connector.resource(connection.connector, resource)?.tombstones
  const query = (hubUrl: string): Stream.Stream<unknown, Connection.HubError> => connection.query(hubUrl)
  return spec === undefined
    ? { query }
    : {
        query,
        tombstones: {
          since: (sinceMillis) => connection.tombstones(resource, sinceMillis),
          deletedField: spec.deletedField
        }
      }
}

/** Polls with the current time from the `Clock` as the poll's start. */
export const pollNow = <E, R>(
  input: Omit<PollInput<E, R>, "now">
): Effect.Effect<PollResult, E | PollerConfiguration.PollerConfigurationError, R> =>
  Effect.flatMap(Clock.currentTimeMillis, (now) => poll({ ...input, now }))
