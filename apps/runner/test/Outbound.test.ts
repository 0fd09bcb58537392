/**
 * Vendor base URLs are user input (reliability.md "Outbound requests"): without
 * `PLUGBOARD_ALLOW_PRIVATE_NETWORKS` a loopback or private vendor address is refused with a 400
 * that says how to allow it, before any request reaches it.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { sageCrmBody } from "./support/Seeds.js"
import { startRunner, type TestRunner } from "./support/TestRunner.js"

describe("outbound address policy", () => {
  let runner: TestRunner
  let crm: FakeSageCrm

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: "pw" })
    runner = await startRunner({
      backend: "sqlite",
      connectors: [SageCrm],
      settings: { allowPrivateNetworks: { _tag: "None" } }
    })
  })

  afterAll(async () => {
    await runner?.close()
    await crm?.close()
  })

  const create = (baseUrl: string) =>
    runner.call("/instances", {
      method: "POST",
      headers: { authorization: runner.authorization() },
      json: sageCrmBody({ baseUrl, username: "admin", password: "pw" })
    })

  it("refuses a loopback vendor by IP literal and by name, and the vendor sees nothing", async () => {
    crm.store.clearRequests()
    for (const baseUrl of [
      crm.baseUrl,
      crm.baseUrl.replace("127.0.0.1", "localhost"),
      "http://[::ffff:127.0.0.1]:1/x"
    ]) {
      const response = await create(baseUrl)
      const body = (await response.json()) as { message: string }
      assert.strictEqual(response.status, 400, JSON.stringify(body))
      assert.include(body.message, "PLUGBOARD_ALLOW_PRIVATE_NETWORKS")
    }
    assert.lengthOf(crm.store.requests(), 0)
  })
})
