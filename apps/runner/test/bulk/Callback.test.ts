/**
 * A bulk job's async callback is durable and retried, on SQLite and (when reachable) PostgreSQL: a
 * receiver that fails twice then accepts gets exactly one success, every attempt with the same body;
 * one that keeps failing is given up on after the schedule's last attempt (at once on 410), and the
 * job says so in `callbackStatus`; a runner stopped between the job's end and its callback leaves
 * the callback pending, and the next runner on the same storage sends it — after no attempt at all,
 * or after a failed one.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as BulkOptions from "../../src/bulk/BulkOptions.js"
import { postgresReachable } from "../support/Backends.js"
import { sageCrmBody } from "../support/Seeds.js"
import type { Backend } from "../support/TestRunner.js"
import {
  type Call,
  type Json,
  json,
  makeStorage,
  type Storage,
  startOn,
  waitForStatus
} from "./BulkClient.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

const PASSWORD = "crm-callback-password"

const options: BulkOptions.Options = {
  ...BulkOptions.defaults,
  lease: 1_500,
  renewal: 300,
  idleCheck: 200,
  shutdownGrace: 100,
  callbackTimeout: 2_000,
  callbackRetrySchedule: [0, 100, 100, 100]
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

describe.each(backends)("bulk async callbacks on %s", (backend) => {
  let crm: FakeSageCrm
  let receiver: CallbackReceiver.CallbackReceiver
  let storage: Storage
  let auth = ""
  /** What the receiver answers, by path: the n-th request to a path (0-based) gets `answers[n]`, else 200. */
  const answers = new Map<string, ReadonlyArray<number>>()

  const start = (bulk: BulkOptions.Options = options) => startOn(storage, { connectors: [SageCrm], bulk })

  const instanceAuth = async (call: Call) => {
    if (auth !== "") return auth
    const created = await call("/instances", {
      method: "POST",
      headers: { authorization: storage.platform },
      json: sageCrmBody({
        baseUrl: `${crm.url}/sdata/crmj/sagecrm2/-`,
        username: "admin",
        password: PASSWORD
      })
    })
    const instance = await json(created)
    assert.strictEqual(created.status, 200, JSON.stringify(instance))
    auth = `${storage.platform}, Element ${instance.token}`
    return auth
  }

  /** Starts a query job whose callback goes to `path` on the receiver. */
  const queryWithCallback = async (call: Call, path: string): Promise<string> => {
    const authorization = await instanceAuth(call)
    const response = await call(`/hubs/crm/bulk/query?q=${encodeURIComponent("select * from accounts")}`, {
      method: "POST",
      headers: { authorization, "Elements-Async-Callback-Url": `${receiver.url}${path}` }
    })
    const job = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(job))
    return job.id
  }

  const at = (path: string) => receiver.received.filter((request) => request.path === path)

  /** Waits until the job's callback is `DELIVERED` or `FAILED`. */
  const callbackSettled = (call: Call, id: string): Promise<Json> =>
    waitForStatus(call, auth, id, ["COMPLETED"], {
      until: (job) => job.callbackStatus === "DELIVERED" || job.callbackStatus === "FAILED"
    })

  beforeAll(async () => {
    crm = await startFakeSageCrm({ username: "admin", password: PASSWORD })
    crm.store.insert("Company", { comp_name: "Acme Ltd" })
    crm.store.insert("Company", { comp_name: "Globex" })
    receiver = await CallbackReceiver.start((_index, request) => {
      const seen = receiver.received.filter((earlier) => earlier.path === request.path).length
      return answers.get(request.path)?.[seen] ?? 200
    })
    storage = await makeStorage(backend)
  })

  afterAll(async () => {
    await receiver?.close()
    await crm?.close()
    await storage?.remove()
  })

  it("retries a receiver that fails twice, then delivers exactly once with the same body", async () => {
    const runner = await start()
    try {
      answers.set("/flaky", [500, 503])
      const id = await queryWithCallback(runner.call, "/flaky")
      const done = await callbackSettled(runner.call, id)
      assert.strictEqual(done.callbackStatus, "DELIVERED")
      // Nothing more is sent once it is delivered.
      await sleep(400)
      const requests = at("/flaky")
      assert.deepStrictEqual(
        requests.map((request) => request.status),
        [500, 503, 200]
      )
      assert.strictEqual(new Set(requests.map((request) => request.rawBody)).size, 1)
      const body = requests[2]!.json as Json
      assert.strictEqual(body.id, id)
      assert.strictEqual(body.status, "COMPLETED")
      assert.strictEqual(body.recordsCount, 2)
      assert.notProperty(body, "callbackStatus")
    } finally {
      await runner.stop()
    }
  })

  it("gives up after the schedule's last attempt, and at once on 410 Gone", async () => {
    const runner = await start()
    try {
      answers.set("/down", [500, 500, 500, 500, 500, 500])
      answers.set("/gone", [410])
      const down = await queryWithCallback(runner.call, "/down")
      const gone = await queryWithCallback(runner.call, "/gone")
      assert.strictEqual((await callbackSettled(runner.call, down)).callbackStatus, "FAILED")
      assert.strictEqual((await callbackSettled(runner.call, gone)).callbackStatus, "FAILED")
      await sleep(400)
      assert.strictEqual(at("/down").length, options.callbackRetrySchedule.length)
      assert.strictEqual(at("/gone").length, 1)
    } finally {
      await runner.stop()
    }
  })

  it("sends the callback of a job that ended just before its runner stopped", async () => {
    // A runner that never gets to send a callback: the job ends, its callback stays pending.
    const first = await start({ ...options, callbackConcurrency: 0 })
    let id = ""
    try {
      id = await queryWithCallback(first.call, "/restart")
      const ended = await waitForStatus(first.call, auth, id, ["COMPLETED"])
      assert.strictEqual(ended.callbackStatus, "PENDING")
      await sleep(300)
      assert.strictEqual(at("/restart").length, 0)
    } finally {
      await first.stop()
    }
    // Counted before the next runner starts: it may send the callback while it is still starting.
    const before = receiver.delivered().length
    const second = await start()
    try {
      await receiver.waitForDelivered(before + 1, 10_000)
      assert.strictEqual(at("/restart").length, 1)
      assert.strictEqual((at("/restart")[0]!.json as Json).id, id)
      assert.strictEqual((await callbackSettled(second.call, id)).callbackStatus, "DELIVERED")
    } finally {
      await second.stop()
    }
  })

  it("retries after a restart a callback whose first attempt failed", async () => {
    // The retry is due well after the first runner has stopped.
    const slow: BulkOptions.Options = { ...options, callbackRetrySchedule: [0, 1_500] }
    answers.set("/later", [503])
    const first = await start(slow)
    let id = ""
    try {
      id = await queryWithCallback(first.call, "/later")
      await waitForStatus(first.call, auth, id, ["COMPLETED"], { until: () => at("/later").length === 1 })
      const pending = await waitForStatus(first.call, auth, id, ["COMPLETED"])
      assert.strictEqual(pending.callbackStatus, "PENDING")
    } finally {
      await first.stop()
    }
    const second = await start(slow)
    try {
      const done = await callbackSettled(second.call, id)
      assert.strictEqual(done.callbackStatus, "DELIVERED")
      assert.deepStrictEqual(
        at("/later").map((request) => request.status),
        [503, 200]
      )
    } finally {
      await second.stop()
    }
  })
})
