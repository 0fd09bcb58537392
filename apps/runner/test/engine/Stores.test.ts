/**
 * The engine's tables without its loops, on SQLite and PostgreSQL: claims are exclusive and fenced
 * by their token, due rows come back in order, and the outbox keeps an instance's notifications in
 * the order a poll found them.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { EventStore } from "../../src/engine/EventStore.js"
import { Outbox } from "../../src/engine/Outbox.js"
import * as Retention from "../../src/engine/Retention.js"
import { ScheduleStore } from "../../src/engine/ScheduleStore.js"
import { postgresReachable } from "../support/Backends.js"
import { type Backend, type Harness, startEngine } from "./EngineHarness.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

describe.each(backends)("engine stores on %s", (backend) => {
  let engine: Harness

  beforeAll(async () => {
    engine = await startEngine(backend, { loops: false })
  })
  afterAll(async () => {
    await engine?.dispose()
  })

  const put = (instanceId: number, resource: string, now: number) =>
    Effect.gen(function* () {
      const store = yield* ScheduleStore
      yield* store.put({
        instanceId,
        partition: 7,
        resource,
        entry: "{}",
        intervalMillis: 60_000,
        initialState: '{"cursor":0}',
        now
      })
    })

  it("fences a poll's commit by its claim: a lapsed claim can no longer write", async () => {
    const id = await engine.addInstance({ url: "http://example.com" })
    const outcome = await engine.run(
      Effect.gen(function* () {
        const store = yield* ScheduleStore
        yield* put(id, "accounts", 1_000)
        const first = yield* store.claim({
          partitions: [7],
          limit: 10,
          now: 1_000,
          leaseUntil: 2_000,
          token: "first"
        })
        const during = yield* store.claim({
          partitions: [7],
          limit: 10,
          now: 1_500,
          leaseUntil: 9_000,
          token: "early"
        })
        const second = yield* store.claim({
          partitions: [7],
          limit: 10,
          now: 2_000,
          leaseUntil: 9_000,
          token: "second"
        })
        const base = {
          instanceId: id,
          resource: "accounts",
          state: '{"cursor":1}',
          nextRunAt: 70_000,
          eventCount: 0,
          now: 3_000
        }
        const stale = yield* store.succeed({ ...base, token: "first" })
        const fresh = yield* store.succeed({ ...base, token: "second" })
        const [row] = yield* store.list(id)
        return { first: first.length, during: during.length, second: second.length, stale, fresh, row: row! }
      })
    )
    assert.deepStrictEqual(
      {
        first: outcome.first,
        during: outcome.during,
        second: outcome.second,
        stale: outcome.stale,
        fresh: outcome.fresh
      },
      { first: 1, during: 0, second: 1, stale: false, fresh: true }
    )
    assert.strictEqual(outcome.row.state, '{"cursor":1}')
    assert.strictEqual(outcome.row.nextRunAt, 70_000)
    assert.isNull(outcome.row.claimToken)
  })

  it("keeps the cursor of a resource enabled again, and polls it at once", async () => {
    const id = await engine.addInstance({ url: "http://example.com" })
    const row = await engine.run(
      Effect.gen(function* () {
        const store = yield* ScheduleStore
        yield* put(id, "contacts", 10_000)
        const [claimed] = yield* store.claim({
          partitions: [7],
          limit: 10,
          now: 10_000,
          leaseUntil: 20_000,
          token: "t"
        })
        yield* store.succeed({
          instanceId: id,
          resource: "contacts",
          token: "t",
          state: '{"cursor":5}',
          nextRunAt: 70_000,
          eventCount: 1,
          now: 11_000
        })
        yield* store.deactivate(id)
        yield* put(id, "contacts", 12_000)
        const [after] = yield* store.list(id)
        return { claimed: claimed!, after: after! }
      })
    )
    assert.strictEqual(row.after.state, '{"cursor":5}')
    assert.isTrue(row.after.active)
    assert.strictEqual(row.after.nextRunAt, 12_000)
  })

  it("claims notifications in poll order, skips busy instances, and releases untouched", async () => {
    const [a, b] = [
      await engine.addInstance({ url: "http://example.com" }),
      await engine.addInstance({ url: "http://example.com" })
    ]
    const outcome = await engine.run(
      Effect.gen(function* () {
        const outbox = yield* Outbox
        const entry = (instanceId: number, id: string, position: number) => ({
          notificationId: `${backend}-${id}`,
          instanceId,
          partition: 11,
          body: "{}",
          eventCount: 1,
          status: "PENDING" as const,
          deliverAt: 5_000,
          position,
          now: 5_000
        })
        yield* outbox.insert([entry(a!, "a2", 2), entry(a!, "a0", 0), entry(b!, "b0", 0), entry(a!, "a1", 1)])
        const busy = yield* outbox.claim({
          partitions: [11],
          busy: [a!],
          limit: 10,
          now: 6_000,
          leaseUntil: 60_000,
          token: "x"
        })
        const rest = yield* outbox.claim({
          partitions: [11],
          busy: [],
          limit: 10,
          now: 6_000,
          leaseUntil: 60_000,
          token: "y"
        })
        const none = yield* outbox.claim({
          partitions: [11],
          busy: [],
          limit: 10,
          now: 6_000,
          leaseUntil: 60_000,
          token: "z"
        })
        yield* outbox.release(
          rest.map((e) => e.notificationId),
          "y"
        )
        const again = yield* outbox.claim({
          partitions: [11],
          busy: [],
          limit: 10,
          now: 6_000,
          leaseUntil: 60_000,
          token: "w"
        })
        return {
          busy: busy.map((e) => e.notificationId),
          rest: rest.map((e) => e.notificationId),
          none: none.length,
          again: again.length
        }
      })
    )
    assert.deepStrictEqual(outcome.busy, [`${backend}-b0`])
    assert.deepStrictEqual(outcome.rest, [`${backend}-a0`, `${backend}-a1`, `${backend}-a2`])
    assert.strictEqual(outcome.none, 0)
    assert.strictEqual(outcome.again, 3)
  })

  it("deletes delivered notifications and notified events past the retention period, nothing else", async () => {
    const id = await engine.addInstance({ url: "http://example.com" })
    const outcome = await engine.run(
      Effect.gen(function* () {
        const outbox = yield* Outbox
        const events = yield* EventStore
        const old = 1_000
        const notification = (name: string) => ({
          notificationId: `${backend}-${name}`,
          instanceId: id,
          partition: 3,
          body: "{}",
          eventCount: 1,
          status: "PENDING" as const,
          deliverAt: old,
          position: 0,
          now: old
        })
        yield* outbox.insert([notification("old-delivered"), notification("old-failed")])
        yield* outbox.claim({
          partitions: [3],
          busy: [],
          limit: 10,
          now: old,
          leaseUntil: old + 10,
          token: "t"
        })
        const settled = { token: "t", attempts: 1, deliverAt: old, httpStatus: 200, error: null, now: old }
        yield* outbox.settle({ ...settled, notificationId: `${backend}-old-delivered`, status: "DELIVERED" })
        yield* outbox.settle({ ...settled, notificationId: `${backend}-old-failed`, status: "FAILED" })
        const event = (eventId: string, status: "NOTIFIED" | "FAILED", now: number) => ({
          id: eventId,
          instanceId: id,
          resource: "accounts",
          objectId: eventId,
          eventType: "CREATED",
          eventDate: "2026-11-22T10:00:00Z",
          status,
          notificationId: `${backend}-${eventId}`,
          event: { id: eventId },
          record: { id: eventId },
          now
        })
        yield* events.insert([
          event("old", "NOTIFIED", old),
          event("failed", "FAILED", old),
          event("new", "NOTIFIED", Date.now())
        ])
        const pruned = yield* Retention.prune
        const left = yield* events.list({ instanceIds: [id], offset: 0, limit: 10 })
        return { pruned, left: left.map((e) => e.id).sort(), summary: yield* outbox.summary(id) }
      })
    )
    assert.isAtLeast(outcome.pruned.events, 1)
    assert.isAtLeast(outcome.pruned.notifications, 1)
    assert.deepStrictEqual(outcome.left, ["failed", "new"])
    assert.deepStrictEqual(outcome.summary, { PENDING: 0, DELIVERED: 0, FAILED: 1, QUEUED: 0 })
  })
})
