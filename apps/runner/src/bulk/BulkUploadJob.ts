/**
 * Runs an upload job: each stored row of the file is created at the vendor through the instance's
 * connection, or — when the job names an `identifierFieldName` and the row has a value there — the
 * record with that value is looked up with a CEQL filter and updated if it exists (an upsert).
 *
 * No row is created twice at the vendor, whatever happens to the runner: progress is saved per row
 * with a write-ahead mark. Before a row is sent, one write under the job's claim saves the outcome
 * of the previous row (a success, or a failure with the row number, message and the vendor's words)
 * and marks this row in flight; the vendor's answer is saved by the next such write (or the last
 * one, which marks nothing). A runner that resumes the job (after a restart, or one that took over
 * a lapsed claim) and finds a row marked in flight with no saved outcome does not know whether the
 * vendor has it:
 * - a row with a value in the job's identifier field is sent again: the upsert looks the record up
 *   first, so it updates the one the lost attempt may have created;
 * - any other row is not sent again (a plain create would duplicate it): it is reported in
 *   `/errors` as possibly created ({@link BulkFailures.IN_DOUBT}) and counted as failed.
 * So a plain create happens at most once and an upsert exactly once, and no row is dropped in
 * silence. A save refused (claim lost, or a cancel pending) stops the job before the next row.
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

/** The row's value in the job's identifier field, when it has one an upsert can look up. */
const identifierValue = (job: BulkJob, body: unknown): string | number | boolean | undefined => {
  if (job.identifierField === undefined) return undefined
  const value = valueAt(body, job.identifierField)
  return (typeof value === "string" && value !== "") ||
    typeof value === "number" ||
    typeof value === "boolean"
    ? value
    : undefined
}

const writeRow = (job: BulkJob, connection: Connection.Connection, body: unknown) =>
  Effect.gen(function* () {
    const field = job.identifierField
    if (field !== undefined) {
      const value = identifierValue(job, body)
      if (value !== undefined) {
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

/** The outcome of a row, to be saved with the mark of the next one. */
type Done = { readonly rowNumber: number; readonly failure?: BulkFailure }

/** Writes the job's remaining rows; `lost` when its claim or `RUNNING` status went away meanwhile. */
export const run = (options: {
  readonly job: BulkJob
  readonly token: string
  readonly connection: Connection.Connection
  readonly store: BulkStoreService
  /** Rows read from the store at a time (each is still saved on its own). */
  readonly batch: number
}): Effect.Effect<Saved, unknown> =>
  Effect.gen(function* () {
    const { job, token, connection, store } = options
    const save = (done: Done | undefined, sending: number | undefined) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        store.saveRow({ id: job.id, token, done, sending, now })
      )
    let next = job.cursor === undefined ? 1 : Number(job.cursor)
    let done: Done | undefined
    // The row a previous runner marked in flight: still marked, so it may be sent without a new mark.
    let marked: number | undefined
    if (job.inFlightRow !== undefined) {
      const [row] = yield* store.inputs(job.id, job.inFlightRow, 1)
      if (row !== undefined && row.rowNumber === job.inFlightRow) {
        next = row.rowNumber
        if (identifierValue(job, JSON.parse(row.record)) !== undefined) marked = row.rowNumber
        else {
          // Sent by a runner that never saved the answer: creating it again could duplicate it.
          done = {
            rowNumber: row.rowNumber,
            failure: { rowNumber: row.rowNumber, message: BulkFailures.IN_DOUBT, record: row.record }
          }
          next += 1
        }
      }
    }
    while (next <= job.inputCount) {
      const rows = yield* store.inputs(job.id, next, options.batch)
      if (rows.length === 0) break
      for (const row of rows) {
        if (marked !== row.rowNumber) {
          // Durable before the vendor sees the row: a runner that resumes after this knows it may be there.
          const saved = yield* save(done, row.rowNumber)
          if (saved === "lost") return saved
        }
        marked = undefined
        const result = yield* Effect.result(writeRow(job, connection, JSON.parse(row.record)))
        done = Result.isSuccess(result)
          ? { rowNumber: row.rowNumber }
          : {
              rowNumber: row.rowNumber,
              failure: BulkFailures.describe(result.failure, { rowNumber: row.rowNumber, record: row.record })
            }
      }
      next = rows[rows.length - 1]!.rowNumber + 1
    }
    return done === undefined ? ("saved" as const) : yield* save(done, undefined)
  })
