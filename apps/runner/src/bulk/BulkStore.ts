/**
 * The bulk tables as a service (see {@link BulkSchema}). A worker claims a job with a lease
 * (`leased_until` + a claim token, `FOR UPDATE SKIP LOCKED` on PostgreSQL) and renews it while the
 * job runs; everything it saves — a page of results with the resume cursor, a batch of upload
 * outcomes, the final status — is written only while its token still holds, in one transaction,
 * so a runner that lost its claim (crashed, paused past its lease) can never write over the runner
 * that took the job over, and a resumed job continues from the last saved cursor without
 * duplicates. Jobs of one instance run one at a time, oldest first: a claim never takes a job while
 * an older job of its instance is still active, even within one batch or across runners.
 *
 * Cancelling a running job marks it `CANCELLATION_PENDING`; the worker sees that at its next save
 * and ends the job `CANCELLED`. A cancel recorded after the last save but before the worker
 * finishes still wins: `finish` turns a `COMPLETED` outcome into `CANCELLED` when a cancel is
 * pending, so a job answered `CANCELLATION_PENDING` never ends `COMPLETED` (an `ERROR` stays an
 * `ERROR`, its failure kept). A cancel that arrives after the job has ended is refused (409).
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { type SqlError, SqlClient } from "effect/sql"
import * as SqlValue from "../engine/SqlValue.js"
import * as Wakeup from "../engine/Wakeup.js"
import * as BulkSchema from "./BulkSchema.js"

/** Where a job stands (contract.md §8; `STARTED` and `ABORTED` are never set by this runner). */
export const BulkStatus = Schema.Literals([
  "CREATED",
  "STARTED",
  "RUNNING",
  "ABORTED",
  "ERROR",
  "COMPLETED",
  "CANCELLED",
  "CANCELLATION_PENDING"
])
export type BulkStatus = typeof BulkStatus.Type

/** Statuses a worker still has to act on. */
export const ACTIVE: ReadonlyArray<BulkStatus> = ["CREATED", "RUNNING", "CANCELLATION_PENDING"]

/** A download (`query`) or an upload. */
export type BulkKind = "query" | "upload"

const Row = Schema.Struct({
  id: SqlValue.Int,
  organization_id: SqlValue.Int,
  instance_id: SqlValue.Int,
  kind: Schema.Literals(["query", "upload"]),
  object_name: Schema.String,
  query_text: Schema.NullOr(Schema.String),
  where_text: Schema.NullOr(Schema.String),
  order_by: Schema.NullOr(Schema.String),
  fields_text: Schema.NullOr(Schema.String),
  max_records: SqlValue.NullableInt,
  identifier_field: Schema.NullOr(Schema.String),
  callback_url: Schema.NullOr(Schema.String),
  status: BulkStatus,
  records_count: SqlValue.Int,
  records_failed_count: SqlValue.Int,
  input_count: SqlValue.Int,
  cursor: Schema.NullOr(Schema.String),
  message: Schema.NullOr(Schema.String),
  claim_token: Schema.NullOr(Schema.String),
  created_at: SqlValue.Int,
  updated_at: SqlValue.Int,
  started_at: SqlValue.NullableInt,
  finished_at: SqlValue.NullableInt
})

const columns =
  "id, organization_id, instance_id, kind, object_name, query_text, where_text, order_by, fields_text, " +
  "max_records, identifier_field, callback_url, status, records_count, records_failed_count, input_count, " +
  "cursor, message, claim_token, created_at, updated_at, started_at, finished_at"

/** A bulk job. */
export interface BulkJob {
  readonly id: number
  readonly organizationId: number
  readonly instanceId: number
  readonly kind: BulkKind
  readonly objectName: string
  /** The `q` a query job was created with. */
  readonly queryText: string | undefined
  readonly where: string | undefined
  readonly orderBy: string | undefined
  readonly fields: string | undefined
  readonly maxRecords: number | undefined
  /** An upload's `identifierFieldName`: rows with a match are updated, the others created. */
  readonly identifierField: string | undefined
  readonly callbackUrl: string | undefined
  readonly status: BulkStatus
  /** Records stored (query) or written at the vendor (upload). */
  readonly recordsCount: number
  readonly recordsFailedCount: number
  /** Rows of an upload's file. */
  readonly inputCount: number
  /** Resume point: a query's `nextPage` token, an upload's next row number. */
  readonly cursor: string | undefined
  /** Why the job ended in `ERROR`. */
  readonly message: string | undefined
  readonly claimToken: string | undefined
  readonly createdAt: number
  readonly updatedAt: number
  readonly startedAt: number | undefined
  readonly finishedAt: number | undefined
}

const orUndefined = <A>(value: A | null): A | undefined => (value === null ? undefined : value)

const toJob = (row: typeof Row.Type): BulkJob => ({
  id: row.id,
  organizationId: row.organization_id,
  instanceId: row.instance_id,
  kind: row.kind,
  objectName: row.object_name,
  queryText: orUndefined(row.query_text),
  where: orUndefined(row.where_text),
  orderBy: orUndefined(row.order_by),
  fields: orUndefined(row.fields_text),
  maxRecords: orUndefined(row.max_records),
  identifierField: orUndefined(row.identifier_field),
  callbackUrl: orUndefined(row.callback_url),
  status: row.status,
  recordsCount: row.records_count,
  recordsFailedCount: row.records_failed_count,
  inputCount: row.input_count,
  cursor: orUndefined(row.cursor),
  message: orUndefined(row.message),
  claimToken: orUndefined(row.claim_token),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  startedAt: orUndefined(row.started_at),
  finishedAt: orUndefined(row.finished_at)
})

/** A failure kept for `GET …/bulk/{id}/errors`. */
export interface BulkFailure {
  /** The 1-based row of an upload's file; absent for a query's page failure. */
  readonly rowNumber?: number
  readonly message: string
  readonly providerMessage?: string
  /** The row as it was sent (JSON text). */
  readonly record?: string
}

/** What a new job is. */
export interface NewJob {
  readonly organizationId: number
  readonly instanceId: number
  readonly kind: BulkKind
  readonly objectName: string
  readonly queryText?: string
  readonly where?: string
  readonly orderBy?: string
  readonly fields?: string
  readonly maxRecords?: number
  readonly identifierField?: string
  readonly callbackUrl?: string
  /** An upload's rows as JSON texts, in file order. */
  readonly inputs?: ReadonlyArray<string>
  readonly now: number
}

/** Whether a save under a claim went through. */
export type Saved = "saved" | "lost"

/** The bulk repository. */
export interface BulkStoreService {
  readonly create: (job: NewJob) => Effect.Effect<BulkJob, SqlError.SqlError>
  readonly find: (id: number) => Effect.Effect<Option.Option<BulkJob>, SqlError.SqlError>
  /** An instance's jobs, newest first. */
  readonly list: (
    instanceId: number,
    limit: number
  ) => Effect.Effect<ReadonlyArray<BulkJob>, SqlError.SqlError>
  /**
   * Claims up to `limit` jobs that are `CREATED`, or active and unleased (orphaned by a runner that
   * stopped), skipping the instances in `busy` and every job that has an older active job of its
   * instance (so an instance's jobs run one at a time, in order); `CREATED` ones become `RUNNING`.
   */
  readonly claim: (options: {
    readonly limit: number
    readonly busy: ReadonlyArray<number>
    readonly now: number
    readonly leaseUntil: number
    readonly token: string
  }) => Effect.Effect<ReadonlyArray<BulkJob>, SqlError.SqlError>
  readonly renew: (
    tokens: ReadonlyArray<string>,
    leaseUntil: number
  ) => Effect.Effect<void, SqlError.SqlError>
  /** Gives a claimed job back (shutdown), to be resumed at once by whoever claims it next. */
  readonly release: (id: number, token: string) => Effect.Effect<void, SqlError.SqlError>
  /** Releases every lease; only for a runner that knows it is alone (embedded mode at start). */
  readonly releaseAll: Effect.Effect<void, SqlError.SqlError>
  /** When the earliest active job can be claimed (epoch ms), if any. */
  readonly nextDue: Effect.Effect<Option.Option<number>, SqlError.SqlError>
  /** Stores a page of a query's records and the cursor after it, while the claim holds and the job runs. */
  readonly savePage: (options: {
    readonly id: number
    readonly token: string
    readonly records: ReadonlyArray<string>
    readonly cursor: string | undefined
    readonly now: number
  }) => Effect.Effect<Saved, SqlError.SqlError>
  /** Records a batch of upload outcomes and the next row, while the claim holds and the job runs. */
  readonly saveRows: (options: {
    readonly id: number
    readonly token: string
    readonly succeeded: number
    readonly failures: ReadonlyArray<BulkFailure>
    readonly nextRow: number
    readonly now: number
  }) => Effect.Effect<Saved, SqlError.SqlError>
  /**
   * Ends a job under its claim; `None` when the claim was lost. A `COMPLETED` outcome of a job
   * whose cancel is pending is stored as `CANCELLED`: the cancel was answered before the job ended.
   */
  readonly finish: (options: {
    readonly id: number
    readonly token: string
    readonly status: "COMPLETED" | "ERROR" | "CANCELLED"
    readonly failure?: BulkFailure
    readonly now: number
  }) => Effect.Effect<Option.Option<BulkJob>, SqlError.SqlError>
  /**
   * Cancels an active job: a `CREATED` one nobody claimed is `CANCELLED` at once, a claimed or
   * running one `CANCELLATION_PENDING` until its worker stops. `None` when the job is not active.
   */
  readonly cancel: (id: number, now: number) => Effect.Effect<Option.Option<BulkJob>, SqlError.SqlError>
  /**
   * Up to `limit` stored records after `afterSeq` and up to `throughSeq`, in order. A download
   * passes the job's count read when it was asked for, so the pages a running job saves meanwhile
   * never make the body disagree with that count.
   */
  readonly records: (
    id: number,
    afterSeq: number,
    limit: number,
    throughSeq: number
  ) => Effect.Effect<ReadonlyArray<{ readonly seq: number; readonly record: string }>, SqlError.SqlError>
  /** Up to `limit` upload rows from `fromRow` (1-based), in order. */
  readonly inputs: (
    id: number,
    fromRow: number,
    limit: number
  ) => Effect.Effect<
    ReadonlyArray<{ readonly rowNumber: number; readonly record: string }>,
    SqlError.SqlError
  >
  readonly failures: (id: number) => Effect.Effect<ReadonlyArray<BulkFailure>, SqlError.SqlError>
  /** Rings the bulk worker of this process (a job was created or cancelled here). */
  readonly wakeup: Wakeup.Wakeup
}

const CHUNK = 200

const chunked = <A>(items: ReadonlyArray<A>): ReadonlyArray<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let index = 0; index < items.length; index += CHUNK) out.push(items.slice(index, index + CHUNK))
  return out
}

const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

/** The bulk tables as a service, with their schema migrated. */
export class BulkStore extends Context.Service<BulkStore, BulkStoreService>()(
  "@plugboard/runner/bulk/BulkStore"
) {
  static readonly layerNoMigration: Layer.Layer<BulkStore, never, SqlClient.SqlClient> = Layer.effect(
    BulkStore,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const wakeup = yield* Wakeup.make
      const skipLocked = sql.onDialectOrElse({
        pg: () => sql.literal("FOR UPDATE SKIP LOCKED"),
        orElse: () => sql.literal("")
      })
      const read = (rows: ReadonlyArray<unknown>) =>
        decodeRows(rows).pipe(
          Effect.map((decoded) => decoded.map(toJob)),
          Effect.orDie
        )
      const one = (rows: ReadonlyArray<unknown>) =>
        Effect.map(read(rows), (jobs) => Option.fromNullishOr(jobs[0]))
      const active = sql.in(ACTIVE)
      const insertAll = (table: string, rows: ReadonlyArray<Record<string, unknown>>) => {
        const [first, ...rest] = rows
        return first === undefined
          ? Effect.void
          : sql`INSERT INTO ${sql(table)} ${sql.insert([first, ...rest])}`.pipe(Effect.asVoid)
      }

      const find: BulkStoreService["find"] = (id) =>
        sql`SELECT ${sql.literal(columns)} FROM bulk_jobs WHERE id = ${id}`.pipe(Effect.flatMap(one))

      const create: BulkStoreService["create"] = (job) =>
        sql.withTransaction(
          Effect.gen(function* () {
            const inputs = job.inputs ?? []
            const rows = yield* sql`INSERT INTO bulk_jobs ${sql.insert({
              organization_id: job.organizationId,
              instance_id: job.instanceId,
              kind: job.kind,
              object_name: job.objectName,
              query_text: job.queryText ?? null,
              where_text: job.where ?? null,
              order_by: job.orderBy ?? null,
              fields_text: job.fields ?? null,
              max_records: job.maxRecords ?? null,
              identifier_field: job.identifierField ?? null,
              callback_url: job.callbackUrl ?? null,
              status: "CREATED",
              input_count: inputs.length,
              created_at: job.now,
              updated_at: job.now
            })} RETURNING ${sql.literal(columns)}`
            const created = Option.getOrThrow(yield* one(rows))
            for (const [n, chunk] of chunked(inputs).entries()) {
              yield* insertAll(
                "bulk_inputs",
                chunk.map((record, index) => ({
                  job_id: created.id,
                  row_number: n * CHUNK + index + 1,
                  record
                }))
              )
            }
            return created
          })
        )

      const list: BulkStoreService["list"] = (instanceId, limit) =>
        sql`SELECT ${sql.literal(columns)} FROM bulk_jobs WHERE instance_id = ${instanceId}
            ORDER BY id DESC LIMIT ${limit}`.pipe(Effect.flatMap(read))

      const claim: BulkStoreService["claim"] = (options) => {
        if (options.limit <= 0) return Effect.succeed([])
        const notBusy =
          options.busy.length === 0 ? sql.literal("") : sql`AND j.instance_id NOT IN ${sql.in(options.busy)}`
        return sql`UPDATE bulk_jobs SET leased_until = ${options.leaseUntil}, claim_token = ${options.token},
              status = CASE WHEN status = 'CREATED' THEN 'RUNNING' ELSE status END,
              started_at = COALESCE(started_at, ${options.now}), updated_at = ${options.now}
            WHERE id IN (
              SELECT j.id FROM bulk_jobs j
              WHERE j.status IN ${active} AND (j.leased_until IS NULL OR j.leased_until <= ${options.now})
                ${notBusy}
                AND NOT EXISTS (
                  SELECT 1 FROM bulk_jobs o
                  WHERE o.instance_id = j.instance_id AND o.id < j.id AND o.status IN ${active}
                )
              ORDER BY j.id
              LIMIT ${options.limit}
              ${skipLocked}
            )
            RETURNING ${sql.literal(columns)}`.pipe(Effect.flatMap(read))
      }

      const renew: BulkStoreService["renew"] = (tokens, leaseUntil) =>
        tokens.length === 0
          ? Effect.void
          : sql`UPDATE bulk_jobs SET leased_until = ${leaseUntil}
              WHERE claim_token IN ${sql.in(tokens)} AND status IN ${active}`.pipe(Effect.asVoid)

      const release: BulkStoreService["release"] = (id, token) =>
        sql`UPDATE bulk_jobs SET leased_until = NULL, claim_token = NULL
            WHERE id = ${id} AND claim_token = ${token}`.pipe(Effect.asVoid)

      const releaseAll: BulkStoreService["releaseAll"] =
        sql`UPDATE bulk_jobs SET leased_until = NULL, claim_token = NULL
            WHERE claim_token IS NOT NULL AND status IN ${active}`.pipe(Effect.asVoid)

      const nextDue: BulkStoreService["nextDue"] = sql<{
        due: unknown
      }>`SELECT MIN(COALESCE(leased_until, 0)) AS due FROM bulk_jobs WHERE status IN ${active}`.pipe(
        Effect.map((rows) => {
          const due = rows[0]?.due
          return due === null || due === undefined ? Option.none() : Option.some(Number(due))
        })
      )

      /** Moves the job's counters under the claim; the new counts, or `None` if the claim is gone. */
      const advance = (options: {
        readonly id: number
        readonly token: string
        readonly records: number
        readonly failed: number
        readonly cursor: string | null
        readonly now: number
      }) =>
        sql<{ records_count: unknown; records_failed_count: unknown }>`UPDATE bulk_jobs SET
              records_count = records_count + ${options.records},
              records_failed_count = records_failed_count + ${options.failed},
              cursor = ${options.cursor}, updated_at = ${options.now}
            WHERE id = ${options.id} AND claim_token = ${options.token} AND status = 'RUNNING'
            RETURNING records_count, records_failed_count`.pipe(
          Effect.map((rows) =>
            rows[0] === undefined
              ? Option.none()
              : Option.some({
                  records: Number(rows[0].records_count),
                  failed: Number(rows[0].records_failed_count)
                })
          )
        )

      const insertFailures = (id: number, failures: ReadonlyArray<BulkFailure>) =>
        Effect.gen(function* () {
          if (failures.length === 0) return
          const rows = yield* sql<{
            last: unknown
          }>`SELECT MAX(seq) AS last FROM bulk_errors WHERE job_id = ${id}`
          const last = rows[0]?.last
          const start = last === null || last === undefined ? 0 : Number(last)
          for (const [n, chunk] of chunked(failures).entries()) {
            yield* insertAll(
              "bulk_errors",
              chunk.map((failure, index) => ({
                job_id: id,
                seq: start + n * CHUNK + index + 1,
                row_number: failure.rowNumber ?? null,
                message: failure.message,
                provider_message: failure.providerMessage ?? null,
                record: failure.record ?? null
              }))
            )
          }
        })

      const savePage: BulkStoreService["savePage"] = (options) =>
        sql.withTransaction(
          Effect.gen(function* () {
            const counts = yield* advance({
              id: options.id,
              token: options.token,
              records: options.records.length,
              failed: 0,
              cursor: options.cursor ?? null,
              now: options.now
            })
            if (Option.isNone(counts)) return "lost" as const
            const first = counts.value.records - options.records.length + 1
            for (const [n, chunk] of chunked(options.records).entries()) {
              yield* insertAll(
                "bulk_records",
                chunk.map((record, index) => ({ job_id: options.id, seq: first + n * CHUNK + index, record }))
              )
            }
            return "saved" as const
          })
        )

      const saveRows: BulkStoreService["saveRows"] = (options) =>
        sql.withTransaction(
          Effect.gen(function* () {
            const counts = yield* advance({
              id: options.id,
              token: options.token,
              records: options.succeeded,
              failed: options.failures.length,
              cursor: String(options.nextRow),
              now: options.now
            })
            if (Option.isNone(counts)) return "lost" as const
            yield* insertFailures(options.id, options.failures)
            return "saved" as const
          })
        )

      const finish: BulkStoreService["finish"] = (options) =>
        sql.withTransaction(
          Effect.gen(function* () {
            // A cancel answered before this point wins over the job's completion.
            const status =
              options.status === "COMPLETED"
                ? sql`CASE WHEN status IN ('CANCELLATION_PENDING', 'CANCELLED') THEN 'CANCELLED' ELSE 'COMPLETED' END`
                : sql`${options.status}`
            const rows = yield* sql`UPDATE bulk_jobs SET status = ${status},
                  message = ${options.failure?.message ?? null}, finished_at = ${options.now},
                  updated_at = ${options.now}, leased_until = NULL, claim_token = NULL
                WHERE id = ${options.id} AND claim_token = ${options.token}
                RETURNING ${sql.literal(columns)}`
            const job = yield* one(rows)
            if (Option.isSome(job) && options.failure !== undefined) {
              yield* insertFailures(options.id, [options.failure])
            }
            return job
          })
        )

      const cancel: BulkStoreService["cancel"] = (id, now) =>
        sql`UPDATE bulk_jobs SET
              status = CASE WHEN status = 'CREATED' AND claim_token IS NULL THEN 'CANCELLED'
                ELSE 'CANCELLATION_PENDING' END,
              finished_at = CASE WHEN status = 'CREATED' AND claim_token IS NULL THEN CAST(${now} AS BIGINT) ELSE NULL END,
              updated_at = ${now}
            WHERE id = ${id} AND status IN ('CREATED', 'RUNNING')
            RETURNING ${sql.literal(columns)}`.pipe(Effect.flatMap(one))

      const records: BulkStoreService["records"] = (id, afterSeq, limit, throughSeq) =>
        sql<{ seq: unknown; record: string }>`SELECT seq, record FROM bulk_records
            WHERE job_id = ${id} AND seq > ${afterSeq} AND seq <= ${throughSeq}
            ORDER BY seq LIMIT ${limit}`.pipe(
          Effect.map((rows) => rows.map((row) => ({ seq: Number(row.seq), record: row.record })))
        )

      const inputs: BulkStoreService["inputs"] = (id, fromRow, limit) =>
        sql<{ row_number: unknown; record: string }>`SELECT row_number, record FROM bulk_inputs
            WHERE job_id = ${id} AND row_number >= ${fromRow} ORDER BY row_number LIMIT ${limit}`.pipe(
          Effect.map((rows) => rows.map((row) => ({ rowNumber: Number(row.row_number), record: row.record })))
        )

      const failures: BulkStoreService["failures"] = (id) =>
        sql<{
          row_number: unknown
          message: string
          provider_message: string | null
          record: string | null
        }>`SELECT row_number, message, provider_message, record FROM bulk_errors
            WHERE job_id = ${id} ORDER BY seq`.pipe(
          Effect.map((rows) =>
            rows.map(
              (row): BulkFailure => ({
                ...(row.row_number === null || row.row_number === undefined
                  ? {}
                  : { rowNumber: Number(row.row_number) }),
                message: row.message,
                ...(row.provider_message === null ? {} : { providerMessage: row.provider_message }),
                ...(row.record === null ? {} : { record: row.record })
              })
            )
          )
        )

      return BulkStore.of({
        create,
        find,
        list,
        claim,
        renew,
        release,
        releaseAll,
        nextDue,
        savePage,
        saveRows,
        finish,
        cancel,
        records,
        inputs,
        failures,
        wakeup
      })
    })
  )

  /** The store over the migrated bulk schema. */
  static readonly layer = BulkStore.layerNoMigration.pipe(Layer.provide(BulkSchema.layer))
}
