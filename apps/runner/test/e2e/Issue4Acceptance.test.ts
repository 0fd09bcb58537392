/**
 * Acceptance of issue 4, end to end over real HTTP on loopback, on SQLite and on PostgreSQL: a runner
 * with the fake Sage CRM and fake Sage Business Cloud Accounting vendors and a fake callback
 * receiver. Instances are created from the seed bodies (004 and 003) with only the endpoints,
 * credentials and callback settings changed; they are queried with CEQL and paged with `nextPage`;
 * polling runs every 1.2 s; records created, updated and deleted in the fakes arrive as signed,
 * correctly shaped events — exactly once each, a repeat only as a resend of the same `webhook-id` —
 * across a graceful restart and a SIGKILL of the real entry point, with changes made before,
 * during and after each downtime; and the instance events API lists them all.
 */
import { randomBytes } from "node:crypto"
import {
  type FakeSageAccounting,
  startFakeSageAccounting
} from "@plugboard/connector-sage-accounting/testing"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { postgresReachable } from "../support/Backends.js"
import { sageCrmBody, sageOneBody } from "../support/Seeds.js"
import type { Backend } from "../support/TestRunner.js"
import { CallbackLedger, type Subscriber } from "./CallbackLedger.js"
import { type ChildRunner, startChild } from "./ChildRunner.js"
import { type Deployment, makeDeployment } from "./Deployment.js"
import { heldClaims } from "./HeldClaims.js"
import { startInProcess } from "./InProcessRunner.js"
import type { RunnerHandle } from "./RunnerHandle.js"
import { VendorChanges } from "./VendorChanges.js"
import { historyStart, type Seeded, seedCrm, seedSage } from "./VendorSeed.js"
import { sleep, until as waitUntil } from "../support/Until.js"

// Answers are read loosely on purpose: the assertions check their shape field by field.
// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const canary = (name: string) => `${name}-canary-${randomBytes(6).toString("hex")}`

/** The seed's date placeholder for Sage CRM's poller URL (text for the runner to fill). */
const gmtPlaceholder = "$" + "{gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}"

/** How soon after a SIGKILL the next runner must have taken over the killed one's work. */
const recoveryBound = 60_000

/** Background work here may take a runner restart: wait longer than the default. */
const until = <A>(what: string, read: () => Promise<A>, check: (value: A) => boolean, timeoutMs = 20_000) =>
  waitUntil(what, read, check, timeoutMs)

describe.each(backends)("issue 4 end to end on %s", (backend) => {
  const crmPassword = canary("crm-password")
  const crmSigningKey = canary("crm-signing-key")
  const sageSigningKey = `whsec_${randomBytes(24).toString("base64")}`
  const sageClient = { clientId: canary("sage-client-id"), clientSecret: canary("sage-client-secret") }
  const subscriptionKey = canary("apim-key")
  const crmBasic = { username: "crm-hook", password: canary("crm-hook-password") }
  const sageBasic = { username: "sage-hook", password: canary("sage-hook-password") }
  const secrets = [
    crmPassword,
    crmSigningKey,
    sageSigningKey,
    sageClient.clientId,
    sageClient.clientSecret,
    subscriptionKey,
    crmBasic.password,
    sageBasic.password
  ]

  const ledger = new CallbackLedger()
  let crm: FakeSageCrm
  let sage: FakeSageAccounting
  let receiver: CallbackReceiver.CallbackReceiver
  let deployment: Deployment
  let runner: RunnerHandle | undefined
  let child: ChildRunner | undefined
  let crmSeed: ReadonlyArray<Seeded<number>>
  let sageSeed: ReadonlyArray<Seeded<string>>
  let crmInstance: Json
  let sageInstance: Json
  let changes: VendorChanges
  // Objects whose last change has been reported, so they may change again: a record changed twice
  // between two polls is reported once, in its latest version (the poller's documented guarantee).
  const settled = { crm: [] as Array<number>, sage: [] as Array<string> }

  const json = async (response: Response): Promise<Json> => JSON.parse(await response.text())
  const live = (): RunnerHandle => {
    assert.isDefined(runner, "no runner is running")
    return runner!
  }
  const get = (path: string, elementToken?: string) =>
    live().call(path, { headers: { authorization: deployment.authorization(elementToken) } })

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: crmPassword })
    sage = await startFakeSageAccounting({ clients: [sageClient], subscriptionKey })
    // The very first callback is refused, so one notification is delivered by a retry.
    receiver = await CallbackReceiver.start((index) => (index === 0 ? 503 : 200))
    const start = historyStart()
    crmSeed = seedCrm(crm, start)
    sageSeed = seedSage(sage, start).customers
    deployment = await makeDeployment(backend)
    runner = await startInProcess(deployment)
  }, 60_000)

  afterAll(async () => {
    await child?.kill()
    await runner?.stop()
    await receiver?.close()
    await crm?.close()
    await sage?.close()
    await deployment?.dispose()
  }, 60_000)

  const subscriber = (instance: Json, fields: Omit<Subscriber, "instanceId" | "userId">): Subscriber => ({
    instanceId: instance.id,
    userId: instance.user.id,
    ...fields
  })

  const checkCreated = (instance: Json, elementKey: string) => {
    assert.hasAllKeys(instance, [
      "id",
      "name",
      "createdDate",
      "token",
      "element",
      "elementId",
      "tags",
      "provisionInteractions",
      "valid",
      "disabled",
      "maxCacheSize",
      "cacheTimeToLive",
      "configuration",
      "eventsEnabled",
      "traceLoggingEnabled",
      "cachingEnabled",
      "externalAuthentication",
      "user"
    ])
    assert.isNumber(instance.id)
    assert.isString(instance.token)
    assert.isAbove(instance.token.length, 30)
    assert.match(instance.createdDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    assert.strictEqual(instance.element.key, elementKey)
    assert.strictEqual(instance.elementId, instance.element.id)
    assert.deepStrictEqual(instance.provisionInteractions, [])
    assert.isTrue(instance.valid)
    assert.isFalse(instance.disabled)
    assert.isTrue(instance.eventsEnabled)
    assert.isNumber(instance.user.id)
    for (const value of Object.values(instance.configuration)) {
      assert.isTrue(value === null || typeof value === "string", JSON.stringify(value))
    }
    const configuration = instance.configuration
    assert.strictEqual(configuration["event.notification.enabled"], "true")
    assert.strictEqual(configuration["event.poller.refresh_interval"], "0.02")
    assert.strictEqual(configuration["event.notification.signature.key"], "********")
    assert.strictEqual(configuration["event.notification.basic.password"], "********")
    const text = JSON.stringify(instance)
    for (const secret of secrets) assert.notInclude(text, secret, "a secret in the create response")
  }

  it("creates sagecrm and sageone instances from the seed bodies, with masked secrets", async () => {
    const crmSeedBody = sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: crmPassword })
    const crmCreated = await live().call("/instances", {
      method: "POST",
      headers: { authorization: deployment.authorization() },
      json: {
        ...crmSeedBody,
        configuration: {
          ...crmSeedBody.configuration,
          "event.notification.enabled": true,
          "event.notification.callback.url": `${receiver.url}/hooks/sagecrm`,
          "event.notification.basic.username": crmBasic.username,
          "event.notification.basic.password": crmBasic.password,
          "event.notification.signature.key": crmSigningKey,
          "event.poller.refresh_interval": "0.02",
          // The connector's documented poller entry; idField and dates come from the resource's defaults.
          "event.poller.configuration": {
            accounts: { url: `/hubs/crm/accounts?where=Comp_UpdatedDate >= '${gmtPlaceholder}'` }
          }
        }
      }
    })
    crmInstance = await json(crmCreated)
    assert.strictEqual(crmCreated.status, 200, JSON.stringify(crmInstance))
    checkCreated(crmInstance, "sagecrm")
    assert.strictEqual(crmInstance.name, "SageCRM")
    assert.deepStrictEqual(crmInstance.tags, ["Docs"])
    assert.strictEqual(crmInstance.configuration.password, "********")
    assert.strictEqual(crmInstance.configuration.username, "admin")
    assert.strictEqual(crmInstance.configuration.subdomain, "sagecrm-0.cloud-elements.com")
    assert.strictEqual(crmInstance.configuration["base.url"], crm.baseUrl)

    // A real authorization code: the runner's authorize URL, sent to the fake's authorize endpoint
    // (the runner knows the real vendor's), which redirects back with the code.
    const oauthUrl = await json(
      await live().call(
        `/elements/sageone/oauth/url?apiKey=${sageClient.clientId}&apiSecret=${sageClient.clientSecret}&callbackUrl=${encodeURIComponent("https://mycoolapp.com")}&state=e2e-state`,
        { headers: { authorization: deployment.authorization() } }
      )
    )
    assert.strictEqual(oauthUrl.element, "sageone")
    const authorize = new URL(sage.authorizationUrl)
    for (const [name, value] of new URL(oauthUrl.oauthUrl).searchParams)
      authorize.searchParams.set(name, value)
    const redirect = await fetch(authorize, { redirect: "manual" })
    assert.strictEqual(redirect.status, 302, await redirect.text())
    const back = new URL(redirect.headers.get("location")!)
    assert.strictEqual(back.searchParams.get("state"), "e2e-state")
    const code = back.searchParams.get("code")
    assert.isString(code)

    const sageSeedBody = sageOneBody({
      code: code!,
      clientId: sageClient.clientId,
      clientSecret: sageClient.clientSecret,
      baseUrl: sage.baseUrl,
      tokenUrl: sage.tokenUrl,
      signingSecret: canary("sage-app-signing-secret"),
      subscriptionKey
    })
    const sageCreated = await live().call("/instances", {
      method: "POST",
      headers: { authorization: deployment.authorization() },
      json: {
        ...sageSeedBody,
        configuration: {
          ...sageSeedBody.configuration,
          "oauth.authorization.url": sage.authorizationUrl,
          "event.notification.callback.url": `${receiver.url}/hooks/sageone`,
          "event.notification.basic.username": sageBasic.username,
          "event.notification.basic.password": sageBasic.password,
          "event.notification.signature.key": sageSigningKey,
          "event.poller.refresh_interval": "0.02"
        }
      }
    })
    sageInstance = await json(sageCreated)
    assert.strictEqual(sageCreated.status, 200, JSON.stringify(sageInstance))
    checkCreated(sageInstance, "sageone")
    assert.strictEqual(sageInstance.name, "API_Polling")
    assert.deepStrictEqual(sageInstance.tags, ["Test"])
    for (const key of ["oauth.api.key", "oauth.api.secret", "signature.secret", "apim.subscription.key"]) {
      assert.strictEqual(sageInstance.configuration[key], "********", key)
    }
    assert.strictEqual(sageInstance.configuration["base.url"], sage.baseUrl)
    assert.strictEqual(sageInstance.configuration["oauth.token.url"], sage.tokenUrl)
    assert.strictEqual(sageInstance.configuration.country, "US")
    const pollers = JSON.parse(sageInstance.configuration["event.poller.configuration"])
    assert.deepStrictEqual(Object.keys(pollers), ["customers"])
    assert.strictEqual(pollers.customers.idField, "id")
    assert.strictEqual(
      sage.oauth.tokenRequests.filter((request) => request.grantType === "authorization_code").length,
      1
    )

    for (const instance of [crmInstance, sageInstance]) {
      const status = await json(await get(`/instances/${instance.id}/events/status`))
      assert.strictEqual(status.pollers.length, 1)
      assert.isTrue(status.pollers[0].active)
      assert.strictEqual(status.pollers[0].refreshInterval, 0.02)
    }

    ledger.subscribe(
      subscriber(crmInstance, {
        path: "/hooks/sagecrm",
        elementKey: "sagecrm",
        hubKey: "crm",
        objectType: "accounts",
        idField: "comp_companyid",
        signatureKey: crmSigningKey,
        basic: crmBasic
      })
    )
    ledger.subscribe(
      subscriber(sageInstance, {
        path: "/hooks/sageone",
        elementKey: "sageone",
        hubKey: "finance",
        objectType: "customers",
        idField: "id",
        signatureKey: sageSigningKey,
        basic: sageBasic
      })
    )
    changes = new VendorChanges(crm, sage, ledger, {
      crmInstanceId: crmInstance.id,
      sageInstanceId: sageInstance.id
    })
  })

  /** Reads a hub list; checks status, bare array and the `Elements-*` headers of one page. */
  const hubPage = async (instance: Json, path: string) => {
    const response = await get(path, instance.token)
    const body = await json(response)
    assert.strictEqual(response.status, 200, `${path}: ${JSON.stringify(body)}`)
    assert.isArray(body, path)
    assert.strictEqual(response.headers.get("elements-returned-count"), String(body.length), path)
    assert.strictEqual(response.headers.get("elements-element-instance-id"), String(instance.id), path)
    assert.isString(response.headers.get("elements-request-id"), path)
    return { body: body as Array<Json>, headers: response.headers }
  }

  const filtered = (resource: string, where: string) => `${resource}?where=${encodeURIComponent(where)}`
  const query = (resource: string, where: string) => `${filtered(resource, where)}&pageSize=100`

  it("queries with CEQL: an equality and a date range, exactly", async () => {
    const customers = await hubPage(crmInstance, query("/hubs/crm/accounts", "comp_type = 'Customer'"))
    assert.sameMembers(
      customers.body.map((record) => record.comp_companyid),
      crmSeed.filter((seeded) => seeded.group === "Customer").map((seeded) => seeded.id)
    )
    assert.isNull(customers.headers.get("elements-next-page-token"))
    const range = await hubPage(
      crmInstance,
      query(
        "/hubs/crm/accounts",
        `comp_updateddate >= '${crmSeed[5]!.at}' AND comp_updateddate <= '${crmSeed[14]!.at}'`
      )
    )
    assert.sameMembers(
      range.body.map((record) => record.comp_companyid),
      crmSeed.slice(5, 15).map((seeded) => seeded.id)
    )

    const gold = await hubPage(sageInstance, query("/hubs/finance/customers", "reference = 'GOLD'"))
    assert.sameMembers(
      gold.body.map((record) => record.id),
      sageSeed.filter((seeded) => seeded.group === "GOLD").map((seeded) => seeded.id),
      "GOLD customers only: not GOLDEN, not the GOLD suppliers"
    )
    const sageRange = await hubPage(
      sageInstance,
      query(
        "/hubs/finance/customers",
        `updated_at >= '${sageSeed[3]!.at}' and updated_at <= '${sageSeed[9]!.at}'`
      )
    )
    assert.sameMembers(
      sageRange.body.map((record) => record.id),
      sageSeed.slice(3, 10).map((seeded) => seeded.id)
    )
  })

  /** Follows `nextPage` to the end; every page checked, the records of all pages returned in order. */
  const pageAll = async (instance: Json, path: string, pageSize: number) => {
    const pages: Array<Array<Json>> = []
    let next: string | null = null
    do {
      const separator = path.includes("?") ? "&" : "?"
      const url: string = `${path}${separator}pageSize=${pageSize}${next === null ? "" : `&nextPage=${encodeURIComponent(next)}`}`
      const page = await hubPage(instance, url)
      assert.isAtMost(page.body.length, pageSize, url)
      pages.push(page.body)
      next = page.headers.get("elements-next-page-token")
      assert.isBelow(pages.length, 20, `${path}: too many pages`)
    } while (next !== null)
    return pages
  }

  const once = (ids: ReadonlyArray<unknown>, expected: ReadonlyArray<unknown>, what: string) => {
    assert.strictEqual(new Set(ids).size, ids.length, `${what}: a record came twice`)
    assert.sameMembers([...ids], [...expected], what)
  }

  it("pages through with nextPage: every record exactly once, over three pages or more", async () => {
    const first = await hubPage(crmInstance, "/hubs/crm/accounts?pageSize=10&returnCount=true")
    assert.strictEqual(first.headers.get("elements-total-count"), String(crmSeed.length))
    const crmPages = await pageAll(crmInstance, "/hubs/crm/accounts", 10)
    assert.deepStrictEqual(
      crmPages.map((page) => page.length),
      [10, 10, 4]
    )
    once(
      crmPages.flat().map((record) => record.comp_companyid),
      crmSeed.map((seeded) => seeded.id),
      "sagecrm accounts"
    )
    const crmRange = await pageAll(
      crmInstance,
      filtered(
        "/hubs/crm/accounts",
        `comp_updateddate >= '${crmSeed[5]!.at}' AND comp_updateddate <= '${crmSeed[14]!.at}'`
      ),
      4
    )
    assert.isAtLeast(crmRange.length, 3)
    once(
      crmRange.flat().map((record) => record.comp_companyid),
      crmSeed.slice(5, 15).map((seeded) => seeded.id),
      "sagecrm accounts in a date range"
    )

    const sagePages = await pageAll(sageInstance, "/hubs/finance/customers", 10)
    assert.isAtLeast(sagePages.length, 3)
    once(
      sagePages.flat().map((record) => record.id),
      sageSeed.map((seeded) => seeded.id),
      "sageone customers"
    )
    const sageRange = await pageAll(
      sageInstance,
      filtered(
        "/hubs/finance/customers",
        `updated_at >= '${sageSeed[2]!.at}' and updated_at <= '${sageSeed[12]!.at}'`
      ),
      4
    )
    assert.isAtLeast(sageRange.length, 3)
    once(
      sageRange.flat().map((record) => record.id),
      sageSeed.slice(2, 13).map((seeded) => seeded.id),
      "sageone customers in a date range"
    )
  })

  it("delivers signed, correctly shaped events for records created, updated and deleted in the fakes", async () => {
    const crmCreated = [changes.crmCreate(), changes.crmCreate()]
    await changes.crmUpdate(crmSeed[0]!.id)
    const sageCreated = [changes.sageCreate(), changes.sageCreate()]
    await changes.sageUpdate(sageSeed[0]!.id)
    changes.sageDelete(sageSeed[1]!.id)
    await ledger.waitForAll(receiver, 25_000)
    settled.crm.push(...crmCreated)
    settled.sage.push(...sageCreated)

    const refused = receiver.received[0]!
    assert.strictEqual(refused.status, 503)
    const retried = ledger
      .delivered(receiver)
      .find((entry) => entry.webhookId === refused.headers["webhook-id"])
    assert.isDefined(retried, "the refused notification was delivered by a retry")
    assert.isAtLeast(retried!.attempts, 2)
  }, 40_000)

  it("restarts gracefully mid-way and loses nothing changed before, during or after the downtime", async () => {
    // Before: made while the runner polls, then the runner stops without waiting for them.
    const crmBefore = changes.crmCreate()
    await changes.crmUpdate(crmSeed[1]!.id)
    const sageBefore = changes.sageCreate()
    await changes.sageUpdate(sageSeed[2]!.id)
    await live().stop()
    runner = undefined

    // During: more than one notification's worth (10 events) for one resource.
    for (let index = 0; index < 12; index++) changes.crmCreate()
    await changes.crmUpdate(settled.crm.shift()!)
    const sageDuring = changes.sageCreate()
    await changes.sageUpdate(settled.sage.shift()!)
    changes.sageDelete(sageSeed[3]!.id)
    changes.sageDelete(settled.sage.shift()!)

    runner = await startInProcess(deployment)
    // After.
    const crmAfter = changes.crmCreate()
    await changes.crmUpdate(crmSeed[2]!.id)
    const sageAfter = changes.sageCreate()
    await changes.sageUpdate(sageSeed[4]!.id)
    await ledger.waitForAll(receiver, 30_000)
    settled.crm.push(crmBefore, crmAfter)
    settled.sage.push(sageBefore, sageDuring, sageAfter)
    const sizes = ledger.delivered(receiver).map((entry) => entry.message.events.length)
    assert.include(sizes, 10, "the changes made while down were cut into notifications of at most 10")
  }, 60_000)

  it("is killed with SIGKILL mid-way (the real entry point, a child process) and loses nothing", async () => {
    await live().stop()
    runner = undefined
    const killed = await startChild(deployment)
    child = killed
    runner = killed
    const before = receiver.received.length

    // Before: made while the child polls. The receiver refuses Sage Accounting's notification, so
    // the child is killed with it due for a retry: the next runner must resend it, same webhook-id.
    receiver.respondWith((_index, request) => (request.path === "/hooks/sageone" ? 503 : 200))
    changes.crmCreate()
    changes.crmCreate()
    await changes.crmUpdate(crmSeed[3]!.id)
    changes.sageCreate()
    await changes.sageUpdate(sageSeed[5]!.id)
    changes.sageDelete(sageSeed[6]!.id)
    const attempts = await until(
      "the child's delivery to Sage CRM's callback and its refused one to Sage Accounting's",
      async () => receiver.received.slice(before),
      (received) =>
        received.some((request) => request.path === "/hooks/sagecrm" && request.status === 200) &&
        received.some((request) => request.path === "/hooks/sageone" && request.status === 503),
      20_000
    )
    const refused = attempts.find((request) => request.status === 503)!.headers["webhook-id"]
    // Killed at once, whatever it holds: on PostgreSQL its claims lapse within their lease (30 s
    // past the last renewal) while its partitions move once the cluster's lock on them expires.
    if (deployment.databaseUrl !== undefined) {
      // Aim for the hard case: killed while it holds a claim (polls run every 1.2 s), if one shows
      // within a few seconds; otherwise killed all the same.
      const url = deployment.databaseUrl
      await until(
        "a claim held by the child",
        () => heldClaims(url),
        (held) => held.length > 0,
        5_000
      ).catch(() => [])
    }
    const killedAt = Date.now()
    await killed.kill()
    runner = undefined
    assert.strictEqual(killed.exit().signal, "SIGKILL", killed.output())
    // What the dead runner held (no other runner is up yet): taken over below, within the bound.
    const orphaned = deployment.databaseUrl === undefined ? [] : await heldClaims(deployment.databaseUrl)
    receiver.respondWith(() => 200)

    // During.
    changes.crmCreate()
    await changes.crmUpdate(settled.crm.shift()!)
    changes.sageCreate()
    await changes.sageUpdate(settled.sage.shift()!)
    changes.sageDelete(settled.sage.shift()!)
    changes.sageDelete(sageSeed[7]!.id)

    runner = await startInProcess(deployment)
    // After.
    changes.crmCreate()
    changes.sageCreate()
    await ledger.waitForAll(receiver, recoveryBound)
    const resent = receiver.received.filter(
      (request) => request.headers["webhook-id"] === refused && request.status === 200
    )
    const recovered = resent.find((request) => request.receivedAt > killedAt)
    assert.isDefined(
      recovered,
      "the notification refused before the kill was resent by the next runner, same webhook-id"
    )
    // On PostgreSQL the bound covers the dead runner's shard locks expiring and its claims lapsing
    // (both about 30 s, in parallel), plus a retry's wait; a claim waiting out an old 5–15 min
    // lease would fail it.
    assert.isBelow(recovered!.receivedAt - killedAt, recoveryBound, "the next runner took over too late")
    if (deployment.databaseUrl !== undefined && orphaned.length > 0) {
      const url = deployment.databaseUrl
      await until(
        `the ${orphaned.length} claims the killed runner held, taken over`,
        () => heldClaims(url),
        (held) => held.every((token) => !orphaned.includes(token)),
        Math.max(0, killedAt + recoveryBound - Date.now())
      )
    }
  }, 120_000)

  it("lists every event through the instance events API, each NOTIFIED with its notification id", async () => {
    // Nothing more may arrive once everything has: give the pollers a few more rounds.
    await sleep(3_000)
    const { missing, extra } = ledger.compare(receiver)
    assert.deepStrictEqual({ missing, extra }, { missing: [], extra: [] })
    const delivered = ledger.delivered(receiver)
    const webhookIds = new Set(delivered.map((entry) => entry.webhookId))
    for (const instance of [crmInstance, sageInstance]) {
      const expected = ledger.expected.filter((change) => change.instanceId === instance.id)
      const events: Array<Json> = await until(
        `the events of ${instance.element.key}, all NOTIFIED`,
        async () => json(await get(`/instances/${instance.id}/events?pageSize=1000`)),
        (list: Array<Json>) =>
          list.length === expected.length && list.every((event) => event.status === "NOTIFIED")
      )
      assert.sameDeepMembers(
        events.map((event) => `${event.objectType}|${event.objectId}|${event.eventType}`),
        expected.map((change) => `${change.objectType}|${change.objectId}|${change.eventType}`)
      )
      for (const event of events) {
        assert.strictEqual(event.instanceId, instance.id)
        assert.isTrue(webhookIds.has(event.notificationId), `event ${event.id} was never delivered`)
        assert.strictEqual(event.notifiedData.objectId, event.objectId)
        assert.strictEqual(event.notifiedData.eventType, event.eventType)
      }
      const status = await json(await get(`/instances/${instance.id}/events/status`))
      assert.deepStrictEqual(status.subscription.state, "active")
      assert.strictEqual(status.notifications.PENDING, 0)
      assert.strictEqual(status.notifications.FAILED, 0)
      assert.strictEqual(status.notifications.QUEUED, 0)
      assert.strictEqual(
        status.notifications.DELIVERED,
        delivered.filter((entry) => entry.instanceId === instance.id).length
      )
    }
  }, 40_000)
})
