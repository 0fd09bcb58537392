import type { Stream } from "effect"
import type { ChangeEvent } from "../../Events.js"
import type { Entry, Strategy } from "../../PollerConfiguration.js"
import type { State } from "./PollerState.js"

/** Vendor tombstones of one resource: deleted objects since an instant. */
export interface TombstoneSource<E, R> {
  /** Deleted records since `sinceMillis` (the poller passes one second early, for exclusive filters). */
  readonly since: (sinceMillis: number) => Stream.Stream<unknown, E, R>
  /** Dotted path of the deletion time in a tombstone record (`deleted_at`), read as ISO-8601 or epoch. */
  readonly deletedField?: string | undefined
}

/**
 * Where a poll reads from: a hub URL run through the instance's normal CEQL and paging path (every
 * page, in order), and the vendor's tombstones when it has them. `Connection` provides both; tests
 * use an in-memory vendor.
 */
export interface Source<E = never, R = never> {
  readonly query: (hubUrl: string) => Stream.Stream<unknown, E, R>
  readonly tombstones?: TombstoneSource<E, R> | undefined
}

/** One poll of one resource of one instance. */
export interface PollInput<E = never, R = never> {
  readonly source: Source<E, R>
  readonly instanceId: string | number
  readonly elementKey: string
  readonly hubKey: string
  /** The resource name: the key of the `event.poller.configuration` entry and the events' `objectType`. */
  readonly resource: string
  readonly entry: Entry
  /** The state committed with the previous poll's events, or `initialState(enabledAt)`. */
  readonly state: State
  /** When this poll started (runner clock, epoch ms). */
  readonly now: number
  /** The runner's zone for `${date:FMT}`; UTC when absent. */
  readonly defaultZone?: string | undefined
}

/** A change event and the vendor record it is about (the `raw` of the notification). */
export interface PolledEvent {
  readonly event: ChangeEvent
  readonly record: unknown
}

/** What a poll saw, for logs, metrics and the operator API. */
export interface PollStats {
  readonly strategy: Strategy
  /** The hub URL actually queried (placeholders filled). */
  readonly url: string
  /** The instant the URL was filled with: the watermark less `pollDelay`. */
  readonly since: number
  /** Records listed, tombstones included. */
  readonly records: number
  readonly created: number
  readonly updated: number
  readonly deleted: number
  /** Versions listed again that were already emitted (the overlap window at work). */
  readonly duplicates: number
  /** Records updated before the window (`filterByUpdatedDate`). */
  readonly beforeWindow: number
  /** Records dated in the future and left for a later poll (`filterByCurrentDate`). */
  readonly future: number
  /** Records whose `idField` has no string or number: they cannot be tracked and are not emitted. */
  readonly withoutId: number
  /** Records without a readable updated date, handled by content hash. */
  readonly withoutUpdatedDate: number
  /** Records with a date present but unreadable, and the first such message. */
  readonly unreadableDates: number
  readonly firstUnreadableDate?: string | undefined
  /**
   * The listing changed under the poll (an object listed twice in different versions, or a deletion
   * during it), so pages may have shifted and skipped something: the watermark stayed where it was
   * and the next poll re-reads the same window. `State.heldPolls` counts such polls in a row; a
   * number that keeps growing means the window keeps growing (e.g. an `idField` that is not unique).
   */
  readonly listingChanged: boolean
  /** Entries of the dedupe set (or Diff cache) after the poll. */
  readonly remembered: number
}

/** The outcome of a successful poll: commit `events` and `state` together (one transaction). */
export interface PollResult {
  readonly events: ReadonlyArray<PolledEvent>
  readonly state: State
  readonly stats: PollStats
}
