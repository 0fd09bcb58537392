import { contentHash } from "../../Events.js"
import type { Settings } from "../../PollerConfiguration.js"
import { type DateReading, dateReader } from "./RecordDates.js"
import { idText, pathReader } from "./RecordPath.js"
import { resolutionMillis } from "./Resolution.js"

/** What one listed record means for an updated-since poll. */
export type Classification =
  | { readonly _tag: "NoId" }
  /** Updated before the poll window: not an event (`filterByUpdatedDate`). */
  | { readonly _tag: "BeforeWindow"; readonly objectId: string; readonly updated: number }
  /** Dated after now plus the skew allowance (`filterByCurrentDate`): left for a later poll. */
  | { readonly _tag: "Future"; readonly objectId: string; readonly updated: number }
  | {
      readonly _tag: "Change"
      readonly objectId: string
      readonly eventType: "CREATED" | "UPDATED"
      /** `<updated>:<hash>` when the record has an updated date, else `#<hash>`. */
      readonly version: string
      readonly updated: number | undefined
      readonly created: number | undefined
      /** Why a present date could not be read, when one could not. */
      readonly unreadable: string | undefined
    }

/** A classifier bound to one poll's settings and window. */
export interface Classifier {
  readonly classify: (record: unknown) => Classification
  /** The lowest updated date still inside the window: the poll's `since` less {@link resolution}. */
  readonly lowerBound: number
  /** The unit the updated date is written in (ms): vendors truncate to it. */
  readonly resolution: number
}

/** Short content hash: 128 bits of SHA-256 are plenty to tell versions of one object apart. */
export const shortHash = (record: unknown): string => contentHash(record).slice(0, 32)

const dateOf = (reading: DateReading): number | undefined =>
  reading._tag === "Date" ? reading.millis : undefined

/**
 * Builds the per-record rule of contract.md §7 for one poll: the id from `idField`; the updated
 * date (absent or unreadable dates make an undated record, emitted by content hash and never
 * dropped); `filterByUpdatedDate` drops records updated before `since` (less one unit of the date
 * pattern, since vendors truncate); `filterByCurrentDate` defers records dated after
 * `now + pollDelay`; CREATED when created is within `createdCheckTolerance` of updated, else UPDATED.
 */
export const makeClassifier = (settings: Settings, since: number, now: number): Classifier => {
  const readId = pathReader(settings.idField)
  const readUpdated = dateReader(settings.updated)
  const readCreated = dateReader(settings.created)
  const resolution = settings.updated === undefined ? 0 : resolutionMillis(settings.updated.format)
  const lowerBound = since - resolution
  const futureLimit = settings.filterByCurrentDate ? now + settings.pollDelayMillis : Number.POSITIVE_INFINITY
  const tolerance = settings.createdCheckToleranceMillis
  const classify = (record: unknown): Classification => {
    const objectId = idText(readId(record))
    if (objectId === undefined) return { _tag: "NoId" }
    const updatedReading = readUpdated(record)
    const updated = dateOf(updatedReading)
    if (updated !== undefined) {
      if (settings.filterByUpdatedDate && updated < lowerBound)
        return { _tag: "BeforeWindow", objectId, updated }
      if (updated > futureLimit) return { _tag: "Future", objectId, updated }
    }
    const createdReading = readCreated(record)
    const created = dateOf(createdReading)
    const eventType =
      updated !== undefined && created !== undefined && Math.abs(updated - created) <= tolerance
        ? "CREATED"
        : "UPDATED"
    const hash = shortHash(record)
    const unreadable =
      updatedReading._tag === "Unreadable"
        ? updatedReading.message
        : createdReading._tag === "Unreadable"
          ? createdReading.message
          : undefined
    return {
      _tag: "Change",
      objectId,
      eventType,
      version: updated === undefined ? `#${hash}` : `${updated}:${hash}`,
      updated,
      created,
      unreadable
    }
  }
  return { classify, lowerBound, resolution }
}
