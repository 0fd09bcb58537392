/**
 * The outbox backlog the metrics show, on SQLite and PostgreSQL: undelivered notifications of every
 * instance counted by status in one statement, with the due time of the earliest `PENDING` one.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Outbox } from "../../src/engine/Outbox.js"
import { postgresReachable } from "../support/Backends.js"
import { type Backend, type Harness, startEngine } from "../engine/EngineHarness.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

describe.each(backends)("outbox backlog on %s", (backend) => {
  let engine: Harness

  beforeAll(async () => {
    engine = await startEngine(backend, { loops: false })
  })
  afterAll(async () => {
    await engine?.dispose()
  })

  it("counts PENDING, QUEUED and FAILED notifications and finds the earliest due", async () => {
    const [a, b] = [
      await engine.addInstance({ url: "http://example.com" }),
      await engine.addInstance({ url: "http://example.com" })
    ]
    const outcome = await engine.run(
      Effect.gen(function* () {
        const outbox = yield* Outbox
        const empty = yield* outbox.backlog
        const entry = (instanceId: number, id: string, status: "PENDING" | "QUEUED", deliverAt: number) => ({
          notificationId: `${backend}-${id}`,
          instanceId,
          partition: 3,
          body: "{}",
          eventCount: 1,
          status,
          deliverAt,
          position: 0,
          now: 1_000
        })
        yield* outbox.insert([
          entry(a!, "p1", "PENDING", 9_000),
          entry(a!, "p2", "PENDING", 4_000),
          entry(b!, "p3", "PENDING", 2_000),
          entry(b!, "q1", "QUEUED", 1_000)
        ])
        const [claimed] = yield* outbox.claim({
          partitions: [3],
          busy: [a!],
          limit: 1,
          now: 5_000,
          leaseUntil: 60_000,
          token: "t"
        })
        yield* outbox.settle({
          notificationId: claimed!.notificationId,
          token: "t",
          status: "FAILED",
          attempts: 8,
          deliverAt: claimed!.deliverAt,
          httpStatus: 500,
          error: "gave up",
          now: 5_000
        })
        return { empty, full: yield* outbox.backlog }
      })
    )
    assert.deepStrictEqual(outcome.empty, { pending: 0, queued: 0, failed: 0, earliestPending: undefined })
    assert.deepStrictEqual(outcome.full, { pending: 2, queued: 1, failed: 1, earliestPending: 4_000 })
  })
})
