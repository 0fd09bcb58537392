/**
 * Claims of polls and deliveries on a real database (SQLite, and PostgreSQL when it answers): a
 * live runner renews the leases of its work in flight, so a poll slower than its lease is neither
 * taken again nor dropped; a claim nobody renews (its runner died) is taken over once its lease
 * lapses; renewal extends only the claims still held; and an instance deleted while its poll runs
 * ends that poll quietly instead of logging an error.
 */
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { Outbox } from "../../src/engine/Outbox.js"
import { ScheduleStore } from "../../src/engine/ScheduleStore.js"
import { postgresReachable } from "../support/Backends.js"
import { sleep } from "../support/Until.js"
import { events, pollNow, schedules } from "./EngineCalls.js"
import { type Backend, type Harness, startEngine, testOptions } from "./EngineHarness.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

describe.each(backends)("claim leases on %s", (backend) => {
  let engine: Harness
  let callback: CallbackReceiver.CallbackReceiver

  const polledInstance = async () => {
    const id = await engine.addInstance({ url: callback.url })
    await engine.enable(id)
    await engine.waitFor("first poll", schedules(id), (rows) => rows[0]?.lastSuccessAt !== null)
    return id
  }

  beforeAll(async () => {
    engine = await startEngine(backend)
    callback = await CallbackReceiver.start()
  })
  afterAll(async () => {
    await engine?.dispose()
    await callback?.close()
  })

  it("renews a live poll's claim: a poll four leases long runs once and commits", async () => {
    const id = await polledInstance()
    const pollsBefore = engine.vendor.polls
    engine.vendor.add(3, "slow")
    engine.vendor.delayMillis = testOptions.pollLease * 4
    try {
      await engine.run(pollNow(id))
      const stored = await engine.waitFor(
        "the slow poll's events",
        events(id),
        (list) => list.length === 3,
        20_000
      )
      assert.strictEqual(stored.length, 3)
      assert.strictEqual(engine.vendor.polls - pollsBefore, 1, "the poll was claimed again while it ran")
      assert.isFalse(
        engine.logs.some(
          (entry) => entry.message.includes(`poll of ${id}/`) && entry.message.includes("claim")
        ),
        "the slow poll lost its claim"
      )
    } finally {
      engine.vendor.delayMillis = 0
    }
  }, 30_000)

  it("takes over a poll claimed by a runner that stopped renewing, once its lease lapses", async () => {
    const id = await polledInstance()
    const pollsBefore = engine.vendor.polls
    const claimedAt = Date.now()
    // What a runner killed mid-poll leaves behind: a claim that nobody renews.
    await engine.run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE poll_schedule SET claim_token = ${"dead-runner"}, next_run_at = ${claimedAt + testOptions.pollLease}
          WHERE instance_id = ${id}`
      })
    )
    engine.vendor.add(2, "orphan")
    const stored = await engine.waitFor(
      "the orphaned poll, taken over",
      events(id),
      (list) => list.length === 2
    )
    const tookOver = Date.now() - claimedAt
    assert.strictEqual(stored.length, 2)
    assert.isAtLeast(tookOver, testOptions.pollLease, "the claim was taken before its lease lapsed")
    assert.isBelow(tookOver, testOptions.pollLease + 3_000, "the lapsed claim waited too long")
    assert.isAtLeast(engine.vendor.polls - pollsBefore, 1)
    const [row] = await engine.run(schedules(id))
    assert.isNull(row!.claimToken)
  })

  it("renews only the claims still held, on polls and on notifications", async () => {
    const id = await polledInstance()
    const outcome = await engine.run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const store = yield* ScheduleStore
        const outbox = yield* Outbox
        const far = Date.now() + 3_600_000
        // Leased for a minute, as a claim in flight: not due, so the running loop leaves it alone.
        const leased = Date.now() + 60_000
        yield* sql`UPDATE poll_schedule SET claim_token = ${"mine"}, next_run_at = ${leased} WHERE instance_id = ${id}`
        yield* store.renew({ tokens: ["mine"], leaseUntil: far })
        const renewed = (yield* store.list(id))[0]!
        yield* store.renew({ tokens: ["someone-else"], leaseUntil: far + 1 })
        const untouched = (yield* store.list(id))[0]!
        yield* store.postpone({ instanceId: id, resource: renewed.resource, token: "mine", nextRunAt: far })
        yield* outbox.insert([
          {
            notificationId: `renew-${id}`,
            instanceId: id,
            partition: renewed.partition,
            body: "{}",
            eventCount: 1,
            status: "PENDING",
            deliverAt: far,
            position: 0,
            now: 0
          }
        ])
        yield* sql`UPDATE event_outbox SET claim_token = ${"mine"}, leased_until = ${leased} WHERE notification_id = ${`renew-${id}`}`
        yield* outbox.renew({ tokens: ["mine"], leaseUntil: far })
        yield* outbox.renew({ tokens: ["someone-else"], leaseUntil: far + 1 })
        const [lease] = yield* sql<{
          leased_until: unknown
        }>`SELECT leased_until FROM event_outbox WHERE notification_id = ${`renew-${id}`}`
        yield* outbox.removeInstance(id)
        return { renewed, untouched, leasedUntil: Number(lease!.leased_until), far }
      })
    )
    assert.strictEqual(outcome.renewed.nextRunAt, outcome.far)
    assert.strictEqual(outcome.untouched.nextRunAt, outcome.far)
    assert.strictEqual(outcome.leasedUntil, outcome.far)
  })

  it("ends a poll whose instance is deleted mid-way quietly, without an error", async () => {
    const id = await polledInstance()
    const pollsBefore = engine.vendor.polls
    engine.vendor.add(2, "vanishing")
    engine.vendor.delayMillis = 1_000
    try {
      await engine.run(pollNow(id))
      await engine.waitFor(
        "the poll under way",
        Effect.sync(() => engine.vendor.polls),
        (polls) => polls > pollsBefore
      )
      await engine.run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`DELETE FROM instances WHERE id = ${id}`
        })
      )
      await engine.waitFor(
        "the poll's end",
        Effect.sync(() => engine.logs.filter((entry) => entry.message.includes(`poll of ${id}/`))),
        (entries) => entries.length > 0
      )
      await sleep(200)
      const mine = engine.logs.filter(
        (entry) => entry.message.includes(`poll of ${id}/`) || entry.message.includes("unit failed")
      )
      assert.deepStrictEqual(
        mine.map((entry) => entry.level),
        ["Info"],
        JSON.stringify(mine)
      )
      assert.include(mine[0]!.message, "the instance was deleted")
      assert.deepStrictEqual(await engine.run(events(id)), [])
    } finally {
      engine.vendor.delayMillis = 0
    }
  })
})
