/**
 * Cross-tenant access is 401/404, never data and never a change (reliability.md "Bad input"): a
 * second organization that knows the first one's instance id, event id or `Element` token reads,
 * replaces, merges, deletes, enables, disables, reconfigures, polls and redelivers nothing of it —
 * every such call answers 404 by id (401 by token) with the contract's error body, and afterwards
 * the instance, its configuration, its events and its delivery status are exactly as they were.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { postgresReachable } from "./support/Backends.js"
import { sageCrmEventsBody, untilFirstPoll } from "./support/CrmEvents.js"
import { sageCrmBody } from "./support/Seeds.js"
import { type Backend, startRunner, type TestRunner } from "./support/TestRunner.js"
import { until } from "./support/Until.js"

// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const PASSWORD = "crm-password-cross-tenant"

describe.each(backends)("cross-tenant access on %s", (backend) => {
  let runner: TestRunner
  let crm: FakeSageCrm
  let receiver: CallbackReceiver.CallbackReceiver
  let instance: { id: number; token: string }
  let eventId: string

  const json = async (response: Response): Promise<Json> => JSON.parse(await response.text())
  const mine = (path: string, init: RequestInit & { readonly json?: unknown } = {}) =>
    runner.call(path, { ...init, headers: { authorization: runner.authorization() } })

  /** Everything the first organization can see of its instance. */
  const snapshot = async () => ({
    instance: await json(await mine(`/instances/${instance.id}`)),
    configuration: await json(await mine(`/instances/${instance.id}/configuration`)),
    events: await json(await mine(`/instances/${instance.id}/events`)),
    status: await json(await mine(`/instances/${instance.id}/events/status`))
  })

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: PASSWORD })
    receiver = await CallbackReceiver.start()
    runner = await startRunner({ backend, connectors: [SageCrm] })
    const created = await mine("/instances", {
      method: "POST",
      json: sageCrmEventsBody({
        baseUrl: crm.baseUrl,
        username: "admin",
        password: PASSWORD,
        callbackUrl: `${receiver.url}/crm`
      })
    })
    instance = await json(created)
    assert.strictEqual(created.status, 200, JSON.stringify(instance))
    // One delivered event, so that its id is a real one.
    await untilFirstPoll(runner, instance.id)
    crm.store.clock.set(new Date())
    crm.store.insert("Company", { comp_name: "Acme Tenant" })
    assert.strictEqual((await mine(`/instances/${instance.id}/events/poll`, { method: "POST" })).status, 202)
    await receiver.waitForDelivered(1)
    const [event] = await until(
      "the event notified",
      async () => json(await mine(`/instances/${instance.id}/events`)),
      (list) => list.length === 1 && list[0].status === "NOTIFIED"
    )
    eventId = event.id
  })

  afterAll(async () => {
    await runner?.close()
    await crm?.close()
    await receiver?.close()
  })

  /** Checks the contract's error envelope and the status. */
  const expectError = async (what: string, response: Response, status: number) => {
    const text = await response.text()
    assert.strictEqual(response.status, status, `${what}: ${text}`)
    const body = JSON.parse(text) as { requestId?: unknown; message?: unknown }
    assert.isString(body.requestId, what)
    assert.isString(body.message, what)
    assert.notInclude(text, "Acme Tenant", what)
    assert.notInclude(text, PASSWORD, what)
  }

  /** Sends each call (method, path, JSON body) as `authorization`; every one must answer `status`. */
  const expectRefused = async (
    authorization: string,
    status: number,
    calls: ReadonlyArray<readonly [string, string, unknown?]>
  ) => {
    for (const [method, path, payload] of calls) {
      const response = await runner.call(path, {
        method,
        headers: { authorization },
        ...(payload === undefined ? {} : { json: payload })
      })
      await expectError(`${method} ${path}`, response, status)
    }
  }

  it("answers 404 to every route by the other organization's instance id, and changes nothing", async () => {
    const other = await runner.addTenant()
    const authorization = `User ${other.userSecret}, Organization ${other.organizationSecret}`
    const before = await snapshot()
    const deliveredBefore = receiver.received.length
    const id = instance.id
    const body = sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: "stolen" })
    await expectRefused(authorization, 404, [
      ["GET", `/instances/${id}`],
      ["PUT", `/instances/${id}`, { ...body, name: "taken over" }],
      ["PATCH", `/instances/${id}`, { name: "taken over", disabled: true }],
      ["PUT", `/instances/${id}/enabled`],
      ["DELETE", `/instances/${id}/enabled`],
      ["GET", `/instances/${id}/configuration`],
      ["PATCH", `/instances/${id}/configuration/username`, { propertyValue: "intruder" }],
      ["PATCH", `/instances/${id}/configuration/event.notification.enabled`, { propertyValue: false }],
      ["GET", `/instances/${id}/events`],
      ["GET", `/instances/${id}/events/status`],
      ["GET", `/instances/${id}/events/${encodeURIComponent(eventId)}`],
      ["POST", `/instances/${id}/events/poll`],
      ["POST", `/instances/${id}/events/redeliver`, { eventIds: [eventId] }],
      ["POST", `/instances/${id}/events/redeliver`],
      ["DELETE", `/instances/${id}`]
    ])
    // Its own lists show none of it.
    assert.deepStrictEqual(await json(await runner.call("/instances", { headers: { authorization } })), [])
    assert.deepStrictEqual(
      await json(await runner.call("/instances/events", { headers: { authorization } })),
      []
    )

    assert.deepStrictEqual(await snapshot(), before)
    assert.strictEqual(receiver.received.length, deliveredBefore, "nothing was redelivered")
    const hub = await runner.call("/hubs/crm/accounts?pageSize=1", {
      headers: { authorization: runner.authorization(instance.token) }
    })
    assert.strictEqual(hub.status, 200, "the instance still works")
  })

  it("answers 401 to the instance routes by the first organization's Element token", async () => {
    const other = await runner.addTenant()
    const authorization = `User ${other.userSecret}, Organization ${other.organizationSecret}, Element ${instance.token}`
    const before = await snapshot()
    const body = sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: "stolen" })
    await expectRefused(authorization, 401, [
      ["GET", "/instances"],
      ["PUT", "/instances", { ...body, name: "taken over" }],
      ["PATCH", "/instances", { name: "taken over" }],
      ["GET", "/instances/events"],
      ["GET", "/hubs/crm/accounts"],
      ["DELETE", "/instances"]
    ])
    assert.deepStrictEqual(await snapshot(), before)
  })
})
