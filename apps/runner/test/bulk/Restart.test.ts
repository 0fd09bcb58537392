/**
 * A bulk job survives its runner: a runner is stopped while a query job is between pages (the fake
 * vendor's later pages are held), and a new runner on the same storage resumes the job from its last
 * saved page and completes it with every record exactly once — on SQLite (the restarted embedded
 * runner frees its old claims at start) and on PostgreSQL (the stopping runner gives its claim
 * back). A job whose runner died without giving it back is taken over once its lease lapses. A
 * download of a job still running serves exactly the records its `Elements-Returned-Count` names.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import * as BulkOptions from "../../src/bulk/BulkOptions.js"
import { postgresReachable } from "../support/Backends.js"
import { sageCrmBody } from "../support/Seeds.js"
import type { Backend } from "../support/TestRunner.js"
import { type Call, json, makeStorage, type Storage, startOn, waitForStatus } from "./BulkClient.js"
import { type GatedVendor, startGatedVendor } from "./GatedVendor.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const PASSWORD = "crm-restart-password"
const RECORDS = 7

const options: BulkOptions.Options = {
  ...BulkOptions.defaults,
  pageSize: 2,
  lease: 1_500,
  renewal: 300,
  idleCheck: 200,
  shutdownGrace: 100
}

/** A runner on the suite's storage, stopped by closing its scope. */
const start = (storage: Storage) => startOn(storage, { connectors: [SageCrm], bulk: options })

describe.each(backends)("bulk jobs across runner restarts on %s", (backend) => {
  let crm: FakeSageCrm
  let gate: GatedVendor
  let storage: Storage
  let platform: string

  /** Runs statements against the runner's database directly. */
  const database = <A>(effect: Effect.Effect<A, unknown, SqlClient.SqlClient>) => storage.database(effect)

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: PASSWORD })
    for (let n = 1; n <= RECORDS; n++) crm.store.insert("Company", { comp_name: `Company ${n}` })
    gate = await startGatedVendor(crm.url)
    storage = await makeStorage(backend)
    platform = storage.platform
  })

  afterAll(async () => {
    gate?.open()
    await gate?.stop()
    await crm?.close()
    await storage?.remove()
  })

  const readAll = async (call: Call, auth: string, id: string) => {
    const text = await (
      await call(`/hubs/crm/bulk/${id}/accounts`, { headers: { authorization: auth } })
    ).text()
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line).comp_name as string)
  }

  it("resumes a job cut off by a stopping runner and completes it without duplicates", async () => {
    const first = await start(storage)
    let auth = ""
    let id = ""
    try {
      const created = await first.call("/instances", {
        method: "POST",
        headers: { authorization: platform },
        json: sageCrmBody({
          baseUrl: `${gate.url}/sdata/crmj/sagecrm2/-`,
          username: "admin",
          password: PASSWORD
        })
      })
      const instance = await json(created)
      assert.strictEqual(created.status, 200, JSON.stringify(instance))
      auth = `${platform}, Element ${instance.token}`
      gate.close(["1"])
      const response = await first.call(
        `/hubs/crm/bulk/query?q=${encodeURIComponent("select * from accounts order by comp_companyid asc")}`,
        { method: "POST", headers: { authorization: auth } }
      )
      const job = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(job))
      id = job.id
      const partial = await waitForStatus(first.call, auth, id, ["RUNNING"], {
        until: (current) => current.recordsCount === 2 && gate.held() > 0
      })
      assert.strictEqual(partial.recordsCount, 2)
    } finally {
      await first.stop()
      gate.open()
    }

    const second = await start(storage)
    try {
      const done = await waitForStatus(second.call, auth, id, ["COMPLETED", "ERROR"])
      assert.strictEqual(done.status, "COMPLETED", JSON.stringify(done))
      assert.strictEqual(done.recordsCount, RECORDS)
      const names = await readAll(second.call, auth, id)
      assert.deepStrictEqual(
        names,
        Array.from({ length: RECORDS }, (_, index) => `Company ${index + 1}`)
      )
    } finally {
      await second.stop()
    }
  })

  it("takes over a job whose runner died holding its claim, once the lease lapses", async () => {
    const runner = await start(storage)
    try {
      const instances = await json(await runner.call("/instances", { headers: { authorization: platform } }))
      const auth = `${platform}, Element ${instances[0].token}`
      const response = await runner.call(
        `/hubs/crm/bulk/query?q=${encodeURIComponent("select * from accounts")}`,
        {
          method: "POST",
          headers: { authorization: auth }
        }
      )
      const job = await json(response)
      await waitForStatus(runner.call, auth, job.id, ["COMPLETED"])
      // Rewind it to what a runner that died after its first page leaves behind: RUNNING, claimed
      // by a token nobody renews, the first page's records saved and the cursor of page 2.
      const id = Number(job.id)
      await database(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`DELETE FROM bulk_records WHERE job_id = ${id} AND seq > 2`
          const first = yield* sql<{
            n: unknown
          }>`SELECT COUNT(*) AS n FROM bulk_records WHERE job_id = ${id}`
          assert.strictEqual(Number(first[0]?.n), 2)
          yield* sql`UPDATE bulk_jobs SET status = 'RUNNING', records_count = 2, cursor = NULL,
              claim_token = 'dead-runner', leased_until = ${Date.now() + 1_000}, finished_at = NULL
            WHERE id = ${id}`
        })
      )
      const page = await runner.call("/hubs/crm/accounts?pageSize=2", { headers: { authorization: auth } })
      const token = page.headers.get("Elements-Next-Page-Token")
      assert.isString(token)
      await database(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`UPDATE bulk_jobs SET cursor = ${token} WHERE id = ${id}`
        })
      )
      const stuck = await json(
        await runner.call(`/hubs/crm/bulk/${id}/status`, { headers: { authorization: auth } })
      )
      assert.strictEqual(stuck.status, "RUNNING")
      const done = await waitForStatus(runner.call, auth, job.id, ["COMPLETED", "ERROR"], {
        timeoutMs: 15_000
      })
      assert.strictEqual(done.status, "COMPLETED", JSON.stringify(done))
      assert.strictEqual(done.recordsCount, RECORDS)
      const names = await readAll(runner.call, auth, job.id)
      assert.strictEqual(new Set(names).size, RECORDS)
    } finally {
      await runner.stop()
    }
  })

  it("downloads a running job's records so far, exactly as many as its returned count", async () => {
    const runner = await start(storage)
    try {
      const instances = await json(await runner.call("/instances", { headers: { authorization: platform } }))
      const auth = `${platform}, Element ${instances[0].token}`
      gate.close(["1"])
      const response = await runner.call(
        `/hubs/crm/bulk/query?q=${encodeURIComponent("select * from accounts order by comp_companyid asc")}`,
        { method: "POST", headers: { authorization: auth } }
      )
      const job = await json(response)
      assert.strictEqual(response.status, 200, JSON.stringify(job))
      await waitForStatus(runner.call, auth, job.id, ["RUNNING"], {
        until: (current) => current.recordsCount === 2 && gate.held() > 0
      })
      const ndjson = await runner.call(`/hubs/crm/bulk/${job.id}/accounts`, {
        headers: { authorization: auth, accept: "application/json" }
      })
      assert.strictEqual(ndjson.status, 200)
      const count = Number(ndjson.headers.get("Elements-Returned-Count"))
      const lines = (await ndjson.text()).split("\n").filter((line) => line !== "")
      assert.strictEqual(count, 2)
      assert.strictEqual(lines.length, count)
      const csv = await runner.call(`/hubs/crm/bulk/${job.id}/accounts`, {
        headers: { authorization: auth, accept: "text/csv" }
      })
      const rows = (await csv.text()).split("\n").filter((line) => line !== "")
      assert.strictEqual(rows.length, Number(csv.headers.get("Elements-Returned-Count")) + 1)
      gate.open()
      const done = await waitForStatus(runner.call, auth, job.id, ["COMPLETED", "ERROR"])
      assert.strictEqual(done.status, "COMPLETED", JSON.stringify(done))
      const all = await runner.call(`/hubs/crm/bulk/${job.id}/accounts`, { headers: { authorization: auth } })
      const allLines = (await all.text()).split("\n").filter((line) => line !== "")
      assert.strictEqual(Number(all.headers.get("Elements-Returned-Count")), RECORDS)
      assert.strictEqual(allLines.length, RECORDS)
    } finally {
      gate.open()
      await runner.stop()
    }
  })
})
