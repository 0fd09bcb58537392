/**
 * Bulk jobs end to end over real HTTP on loopback, against the fake Sage CRM, on SQLite and (when
 * reachable) PostgreSQL: query jobs with CEQL, their status, NDJSON and CSV results, cancel, errors,
 * the jobs list, uploads (create and upsert) with a bad row, malformed `q`, tenancy, and the async
 * callback.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { postgresReachable } from "../support/Backends.js"
import { sageCrmBody } from "../support/Seeds.js"
import { type Backend, startRunner, type TestRunner } from "../support/TestRunner.js"
import { countRows, type Json, json, upload, waitForStatus } from "./BulkClient.js"
import { type GatedVendor, startGatedVendor } from "./GatedVendor.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const PASSWORD = "crm-bulk-password"

describe.each(backends)("bulk jobs on %s", (backend) => {
  let crm: FakeSageCrm
  let gate: GatedVendor
  let runner: TestRunner
  let receiver: CallbackReceiver.CallbackReceiver
  let auth: string
  let instance: Json

  const createInstance = async (authorization: string) => {
    const response = await runner.call("/instances", {
      method: "POST",
      headers: { authorization },
      json: sageCrmBody({
        baseUrl: `${gate.url}/sdata/crmj/sagecrm2/-`,
        username: "admin",
        password: PASSWORD
      })
    })
    const body = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(body))
    return body
  }

  const startQuery = async (q: string, headers: Record<string, string> = {}) => {
    const response = await runner.call(`/hubs/crm/bulk/query?q=${encodeURIComponent(q)}`, {
      method: "POST",
      headers: { authorization: auth, ...headers }
    })
    return { response, body: await json(response) }
  }

  const lines = (text: string) => text.split("\n").filter((line) => line !== "")

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: PASSWORD })
    crm.store.insert("Company", { comp_name: "Acme Ltd", comp_type: "Customer" })
    crm.store.insert("Company", { comp_name: "Globex", comp_type: "Prospect" })
    crm.store.insert("Company", { comp_name: "Initech", comp_type: "Customer" })
    crm.store.insert("Company", { comp_name: "Umbrella", comp_type: "Customer", comp_website: 'a,"b"' })
    crm.store.insert("Company", { comp_name: "Hooli", comp_type: "Partner" })
    gate = await startGatedVendor(crm.url)
    receiver = await CallbackReceiver.start()
    runner = await startRunner({ backend, connectors: [SageCrm] })
    instance = await createInstance(runner.authorization())
    auth = runner.authorization(instance.token)
  })

  afterAll(async () => {
    await runner?.close()
    await gate?.stop()
    await receiver?.close()
    await crm?.close()
  })

  it("runs a query job with CEQL to COMPLETED and serves its records as NDJSON and CSV", async () => {
    const q = "select * from accounts where comp_type = 'Customer' order by comp_name desc"
    const { response, body } = await startQuery(q, { "Elements-Async-Callback-Url": `${receiver.url}/bulk` })
    assert.strictEqual(response.status, 200, JSON.stringify(body))
    assert.strictEqual(body.status, "CREATED")
    assert.match(body.id, /^\d+$/)

    const done = await waitForStatus(runner.call, auth, body.id, ["COMPLETED", "ERROR"])
    assert.strictEqual(done.status, "COMPLETED", JSON.stringify(done))
    assert.strictEqual(done.recordsCount, 3)
    assert.strictEqual(done.recordsFailedCount, 0)
    assert.strictEqual(done.objectName, "accounts")

    const ndjson = await runner.call(`/hubs/crm/bulk/${body.id}/accounts`, {
      headers: { authorization: auth, accept: "application/json" }
    })
    assert.strictEqual(ndjson.status, 200)
    const records = lines(await ndjson.text()).map((line) => JSON.parse(line))
    assert.deepStrictEqual(
      records.map((record) => record.comp_name),
      ["Umbrella", "Initech", "Acme Ltd"]
    )

    const csv = await runner.call(`/hubs/crm/bulk/${body.id}/accounts`, {
      headers: { authorization: auth, accept: "text/csv" }
    })
    assert.strictEqual(csv.status, 200)
    assert.match(csv.headers.get("content-type") ?? "", /text\/csv/)
    const text = await csv.text()
    const rows = lines(text)
    assert.strictEqual(rows.length, 4, text)
    const header = rows[0]!.split(",")
    assert.include(header, "comp_name")
    assert.include(header, "comp_type")
    assert.include(text, `"a,""b"""`)

    // Quality values are honoured; an Accept that takes neither format is 406 naming both.
    const preferred = await runner.call(`/hubs/crm/bulk/${body.id}/accounts`, {
      headers: { authorization: auth, accept: "application/json;q=0.5, text/csv" }
    })
    assert.match(preferred.headers.get("content-type") ?? "", /text\/csv/)
    await preferred.text()
    const plain = await runner.call(`/hubs/crm/bulk/${body.id}/accounts`, {
      headers: { authorization: auth }
    })
    assert.match(plain.headers.get("content-type") ?? "", /application\/x-ndjson/)
    await plain.text()
    const refused = await runner.call(`/hubs/crm/bulk/${body.id}/accounts`, {
      headers: { authorization: auth, accept: "application/xml" }
    })
    assert.strictEqual(refused.status, 406)
    assert.match(((await refused.json()) as { message: string }).message, /text\/csv.*application\/xml/)

    const [callback] = await receiver.waitForDelivered(1, 10_000)
    const sent = callback!.json as Json
    assert.strictEqual(sent.id, body.id)
    assert.strictEqual(sent.status, "COMPLETED")
    assert.strictEqual(sent.recordsCount, 3)
    assert.strictEqual(sent.recordsFailedCount, 0)
    assert.strictEqual(sent.objectName, "accounts")
  })

  it("honours limit, fields and an in-memory filter across pages", async () => {
    const limited = await startQuery("SELECT * FROM accounts ORDER BY comp_name asc LIMIT 2")
    assert.strictEqual(limited.response.status, 200, JSON.stringify(limited.body))
    const done = await waitForStatus(runner.call, auth, limited.body.id, ["COMPLETED", "ERROR"])
    assert.strictEqual(done.status, "COMPLETED", JSON.stringify(done))
    assert.strictEqual(done.recordsCount, 2)
    const text = await (
      await runner.call(`/hubs/crm/bulk/${limited.body.id}/accounts`, { headers: { authorization: auth } })
    ).text()
    assert.deepStrictEqual(
      lines(text).map((line) => JSON.parse(line).comp_name),
      ["Acme Ltd", "Globex"]
    )

    const filtered = await startQuery(
      "select comp_name from accounts where comp_name like '%o%' and (comp_type = 'Partner' or comp_type = 'Prospect')"
    )
    assert.strictEqual(filtered.response.status, 200, JSON.stringify(filtered.body))
    const second = await waitForStatus(runner.call, auth, filtered.body.id, ["COMPLETED", "ERROR"])
    assert.strictEqual(second.status, "COMPLETED", JSON.stringify(second))
    const names = lines(
      await (
        await runner.call(`/hubs/crm/bulk/${filtered.body.id}/accounts`, { headers: { authorization: auth } })
      ).text()
    ).map((line) => JSON.parse(line))
    assert.deepStrictEqual(names.map((record) => record.comp_name).sort(), ["Globex", "Hooli"])
    assert.deepStrictEqual(Object.keys(names[0]!), ["comp_name"])
  })

  it("refuses a malformed q with a 400 naming the position", async () => {
    const missingFrom = await startQuery("select * form accounts")
    assert.strictEqual(missingFrom.response.status, 400)
    assert.match(missingFrom.body.message, /position \d+/)
    assert.isString(missingFrom.body.requestId)

    const badWhere = await startQuery("select * from accounts where comp_name = ")
    assert.strictEqual(badWhere.response.status, 400)
    assert.match(badWhere.body.message, /where.*position 40/)

    const badLimit = await startQuery("select * from accounts limit ten")
    assert.strictEqual(badLimit.response.status, 400)
    assert.match(badLimit.body.message, /limit.*position 29/)

    // Past 2^31-1 PostgreSQL's INTEGER column refused the job: a 500 instead of a 400.
    const hugeLimit = await startQuery("select * from accounts limit 3000000000")
    assert.strictEqual(hugeLimit.response.status, 400, JSON.stringify(hugeLimit.body))
    assert.match(hugeLimit.body.message, /limit.*position 29/)

    const noQ = await runner.call("/hubs/crm/bulk/query", {
      method: "POST",
      headers: { authorization: auth }
    })
    assert.strictEqual(noQ.status, 400)
    assert.match((await json(noQ)).message, /^q:/)
  })

  it("ends a job on a vendor object that does not exist in ERROR and lists the failure", async () => {
    const { response, body } = await startQuery("select * from NoSuchThing")
    assert.strictEqual(response.status, 200, JSON.stringify(body))
    const done = await waitForStatus(runner.call, auth, body.id, ["COMPLETED", "ERROR"])
    assert.strictEqual(done.status, "ERROR", JSON.stringify(done))
    const errors = await json(
      await runner.call(`/hubs/crm/bulk/${body.id}/errors`, { headers: { authorization: auth } })
    )
    assert.strictEqual(errors.length, 1, JSON.stringify(errors))
    assert.isString(errors[0].message)
  })

  it("cancels a running job", async () => {
    gate.close()
    try {
      const { body } = await startQuery("select * from accounts")
      await waitForStatus(runner.call, auth, body.id, ["RUNNING"], { until: () => gate.held() > 0 })
      const cancel = await runner.call(`/hubs/crm/bulk/${body.id}/cancel`, {
        method: "PUT",
        headers: { authorization: auth }
      })
      const cancelled = await json(cancel)
      assert.strictEqual(cancel.status, 200, JSON.stringify(cancelled))
      assert.strictEqual(cancelled.status, "CANCELLATION_PENDING")
      gate.open()
      const done = await waitForStatus(runner.call, auth, body.id, ["CANCELLED", "COMPLETED", "ERROR"])
      assert.strictEqual(done.status, "CANCELLED")
      assert.strictEqual(done.recordsCount, 0)

      const again = await runner.call(`/hubs/crm/bulk/${body.id}/cancel`, {
        method: "PUT",
        headers: { authorization: auth }
      })
      assert.strictEqual(again.status, 409)
    } finally {
      gate.open()
    }
  })

  it("uploads CSV rows, counting a bad row and reporting it in /errors", async () => {
    const before = crm.store.list("Company").length
    // Row 3 fills a column Sage CRM does not have; empty cells are left out of the other rows.
    const file = [
      "comp_name,comp_type,comp_nosuchcolumn",
      "Wayne Enterprises,Customer,",
      "Stark Industries,Customer,",
      "Bad Row Inc,Customer,oops"
    ].join("\n")
    const response = await upload(runner.call, auth, "accounts", {
      content: file,
      name: "accounts.csv",
      type: "text/csv"
    })
    const body = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(body))
    assert.strictEqual(body.status, "CREATED")
    const done = await waitForStatus(runner.call, auth, body.id, ["COMPLETED", "ERROR"])
    assert.strictEqual(done.status, "COMPLETED", JSON.stringify(done))
    assert.strictEqual(done.recordsCount, 2)
    assert.strictEqual(done.recordsFailedCount, 1)
    assert.strictEqual(crm.store.list("Company").length, before + 2)
    const names = crm.store.list("Company").map((record) => record.comp_name)
    assert.include(names, "Wayne Enterprises")
    assert.notInclude(names, "Bad Row Inc")

    const errors = await json(
      await runner.call(`/hubs/crm/bulk/${body.id}/errors`, { headers: { authorization: auth } })
    )
    assert.strictEqual(errors.length, 1, JSON.stringify(errors))
    assert.strictEqual(errors[0].rowNumber, 3)
    assert.isString(errors[0].message)
    assert.isString(errors[0].providerMessage)
    assert.strictEqual(errors[0].record.comp_name, "Bad Row Inc")
  })

  it("upserts JSON rows on identifierFieldName", async () => {
    const before = crm.store.list("Company").length
    const rows = [
      { comp_name: "Acme Ltd", comp_type: "Partner" },
      { comp_name: "Soylent Corp", comp_type: "Prospect" }
    ]
    const response = await upload(
      runner.call,
      auth,
      "accounts",
      { content: JSON.stringify(rows), name: "accounts.json", type: "application/json" },
      { identifierFieldName: "comp_name" }
    )
    const body = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(body))
    const done = await waitForStatus(runner.call, auth, body.id, ["COMPLETED", "ERROR"])
    assert.strictEqual(done.status, "COMPLETED", JSON.stringify(done))
    assert.strictEqual(done.recordsCount, 2)
    assert.strictEqual(done.recordsFailedCount, 0)
    assert.strictEqual(crm.store.list("Company").length, before + 1)
    const acme = crm.store.list("Company").filter((record) => record.comp_name === "Acme Ltd")
    assert.strictEqual(acme.length, 1)
    assert.strictEqual(acme[0]!.comp_type, "Partner")
  })

  it("refuses unreadable uploads with a 400 naming the part", async () => {
    const empty = await upload(runner.call, auth, "accounts", {
      content: "",
      name: "a.json",
      type: "application/json"
    })
    assert.strictEqual(empty.status, 400)
    assert.match((await json(empty)).message, /^file:/)
    const badMeta = await runner.call("/hubs/crm/bulk/accounts", {
      method: "POST",
      headers: { authorization: auth },
      body: (() => {
        const form = new FormData()
        form.append("file", new Blob(['[{"comp_name":"x"}]'], { type: "application/json" }), "a.json")
        form.append("metaData", "{not json")
        return form
      })()
    })
    assert.strictEqual(badMeta.status, 400)
    assert.match((await json(badMeta)).message, /^metaData:/)
    // A back-tick cannot be quoted in a CEQL column name: every row's upsert lookup would fail.
    const tickField = await upload(
      runner.call,
      auth,
      "accounts",
      { content: '[{"comp_name":"x"}]', name: "a.json", type: "application/json" },
      { identifierFieldName: "comp`name" }
    )
    assert.strictEqual(tickField.status, 400)
    assert.match((await json(tickField)).message, /^metaData\.identifierFieldName:/)
    const noFile = await runner.call("/hubs/crm/bulk/accounts", {
      method: "POST",
      headers: { authorization: auth },
      body: new FormData()
    })
    assert.strictEqual(noFile.status, 400)
    // A multipart body cut short, and one larger than the body limit: 400 and 413, never a 500.
    const broken = await runner.call("/hubs/crm/bulk/accounts", {
      method: "POST",
      headers: { authorization: auth, "content-type": "multipart/form-data; boundary=xyz" },
      body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.json"\r\n\r\n[{"comp_name":"x"}]'
    })
    assert.strictEqual(broken.status, 400, await broken.clone().text())
    assert.isString((await json(broken)).requestId)
    const oversize = await upload(runner.call, auth, "accounts", {
      content: `[${'{"comp_name":"x"},'.repeat(400_000)}{"comp_name":"y"}]`,
      name: "a.json",
      type: "application/json"
    })
    assert.strictEqual(oversize.status, 413, await oversize.clone().text())
  })

  it("lists the instance's jobs newest first, next to the hub routes", async () => {
    const response = await runner.call("/hubs/crm/bulk/jobs", { headers: { authorization: auth } })
    const jobs = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(jobs))
    assert.isAtLeast(jobs.length, 5)
    const ids = jobs.map((job: Json) => Number(job.id))
    assert.deepStrictEqual(
      ids,
      [...ids].sort((a, b) => b - a)
    )

    const id = crm.store.list("Company")[0]!.comp_companyid
    const account = await runner.call(`/hubs/crm/accounts/${id}`, { headers: { authorization: auth } })
    assert.strictEqual(account.status, 200)
    assert.strictEqual((await json(account)).comp_companyid, id)
  })

  it("answers 404 for another instance's or organization's job, and 401 without an instance", async () => {
    const [job] = await json(await runner.call("/hubs/crm/bulk/jobs", { headers: { authorization: auth } }))
    const other = await runner.addTenant()
    const otherAuth = `User ${other.userSecret}, Organization ${other.organizationSecret}`
    const otherInstance = await createInstance(otherAuth)
    const otherInstanceAuth = `${otherAuth}, Element ${otherInstance.token}`
    for (const path of [
      `/hubs/crm/bulk/${job.id}/status`,
      `/hubs/crm/bulk/${job.id}/errors`,
      `/hubs/crm/bulk/${job.id}/accounts`
    ]) {
      const response = await runner.call(path, { headers: { authorization: otherInstanceAuth } })
      assert.strictEqual(response.status, 404, path)
      assert.isString((await json(response)).requestId)
    }
    const cancel = await runner.call(`/hubs/crm/bulk/${job.id}/cancel`, {
      method: "PUT",
      headers: { authorization: otherInstanceAuth }
    })
    assert.strictEqual(cancel.status, 404)
    const otherJobs = await json(
      await runner.call("/hubs/crm/bulk/jobs", { headers: { authorization: otherInstanceAuth } })
    )
    assert.deepStrictEqual(otherJobs, [])

    const foreignToken = await runner.call(`/hubs/crm/bulk/${job.id}/status`, {
      headers: { authorization: `${otherAuth}, Element ${instance.token}` }
    })
    assert.strictEqual(foreignToken.status, 401)
    const noElement = await runner.call("/hubs/crm/bulk/jobs", {
      headers: { authorization: runner.authorization() }
    })
    assert.strictEqual(noElement.status, 401)
    const unknown = await runner.call("/hubs/crm/bulk/999999/status", { headers: { authorization: auth } })
    assert.strictEqual(unknown.status, 404)
  })

  it("drops an instance's jobs when the instance is deleted", async () => {
    const extra = await createInstance(runner.authorization())
    const extraAuth = runner.authorization(extra.token)
    const started = await runner.call(
      `/hubs/crm/bulk/query?q=${encodeURIComponent("select * from accounts")}`,
      {
        method: "POST",
        headers: { authorization: extraAuth }
      }
    )
    const job = await json(started)
    await waitForStatus(runner.call, extraAuth, job.id, ["COMPLETED"])
    assert.isAbove(await countRows(runner, "bulk_records", Number(job.id)), 0)
    const removed = await runner.call(`/instances/${extra.id}`, {
      method: "DELETE",
      headers: { authorization: runner.authorization() }
    })
    assert.strictEqual(removed.status, 200)
    assert.strictEqual(await countRows(runner, "bulk_jobs", Number(job.id)), 0)
    assert.strictEqual(await countRows(runner, "bulk_records", Number(job.id)), 0)
  })
})
