/**
 * Vendor webhooks inside the real runner, over HTTP on loopback, on SQLite and PostgreSQL: a test
 * connector that declares Standard Webhooks (Svix) signing pushes a change, the runner verifies it
 * against the instance's `webhook.secret`, records it through the outbox and delivers a signed
 * contract §7 notification to the instance's callback; retries, forged or stale signatures,
 * unknown instances and malformed bodies are answered as documented.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { AuthSpec, Connector, Paging, Resource, WebhookSignature, Webhooks } from "@plugboard/core"
import { CallbackReceiver } from "@plugboard/testkit"
import { Result } from "effect"
import { postgresReachable } from "../support/Backends.js"
import { type Backend, startRunner, type TestRunner } from "../support/TestRunner.js"
import { until } from "../support/Until.js"

// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes, checked field by field
type Json = any

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
const SIGNING_KEY = "callback-signing-key-canary-w1"

/** What the test vendor pushes: `{type: "touch.created" | "touch.updated" | "touch.deleted", data}`. */
const eventTypes: Record<string, Webhooks.NormalizedEvent["eventType"]> = {
  "touch.created": "CREATED",
  "touch.updated": "UPDATED",
  "touch.deleted": "DELETED"
}

const shared = {
  description: "A test vendor",
  hub: "rewards",
  baseUrl: "https://vendor.invalid/api",
  auth: AuthSpec.basic(),
  configuration: {},
  paging: Paging.pageNumber({ pageParam: "page", sizeParam: "per_page", maxPageSize: 50, items: "items" }),
  query: (() => ({ params: {}, residual: undefined })) as never,
  resources: { touches: Resource.make({ path: "/touches", id: "id", verbs: ["list", "get"] }) }
}

/** A vendor that pushes Svix-signed webhooks. */
const pushy = Connector.make({
  ...shared,
  key: "pushy",
  id: 9201,
  name: "Pushy",
  events: { methods: ["webhook"] },
  webhooks: {
    scheme: Webhooks.standardWebhooks({ configKey: "webhook.secret" }),
    normalize: (body) => {
      const message = body as { readonly type?: unknown; readonly data?: { readonly id?: unknown } }
      const eventType = typeof message.type === "string" ? eventTypes[message.type] : undefined
      if (eventType === undefined) throw new Error(`unknown event type ${JSON.stringify(message.type)}`)
      return [
        {
          objectType: "touches",
          objectId: message.data?.id as string,
          eventType,
          ...(eventType === "DELETED" ? {} : { record: message.data })
        }
      ]
    }
  }
})

/** A vendor that is only polled. */
const polly = Connector.make({ ...shared, key: "polly", id: 9202, name: "Polly" })

/** The vendor API the credential check reads. */
const startVendor = async (): Promise<{ readonly url: string; readonly close: () => Promise<void> }> => {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ items: [] }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/api`,
    close: () => new Promise((resolve) => server.close(() => resolve()))
  }
}

/** Standard Webhooks headers under Svix's names, as Svix sends them. */
const svixHeaders = (options: { id: string; body: string; timestamp?: number; secret?: string }) => {
  const signed = WebhookSignature.standardHeaders({
    id: options.id,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    body: options.body,
    secret: options.secret ?? WEBHOOK_SECRET
  })
  return {
    "svix-id": signed["webhook-id"],
    "svix-timestamp": signed["webhook-timestamp"],
    "svix-signature": signed["webhook-signature"]
  }
}

describe.each(backends)("vendor webhooks on %s", (backend) => {
  let runner: TestRunner
  let vendor: Awaited<ReturnType<typeof startVendor>>
  let receiver: CallbackReceiver.CallbackReceiver

  const json = async (response: Response): Promise<Json> => JSON.parse(await response.text())
  const create = async (elementKey: string, configuration: Record<string, unknown>): Promise<number> => {
    const created = await runner.call("/instances", {
      method: "POST",
      headers: { authorization: runner.authorization() },
      json: {
        element: { key: elementKey },
        name: `${elementKey} test`,
        configuration: { username: "u", password: "p", "base.url": vendor.url, ...configuration }
      }
    })
    assert.strictEqual(created.status, 200, await created.clone().text())
    return (await json(created)).id
  }
  /** POSTs a vendor webhook: no platform Authorization, only the vendor's headers. */
  const push = (path: string, body: string, headers: Record<string, string>) =>
    runner.call(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body })
  const touch = (type: string, id: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ type, data: { id, name: `Touch ${id}`, ...extra } })
  const events = async (instanceId: number): Promise<Array<Json>> =>
    json(
      await runner.call(`/instances/${instanceId}/events`, {
        headers: { authorization: runner.authorization() }
      })
    )

  let instanceId: number
  const eventsOn = {
    "event.notification.enabled": true,
    "event.vendor.type": "webhook",
    "event.notification.signature.key": SIGNING_KEY,
    "webhook.secret": WEBHOOK_SECRET
  }

  beforeAll(async () => {
    vendor = await startVendor()
    receiver = await CallbackReceiver.start()
    runner = await startRunner({ backend, connectors: [pushy, polly] })
    instanceId = await create("pushy", {
      ...eventsOn,
      "event.notification.callback.url": `${receiver.url}/pushy`
    })
  })

  afterAll(async () => {
    await runner?.close()
    await receiver?.close()
    await vendor?.close()
  })

  it("shows 'webhook' in the element's event methods and the secret in its configuration", async () => {
    const metadata = await json(await runner.call("/elements/pushy/metadata"))
    assert.include(metadata.events.methods, "webhook")
    const configuration: Array<Json> = await json(await runner.call("/elements/pushy/configuration"))
    const secret = configuration.find((item) => item.key === "webhook.secret")
    assert.strictEqual(secret?.type, "PASSWORD")
    const openapi = await json(await runner.call("/openapi.json"))
    assert.property(openapi.paths, "/elements/api-v2/events/{elementKey}/{instanceId}")
  })

  it("verifies a pushed change and delivers it to the callback as a signed contract §7 notification", async () => {
    const body = touch("touch.created", "42")
    const answer = await push(
      `/events/pushy/${instanceId}`,
      body,
      svixHeaders({ id: "msg_created_42", body })
    )
    assert.strictEqual(answer.status, 202, await answer.clone().text())
    assert.deepStrictEqual(await json(answer), { accepted: 1, duplicates: 0 })
    assert.isString(answer.headers.get("elements-request-id"))

    const [delivered] = await receiver.waitForDelivered(1)
    assert.strictEqual(delivered!.path, "/pushy")
    const verified = WebhookSignature.verify({
      headers: delivered!.headers as WebhookSignature.HeaderSource,
      body: delivered!.rawBody,
      secrets: SIGNING_KEY,
      now: Date.now()
    })
    assert.isTrue(Result.isSuccess(verified))
    const message = (delivered!.json as Json).message
    assert.hasAllKeys(message, [
      "eventId",
      "instanceId",
      "instance_id",
      "elementKey",
      "accountId",
      "userId",
      "events",
      "raw"
    ])
    assert.strictEqual(message.instanceId, instanceId)
    assert.strictEqual(message.instance_id, instanceId)
    assert.strictEqual(message.elementKey, "pushy")
    assert.strictEqual(delivered!.headers["webhook-id"], message.eventId)
    const [event] = message.events
    assert.deepInclude(event, {
      eventType: "CREATED",
      objectType: "touches",
      objectId: "42",
      elementKey: "pushy",
      hubKey: "rewards"
    })
    assert.isFalse(Number.isNaN(Date.parse(event.date)))
    assert.deepStrictEqual(message.raw, { objectType: "touches", touches: [{ id: "42", name: "Touch 42" }] })

    const stored = await until(
      "the event notified",
      () => events(instanceId),
      (list) => list[0]?.status === "NOTIFIED"
    )
    assert.strictEqual(stored.length, 1)
    assert.strictEqual(stored[0].id, event.id)
  })

  it("records a vendor's retry of the same message once", async () => {
    const body = touch("touch.created", "42")
    // A retry: same message id, a later timestamp and so another signature.
    const retry = await push(
      `/events/pushy/${instanceId}`,
      body,
      svixHeaders({ id: "msg_created_42", body, timestamp: Math.floor(Date.now() / 1000) + 5 })
    )
    assert.strictEqual(retry.status, 202)
    assert.deepStrictEqual(await json(retry), { accepted: 0, duplicates: 1 })
    await new Promise((resolve) => setTimeout(resolve, 300))
    assert.strictEqual(receiver.delivered().length, 1)
    assert.strictEqual((await events(instanceId)).length, 1)
  })

  it("takes the instance from ?instanceId= or Elements-Instance-Id on POST /events/{elementKey}", async () => {
    const updated = touch("touch.updated", "42", { name: "Renamed" })
    const byQuery = await push(
      `/events/pushy?instanceId=${instanceId}`,
      updated,
      svixHeaders({ id: "msg_updated_42", body: updated })
    )
    assert.strictEqual(byQuery.status, 202, await byQuery.clone().text())
    assert.deepStrictEqual(await json(byQuery), { accepted: 1, duplicates: 0 })
    const deleted = touch("touch.deleted", "42")
    const byHeader = await push("/events/pushy", deleted, {
      ...svixHeaders({ id: "msg_deleted_42", body: deleted }),
      "Elements-Instance-Id": String(instanceId)
    })
    assert.strictEqual(byHeader.status, 202, await byHeader.clone().text())
    const notifications = await receiver.waitForDelivered(3)
    const types = notifications.flatMap((received) =>
      (received.json as Json).message.events.map((event: Json) => event.eventType)
    )
    assert.deepStrictEqual(types, ["CREATED", "UPDATED", "DELETED"])
    const missing = await push("/events/pushy", deleted, svixHeaders({ id: "msg_x", body: deleted }))
    assert.strictEqual(missing.status, 400)
    assert.match((await json(missing)).message, /'instanceId'.*'Elements-Instance-Id'/)
    const notNumber = await push(
      "/events/pushy?instanceId=abc",
      deleted,
      svixHeaders({ id: "msg_x", body: deleted })
    )
    assert.strictEqual(notNumber.status, 400)
    assert.match((await json(notNumber)).message, /'instanceId' must be a whole number/)
    // Number() would read these as 1000 and 16: an id is decimal digits only.
    for (const odd of ["1e3", "0x10", "1.0", "+5"]) {
      const answer = await push(
        `/events/pushy?instanceId=${encodeURIComponent(odd)}`,
        deleted,
        svixHeaders({ id: "msg_x", body: deleted })
      )
      assert.strictEqual(answer.status, 400, odd)
      assert.match((await json(answer)).message, /'instanceId' must be a whole number/)
    }
  })

  it("answers a forged, stale or unsigned request with 401", async () => {
    const body = touch("touch.created", "43")
    const forged = await push(
      `/events/pushy/${instanceId}`,
      body,
      svixHeaders({ id: "msg_forged", body, secret: "whsec_b3RoZXItc2VjcmV0LW9mLTMyLWJ5dGVzLS0tLS0t" })
    )
    assert.strictEqual(forged.status, 401)
    const forgedAnswer = await json(forged)
    assert.match(forgedAnswer.message, /signature/)
    assert.isString(forgedAnswer.requestId)
    assert.notInclude(JSON.stringify(forgedAnswer), WEBHOOK_SECRET)
    const stale = await push(
      `/events/pushy/${instanceId}`,
      body,
      svixHeaders({ id: "msg_stale", body, timestamp: Math.floor(Date.now() / 1000) - 600 })
    )
    assert.strictEqual(stale.status, 401)
    assert.match((await json(stale)).message, /tolerance/)
    const tampered = await push(
      `/events/pushy/${instanceId}`,
      touch("touch.created", "44"),
      svixHeaders({ id: "msg_t", body })
    )
    assert.strictEqual(tampered.status, 401)
    const unsigned = await push(`/events/pushy/${instanceId}`, body, {})
    assert.strictEqual(unsigned.status, 401)
    assert.match((await json(unsigned)).message, /svix-signature/)
    assert.strictEqual((await events(instanceId)).length, 3)
  })

  it("answers unknown elements and instances, and elements without webhooks, with 404", async () => {
    const body = touch("touch.created", "45")
    const headers = svixHeaders({ id: "msg_404", body })
    const unknownInstance = await push("/events/pushy/987654", body, headers)
    assert.strictEqual(unknownInstance.status, 404)
    assert.match((await json(unknownInstance)).message, /no instance 987654 of element 'pushy'/)
    assert.strictEqual((await push(`/events/nosuch/${instanceId}`, body, headers)).status, 404)
    const polled = await push(`/events/polly/${instanceId}`, body, headers)
    assert.strictEqual(polled.status, 404)
    assert.match((await json(polled)).message, /does not receive webhooks/)
    const pollyInstance = await create("polly", {})
    assert.strictEqual((await push(`/events/pushy/${pollyInstance}`, body, headers)).status, 404)
  })

  it("answers a signed body that is not JSON, or not understood, with 400", async () => {
    const malformed = "{not json"
    const answer = await push(
      `/events/pushy/${instanceId}`,
      malformed,
      svixHeaders({ id: "msg_bad", body: malformed })
    )
    assert.strictEqual(answer.status, 400)
    assert.match((await json(answer)).message, /not valid JSON/)
    const unknown = JSON.stringify({ type: "touch.exploded", data: { id: "1" } })
    const notUnderstood = await push(
      `/events/pushy/${instanceId}`,
      unknown,
      svixHeaders({ id: "msg_u", body: unknown })
    )
    assert.strictEqual(notUnderstood.status, 400)
    assert.match((await json(notUnderstood)).message, /touch\.exploded/)
    const text = await runner.call(`/events/pushy/${instanceId}`, {
      method: "POST",
      headers: { "content-type": "text/plain", ...svixHeaders({ id: "msg_text", body: unknown }) },
      body: unknown
    })
    assert.strictEqual(text.status, 415)
    const huge = JSON.stringify({ type: "touch.created", data: { id: "1", notes: "x".repeat(100 * 1024) } })
    const oversize = await push(
      `/events/pushy/${instanceId}`,
      huge,
      svixHeaders({ id: "msg_huge", body: huge })
    )
    assert.strictEqual(oversize.status, 413)
  })

  it("refuses webhooks for an instance without events (409), without a secret (409) or disabled (403)", async () => {
    const body = touch("touch.created", "46")
    const quiet = await create("pushy", { "webhook.secret": WEBHOOK_SECRET })
    const notEnabled = await push(`/events/pushy/${quiet}`, body, svixHeaders({ id: "msg_q", body }))
    assert.strictEqual(notEnabled.status, 409)
    assert.match((await json(notEnabled)).message, /event\.notification\.enabled/)
    const noSecret = await create("pushy", {})
    const secretless = await push(`/events/pushy/${noSecret}`, body, svixHeaders({ id: "msg_s", body }))
    assert.strictEqual(secretless.status, 409)
    assert.match((await json(secretless)).message, /'webhook\.secret'/)
    const disabledId = await create("pushy", {
      ...eventsOn,
      "event.notification.callback.url": `${receiver.url}/disabled`
    })
    const disabled = await runner.call(`/instances/${disabledId}/enabled`, {
      method: "DELETE",
      headers: { authorization: runner.authorization() }
    })
    assert.strictEqual(disabled.status, 200, await disabled.clone().text())
    const refused = await push(`/events/pushy/${disabledId}`, body, svixHeaders({ id: "msg_d", body }))
    assert.strictEqual(refused.status, 403)
    assert.match((await json(refused)).message, /disabled/)
  })

  it("counts webhook requests in the metrics", async () => {
    const metrics = await (await runner.call("//metrics")).text()
    assert.match(metrics, /plugboard_vendor_webhooks_total\{[^}]*outcome="accepted"[^}]*\} 3/)
    assert.match(metrics, /plugboard_vendor_webhooks_total\{[^}]*outcome="duplicate"[^}]*\} 1/)
    assert.match(metrics, /plugboard_vendor_webhooks_total\{[^}]*outcome="unauthorized"[^}]*\}/)
  })
})
