/**
 * An `Element` token that names no instance of the caller's organization — never issued, or its
 * instance deleted — is 401 on every route addressed by it (contract.md §1: "a deleted one 401"):
 * `GET|PUT|PATCH|DELETE /instances`, `GET /instances/events` and the hub routes alike.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { sageCrmBody } from "./support/Seeds.js"
import { startRunner, type TestRunner } from "./support/TestRunner.js"

// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const CRM_PASSWORD = "crm-password-canary-e7"

describe("Element tokens", () => {
  let runner: TestRunner
  let crm: FakeSageCrm

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: CRM_PASSWORD })
    runner = await startRunner({ backend: "sqlite", connectors: [SageCrm] })
  })

  afterAll(async () => {
    await runner?.close()
    await crm?.close()
  })

  const send = (method: string, path: string, elementToken?: string, body?: unknown) =>
    runner.call(path, {
      method,
      headers: { authorization: runner.authorization(elementToken) },
      ...(body === undefined ? {} : { json: body })
    })

  /** Every route addressed by the token alone. */
  const tokenRoutes = (token: string) =>
    [
      ["GET", "/instances", send("GET", "/instances", token)],
      ["PUT", "/instances", send("PUT", "/instances", token, { name: "x" })],
      ["PATCH", "/instances", send("PATCH", "/instances", token, { name: "x" })],
      ["DELETE", "/instances", send("DELETE", "/instances", token)],
      ["GET", "/instances/events", send("GET", "/instances/events", token)],
      ["GET", "/hubs/crm/accounts", send("GET", "/hubs/crm/accounts", token)]
    ] as const

  const expect401 = async (token: string) => {
    for (const [method, path, pending] of tokenRoutes(token)) {
      const response = await pending
      const body: Json = await response.json()
      assert.strictEqual(response.status, 401, `${method} ${path}: ${JSON.stringify(body)}`)
      assert.include(body.message, "Element token")
      assert.isString(body.requestId)
    }
  }

  it("answers 401 for a token that was never issued", async () => {
    await expect401("no-such-instance-token")
  })

  it("answers 401 for the token of a deleted instance, where it worked before", async () => {
    const created = await send(
      "POST",
      "/instances",
      undefined,
      sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: CRM_PASSWORD })
    )
    const instance: Json = await created.json()
    assert.strictEqual(created.status, 200, JSON.stringify(instance))
    const read = await send("GET", "/instances", instance.token)
    assert.strictEqual(read.status, 200)
    assert.strictEqual(((await read.json()) as Json).id, instance.id)
    assert.strictEqual((await send("GET", "/instances/events", instance.token)).status, 200)

    assert.strictEqual((await send("DELETE", "/instances", instance.token)).status, 200)
    await expect401(instance.token)
    // Addressed by id, a missing instance stays a 404: the id names a resource, not a credential.
    assert.strictEqual((await send("GET", `/instances/${instance.id}`)).status, 404)
  })

  it("keeps 400 for token routes called without any Element token", async () => {
    const response = await send("PATCH", "/instances", undefined, { name: "x" })
    assert.strictEqual(response.status, 400)
    assert.include(((await response.json()) as Json).message, "Element <instance token>")
  })
})
