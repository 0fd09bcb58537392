/**
 * The Sage 200 and Sendoso elements end to end over real HTTP on loopback, on SQLite and on
 * PostgreSQL: a runner loaded with both connectors, their fake vendors and a fake callback receiver.
 * For each element: the catalog entry, metadata and configuration items the seeds document; the
 * vendor authorize URL; an instance created from the seed body with a real authorization code
 * (exchanged at the fake) and its secrets masked; hub lists with CEQL, `pageSize` and `nextPage`, a
 * get by id and an unknown resource; and events switched on with a PATCH, a record changed in the
 * fake, and a signed, correctly shaped notification received (checked by {@link CallbackLedger}).
 */
import { randomBytes } from "node:crypto"
import { Sage200 } from "@plugboard/connector-sage200"
import { type FakeSage200, startFakeSage200 } from "@plugboard/connector-sage200/testing"
import { Sendoso } from "@plugboard/connector-sendoso"
import { type FakeSendoso, FakeSendosoSamples, startFakeSendoso } from "@plugboard/connector-sendoso/testing"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { postgresReachable } from "../support/Backends.js"
import { type Backend, startRunner, type TestRunner } from "../support/TestRunner.js"
import { CallbackLedger, checkRequest } from "./CallbackLedger.js"
import { historyStart } from "./VendorSeed.js"
import { sage200Body, sage200SeedPollers, sendosoBody, sendosoCallbackUrl } from "./SeedBodies.js"
import { sleep, until } from "../support/Until.js"

// Answers are read loosely on purpose: the assertions check their shape field by field.
// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const canary = (name: string) => `${name}-canary-${randomBytes(6).toString("hex")}`

const minute = 60_000

const configurationTypes = [
  "TEXTFIELD_32",
  "TEXTFIELD_128",
  "TEXTFIELD_1000",
  "TEXTAREA",
  "BOOLEAN",
  "PASSWORD",
  "CODE_EDITOR"
]

describe.each(backends)("seed elements sage200 and sendoso end to end on %s", (backend) => {
  const sage200Client = { clientId: canary("s200-client-id"), clientSecret: canary("s200-client-secret") }
  const sage200SubscriptionKey = canary("s200-subscription")
  const sage200SigningKey = canary("s200-signing")
  const sendosoClient = {
    clientId: canary("sendoso-client-id"),
    clientSecret: canary("sendoso-client-secret")
  }
  const hookSigningKey = `whsec_${randomBytes(24).toString("base64")}`
  const sendosoBasic = { username: "sendoso-hook", password: canary("sendoso-hook-password") }
  // Seed 002's own Basic credentials of the callback, kept as written.
  const sage200Basic = { username: "CompanyName123", password: "P@$$w0rd" }
  const sage200CallbackUrl = "https://mycoolapp.com/oauth/callback"

  const ledger = new CallbackLedger()
  let runner: TestRunner
  let s200: FakeSage200
  let sendoso: FakeSendoso
  // One receiver per element: Sage 200's seed polls customers twice (its `transactions` entry lists
  // customers), so its callback gets two object types, which the ledger's one-type subscriber cannot take.
  let sage200Receiver: CallbackReceiver.CallbackReceiver
  let receiver: CallbackReceiver.CallbackReceiver
  /** Seeded Sage 200 customers in id order, with their `account_status`. */
  let customers: ReadonlyArray<{ readonly id: number; readonly status: string }>
  /** Seeded Sendoso campaigns in id order, with their `delivery_type`. */
  let touches: ReadonlyArray<{ readonly id: number; readonly deliveryType: string }>
  let groups: ReadonlyArray<number>
  let sage200Instance: Json
  let sendosoInstance: Json

  const json = async (response: Response): Promise<Json> => JSON.parse(await response.text())
  const platform = (path: string, init: RequestInit & { readonly json?: unknown } = {}) =>
    runner.call(path, { ...init, headers: { authorization: runner.authorization() } })
  const hub = (instance: Json, path: string) =>
    runner.call(path, { headers: { authorization: runner.authorization(instance.token) } })

  beforeAll(async () => {
    s200 = await startFakeSage200({ clients: [sage200Client], subscriptionKey: sage200SubscriptionKey })
    sendoso = await startFakeSendoso({ clients: [sendosoClient] })
    sage200Receiver = await CallbackReceiver.start()
    receiver = await CallbackReceiver.start()
    // History a day back, far outside the first poll's window: lists see it, events never report it.
    const start = historyStart()
    customers = Array.from({ length: 23 }, (_, index) => {
      const status = index % 3 === 0 ? "OnHold" : "Active"
      const record = s200.store.insert(
        "customers",
        { reference: `CUST${index}`, name: `Seeded Customer ${index}`, account_status: status },
        start + index * minute
      )
      return { id: record.id, status }
    })
    for (let index = 0; index < 3; index++) {
      s200.store.insert("suppliers", { reference: `SUPP${index}`, account_status: "OnHold" }, start)
    }
    touches = Array.from({ length: 23 }, (_, index) => {
      const record = sendoso.store.add("touches", FakeSendosoSamples.touch(index), {
        at: start + index * minute
      })
      return { id: record.id, deliveryType: String(record["delivery_type"]) }
    })
    groups = Array.from(
      { length: 4 },
      (_, index) => sendoso.store.add("groups", FakeSendosoSamples.group(index), { at: start }).id
    )
    runner = await startRunner({ backend, connectors: [Sage200, Sendoso] })
  }, 60_000)

  afterAll(async () => {
    await runner?.close()
    await sage200Receiver?.close()
    await receiver?.close()
    await s200?.close()
    await sendoso?.close()
  }, 60_000)

  /** Reads one hub list page; checks the status, the bare array and the `Elements-*` headers. */
  const hubPage = async (instance: Json, path: string) => {
    const response = await hub(instance, path)
    const body = await json(response)
    assert.strictEqual(response.status, 200, `${path}: ${JSON.stringify(body)}`)
    assert.isArray(body, path)
    assert.strictEqual(response.headers.get("elements-returned-count"), String(body.length), path)
    assert.strictEqual(response.headers.get("elements-element-instance-id"), String(instance.id), path)
    return { body: body as Array<Json>, next: response.headers.get("elements-next-page-token") }
  }

  /** Follows `nextPage` to the end with a `where`; the pages' sizes and their records in order. */
  const pageAll = async (instance: Json, resource: string, where: string, pageSize: number) => {
    const pages: Array<Array<Json>> = []
    let next: string | null = null
    do {
      const url: string = `${resource}?where=${encodeURIComponent(where)}&pageSize=${pageSize}${next === null ? "" : `&nextPage=${encodeURIComponent(next)}`}`
      const page = await hubPage(instance, url)
      assert.isAtMost(page.body.length, pageSize, url)
      pages.push(page.body)
      next = page.next
      assert.isBelow(pages.length, 20, `${resource}: too many pages`)
    } while (next !== null)
    return pages
  }

  /** The element, metadata and configuration items; returns the items by key. */
  const checkCatalog = async (
    key: string,
    hubKey: string,
    name: string,
    methods: ReadonlyArray<"polling" | "webhook">
  ) => {
    const element = await json(await runner.call(`/elements/${key}`))
    assert.strictEqual(element.key, key)
    assert.strictEqual(element.name, name)
    assert.strictEqual(element.hub, hubKey)
    assert.deepStrictEqual(element.authentication, { type: "oauth2" })
    assert.strictEqual(element.protocolType, "http")
    assert.deepStrictEqual(await json(await runner.call(`/elements/${element.id}`)), element)
    const metadata = await json(await runner.call(`/elements/${key}/metadata`))
    assert.strictEqual(metadata.key, key)
    assert.strictEqual(metadata.id, element.id)
    assert.deepStrictEqual(metadata.events, { supported: true, methods: [...methods] })
    const items: Array<Json> = await json(await runner.call(`/elements/${key}/configuration`))
    for (const item of items) assert.include(configurationTypes, item.type, item.key)
    const byKey = Object.fromEntries(items.map((item) => [item.key, item]))
    for (const common of [
      "oauth.api.key",
      "oauth.api.secret",
      "oauth.callback.url",
      "base.url",
      "oauth.authorization.url",
      "oauth.token.url",
      "event.notification.enabled",
      "event.notification.callback.url",
      "event.poller.refresh_interval",
      "event.poller.configuration"
    ]) {
      assert.property(byKey, common, `${key} configuration lists ${common}`)
    }
    assert.strictEqual(byKey["oauth.api.secret"].type, "PASSWORD")
    assert.strictEqual(byKey["event.poller.refresh_interval"].defaultValue, "15")
    return byKey
  }

  /**
   * The runner's authorize URL, checked against the vendor's, then sent to the fake's authorize
   * endpoint (the runner knows only the real vendor's), which redirects back with a code.
   */
  const authorize = async (options: {
    readonly key: string
    readonly clientId: string
    readonly clientSecret: string
    readonly callbackUrl: string
    readonly vendorAuthorize: string
    readonly fakeAuthorize: string
  }) => {
    const state = canary("state")
    const query = new URLSearchParams({
      apiKey: options.clientId,
      apiSecret: options.clientSecret,
      callbackUrl: options.callbackUrl,
      state
    })
    const answer = await json(await platform(`/elements/${options.key}/oauth/url?${query}`))
    assert.strictEqual(answer.element, options.key, JSON.stringify(answer))
    const url = new URL(answer.oauthUrl)
    assert.strictEqual(`${url.origin}${url.pathname}`, options.vendorAuthorize)
    assert.strictEqual(url.searchParams.get("client_id"), options.clientId)
    assert.strictEqual(url.searchParams.get("redirect_uri"), options.callbackUrl)
    assert.strictEqual(url.searchParams.get("state"), state)
    assert.strictEqual(url.searchParams.get("response_type"), "code")
    const atFake = new URL(options.fakeAuthorize)
    for (const [name, value] of url.searchParams) atFake.searchParams.set(name, value)
    const redirect = await fetch(atFake, { redirect: "manual" })
    assert.strictEqual(redirect.status, 302, await redirect.text())
    const back = new URL(redirect.headers.get("location")!)
    assert.strictEqual(`${back.origin}${back.pathname}`, options.callbackUrl)
    assert.strictEqual(back.searchParams.get("state"), state)
    const code = back.searchParams.get("code")
    assert.isString(code, back.toString())
    return { url, code: code! }
  }

  /** Creates an instance; checks the answer and that no secret comes back. */
  const create = async (body: Json, secrets: ReadonlyArray<string>) => {
    const response = await platform("/instances", { method: "POST", json: body })
    const instance = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(instance))
    assert.isNumber(instance.id)
    assert.isString(instance.token)
    assert.strictEqual(instance.name, body.name)
    assert.strictEqual(instance.element.key, body.element.key)
    assert.isTrue(instance.valid)
    assert.isFalse(instance.eventsEnabled)
    for (const value of Object.values(instance.configuration)) {
      assert.isTrue(value === null || typeof value === "string", JSON.stringify(value))
    }
    const text = JSON.stringify(instance)
    for (const secret of secrets) assert.notInclude(text, secret, "a secret in the create response")
    const listed = JSON.stringify(await json(await platform(`/instances/${instance.id}`)))
    for (const secret of secrets) assert.notInclude(listed, secret, "a secret in GET /instances/{id}")
    return instance
  }

  /** Switches events on with a PATCH; the callback goes to the receiver, polls every 1.2 s. */
  const enableEvents = async (
    instance: Json,
    target: CallbackReceiver.CallbackReceiver,
    path: string,
    extra: Record<string, unknown>
  ) => {
    const response = await platform(`/instances/${instance.id}`, {
      method: "PATCH",
      json: {
        configuration: {
          "event.notification.enabled": true,
          "event.notification.callback.url": `${target.url}${path}`,
          "event.notification.signature.key": hookSigningKey,
          "event.poller.refresh_interval": "0.02",
          ...extra
        }
      }
    })
    const patched = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(patched))
    assert.isTrue(patched.eventsEnabled)
    assert.strictEqual(patched.configuration["event.notification.enabled"], "true")
    assert.strictEqual(patched.configuration["event.notification.signature.key"], "********")
    assert.strictEqual(patched.configuration["event.notification.basic.password"], "********")
    assert.notInclude(JSON.stringify(patched), hookSigningKey)
    return patched
  }

  /** Waits until every poller of an instance has polled successfully since `since`. */
  const polledSince = (instance: Json, since: number) =>
    until(
      `a successful poll of every resource of ${instance.element.key}`,
      async () => json(await platform(`/instances/${instance.id}/events/status`)),
      (status: Json) =>
        status.pollers.length > 0 &&
        status.pollers.every(
          (poller: Json) =>
            poller.active && poller.lastSuccessDate !== null && Date.parse(poller.lastSuccessDate) > since
        )
    )

  it("lists both elements in the catalog and their hubs", async () => {
    const keys: Array<string> = await json(await runner.call("/elements/keys"))
    assert.includeMembers(keys, ["sage200", "sendoso"])
    const hubs: Array<Json> = await json(await runner.call("/hubs"))
    assert.includeMembers(
      hubs.map((h) => h.key),
      ["finance", "rewards"]
    )
  })

  describe("sage200", () => {
    it("shows the element, its metadata and the seed's configuration keys", async () => {
      const items = await checkCatalog("sage200", "finance", "Sage 200", ["polling"])
      for (const key of ["subscription.key", "signing.key", "company.name", "sage200.edition"]) {
        assert.property(items, key, `sage200 configuration lists ${key}`)
      }
      assert.strictEqual(items["subscription.key"].type, "PASSWORD")
      assert.strictEqual(items["signing.key"].type, "PASSWORD")
      assert.strictEqual(items["sage200.edition"].defaultValue, "sage200")
      assert.strictEqual(items["oauth.token.url"].defaultValue, "https://id.sage.com/oauth/token")
    })

    it("creates an instance from seed 002 with a code exchanged at the fake, secrets masked", async () => {
      const { url, code } = await authorize({
        key: "sage200",
        clientId: sage200Client.clientId,
        clientSecret: sage200Client.clientSecret,
        callbackUrl: sage200CallbackUrl,
        vendorAuthorize: "https://id.sage.com/authorize",
        fakeAuthorize: s200.authorizationUrl
      })
      assert.strictEqual(url.searchParams.get("audience"), "s200ukipd/sage200")
      const seed = sage200Body({
        code,
        clientId: sage200Client.clientId,
        clientSecret: sage200Client.clientSecret,
        subscriptionKey: sage200SubscriptionKey,
        signingKey: sage200SigningKey,
        callbackUrl: sage200CallbackUrl
      })
      const body = {
        ...seed,
        configuration: {
          ...seed.configuration,
          "base.url": s200.baseUrl,
          "oauth.authorization.url": s200.authorizationUrl,
          "oauth.token.url": s200.tokenUrl
        }
      }
      sage200Instance = await create(body, [
        sage200Client.clientId,
        sage200Client.clientSecret,
        sage200SubscriptionKey,
        sage200SigningKey,
        sage200Basic.password
      ])
      assert.deepStrictEqual(sage200Instance.tags, ["API_Polling_Sage200"])
      const configuration = sage200Instance.configuration
      for (const key of [
        "oauth.api.key",
        "oauth.api.secret",
        "subscription.key",
        "signing.key",
        "event.notification.basic.password"
      ]) {
        assert.strictEqual(configuration[key], "********", key)
      }
      assert.strictEqual(configuration["company.name"], "Cloud-Elements Demodata")
      assert.strictEqual(configuration["base.url"], s200.baseUrl)
      assert.strictEqual(configuration["oauth.token.url"], s200.tokenUrl)
      assert.strictEqual(configuration["event.notification.enabled"], "false")
      assert.strictEqual(configuration["event.poller.refresh_interval"], "15")
      assert.deepStrictEqual(
        JSON.parse(configuration["event.poller.configuration"]),
        sage200SeedPollers,
        "the seed's poller configuration is kept as written"
      )
      assert.deepStrictEqual(
        s200.oauth.tokenRequests.map((request) => [request.grantType, request.status]),
        [["authorization_code", 200]]
      )
      // The credential check went through with the subscription key and the company's headers.
      const checked = s200.requests.find((request) => request.path === "/customers")
      assert.isDefined(checked)
      assert.strictEqual(checked!.headers["ocp-apim-subscription-key"], sage200SubscriptionKey)
      assert.strictEqual(checked!.headers["x-company"], String(s200.companies[0]!.companyId))
    })

    it("lists customers with CEQL and pages through them with nextPage", async () => {
      const onHold = customers.filter((c) => c.status === "OnHold").map((c) => c.id)
      const all = await hubPage(
        sage200Instance,
        `/hubs/finance/customers?where=${encodeURIComponent("account_status = 'OnHold'")}&pageSize=100`
      )
      assert.sameMembers(
        all.body.map((record) => record.id),
        onHold,
        "OnHold customers only, not the OnHold suppliers"
      )
      assert.isNull(all.next)
      const pages = await pageAll(sage200Instance, "/hubs/finance/customers", "account_status = 'OnHold'", 3)
      assert.deepStrictEqual(
        pages.map((page) => page.length),
        [3, 3, 2]
      )
      assert.deepStrictEqual(
        pages.flat().map((record) => record.id),
        onHold
      )
      const everything = await pageAll(sage200Instance, "/hubs/finance/customers", "id > 0", 10)
      assert.deepStrictEqual(
        everything.flat().map((record) => record.id),
        customers.map((c) => c.id)
      )
    })

    it("gets a customer by id, and answers 404 naming the resources for an unknown one", async () => {
      const wanted = customers[4]!
      const response = await hub(sage200Instance, `/hubs/finance/customers/${wanted.id}`)
      const record = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(record))
      assert.strictEqual(record.id, wanted.id)
      assert.strictEqual(record.reference, "CUST4")
      const missing = await hub(sage200Instance, "/hubs/finance/customers/999999")
      assert.strictEqual(missing.status, 404, await missing.text())
      // Sage 200 declares vendor objects (`/hubs/finance/{objectName}`, contract §6): a name that is no
      // resource goes to the vendor as an object, and the vendor's 404 comes back with its message
      // and the element's own resources.
      const unknown = await hub(sage200Instance, "/hubs/finance/journals")
      const error = await json(unknown)
      assert.strictEqual(unknown.status, 404, JSON.stringify(error))
      assert.isString(error.requestId)
      assert.include(error.message, "journals")
      assert.include(error.message, "resources are customers")
      assert.include(error.providerMessage, "/journals")
      // A missing record of a declared resource is a plain 404.
      assert.notInclude(
        (await json(await hub(sage200Instance, "/hubs/finance/customers/999998"))).message,
        "resources are"
      )
    })

    it("delivers signed events for a customer changed in the fake once events are switched on", async () => {
      const since = Date.now()
      await enableEvents(sage200Instance, sage200Receiver, "/hooks/sage200", {})
      await polledSince(sage200Instance, since)
      const changed = String(customers[7]!.id)
      s200.store.update("customers", changed, { name: "Renamed Customer 7" })
      // The seed's `customers` entry and its `transactions` entry (whose URL lists customers) both see it.
      const delivered = await sage200Receiver.waitForDelivered(2, 15_000)
      const reported = delivered.flatMap((request) => {
        const objectType = (request.json as Json).message.raw.objectType
        assert.oneOf(objectType, ["customers", "transactions"])
        const message = checkRequest(request, {
          instanceId: sage200Instance.id,
          userId: sage200Instance.user.id,
          path: "/hooks/sage200",
          elementKey: "sage200",
          hubKey: "finance",
          objectType,
          idField: "id",
          signatureKey: hookSigningKey,
          basic: sage200Basic
        })
        return message.events.map((event: Json) => `${event.objectType}|${event.objectId}|${event.eventType}`)
      })
      assert.sameMembers(reported, [`customers|${changed}|UPDATED`, `transactions|${changed}|UPDATED`])
    }, 30_000)
  })

  describe("sendoso", () => {
    it("shows the element, its metadata and the seed's configuration keys", async () => {
      const items = await checkCatalog("sendoso", "rewards", "Sendoso", ["polling", "webhook"])
      // No element default: the seed's Cloud Elements URL comes from its body; unset means the runner's own callback.
      assert.isNull(items["oauth.callback.url"].defaultValue)
      assert.strictEqual(items["oauth.token.url"].defaultValue, "https://app.sendoso.com/oauth/token")
    })

    it("creates an instance from seed 001 with a code exchanged at the fake, secrets masked", async () => {
      const { code } = await authorize({
        key: "sendoso",
        clientId: sendosoClient.clientId,
        clientSecret: sendosoClient.clientSecret,
        callbackUrl: sendosoCallbackUrl,
        vendorAuthorize: "https://app.sendoso.com/oauth/authorize",
        fakeAuthorize: sendoso.authorizationUrl
      })
      const seed = sendosoBody({ code, ...sendosoClient })
      sendosoInstance = await create(
        {
          ...seed,
          configuration: {
            ...seed.configuration,
            "base.url": sendoso.baseUrl,
            "oauth.authorization.url": sendoso.authorizationUrl,
            "oauth.token.url": sendoso.tokenUrl
          }
        },
        [sendosoClient.clientId, sendosoClient.clientSecret]
      )
      const configuration = sendosoInstance.configuration
      assert.strictEqual(configuration["oauth.api.key"], "********")
      assert.strictEqual(configuration["oauth.api.secret"], "********")
      assert.strictEqual(configuration["oauth.callback.url"], sendosoCallbackUrl)
      assert.strictEqual(configuration["base.url"], sendoso.baseUrl)
      const exchanges = sendoso.oauth.tokenRequests.filter((r) => r.grantType === "authorization_code")
      assert.deepStrictEqual(
        exchanges.map((r) => [r.status, r.redirectUri]),
        [[200, sendosoCallbackUrl]]
      )
    })

    it("lists touches with CEQL and pages through them with nextPage", async () => {
      const email = touches.filter((t) => t.deliveryType === "email").map((t) => t.id)
      const filtered = await hubPage(
        sendosoInstance,
        `/hubs/rewards/touches?where=${encodeURIComponent("delivery_type = 'email'")}&pageSize=100`
      )
      assert.deepStrictEqual(
        filtered.body.map((record) => record.id),
        email
      )
      assert.isNull(filtered.next)
      const pages = await pageAll(sendosoInstance, "/hubs/rewards/touches", "delivery_type = 'email'", 4)
      assert.isAtLeast(pages.length, 3)
      assert.deepStrictEqual(
        pages.flat().map((record) => record.id),
        email
      )
      const named = await pageAll(sendosoInstance, "/hubs/rewards/touches", "name LIKE 'Campaign 1%'", 5)
      assert.sameMembers(
        named.flat().map((record) => record.name),
        touches.map((_, index) => `Campaign ${index}`).filter((name) => name.startsWith("Campaign 1"))
      )
      const listedGroups = await hubPage(sendosoInstance, "/hubs/rewards/groups?pageSize=100")
      assert.deepStrictEqual(
        listedGroups.body.map((record) => record.id),
        [...groups]
      )
    })

    it("gets a touch by id, and answers 404 naming the resources for /hubs/rewards/journals", async () => {
      const wanted = touches[5]!
      const response = await hub(sendosoInstance, `/hubs/rewards/touches/${wanted.id}`)
      const record = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(record))
      assert.strictEqual(record.id, wanted.id)
      assert.strictEqual(record.name, "Campaign 5")
      const unknown = await hub(sendosoInstance, "/hubs/rewards/journals")
      const error = await json(unknown)
      assert.strictEqual(unknown.status, 404, JSON.stringify(error))
      assert.isString(error.requestId)
      for (const resource of ["groups", "touches", "gifts", "users"]) {
        assert.include(error.message, resource, "the 404 names the element's resources")
      }
    })

    it("delivers a signed event for a group changed in the fake once events are switched on", async () => {
      const since = Date.now()
      await enableEvents(sendosoInstance, receiver, "/hooks/sendoso", {
        "event.notification.basic.username": sendosoBasic.username,
        "event.notification.basic.password": sendosoBasic.password
      })
      await polledSince(sendosoInstance, since)
      ledger.subscribe({
        instanceId: sendosoInstance.id,
        userId: sendosoInstance.user.id,
        path: "/hooks/sendoso",
        elementKey: "sendoso",
        hubKey: "rewards",
        objectType: "groups",
        idField: "id",
        signatureKey: hookSigningKey,
        basic: sendosoBasic
      })
      const changed = groups[2]!
      sendoso.store.change("groups", changed, { budget: 4242 })
      ledger.expect({
        instanceId: sendosoInstance.id,
        objectType: "groups",
        objectId: String(changed),
        eventType: "UPDATED"
      })
      const added = sendoso.store.add("groups", FakeSendosoSamples.group(9))
      ledger.expect({
        instanceId: sendosoInstance.id,
        objectType: "groups",
        objectId: String(added.id),
        eventType: "CREATED"
      })
      await ledger.waitForAll(receiver, 15_000)
    }, 30_000)
  })

  it("delivered every event once, none extra, and the events API lists them NOTIFIED", async () => {
    // A few more poll rounds: nothing more may arrive.
    await sleep(2_500)
    const { missing, extra } = ledger.compare(receiver)
    assert.deepStrictEqual({ missing, extra }, { missing: [], extra: [] })
    assert.strictEqual(sage200Receiver.received.length, 2, "Sage 200: the two notifications, nothing more")
    const changedCustomer = String(customers[7]!.id)
    const expected = new Map<Json, ReadonlyArray<string>>([
      [sage200Instance, [`customers|${changedCustomer}|UPDATED`, `transactions|${changedCustomer}|UPDATED`]],
      [
        sendosoInstance,
        ledger.expected.map((change) => `${change.objectType}|${change.objectId}|${change.eventType}`)
      ]
    ])
    for (const [instance, changes] of expected) {
      const events: Array<Json> = await until(
        `the events of ${instance.element.key}, all NOTIFIED`,
        async () => json(await platform(`/instances/${instance.id}/events?pageSize=100`)),
        (list: Array<Json>) =>
          list.length === changes.length && list.every((event) => event.status === "NOTIFIED")
      )
      assert.sameMembers(
        events.map((event) => `${event.objectType}|${event.objectId}|${event.eventType}`),
        [...changes]
      )
      for (const event of events) assert.strictEqual(event.instanceId, instance.id)
    }
  }, 20_000)
})
