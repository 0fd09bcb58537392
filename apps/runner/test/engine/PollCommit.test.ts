/**
 * Polls, cursors and the outbox on a real database (SQLite, and PostgreSQL when it answers): events
 * and the cursor are committed together, a poll cut short before its commit repeats with the same
 * event ids, a restart delivers what was committed, failures keep the cursor and back off, and
 * enabling, disabling and removing keep or drop exactly what they say.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { PollScheduler } from "../../src/engine/PollScheduler.js"
import { postgresReachable } from "../support/Backends.js"
import { disable, events, pollNow, schedules, status } from "./EngineCalls.js"
import { type Backend, connector, type Harness, startEngine } from "./EngineHarness.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

describe.each(backends)("polls and the outbox on %s", (backend) => {
  let engine: Harness
  let callback: CallbackReceiver.CallbackReceiver

  /** An enabled instance whose first (empty) poll has been committed. */
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

  it("stores the poller entry with defaults and a cursor starting when events were enabled", async () => {
    const before = Date.now()
    const id = await engine.addInstance({ url: callback.url }, { refreshMinutes: "0.5" })
    await engine.enable(id)
    const [row] = await engine.run(schedules(id))
    assert.strictEqual(row!.resource, "accounts")
    assert.strictEqual(row!.intervalMillis, 30_000)
    assert.isTrue(row!.active)
    assert.strictEqual(JSON.parse(row!.entry).idField, "id")
    assert.isAtLeast(JSON.parse(row!.state).watermark, before)
  })

  it("refuses an invalid poller configuration, naming the key", async () => {
    const id = await engine.addInstance({ url: callback.url })
    const error = await engine.run(
      Effect.gen(function* () {
        const scheduler = yield* PollScheduler
        const { Configuration } = yield* Effect.promise(() => import("@plugboard/core"))
        return yield* scheduler.enable({
          instanceId: id,
          connector,
          configuration: new Configuration.Configuration(
            new Map([
              ["event.poller.refresh_interval", "soon"],
              ["event.poller.configuration", "{}"]
            ])
          )
        })
      }).pipe(Effect.flip)
    )
    assert.match(error.message, /event\.poller\.refresh_interval.*soon/)
    assert.deepStrictEqual(await engine.run(schedules(id)), [])
  })

  it("repeats a poll cut short before its commit, with the same event ids, and delivers each once", async () => {
    const id = await polledInstance()
    const pollsBefore = engine.vendor.results.length
    engine.vendor.crashNext = true
    engine.vendor.add(4, "crash")
    await engine.run(pollNow(id))
    // The crashed poll computed events but committed nothing; its claim holds until the lease ends.
    const crashed = await engine.waitFor(
      "the crashed poll",
      Effect.sync(() => engine.vendor.results.slice(pollsBefore).find((ids) => ids.length > 0)),
      (ids) => ids !== undefined
    )
    assert.strictEqual((await engine.run(events(id))).length, 0)
    const stored = await engine.waitFor("the repeated poll", events(id), (list) => list.length === 4, 10_000)
    assert.sameMembers(
      stored.map((event) => event.id),
      [...crashed!]
    )
    await engine.waitFor("delivered", events(id), (list) =>
      list.every((event) => event.status === "NOTIFIED")
    )
    const bodies = callback.received.filter(
      (request) =>
        (request.json as { message?: { instanceId?: number } } | undefined)?.message?.instanceId === id
    )
    assert.strictEqual(bodies.length, 1)
  })

  it("delivers after a restart what was committed before it", async () => {
    const id = await polledInstance()
    callback.respondWith(() => 500)
    engine.vendor.add(3, "restart")
    await engine.run(pollNow(id))
    await engine.waitFor(
      "an attempt made",
      events(id),
      (list) => list.length === 3 && list[0]!.status === "DISPATCHED"
    )
    engine = await engine.restart()
    callback.respondWith(() => 200)
    const stored = await engine.waitFor(
      "delivered after restart",
      events(id),
      (list) => list.length === 3 && list.every((event) => event.status === "NOTIFIED")
    )
    assert.strictEqual(stored.length, 3)
  })

  it("keeps the cursor of a failing poll, counts the failure and backs off; a success clears it", async () => {
    const id = await polledInstance()
    const [before] = await engine.run(schedules(id))
    engine.vendor.failures = 1
    const started = Date.now()
    await engine.run(pollNow(id))
    const [failed] = await engine.waitFor("a failure", schedules(id), (rows) => rows[0]?.failures === 1)
    assert.strictEqual(failed!.lastError, "the vendor answered 503")
    assert.strictEqual(JSON.parse(failed!.state).watermark, JSON.parse(before!.state).watermark)
    assert.isAtLeast(failed!.backoffUntil ?? 0, started + 15 * 60_000)
    assert.strictEqual(failed!.nextRunAt, failed!.backoffUntil)

    engine.vendor.add(1, "recovered")
    await engine.run(pollNow(id))
    const [recovered] = await engine.waitFor("a success", schedules(id), (rows) => rows[0]?.failures === 0)
    assert.isNull(recovered!.lastError)
    assert.isNull(recovered!.backoffUntil)
    await engine.waitFor("the event", events(id), (list) => list.length === 1)
  })

  it("stops on disable and resumes from the same cursor on enable, without replaying", async () => {
    const id = await polledInstance()
    engine.vendor.add(1, "before-disable")
    await engine.run(pollNow(id))
    await engine.waitFor("first event", events(id), (list) => list.length === 1)
    await engine.run(disable(id))
    assert.deepStrictEqual(await engine.run(pollNow(id)), [])
    engine.vendor.add(1, "while-disabled")
    await engine.enable(id)
    const after = await engine.waitFor(
      "the change made while disabled",
      events(id),
      (list) => list.length === 2
    )
    assert.strictEqual(new Set(after.map((event) => event.id)).size, 2)
    assert.deepStrictEqual(await engine.run(pollNow(id, "contacts")), [])
  })

  it("removes an instance's schedule, events and notifications", async () => {
    const id = await polledInstance()
    engine.vendor.add(1, "removed")
    await engine.run(pollNow(id))
    await engine.waitFor("an event", events(id), (list) => list.length === 1)
    await engine.run(
      Effect.gen(function* () {
        const scheduler = yield* PollScheduler
        yield* scheduler.remove(id)
      })
    )
    assert.deepStrictEqual(await engine.run(schedules(id)), [])
    assert.deepStrictEqual(await engine.run(events(id)), [])
    const state = await engine.run(status(id))
    assert.deepStrictEqual(state.notifications, { PENDING: 0, DELIVERED: 0, FAILED: 0, QUEUED: 0 })
  })

  it("finishes a delivery in flight when it shuts down, and does not send it again", async () => {
    const requests: Array<number> = []
    const slow = createServer((request, response) => {
      requests.push(Date.now())
      request.resume()
      setTimeout(() => response.writeHead(200).end("{}"), 400)
    })
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve))
    const { port } = slow.address() as AddressInfo
    try {
      const id = await engine.addInstance({ url: `http://127.0.0.1:${port}/slow` })
      await engine.enable(id)
      engine.vendor.add(1, "in-flight")
      await engine.run(pollNow(id))
      await engine.waitFor(
        "the request in flight",
        Effect.sync(() => requests.length),
        (count) => count === 1
      )
      engine = await engine.restart()
      const [event] = await engine.run(events(id))
      assert.strictEqual(event!.status, "NOTIFIED")
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.strictEqual(requests.length, 1)
    } finally {
      slow.closeAllConnections()
      await new Promise((resolve) => slow.close(resolve))
    }
  })
})
