/**
 * Runs an upload job: each stored row of the file is created at the vendor through the instance's
 * connection, or — when the job names an `identifierFieldName` and the row has a value there — the
 * record with that value is looked up with a CEQL filter and updated if it exists (an upsert). Rows
 * are written in batches; after each batch the successes, the failures (row number, message and
 * the vendor's words) and the next row are saved under the job's claim, so a resumed job goes on
 * from the first row of the batch it was in.
 */
import type { Connection, Connector } from "@plugboard/core"
import { Clock, Effect, Result } from "effect"
import * as BulkFailures from "./BulkFailures.js"
import type { BulkFailure, BulkJob, BulkStoreService, Saved } from "./BulkStore.js"

const plainName = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A field name as CEQL writes it: back-ticked unless it is a plain name. */
export const ceqlField = (name: string): string => (plainName.test(name) ? name : `\`${name}\``)

/** A value as a CEQL literal. */
export const ceqlLiteral = (value: string | number | boolean): string =>
  typeof value === "string" ? `'${value.replaceAll("'", "''")}'` : String(value)

/** The value at a dotted path of a record. */
export const valueAt = (record: unknown, path: string): unknown => {
  if (typeof record === "object" && record !== null && Object.hasOwn(record, path)) {
    return (record as Record<string, unknown>)[path]
  }
  let current: unknown = record
  for (const part of path.split(".")) {
    if (typeof current !== "object" || current === null) return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}

/** The hub id of a record the connector listed: the resource's id field, else `id` or `$key`. */
export const idOf = (
  connector: Connector.Connector,
  resource: string,
  record: unknown
): string | undefined => {
  const field = connector.resources[resource]?.id
  for (const candidate of [field, "id", "$key"]) {
    if (candidate === undefined) continue
    const value = valueAt(record, candidate)
    if (typeof value === "string" || typeof value === "number") return String(value)
  }
  return undefined
}

const writeRow = (job: BulkJob, connection: Connection.Connection, body: unknown) =>
  Effect.gen(function* () {
    const field = job.identifierField
    if (field !== undefined) {
      const value = valueAt(body, field)
      if (
        (typeof value === "string" && value !== "") ||
        typeof value === "number" ||
        typeof value === "boolean"
      ) {
        const found = yield* connection.list({
          resource: job.objectName,
          where: `${ceqlField(field)} = ${ceqlLiteral(value)}`,
          pageSize: 1
        })
        const existing = found.records[0]
        if (existing !== undefined) {
          const id = idOf(connection.connector, job.objectName, existing)
          if (id === undefined) {
            return yield* Effect.fail(
              new Error(`the ${job.objectName} record matching ${field} has no id the connector knows`)
            )
          }
          return yield* connection.update(job.objectName, id, body)
        }
      }
    }
    return yield* connection.create(job.objectName, body)
  })

/** Writes the job's remaining rows; `lost` when its claim or `RUNNING` status went away meanwhile. */
export const run = (options: {
  readonly job: BulkJob
  readonly token: string
  readonly connection: Connection.Connection
  readonly store: BulkStoreService
  readonly batch: number
}): Effect.Effect<Saved, unknown> =>
  Effect.gen(function* () {
    const { job, token, connection, store } = options
    let next = job.cursor === undefined ? 1 : Number(job.cursor)
    while (next <= job.inputCount) {
      const rows = yield* store.inputs(job.id, next, options.batch)
      if (rows.length === 0) break
      let succeeded = 0
      const failures: Array<BulkFailure> = []
      for (const row of rows) {
        const body: unknown = JSON.parse(row.record)
        const result = yield* Effect.result(writeRow(job, connection, body))
        if (Result.isSuccess(result)) succeeded += 1
        else
          failures.push(
            BulkFailures.describe(result.failure, { rowNumber: row.rowNumber, record: row.record })
          )
      }
      next = rows[rows.length - 1]!.rowNumber + 1
      const saved = yield* store.saveRows({
        id: job.id,
        token,
        succeeded,
        failures,
        nextRow: next,
        now: yield* Clock.currentTimeMillis
      })
      if (saved === "lost") return saved
    }
    return "saved" as const
  })
