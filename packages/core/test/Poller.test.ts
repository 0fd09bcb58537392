// biome-ignore-all lint/suspicious/noTemplateCurlyInString: poller URLs are written with ${…} placeholders
import { assert, describe, it } from "@effect/vitest"
import { type Connection, Poller, type PollerConfiguration, Resource } from "@plugboard/core"
import { Clock, Effect, Stream } from "effect"

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0)
const second = 1000
const iso = (millis: number) => new Date(millis).toISOString().replace(".000Z", "Z")

const baseEntry: PollerConfiguration.Entry = {
  url: "/hubs/crm/accounts?where=updated>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
  idField: "id",
  datesConfiguration: {
    updatedDateField: "updated_at",
    updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
    updatedDateTimezone: "GMT",
    createdDateField: "created_at",
    createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
    createdDateTimezone: "GMT"
  },
  pollDelay: 60
}

/** A source answering with the given records and remembering the URLs it was asked for. */
const listing = (records: () => ReadonlyArray<unknown>, tombstones?: () => ReadonlyArray<unknown>) => {
  const urls: Array<string> = []
  const tombstoneSince: Array<number> = []
  const source: Poller.Source = {
    query: (url) => {
      urls.push(url)
      return Stream.fromIterable(records())
    },
    ...(tombstones === undefined
      ? {}
      : {
          tombstones: {
            deletedField: "deleted_at",
            since: (since: number) => {
              tombstoneSince.push(since)
              return Stream.fromIterable(tombstones())
            }
          }
        })
  }
  return { source, urls, tombstoneSince }
}

const fixedClock = (millis: number): Clock.Clock => ({
  currentTimeMillisUnsafe: () => millis,
  currentTimeMillis: Effect.succeed(millis),
  currentTimeNanosUnsafe: () => BigInt(millis) * 1_000_000n,
  currentTimeNanos: Effect.succeed(BigInt(millis) * 1_000_000n),
  monotonicTimeNanosUnsafe: () => BigInt(millis) * 1_000_000n,
  monotonicTimeNanos: Effect.succeed(BigInt(millis) * 1_000_000n),
  sleep: () => Effect.void
})

const pollWith = <E>(
  source: Poller.Source<E>,
  state: Poller.State,
  now: number,
  entry: PollerConfiguration.Entry = baseEntry
) =>
  Poller.poll({
    source,
    instanceId: 42,
    elementKey: "sagecrm",
    hubKey: "crm",
    resource: "accounts",
    entry,
    state,
    now
  }).pipe(Effect.provideService(Clock.Clock, fixedClock(now + 2 * second)))

const record = (id: number | string, updated: number | null, created: number | null, extra: object = {}) => ({
  id,
  updated_at: updated === null ? null : iso(updated),
  created_at: created === null ? null : iso(created),
  ...extra
})

describe("Poller classification", () => {
  const since = T0 - 60 * second
  const cases: ReadonlyArray<{
    readonly name: string
    readonly record: unknown
    readonly entry?: Partial<PollerConfiguration.Entry>
    readonly expected: string | null
  }> = [
    { name: "created equal to updated", record: record(1, T0, T0), expected: "CREATED" },
    {
      name: "created one second earlier (default tolerance 1 s)",
      record: record(2, T0, T0 - second),
      expected: "CREATED"
    },
    { name: "created two seconds earlier", record: record(3, T0, T0 - 2 * second), expected: "UPDATED" },
    {
      name: "created a second earlier with tolerance 0",
      record: record(4, T0, T0 - second),
      entry: { createdCheckTolerance: 0 },
      expected: "UPDATED"
    },
    {
      name: "created 30 s earlier with tolerance 60 s",
      record: record(5, T0, T0 - 30 * second),
      entry: { createdCheckTolerance: 60 },
      expected: "CREATED"
    },
    { name: "no created date", record: record(6, T0, null), expected: "UPDATED" },
    { name: "no updated date (emitted, never dropped)", record: record(7, null, T0), expected: "UPDATED" },
    {
      name: "unreadable updated date",
      record: { id: 8, updated_at: "soon", created_at: iso(T0) },
      expected: "UPDATED"
    },
    { name: "updated at the window's start (>=)", record: record(9, since, since), expected: "CREATED" },
    {
      name: "updated within the date's unit before since",
      record: record(10, since - 999, since - 999),
      expected: "CREATED"
    },
    {
      name: "updated before the window",
      record: record(11, since - 5 * second, since - 9 * second),
      expected: null
    },
    {
      name: "before the window, filterByUpdatedDate false",
      record: record(12, since - 5 * second, since - 9 * second),
      entry: { filterByUpdatedDate: false },
      expected: "UPDATED"
    },
    {
      name: "in the future with filterByCurrentDate",
      record: record(13, T0 + 3_600 * second, T0),
      entry: { filterByCurrentDate: true },
      expected: null
    },
    {
      name: "within the skew allowance with filterByCurrentDate",
      record: record(14, T0 + 30 * second, T0 + 30 * second),
      entry: { filterByCurrentDate: true },
      expected: "CREATED"
    },
    {
      name: "in the future without filterByCurrentDate",
      record: record(15, T0 + 3_600 * second, T0),
      expected: "UPDATED"
    },
    {
      name: "numeric epoch seconds are read",
      record: { id: 16, updated_at: T0 / 1000, created_at: T0 / 1000 },
      expected: "CREATED"
    },
    { name: "no id", record: { updated_at: iso(T0) }, expected: null }
  ]

  for (const testCase of cases) {
    it.effect(testCase.name, () =>
      Effect.gen(function* () {
        const { source } = listing(() => [testCase.record])
        const result = yield* pollWith(source, Poller.initialState(T0), T0, {
          ...baseEntry,
          ...testCase.entry
        })
        assert.deepStrictEqual(
          result.events.map((item) => item.event.eventType),
          testCase.expected === null ? [] : [testCase.expected]
        )
      })
    )
  }

  it.effect("fills the event as contract.md §7 shows it and counts what it skipped", () =>
    Effect.gen(function* () {
      const { source, urls } = listing(() => [
        record(1, T0 + 500, T0 + 500),
        { updated_at: iso(T0) },
        record(2, T0 - 3_600 * second, T0 - 3_600 * second),
        { id: 3, updated_at: "garbage", created_at: null },
        record(4, null, null)
      ])
      const result = yield* pollWith(source, Poller.initialState(T0), T0, { ...baseEntry, pageSize: 25 })
      assert.deepStrictEqual(urls, ["/hubs/crm/accounts?where=updated>='2026-11-22T09:59:00Z'&pageSize=25"])
      const first = result.events.find((item) => item.event.objectId === "1")!.event
      assert.deepStrictEqual(
        { ...first, id: "" },
        {
          id: "",
          eventType: "CREATED",
          objectType: "accounts",
          objectId: "1",
          elementKey: "sagecrm",
          hubKey: "crm",
          date: "2026-11-22T10:00:00.500Z",
          updatedDate: "2026-11-22T10:00:00.500Z"
        }
      )
      assert.match(first.id, /^[0-9a-f]{32}$/)
      assert.deepStrictEqual(
        result.events.map((item) => item.event.objectId),
        ["3", "4", "1"]
      )
      assert.deepStrictEqual(result.events[2]!.record, record(1, T0 + 500, T0 + 500))
      const { stats } = result
      assert.strictEqual(stats.records, 5)
      assert.strictEqual(stats.withoutId, 1)
      assert.strictEqual(stats.beforeWindow, 1)
      assert.strictEqual(stats.withoutUpdatedDate, 2)
      assert.strictEqual(stats.unreadableDates, 1)
      assert.match(stats.firstUnreadableDate ?? "", /updated_at: date "garbage" does not match/)
      assert.strictEqual(stats.created, 1)
      assert.strictEqual(stats.updated, 2)
      assert.strictEqual(stats.since, T0 - 60 * second)
      assert.strictEqual(stats.listingChanged, false)
    })
  )
})

describe("Poller across polls", () => {
  it.effect(
    "emits a version once across overlapping windows, and a second change in the same second too",
    () =>
      Effect.gen(function* () {
        let records: Array<unknown> = [record(1, T0 + 5 * second, T0 + 5 * second, { name: "a" })]
        const { source } = listing(() => records)
        const first = yield* pollWith(source, Poller.initialState(T0), T0 + 10 * second)
        assert.strictEqual(first.events.length, 1)
        // Listed again inside the overlap window, unchanged: nothing.
        const second_ = yield* pollWith(source, first.state, T0 + 20 * second)
        assert.strictEqual(second_.events.length, 0)
        assert.strictEqual(second_.stats.duplicates, 1)
        // Changed again within the same updated second: a new version, a new event with a new id.
        records = [record(1, T0 + 5 * second, T0 + 5 * second, { name: "b" })]
        const third = yield* pollWith(source, second_.state, T0 + 30 * second)
        assert.deepStrictEqual(
          third.events.map((item) => item.event.eventType),
          ["CREATED"]
        )
        assert.notStrictEqual(third.events[0]!.event.id, first.events[0]!.event.id)
      })
  )

  it.effect("repeats ids, not events, when a poll is re-run from a state that was not saved", () =>
    Effect.gen(function* () {
      const { source } = listing(() => [record(1, T0 + 5 * second, T0), record(2, null, null, { name: "x" })])
      const state = Poller.initialState(T0)
      const lost = yield* pollWith(source, state, T0 + 10 * second)
      const rerun = yield* pollWith(source, state, T0 + 70 * second)
      assert.deepStrictEqual(
        rerun.events.map((item) => item.event.id),
        lost.events.map((item) => item.event.id)
      )
      const after = yield* pollWith(source, rerun.state, T0 + 80 * second)
      assert.strictEqual(after.events.length, 0)
    })
  )

  it.effect("emits a record without dates on first sight and again only when its content changes", () =>
    Effect.gen(function* () {
      let records: Array<unknown> = [record(7, null, null, { name: "first" })]
      const { source } = listing(() => records)
      let state = Poller.initialState(T0)
      const seen: Array<string> = []
      for (let poll = 1; poll <= 4; poll += 1) {
        if (poll === 3) records = [record(7, null, null, { name: "second" })]
        const result = yield* pollWith(source, state, T0 + poll * 30 * second)
        seen.push(...result.events.map((item) => `${poll}:${item.event.eventType}`))
        state = yield* Poller.decodeState(Poller.encodeState(result.state))
      }
      assert.deepStrictEqual(seen, ["1:UPDATED", "3:UPDATED"])
    })
  )

  it.effect("defers a future-dated record under filterByCurrentDate until its date has come", () =>
    Effect.gen(function* () {
      const entry = { ...baseEntry, filterByCurrentDate: true }
      const { source } = listing(() => [record(1, T0 + 600 * second, T0 + 600 * second)])
      const early = yield* pollWith(source, Poller.initialState(T0), T0 + 10 * second, entry)
      assert.strictEqual(early.events.length, 0)
      assert.strictEqual(early.stats.future, 1)
      const later = yield* pollWith(source, early.state, T0 + 700 * second, entry)
      assert.deepStrictEqual(
        later.events.map((item) => item.event.eventType),
        ["CREATED"]
      )
    })
  )

  it.effect("starts from now: history before the overlap window is not replayed", () =>
    Effect.gen(function* () {
      const { source } = listing(() => [
        record(1, T0 - 3_600 * second, T0 - 3_600 * second),
        record(2, T0 + second, T0 + second)
      ])
      const result = yield* pollWith(source, Poller.initialState(T0), T0 + 15 * 60 * second)
      assert.deepStrictEqual(
        result.events.map((item) => item.event.objectId),
        ["2"]
      )
    })
  )

  it.effect("keeps the watermark when the listing changed under the poll, and advances it otherwise", () =>
    Effect.gen(function* () {
      const { source } = listing(() => [
        record(1, T0 + second, T0),
        record(2, T0 + second, T0),
        record(1, T0 + 2 * second, T0)
      ])
      const held = yield* pollWith(source, Poller.initialState(T0), T0 + 60 * second)
      assert.strictEqual(held.stats.listingChanged, true)
      assert.strictEqual(held.state.watermark, T0)
      assert.strictEqual(held.state.heldPolls, 1)
      assert.deepStrictEqual(
        held.events.map((item) => `${item.event.objectId}@${item.event.updatedDate}`),
        ["1@2026-11-22T10:00:01Z", "2@2026-11-22T10:00:01Z", "1@2026-11-22T10:00:02Z"]
      )
      // The same version listed twice (records shifted the other way) is no reason to hold.
      const stable = listing(() => [record(2, T0 + second, T0), record(2, T0 + second, T0)])
      const next = yield* pollWith(stable.source, held.state, T0 + 120 * second)
      assert.strictEqual(next.state.watermark, T0 + 120 * second)
      assert.strictEqual(next.state.heldPolls, 0)
    })
  )

  it.effect("forgets emitted versions only once the next window cannot list them", () =>
    Effect.gen(function* () {
      const { source } = listing(() => [record(1, T0 + 5 * second, T0 + 5 * second)])
      const first = yield* pollWith(source, Poller.initialState(T0), T0 + 10 * second)
      assert.strictEqual(first.state.seen.length, 1)
      // Next window starts at T0 + 10 s − 60 s: still covers the record.
      const empty = listing(() => [])
      const second_ = yield* pollWith(empty.source, first.state, T0 + 30 * second)
      assert.strictEqual(second_.state.seen.length, 1)
      // Window now starts at T0 + 30 s − 60 s = T0 − 30 s … still ≤ T0 + 5 s.
      const third = yield* pollWith(empty.source, second_.state, T0 + 100 * second)
      // Window starts at T0 + 40 s: the record (T0 + 5 s) can no longer be listed.
      assert.strictEqual(third.state.seen.length, 0)
    })
  )

  it.effect("turns tombstones into DELETED events once, asking one second early", () =>
    Effect.gen(function* () {
      const { source, tombstoneSince } = listing(
        () => [],
        () => [{ id: 9, deleted_at: iso(T0 + 5 * second) }, { deleted_at: iso(T0) }]
      )
      const first = yield* pollWith(source, Poller.initialState(T0), T0 + 600 * second)
      assert.deepStrictEqual(tombstoneSince, [T0 - 61 * second])
      assert.deepStrictEqual(
        first.events.map((item) => `${item.event.eventType}:${item.event.objectId}`),
        ["DELETED:9"]
      )
      assert.strictEqual(first.stats.deleted, 1)
      assert.strictEqual(first.stats.withoutId, 1)
      const again = yield* pollWith(source, first.state, T0 + 620 * second)
      assert.strictEqual(again.events.length, 0)
    })
  )

  it.effect("reads nested and case-insensitive id paths", () =>
    Effect.gen(function* () {
      const { source } = listing(() => [{ Data: { Key: "A-1" }, updated_at: iso(T0) }])
      const result = yield* pollWith(source, Poller.initialState(T0), T0, {
        ...baseEntry,
        idField: "$.data.key"
      })
      assert.deepStrictEqual(
        result.events.map((item) => item.event.objectId),
        ["A-1"]
      )
    })
  )

  it.effect("fills ${date:…} in the runner's zone", () =>
    Effect.gen(function* () {
      const { source, urls } = listing(() => [])
      yield* Poller.poll({
        source,
        instanceId: 1,
        elementKey: "sageone",
        hubKey: "finance",
        resource: "customers",
        entry: {
          url: "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ssXXX}'",
          pollDelay: 0
        },
        state: Poller.initialState(T0),
        now: T0,
        defaultZone: "America/Denver"
      })
      assert.deepStrictEqual(urls, [
        "/hubs/finance/customers?where=lastModifiedDate>='2026-11-22T03:00:00-07:00'"
      ])
    })
  )
})

describe("Poller failures and state", () => {
  it.effect("fails with the source's error; the caller keeps the state and records the failure", () =>
    Effect.gen(function* () {
      const failing: Poller.Source<string> = { query: () => Stream.fail("vendor down") }
      const state = Poller.initialState(T0)
      const error = yield* Effect.flip(pollWith(failing, state, T0 + 60 * second))
      assert.strictEqual(error, "vendor down")
      const once = Poller.failed(state, { now: T0 + 60 * second, message: "vendor down" })
      assert.strictEqual(once.watermark, state.watermark)
      assert.strictEqual(once.failures, 1)
      assert.strictEqual(once.retryAt, T0 + 120 * second)
      const twice = Poller.failed(once, { now: T0 + 120 * second, message: "vendor down" })
      assert.strictEqual(twice.retryAt, T0 + 240 * second)
      assert.strictEqual(Poller.isDue(twice, T0 + 200 * second), false)
      assert.strictEqual(Poller.isDue(twice, T0 + 240 * second), true)
      const { source } = listing(() => [])
      const recovered = yield* pollWith(source, twice, T0 + 300 * second)
      assert.strictEqual(recovered.state.failures, 0)
      assert.strictEqual(recovered.state.retryAt, undefined)
    })
  )

  it.effect("fails with a PollerConfigurationError naming the url when a placeholder cannot be filled", () =>
    Effect.gen(function* () {
      const { source } = listing(() => [])
      const error = yield* Effect.flip(
        pollWith(source, Poller.initialState(T0), T0, { url: "/hubs/crm/accounts?where=x>'${when:yyyy}'" })
      )
      assert.strictEqual(error._tag, "PollerConfigurationError")
      assert.match(error.message, /accounts\.url: unknown placeholder/)
    })
  )

  it.effect("round-trips the state through JSON and refuses a malformed one", () =>
    Effect.gen(function* () {
      const { source } = listing(() => [record("__proto__", T0, T0), record(2, null, null)])
      const result = yield* pollWith(source, Poller.initialState(T0), T0 + 10 * second)
      const text = Poller.encodeState(result.state)
      assert.deepStrictEqual(yield* Poller.decodeState(text), result.state)
      assert.include(text, "__proto__")
      const bad = yield* Effect.flip(Poller.decodeState('{"version":2}'))
      assert.strictEqual(bad._tag, "SchemaError")
    })
  )

  it.effect(
    "loses changes when the vendor's clock runs behind by more than pollDelay (the documented requirement)",
    () =>
      Effect.gen(function* () {
        // Vendor clock 5 minutes behind, pollDelay 60 s: a change made right after the poll is stamped
        // before the next window, and the vendor's own filter hides it.
        const skew = -300 * second
        const rows: Array<{ id: number; updated: number }> = []
        const source: Poller.Source = {
          query: (url) => {
            const since = Date.parse(/'([^']+)'/.exec(url)![1]!)
            return Stream.fromIterable(
              rows
                .filter((row) => row.updated >= since)
                .map((row) => record(row.id, row.updated, row.updated))
            )
          }
        }
        const first = yield* pollWith(source, Poller.initialState(T0), T0 + 60 * second)
        rows.push({ id: 1, updated: T0 + 61 * second + skew })
        const next = yield* pollWith(source, first.state, T0 + 120 * second)
        assert.strictEqual(next.events.length, 0)
        // With pollDelay ≥ the skew the same change is found.
        const wide = { ...baseEntry, pollDelay: 300 }
        rows.length = 0
        const firstWide = yield* pollWith(source, Poller.initialState(T0), T0 + 60 * second, wide)
        rows.push({ id: 1, updated: T0 + 61 * second + skew })
        const nextWide = yield* pollWith(source, firstWide.state, T0 + 120 * second, wide)
        assert.strictEqual(nextWide.events.length, 1)
      })
  )
})

describe("Poller diff mode", () => {
  const entry: PollerConfiguration.Entry = { url: "/hubs/rewards/gifts", idField: "id", strategy: "diff" }

  it.effect("primes, then reports created, updated, and deleted once two complete listings agree", () =>
    Effect.gen(function* () {
      let rows: Array<unknown> = [
        { id: 1, v: 1 },
        { id: 2, v: 1 }
      ]
      const { source } = listing(() => rows)
      const step = (state: Poller.State, now: number) => pollWith(source, state, now, entry)
      const baseline = yield* step(Poller.initialState(T0), T0)
      assert.strictEqual(baseline.events.length, 0)
      rows = [
        { id: 1, v: 2 },
        { id: 3, v: 1 }
      ]
      const changed = yield* step(baseline.state, T0 + 60 * second)
      assert.deepStrictEqual(
        changed.events.map((item) => `${item.event.eventType}:${item.event.objectId}`),
        ["UPDATED:1", "CREATED:3"]
      )
      const confirmed = yield* step(changed.state, T0 + 120 * second)
      assert.deepStrictEqual(
        confirmed.events.map((item) => `${item.event.eventType}:${item.event.objectId}`),
        ["DELETED:2"]
      )
      assert.deepStrictEqual(confirmed.events[0]!.record, { id: "2" })
      const quiet = yield* step(confirmed.state, T0 + 180 * second)
      assert.strictEqual(quiet.events.length, 0)
    })
  )

  it.effect("does not report an object that was missing from one listing and came back", () =>
    Effect.gen(function* () {
      let rows: Array<unknown> = [{ id: 1 }, { id: 2 }]
      const { source } = listing(() => rows)
      const baseline = yield* pollWith(source, Poller.initialState(T0), T0, entry)
      rows = [{ id: 1 }]
      const gap = yield* pollWith(source, baseline.state, T0 + 60 * second, entry)
      rows = [{ id: 1 }, { id: 2 }]
      const back = yield* pollWith(source, gap.state, T0 + 120 * second, entry)
      assert.strictEqual(gap.events.length + back.events.length, 0)
    })
  )

  it.effect("concludes nothing from what a changing listing lacks", () =>
    Effect.gen(function* () {
      let rows: Array<unknown> = [{ id: 1, v: 1 }, { id: 2 }]
      const { source } = listing(() => rows)
      let state = (yield* pollWith(source, Poller.initialState(T0), T0, entry)).state
      // Object 1 shows up twice in different versions: object 2 may have been skipped, not deleted.
      rows = [
        { id: 1, v: 1 },
        { id: 1, v: 2 }
      ]
      const seen: Array<string> = []
      for (let poll = 1; poll <= 3; poll += 1) {
        const result = yield* pollWith(source, state, T0 + poll * 60 * second, entry)
        seen.push(...result.events.map((item) => `${poll}:${item.event.eventType}:${item.event.objectId}`))
        assert.strictEqual(result.stats.listingChanged, true)
        state = result.state
      }
      assert.deepStrictEqual(seen, ["1:UPDATED:1"])
    })
  )
})

describe("Poller diff mode, priming listing", () => {
  const dated: PollerConfiguration.Entry = {
    url: "/hubs/rewards/gifts",
    idField: "id",
    strategy: "diff",
    pollDelay: 60,
    datesConfiguration: {
      createdDateField: "created_at",
      createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
      createdDateTimezone: "GMT"
    }
  }
  const undatedEntry: PollerConfiguration.Entry = {
    url: "/hubs/rewards/gifts",
    idField: "id",
    strategy: "diff"
  }
  const enabled = T0
  const firstPoll = T0 + 15 * 60 * second
  const gift = (id: number, created: number | string | null) => ({
    id,
    created_at: typeof created === "number" ? iso(created) : created
  })
  const summary = (result: Poller.PollResult) =>
    result.events.map((item) => `${item.event.eventType}:${item.event.objectId}`)

  it.effect("reports a record created after enabling once, on the priming listing", () =>
    Effect.gen(function* () {
      const rows = [gift(1, enabled - 3_600 * second), gift(2, enabled + 5 * 60 * second)]
      const { source } = listing(() => rows)
      const priming = yield* pollWith(source, Poller.initialState(enabled), firstPoll, dated)
      assert.deepStrictEqual(summary(priming), ["CREATED:2"])
      assert.strictEqual(priming.stats.created, 1)
      assert.deepStrictEqual(priming.events[0]!.record, rows[1])
      assert.strictEqual(priming.events[0]!.event.date, iso(enabled + 5 * 60 * second))
      const next = yield* pollWith(source, priming.state, firstPoll + 60 * second, dated)
      assert.deepStrictEqual(summary(next), [])
      assert.strictEqual(next.stats.duplicates, 2)
    })
  )

  it.effect("reads the window as the watermark less pollDelay, less one unit of the created pattern", () =>
    Effect.gen(function* () {
      const since = enabled - 60 * second
      const rows = [
        gift(1, since - 2 * second),
        gift(2, since - second),
        gift(3, since),
        gift(4, enabled - 10 * 60 * second)
      ]
      const { source } = listing(() => rows)
      const priming = yield* pollWith(source, Poller.initialState(enabled), firstPoll, dated)
      assert.deepStrictEqual(summary(priming), ["CREATED:2", "CREATED:3"])
    })
  )

  it.effect("keeps records created before enabling as the baseline", () =>
    Effect.gen(function* () {
      let rows: Array<unknown> = [gift(1, enabled - 3_600 * second), gift(2, enabled - 5 * 60 * second)]
      const { source } = listing(() => rows)
      const priming = yield* pollWith(source, Poller.initialState(enabled), firstPoll, dated)
      assert.deepStrictEqual(summary(priming), [])
      rows = [...rows, gift(3, firstPoll + 30 * second)]
      const next = yield* pollWith(source, priming.state, firstPoll + 60 * second, dated)
      assert.deepStrictEqual(summary(next), ["CREATED:3"])
    })
  )

  it.effect("stays baseline only without a created date field, or with a missing or unreadable date", () =>
    Effect.gen(function* () {
      const recent = enabled + 5 * 60 * second
      const withoutField = listing(() => [gift(1, recent)])
      const noField = yield* pollWith(
        withoutField.source,
        Poller.initialState(enabled),
        firstPoll,
        undatedEntry
      )
      assert.deepStrictEqual(summary(noField), [])
      const rows = [gift(1, null), gift(2, "not a date"), gift(3, ""), { id: 4 }, gift(5, recent)]
      const { source } = listing(() => rows)
      const priming = yield* pollWith(source, Poller.initialState(enabled), firstPoll, dated)
      assert.deepStrictEqual(summary(priming), ["CREATED:5"])
      assert.strictEqual(priming.stats.unreadableDates, 1)
      const next = yield* pollWith(source, priming.state, firstPoll + 60 * second, dated)
      assert.deepStrictEqual(summary(next), [])
    })
  )

  it.effect("repeats the same event ids when the priming poll is run again before its commit", () =>
    Effect.gen(function* () {
      const rows = [
        gift(1, enabled + 60 * second),
        gift(2, enabled + 120 * second),
        gift(3, enabled - 3_600 * second)
      ]
      const { source } = listing(() => rows)
      const state = Poller.initialState(enabled)
      const crashed = yield* pollWith(source, state, firstPoll, dated)
      const replayed = yield* pollWith(source, state, firstPoll + 30 * second, dated)
      assert.deepStrictEqual(summary(crashed), ["CREATED:1", "CREATED:2"])
      assert.deepStrictEqual(
        replayed.events.map((item) => item.event.id),
        crashed.events.map((item) => item.event.id)
      )
      // The ids are the same as a primed poll would give the same records: one id per version.
      const primed = yield* pollWith(listing(() => []).source, Poller.initialState(enabled), firstPoll, dated)
      const later = yield* pollWith(source, primed.state, firstPoll, dated)
      assert.deepStrictEqual(summary(later), ["CREATED:1", "CREATED:2", "CREATED:3"])
      assert.deepStrictEqual(
        later.events.slice(0, 2).map((item) => item.event.id),
        crashed.events.map((item) => item.event.id)
      )
    })
  )
})

describe("Poller.fromConnection", () => {
  it("reads tombstones only for resources that declare them", () => {
    const calls: Array<string> = []
    const connection = {
      connector: {
        resources: {
          contacts: Resource.make({
            path: "/contacts",
            id: "id",
            tombstones: {
              param: "deleted_since",
              format: "yyyy-MM-dd'T'HH:mm:ss'Z'",
              deletedField: "deleted_at"
            }
          }),
          ledger: Resource.make({ path: "/ledger_accounts", id: "id" })
        }
      },
      query: (url: string) => {
        calls.push(`query ${url}`)
        return Stream.empty
      },
      tombstones: (resource: string, since: number) => {
        calls.push(`tombstones ${resource} ${since}`)
        return Stream.empty
      }
    } as unknown as Connection.Connection
    const contacts = Poller.fromConnection(connection, "contacts")
    assert.strictEqual(contacts.tombstones?.deletedField, "deleted_at")
    contacts.query("/hubs/finance/contacts")
    contacts.tombstones?.since(5)
    assert.strictEqual(Poller.fromConnection(connection, "ledger").tombstones, undefined)
    assert.deepStrictEqual(calls, ["query /hubs/finance/contacts", "tombstones contacts 5"])
  })
})
