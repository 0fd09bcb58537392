/**
 * Events delivered per second, end to end with durable storage on embedded SQLite: polls commit
 * their events and notifications with the cursor, the delivery loop claims them, POSTs signed
 * notifications of 10 events to a receiver on loopback, and marks them delivered — every step a
 * committed write (WAL, `synchronous=NORMAL`). Target: ≥ 2,000 events/s on 2 cores.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { test } from "vitest"
import { EventStore } from "../src/engine/EventStore.js"
import { PollScheduler } from "../src/engine/PollScheduler.js"
import { startEngine } from "../test/engine/EngineHarness.js"

const INSTANCES = 10
const RECORDS_PER_INSTANCE = 2_000

test(`events delivered per second (${INSTANCES} instances × ${RECORDS_PER_INSTANCE} records, SQLite)`, async () => {
  let notifications = 0
  let events = 0
  const receiver = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      notifications += 1
      events += (
        JSON.parse(Buffer.concat(chunks).toString("utf8")) as { message: { events: Array<unknown> } }
      ).message.events.length
      response.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve))
  const { port } = receiver.address() as AddressInfo
  const engine = await startEngine("sqlite", {
    engine: { idleCheck: 1_000, retrySchedule: [0, 1_000, 5_000], callbackTimeout: 20_000 }
  })
  try {
    const ids: Array<number> = []
    for (let index = 0; index < INSTANCES; index++) {
      const id = await engine.addInstance({
        url: `http://127.0.0.1:${port}/bench`,
        signatureKey: "bench-key"
      })
      await engine.enable(id)
      ids.push(id)
    }
    await engine.waitFor(
      "first polls",
      Effect.gen(function* () {
        const scheduler = yield* PollScheduler
        const rows = yield* Effect.forEach(ids, (id) => scheduler.schedules(id))
        return rows.flat().every((row) => row.lastSuccessAt !== null)
      }),
      (done) => done
    )
    engine.vendor.add(RECORDS_PER_INSTANCE, "bench")
    const total = INSTANCES * RECORDS_PER_INSTANCE
    const started = performance.now()
    await engine.run(
      Effect.gen(function* () {
        const scheduler = yield* PollScheduler
        yield* Effect.forEach(ids, (id) => scheduler.pollNow(id), { discard: true })
      })
    )
    const stored = engine
      .waitFor(
        "every event stored",
        Effect.gen(function* () {
          const store = yield* EventStore
          const found = yield* store.list({ instanceIds: ids, offset: total - 1, limit: 1 })
          return found.length
        }),
        (count) => count === 1,
        120_000
      )
      .then(() => performance.now() - started)
    while (events < total) {
      await new Promise((resolve) => setTimeout(resolve, 5))
      if (performance.now() - started > 120_000) throw new Error(`only ${events} of ${total} events in 120 s`)
    }
    const received = performance.now() - started
    await engine.waitFor(
      "every event marked notified",
      Effect.gen(function* () {
        const store = yield* EventStore
        const pending = yield* store.list({
          instanceIds: ids,
          statuses: ["NEW", "DISPATCHED"],
          offset: 0,
          limit: 1
        })
        return pending.length
      }),
      (pending) => pending === 0,
      60_000
    )
    const committed = performance.now() - started
    console.log(`polled and stored in ${(await stored).toFixed(0)} ms`)
    console.log(
      `${total} events in ${notifications} notifications: received in ${received.toFixed(0)} ms ` +
        `(${Math.round((total / received) * 1000)} events/s); all marked delivered in ${committed.toFixed(0)} ms ` +
        `(${Math.round((total / committed) * 1000)} events/s end to end)`
    )
  } finally {
    await engine.dispose()
    receiver.closeAllConnections()
    await new Promise((resolve) => receiver.close(resolve))
  }
}, 300_000)
