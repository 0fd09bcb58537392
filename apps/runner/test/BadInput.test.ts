/**
 * Bad input never gets a 5xx (reliability.md "Bad input"): malformed JSON, unknown elements,
 * missing configuration, wrong or missing secrets, another organization's instance, unknown routes
 * and methods, oversize bodies and wrong content types all answer 4xx with the contract's error body
 * and a message that names the field or the problem.
 */
import { connect } from "node:net"
import { SageAccounting } from "@plugboard/connector-sage-accounting"
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { postgresReachable } from "./support/Backends.js"
import { sageCrmBody } from "./support/Seeds.js"
import { type Backend, startRunner, type TestRunner } from "./support/TestRunner.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

describe.each(backends)("bad input on %s", (backend) => {
  let runner: TestRunner
  let crm: FakeSageCrm
  let instance: { id: number; token: string }

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: "pw" })
    runner = await startRunner({ backend, connectors: [SageCrm, SageAccounting] })
    const response = await runner.call("/instances", {
      method: "POST",
      headers: { authorization: runner.authorization() },
      json: sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: "pw" })
    })
    instance = (await response.json()) as { id: number; token: string }
  })

  afterAll(async () => {
    await runner?.close()
    await crm?.close()
  })

  /** Sends a request and checks the contract's error envelope; returns the body. */
  const expectError = async (response: Response, status: number) => {
    const text = await response.text()
    assert.strictEqual(response.status, status, text)
    const body = JSON.parse(text) as { requestId: string; message: string; providerMessage?: string }
    assert.isString(body.requestId)
    assert.strictEqual(response.headers.get("elements-request-id"), body.requestId)
    assert.isString(body.message)
    assert.isAbove(body.message.length, 3)
    assert.match(response.headers.get("content-type") ?? "", /application\/json/)
    return body
  }

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    runner.call(path, {
      method: "POST",
      headers: { authorization: runner.authorization(), "content-type": "application/json", ...headers },
      body
    })

  it("malformed JSON is 400 saying so", async () => {
    const body = await expectError(await post("/instances", '{"element": {"key": "sagecrm"'), 400)
    assert.match(body.message, /JSON/)
  })

  it("a body of the wrong shape is 400 naming the field", async () => {
    const body = await expectError(
      await post("/instances", JSON.stringify({ element: { key: "sagecrm" }, tags: "x" })),
      400
    )
    assert.include(body.message, "tags")
  })

  it("an unknown element is 404 naming it", async () => {
    const body = await expectError(
      await post("/instances", JSON.stringify({ element: { key: "nosuch" } })),
      404
    )
    assert.include(body.message, "nosuch")
    await expectError(await runner.call("/elements/nosuch"), 404)
    await expectError(await runner.call("/elements/nosuch/configuration"), 404)
  })

  it("a missing element key is 400", async () => {
    const body = await expectError(await post("/instances", JSON.stringify({ name: "x" })), 400)
    assert.include(body.message, "element.key")
  })

  it("missing configuration keys are 400 naming each", async () => {
    const body = await expectError(
      await post("/instances", JSON.stringify({ element: { key: "sagecrm" }, configuration: {} })),
      400
    )
    for (const key of ["subdomain", "username", "password"]) assert.include(body.message, key)
  })

  it("ill-typed configuration and poller configuration are 400 naming the key", async () => {
    const typed = await expectError(
      await post(
        "/instances",
        JSON.stringify({
          element: { key: "sagecrm" },
          configuration: {
            subdomain: "a",
            username: "b",
            password: "c",
            "event.notification.enabled": "maybe"
          }
        })
      ),
      400
    )
    assert.include(typed.message, "event.notification.enabled")
    const poller = await expectError(
      await post(
        "/instances",
        JSON.stringify({
          element: { key: "sagecrm" },
          configuration: {
            subdomain: "a",
            username: "b",
            password: "c",
            "event.poller.configuration": { accounts: { idField: "id" } }
          }
        })
      ),
      400
    )
    assert.include(poller.message, "accounts")
  })

  it("an unreachable or refused vendor is a 4xx/502, never 500", async () => {
    const response = await post(
      "/instances",
      JSON.stringify(
        sageCrmBody({ baseUrl: "http://127.0.0.1:1/sdata/crmj/sagecrm2/-", username: "a", password: "b" })
      )
    )
    assert.include([400, 502], response.status)
    await expectError(response, response.status)
  })

  it("missing, malformed and wrong secrets are 401", async () => {
    await expectError(await runner.call("/instances"), 401)
    await expectError(await runner.call("/instances", { headers: { authorization: "Bearer abc" } }), 401)
    await expectError(
      await runner.call("/instances", {
        headers: { authorization: `User ${runner.userSecret}, Organization wrong` }
      }),
      401
    )
    await expectError(
      await runner.call("/instances", {
        headers: { authorization: `User wrong, Organization ${runner.organizationSecret}` }
      }),
      401
    )
    await expectError(
      await runner.call("/instances", { headers: { authorization: `User ${runner.userSecret}` } }),
      401
    )
    const hub = await expectError(
      await runner.call("/hubs/crm/accounts", { headers: { authorization: runner.authorization() } }),
      401
    )
    assert.include(hub.message, "Element")
    await expectError(
      await runner.call("/hubs/crm/accounts", {
        headers: { authorization: runner.authorization("not-a-token") }
      }),
      401
    )
  })

  it("another organization's instance is 401 by token and 404 by id", async () => {
    const second = await runner.addTenant()
    const auth = `User ${second.userSecret}, Organization ${second.organizationSecret}`
    await expectError(
      await runner.call(`/instances/${instance.id}`, { headers: { authorization: auth } }),
      404
    )
    await expectError(
      await runner.call("/hubs/crm/accounts", {
        headers: { authorization: `${auth}, Element ${instance.token}` }
      }),
      401
    )
    // Mixing the first organization's user with the second organization's secret is refused too.
    await expectError(
      await runner.call("/instances", {
        headers: { authorization: `User ${runner.userSecret}, Organization ${second.organizationSecret}` }
      }),
      401
    )
    const theirs = await runner.call("/instances", { headers: { authorization: auth } })
    assert.deepStrictEqual(await theirs.json(), [])
  })

  it("unknown routes are 404, known routes with another method 405", async () => {
    const missing = await expectError(await runner.call("/nothing/here"), 404)
    assert.include(missing.message, "/nothing/here")
    await expectError(await runner.call("//not-the-api"), 404)
    const wrong = await runner.call("/elements", { method: "DELETE" })
    const body = await expectError(wrong, 405)
    assert.include(body.message, "GET")
    assert.include(wrong.headers.get("allow") ?? "", "GET")
  })

  it("bad path and query parameters are 400 naming them", async () => {
    const id = await expectError(
      await runner.call("/instances/abc", { headers: { authorization: runner.authorization() } }),
      400
    )
    assert.include(id.message, "id")
    const page = await expectError(
      await runner.call("/hubs/crm/accounts?pageSize=zero", {
        headers: { authorization: runner.authorization(instance.token) }
      }),
      400
    )
    assert.include(page.message, "pageSize")
    const token = await expectError(
      await runner.call("/hubs/crm/accounts?nextPage=forged", {
        headers: { authorization: runner.authorization(instance.token) }
      }),
      400
    )
    assert.include(token.message, "nextPage")
  })

  it("unknown hub resources are 404, disallowed verbs 405, wrong hubs 404", async () => {
    const auth = { authorization: runner.authorization(instance.token) }
    await expectError(await runner.call("/hubs/crm/nosuchthing", { headers: auth }), 404)
    await expectError(await runner.call("/hubs/finance/accounts", { headers: auth }), 404)
  })

  it("oversize bodies are 413 and other content types 415", async () => {
    const big = JSON.stringify({ element: { key: "sagecrm" }, name: "x".repeat(200_000) })
    await expectError(await post("/instances", big), 413)
    await expectError(await post("/instances", "name=x", { "content-type": "text/plain" }), 415)
  })

  it("URLs up to 64 KiB are read; an oversize or malformed request gets the JSON error body", async () => {
    const tags = Array.from({ length: 2_000 }, (_, i) => `tag-${i}`)
    const long = await runner.call(`/instances?${tags.map((tag) => `tags[]=${tag}`).join("&")}`, {
      headers: { authorization: runner.authorization() }
    })
    assert.strictEqual(long.status, 200, await long.clone().text())
    const huge = "x".repeat(70 * 1024)
    const body = await expectError(await runner.call(`/instances?tags=${huge}`), 431)
    assert.match(body.message, /64 KiB/)
    const raw = await rawRequest("GET /elements/api-v2/elements HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    assert.match(raw, /^HTTP\/1\.1 400 /)
    assert.match(raw, /elements-request-id: [0-9a-f-]{36}/i)
    assert.match(raw, /"message":"the request is not valid HTTP\/1\.1"/)
  })

  /** Sends bytes as they are on a fresh connection and returns what comes back before it closes. */
  const rawRequest = (bytes: string) =>
    new Promise<string>((resolve, reject) => {
      const { port } = new URL(runner.origin)
      const socket = connect(Number(port), "127.0.0.1", () => socket.end(bytes))
      let text = ""
      socket.on("data", (chunk) => {
        text += chunk.toString("utf8")
      })
      socket.on("close", () => resolve(text))
      socket.on("error", reject)
    })

  it("a bad OAuth URL request is 400 naming what is missing", async () => {
    const body = await expectError(await runner.call("/elements/sageone/oauth/url"), 400)
    assert.include(body.message, "apiKey")
    await expectError(await runner.call("/elements/sagecrm/oauth/url?apiKey=x"), 400)
  })
})
