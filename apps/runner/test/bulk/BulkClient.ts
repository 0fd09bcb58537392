/**
 * Helpers the bulk suites share: JSON reading, waiting for a job to reach a status, uploading a
 * file as multipart, and runners started and stopped on one storage with given bulk options (to
 * restart a runner in the middle of a job).
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Connector } from "@plugboard/core"
import { assert } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Context, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { HttpServer } from "effect/http"
import { SqlClient } from "effect/sql"
import * as BulkOptions from "../../src/bulk/BulkOptions.js"
import * as Runner from "../../src/Runner.js"
import type { Settings } from "../../src/Settings.js"
import { DATABASE_FILE } from "../../src/store/Database.js"
import { freshPostgres, useFreeClusterAddress } from "../support/Backends.js"
import { type Json, json } from "../support/Json.js"
import type { Backend } from "../support/TestRunner.js"

export { type Json, json }

/** Calls the runner's API (`/elements/api-v2` + path). */
export type Call = (path: string, init?: RequestInit & { readonly json?: unknown }) => Promise<Response>

/** Polls a job's status until it is one of `statuses`; fails the test after `timeoutMs`. */
export const waitForStatus = async (
  call: Call,
  authorization: string,
  id: string,
  statuses: ReadonlyArray<string>,
  options: { readonly timeoutMs?: number; readonly until?: (job: Json) => boolean } = {}
): Promise<Json> => {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000)
  let last: Json
  while (Date.now() < deadline) {
    const response = await call(`/hubs/crm/bulk/${id}/status`, { headers: { authorization } })
    last = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(last))
    if (statuses.includes(last.status) && (options.until === undefined || options.until(last))) return last
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`bulk job ${id} did not reach ${statuses.join("|")}; last: ${JSON.stringify(last)}`)
}

/** Starts an upload of `content` as the multipart `file` part. */
export const upload = (
  call: Call,
  authorization: string,
  objectName: string,
  file: { readonly content: string; readonly name: string; readonly type: string },
  metaData?: unknown
): Promise<Response> => {
  const form = new FormData()
  form.append("file", new Blob([file.content], { type: file.type }), file.name)
  if (metaData !== undefined) form.append("metaData", JSON.stringify(metaData))
  return call(`/hubs/crm/bulk/${objectName}`, { method: "POST", headers: { authorization }, body: form })
}

/** How many rows of a bulk table belong to a job, read straight from the runner's database. */
export const countRows = (
  runner: {
    readonly backend: "sqlite" | "postgres"
    readonly dataDir: string
    readonly databaseUrl: string | undefined
  },
  table: "bulk_jobs" | "bulk_records" | "bulk_errors" | "bulk_inputs",
  jobId: number
): Promise<number> => {
  const column = table === "bulk_jobs" ? "id" : "job_id"
  const client =
    runner.backend === "postgres"
      ? PgClient.layer({ url: Redacted.make(runner.databaseUrl ?? "") })
      : SqliteClient.layer({ filename: join(runner.dataDir, DATABASE_FILE) })
  return Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{
        n: unknown
      }>`SELECT COUNT(*) AS n FROM ${sql(table)} WHERE ${sql(column)} = ${jobId}`
      return Number(rows[0]?.n ?? 0)
    }).pipe(Effect.provide(Layer.orDie(client)), Effect.orDie)
  )
}

/** One database (and data directory) that runners of a suite are started on, one after another. */
export interface Storage {
  readonly backend: Backend
  readonly settings: Settings
  /** `User …, Organization …` of the tenant the runners bootstrap. */
  readonly platform: string
  /** Runs statements against the runners' database directly. */
  readonly database: <A>(effect: Effect.Effect<A, unknown, SqlClient.SqlClient>) => Promise<A>
  /** Drops the database and the data directory. */
  readonly remove: () => Promise<void>
}

/** A fresh storage on `backend`, with a bootstrapped tenant and private networks allowed. */
export const makeStorage = async (backend: Backend): Promise<Storage> => {
  const postgres = backend === "postgres" ? await freshPostgres() : undefined
  if (postgres !== undefined) await useFreeClusterAddress()
  const organizationSecret = `org-${randomBytes(8).toString("hex")}`
  const userSecret = `user-${randomBytes(8).toString("hex")}`
  const settings: Settings = {
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), "plugboard-bulk-")),
    databaseUrl: postgres === undefined ? Option.none() : Option.some(Redacted.make(postgres.url)),
    encryptionKey:
      postgres === undefined ? Option.none() : Option.some(Redacted.make(randomBytes(32).toString("base64"))),
    organizationSecret: Option.some(Redacted.make(organizationSecret)),
    userSecret: Option.some(Redacted.make(userSecret)),
    connectors: Option.none(),
    allowPrivateNetworks: { _tag: "All" },
    logLevel: "error",
    maxBodyBytes: 64 * 1024
  }
  const database = <A>(effect: Effect.Effect<A, unknown, SqlClient.SqlClient>) => {
    const client =
      postgres === undefined
        ? SqliteClient.layer({ filename: join(settings.dataDir, DATABASE_FILE) })
        : PgClient.layer({ url: Redacted.make(postgres.url) })
    return Effect.runPromise(effect.pipe(Effect.provide(Layer.orDie(client)), Effect.orDie))
  }
  return {
    backend,
    settings,
    platform: `User ${userSecret}, Organization ${organizationSecret}`,
    database,
    remove: async () => {
      await postgres?.drop()
      rmSync(settings.dataDir, { recursive: true, force: true })
    }
  }
}

/** A runner on a storage, stopped by `stop` (its scope closed, as on shutdown). */
export const startOn = async (
  storage: Storage,
  options: { readonly connectors: ReadonlyArray<Connector.Connector>; readonly bulk: BulkOptions.Options }
): Promise<{ readonly call: Call; readonly stop: () => Promise<void> }> => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(
      Runner.make(storage.settings, { connectors: options.connectors, host: "127.0.0.1" }).pipe(
        Layer.provide(Layer.succeed(BulkOptions.BulkOptions, options.bulk))
      ),
      scope
    )
  )
  const address = Context.get(context, HttpServer.HttpServer).address
  const origin = `http://127.0.0.1:${address._tag === "UnixPathAddress" ? 0 : address.port}`
  const call: Call = (path, init = {}) => {
    const { json: body, ...rest } = init
    const headers = new Headers(rest.headers)
    if (body !== undefined) headers.set("content-type", "application/json")
    return fetch(`${origin}/elements/api-v2${path}`, {
      ...rest,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
  }
  return { call, stop: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}
