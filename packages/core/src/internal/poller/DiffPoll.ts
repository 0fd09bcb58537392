import { Effect, Stream } from "effect"
import type { PollerConfigurationError, Settings } from "../../PollerConfiguration.js"
import { shortHash } from "./Classify.js"
import type { PolledEvent, PollInput, PollResult } from "./PollInput.js"
import { changeEvent, type EventOrigin } from "./PolledEvents.js"
import { pollUrl } from "./PollUrl.js"
import { dateReader } from "./RecordDates.js"
import { idText, pathReader } from "./RecordPath.js"
import { resolutionMillis } from "./Resolution.js"

interface Listed {
  readonly hash: string
  readonly record: unknown
  readonly at: number | undefined
  readonly updated: number | undefined
  /** The readable created date, if the entry names one. */
  readonly created: number | undefined
}

/**
 * One Diff poll, for vendors without a change filter (Sendoso): list everything and compare each
 * object's content hash with the last complete listing. The first listing primes the cache (no
 * replay of history), yet records created after the poller was enabled are already changes: on that
 * listing a record whose created date (the entry's `createdDateField`, read with its format and
 * zone) is at or after the state's watermark less `pollDelay` — less one unit of the created date's
 * pattern, since vendors truncate, as the updated-since window does — is CREATED; one without a
 * configured or readable created date is baseline only. Afterwards a new id is CREATED, a changed
 * hash UPDATED; both use the version `#<hash>`, so a repeated priming poll repeats ids and the next
 * poll, seeing the same hash, emits nothing. An id missing from a
 * complete listing is remembered as missing and reported DELETED only when the next complete
 * listing confirms it, because one offset-paged listing can skip an object when records move
 * between its pages. A listing that showed an object twice changed under the poll: nothing is
 * concluded from what it lacks.
 */
export const diffPoll = <E, R>(
  input: PollInput<E, R>,
  settings: Settings
): Effect.Effect<PollResult, E | PollerConfigurationError, R> =>
  Effect.gen(function* () {
    const { state, now } = input
    const since = state.watermark - settings.pollDelayMillis
    const url = yield* Effect.fromResult(
      pollUrl(input.resource, settings.url, since, settings.pageSize, input.defaultZone)
    )
    const origin: EventOrigin = input
    const readId = pathReader(settings.idField)
    const readUpdated = dateReader(settings.updated)
    const readCreated = dateReader(settings.created)
    const listing = new Map<string, Listed>()
    let records = 0
    let withoutId = 0
    let withoutUpdatedDate = 0
    let unreadableDates = 0
    let firstUnreadableDate: string | undefined
    let listingChanged = false

    yield* Stream.runForEachArray(input.source.query(url), (chunk) =>
      Effect.sync(() => {
        for (const record of chunk) {
          records += 1
          const objectId = idText(readId(record))
          if (objectId === undefined) {
            withoutId += 1
            continue
          }
          const hash = shortHash(record)
          // Any object listed twice means records moved between pages. Unlike an updated-since poll,
          // where a record that jumped over the read position is found by its new date next time, a
          // Diff poll would read its absence as a deletion: conclude nothing from this listing.
          if (listing.has(objectId)) listingChanged = true
          const updatedReading = readUpdated(record)
          const createdReading = readCreated(record)
          for (const reading of [updatedReading, createdReading]) {
            if (reading._tag !== "Unreadable") continue
            unreadableDates += 1
            firstUnreadableDate ??= reading.message
          }
          const updated = updatedReading._tag === "Date" ? updatedReading.millis : undefined
          if (updated === undefined) withoutUpdatedDate += 1
          const at = updated ?? (createdReading._tag === "Date" ? createdReading.millis : undefined)
          const created = createdReading._tag === "Date" ? createdReading.millis : undefined
          listing.set(objectId, { hash, record, at, updated, created })
        }
      })
    )

    const previous = new Map(state.diff?.records ?? [])
    const missing = new Map(state.diff?.missing ?? [])
    const primed = state.diff?.primed === true
    // The priming listing reports records created since enabling, by the same `>=` window as
    // updated-since polls (less one unit of the pattern, as vendors truncate their stamps).
    const createdSince =
      settings.created === undefined ? undefined : since - resolutionMillis(settings.created.format)
    const createdOnPriming = (listed: Listed): boolean =>
      createdSince !== undefined && listed.created !== undefined && listed.created >= createdSince
    const changes: Array<{ readonly item: PolledEvent; readonly at: number }> = []
    let created = 0
    let updated = 0
    let deleted = 0
    let duplicates = 0
    const nextRecords = new Map<string, string>()
    const nextMissing = new Map<string, string>()

    for (const [objectId, listed] of listing) {
      nextRecords.set(objectId, listed.hash)
      if (!primed && !createdOnPriming(listed)) continue
      const before = primed ? (previous.get(objectId) ?? missing.get(objectId)) : undefined
      if (before === listed.hash) {
        duplicates += 1
        continue
      }
      const eventType = before === undefined ? "CREATED" : "UPDATED"
      if (eventType === "CREATED") created += 1
      else updated += 1
      const at = listed.at ?? now
      changes.push({
        at,
        item: {
          event: changeEvent(origin, {
            objectId,
            eventType,
            version: `#${listed.hash}`,
            date: at,
            updated: listed.updated
          }),
          record: listed.record
        }
      })
    }
    for (const [objectId, hash] of previous) {
      if (listing.has(objectId)) continue
      if (listingChanged) nextRecords.set(objectId, hash)
      else nextMissing.set(objectId, hash)
    }
    for (const [objectId, hash] of missing) {
      if (listing.has(objectId)) continue
      if (listingChanged) {
        nextMissing.set(objectId, hash)
        continue
      }
      deleted += 1
      changes.push({
        at: now,
        item: {
          event: changeEvent(origin, {
            objectId,
            eventType: "DELETED",
            version: `deleted#${hash}`,
            date: now
          }),
          record: { [settings.idField]: objectId }
        }
      })
    }

    const sorted = (map: Map<string, string>) =>
      [...map].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) as Array<readonly [string, string]>
    return {
      events: changes.map((change) => change.item),
      state: {
        version: 1,
        watermark: Math.max(state.watermark, now),
        seen: [],
        diff: { primed: true, records: sorted(nextRecords), missing: sorted(nextMissing) },
        heldPolls: listingChanged ? state.heldPolls + 1 : 0,
        failures: 0
      },
      stats: {
        strategy: "diff",
        url,
        since,
        records,
        created,
        updated,
        deleted,
        duplicates,
        beforeWindow: 0,
        future: 0,
        withoutId,
        withoutUpdatedDate,
        unreadableDates,
        firstUnreadableDate,
        listingChanged,
        remembered: nextRecords.size + nextMissing.size
      }
    } satisfies PollResult
  })
