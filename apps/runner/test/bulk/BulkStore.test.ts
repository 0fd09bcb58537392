/**
 * The bulk store on a real database (SQLite, and PostgreSQL when it answers), without a worker, so
 * each step of a job's life is taken by hand: one claim never takes two jobs of one instance (the
 * newer waits until the older has ended), a cancel recorded while a job finishes makes it end
 * `CANCELLED` rather than `COMPLETED`, a download bounded by the count read when it was asked
 * for serves exactly that many records even while the job keeps saving pages, an upload's rows are
 * saved one by one with the next row marked in flight (a job ending with a row marked lists it as
 * possibly written), and an ended job's callback is pending from the write that ended it and is
 * claimed by one runner at a time, retried and settled under that claim.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { type Context, Effect, Exit, Layer, Option, Redacted, Scope, Stream } from "effect"
import { SqlClient } from "effect/sql"
import * as BulkExport from "../../src/bulk/BulkExport.js"
import * as BulkFailures from "../../src/bulk/BulkFailures.js"
import { BulkStore, type BulkStoreService } from "../../src/bulk/BulkStore.js"
import { RunnerSettings, type Settings } from "../../src/Settings.js"
import * as Database from "../../src/store/Database.js"
import { freshPostgres, postgresReachable } from "../support/Backends.js"
import type { Backend } from "../support/TestRunner.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

describe.each(backends)("the bulk store on %s", (backend) => {
  let scope: Scope.Closeable
  let context: Context.Context<BulkStore | SqlClient.SqlClient>
  let dataDir: string
  let dropDatabase: (() => Promise<void>) | undefined
  let organizationId = 0
  let instanceId = 0
  let tokens = 0

  const run = <A>(effect: Effect.Effect<A, unknown, BulkStore | SqlClient.SqlClient>): Promise<A> =>
    Effect.runPromise(effect.pipe(Effect.provide(context), Effect.orDie))

  const store = Effect.gen(function* () {
    return yield* BulkStore
  })

  /** A new instance row (jobs hang off one), its id. */
  const addInstance = (): Promise<number> =>
    run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const n = ++tokens
        const rows = yield* sql<{ id: unknown }>`INSERT INTO instances ${sql.insert({
          organization_id: organizationId,
          user_id: organizationId,
          element_key: "sagecrm",
          name: `instance ${n}`,
          token_hash: `hash-${n}`,
          token_sealed: `sealed-${n}`,
          tags: "[]",
          configuration: "{}",
          created_at: new Date().toISOString(),
          updated_at: new Date().toISOString()
        })} RETURNING id`
        return Number(rows[0]?.id)
      })
    )

  const newQuery = (instance: number) =>
    Effect.flatMap(store, (bulk) =>
      bulk.create({
        organizationId,
        instanceId: instance,
        kind: "query",
        objectName: "accounts",
        now: Date.now()
      })
    )

  /** Claims what is claimable now, as a worker with nothing running would. */
  const claimAll = (instances: ReadonlyArray<number>) =>
    Effect.gen(function* () {
      const bulk = yield* store
      const now = Date.now()
      const claimed = yield* bulk.claim({
        limit: 100,
        busy: [],
        now,
        leaseUntil: now + 60_000,
        token: `token-${++tokens}`
      })
      // Other suites' jobs never live in this database, but keep the assertion to these instances.
      return claimed.filter((job) => instances.includes(job.instanceId))
    })

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "plugboard-bulk-store-"))
    const postgres = backend === "postgres" ? await freshPostgres() : undefined
    dropDatabase = postgres?.drop
    const settings: Settings = {
      port: 0,
      dataDir,
      databaseUrl: postgres === undefined ? Option.none() : Option.some(Redacted.make(postgres.url)),
      encryptionKey: Option.none(),
      organizationSecret: Option.none(),
      userSecret: Option.none(),
      connectors: Option.none(),
      allowPrivateNetworks: { _tag: "All" },
      logLevel: "error",
      maxBodyBytes: 64 * 1024
    }
    scope = Effect.runSync(Scope.make())
    context = await Effect.runPromise(
      Layer.buildWithScope(
        BulkStore.layer.pipe(
          Layer.provideMerge(Database.layer),
          Layer.provide(RunnerSettings.layerValue(settings))
        ),
        scope
      )
    )
    organizationId = await run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const at = new Date().toISOString()
        const org = yield* sql<{ id: unknown }>`INSERT INTO organizations ${sql.insert({
          name: "bulk store",
          secret_hash: "org-hash",
          created_at: at
        })} RETURNING id`
        const id = Number(org[0]?.id)
        yield* sql`INSERT INTO users ${sql.insert({
          id,
          organization_id: id,
          email: "bulk@example.test",
          secret_hash: "user-hash",
          created_at: at
        })}`
        return id
      })
    )
    instanceId = await addInstance()
  })

  afterAll(async () => {
    if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
    await dropDatabase?.()
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  })

  it("claims one job per instance: a newer job waits until the older one has ended", async () => {
    const other = await addInstance()
    const older = await run(newQuery(instanceId))
    const newer = await run(newQuery(instanceId))
    const elsewhere = await run(newQuery(other))

    const first = await run(claimAll([instanceId, other]))
    assert.deepStrictEqual(first.map((job) => job.id).sort(), [older.id, elsewhere.id].sort())
    assert.deepStrictEqual(await run(claimAll([instanceId, other])), [])

    const claimed = first.find((job) => job.id === older.id)!
    const ended = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.finish({ id: older.id, token: claimed.claimToken ?? "", status: "COMPLETED", now: Date.now() })
      )
    )
    assert.strictEqual(Option.getOrThrow(ended).status, "COMPLETED")
    const second = await run(claimAll([instanceId, other]))
    assert.deepStrictEqual(
      second.map((job) => job.id),
      [newer.id]
    )
    assert.strictEqual(second[0]!.status, "RUNNING")
    const done = second.find((job) => job.id === newer.id)!
    await run(
      Effect.flatMap(store, (bulk) =>
        Effect.all([
          bulk.finish({ id: newer.id, token: done.claimToken ?? "", status: "COMPLETED", now: Date.now() }),
          bulk.finish({
            id: elsewhere.id,
            token: first.find((job) => job.id === elsewhere.id)!.claimToken ?? "",
            status: "COMPLETED",
            now: Date.now()
          })
        ])
      )
    )
  })

  it("ends a job CANCELLED when its cancel was recorded before it finished", async () => {
    const job = await run(newQuery(instanceId))
    const [claimed] = await run(claimAll([instanceId]))
    assert.strictEqual(claimed?.id, job.id)
    const token = claimed!.claimToken ?? ""
    const saved = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.savePage({ id: job.id, token, records: ['{"n":1}'], cursor: "#end", now: Date.now() })
      )
    )
    assert.strictEqual(saved, "saved")
    // The cancel lands after the last page was saved, while the worker is about to finish.
    const pending = await run(Effect.flatMap(store, (bulk) => bulk.cancel(job.id, Date.now())))
    assert.strictEqual(Option.getOrThrow(pending).status, "CANCELLATION_PENDING")
    const ended = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.finish({ id: job.id, token, status: "COMPLETED", now: Date.now() })
      )
    )
    assert.strictEqual(Option.getOrThrow(ended).status, "CANCELLED")
    const stored = Option.getOrThrow(await run(Effect.flatMap(store, (bulk) => bulk.find(job.id))))
    assert.strictEqual(stored.status, "CANCELLED")
    assert.isNumber(stored.finishedAt)
  })

  it("serves a running job's download up to the count read when it was asked for", async () => {
    const job = await run(newQuery(instanceId))
    const [claimed] = await run(claimAll([instanceId]))
    assert.strictEqual(claimed?.id, job.id)
    const token = claimed!.claimToken ?? ""
    const save = (from: number, count: number, columns: "a" | "ab") =>
      Effect.flatMap(store, (bulk) =>
        bulk.savePage({
          id: job.id,
          token,
          records: Array.from({ length: count }, (_, index) =>
            JSON.stringify(columns === "a" ? { a: from + index } : { a: from + index, b: "late" })
          ),
          cursor: `page-${from}`,
          now: Date.now()
        })
      )
    await run(save(1, 3, "a"))
    const asked = Option.getOrThrow(await run(Effect.flatMap(store, (bulk) => bulk.find(job.id))))
    assert.strictEqual(asked.recordsCount, 3)

    // The worker saves another page between the request and every read of the body.
    const racing = (bulk: BulkStoreService): BulkStoreService => {
      let next = 4
      return {
        ...bulk,
        records: (id, afterSeq, limit, throughSeq) =>
          Effect.flatMap(save(next, 2, "ab"), () => {
            next += 2
            return bulk.records(id, afterSeq, limit, throughSeq)
          }).pipe(Effect.provide(context), Effect.orDie)
      }
    }
    const body = (stream: (bulk: BulkStoreService) => Stream.Stream<Uint8Array, unknown>) =>
      run(
        Effect.flatMap(store, (bulk) =>
          stream(racing(bulk)).pipe(
            Stream.decodeText,
            Stream.runCollect,
            Effect.map((chunks) => Array.from(chunks).join(""))
          )
        )
      )

    const ndjson = await body((bulk) => BulkExport.ndjson(bulk, job.id, asked.recordsCount))
    const lines = ndjson.split("\n").filter((line) => line !== "")
    assert.deepStrictEqual(
      lines.map((line) => JSON.parse(line).a),
      [1, 2, 3]
    )

    const csv = await body((bulk) => BulkExport.csv(bulk, job.id, asked.recordsCount))
    const rows = csv.split("\n").filter((line) => line !== "")
    assert.deepStrictEqual(rows, ["a", "1", "2", "3"])
  })

  it("saves an upload row by row, marking the next row in flight before it is sent", async () => {
    // Earlier tests leave jobs of the shared instance active; a fresh one keeps this claim to this job.
    const instance = await addInstance()
    const inputs = ['{"n":1}', '{"n":2}', '{"n":3}']
    const job = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.create({
          organizationId,
          instanceId: instance,
          kind: "upload",
          objectName: "accounts",
          inputs,
          now: Date.now()
        })
      )
    )
    const [claimed] = await run(claimAll([instance]))
    assert.strictEqual(claimed?.id, job.id)
    const token = claimed!.claimToken ?? ""
    const step = (done: { rowNumber: number; failure?: { message: string } } | undefined, sending?: number) =>
      run(
        Effect.flatMap(store, (bulk) => bulk.saveRow({ id: job.id, token, done, sending, now: Date.now() }))
      )
    const now = () => run(Effect.flatMap(store, (bulk) => bulk.find(job.id))).then(Option.getOrThrow)

    assert.strictEqual(await step(undefined, 1), "saved")
    let current = await now()
    assert.strictEqual(current.inFlightRow, 1)
    assert.strictEqual(current.cursor, "1")
    assert.strictEqual(current.recordsCount, 0)

    assert.strictEqual(await step({ rowNumber: 1 }, 2), "saved")
    current = await now()
    assert.deepStrictEqual([current.recordsCount, current.inFlightRow, current.cursor], [1, 2, "2"])
    assert.strictEqual(await step({ rowNumber: 2, failure: { message: "refused" } }, 3), "saved")
    current = await now()
    assert.deepStrictEqual(
      [current.recordsCount, current.recordsFailedCount, current.inFlightRow, current.cursor],
      [1, 1, 3, "3"]
    )
    // Another token is refused and changes nothing.
    const stale = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.saveRow({
          id: job.id,
          token: "stale",
          done: { rowNumber: 3 },
          sending: undefined,
          now: Date.now()
        })
      )
    )
    assert.strictEqual(stale, "lost")
    assert.strictEqual((await now()).inFlightRow, 3)

    // The job fails while row 3 is in flight: row 3 is listed as possibly written, then the failure.
    const ended = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.finish({ id: job.id, token, status: "ERROR", failure: { message: "boom" }, now: Date.now() })
      )
    )
    const last = Option.getOrThrow(ended)
    assert.strictEqual(last.status, "ERROR")
    assert.strictEqual(last.recordsFailedCount, 2)
    assert.isUndefined(last.inFlightRow)
    const failures = await run(Effect.flatMap(store, (bulk) => bulk.failures(job.id)))
    assert.deepStrictEqual(failures, [
      { rowNumber: 2, message: "refused" },
      { rowNumber: 3, message: BulkFailures.ENDED_IN_FLIGHT, record: '{"n":3}' },
      { message: "boom" }
    ])
  })

  it("saves a row's outcome but marks nothing once a cancel is pending", async () => {
    // Earlier tests leave jobs of the shared instance active; a fresh one keeps this claim to this job.
    const instance = await addInstance()
    const job = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.create({
          organizationId,
          instanceId: instance,
          kind: "upload",
          objectName: "accounts",
          inputs: ['{"n":1}', '{"n":2}'],
          now: Date.now()
        })
      )
    )
    const [claimed] = await run(claimAll([instance]))
    const token = claimed!.claimToken ?? ""
    await run(
      Effect.flatMap(store, (bulk) =>
        bulk.saveRow({ id: job.id, token, done: undefined, sending: 1, now: Date.now() })
      )
    )
    await run(Effect.flatMap(store, (bulk) => bulk.cancel(job.id, Date.now())))
    const saved = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.saveRow({ id: job.id, token, done: { rowNumber: 1 }, sending: 2, now: Date.now() })
      )
    )
    assert.strictEqual(saved, "lost")
    const current = Option.getOrThrow(await run(Effect.flatMap(store, (bulk) => bulk.find(job.id))))
    assert.strictEqual(current.status, "CANCELLATION_PENDING")
    assert.strictEqual(current.recordsCount, 1)
    assert.isUndefined(current.inFlightRow)
    assert.strictEqual(current.cursor, "2")
    const ended = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.finish({ id: job.id, token, status: "CANCELLED", now: Date.now() })
      )
    )
    assert.strictEqual(Option.getOrThrow(ended).recordsFailedCount, 0)
  })

  it("makes an ended job's callback pending and lets one claim at a time send it", async () => {
    // Earlier tests leave jobs of the shared instance active; a fresh one keeps this claim to this job.
    const instance = await addInstance()
    const job = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.create({
          organizationId,
          instanceId: instance,
          kind: "query",
          objectName: "accounts",
          callbackUrl: "http://127.0.0.1:9/bulk",
          now: Date.now()
        })
      )
    )
    const [claimed] = await run(claimAll([instance]))
    assert.strictEqual(claimed?.id, job.id)
    assert.isUndefined(claimed!.callbackStatus)
    const ended = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.finish({ id: job.id, token: claimed!.claimToken ?? "", status: "COMPLETED", now: Date.now() })
      )
    )
    assert.strictEqual(Option.getOrThrow(ended).callbackStatus, "PENDING")

    const claimCallbacks = (token: string, now = Date.now()) =>
      run(
        Effect.flatMap(store, (bulk) =>
          bulk.claimCallbacks({ limit: 10, busy: [], now, leaseUntil: now + 60_000, token })
        )
      ).then((jobs) => jobs.filter((one) => one.id === job.id))
    const settle = (token: string, outcome: Parameters<BulkStoreService["settleCallback"]>[0]["outcome"]) =>
      run(Effect.flatMap(store, (bulk) => bulk.settleCallback({ id: job.id, token, outcome })))

    const [first] = await claimCallbacks("callback-a")
    assert.strictEqual(first?.callbackToken, "callback-a")
    assert.deepStrictEqual(await claimCallbacks("callback-b"), [])
    assert.isFalse(await settle("callback-b", { _tag: "Delivered" }))

    const due = Date.now() + 60_000
    assert.isTrue(await settle("callback-a", { _tag: "Retry", due, error: "it answered 500" }))
    let current = Option.getOrThrow(await run(Effect.flatMap(store, (bulk) => bulk.find(job.id))))
    assert.deepStrictEqual(
      [current.callbackStatus, current.callbackAttempts, current.callbackError],
      ["PENDING", 1, "it answered 500"]
    )
    assert.deepStrictEqual(await claimCallbacks("callback-c"), [])
    const due2 = Option.getOrThrow(await run(Effect.flatMap(store, (bulk) => bulk.nextCallbackDue)))
    assert.isAtMost(due2, due)

    const [again] = await claimCallbacks("callback-d", due)
    assert.strictEqual(again?.callbackAttempts, 1)
    assert.isTrue(await settle("callback-d", { _tag: "Delivered" }))
    current = Option.getOrThrow(await run(Effect.flatMap(store, (bulk) => bulk.find(job.id))))
    assert.deepStrictEqual([current.callbackStatus, current.callbackAttempts], ["DELIVERED", 2])
    assert.isUndefined(current.callbackToken)
    assert.deepStrictEqual(await claimCallbacks("callback-e", due + 1), [])
  })

  it("makes the callback of a job cancelled before it started pending", async () => {
    const other = await addInstance()
    const job = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.create({
          organizationId,
          instanceId: other,
          kind: "query",
          objectName: "accounts",
          callbackUrl: "http://127.0.0.1:9/bulk",
          now: Date.now()
        })
      )
    )
    const cancelled = await run(Effect.flatMap(store, (bulk) => bulk.cancel(job.id, Date.now())))
    assert.strictEqual(Option.getOrThrow(cancelled).status, "CANCELLED")
    assert.strictEqual(Option.getOrThrow(cancelled).callbackStatus, "PENDING")
    const plain = await run(newQuery(other))
    const [claimed] = await run(claimAll([other]))
    assert.strictEqual(claimed?.id, plain.id)
    const ended = await run(
      Effect.flatMap(store, (bulk) =>
        bulk.finish({ id: plain.id, token: claimed!.claimToken ?? "", status: "COMPLETED", now: Date.now() })
      )
    )
    // No callback URL, no callback state.
    assert.isUndefined(Option.getOrThrow(ended).callbackStatus)
  })
})
