import { assert, describe, it } from "@effect/vitest"
import { CallbackReceiver } from "@plugboard/testkit"

describe("CallbackReceiver", () => {
  it("records raw bodies and answers with the chosen statuses", async () => {
    const receiver = await CallbackReceiver.start((index) => (index === 0 ? 500 : 200))
    try {
      const body = JSON.stringify({ message: { eventId: "e1" } })
      const first = await fetch(`${receiver.url}/hook`, { method: "POST", body, headers: { "x-test": "1" } })
      assert.strictEqual(first.status, 500)
      const second = await fetch(`${receiver.url}/hook`, { method: "POST", body })
      assert.strictEqual(second.status, 200)
      const delivered = await receiver.waitForDelivered(1, 1000)
      assert.strictEqual(delivered.length, 1)
      assert.strictEqual(receiver.received.length, 2)
      assert.strictEqual(receiver.received[0]?.headers["x-test"], "1")
      assert.strictEqual(receiver.received[1]?.rawBody, body)
      assert.deepStrictEqual(receiver.received[1]?.json, { message: { eventId: "e1" } })
    } finally {
      await receiver.close()
    }
  })

  it("rejects a wait that is not satisfied in time", async () => {
    const receiver = await CallbackReceiver.start(() => 410)
    try {
      await fetch(receiver.url, { method: "POST", body: "{}" })
      let failed = false
      await receiver.waitForDelivered(1, 50).catch(() => {
        failed = true
      })
      assert.isTrue(failed)
      assert.strictEqual(receiver.received[0]?.status, 410)
    } finally {
      await receiver.close()
    }
  })
})
