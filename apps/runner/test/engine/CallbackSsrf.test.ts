/**
 * The engine never posts to a refused address: a callback on loopback is refused attempt after
 * attempt (nothing reaches it) until the subscription pauses, unless the runner's settings allow
 * the range.
 */
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { events, pollNow, status } from "./EngineCalls.js"
import { type Harness, startEngine } from "./EngineHarness.js"

describe("callbacks to private addresses", () => {
  let receiver: CallbackReceiver.CallbackReceiver
  const engines: Array<Harness> = []

  beforeAll(async () => {
    receiver = await CallbackReceiver.start()
  })
  afterAll(async () => {
    await Promise.all(engines.map((engine) => engine.dispose()))
    await receiver?.close()
  })

  it("are refused by default: nothing is sent and the subscription pauses after the last attempt", async () => {
    const engine = await startEngine("sqlite", { allowPrivateNetworks: { _tag: "None" } })
    engines.push(engine)
    const id = await engine.addInstance({ url: `${receiver.url}/private` })
    await engine.enable(id)
    engine.vendor.add(2, "ssrf")
    await engine.run(pollNow(id))
    const paused = await engine.waitFor(
      "paused",
      status(id),
      (state) => state.subscription.state === "paused"
    )
    assert.match(
      paused.subscription.reason ?? "",
      /refused: .*127\.0\.0\.1.*PLUGBOARD_ALLOW_PRIVATE_NETWORKS/
    )
    assert.strictEqual(receiver.received.length, 0)
    const stored = await engine.run(events(id))
    assert.isTrue(stored.every((event) => event.status === "FAILED"))
  })

  it("are sent when the range is allowed", async () => {
    const engine = await startEngine("sqlite", {
      allowPrivateNetworks: { _tag: "Cidrs", cidrs: ["127.0.0.0/8"] }
    })
    engines.push(engine)
    const id = await engine.addInstance({ url: `${receiver.url}/allowed` })
    await engine.enable(id)
    engine.vendor.add(1, "allowed")
    await engine.run(pollNow(id))
    const [delivered] = await receiver.waitForDelivered(1)
    assert.strictEqual(delivered!.path, "/allowed")
  })
})
