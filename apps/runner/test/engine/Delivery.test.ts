/**
 * Polls to callbacks end to end on a real database (SQLite, and PostgreSQL when it answers): signed
 * notifications of at most 10 events with Basic auth, retries with the same `webhook-id`,
 * `Retry-After` on 429 and 503 kept within 1×–2× of the scheduled delay, a 410 that pauses the subscription, `FAILED` + paused + `QUEUED` after the last
 * retry, and redelivery.
 */
import { WebhookSignature } from "@plugboard/core"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { SqlClient } from "effect/sql"
import { Deliveries } from "../../src/engine/Deliveries.js"
import { postgresReachable } from "../support/Backends.js"
import { events, pollNow, schedules, status } from "./EngineCalls.js"
import { type Backend, type Harness, startEngine } from "./EngineHarness.js"

// Notification bodies are read loosely: the assertions check them field by field.
// biome-ignore lint/suspicious/noExplicitAny: JSON of the callback body
type Json = any

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const SIGNING_KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

const redeliver = (instanceId: number, eventIds?: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const deliveries = yield* Deliveries
    return yield* deliveries.redeliver(instanceId, eventIds)
  })

const messageOf = (request: CallbackReceiver.Received): Json => (request.json as Json).message

describe.each(backends)("event delivery on %s", (backend) => {
  let engine: Harness
  const receivers: Array<CallbackReceiver.CallbackReceiver> = []

  const receiver = async (responder?: CallbackReceiver.Responder) => {
    const started = await CallbackReceiver.start(responder)
    receivers.push(started)
    return started
  }

  /** An instance polling the fake vendor, enabled and past its first (empty) poll. */
  const instance = async (callback: Parameters<Harness["addInstance"]>[0]) => {
    const id = await engine.addInstance(callback)
    assert.deepStrictEqual(await engine.enable(id), ["accounts"])
    return id
  }

  beforeAll(async () => {
    engine = await startEngine(backend)
  })
  afterAll(async () => {
    await engine?.dispose()
    await Promise.all(receivers.map((started) => started.close()))
  })

  it("delivers new records as signed notifications of at most 10 events", async () => {
    const callback = await receiver()
    const id = await instance({
      url: `${callback.url}/hook`,
      signatureKey: SIGNING_KEY,
      basic: { username: "hook", password: "hook-password" }
    })
    engine.vendor.add(25)
    await engine.run(pollNow(id))
    const delivered = await callback.waitForDelivered(3)
    assert.deepStrictEqual(delivered.map((request) => messageOf(request).events.length).sort(), [10, 10, 5])
    for (const request of delivered) {
      const standard = WebhookSignature.verify({
        headers: request.headers as WebhookSignature.HeaderSource,
        body: request.rawBody,
        secrets: SIGNING_KEY,
        now: Date.now()
      })
      assert.isTrue(Result.isSuccess(standard), "webhook-signature verifies")
      const elements = WebhookSignature.verifyElements(
        SIGNING_KEY,
        request.rawBody,
        request.headers["elements-webhook-signature"] as string
      )
      assert.isTrue(Result.isSuccess(elements), "Elements-Webhook-Signature verifies")
      assert.strictEqual(request.path, "/hook")
      assert.strictEqual(request.headers["content-type"], "application/json")
      assert.strictEqual(request.headers["elements-webhook-id"], request.headers["webhook-id"])
      assert.strictEqual(
        request.headers.authorization,
        `Basic ${Buffer.from("hook:hook-password").toString("base64")}`
      )
      const message = messageOf(request)
      assert.strictEqual(message.instanceId, id)
      assert.strictEqual(message.instance_id, id)
      assert.strictEqual(message.elementKey, "fakecrm")
      assert.strictEqual(message.eventId, request.headers["webhook-id"])
      assert.strictEqual(message.raw.objectType, "accounts")
      assert.strictEqual(message.raw.accounts.length, message.events.length)
      assert.strictEqual(message.events[0].eventType, "CREATED")
      assert.strictEqual(message.events[0].hubKey, "crm")
    }
    const stored = await engine.waitFor(
      "events notified",
      events(id),
      (list) => list.length === 25 && list.every((event) => event.status === "NOTIFIED")
    )
    assert.strictEqual(new Set(stored.map((event) => event.id)).size, 25)
  })

  it("sends no signature headers without a key, and an UPDATED event for a changed record", async () => {
    const callback = await receiver()
    const id = await instance({ url: callback.url })
    const [record] = engine.vendor.add(1, "u")
    await engine.run(pollNow(id))
    await callback.waitForDelivered(1)
    engine.vendor.touch(record!.id)
    await engine.run(pollNow(id))
    const delivered = await callback.waitForDelivered(2)
    const types = delivered.map((request) => messageOf(request).events[0].eventType)
    assert.deepStrictEqual(types, ["CREATED", "UPDATED"])
    assert.isUndefined(delivered[0]!.headers["webhook-signature"])
    assert.isUndefined(delivered[0]!.headers["elements-webhook-signature"])
    assert.isUndefined(delivered[0]!.headers.authorization)
    assert.isString(delivered[0]!.headers["webhook-id"])
  })

  it("retries failures with the same webhook-id until the receiver accepts", async () => {
    const callback = await receiver((index) => (index < 2 ? 500 : 200))
    const id = await instance({ url: callback.url, signatureKey: "plain-key" })
    engine.vendor.add(1, "retry")
    await engine.run(pollNow(id))
    await callback.waitForDelivered(1)
    assert.deepStrictEqual(
      callback.received.map((request) => request.status),
      [500, 500, 200]
    )
    assert.strictEqual(new Set(callback.received.map((request) => request.headers["webhook-id"])).size, 1)
    const stored = await engine.waitFor(
      "event notified",
      events(id),
      (list) => list[0]?.status === "NOTIFIED"
    )
    assert.strictEqual(stored.length, 1)
  })

  it("treats a redirect as a failure and does not follow it", async () => {
    const target = await receiver()
    const callback = await receiver((index) =>
      index === 0 ? { status: 302, headers: { location: `${target.url}/elsewhere` } } : 200
    )
    const id = await instance({ url: callback.url })
    engine.vendor.add(1, "redirect")
    await engine.run(pollNow(id))
    await callback.waitForDelivered(1)
    assert.deepStrictEqual(
      callback.received.map((request) => request.status),
      [302, 200]
    )
    assert.strictEqual(target.received.length, 0)
  })

  describe("Retry-After on 429 and 503", () => {
    // A retry scheduled at 500 ms ± 20 % (400–600 ms), long enough to read the stored retry time
    // between the two attempts and for timer slack to be small beside it.
    const SCHEDULED = 500
    let slow: Harness

    beforeAll(async () => {
      slow = await startEngine(backend, { engine: { retrySchedule: [0, SCHEDULED, SCHEDULED] } })
    })
    afterAll(async () => {
      await slow?.dispose()
    })

    /** The wait the engine stored after the first attempt: `deliver_at` less the attempt's end. */
    const storedWait = (instanceId: number) =>
      slow
        .waitFor(
          "the first attempt settled",
          Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            return yield* sql<{
              attempts: unknown
              status: string
              deliver_at: unknown
              updated_at: unknown
            }>`
            SELECT attempts, status, deliver_at, updated_at FROM event_outbox WHERE instance_id = ${instanceId}`
          }),
          (rows) => rows.length === 1 && Number(rows[0]!.attempts) === 1 && rows[0]!.status === "PENDING"
        )
        .then(([row]) => Number(row!.deliver_at) - Number(row!.updated_at))

    // The rule: the wait is the receiver's Retry-After kept within 1×–2× of the scheduled delay d,
    // d itself 500 ms ± 20 %: 10 s is cut to 2d (800–1200 ms); 1 s is honoured, or 2d when that is
    // shorter (800–1000 ms); 0 s cannot hurry the retry below d (400–600 ms).
    const cases = [
      { status: 503, retryAfter: "10", min: 2 * 0.8 * SCHEDULED, max: 2 * 1.2 * SCHEDULED },
      { status: 429, retryAfter: "1", min: 2 * 0.8 * SCHEDULED, max: 1000 },
      { status: 429, retryAfter: "0", min: 0.8 * SCHEDULED, max: 1.2 * SCHEDULED }
    ] as const

    it("keeps the receiver's Retry-After within 1×–2× of the scheduled delay", async () => {
      const started = await Promise.all(
        cases.map(async (entry) => {
          const callback = await receiver((index) =>
            index === 0 ? { status: entry.status, headers: { "retry-after": entry.retryAfter } } : 200
          )
          const id = await slow.addInstance({ url: callback.url })
          assert.deepStrictEqual(await slow.enable(id), ["accounts"])
          // Past its first (empty) poll, so that the record below is the next poll's.
          await slow.waitFor("the first poll", schedules(id), (rows) => rows[0]?.lastSuccessAt !== null)
          return { ...entry, callback, id }
        })
      )
      slow.vendor.add(1, "later")
      for (const entry of started) await slow.run(pollNow(entry.id))
      // Read while each notification waits for its retry (at least 400 ms), all at once.
      const waits = await Promise.all(started.map((entry) => storedWait(entry.id)))
      for (const [index, entry] of started.entries()) {
        const label = `${entry.status} with Retry-After ${entry.retryAfter}`
        const wait = waits[index]!
        assert.isAtLeast(wait, entry.min, label)
        assert.isAtMost(wait, entry.max, label)
        await entry.callback.waitForDelivered(1)
        const [first, second] = entry.callback.received
        assert.deepStrictEqual([first!.status, second!.status], [entry.status, 200], label)
        // The retry really goes out then: not before (less the first request's own travel, a
        // few ms), and not much after (timer and claim slack).
        const waited = second!.receivedAt - first!.receivedAt
        assert.isAtLeast(waited, wait - 25, label)
        assert.isBelow(waited, wait + 500, label)
      }
    })
  })

  it("pauses the subscription on 410 and queues the instance's other events", async () => {
    const callback = await receiver(() => 410)
    const id = await instance({ url: callback.url })
    engine.vendor.add(12, "gone")
    await engine.run(pollNow(id))
    const paused = await engine.waitFor(
      "subscription paused",
      status(id),
      (state) => state.subscription.state === "paused"
    )
    assert.match(paused.subscription.reason ?? "", /410/)
    const settled = await engine.waitFor(
      "outbox settled",
      status(id),
      (state) => state.notifications.PENDING === 0
    )
    assert.strictEqual(settled.notifications.FAILED, 1)
    assert.strictEqual(settled.notifications.QUEUED, 1)
    assert.strictEqual(callback.received.length, 1)
    const stored = await engine.run(events(id))
    assert.strictEqual(stored.filter((event) => event.status === "FAILED").length, 10)
    assert.strictEqual(stored.filter((event) => event.status === "QUEUED").length, 2)
  })

  it("fails, pauses and queues after the last retry; a redelivery resumes and delivers everything", async () => {
    const callback = await receiver(() => 500)
    const id = await instance({ url: callback.url })
    engine.vendor.add(3, "down")
    await engine.run(pollNow(id))
    const paused = await engine.waitFor(
      "subscription paused",
      status(id),
      (state) => state.subscription.state === "paused"
    )
    assert.match(paused.subscription.reason ?? "", /no success after 4 attempts/)
    assert.strictEqual(callback.received.length, 4)
    const failed = await engine.run(events(id))
    assert.isTrue(failed.every((event) => event.status === "FAILED"))

    // While paused, new events are stored and queued, not sent.
    engine.vendor.add(2, "while-paused")
    await engine.run(pollNow(id))
    await engine.waitFor(
      "new events queued",
      events(id),
      (list) => list.filter((event) => event.status === "QUEUED").length === 2
    )
    assert.strictEqual(callback.received.length, 4)

    callback.respondWith(() => 200)
    assert.strictEqual(await engine.run(redeliver(id)), 2)
    await callback.waitForDelivered(2)
    const delivered = await engine.waitFor(
      "all notified",
      events(id),
      (list) => list.length === 5 && list.every((event) => event.status === "NOTIFIED")
    )
    assert.strictEqual(delivered.length, 5)
    const resumed = await engine.run(status(id))
    assert.strictEqual(resumed.subscription.state, "active")
    assert.strictEqual(resumed.notifications.DELIVERED, 2)
  })

  it("redelivers chosen events again, with their original webhook-id", async () => {
    const callback = await receiver()
    const id = await instance({ url: callback.url })
    engine.vendor.add(1, "again")
    await engine.run(pollNow(id))
    const [first] = await callback.waitForDelivered(1)
    const [event] = await engine.waitFor("notified", events(id), (list) => list[0]?.status === "NOTIFIED")
    assert.strictEqual(await engine.run(redeliver(id, [event!.id])), 1)
    const [, second] = await callback.waitForDelivered(2)
    assert.strictEqual(second!.headers["webhook-id"], first!.headers["webhook-id"])
    assert.strictEqual(second!.rawBody, first!.rawBody)
  })
})
