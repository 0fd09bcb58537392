import { Clock, Effect, Stream } from "effect"
import type { PollerConfigurationError, Settings } from "../../PollerConfiguration.js"
import { makeClassifier, shortHash } from "./Classify.js"
import type { PolledEvent, PollInput, PollResult, TombstoneSource } from "./PollInput.js"
import { changeEvent, type EventOrigin } from "./PolledEvents.js"
import { pollUrl } from "./PollUrl.js"
import { dateReader } from "./RecordDates.js"
import { idText, pathReader } from "./RecordPath.js"
import { SeenSet } from "./SeenSet.js"

// Tombstone filters such as Sage's `deleted_since` are exclusive and second-resolution: asking one
// second early keeps a deletion stamped in the very second of `since`.
const tombstoneSlack = 1000

interface Emitted {
  readonly item: PolledEvent
  /** Sort key: when the change happened, so one object's versions come out in order. */
  readonly at: number
}

/**
 * One updated-since poll (contract.md §7, reliability.md "Polling"):
 * 1. `since` = watermark − pollDelay fills the URL; every page is read.
 * 2. Each record is classified (window, dates, CREATED/UPDATED) and dropped when its
 *    (objectId, version) was already emitted — the overlap window re-reads on purpose.
 * 3. Tombstones, when the vendor has them, give DELETED events the same way.
 * 4. The new watermark is the poll's start, unless the listing changed under the poll (an object
 *    listed twice in different versions, or a deletion at or after the window's end): then offset
 *    pages may have shifted past a record, so the watermark stays and the next poll re-reads the
 *    window.
 * 5. Remembered versions are kept exactly as long as the next window can list them again.
 */
export const updatedSincePoll = <E, R>(
  input: PollInput<E, R>,
  settings: Settings
): Effect.Effect<PollResult, E | PollerConfigurationError, R> =>
  Effect.gen(function* () {
    const { state, now } = input
    const pollDelay = settings.pollDelayMillis
    const since = state.watermark - pollDelay
    const url = yield* Effect.fromResult(
      pollUrl(input.resource, settings.url, since, settings.pageSize, input.defaultZone)
    )
    const origin: EventOrigin = input
    const seen = new SeenSet(state.seen)
    const classifier = makeClassifier(settings, since, now)
    // What each object looked like where the listing showed it; see `listingChanged`.
    const listed = new Map<string, string>()
    const emitted: Array<Emitted> = []
    // Undated versions are kept for a while after they were last listed; that instant is the poll's end.
    const undatedSightings: Array<readonly [string, string]> = []
    let listingChanged = false
    let records = 0
    let created = 0
    let updated = 0
    let deleted = 0
    let duplicates = 0
    let beforeWindow = 0
    let future = 0
    let withoutId = 0
    let withoutUpdatedDate = 0
    let unreadableDates = 0
    let firstUnreadableDate: string | undefined

    yield* Stream.runForEachArray(input.source.query(url), (chunk) =>
      Effect.sync(() => {
        for (const record of chunk) {
          records += 1
          const result = classifier.classify(record)
          if (result._tag === "NoId") {
            withoutId += 1
            continue
          }
          // An object listed twice in different versions changed while pages were read, and
          // moved: the records between its two places shifted, so one may have been skipped. The
          // same version twice is harmless (records shifted the other way, or a vendor's duplicate).
          const sighting = result._tag === "Change" ? result.version : String(result.updated)
          const earlier = listed.get(result.objectId)
          if (earlier === undefined) listed.set(result.objectId, sighting)
          else if (earlier !== sighting) listingChanged = true
          if (result._tag === "BeforeWindow") {
            beforeWindow += 1
            continue
          }
          if (result._tag === "Future") {
            future += 1
            continue
          }
          if (result.unreadable !== undefined) {
            unreadableDates += 1
            firstUnreadableDate ??= result.unreadable
          }
          if (result.updated === undefined) {
            withoutUpdatedDate += 1
            undatedSightings.push([result.objectId, result.version])
          }
          if (seen.has(result.objectId, result.version)) {
            duplicates += 1
            continue
          }
          // Dated versions are kept while the window can still reach them; undated ones get their
          // keep-until below, once the poll's end is known.
          seen.add(result.objectId, result.version, result.updated ?? now)
          if (result.eventType === "CREATED") created += 1
          else updated += 1
          const at = result.updated ?? result.created ?? now
          emitted.push({
            at,
            item: {
              event: changeEvent(origin, {
                objectId: result.objectId,
                eventType: result.eventType,
                version: result.version,
                date: at,
                updated: result.updated
              }),
              record
            }
          })
        }
      })
    )

    const tombstones = input.source.tombstones
    const deletions: Array<Emitted> = []
    const undatedDeletions: Array<readonly [string, string]> = []
    if (tombstones !== undefined) {
      const outcome = yield* readTombstones(tombstones, settings, since, now, seen, origin)
      records += outcome.records
      withoutId += outcome.withoutId
      duplicates += outcome.duplicates
      deleted += outcome.emitted.length
      deletions.push(...outcome.emitted)
      undatedDeletions.push(...outcome.undated)
      if (outcome.changedDuringPoll) listingChanged = true
    }

    const end = Math.max(now, yield* Clock.currentTimeMillis)
    // An undated version was stamped by the vendor no later than the poll's end plus the clock skew
    // (at most pollDelay); once the window starts after that, the vendor cannot list it again.
    const undatedKeep = end + pollDelay
    for (const [id, version] of undatedSightings) seen.add(id, version, undatedKeep)
    for (const [id, version] of undatedDeletions) seen.add(id, version, undatedKeep)

    const watermark = listingChanged ? state.watermark : Math.max(state.watermark, now)
    const nextSince = watermark - pollDelay
    // The next poll accepts dates down to its since less one date unit (and one second for
    // tombstones); remembered versions must cover at least that far.
    seen.prune(nextSince - Math.max(classifier.resolution, tombstoneSlack))

    const events = [...emitted.sort((a, b) => a.at - b.at), ...deletions.sort((a, b) => a.at - b.at)].map(
      (entry) => entry.item
    )
    return {
      events,
      state: {
        version: 1,
        watermark,
        seen: seen.entries(),
        heldPolls: listingChanged ? state.heldPolls + 1 : 0,
        failures: 0
      },
      stats: {
        strategy: "updatedSince",
        url,
        since,
        records,
        created,
        updated,
        deleted,
        duplicates,
        beforeWindow,
        future,
        withoutId,
        withoutUpdatedDate,
        unreadableDates,
        firstUnreadableDate,
        listingChanged,
        remembered: seen.size
      }
    } satisfies PollResult
  })

interface TombstoneOutcome {
  readonly records: number
  readonly withoutId: number
  readonly duplicates: number
  readonly emitted: ReadonlyArray<Emitted>
  readonly undated: ReadonlyArray<readonly [string, string]>
  readonly changedDuringPoll: boolean
}

/**
 * Reads tombstones after the listing, so that a deletion made while pages were read is seen: such a
 * deletion (dated at or after the window's end, or undated and new) may have shifted later pages.
 */
const readTombstones = <E, R>(
  tombstones: TombstoneSource<E, R>,
  settings: Settings,
  since: number,
  now: number,
  seen: SeenSet,
  origin: EventOrigin
): Effect.Effect<TombstoneOutcome, E, R> =>
  Effect.gen(function* () {
    const readId = pathReader(settings.idField)
    const readFallbackId = pathReader("id")
    const readDeleted = dateReader(
      tombstones.deletedField === undefined
        ? undefined
        : { field: tombstones.deletedField, format: "yyyy-MM-dd'T'HH:mm:ssXXX", zone: "UTC" }
    )
    const lowerBound = since - tombstoneSlack
    const duringPoll = now - settings.pollDelayMillis - tombstoneSlack
    const emitted: Array<Emitted> = []
    const undated: Array<readonly [string, string]> = []
    let records = 0
    let withoutId = 0
    let duplicates = 0
    let changedDuringPoll = false
    yield* Stream.runForEachArray(tombstones.since(lowerBound), (chunk) =>
      Effect.sync(() => {
        for (const record of chunk) {
          records += 1
          const objectId = idText(readId(record)) ?? idText(readFallbackId(record))
          if (objectId === undefined) {
            withoutId += 1
            continue
          }
          const reading = readDeleted(record)
          const deletedAt = reading._tag === "Date" ? reading.millis : undefined
          if (deletedAt !== undefined && deletedAt < lowerBound) continue
          const version = deletedAt === undefined ? `deleted#${shortHash(record)}` : `deleted:${deletedAt}`
          if (deletedAt === undefined) undated.push([objectId, version])
          if (seen.has(objectId, version)) {
            duplicates += 1
            continue
          }
          if (deletedAt === undefined || deletedAt >= duringPoll) changedDuringPoll = true
          seen.add(objectId, version, deletedAt ?? now)
          const at = deletedAt ?? now
          emitted.push({
            at,
            item: {
              event: changeEvent(origin, { objectId, eventType: "DELETED", version, date: at }),
              record
            }
          })
        }
      })
    )
    return { records, withoutId, duplicates, emitted, undated, changedDuringPoll }
  })
