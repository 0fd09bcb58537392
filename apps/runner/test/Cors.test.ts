/**
 * CORS for browser clients (`PLUGBOARD_CORS_ORIGINS`): a configured origin gets preflights answered
 * and the contract's `Elements-*` headers exposed; another origin is never allowed, and a runner
 * without the setting sends no CORS headers (the browser then refuses, as it should).
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { startRunner, type TestRunner } from "./support/TestRunner.js"

const APP = "https://app.example.com"

describe("CORS", () => {
  let withCors: TestRunner
  let without: TestRunner

  beforeAll(async () => {
    withCors = await startRunner({
      backend: "sqlite",
      connectors: [SageCrm],
      settings: { corsOrigins: [APP] }
    })
    without = await startRunner({ backend: "sqlite", connectors: [SageCrm] })
  })

  afterAll(async () => {
    await withCors?.close()
    await without?.close()
  })

  const preflight = (runner: TestRunner, origin: string) =>
    runner.call("/instances", {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type"
      }
    })

  it("answers a preflight from an allowed origin", async () => {
    const response = await preflight(withCors, APP)
    assert.isBelow(response.status, 300)
    assert.strictEqual(response.headers.get("access-control-allow-origin"), APP)
    assert.match(response.headers.get("access-control-allow-methods") ?? "", /POST/)
    assert.match(response.headers.get("access-control-allow-headers") ?? "", /authorization/i)
  })

  it("lets scripts of an allowed origin read the paging and request id headers", async () => {
    const response = await withCors.call("/instances", {
      headers: { origin: APP, authorization: withCors.authorization() }
    })
    assert.strictEqual(response.status, 200)
    assert.strictEqual(response.headers.get("access-control-allow-origin"), APP)
    const exposed = (response.headers.get("access-control-expose-headers") ?? "").toLowerCase()
    for (const header of ["elements-request-id", "elements-next-page-token", "elements-total-count"]) {
      assert.include(exposed, header)
    }
  })

  it("never allows another origin", async () => {
    const response = await withCors.call("/elements", { headers: { origin: "https://evil.example" } })
    assert.strictEqual(response.status, 200)
    // With one configured origin the header names it whatever the caller's origin (browsers compare).
    assert.notStrictEqual(response.headers.get("access-control-allow-origin"), "https://evil.example")
  })

  it("adds no CORS headers when the setting is absent", async () => {
    const response = await without.call("/elements", { headers: { origin: APP } })
    assert.isNull(response.headers.get("access-control-allow-origin"))
    const refused = await preflight(without, APP)
    assert.isNull(refused.headers.get("access-control-allow-origin"))
  })
})
