/**
 * Scaling out on PostgreSQL: two runners on one database split the 64 partitions between them
 * (each partition a cluster singleton, owned by exactly one runner), deliver every event of every
 * instance between them, and the survivor takes over all partitions when the other stops.
 */
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Partition from "../../src/engine/Partition.js"
import { PollScheduler } from "../../src/engine/PollScheduler.js"
import { postgresReachable } from "../support/Backends.js"
import { type Harness, startEngine } from "./EngineHarness.js"

const reachable = await postgresReachable()

describe.skipIf(!reachable)("two runners on postgres", () => {
  let first: Harness
  let second: Harness
  let receiver: CallbackReceiver.CallbackReceiver

  beforeAll(async () => {
    receiver = await CallbackReceiver.start()
    first = await startEngine("postgres")
    second = await first.peer()
  })
  afterAll(async () => {
    await second?.close()
    await first?.dispose()
    await receiver?.close()
  })

  const ownership = async () => ({ first: await first.owned(), second: await second.owned() })

  const split = (owned: { readonly first: ReadonlyArray<number>; readonly second: ReadonlyArray<number> }) =>
    owned.first.length > 0 &&
    owned.second.length > 0 &&
    owned.first.length + owned.second.length === Partition.COUNT &&
    owned.first.every((partition) => !owned.second.includes(partition))

  it("split the partitions, each owned by exactly one runner", async () => {
    const deadline = Date.now() + 60_000
    let owned = await ownership()
    while (!split(owned) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      owned = await ownership()
    }
    assert.isTrue(split(owned), JSON.stringify(owned))
  }, 70_000)

  it("deliver every event of instances in every partition, each once", async () => {
    const ids: Array<number> = []
    for (let index = 0; index < 16; index++) {
      const id = await first.addInstance({ url: `${receiver.url}/cluster` })
      await first.enable(id)
      ids.push(id)
    }
    first.vendor.add(3, "cluster")
    await first.run(
      Effect.gen(function* () {
        const scheduler = yield* PollScheduler
        yield* Effect.forEach(ids, (id) => scheduler.pollNow(id), { discard: true })
      })
    )
    const delivered = await receiver.waitForDelivered(16, 30_000)
    const byInstance = new Map<number, number>()
    for (const request of delivered) {
      const message = (request.json as { message: { instanceId: number; events: Array<unknown> } }).message
      byInstance.set(message.instanceId, (byInstance.get(message.instanceId) ?? 0) + message.events.length)
    }
    assert.sameMembers([...byInstance.keys()], ids)
    assert.isTrue([...byInstance.values()].every((count) => count === 3))
    assert.strictEqual(receiver.received.length, 16)
  }, 40_000)

  it("hand every partition to the survivor when a runner stops", async () => {
    await second.close()
    const deadline = Date.now() + 60_000
    let owned = await first.owned()
    while (owned.length < Partition.COUNT && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      owned = await first.owned()
    }
    assert.strictEqual(owned.length, Partition.COUNT)
  }, 70_000)
})
