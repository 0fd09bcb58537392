/**
 * `GET /metrics` on a real runner, on SQLite and PostgreSQL: the Prometheus text format 0.0.4 with
 * HTTP requests by route template, vendor calls, polls, events recorded, deliveries, the outbox
 * backlog and the partitions owned — and no secret, token or instance id anywhere in it.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { postgresReachable } from "../support/Backends.js"
import { SAMPLE, sample } from "../support/PrometheusText.js"
import { sageCrmEventsBody, untilFirstPoll } from "../support/CrmEvents.js"
import { type Backend, startRunner, type TestRunner } from "../support/TestRunner.js"
import { until } from "../support/Until.js"

// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const CRM_PASSWORD = "crm-password-canary-m1"
const SIGNING_KEY = "signing-key-canary-m1"
const BASIC_PASSWORD = "basic-password-canary-m1"

describe.each(backends)("metrics on %s", (backend) => {
  let runner: TestRunner
  let crm: FakeSageCrm
  let receiver: CallbackReceiver.CallbackReceiver
  let instance: Json

  const json = async (response: Response): Promise<Json> => JSON.parse(await response.text())
  const get = (path: string, elementToken?: string) =>
    runner.call(path, { headers: { authorization: runner.authorization(elementToken) } })
  const metrics = async () => {
    const response = await runner.call("//metrics")
    assert.strictEqual(response.status, 200)
    assert.strictEqual(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8")
    return response.text()
  }

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
          "event.notification.basic.username": "hooks",
          "event.notification.basic.password": BASIC_PASSWORD
        }
      })
    })
    instance = await json(created)
    assert.strictEqual(created.status, 200, JSON.stringify(instance))
  })

  afterAll(async () => {
    await runner?.close()
    await crm?.close()
    await receiver?.close()
  })

  it("counts requests, vendor calls, polls, events and deliveries, and shows the backlog", async () => {
    await untilFirstPoll(runner, instance.id)
    crm.store.clock.set(new Date())
    crm.store.insert("Company", { comp_name: "Acme Events" })
    assert.strictEqual(
      (
        await runner.call(`/instances/${instance.id}/events/poll`, {
          method: "POST",
          headers: { authorization: runner.authorization() }
        })
      ).status,
      202
    )
    await receiver.waitForDelivered(1)
    assert.strictEqual((await get("/hubs/crm/accounts?pageSize=1", instance.token)).status, 200)
    assert.strictEqual((await get("/hubs/crm/accounts/999999", instance.token)).status, 404)
    assert.strictEqual((await runner.call("/no/such/route")).status, 404)

    const text = await until(
      "the delivery counted",
      metrics,
      (body) => (sample(body, "plugboard_deliveries_total", { outcome: "delivered" }) ?? 0) >= 1
    )
    const hubRoute = { method: "GET", route: "/elements/api-v2/hubs/:hub/:resource", status_class: "2xx" }
    assert.isAtLeast(sample(text, "plugboard_http_requests_total", hubRoute) ?? 0, 1)
    assert.isAtLeast(
      sample(text, "plugboard_http_request_duration_seconds_bucket", { ...hubRoute, le: "+Inf" }) ?? 0,
      1
    )
    assert.isDefined(sample(text, "plugboard_http_request_duration_seconds_sum", hubRoute))
    assert.isAtLeast(
      sample(text, "plugboard_http_requests_total", {
        method: "GET",
        route: "/elements/api-v2/hubs/:hub/:resource/:id",
        status_class: "4xx"
      }) ?? 0,
      1
    )
    assert.strictEqual(
      sample(text, "plugboard_http_requests_total", {
        method: "GET",
        route: "unmatched",
        status_class: "4xx"
      }),
      1
    )
    assert.isAtLeast(
      sample(text, "plugboard_vendor_requests_total", { element: "sagecrm", kind: "list", outcome: "2xx" }) ??
        0,
      2
    )
    assert.strictEqual(
      sample(text, "plugboard_vendor_requests_total", { element: "sagecrm", kind: "get", outcome: "4xx" }),
      1
    )
    assert.isDefined(
      sample(text, "plugboard_vendor_request_duration_seconds_count", {
        element: "sagecrm",
        kind: "list",
        outcome: "2xx"
      })
    )
    assert.isAtLeast(
      sample(text, "plugboard_polls_total", {
        element: "sagecrm",
        resource: "accounts",
        outcome: "success"
      }) ?? 0,
      2
    )
    assert.isAtLeast(
      sample(text, "plugboard_events_recorded_total", { element: "sagecrm", type: "CREATED" }) ?? 0,
      1
    )
    assert.isAtLeast(
      sample(text, "plugboard_delivery_duration_seconds_count", { outcome: "delivered" }) ?? 0,
      1
    )
    for (const status of ["PENDING", "QUEUED", "FAILED"])
      assert.strictEqual(sample(text, "plugboard_outbox_notifications", { status }), 0, status)
    assert.strictEqual(sample(text, "plugboard_outbox_oldest_due_seconds", {}), 0)
    // Alone on its database, the runner owns every partition of the engine.
    assert.strictEqual(sample(text, "plugboard_engine_partitions_owned", {}), 64)

    assert.include(text, "# TYPE plugboard_http_requests_total counter")
    assert.include(text, "# TYPE plugboard_http_request_duration_seconds histogram")
    assert.include(text, "# TYPE plugboard_outbox_notifications gauge")
    for (const line of text.trimEnd().split("\n")) {
      if (line.startsWith("#")) assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/, line)
      else assert.match(line, SAMPLE, line)
    }
  })

  it("carries no secret, token or instance id", async () => {
    const text = await metrics()
    for (const secret of [
      CRM_PASSWORD,
      SIGNING_KEY,
      BASIC_PASSWORD,
      instance.token,
      runner.userSecret,
      runner.organizationSecret
    ])
      assert.notInclude(text, secret)
    const labelNames = new Set([...text.matchAll(/[{,]([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((match) => match[1]))
    assert.deepStrictEqual([...labelNames].sort(), [
      "element",
      "kind",
      "le",
      "method",
      "outcome",
      "resource",
      "route",
      "status",
      "status_class",
      "type"
    ])
  })

  it("is a documented route of its own: GET only, no credentials", async () => {
    const post = await runner.call("//metrics", { method: "POST" })
    assert.strictEqual(post.status, 405)
    const openapi = await json(await runner.call("/openapi.json"))
    assert.property(openapi.paths, "/metrics")
    assert.property(openapi.paths, "/healthz")
    assert.property(openapi.paths, "/readyz")
  })
})
