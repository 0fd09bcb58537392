/**
 * `event.vendor.type` inside the real runner, over HTTP on loopback, on SQLite and PostgreSQL: a
 * `webhook` instance takes the vendor's pushes and does not poll the resources its webhooks cover
 * (the manual trigger for one is a 409) while it still polls the others; a `polling` instance
 * refuses pushes with 409 once their signature verifies; any other value, or `webhook` for an
 * element without webhooks, is a 400 naming the key. A change is thus recorded once, not once per
 * path under two event ids.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { AuthSpec, Ceql, Connector, Paging, Resource, WebhookSignature, Webhooks } from "@plugboard/core"
import { CallbackReceiver } from "@plugboard/testkit"
import { postgresReachable } from "../support/Backends.js"
import { type Backend, startRunner, type TestRunner } from "../support/TestRunner.js"
import { until } from "../support/Until.js"

// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes, checked field by field
type Json = any

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

const shared = {
  description: "A test vendor",
  hub: "rewards",
  baseUrl: "https://vendor.invalid/api",
  auth: AuthSpec.basic(),
  configuration: {},
  paging: Paging.pageNumber({ pageParam: "page", sizeParam: "per_page", maxPageSize: 50, items: "items" }),
  // Nothing filtered at the vendor: polls list everything.
  query: Ceql.Translate.params({}),
  resources: {
    touches: Resource.make({ path: "/touches", id: "id", verbs: ["list", "get"], poll: { _tag: "Diff" } }),
    groups: Resource.make({ path: "/groups", id: "id", verbs: ["list", "get"], poll: { _tag: "Diff" } })
  },
  // Not a resource path, so the vendor's log shows polls only.
  credentialCheck: { path: "/me" },
  events: { methods: ["polling" as const], defaultResources: ["touches", "groups"] }
}

/** Polled and pushing: its webhooks report `touches` only. */
const mixy = Connector.make({
  ...shared,
  key: "mixy",
  id: 9301,
  name: "Mixy",
  webhooks: {
    scheme: Webhooks.standardWebhooks({ configKey: "webhook.secret" }),
    resources: ["touches"],
    normalize: (body) => {
      const message = body as { readonly type?: unknown; readonly data?: { readonly id?: unknown } }
      if (message.type !== "touch.updated")
        throw new Error(`unknown event type ${JSON.stringify(message.type)}`)
      return [{ objectType: "touches", objectId: String(message.data?.id), eventType: "UPDATED" }]
    }
  }
})

/** Only polled. */
const plainy = Connector.make({ ...shared, key: "plainy", id: 9302, name: "Plainy" })

/** The vendor API: lists the collections and logs every path asked for. */
const startVendor = async () => {
  const paths: Array<string> = []
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://vendor").pathname
    paths.push(path)
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify(path.endsWith("/me") ? { id: 1 } : { items: [{ id: "1", name: "one" }] }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/api`,
    /** How many times the vendor listed this collection. */
    listed: (resource: string) => paths.filter((path) => path === `/api/${resource}`).length,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const svixHeaders = (options: { id: string; body: string; secret?: string }) => {
  const signed = WebhookSignature.standardHeaders({
    id: options.id,
    timestamp: Math.floor(Date.now() / 1000),
    body: options.body,
    secret: options.secret ?? WEBHOOK_SECRET
  })
  return {
    "svix-id": signed["webhook-id"],
    "svix-timestamp": signed["webhook-timestamp"],
    "svix-signature": signed["webhook-signature"]
  }
}

describe.each(backends)("event.vendor.type on %s", (backend) => {
  let runner: TestRunner
  let vendor: Awaited<ReturnType<typeof startVendor>>
  let receiver: CallbackReceiver.CallbackReceiver

  const json = async (response: Response): Promise<Json> => JSON.parse(await response.text())
  const auth = () => ({ authorization: runner.authorization() })
  const createAnswer = (elementKey: string, configuration: Record<string, unknown>) =>
    runner.call("/instances", {
      method: "POST",
      headers: auth(),
      json: {
        element: { key: elementKey },
        name: `${elementKey} test`,
        configuration: { username: "u", password: "p", "base.url": vendor.url, ...configuration }
      }
    })
  const create = async (elementKey: string, configuration: Record<string, unknown>): Promise<number> => {
    const created = await createAnswer(elementKey, configuration)
    assert.strictEqual(created.status, 200, await created.clone().text())
    return (await json(created)).id
  }
  const eventsOn = (path: string) => ({
    "event.notification.enabled": true,
    "event.notification.callback.url": `${receiver.url}/${path}`,
    "webhook.secret": WEBHOOK_SECRET,
    // Long enough that only the first poll (at once) and the triggered ones run during a test.
    "event.poller.refresh_interval": "60"
  })
  const pollers = async (instanceId: number): Promise<Array<string>> =>
    (
      await json(await runner.call(`/instances/${instanceId}/events/status`, { headers: auth() }))
    ).pollers.map((poller: Json) => poller.resource)
  /** Waits until every poller of the instance finished its first poll: a trigger during a poll is a no-op. */
  const settled = (instanceId: number) =>
    until(
      "the first polls committed",
      async () =>
        (await json(await runner.call(`/instances/${instanceId}/events/status`, { headers: auth() })))
          .pollers,
      (pollers: Array<Json>) =>
        pollers.every((poller) => poller.lastSuccessDate !== null && poller.nextPollDate !== null)
    )
  const trigger = (instanceId: number, resource?: string) =>
    runner.call(
      `/instances/${instanceId}/events/poll${resource === undefined ? "" : `?resource=${resource}`}`,
      { method: "POST", headers: auth() }
    )
  const push = (elementKey: string, instanceId: number, body: string, headers: Record<string, string>) =>
    runner.call(`/events/${elementKey}/${instanceId}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body
    })
  const touched = (id: string) => JSON.stringify({ type: "touch.updated", data: { id } })
  const configure = (instanceId: number, key: string, value: unknown) =>
    runner.call(`/instances/${instanceId}/configuration/${key}`, {
      method: "PATCH",
      headers: auth(),
      json: { propertyValue: value }
    })

  beforeAll(async () => {
    vendor = await startVendor()
    receiver = await CallbackReceiver.start()
    runner = await startRunner({ backend, connectors: [mixy, plainy] })
  })

  afterAll(async () => {
    await runner?.close()
    await receiver?.close()
    await vendor?.close()
  })

  it("a webhook instance does not poll the resources its webhooks cover, and polls the others", async () => {
    const before = vendor.listed("touches")
    const instanceId = await create("mixy", { ...eventsOn("webhook"), "event.vendor.type": "webhook" })
    assert.deepStrictEqual(await pollers(instanceId), ["groups"])
    // The first poll of groups runs at once; a trigger asks for another.
    await settled(instanceId)
    const groupsBefore = vendor.listed("groups")
    assert.isAtLeast(groupsBefore, 1)
    const triggered = await trigger(instanceId, "groups")
    assert.strictEqual(triggered.status, 202, await triggered.clone().text())
    assert.deepStrictEqual((await json(triggered)).resources, ["groups"])
    await until(
      "the triggered poll of groups",
      async () => vendor.listed("groups"),
      (count) => count > groupsBefore
    )

    const pushed = await trigger(instanceId, "touches")
    assert.strictEqual(pushed.status, 409)
    assert.match((await json(pushed)).message, /'touches'.*pushed by the vendor.*event\.vendor\.type/)
    await settled(instanceId)
    const all = await trigger(instanceId)
    assert.strictEqual(all.status, 202)
    assert.deepStrictEqual((await json(all)).resources, ["groups"])
    assert.strictEqual(vendor.listed("touches"), before, "touches was never listed for the webhook instance")

    // Its touches come from the vendor instead, once.
    const body = touched("7")
    const answer = await push("mixy", instanceId, body, svixHeaders({ id: "msg_touch_7", body }))
    assert.strictEqual(answer.status, 202, await answer.clone().text())
    assert.deepStrictEqual(await json(answer), { accepted: 1, duplicates: 0 })
    const [delivered] = await receiver.waitForDelivered(1)
    assert.strictEqual(delivered!.path, "/webhook")
    assert.deepInclude((delivered!.json as Json).message.events[0], {
      objectType: "touches",
      objectId: "7",
      eventType: "UPDATED"
    })
  })

  it("a polling instance (the default) polls everything and refuses pushes with 409", async () => {
    const instanceId = await create("mixy", eventsOn("polling"))
    assert.deepStrictEqual((await pollers(instanceId)).sort(), ["groups", "touches"])
    await settled(instanceId)
    const before = vendor.listed("touches")
    const triggered = await trigger(instanceId, "touches")
    assert.strictEqual(triggered.status, 202, await triggered.clone().text())
    await until(
      "touches polled",
      async () => vendor.listed("touches"),
      (count) => count > before
    )

    const body = touched("8")
    const refused = await push("mixy", instanceId, body, svixHeaders({ id: "msg_touch_8", body }))
    assert.strictEqual(refused.status, 409)
    assert.match(
      (await json(refused)).message,
      /polls for changes \('event\.vendor\.type' is 'polling'\).*set 'event\.vendor\.type' to 'webhook'/
    )
    // The signature is checked first: a forged push learns nothing about the instance's path.
    const forged = await push(
      "mixy",
      instanceId,
      body,
      svixHeaders({ id: "msg_forged", body, secret: "whsec_b3RoZXItc2VjcmV0LW9mLTMyLWJ5dGVzLS0tLS0t" })
    )
    assert.strictEqual(forged.status, 401)
    // Diff polls take their first listing as the baseline, so the only event could be the push's.
    const events = await json(await runner.call(`/instances/${instanceId}/events`, { headers: auth() }))
    assert.deepStrictEqual(events, [], "nothing of the refused push was recorded")
  })

  it("switching an instance to webhook stops polling covered resources; back to polling resumes them", async () => {
    const instanceId = await create("mixy", eventsOn("switch"))
    assert.deepStrictEqual((await pollers(instanceId)).sort(), ["groups", "touches"])
    const toWebhook = await configure(instanceId, "event.vendor.type", "webhook")
    assert.strictEqual(toWebhook.status, 200, await toWebhook.clone().text())
    assert.deepStrictEqual(await pollers(instanceId), ["groups"])
    assert.strictEqual((await trigger(instanceId, "touches")).status, 409)
    const toPolling = await configure(instanceId, "event.vendor.type", "polling")
    assert.strictEqual(toPolling.status, 200, await toPolling.clone().text())
    assert.deepStrictEqual((await pollers(instanceId)).sort(), ["groups", "touches"])
    await settled(instanceId)
    assert.strictEqual((await trigger(instanceId, "touches")).status, 202)
  })

  it("refuses any other value, and webhook for an element without webhooks, with 400 naming the key", async () => {
    const unknown = await createAnswer("mixy", { ...eventsOn("bad"), "event.vendor.type": "push" })
    assert.strictEqual(unknown.status, 400)
    assert.match(
      (await json(unknown)).message,
      /'event\.vendor\.type' must be one of polling, webhook \(got 'push'\)/
    )
    const noWebhooks = await createAnswer("plainy", { "event.vendor.type": "webhook" })
    assert.strictEqual(noWebhooks.status, 400)
    assert.match(
      (await json(noWebhooks)).message,
      /'event\.vendor\.type' must be one of polling \(got 'webhook'\)/
    )

    const instanceId = await create("mixy", {})
    const patched = await runner.call(`/instances/${instanceId}`, {
      method: "PATCH",
      headers: auth(),
      json: { configuration: { "event.vendor.type": "Webhook" } }
    })
    assert.strictEqual(patched.status, 400)
    assert.match((await json(patched)).message, /'event\.vendor\.type' must be one of polling, webhook/)
    const configured = await configure(instanceId, "event.vendor.type", "both")
    assert.strictEqual(configured.status, 400)
    assert.match((await json(configured)).message, /'event\.vendor\.type'/)
    const plainyId = await create("plainy", {})
    const toWebhook = await configure(plainyId, "event.vendor.type", "webhook")
    assert.strictEqual(toWebhook.status, 400)
    assert.match((await json(toWebhook)).message, /'event\.vendor\.type' must be one of polling/)
  })

  it("shows the values event.vendor.type accepts in the element's configuration", async () => {
    const items: Array<Json> = await json(await runner.call("/elements/mixy/configuration"))
    const item = items.find((one) => one.key === "event.vendor.type")
    assert.deepStrictEqual(item?.options, ["polling", "webhook"])
    assert.strictEqual(item?.defaultValue, "polling")
    const plain: Array<Json> = await json(await runner.call("/elements/plainy/configuration"))
    assert.deepStrictEqual(plain.find((one) => one.key === "event.vendor.type")?.options, ["polling"])
  })
})
