/**
 * Provisioning on a real runner (SQLite): with events enabled the polling settings are checked as
 * the engine will follow them before anything is stored (400 naming the key, resource and field),
 * and a callback URL is required;
 * an empty `event.poller.configuration` means the element's default resources; and an instance's
 * vendor client is kept between hub calls and polls (its `sessionHeaders` hook runs once) until the
 * instance changes.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import type { Connector } from "@plugboard/core"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { sageCrmBody } from "../support/Seeds.js"
import { startRunner, type TestRunner } from "../support/TestRunner.js"

// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const CRM_PASSWORD = "crm-password-canary-p1"

/** Sage CRM with a `sessionHeaders` hook that counts its runs (one per vendor client built). */
let sessions = 0
const CountingSageCrm: Connector.Connector = {
  ...SageCrm,
  hooks: {
    ...SageCrm.hooks,
    sessionHeaders: () =>
      Effect.sync(() => {
        sessions += 1
        return { "X-Session": "one" }
      })
  }
}

describe("provisioning", () => {
  let runner: TestRunner
  let crm: FakeSageCrm
  let receiver: CallbackReceiver.CallbackReceiver

  const json = async (response: Response): Promise<Json> => JSON.parse(await response.text())
  const send = (method: string, path: string, body?: unknown, elementToken?: string) =>
    runner.call(path, {
      method,
      headers: { authorization: runner.authorization(elementToken) },
      ...(body === undefined ? {} : { json: body })
    })
  const seed = () => sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: CRM_PASSWORD })
  const withEvents = (configuration: Record<string, unknown>) => {
    const body = seed()
    return {
      ...body,
      configuration: {
        ...body.configuration,
        "event.notification.enabled": true,
        "event.notification.callback.url": `${receiver.url}/hooks`,
        ...configuration
      }
    }
  }
  const instanceCount = async () => {
    const listed = await json(await send("GET", "/instances"))
    return Array.isArray(listed) ? listed.length : 1
  }

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: CRM_PASSWORD })
    crm.store.insert("Company", { comp_name: "Acme Ltd" })
    receiver = await CallbackReceiver.start()
    runner = await startRunner({ backend: "sqlite", connectors: [CountingSageCrm] })
  })

  afterAll(async () => {
    await runner?.close()
    await crm?.close()
    await receiver?.close()
  })

  it("refuses invalid polling settings with 400 naming the key, resource and field, storing nothing", async () => {
    const before = await instanceCount()
    const cases: ReadonlyArray<readonly [Record<string, unknown>, ReadonlyArray<string>]> = [
      [
        { "event.poller.configuration": { accounts: { url: "/accounts?where=x='1'" } } },
        ["event.poller.configuration: resource 'accounts', field 'url'"]
      ],
      [
        { "event.poller.configuration": JSON.stringify({ contacts: { url: "/hubs/finance/customers" } }) },
        ["event.poller.configuration: resource 'contacts', field 'url'", "/hubs/crm/"]
      ],
      [
        { "event.poller.configuration": { accounts: { url: "/hubs/crm/accounts", pageSize: "many" } } },
        ["event.poller.configuration: resource 'accounts', field 'pageSize'", "must be a number"]
      ],
      [{ "event.poller.refresh_interval": "soon" }, ["'event.poller.refresh_interval'"]],
      [
        { "event.poller.urls": "accounts|/accounts" },
        ["event.poller.urls: resource 'accounts', field 'url'"]
      ],
      [
        {
          "event.poller.refresh_interval": "0",
          "event.poller.configuration": { accounts: { url: "/hubs/crm" } }
        },
        ["event.poller.refresh_interval", "event.poller.configuration: resource 'accounts', field 'url'"]
      ]
    ]
    for (const [configuration, expected] of cases) {
      const response = await send("POST", "/instances", withEvents(configuration))
      const body = await json(response)
      assert.strictEqual(response.status, 400, JSON.stringify(body))
      for (const part of expected) assert.include(body.message, part, JSON.stringify(configuration))
    }
    assert.strictEqual(await instanceCount(), before)
  })

  it("polls the element's default resources when event.poller.configuration is empty", async () => {
    for (const empty of ["{ }", {}, ""]) {
      const created = await send("POST", "/instances", withEvents({ "event.poller.configuration": empty }))
      const instance = await json(created)
      assert.strictEqual(created.status, 200, JSON.stringify(instance))
      const status = await json(await send("GET", `/instances/${instance.id}/events/status`))
      assert.deepStrictEqual(
        status.pollers.map((poller: Json) => poller.resource).sort(),
        ["accounts", "contacts", "leads", "opportunities", "users"],
        JSON.stringify(empty)
      )
      assert.strictEqual((await send("DELETE", `/instances/${instance.id}`)).status, 200)
    }
  })

  it("refuses a PATCH that breaks the polling settings and keeps the instance as it was", async () => {
    const created = await send(
      "POST",
      "/instances",
      withEvents({ "event.poller.configuration": { accounts: { url: "/hubs/crm/accounts" } } })
    )
    const instance = await json(created)
    assert.strictEqual(created.status, 200, JSON.stringify(instance))
    const patched = await send("PATCH", `/instances/${instance.id}`, {
      configuration: { "event.poller.configuration": { accounts: { url: "/hubs/other/accounts" } } }
    })
    assert.strictEqual(patched.status, 400)
    assert.include((await json(patched)).message, "resource 'accounts', field 'url'")
    const single = await send(
      "PATCH",
      `/instances/${instance.id}/configuration/event.poller.refresh_interval`,
      {
        propertyValue: "-1"
      }
    )
    assert.strictEqual(single.status, 400)
    assert.include((await json(single)).message, "event.poller.refresh_interval")
    const stored = await json(await send("GET", `/instances/${instance.id}`))
    assert.deepStrictEqual(JSON.parse(stored.configuration["event.poller.configuration"]), {
      accounts: { url: "/hubs/crm/accounts" }
    })
    assert.strictEqual((await send("DELETE", `/instances/${instance.id}`)).status, 200)
  })

  it("refuses events without a callback URL on create, PATCH, PUT and one key, changing nothing", async () => {
    const named = async (response: Response) => {
      const body = await json(response)
      assert.strictEqual(response.status, 400, JSON.stringify(body))
      assert.include(body.message, "'event.notification.callback.url' is required when events are enabled")
    }
    const before = await instanceCount()
    await named(await send("POST", "/instances", withEvents({ "event.notification.callback.url": null })))
    assert.strictEqual(await instanceCount(), before, "nothing stored")

    const created = await send("POST", "/instances", seed())
    const instance = await json(created)
    assert.strictEqual(created.status, 200, JSON.stringify(instance))
    const enable = { configuration: { "event.notification.enabled": true } }
    await named(await send("PATCH", `/instances/${instance.id}`, enable))
    await named(await send("PATCH", "/instances", enable, instance.token))
    const body = seed()
    await named(
      await send("PUT", `/instances/${instance.id}`, {
        ...body,
        configuration: { ...body.configuration, "event.notification.enabled": true }
      })
    )
    await named(
      await send("PATCH", `/instances/${instance.id}/configuration/event.notification.enabled`, {
        propertyValue: "true"
      })
    )
    // A blank callback is no callback; clearing it while events are on is refused too.
    await named(
      await send("PATCH", `/instances/${instance.id}`, {
        configuration: { "event.notification.enabled": true, "event.notification.callback.url": " " }
      })
    )
    const stored = await json(await send("GET", `/instances/${instance.id}`))
    assert.isFalse(stored.eventsEnabled)
    assert.strictEqual(stored.configuration["event.notification.enabled"], "false")

    // With a callback URL events go on; clearing the URL while they are on is refused.
    const on = await send("PATCH", `/instances/${instance.id}`, {
      configuration: {
        "event.notification.enabled": true,
        "event.notification.callback.url": `${receiver.url}/hooks`
      }
    })
    assert.strictEqual(on.status, 200, await on.clone().text())
    assert.isTrue((await json(on)).eventsEnabled)
    await named(
      await send("PATCH", `/instances/${instance.id}/configuration/event.notification.callback.url`, {
        propertyValue: ""
      })
    )
    // Turning events off needs no callback.
    const off = await send("PATCH", `/instances/${instance.id}`, {
      configuration: { "event.notification.enabled": false, "event.notification.callback.url": null }
    })
    assert.strictEqual(off.status, 200, await off.clone().text())
    assert.isFalse((await json(off)).eventsEnabled)
    assert.strictEqual((await send("DELETE", `/instances/${instance.id}`)).status, 200)
  })

  it("keeps an instance's vendor client between calls and builds it again when the instance changes", async () => {
    const created = await send("POST", "/instances", seed())
    const instance = await json(created)
    assert.strictEqual(created.status, 200, JSON.stringify(instance))
    const afterCreate = sessions
    for (let call = 0; call < 3; call++) {
      const listed = await send("GET", "/hubs/crm/accounts?pageSize=1", undefined, instance.token)
      assert.strictEqual(listed.status, 200)
    }
    assert.strictEqual(sessions - afterCreate, 1, "one client for three hub calls")

    // A changed configuration is proved with a client of its own, then the kept one is dropped.
    const patched = await send("PATCH", `/instances/${instance.id}`, {
      configuration: { subdomain: "crm-2.example" }
    })
    assert.strictEqual(patched.status, 200)
    const afterPatch = sessions
    assert.strictEqual(afterPatch - afterCreate, 2)
    assert.strictEqual((await send("GET", "/hubs/crm/accounts", undefined, instance.token)).status, 200)
    assert.strictEqual((await send("GET", "/hubs/crm/accounts", undefined, instance.token)).status, 200)
    assert.strictEqual(sessions - afterPatch, 1, "rebuilt once after the change")

    assert.strictEqual((await send("DELETE", `/instances/${instance.id}`)).status, 200)
    assert.strictEqual((await send("GET", "/hubs/crm/accounts", undefined, instance.token)).status, 401)
  })
})
