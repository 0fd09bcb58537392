/**
 * The runner end to end over real HTTP on loopback, against the connectors' fake vendors, on SQLite
 * and (when reachable) PostgreSQL: catalog, instances from the seed bodies, hub calls, instance
 * management, OAuth helpers, and no secret at rest.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { SageAccounting } from "@plugboard/connector-sage-accounting"
import {
  type FakeSageAccounting,
  startFakeSageAccounting
} from "@plugboard/connector-sage-accounting/testing"
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { dumpPostgres, postgresReachable } from "./support/Backends.js"
import { type Json, json } from "./support/Json.js"
import { sageCrmBody, sageOneBody } from "./support/Seeds.js"
import { type Backend, startRunner, type TestRunner } from "./support/TestRunner.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const CRM_PASSWORD = "crm-password-canary-7f3a"
const CLIENT_SECRET = "client-secret-canary-91bd"
const SIGNING_SECRET = "signing-secret-canary-2c4e"
const SUBSCRIPTION_KEY = "apim-key-canary-55aa"

describe.each(backends)("runner on %s", (backend) => {
  let runner: TestRunner
  let crm: FakeSageCrm
  let sage: FakeSageAccounting
  const created: Array<{ readonly id: number; readonly token: string }> = []

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: CRM_PASSWORD })
    crm.store.insert("Company", { comp_name: "Acme Ltd", comp_type: "Customer" })
    crm.store.insert("Company", { comp_name: "Globex", comp_type: "Prospect" })
    crm.store.insert("Company", { comp_name: "Initech", comp_type: "Customer" })
    sage = await startFakeSageAccounting({
      clients: [{ clientId: "client-1", clientSecret: CLIENT_SECRET }],
      subscriptionKey: SUBSCRIPTION_KEY
    })
    runner = await startRunner({ backend, connectors: [SageCrm, SageAccounting] })
  })

  afterAll(async () => {
    await runner?.close()
    await crm?.close()
    await sage?.close()
  })

  const createCrm = async (
    body: object = sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: CRM_PASSWORD })
  ) => {
    const response = await runner.call("/instances", {
      method: "POST",
      headers: { authorization: runner.authorization() },
      json: body
    })
    const instance = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(instance))
    created.push({ id: instance.id, token: instance.token })
    return instance
  }

  describe("catalog", () => {
    it("lists elements, keys and hubs without credentials", async () => {
      const elements = await json(await runner.call("/elements"))
      assert.deepStrictEqual(
        elements.map((e: Json) => e.key),
        ["sagecrm", "sageone"]
      )
      assert.deepStrictEqual(await json(await runner.call("/elements/keys")), ["sagecrm", "sageone"])
      const hubs = await json(await runner.call("/hubs"))
      assert.deepStrictEqual(
        hubs.map((h: Json) => h.key),
        ["crm", "finance"]
      )
      for (const hub of hubs) assert.hasAllKeys(hub, ["id", "name", "key", "description"])
    })

    it("shows an element by key or id with the element JSON of contract §3", async () => {
      const byKey = await json(await runner.call("/elements/sagecrm"))
      const byId = await json(await runner.call(`/elements/${byKey.id}`))
      assert.deepStrictEqual(byId, byKey)
      assert.strictEqual(byKey.key, "sagecrm")
      assert.strictEqual(byKey.hub, "crm")
      assert.deepStrictEqual(byKey.authentication, { type: "basic" })
      assert.strictEqual(byKey.protocolType, "http")
      for (const field of [
        "id",
        "name",
        "description",
        "image",
        "active",
        "deleted",
        "typeOauth",
        "trialAccount",
        "resources",
        "transformationsEnabled",
        "bulkDownloadEnabled",
        "bulkUploadEnabled",
        "cloneable",
        "extendable",
        "beta",
        "extended",
        "parameters",
        "private"
      ]) {
        assert.property(byKey, field)
      }
      assert.strictEqual((await json(await runner.call("/elements/sageone"))).authentication.type, "oauth2")
    })

    it("shows metadata and configuration items", async () => {
      const metadata = await json(await runner.call("/elements/sagecrm/metadata"))
      assert.deepStrictEqual(metadata.events, { supported: true, methods: ["polling"] })
      const items = await json(await runner.call("/elements/sagecrm/configuration"))
      const byKey = Object.fromEntries(items.map((item: Json) => [item.key, item]))
      assert.strictEqual(byKey.password.type, "PASSWORD")
      assert.isTrue(byKey.subdomain.required)
      assert.strictEqual(byKey["event.poller.refresh_interval"].defaultValue, "15")
      for (const item of items) {
        assert.include(
          [
            "TEXTFIELD_32",
            "TEXTFIELD_128",
            "TEXTFIELD_1000",
            "TEXTAREA",
            "BOOLEAN",
            "PASSWORD",
            "CODE_EDITOR"
          ],
          item.type
        )
      }
    })

    it("serves the OpenAPI document, the docs page, and health", async () => {
      const openapi = await json(await runner.call("/openapi.json"))
      assert.property(openapi.paths, "/elements/api-v2/instances")
      assert.strictEqual((await runner.call("/docs")).status, 200)
      assert.deepStrictEqual(await json(await runner.call("//healthz")), { status: "ok" })
      assert.deepStrictEqual(await json(await runner.call("//readyz")), { status: "ready" })
    })
  })

  describe("Sage CRM instance from the seed body", () => {
    it("creates it with the response shape of seed 004 and secrets masked", async () => {
      const instance = await createCrm()
      assert.isNumber(instance.id)
      assert.strictEqual(instance.name, "SageCRM")
      assert.isString(instance.token)
      assert.isAbove(instance.token.length, 30)
      assert.match(instance.createdDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      assert.deepStrictEqual(instance.tags, ["Docs"])
      assert.strictEqual(instance.element.key, "sagecrm")
      assert.strictEqual(instance.elementId, instance.element.id)
      assert.deepStrictEqual(instance.provisionInteractions, [])
      assert.isTrue(instance.valid)
      assert.isFalse(instance.disabled)
      assert.strictEqual(instance.maxCacheSize, 0)
      assert.strictEqual(instance.cacheTimeToLive, 0)
      assert.isFalse(instance.eventsEnabled)
      assert.isFalse(instance.traceLoggingEnabled)
      assert.isFalse(instance.cachingEnabled)
      assert.strictEqual(instance.externalAuthentication, "none")
      assert.isNumber(instance.user.id)
      const configuration = instance.configuration
      assert.strictEqual(configuration.password, "********")
      assert.strictEqual(configuration.username, "admin")
      assert.strictEqual(configuration.subdomain, "sagecrm-0.cloud-elements.com")
      assert.strictEqual(configuration["base.url"], crm.baseUrl)
      assert.strictEqual(configuration["event.poller.refresh_interval"], "15")
      assert.strictEqual(configuration["event.notification.enabled"], "false")
      assert.strictEqual(configuration["pagination.max"], "200")
      assert.strictEqual(configuration["event.notification.callback.url"], null)
      for (const value of Object.values(configuration))
        assert.isTrue(value === null || typeof value === "string")
    })

    it("answers hub calls with a bare array and the Elements headers", async () => {
      const { token, id } = created[0]!
      const response = await runner.call("/hubs/crm/accounts?pageSize=2&returnCount=true", {
        headers: { authorization: runner.authorization(token) }
      })
      const body = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(body))
      assert.isArray(body)
      assert.lengthOf(body, 2)
      assert.strictEqual(response.headers.get("elements-returned-count"), "2")
      assert.strictEqual(response.headers.get("elements-element-instance-id"), String(id))
      assert.isString(response.headers.get("elements-request-id"))
      const next = response.headers.get("elements-next-page-token")
      assert.isString(next)
      const second = await runner.call(
        `/hubs/crm/accounts?pageSize=2&nextPage=${encodeURIComponent(next!)}`,
        {
          headers: { authorization: runner.authorization(token) }
        }
      )
      const rest = await json(second)
      assert.lengthOf(rest, 1)
      assert.isNull(second.headers.get("elements-next-page-token"))
    })

    it("filters with CEQL and reads one record", async () => {
      const { token } = created[0]!
      const where = encodeURIComponent("comp_type = 'Customer'")
      const response = await runner.call(`/hubs/crm/accounts?where=${where}`, {
        headers: { authorization: runner.authorization(token) }
      })
      const records = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(records))
      assert.deepStrictEqual(records.map((r: Json) => r.comp_name).sort(), ["Acme Ltd", "Initech"])
      const one = await runner.call(`/hubs/crm/accounts/${records[0].comp_companyid}`, {
        headers: { authorization: runner.authorization(token) }
      })
      assert.strictEqual(one.status, 200)
      assert.strictEqual((await json(one)).comp_companyid, records[0].comp_companyid)
      const projected = await runner.call(
        `/hubs/crm/accounts/${records[0].comp_companyid}?fields=comp_name,comp_type`,
        { headers: { authorization: runner.authorization(token) } }
      )
      assert.deepStrictEqual(await json(projected), {
        comp_name: records[0].comp_name,
        comp_type: "Customer"
      })
      const badFields = await runner.call(`/hubs/crm/accounts/${records[0].comp_companyid}?fields=a,,b`, {
        headers: { authorization: runner.authorization(token) }
      })
      assert.strictEqual(badFields.status, 400)
      assert.match((await json(badFields)).message, /position/)
    })

    it("reads a form-encoded where ('+' for spaces, inside quoted strings too)", async () => {
      const { token } = created[0]!
      const query = new URLSearchParams({ where: "comp_name = 'Acme Ltd'", fields: "comp_name" })
      assert.include(query.toString(), "Acme+Ltd")
      const response = await runner.call(`/hubs/crm/accounts?${query}`, {
        headers: { authorization: runner.authorization(token) }
      })
      const records = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(records))
      assert.deepStrictEqual(records, [{ comp_name: "Acme Ltd" }])
    })

    it("answers a malformed CEQL with 400 naming the position", async () => {
      const { token } = created[0]!
      const where = encodeURIComponent("comp_name = 'x' AND")
      const response = await runner.call(`/hubs/crm/accounts?where=${where}`, {
        headers: { authorization: runner.authorization(token) }
      })
      const body = await json(response)
      assert.strictEqual(response.status, 400)
      assert.match(body.message, /position \d+/)
      assert.isString(body.requestId)
    })

    it("refuses wrong vendor credentials with 400 and the vendor's words", async () => {
      const response = await runner.call("/instances", {
        method: "POST",
        headers: { authorization: runner.authorization() },
        json: sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: "wrong" })
      })
      const body = await json(response)
      assert.strictEqual(response.status, 400, JSON.stringify(body))
      assert.isString(body.providerMessage)
      assert.notInclude(JSON.stringify(body), "wrong")
    })
  })

  describe("Sage Business Cloud Accounting instance from the seed body", () => {
    const body = (code: string) =>
      sageOneBody({
        code,
        clientId: "client-1",
        clientSecret: CLIENT_SECRET,
        baseUrl: sage.baseUrl,
        tokenUrl: sage.tokenUrl,
        signingSecret: SIGNING_SECRET,
        subscriptionKey: SUBSCRIPTION_KEY
      })

    it("exchanges providerData.code and serves the finance hub", async () => {
      // The fake compares redirect URIs exactly: the seed's bare origin is sent as written.
      const code = sage.oauth.issueCode({ clientId: "client-1", redirectUri: "https://mycoolapp.com" })
      const response = await runner.call("/instances", {
        method: "POST",
        headers: { authorization: runner.authorization() },
        json: body(code)
      })
      const instance = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(instance))
      created.push({ id: instance.id, token: instance.token })
      assert.strictEqual(instance.element.key, "sageone")
      assert.isTrue(instance.eventsEnabled)
      assert.strictEqual(instance.configuration["oauth.api.secret"], "********")
      assert.strictEqual(instance.configuration["oauth.api.key"], "********")
      assert.strictEqual(instance.configuration["signature.secret"], "********")
      assert.strictEqual(instance.configuration["apim.subscription.key"], "********")
      assert.strictEqual(instance.configuration["event.notification.enabled"], "true")
      assert.isString(instance.configuration["event.poller.configuration"])
      const customers = await runner.call("/hubs/finance/customers", {
        headers: { authorization: runner.authorization(instance.token) }
      })
      assert.strictEqual(customers.status, 200, await customers.clone().text())
      assert.isArray(await json(customers))
    })

    it("re-authenticates with a new providerData.code on PATCH, by id and by Element token", async () => {
      const { id, token } = created[1]!
      const code = sage.oauth.issueCode({ clientId: "client-1", redirectUri: "https://mycoolapp.com" })
      const response = await runner.call(`/instances/${id}`, {
        method: "PATCH",
        headers: { authorization: runner.authorization() },
        json: { providerData: { code } }
      })
      assert.strictEqual(response.status, 200, await response.clone().text())
      const renamed = await runner.call("/instances", {
        method: "PATCH",
        headers: { authorization: runner.authorization(token) },
        json: { name: "Renamed" }
      })
      assert.strictEqual((await json(renamed)).name, "Renamed")
      const customers = await runner.call("/hubs/finance/customers", {
        headers: { authorization: runner.authorization(token) }
      })
      assert.strictEqual(customers.status, 200)
    })

    it("turns a refused code into 400 with the vendor's message", async () => {
      const response = await runner.call("/instances", {
        method: "POST",
        headers: { authorization: runner.authorization() },
        json: body("not-a-code")
      })
      const answer = await json(response)
      assert.strictEqual(response.status, 400, JSON.stringify(answer))
      assert.isString(answer.providerMessage)
    })

    it("gives the authorize URL with the element key as the default state", async () => {
      const query = new URLSearchParams({
        apiKey: "client-1",
        apiSecret: CLIENT_SECRET,
        callbackUrl: "https://mycoolapp.com/callback"
      })
      const answer = await json(await runner.call(`/elements/sageone/oauth/url?${query}`))
      assert.strictEqual(answer.element, "sageone")
      const url = new URL(answer.oauthUrl)
      assert.strictEqual(url.searchParams.get("client_id"), "client-1")
      // Contract §5: the application's own callback reads the element key from the state.
      assert.strictEqual(url.searchParams.get("state"), "sageone")
      // Redirected to the runner's own page, no application reads it: a signed value (RFC 9700).
      const own = await json(
        await runner.call(`/elements/sageone/oauth/url?apiKey=client-1&apiSecret=${CLIENT_SECRET}`)
      )
      assert.match(
        new URL(own.oauthUrl).searchParams.get("state") ?? "",
        /^pbs1\.\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/
      )
      assert.strictEqual(url.searchParams.get("redirect_uri"), "https://mycoolapp.com/callback")
      const posted = await json(
        await runner.call("/elements/sageone/oauth/url", {
          method: "POST",
          json: {
            apiKey: "client-1",
            apiSecret: CLIENT_SECRET,
            callbackUrl: "https://x.test/cb",
            state: "s1"
          }
        })
      )
      assert.strictEqual(new URL(posted.oauthUrl).searchParams.get("state"), "s1")
      // The URL needs only the client id: the secret is the code exchange's business.
      const withoutSecret = await runner.call(
        "/elements/sageone/oauth/url?apiKey=client-2&callbackUrl=https%3A%2F%2Fx.test%2Fcb"
      )
      assert.strictEqual(withoutSecret.status, 200)
      assert.strictEqual(
        new URL((await json(withoutSecret)).oauthUrl).searchParams.get("client_id"),
        "client-2"
      )
      const page = await runner.call("/oauth/callback?code=abc123&state=sageone")
      assert.strictEqual(page.status, 200)
      assert.include(await page.text(), "abc123")
    })
  })

  describe("instance management", () => {
    it("lists, filters by tag, reads by id and by Element token", async () => {
      const list = await json(
        await runner.call("/instances", { headers: { authorization: runner.authorization() } })
      )
      assert.isAtLeast(list.length, 2)
      const tagged = await json(
        await runner.call("/instances?tags[]=Docs", { headers: { authorization: runner.authorization() } })
      )
      assert.isTrue(tagged.every((i: Json) => i.tags.includes("Docs")))
      const { id, token } = created[0]!
      const one = await json(
        await runner.call(`/instances/${id}`, { headers: { authorization: runner.authorization() } })
      )
      assert.strictEqual(one.id, id)
      const byToken = await json(
        await runner.call("/instances", { headers: { authorization: runner.authorization(token) } })
      )
      assert.strictEqual(byToken.id, id)
    })

    it("PATCH merges configuration, replaces tags, keeps masked secrets", async () => {
      const { id, token } = created[0]!
      const response = await runner.call(`/instances/${id}`, {
        method: "PATCH",
        headers: { authorization: runner.authorization() },
        json: {
          tags: ["A", "B"],
          configuration: { password: "********", "event.poller.refresh_interval": 5 }
        }
      })
      const instance = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(instance))
      assert.deepStrictEqual(instance.tags, ["A", "B"])
      assert.strictEqual(instance.configuration["event.poller.refresh_interval"], "5")
      assert.strictEqual(instance.configuration.username, "admin")
      const hub = await runner.call("/hubs/crm/accounts", {
        headers: { authorization: runner.authorization(token) }
      })
      assert.strictEqual(hub.status, 200)
    })

    it("PUT replaces the configuration (echoed masks keep secrets); bad credentials change nothing", async () => {
      const { id, token } = created[0]!
      const replaced = await runner.call(`/instances/${id}`, {
        method: "PUT",
        headers: { authorization: runner.authorization() },
        json: {
          name: "SageCRM",
          tags: ["Docs"],
          configuration: { subdomain: "x", username: "admin", password: "********", "base.url": crm.baseUrl }
        }
      })
      const instance = await json(replaced)
      assert.strictEqual(replaced.status, 200, JSON.stringify(instance))
      assert.strictEqual(instance.configuration["event.poller.refresh_interval"], "15")
      assert.strictEqual(instance.configuration.subdomain, "x")
      const refused = await runner.call(`/instances/${id}`, {
        method: "PATCH",
        headers: { authorization: runner.authorization() },
        json: { configuration: { password: "not-it" } }
      })
      assert.strictEqual(refused.status, 400)
      const hub = await runner.call("/hubs/crm/accounts", {
        headers: { authorization: runner.authorization(token) }
      })
      assert.strictEqual(hub.status, 200, "the stored password is unchanged")
      await runner.call(`/instances/${id}`, {
        method: "PATCH",
        headers: { authorization: runner.authorization() },
        json: { configuration: { "event.poller.refresh_interval": 5 } }
      })
    })

    it("shows and sets single configuration values", async () => {
      const { id } = created[0]!
      const items = await json(
        await runner.call(`/instances/${id}/configuration`, {
          headers: { authorization: runner.authorization() }
        })
      )
      const interval = items.find((item: Json) => item.key === "event.poller.refresh_interval")
      assert.strictEqual(interval.propertyValue, "5")
      assert.strictEqual(items.find((item: Json) => item.key === "password").propertyValue, "********")
      const response = await runner.call(`/instances/${id}/configuration/${interval.id}`, {
        method: "PATCH",
        headers: { authorization: runner.authorization() },
        json: { propertyValue: "30" }
      })
      const item = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(item))
      assert.strictEqual(item.propertyValue, "30")
    })

    it("disables (hub 403) and enables again", async () => {
      const { id, token } = created[0]!
      const off = await json(
        await runner.call(`/instances/${id}/enabled`, {
          method: "DELETE",
          headers: { authorization: runner.authorization() }
        })
      )
      assert.isTrue(off.disabled)
      const refused = await runner.call("/hubs/crm/accounts", {
        headers: { authorization: runner.authorization(token) }
      })
      assert.strictEqual(refused.status, 403)
      assert.isString((await json(refused)).message)
      const on = await json(
        await runner.call(`/instances/${id}/enabled`, {
          method: "PUT",
          headers: { authorization: runner.authorization() }
        })
      )
      assert.isFalse(on.disabled)
    })

    it("keeps no secret in clear in the database", async () => {
      const secrets = [
        CRM_PASSWORD,
        CLIENT_SECRET,
        SIGNING_SECRET,
        SUBSCRIPTION_KEY,
        "client-1",
        runner.organizationSecret,
        runner.userSecret,
        ...created.map((c) => c.token)
      ]
      let dump: string
      if (backend === "sqlite") {
        dump = readdirSync(runner.dataDir)
          .filter((name) => name.startsWith("plugboard.db"))
          .map((name) => readFileSync(join(runner.dataDir, name)).toString("latin1"))
          .join("\n")
        assert.include(dump, "sagecrm")
      } else {
        dump = await dumpPostgres(runner.databaseUrl!)
        assert.include(dump, "sagecrm")
      }
      for (const secret of secrets) assert.notInclude(dump, secret, "a secret is stored in clear")
    })

    it("DELETE removes the instance; its token then gets 401", async () => {
      const instance = await createCrm()
      const gone = await runner.call(`/instances/${instance.id}`, {
        method: "DELETE",
        headers: { authorization: runner.authorization() }
      })
      assert.strictEqual(gone.status, 200)
      const after = await runner.call("/hubs/crm/accounts", {
        headers: { authorization: runner.authorization(instance.token) }
      })
      assert.strictEqual(after.status, 401)
      const missing = await runner.call(`/instances/${instance.id}`, {
        headers: { authorization: runner.authorization() }
      })
      assert.strictEqual(missing.status, 404)
    })
  })
})
