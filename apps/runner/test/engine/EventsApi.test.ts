/**
 * The events engine inside the real runner, over HTTP, on SQLite and PostgreSQL: an instance created
 * with events enabled polls the fake Sage CRM through its hub connection, and the instance events
 * routes (contract.md §7) list, show, trigger, report and redeliver.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { WebhookSignature } from "@plugboard/core"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { postgresReachable } from "../support/Backends.js"
import { sageCrmEventsBody, untilFirstPoll } from "../support/CrmEvents.js"
import { type Backend, startRunner, type TestRunner } from "../support/TestRunner.js"
import { until } from "../support/Until.js"

// Answers are read loosely on purpose: the assertions check their shape field by field.
// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const CRM_PASSWORD = "crm-password-canary-e1"
const SIGNING_KEY = "signing-key-canary-e1"

describe.each(backends)("instance events API on %s", (backend) => {
  let runner: TestRunner
  let crm: FakeSageCrm
  let receiver: CallbackReceiver.CallbackReceiver
  let instance: { readonly id: number; readonly token: string }

  const json = async (response: Response): Promise<Json> => JSON.parse(await response.text())
  const get = (path: string, elementToken?: string) =>
    runner.call(path, { headers: { authorization: runner.authorization(elementToken) } })
  const post = (path: string, body?: unknown) =>
    runner.call(path, {
      method: "POST",
      headers: { authorization: runner.authorization() },
      ...(body === undefined ? {} : { json: body })
    })
  const events = async (): Promise<Array<Json>> => json(await get(`/instances/${instance.id}/events`))

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: CRM_PASSWORD })
    receiver = await CallbackReceiver.start()
    runner = await startRunner({ backend, connectors: [SageCrm] })
    const created = await runner.call("/instances", {
      method: "POST",
      headers: { authorization: runner.authorization() },
      json: sageCrmEventsBody({
        baseUrl: crm.baseUrl,
        username: "admin",
        password: CRM_PASSWORD,
        callbackUrl: `${receiver.url}/crm`,
        notification: {
          "event.notification.signature.key": SIGNING_KEY,
          "event.poller.refresh_interval": "15"
        }
      })
    })
    assert.strictEqual(created.status, 200, await created.clone().text())
    const answer = await json(created)
    instance = { id: answer.id, token: answer.token }
    assert.isTrue(answer.eventsEnabled)
  })

  afterAll(async () => {
    await runner?.close()
    await crm?.close()
    await receiver?.close()
  })

  it("polls the vendor through the instance's connection and delivers signed notifications", async () => {
    await untilFirstPoll(runner, instance.id)
    crm.store.clock.set(new Date())
    const acme = crm.store.insert("Company", { comp_name: "Acme Events" })
    const triggered = await post(`/instances/${instance.id}/events/poll`)
    assert.strictEqual(triggered.status, 202)
    assert.deepStrictEqual(await json(triggered), { instanceId: instance.id, resources: ["accounts"] })
    const [delivered] = await receiver.waitForDelivered(1)
    assert.strictEqual(delivered!.path, "/crm")
    const verified = WebhookSignature.verify({
      headers: delivered!.headers as WebhookSignature.HeaderSource,
      body: delivered!.rawBody,
      secrets: SIGNING_KEY,
      now: Date.now()
    })
    assert.isTrue(Result.isSuccess(verified))
    const message = (delivered!.json as Json).message
    assert.strictEqual(message.instanceId, instance.id)
    assert.strictEqual(message.elementKey, "sagecrm")
    assert.deepStrictEqual(
      message.events.map((event: Json) => [event.eventType, event.objectType, event.objectId, event.hubKey]),
      [["CREATED", "accounts", String(acme.comp_companyid), "crm"]]
    )
    assert.strictEqual(message.raw.accounts[0].comp_name, "Acme Events")
  })

  it("lists, filters and shows events", async () => {
    const listed = await until("the event notified", events, (list) => list[0]?.status === "NOTIFIED")
    assert.strictEqual(listed.length, 1)
    const [event] = listed
    assert.hasAllKeys(event, [
      "id",
      "eventDate",
      "status",
      "providerData",
      "notifiedData",
      "instanceId",
      "objectType",
      "objectId",
      "eventType",
      "notificationId",
      "createdDate",
      "updatedDate"
    ])
    assert.strictEqual(event.providerData.comp_name, "Acme Events")
    assert.strictEqual(event.notifiedData.id, event.id)
    const one = await get(`/instances/${instance.id}/events/${event.id}`)
    assert.strictEqual(one.status, 200)
    assert.deepStrictEqual(await json(one), event)
    assert.deepStrictEqual(await json(await get(`/instances/${instance.id}/events?status=FAILED,QUEUED`)), [])
    assert.strictEqual((await json(await get(`/instances/${instance.id}/events?status=notified`))).length, 1)
    assert.deepStrictEqual(await json(await get("/instances/events", instance.token)), [event])
    assert.deepStrictEqual(
      (await json(await get("/instances/events"))).map((e: Json) => e.id),
      [event.id]
    )
    assert.deepStrictEqual(await json(await get(`/instances/${instance.id}/events?page=2&pageSize=1`)), [])
  })

  it("answers bad parameters with 400 naming them, and unknown things with 404", async () => {
    const badStatus = await get(`/instances/${instance.id}/events?status=LOST`)
    assert.strictEqual(badStatus.status, 400)
    assert.match((await json(badStatus)).message, /'status'.*LOST/)
    const badSize = await get(`/instances/${instance.id}/events?pageSize=0`)
    assert.strictEqual(badSize.status, 400)
    assert.match((await json(badSize)).message, /'pageSize'/)
    assert.strictEqual((await get(`/instances/${instance.id}/events/nope`)).status, 404)
    assert.strictEqual((await get("/instances/999999/events")).status, 404)
    const notPolled = await post(`/instances/${instance.id}/events/poll?resource=contacts`)
    assert.strictEqual(notPolled.status, 404)
    assert.match((await json(notPolled)).message, /contacts/)
  })

  it("shows nothing of an instance to another organization", async () => {
    const other = await runner.addTenant()
    const authorization = `User ${other.userSecret}, Organization ${other.organizationSecret}`
    const headers = { authorization }
    assert.strictEqual((await runner.call(`/instances/${instance.id}/events`, { headers })).status, 404)
    assert.strictEqual(
      (await runner.call(`/instances/${instance.id}/events/status`, { headers })).status,
      404
    )
    assert.strictEqual(
      (await runner.call(`/instances/${instance.id}/events/poll`, { method: "POST", headers })).status,
      404
    )
    assert.deepStrictEqual(await json(await runner.call("/instances/events", { headers })), [])
    assert.strictEqual((await runner.call(`/instances/${instance.id}/events`)).status, 401)
  })

  it("reports a failing poll with its error and backoff, and clears it after a success", async () => {
    crm.store.failNext({ status: 400, body: { $diagnoses: [{ message: "Query engine unavailable" }] } })
    await post(`/instances/${instance.id}/events/poll`)
    const failing = await until(
      "the failure",
      async () => json(await get(`/instances/${instance.id}/events/status`)),
      (status) => status.pollers[0].failures === 1
    )
    assert.isString(failing.pollers[0].lastError)
    assert.isString(failing.pollers[0].backoffUntil)
    assert.strictEqual(failing.pollers[0].refreshInterval, 15)
    await post(`/instances/${instance.id}/events/poll`)
    const recovered = await until(
      "the recovery",
      async () => json(await get(`/instances/${instance.id}/events/status`)),
      (status) => status.pollers[0].failures === 0
    )
    assert.isNull(recovered.pollers[0].lastError)
    assert.deepStrictEqual(recovered.subscription, { state: "active", reason: null, changedDate: null })
    assert.strictEqual(recovered.notifications.DELIVERED, 1)
  })

  it("redelivers chosen events, and nothing when nothing failed", async () => {
    const [event] = await events()
    const before = receiver.received.length
    const none = await post(`/instances/${instance.id}/events/redeliver`)
    assert.strictEqual(none.status, 200)
    assert.deepStrictEqual(await json(none), { instanceId: instance.id, notifications: 0 })
    const chosen = await post(`/instances/${instance.id}/events/redeliver`, { eventIds: [event.id] })
    assert.deepStrictEqual(await json(chosen), { instanceId: instance.id, notifications: 1 })
    await receiver.waitForDelivered(2)
    assert.strictEqual(receiver.received.length, before + 1)
    assert.strictEqual(receiver.received.at(-1)!.headers["webhook-id"], event.notificationId)
  })

  it("stops polling when events are switched off, and forgets the instance when it is deleted", async () => {
    const off = await runner.call(`/instances/${instance.id}`, {
      method: "PATCH",
      headers: { authorization: runner.authorization() },
      json: { configuration: { "event.notification.enabled": false } }
    })
    assert.strictEqual(off.status, 200)
    const status = await json(await get(`/instances/${instance.id}/events/status`))
    assert.isFalse(status.pollers[0].active)
    assert.strictEqual((await post(`/instances/${instance.id}/events/poll`)).status, 404)
    assert.strictEqual((await events()).length, 1, "events are kept")
    const removed = await runner.call(`/instances/${instance.id}`, {
      method: "DELETE",
      headers: { authorization: runner.authorization() }
    })
    assert.strictEqual(removed.status, 200)
    assert.deepStrictEqual(await json(await get("/instances/events")), [])
  })
})
