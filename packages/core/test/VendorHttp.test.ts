import { afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Clock, Effect, Exit, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import nock from "nock"
import * as AuthSpec from "../src/AuthSpec.js"
import type * as Connector from "../src/Connector.js"
import type * as ConnectorError from "../src/ConnectorError.js"
import * as Param from "../src/Param.js"
import type * as VendorClient from "../src/VendorClient.js"
import * as VendorHttp from "../src/VendorHttp.js"
import {
  API_KEY,
  API_ORIGIN,
  captureLogs,
  drainCapturedLines,
  configure,
  connector,
  eventually,
  leakedSecret,
  PASSWORD,
  SECRETS,
  settle,
  testLayer,
  textsOf
} from "./AuthFixtures.js"

beforeAll(() => {
  nock.disableNetConnect()
})

afterEach(() => {
  nock.cleanAll()
  const lines = drainCapturedLines()
  assert.isUndefined(leakedSecret(lines, SECRETS), "a secret reached a log line")
})

let instances = 0
/** A fresh instance key per client, so budgets and breakers never leak between tests. */
const nextInstance = () => `vendor-http-${++instances}`

const basicConnector = (extra: Partial<Omit<Connector.Definition, "auth">> = {}) =>
  connector(AuthSpec.basic(), {
    configuration: { username: Param.text(), password: Param.secret() },
    ...extra
  })

const clientFor = (
  target: Connector.Connector,
  values: Record<string, unknown>,
  options?: VendorHttp.Options
) =>
  Effect.gen(function* () {
    const configuration = yield* configure(target, values)
    return yield* VendorHttp.make({ connector: target, configuration, instanceKey: nextInstance(), options })
  })

const basicClient = (options?: VendorHttp.Options, extra: Partial<Omit<Connector.Definition, "auth">> = {}) =>
  clientFor(basicConnector(extra), { username: "ada", password: PASSWORD }, options)

const get = (path: string, extra: Partial<VendorClient.VendorRequest> = {}): VendorClient.VendorRequest => ({
  method: "GET",
  path,
  operation: "list contacts",
  ...extra
})

const json = { "content-type": "application/json" }

/**
 * Advances the test clock in `step` ms steps until `fiber` ends, recording the virtual time at which
 * `count()` grew (one entry per request that arrived).
 */
const drive = <A, E>(fiber: Fiber.Fiber<A, E>, count: () => number, step = 50) =>
  Effect.gen(function* () {
    const arrivals: Array<number> = []
    for (let i = 0; i < 4000; i++) {
      yield* settle(50)
      const now = yield* Clock.currentTimeMillis
      while (arrivals.length < count()) arrivals.push(now)
      if (fiber.pollUnsafe() !== undefined) break
      yield* TestClock.adjust(step)
    }
    const exit = yield* Effect.exit(Fiber.join(fiber))
    return { exit, arrivals }
  })

/** The error of a failed call, checked to hold no secret in any of its printed forms. */
const safe = (error: ConnectorError.ConnectorError): ConnectorError.ConnectorError => {
  assert.isUndefined(leakedSecret(textsOf(error), SECRETS), "a secret reached an error")
  return error
}

/** Like `Effect.flip`, for a call expected to fail, with the secret check of {@link safe}. */
const failing = <A>(call: Effect.Effect<A, ConnectorError.ConnectorError>) =>
  Effect.map(Effect.flip(call), safe)

const failureOf = <A>(exit: Exit.Exit<A, ConnectorError.ConnectorError>): ConnectorError.ConnectorError => {
  assert.isTrue(Exit.isFailure(exit), "expected the call to fail")
  const error = Exit.isFailure(exit) ? Option.getOrUndefined(Exit.findErrorOption(exit)) : undefined
  assert.isDefined(error)
  return safe(error as ConnectorError.ConnectorError)
}

describe("VendorHttp requests", () => {
  it.effect("joins base URL and path, sends query, headers, JSON bodies and parses answers", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const seen: Array<{ url: string; auth: string | null; body: string; custom: string | null }> = []
      nock(API_ORIGIN)
        .get("/v1/contacts")
        .query(true)
        .reply((request: Request) => {
          seen.push({ url: request.url, auth: request.headers.get("authorization"), body: "", custom: null })
          return [200, { $items: [{ id: 1 }] }, json]
        })
        .post("/v1/contacts")
        .reply(async (request: Request) => {
          seen.push({
            url: request.url,
            auth: request.headers.get("authorization"),
            body: await request.text(),
            custom: request.headers.get("x-custom")
          })
          return [201, "created", { "content-type": "text/plain" }]
        })
      const client = yield* clientFor(basicConnector(), {
        username: "ada",
        password: PASSWORD,
        "base.url": `${API_ORIGIN}/v1/`
      })
      const listed = yield* client.request(get("/contacts", { query: { where: "a = 'b'", tag: ["x", "y"] } }))
      assert.strictEqual(listed.status, 200)
      assert.deepStrictEqual(listed.body, { $items: [{ id: 1 }] })
      assert.strictEqual(listed.headers["content-type"], "application/json")
      const created = yield* client.request({
        method: "POST",
        path: "contacts",
        body: { name: "Ada" },
        headers: { "X-Custom": "1" },
        operation: "create contact"
      })
      assert.strictEqual(created.status, 201)
      assert.strictEqual(created.body, "created")
      const url = new URL(seen[0]?.url ?? "")
      assert.strictEqual(url.pathname, "/v1/contacts")
      assert.strictEqual(url.searchParams.get("where"), "a = 'b'")
      assert.deepStrictEqual(url.searchParams.getAll("tag"), ["x", "y"])
      assert.strictEqual(seen[0]?.auth, `Basic ${Buffer.from(`ada:${PASSWORD}`).toString("base64")}`)
      assert.strictEqual(seen[1]?.body, JSON.stringify({ name: "Ada" }))
      assert.strictEqual(seen[1]?.custom, "1")
      assert.isUndefined(leakedSecret(logs.lines, [PASSWORD]))
      assert.isTrue(logs.lines.some((line) => line.includes("GET /v1/contacts")))
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("follows same-host absolute links and refuses other hosts", () =>
    Effect.gen(function* () {
      nock(API_ORIGIN).get("/v1/contacts").query({ page: "2" }).reply(200, { page: 2 }, json)
      const client = yield* basicClient()
      const next = yield* client.request(get(`${API_ORIGIN}/v1/contacts?page=2`))
      assert.deepStrictEqual(next.body, { page: 2 })
      const error = yield* failing(client.request(get("https://evil.test/v1/contacts")))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.include(error.message, "another host")
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("reports a redirect instead of following it with the credentials", () =>
    Effect.gen(function* () {
      const elsewhere = nock("https://elsewhere.test").get("/steal").reply(200, {})
      nock(API_ORIGIN).get("/v1/contacts").reply(302, "", { location: "https://elsewhere.test/steal" })
      const client = yield* basicClient()
      const error = yield* failing(client.request(get("/contacts")))
      assert.strictEqual(error.reason._tag, "UnexpectedResponse")
      assert.strictEqual(error.status, 302)
      assert.isFalse(elsewhere.isDone(), "the redirect target was not called")
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("sends no trace context to the vendor", () =>
    Effect.gen(function* () {
      let traceparent: string | null = "unset"
      nock(API_ORIGIN)
        .get("/v1/contacts")
        .reply((request: Request) => {
          traceparent = request.headers.get("traceparent")
          return [200, [], json]
        })
      const client = yield* basicClient()
      yield* client.request(get("/contacts")).pipe(Effect.withSpan("hub call"))
      assert.isNull(traceparent)
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("names the configuration key a base URL placeholder needs", () =>
    Effect.gen(function* () {
      const target = basicConnector({
        baseUrl: "https://{subdomain}/sdata/crmj/sagecrm2/-",
        configuration: { username: Param.text(), password: Param.secret(), subdomain: Param.text() }
      })
      const client = yield* clientFor(target, { username: "ada", password: PASSWORD })
      const error = yield* failing(client.request(get("/Company")))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual((error.reason as ConnectorError.InvalidRequest).field, "subdomain")
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("sends an API key in the query without logging it", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      let key: string | null = null
      nock(API_ORIGIN)
        .get("/v1/me")
        .query(true)
        .reply((request: Request) => {
          key = new URL(request.url).searchParams.get("api_key")
          return [200, {}, json]
        })
      const target = connector(AuthSpec.apiKey({ in: "query", name: "api_key", key: "api.key" }), {
        configuration: { "api.key": Param.secret() }
      })
      const client = yield* clientFor(target, { "api.key": API_KEY })
      yield* client.request(get("/me"))
      assert.strictEqual(key, API_KEY)
      assert.isUndefined(leakedSecret(logs.lines, [API_KEY]))
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("maps error answers with the connector's readError hook", () =>
    Effect.gen(function* () {
      nock(API_ORIGIN)
        .post("/v1/contacts")
        .reply(
          422,
          [{ $severity: "error", $dataCode: "RecordInvalid", $message: "name is blank", $source: "name" }],
          json
        )
        .get("/v1/contacts/9")
        .reply(404, { message: "Not here" }, json)
      const client = yield* basicClient(undefined, {
        hooks: {
          readError: (_status, body) =>
            Array.isArray(body)
              ? body.map((item: { $message: string }) => item.$message).join("; ")
              : undefined
        }
      })
      const invalid = yield* failing(
        client.request({ method: "POST", path: "/contacts", body: {}, operation: "create contact" })
      )
      assert.strictEqual(invalid.reason._tag, "InvalidRequest")
      assert.strictEqual(invalid.status, 422)
      assert.strictEqual(invalid.providerMessage, "name is blank")
      assert.strictEqual(invalid.operation, "create contact")
      const missing = yield* failing(client.request(get("/contacts/9", { operation: "get contact" })))
      assert.strictEqual(missing.reason._tag, "NotFound")
      assert.strictEqual(missing.providerMessage, "Not here")
      assert.strictEqual(missing.message, "get contact: the vendor has no such object (404)")
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("masks the instance's secrets when a vendor echoes them in its error text", () =>
    Effect.gen(function* () {
      nock(API_ORIGIN)
        .get("/v1/contacts")
        .reply(401, { message: `user 'admin' with password '${PASSWORD}' was refused` }, json)
      const client = yield* basicClient()
      const error = yield* failing(client.request(get("/contacts")))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.providerMessage, "user 'admin' with password '********' was refused")
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("runs sessionHeaders once per client and sends them on every call", () =>
    Effect.gen(function* () {
      let hookRuns = 0
      const companies: Array<string | null> = []
      nock(API_ORIGIN)
        .get("/v1/sites")
        .reply(200, [{ site_id: "s1", company_id: 7 }], json)
        .get("/v1/customers")
        .times(3)
        .reply((request: Request) => {
          companies.push(request.headers.get("x-company"))
          return [200, [], json]
        })
      const client = yield* basicClient(undefined, {
        hooks: {
          sessionHeaders: (bare) =>
            Effect.gen(function* () {
              hookRuns += 1
              const sites = yield* bare.request(get("/sites", { operation: "list sites" }))
              const site = (sites.body as Array<{ site_id: string; company_id: number }>)[0]
              return { "X-Site": site?.site_id ?? "", "X-Company": String(site?.company_id) }
            })
        }
      })
      yield* Effect.all([client.request(get("/customers")), client.request(get("/customers"))], {
        concurrency: "unbounded"
      })
      yield* client.request(get("/customers"))
      assert.strictEqual(hookRuns, 1)
      assert.deepStrictEqual(companies, ["7", "7", "7"])
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )
})

describe("VendorHttp retries", () => {
  it.effect("waits for Retry-After: 2 on a 429 before trying again", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      let calls = 0
      nock(API_ORIGIN)
        .get("/v1/contacts")
        .reply(() => {
          calls += 1
          return [429, { message: "slow down" }, { ...json, "retry-after": "2" }]
        })
        .get("/v1/contacts")
        .reply(() => {
          calls += 1
          return [200, { ok: true }, json]
        })
      const client = yield* basicClient()
      const fiber = yield* Effect.forkChild(client.request(get("/contacts")))
      yield* eventually(
        () => logs.lines.some((line) => line.includes("retrying in")),
        "the retry to be scheduled"
      )
      yield* settle()
      const waited = Number(
        /retrying in (\d+) ms/.exec(logs.lines.find((l) => l.includes("retrying in")) ?? "")?.[1]
      )
      assert.isAtLeast(waited, 2000)
      assert.isAtMost(waited, 2200)
      yield* TestClock.adjust(1999)
      yield* settle()
      assert.strictEqual(calls, 1, "not retried before two seconds")
      yield* TestClock.adjust(201)
      const response = yield* Fiber.join(fiber)
      assert.strictEqual(calls, 2)
      assert.deepStrictEqual(response.body, { ok: true })
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("retries 5xx with growing backoff, then fails with a retryable error", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      let calls = 0
      nock(API_ORIGIN)
        .get("/v1/contacts")
        .times(4)
        .reply(() => {
          calls += 1
          return [503, "<html>busy</html>", { "content-type": "text/html" }]
        })
      const client = yield* basicClient({ maxAttempts: 4, baseDelayMillis: 1000 })
      const fiber = yield* Effect.forkChild(client.request(get("/contacts")))
      const { exit, arrivals } = yield* drive(fiber, () => calls)
      const error = failureOf(exit)
      assert.strictEqual(error.reason._tag, "VendorUnavailable")
      assert.strictEqual(error.status, 503)
      assert.isTrue(error.isRetryable)
      assert.strictEqual(calls, 4)
      const gaps = arrivals.slice(1).map((at, i) => at - (arrivals[i] ?? 0))
      // 1 s, 2 s, 4 s with ±20 % jitter, measured in 50 ms steps (an arrival is seen late, never early).
      const expected = [1000, 2000, 4000]
      assert.strictEqual(gaps.length, 3)
      gaps.forEach((gap, i) => {
        const base = expected[i] ?? 0
        assert.isAtLeast(gap, base * 0.8 - 50, `gap ${i}`)
        assert.isAtMost(gap, base * 1.2 + 400, `gap ${i}`)
      })
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("does not repeat a POST after a 5xx, but does after a 429", () =>
    Effect.gen(function* () {
      let calls = 0
      nock(API_ORIGIN)
        .post("/v1/contacts")
        .reply(() => {
          calls += 1
          return [502, {}, json]
        })
      const client = yield* basicClient()
      const post = { method: "POST", path: "/contacts", body: {}, operation: "create contact" } as const
      const error = yield* failing(client.request(post))
      assert.strictEqual(error.status, 502)
      assert.strictEqual(calls, 1)

      nock(API_ORIGIN)
        .post("/v1/contacts")
        .reply(() => {
          calls += 1
          return [429, {}, { ...json, "retry-after": "1" }]
        })
        .post("/v1/contacts")
        .reply(() => {
          calls += 1
          return [201, { id: 1 }, json]
        })
      const fiber = yield* Effect.forkChild(client.request(post))
      const { exit } = yield* drive(fiber, () => calls)
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(calls, 3)
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("repeats a POST whose connection was refused, not one reset after sending", () =>
    Effect.gen(function* () {
      let calls = 0
      const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })
      const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })
      const post = { method: "POST", path: "/contacts", body: {}, operation: "create contact" } as const
      nock(API_ORIGIN)
        .post("/v1/contacts")
        .replyWithError(refused)
        .post("/v1/contacts")
        .reply(() => {
          calls += 1
          return [201, {}, json]
        })
      const client = yield* basicClient()
      const fiber = yield* Effect.forkChild(client.request(post))
      const { exit } = yield* drive(fiber, () => calls)
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(calls, 1)

      nock(API_ORIGIN).post("/v1/contacts").replyWithError(reset)
      const error = yield* failing(client.request(post))
      assert.strictEqual(error.reason._tag, "Transport")
      assert.include(error.message, "ECONNRESET")
      assert.isTrue(error.isRetryable, "the caller may still decide to retry")
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("does not retry other 4xx", () =>
    Effect.gen(function* () {
      let calls = 0
      nock(API_ORIGIN)
        .get("/v1/contacts")
        .reply(() => {
          calls += 1
          return [400, { error: "bad where" }, json]
        })
      const client = yield* basicClient()
      const error = yield* failing(client.request(get("/contacts")))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual(error.providerMessage, "bad where")
      assert.strictEqual(calls, 1)
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("times out an attempt after timeoutMillis as Transport{timeout}", () =>
    Effect.gen(function* () {
      // A vendor that never answers (nock's own delay trips undici when the fetch is aborted).
      nock(API_ORIGIN)
        .get("/v1/slow")
        .reply(() => new Promise<never>(() => {}))
      const client = yield* basicClient({ timeoutMillis: 10_000, maxAttempts: 1 })
      const fiber = yield* Effect.forkChild(client.request(get("/slow")))
      yield* settle()
      yield* TestClock.adjust(10_000)
      const error = failureOf(yield* Effect.exit(Fiber.join(fiber)))
      assert.strictEqual(error.reason._tag, "Transport")
      assert.isTrue((error.reason as ConnectorError.Transport).timeout)
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("fails a Basic 401 at once: there is nothing to refresh", () =>
    Effect.gen(function* () {
      let calls = 0
      nock(API_ORIGIN)
        .get("/v1/contacts")
        .reply(() => {
          calls += 1
          return [401, { message: "user disabled" }, json]
        })
      const client = yield* basicClient()
      const error = yield* failing(client.request(get("/contacts")))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.providerMessage, "user disabled")
      assert.strictEqual(calls, 1)
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )
})

describe("VendorHttp guards", () => {
  it.effect("opens the circuit breaker after repeated failures and recovers after the cool-down", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      let calls = 0
      const answer = (status: number) => () => {
        calls += 1
        return [status, {}, json] as const
      }
      nock(API_ORIGIN).get("/v1/contacts").times(3).reply(answer(500))
      const client = yield* basicClient({
        maxAttempts: 1,
        breakerThreshold: 3,
        breakerCooldownMillis: 10_000
      })
      for (let i = 0; i < 3; i++) {
        const error = yield* failing(client.request(get("/contacts")))
        assert.strictEqual(error.status, 500)
      }
      const open = yield* failing(client.request(get("/contacts")))
      assert.strictEqual(open.reason._tag, "VendorUnavailable")
      assert.include(open.message, "circuit breaker open")
      assert.strictEqual(open.retryAfterMillis, 10_000)
      assert.strictEqual(calls, 3, "no request while open")
      assert.isTrue(logs.lines.some((line) => line.includes("circuit breaker opened")))

      // The probe fails: open again for another cool-down.
      yield* TestClock.adjust(10_000)
      nock(API_ORIGIN).get("/v1/contacts").reply(answer(503))
      assert.strictEqual((yield* failing(client.request(get("/contacts")))).status, 503)
      assert.include((yield* failing(client.request(get("/contacts")))).message, "circuit breaker open")

      // The next probe succeeds: closed, calls flow again.
      yield* TestClock.adjust(10_000)
      nock(API_ORIGIN).get("/v1/contacts").times(2).reply(answer(200))
      assert.strictEqual((yield* client.request(get("/contacts"))).status, 200)
      assert.strictEqual((yield* client.request(get("/contacts"))).status, 200)
      assert.strictEqual(calls, 6)
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("shares one breaker between the clients of an instance, unless guards are isolated", () =>
    Effect.gen(function* () {
      nock(API_ORIGIN).get("/v1/contacts").times(2).reply(500, {}, json)
      const target = basicConnector()
      const configuration = yield* configure(target, { username: "ada", password: PASSWORD })
      const options = { maxAttempts: 1, breakerThreshold: 2, breakerCooldownMillis: 10_000 }
      const build = VendorHttp.make({
        connector: target,
        configuration,
        instanceKey: nextInstance(),
        options
      })
      const first = yield* build
      const second = yield* build
      yield* failing(first.request(get("/contacts")))
      yield* failing(second.request(get("/contacts")))
      assert.include((yield* failing(first.request(get("/contacts")))).message, "circuit breaker open")
      nock(API_ORIGIN).get("/v1/contacts").reply(200, {}, json)
      const isolated = yield* build.pipe(Effect.provideService(VendorHttp.Guards, VendorHttp.makeGuards()))
      assert.strictEqual((yield* isolated.request(get("/contacts"))).status, 200)
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )

  it.effect("spaces requests to the connector's rate budget", () =>
    Effect.gen(function* () {
      let calls = 0
      nock(API_ORIGIN)
        .get("/v1/gifts")
        .times(5)
        .reply(() => {
          calls += 1
          return [200, [], json]
        })
      const client = yield* basicClient(undefined, { rateLimit: { requestsPerSecond: 4 } })
      const fiber = yield* Effect.forkChild(
        Effect.all(
          Array.from({ length: 5 }, () => client.request(get("/gifts"))),
          { concurrency: "unbounded" }
        )
      )
      const { exit, arrivals } = yield* drive(fiber, () => calls, 25)
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(arrivals.length, 5)
      // Slot i opens at i × 250 ms; an arrival may be seen a step late, never early.
      arrivals.forEach((at, i) => {
        assert.isAtLeast(at, i * 250, `request ${i} went before its slot`)
        assert.isAtMost(at, i * 250 + 150, `request ${i}`)
      })
    }).pipe(Effect.provide(testLayer(captureLogs())))
  )
})
