/**
 * What a poll cannot handle is shown, never passed over (reliability.md "Polling"), on a real
 * database (SQLite, and PostgreSQL when it answers): a stored poller state that cannot be read fails
 * the poll — cursor kept as stored, failure counted with a backoff, an error log, the status API
 * showing it — until events are disabled and enabled again, which starts that resource afresh; and
 * records without an id, unreadable dates and a listing that changed under the poll are a warning
 * log and counters.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import * as EventJson from "../../src/engine/EventJson.js"
import * as RunnerMetrics from "../../src/metrics/RunnerMetrics.js"
import { postgresReachable } from "../support/Backends.js"
import { sample } from "../support/PrometheusText.js"
import { disable, events, pollNow, schedules, status } from "./EngineCalls.js"
import { type Backend, type Harness, startEngine, type VendorRecord } from "./EngineHarness.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

/** A state that is valid JSON but not a poller state: the watermark is not a number. */
const CORRUPT = '{"version":1,"watermark":"yesterday","seen":[],"heldPolls":0,"failures":0}'

/** What `GET /instances/{id}/events/status` answers for the instance. */
const apiStatus = (instanceId: number) =>
  Effect.gen(function* () {
    const delivery = yield* status(instanceId)
    return EventJson.presentStatus(instanceId, delivery, yield* schedules(instanceId))
  })

/** The value of one sample of the runner's metrics with exactly these labels (0 when absent). */
const metric = async (engine: Harness, name: string, labels: Record<string, string>): Promise<number> =>
  sample(await engine.run(RunnerMetrics.exposition), name, labels) ?? 0

describe.each(backends)("poll problems on %s", (backend) => {
  let engine: Harness

  /** An enabled instance whose first (empty) poll has been committed. */
  const polledInstance = async () => {
    const id = await engine.addInstance({ url: "http://127.0.0.1:9/unused" })
    await engine.enable(id)
    await engine.waitFor("first poll", schedules(id), (rows) => rows[0]?.lastSuccessAt !== null)
    return id
  }

  const logsOf = (id: number) => engine.logs.filter((entry) => entry.message.includes(`poll of ${id}/`))

  beforeAll(async () => {
    engine = await startEngine(backend)
  })
  afterAll(async () => {
    await engine?.dispose()
  })

  it("fails the polls of an unreadable state, keeping it as stored, until events are enabled again", async () => {
    const id = await polledInstance()
    await engine.run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE poll_schedule SET state = ${CORRUPT} WHERE instance_id = ${id}`
      })
    )
    const pollsBefore = engine.vendor.polls
    engine.vendor.add(1, "while-unreadable")
    const started = Date.now()
    await engine.run(pollNow(id))
    const [failed] = await engine.waitFor("the failure", schedules(id), (rows) => rows[0]?.failures === 1)
    assert.strictEqual(failed!.state, CORRUPT, "the stored state is left exactly as it was")
    assert.match(failed!.lastError ?? "", /poller state is unreadable \(Expected number at \["watermark"\]\)/)
    assert.include(failed!.lastError ?? "", "disabled and enabled again")
    // The 15-minute interval is the first backoff, as for any failing poll.
    assert.isAtLeast(failed!.backoffUntil ?? 0, started + 15 * 60_000)
    assert.strictEqual(failed!.nextRunAt, failed!.backoffUntil)
    assert.strictEqual(engine.vendor.polls, pollsBefore, "the vendor is not read with a guessed cursor")
    assert.deepStrictEqual(await engine.run(events(id)), [])

    const status = await engine.run(apiStatus(id))
    assert.strictEqual(status.pollers[0]!.failures, 1)
    assert.include(status.pollers[0]!.lastError ?? "", "unreadable")
    assert.isString(status.pollers[0]!.backoffUntil)

    const logged = logsOf(id)
    assert.deepStrictEqual(
      logged.map((entry) => entry.level),
      ["Error"],
      JSON.stringify(logged)
    )
    assert.include(logged[0]!.message, `poll of ${id}/accounts failed`)
    assert.include(logged[0]!.message, "watermark")

    // Polling again (the trigger skips the backoff) fails again, backing off further.
    await engine.run(pollNow(id))
    const [again] = await engine.waitFor(
      "the second failure",
      schedules(id),
      (rows) => rows[0]?.failures === 2
    )
    assert.strictEqual(again!.state, CORRUPT)
    assert.isAtLeast(again!.backoffUntil ?? 0, started + 30 * 60_000)

    // Saving the configuration while events stay on is no way out: the state is not replaced.
    await engine.enable(id)
    const [saved] = await engine.run(schedules(id))
    assert.strictEqual(saved!.state, CORRUPT)
    assert.strictEqual(saved!.failures, 2)

    // Disabling and enabling events starts the resource afresh from then.
    await engine.run(disable(id))
    const reenabled = Date.now()
    assert.deepStrictEqual(await engine.enable(id), ["accounts"])
    const [restarted] = await engine.run(schedules(id))
    assert.isAtLeast(JSON.parse(restarted!.state).watermark, reenabled)
    assert.strictEqual(restarted!.failures, 0)
    assert.isNull(restarted!.lastError)
    assert.isNull(restarted!.backoffUntil)
    assert.isTrue(
      engine.logs.some(
        (entry) =>
          entry.level === "Warn" &&
          entry.message.includes(`instance ${id}, resource 'accounts' was unreadable`) &&
          entry.message.includes("starts afresh")
      )
    )
    await engine.waitFor(
      "a successful poll",
      schedules(id),
      (rows) => (rows[0]?.lastSuccessAt ?? 0) >= reenabled
    )
    engine.vendor.add(1, "after-reenable")
    await engine.run(pollNow(id))
    const after = await engine.waitFor("the new record's event", events(id), (list) => list.length === 1)
    assert.match(after[0]!.objectId, /^after-reenable/)
  })

  it("logs and counts records without an id, unreadable dates and a listing that changed", async () => {
    const id = await polledInstance()
    const labels = { element: "fakecrm", resource: "accounts" }
    const skippedBefore = await metric(engine, "plugboard_poll_records_skipped_total", {
      ...labels,
      reason: "no_id"
    })
    const unreadableBefore = await metric(engine, "plugboard_poll_unreadable_dates_total", labels)
    const heldBefore = await metric(engine, "plugboard_polls_held_total", labels)
    const clean = engine.logs.length
    const [cleanRecord] = engine.vendor.add(1, "clean")
    await engine.run(pollNow(id))
    await engine.waitFor("the clean record", events(id), (list) => list.length === 1)
    assert.deepStrictEqual(
      engine.logs.slice(clean).filter((entry) => entry.message.includes(`poll of ${id}/`)),
      [],
      "a clean poll reports nothing"
    )

    const at = new Date().toISOString()
    const later = new Date(Date.now() + 1).toISOString()
    const odd = [
      { name: "No id", created_at: at, updated_at: at },
      { id: "bad-date", name: "Bad date", created_at: at, updated_at: "the day after tomorrow" },
      { id: "twice", name: "Twice", created_at: at, updated_at: at },
      { id: "twice", name: "Twice*", created_at: at, updated_at: later }
    ] as unknown as ReadonlyArray<VendorRecord>
    engine.vendor.records.push(...odd)
    try {
      const before = engine.logs.length
      await engine.run(pollNow(id))
      const [warning] = await engine.waitFor(
        "the warning",
        Effect.sync(() =>
          engine.logs.slice(before).filter((entry) => entry.message.includes(`poll of ${id}/`))
        ),
        (entries) => entries.length > 0
      )
      assert.strictEqual(warning!.level, "Warn")
      assert.include(warning!.message, `poll of ${id}/accounts: `)
      assert.include(warning!.message, "1 record(s) without an id at idField 'id' were not emitted")
      assert.include(warning!.message, "1 date value(s) could not be read (first: updated_at")
      assert.include(
        warning!.message,
        "the listing changed during the poll, so the watermark stayed (1 poll(s) in a row)"
      )

      assert.strictEqual(
        await metric(engine, "plugboard_poll_records_skipped_total", { ...labels, reason: "no_id" }),
        skippedBefore + 1
      )
      assert.strictEqual(
        await metric(engine, "plugboard_poll_unreadable_dates_total", labels),
        unreadableBefore + 1
      )
      assert.strictEqual(await metric(engine, "plugboard_polls_held_total", labels), heldBefore + 1)
      // The records that have an id are still emitted; the one without cannot be.
      const stored = await engine.waitFor("the odd records' events", events(id), (list) => list.length >= 3)
      assert.sameMembers(
        [...new Set(stored.map((event) => event.objectId))],
        [cleanRecord!.id, "bad-date", "twice"]
      )
    } finally {
      engine.vendor.records = engine.vendor.records.filter((record) => !odd.includes(record))
    }
  })
})
