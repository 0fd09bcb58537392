/**
 * An upload survives its runner without writing a row twice at the vendor, on SQLite and (when
 * reachable) PostgreSQL. The fake vendor creates row 3 but its answer is held, and the runner is
 * stopped there — the runner never learns the outcome, as when it dies between sending a row and
 * saving it. A new runner on the same storage resumes the job:
 * - plain creates: row 3 is not sent again; it is reported in `/errors` as possibly created and
 *   counted as failed, and every other row is created exactly once;
 * - an upsert on `identifierFieldName`: row 3 is sent again, its lookup finds the record the first
 *   runner created and updates it, so every row ends up written exactly once.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as BulkFailures from "../../src/bulk/BulkFailures.js"
import * as BulkOptions from "../../src/bulk/BulkOptions.js"
import { postgresReachable } from "../support/Backends.js"
import { sageCrmBody } from "../support/Seeds.js"
import type { Backend } from "../support/TestRunner.js"
import { type Call, json, makeStorage, type Storage, startOn, upload, waitForStatus } from "./BulkClient.js"
import { type GatedVendor, startGatedVendor } from "./GatedVendor.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const PASSWORD = "crm-upload-restart-password"
const ROWS = 6
/** The row whose write reaches the vendor but whose answer never reaches the first runner. */
const CUT = 3

const options: BulkOptions.Options = {
  ...BulkOptions.defaults,
  lease: 1_500,
  renewal: 300,
  idleCheck: 200,
  shutdownGrace: 100
}

describe.each(backends)("uploads across runner restarts on %s", (backend) => {
  let crm: FakeSageCrm
  let gate: GatedVendor
  let storage: Storage
  let auth = ""

  const start = () => startOn(storage, { connectors: [SageCrm], bulk: options })

  /** The instance the suite's jobs run on, created by the first runner. */
  const instanceAuth = async (call: Call) => {
    if (auth !== "") return auth
    const created = await call("/instances", {
      method: "POST",
      headers: { authorization: storage.platform },
      json: sageCrmBody({
        baseUrl: `${gate.url}/sdata/crmj/sagecrm2/-`,
        username: "admin",
        password: PASSWORD
      })
    })
    const instance = await json(created)
    assert.strictEqual(created.status, 200, JSON.stringify(instance))
    auth = `${storage.platform}, Element ${instance.token}`
    return auth
  }

  /** Company names at the vendor starting with `prefix`, as many times as they exist. */
  const namesAtVendor = (prefix: string) =>
    crm.store
      .list("Company")
      .map((record) => String(record.comp_name))
      .filter((name) => name.startsWith(prefix))
      .sort()

  /** Creates the vendor saw for a company name (POSTs, not the upsert's lookups or updates). */
  const createsOf = (name: string) =>
    crm.store
      .requests()
      .filter(
        (request) =>
          request.method === "POST" &&
          (request.body as { comp_name?: unknown } | undefined)?.comp_name === name
      ).length

  /**
   * Starts an upload of `ROWS` rows named `<prefix> <n>` on a first runner, stops that runner once
   * row {@link CUT} is at the vendor with its answer held, and finishes the job on a second runner.
   */
  const uploadAcrossRestart = async (prefix: string, metaData?: unknown) => {
    const rows = Array.from({ length: ROWS }, (_, index) => ({ comp_name: `${prefix} ${index + 1}` }))
    const first = await start()
    let id = ""
    try {
      const authorization = await instanceAuth(first.call)
      gate.holdWriteAnswers(CUT - 1)
      const response = await upload(
        first.call,
        authorization,
        "accounts",
        { content: JSON.stringify(rows), name: "accounts.json", type: "application/json" },
        metaData
      )
      const job = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(job))
      id = job.id
      await waitForStatus(first.call, authorization, id, ["RUNNING"], { until: () => gate.held() > 0 })
      // The first runner wrote rows 1 and 2 and sent row 3, which the vendor now has.
      assert.deepStrictEqual(namesAtVendor(prefix), [`${prefix} 1`, `${prefix} 2`, `${prefix} ${CUT}`])
    } finally {
      await first.stop()
      gate.open()
    }

    const second = await start()
    try {
      const done = await waitForStatus(second.call, auth, id, ["COMPLETED", "ERROR"], { timeoutMs: 15_000 })
      const errors = await json(
        await second.call(`/hubs/crm/bulk/${id}/errors`, { headers: { authorization: auth } })
      )
      return { done, errors, rows }
    } finally {
      await second.stop()
    }
  }

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: PASSWORD })
    gate = await startGatedVendor(crm.url)
    storage = await makeStorage(backend)
  })

  afterAll(async () => {
    gate?.open()
    await gate?.stop()
    await crm?.close()
    await storage?.remove()
  })

  it("creates every plain row at most once and reports the row in doubt", async () => {
    const { done, errors, rows } = await uploadAcrossRestart("Plain")
    assert.strictEqual(done.status, "COMPLETED", JSON.stringify(done))
    assert.strictEqual(done.recordsCount, ROWS - 1)
    assert.strictEqual(done.recordsFailedCount, 1)
    // Every row exists exactly once: row 3 from the first runner, never sent again.
    assert.deepStrictEqual(namesAtVendor("Plain"), rows.map((row) => row.comp_name).sort())
    for (const row of rows) assert.strictEqual(createsOf(row.comp_name), 1, row.comp_name)
    assert.strictEqual(errors.length, 1, JSON.stringify(errors))
    assert.strictEqual(errors[0].rowNumber, CUT)
    assert.strictEqual(errors[0].message, BulkFailures.IN_DOUBT)
    assert.match(errors[0].message, /may or may not exist at the vendor/)
    assert.strictEqual(errors[0].record.comp_name, `Plain ${CUT}`)
  })

  it("writes every upsert row exactly once, sending the row in doubt again", async () => {
    const { done, errors, rows } = await uploadAcrossRestart("Upsert", { identifierFieldName: "comp_name" })
    assert.strictEqual(done.status, "COMPLETED", JSON.stringify(done))
    assert.deepStrictEqual(errors, [])
    assert.strictEqual(done.recordsCount, ROWS)
    assert.strictEqual(done.recordsFailedCount, 0)
    assert.deepStrictEqual(namesAtVendor("Upsert"), rows.map((row) => row.comp_name).sort())
    for (const row of rows) assert.strictEqual(createsOf(row.comp_name), 1, row.comp_name)
    // Row 3 was sent again by the second runner: found by its name and updated, not created.
    const updates = crm.store
      .requests()
      .filter(
        (request) =>
          (request.method === "PUT" || request.method === "PATCH") &&
          (request.body as { comp_name?: unknown } | undefined)?.comp_name === `Upsert ${CUT}`
      )
    assert.strictEqual(updates.length, 1)
  })
})
