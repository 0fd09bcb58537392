/**
 * The callback poster over the runner's guarded outbound client: loopback refused by default, by IP
 * literal and by a name that resolves to it, allowed when `PLUGBOARD_ALLOW_PRIVATE_NETWORKS` says
 * so; redirects answered, not followed; one deadline for the whole exchange.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { CallbackClient } from "../../src/engine/CallbackClient.js"
import * as AddressPolicy from "../../src/outbound/AddressPolicy.js"
import * as OutboundHttp from "../../src/outbound/OutboundHttp.js"
import type { PrivateNetworks } from "../../src/Settings.js"

const post = (setting: PrivateNetworks, url: string, timeoutMillis = 2_000) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const client = yield* CallbackClient
      return yield* client.post({
        url,
        headers: { "webhook-id": "n1" },
        body: '{"message":{}}',
        timeoutMillis
      })
    }).pipe(
      Effect.provide(
        CallbackClient.layer.pipe(Layer.provide(OutboundHttp.layerPolicy(AddressPolicy.make(setting))))
      )
    )
  )

describe("CallbackClient", () => {
  let receiver: CallbackReceiver.CallbackReceiver
  let port: number

  beforeAll(async () => {
    receiver = await CallbackReceiver.start((index) =>
      index === 0 ? { status: 301, headers: { location: "https://example.com/" } } : 204
    )
    port = Number(new URL(receiver.url).port)
  })
  afterAll(async () => {
    await receiver?.close()
  })

  it("refuses loopback by IP literal and by name unless private networks are allowed", async () => {
    const before = receiver.received.length
    const literal = await post({ _tag: "None" }, `http://127.0.0.1:${port}/hook`)
    assert.strictEqual(literal._tag, "Refused")
    const named = await post({ _tag: "None" }, `http://localhost:${port}/hook`)
    assert.strictEqual(named._tag, "Refused")
    assert.match((named as { message: string }).message, /PLUGBOARD_ALLOW_PRIVATE_NETWORKS/)
    const mapped = await post({ _tag: "None" }, `http://[::ffff:127.0.0.1]:${port}/hook`)
    assert.strictEqual(mapped._tag, "Refused")
    assert.strictEqual(receiver.received.length, before, "nothing reached the receiver")
  })

  it("posts to loopback when allowed, answering a redirect without following it", async () => {
    const redirected = await post({ _tag: "Cidrs", cidrs: ["127.0.0.0/8"] }, `${receiver.url}/hook`)
    assert.deepStrictEqual(redirected, { _tag: "Answered", status: 301, retryAfter: undefined })
    const accepted = await post({ _tag: "All" }, `${receiver.url}/hook`)
    assert.strictEqual(accepted._tag === "Answered" && accepted.status, 204)
    assert.strictEqual(receiver.received.length, 2)
    assert.strictEqual(receiver.received[1]!.rawBody, '{"message":{}}')
    assert.strictEqual(receiver.received[1]!.headers["content-type"], "application/json")
  })

  it("refuses URLs that are not http(s)", async () => {
    assert.strictEqual((await post({ _tag: "All" }, "ftp://example.com/x"))._tag, "Refused")
    assert.strictEqual((await post({ _tag: "All" }, "not a url"))._tag, "Refused")
  })

  it("gives up on a receiver that does not answer in time", async () => {
    const silent = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve))
    const { port: silentPort } = silent.address() as AddressInfo
    const started = Date.now()
    const result = await post({ _tag: "All" }, `http://127.0.0.1:${silentPort}/`, 300)
    assert.strictEqual(result._tag, "Failed")
    assert.isBelow(Date.now() - started, 2_000)
    silent.closeAllConnections()
    await new Promise((resolve) => silent.close(resolve))
  })
})
