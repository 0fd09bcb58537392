/**
 * Helpers the bulk suites share: JSON reading, waiting for a job to reach a status, and uploading a
 * file as multipart.
 */
import { join } from "node:path"
import { assert } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { DATABASE_FILE } from "../../src/store/Database.js"

// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
export type Json = any

/** Calls the runner's API (`/elements/api-v2` + path). */
export type Call = (path: string, init?: RequestInit & { readonly json?: unknown }) => Promise<Response>

/** The body as JSON, or its text when it is not JSON. */
export const json = async (response: Response): Promise<Json> => {
  const text = await response.text()
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

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
