/**
 * Key rotation (reliability.md "Credentials": "Key rotation re-encrypts every row"): every sealed
 * value of every table is opened with whichever held key it names and sealed again under the
 * current key. Tables are read in pages by primary key and each page is written in one
 * transaction, so a run that stops half-way keeps what it committed; values already under the
 * current key are recognised from their text and skipped, so running again resumes where it
 * stopped and a finished rotation is a no-op. Each row is written only if its sealed columns still
 * hold what was read (compare-and-set), so a runner that refreshes an OAuth token meanwhile is never
 * overwritten; such rows are counted as conflicts and picked up by the next run.
 *
 * {@link SEALED_TABLES} lists every column that holds sealed values; a new one must be added there.
 */
import { Effect, Option, Predicate } from "effect"
import { SqlClient } from "effect/sql"
import type { SqlError } from "effect/sql/SqlError"
import * as Cipher from "./Cipher.js"

/**
 * How a column holds sealed values: `value` is one sealed text; `configuration` is an instance
 * configuration, a JSON object whose secret entries are `{"sealed": "pb1.…"}`.
 */
export type SealedForm = "value" | "configuration"

/** A column holding sealed values. */
export interface SealedColumn {
  readonly name: string
  readonly form: SealedForm
}

/** A table with sealed columns, paged by an integer primary key. */
export interface SealedTable {
  readonly table: string
  readonly key: string
  readonly columns: ReadonlyArray<SealedColumn>
}

/**
 * Every place the runner stores sealed values: instance tokens and secret configuration values
 * (callback credentials and signing keys included), and OAuth token sets. The engine's tables hold
 * no sealed values (they read callback secrets from the instance configuration).
 */
export const SEALED_TABLES: ReadonlyArray<SealedTable> = [
  {
    table: "instances",
    key: "id",
    columns: [
      { name: "token_sealed", form: "value" },
      { name: "configuration", form: "configuration" }
    ]
  },
  { table: "oauth_tokens", key: "instance_id", columns: [{ name: "token_sealed", form: "value" }] }
]

/** A value that could not be re-encrypted; it is left as it was. Names the key id, never a key or secret. */
export interface Failure {
  readonly table: string
  readonly row: number
  readonly column: string
  /** The configuration entry, for values inside a configuration. */
  readonly entry?: string
  /** The key the value names, when readable. */
  readonly keyId?: string
  readonly message: string
}

/** Counts for one table. */
export interface TableReport {
  readonly table: string
  /** Rows read. */
  readonly rows: number
  /** Rows written (in a dry run: rows that would be). */
  readonly rowsUpdated: number
  /** Values sealed again under the current key (in a dry run: values that would be). */
  readonly resealed: number
  /** Values already under the current key, skipped. */
  readonly alreadyCurrent: number
  /** Rows changed by someone else between read and write, left for the next run. */
  readonly conflicts: number
}

/** Progress after each committed page. */
export interface Progress {
  readonly table: string
  readonly rows: number
  readonly rowsUpdated: number
  readonly resealed: number
}

/** What a rotation did. */
export interface Report {
  /** The current key's id: every value should end up naming it. */
  readonly keyId: string
  readonly dryRun: boolean
  readonly tables: ReadonlyArray<TableReport>
  readonly resealed: number
  readonly alreadyCurrent: number
  readonly conflicts: number
  readonly failures: ReadonlyArray<Failure>
  /** After the run: values still under another key, by key id (`damaged` for text that names none). */
  readonly remaining: Readonly<Record<string, number>>
  /** Whether the run stopped at {@link Options.limit} rows. */
  readonly limited: boolean
  /** Every value is under the current key. */
  readonly complete: boolean
}

/** Options of {@link rotate}. */
export interface Options {
  /** Rows per page and per transaction; 500 by default. */
  readonly batchSize?: number
  /** Stop after writing this many rows (throttling; the next run resumes). */
  readonly limit?: number
  /** Open every value but write nothing: what a run would do, and which keys are missing. */
  readonly dryRun?: boolean
  /** Called after each page is committed. */
  readonly onBatch?: (progress: Progress) => Effect.Effect<void>
}

/** The default page size. */
export const DEFAULT_BATCH_SIZE = 500

type Row = Readonly<Record<string, unknown>>

/** The new text of a row's columns, and what happened to each value. */
interface RowPlan {
  readonly key: number
  readonly changes: ReadonlyMap<string, string>
  readonly resealed: number
  readonly alreadyCurrent: number
  readonly failures: ReadonlyArray<Failure>
}

const isSealedEntry = (value: unknown): value is { readonly sealed: string } =>
  Predicate.isObject(value) && typeof (value as { sealed?: unknown }).sealed === "string"

const planRow = (cipher: Cipher.Cipher, spec: SealedTable, row: Row): Effect.Effect<RowPlan> =>
  Effect.gen(function* () {
    const key = Number(row[spec.key])
    const changes = new Map<string, string>()
    const failures: Array<Failure> = []
    let resealed = 0
    let alreadyCurrent = 0

    const fail = (column: string, error: Cipher.DecryptionError, entry?: string) =>
      failures.push({
        table: spec.table,
        row: key,
        column,
        ...(entry === undefined ? {} : { entry }),
        ...(error.keyId === undefined ? {} : { keyId: error.keyId }),
        message: error.message
      })

    /** One sealed text: its replacement, or `undefined` when it stays. */
    const one = (column: string, sealed: string, entry?: string) =>
      Cipher.reseal(cipher, sealed).pipe(
        Effect.map((next) => {
          if (Option.isNone(next)) {
            alreadyCurrent++
            return undefined
          }
          resealed++
          return next.value
        }),
        Effect.catchTag("DecryptionError", (error) => {
          fail(column, error, entry)
          return Effect.succeed(undefined)
        })
      )

    for (const column of spec.columns) {
      const text = row[column.name]
      if (typeof text !== "string") continue
      if (column.form === "value") {
        const next = yield* one(column.name, text)
        if (next !== undefined) changes.set(column.name, next)
        continue
      }
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        failures.push({ table: spec.table, row: key, column: column.name, message: "not valid JSON" })
        continue
      }
      if (!Predicate.isObject(parsed) || Array.isArray(parsed)) continue
      const out: Record<string, unknown> = {}
      let changed = false
      for (const [entry, value] of Object.entries(parsed)) {
        out[entry] = value
        if (!isSealedEntry(value)) continue
        const next = yield* one(column.name, value.sealed, entry)
        if (next === undefined) continue
        out[entry] = { ...value, sealed: next }
        changed = true
      }
      if (changed) changes.set(column.name, JSON.stringify(out))
    }
    return { key, changes, resealed, alreadyCurrent, failures }
  })

/** Pages of a table in key order: `visit` gets each page and says whether to go on. */
const pages = (
  sql: SqlClient.SqlClient,
  spec: SealedTable,
  batchSize: number,
  visit: (rows: ReadonlyArray<Row>) => Effect.Effect<boolean, SqlError>
): Effect.Effect<void, SqlError> =>
  Effect.gen(function* () {
    const columns = sql.literal([spec.key, ...spec.columns.map((column) => column.name)].join(", "))
    const table = sql.literal(spec.table)
    const key = sql.literal(spec.key)
    const limit = sql.literal(String(batchSize))
    let after: number | undefined
    while (true) {
      const rows: ReadonlyArray<Row> =
        after === undefined
          ? yield* sql`SELECT ${columns} FROM ${table} ORDER BY ${key} LIMIT ${limit}`
          : yield* sql`SELECT ${columns} FROM ${table} WHERE ${key} > ${after} ORDER BY ${key} LIMIT ${limit}`
      if (rows.length === 0) return
      if (!(yield* visit(rows))) return
      if (rows.length < batchSize) return
      after = Number(rows[rows.length - 1]?.[spec.key])
    }
  })

/** Values not under the current key, by key id; text that names no key counts as `damaged`. */
export const census = (
  currentKeyId: string,
  options: { readonly batchSize?: number } = {}
): Effect.Effect<Readonly<Record<string, number>>, SqlError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const counts: Record<string, number> = {}
    const count = (sealed: string) => {
      const id = Cipher.keyIdOf(sealed) ?? "damaged"
      if (id !== currentKeyId) counts[id] = (counts[id] ?? 0) + 1
    }
    for (const spec of SEALED_TABLES) {
      yield* pages(sql, spec, options.batchSize ?? DEFAULT_BATCH_SIZE, (rows) =>
        Effect.sync(() => {
          for (const row of rows) {
            for (const column of spec.columns) {
              const text = row[column.name]
              if (typeof text !== "string") continue
              if (column.form === "value") {
                count(text)
                continue
              }
              let parsed: unknown
              try {
                parsed = JSON.parse(text)
              } catch {
                continue
              }
              if (!Predicate.isObject(parsed)) continue
              for (const value of Object.values(parsed)) if (isSealedEntry(value)) count(value.sealed)
            }
          }
          return true
        })
      )
    }
    return counts
  })

/**
 * Re-encrypts every sealed value under the cipher's current key. The cipher must hold every key
 * still named in the database; values it cannot open are reported in `failures` and left as they
 * were, so a run with a key missing changes nothing it cannot undo.
 */
export const rotate = Effect.fn("KeyRotation.rotate")(function* (
  cipher: Cipher.Cipher,
  options: Options = {}
) {
  const sql = yield* SqlClient.SqlClient
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    return yield* Effect.die(new RangeError(`batchSize must be a positive integer (got ${batchSize})`))
  }
  const dryRun = options.dryRun ?? false
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  const failures: Array<Failure> = []
  const tables: Array<TableReport> = []
  let written = 0
  let limited = false

  for (const spec of SEALED_TABLES) {
    let rows = 0
    let rowsUpdated = 0
    let resealed = 0
    let alreadyCurrent = 0
    let conflicts = 0

    yield* pages(sql, spec, batchSize, (page) =>
      Effect.gen(function* () {
        rows += page.length
        const plans = yield* Effect.forEach(page, (row) => planRow(cipher, spec, row))
        const byKey = new Map(page.map((row) => [Number(row[spec.key]), row]))
        const pending: Array<RowPlan> = []
        for (const plan of plans) {
          alreadyCurrent += plan.alreadyCurrent
          failures.push(...plan.failures)
          if (plan.changes.size === 0) continue
          if (written + pending.length >= limit) limited = true
          else pending.push(plan)
        }
        if (dryRun) {
          for (const plan of pending) {
            rowsUpdated++
            resealed += plan.resealed
          }
          written += pending.length
        } else if (pending.length > 0) {
          const outcomes = yield* sql.withTransaction(
            Effect.forEach(pending, (plan) => {
              const original = byKey.get(plan.key) ?? {}
              const assignments = [...plan.changes].map(
                ([column, text]) => sql`${sql.literal(column)} = ${text}`
              )
              // Compare-and-set on every sealed column read: a concurrent write wins, and is left for the next run.
              const unchanged = spec.columns.map((column) => {
                const before = original[column.name]
                return typeof before === "string"
                  ? sql`${sql.literal(column.name)} = ${before}`
                  : sql`${sql.literal(column.name)} IS NULL`
              })
              return sql`UPDATE ${sql.literal(spec.table)} SET ${sql.csv(assignments)}
                WHERE ${sql.literal(spec.key)} = ${plan.key} AND ${sql.and(unchanged)}
                RETURNING ${sql.literal(spec.key)}`.pipe(Effect.map((updated) => updated.length > 0))
            })
          )
          outcomes.forEach((applied, index) => {
            const plan = pending[index]
            if (plan === undefined) return
            if (applied) {
              rowsUpdated++
              resealed += plan.resealed
              written++
            } else {
              conflicts++
            }
          })
        }
        if (options.onBatch !== undefined) {
          yield* options.onBatch({ table: spec.table, rows, rowsUpdated, resealed })
        }
        return !limited
      })
    )
    tables.push({ table: spec.table, rows, rowsUpdated, resealed, alreadyCurrent, conflicts })
    if (limited) break
  }

  const remaining = yield* census(cipher.keyId, { batchSize })
  const sum = (pick: (table: TableReport) => number) =>
    tables.reduce((total, table) => total + pick(table), 0)
  return {
    keyId: cipher.keyId,
    dryRun,
    tables,
    resealed: sum((table) => table.resealed),
    alreadyCurrent: sum((table) => table.alreadyCurrent),
    conflicts: sum((table) => table.conflicts),
    failures,
    remaining,
    limited,
    complete: Object.keys(remaining).length === 0
  } satisfies Report
})
