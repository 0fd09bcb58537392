/**
 * The bulk tables as a service (see {@link BulkSchema}). A worker claims a job with a lease
 * (`leased_until` + a claim token, `FOR UPDATE SKIP LOCKED` on PostgreSQL) and renews it while the
 * job runs; everything it saves — a page of results with the resume cursor, an upload row's
 * outcome, the final status — is written only while its token still holds, in one transaction,
 * so a runner that lost its claim (crashed, paused past its lease) can never write over the runner
 * that took the job over, and a resumed job continues from the last saved cursor without
 * duplicates. Jobs of one instance run one at a time, oldest first: a claim never takes a job while
 * an older job of its instance is still active, even within one batch or across runners.
 *
 * An upload saves one step per row (`saveRow`): the outcome of the row just sent and, in the same
 * write, the mark that the next row is in flight, committed before that row goes to the vendor. A
 * job that ends with a row still marked (its runner stopped between the send and the save, or the
 * job failed or was cancelled there) reports that row in `/errors` as possibly written.
 *
 * The write that ends a job with an async callback also makes its callback `PENDING`, due at once;
 * callbacks are claimed with a lease of their own (`callback_leased_until` + `callback_token`), so
 * any runner may send one and two never send it at the same time, and are settled `DELIVERED`,
 * rescheduled, or `FAILED` for good under that claim.
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
import * as BulkFailures from "./BulkFailures.js"
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

/** Where a job's async callback stands once the job has ended (none while it runs). */
export type CallbackStatus = "PENDING" | "DELIVERED" | "FAILED"

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
  finished_at: SqlValue.NullableInt,
  in_flight_row: SqlValue.NullableInt,
  callback_status: Schema.NullOr(Schema.Literals(["PENDING", "DELIVERED", "FAILED"])),
  callback_attempts: SqlValue.Int,
  callback_error: Schema.NullOr(Schema.String),
  callback_token: Schema.NullOr(Schema.String)
})

const columns =
  "id, organization_id, instance_id, kind, object_name, query_text, where_text, order_by, fields_text, " +
  "max_records, identifier_field, callback_url, status, records_count, records_failed_count, input_count, " +
  "cursor, message, claim_token, created_at, updated_at, started_at, finished_at, in_flight_row, " +
  "callback_status, callback_attempts, callback_error, callback_token"

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
  /** Resume point: a query's `nextPage` token, an upload's first row without a saved outcome. */
  readonly cursor: string | undefined
  /**
   * The upload row marked as being sent (always the cursor's row): its outcome is not saved, so a
   * runner that resumes the job does not know whether the vendor has it.
   */
  readonly inFlightRow: number | undefined
  /** Why the job ended in `ERROR`. */
  readonly message: string | undefined
  readonly claimToken: string | undefined
  readonly createdAt: number
  readonly updatedAt: number
  readonly startedAt: number | undefined
  readonly finishedAt: number | undefined
  /** The async callback's state; undefined while the job runs or when it has no callback. */
  readonly callbackStatus: CallbackStatus | undefined
  /** Callback POSTs made so far. */
  readonly callbackAttempts: number
  /** Why the last callback attempt failed. */
  readonly callbackError: string | undefined
  /** The claim on the callback of the runner sending it. */
  readonly callbackToken: string | undefined
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
  finishedAt: orUndefined(row.finished_at),
  inFlightRow: orUndefined(row.in_flight_row),
  callbackStatus: orUndefined(row.callback_status),
  callbackAttempts: row.callback_attempts,
  callbackError: orUndefined(row.callback_error),
  callbackToken: orUndefined(row.callback_token)
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

/** How a callback attempt is settled. */
export type CallbackOutcome =
  | { readonly _tag: "Delivered" }
  /** Failed; the next attempt is due at `due`. */
  | { readonly _tag: "Retry"; readonly due: number; readonly error: string }
  /** Failed for good: the schedule is used up, or the receiver is gone. */
  | { readonly _tag: "Failed"; readonly error: string }

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
  /**
   * One step of an upload, in one write under the claim: the outcome of the row last sent (or of a
   * row found in doubt), counted as a success or kept as a failure, and the mark that `sending` is
   * in flight — committed before that row goes to the vendor. `saved` only while the job runs; when
   * a cancel is pending the outcome is still saved but nothing is marked, and the answer is `lost`
   * (the worker then ends the job). `lost` with nothing saved when the claim is gone.
   */
  readonly saveRow: (options: {
    readonly id: number
    readonly token: string
    /** The row whose outcome this is; no `failure` means it was written (a failure is kept under this row). */
    readonly done: { readonly rowNumber: number; readonly failure?: BulkFailure } | undefined
    /** The row about to be sent; undefined when no row follows. */
    readonly sending: number | undefined
    readonly now: number
  }) => Effect.Effect<Saved, SqlError.SqlError>
  /**
   * Ends a job under its claim; `None` when the claim was lost. A `COMPLETED` outcome of a job
   * whose cancel is pending is stored as `CANCELLED`: the cancel was answered before the job ended.
   * An upload row still marked in flight is reported as a failure (it may or may not have been
   * written). A job with a callback URL gets its callback `PENDING`, due now, in the same write.
   */
  readonly finish: (options: {
    readonly id: number
    readonly token: string
    readonly status: "COMPLETED" | "ERROR" | "CANCELLED"
    readonly failure?: BulkFailure
    readonly now: number
  }) => Effect.Effect<Option.Option<BulkJob>, SqlError.SqlError>
  /**
   * Cancels an active job: a `CREATED` one nobody claimed is `CANCELLED` at once (its callback, if
   * any, `PENDING` in the same write), a claimed or running one `CANCELLATION_PENDING` until its
   * worker stops. `None` when the job is not active.
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
  /**
   * Claims up to `limit` pending callbacks that are due and unleased, skipping the jobs in `busy`
   * (their callbacks are being sent here), earliest due first.
   */
  readonly claimCallbacks: (options: {
    readonly limit: number
    readonly busy: ReadonlyArray<number>
    readonly now: number
    readonly leaseUntil: number
    readonly token: string
  }) => Effect.Effect<ReadonlyArray<BulkJob>, SqlError.SqlError>
  readonly renewCallbacks: (
    tokens: ReadonlyArray<string>,
    leaseUntil: number
  ) => Effect.Effect<void, SqlError.SqlError>
  /** Records an attempt's outcome under the callback's claim; false when the claim was lost. */
  readonly settleCallback: (options: {
    readonly id: number
    readonly token: string
    readonly outcome: CallbackOutcome
  }) => Effect.Effect<boolean, SqlError.SqlError>
  /** Gives a claimed callback back (shutdown), due again at once. */
  readonly releaseCallback: (id: number, token: string) => Effect.Effect<void, SqlError.SqlError>
  /** When the earliest pending callback can be claimed (epoch ms), if any. */
  readonly nextCallbackDue: Effect.Effect<Option.Option<number>, SqlError.SqlError>
  /** Rings the bulk worker of this process (a job was created or cancelled here). */
  readonly wakeup: Wakeup.Wakeup
  /** Rings the callback loop of this process (a job ended here with a callback to send). */
  readonly callbackWakeup: Wakeup.Wakeup
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
      const callbackWakeup = yield* Wakeup.make
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

      const releaseAll: BulkStoreService["releaseAll"] = Effect.all(
        [
          sql`UPDATE bulk_jobs SET leased_until = NULL, claim_token = NULL
            WHERE claim_token IS NOT NULL AND status IN ${active}`,
          sql`UPDATE bulk_jobs SET callback_leased_until = NULL, callback_token = NULL
            WHERE callback_token IS NOT NULL AND callback_status = 'PENDING'`
        ],
        { discard: true }
      )

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

      const saveRow: BulkStoreService["saveRow"] = (options) =>
        sql.withTransaction(
          Effect.gen(function* () {
            const { done, sending } = options
            const written = done !== undefined && done.failure === undefined ? 1 : 0
            const failed = done?.failure === undefined ? 0 : 1
            // Past the row just settled; while the job runs, at the row about to be sent.
            const after = done === undefined ? null : String(done.rowNumber + 1)
            const next = sending === undefined ? after : String(sending)
            const rows = yield* sql<{ status: string }>`UPDATE bulk_jobs SET
                  records_count = records_count + ${written},
                  records_failed_count = records_failed_count + ${failed},
                  cursor = CASE WHEN status = 'RUNNING' THEN COALESCE(CAST(${next} AS TEXT), cursor)
                    ELSE COALESCE(CAST(${after} AS TEXT), cursor) END,
                  in_flight_row = CASE WHEN status = 'RUNNING' THEN CAST(${sending ?? null} AS INTEGER)
                    ELSE NULL END,
                  updated_at = ${options.now}
                WHERE id = ${options.id} AND claim_token = ${options.token}
                  AND status IN ('RUNNING', 'CANCELLATION_PENDING')
                RETURNING status`
            const status = rows[0]?.status
            if (status === undefined) return "lost" as const
            if (done?.failure !== undefined)
              yield* insertFailures(options.id, [{ ...done.failure, rowNumber: done.rowNumber }])
            return status === "RUNNING" ? ("saved" as const) : ("lost" as const)
          })
        )

      /** The failure of an upload row whose outcome was never saved, with the row as it was sent. */
      const unsettled = (id: number, rowNumber: number) =>
        Effect.map(
          sql<{ record: string }>`SELECT record FROM bulk_inputs
            WHERE job_id = ${id} AND row_number = ${rowNumber}`,
          (rows): BulkFailure => ({
            rowNumber,
            message: BulkFailures.ENDED_IN_FLIGHT,
            ...(rows[0] === undefined ? {} : { record: rows[0].record })
          })
        )

      /** Whether a job just ended with a callback to send (the callback loop is rung). */
      const callbackDue = (job: Option.Option<BulkJob>) =>
        Option.isSome(job) && job.value.callbackStatus === "PENDING"

      const finish: BulkStoreService["finish"] = (options) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              // Only the claim's holder marks rows, so what it reads here is what its update clears.
              const held = yield* sql<{ in_flight_row: unknown }>`SELECT in_flight_row FROM bulk_jobs
                WHERE id = ${options.id} AND claim_token = ${options.token}`
              if (held[0] === undefined) return Option.none<BulkJob>()
              const inFlight =
                held[0].in_flight_row === null || held[0].in_flight_row === undefined
                  ? undefined
                  : Number(held[0].in_flight_row)
              // A cancel answered before this point wins over the job's completion.
              const status =
                options.status === "COMPLETED"
                  ? sql`CASE WHEN status IN ('CANCELLATION_PENDING', 'CANCELLED') THEN 'CANCELLED' ELSE 'COMPLETED' END`
                  : sql`${options.status}`
              const rows = yield* sql`UPDATE bulk_jobs SET status = ${status},
                    message = ${options.failure?.message ?? null}, finished_at = ${options.now},
                    updated_at = ${options.now}, leased_until = NULL, claim_token = NULL,
                    records_failed_count = records_failed_count + ${inFlight === undefined ? 0 : 1},
                    in_flight_row = NULL,
                    callback_status = CASE WHEN callback_url IS NULL THEN NULL ELSE 'PENDING' END,
                    callback_due = CASE WHEN callback_url IS NULL THEN NULL ELSE CAST(${options.now} AS BIGINT) END,
                    callback_attempts = 0
                  WHERE id = ${options.id} AND claim_token = ${options.token}
                  RETURNING ${sql.literal(columns)}`
              const job = yield* one(rows)
              if (Option.isNone(job)) return job
              const failures = [
                ...(inFlight === undefined ? [] : [yield* unsettled(options.id, inFlight)]),
                ...(options.failure === undefined ? [] : [options.failure])
              ]
              yield* insertFailures(options.id, failures)
              return job
            })
          )
          .pipe(Effect.tap((job) => (callbackDue(job) ? callbackWakeup.ring : Effect.void)))

      const cancel: BulkStoreService["cancel"] = (id, now) =>
        sql`UPDATE bulk_jobs SET
              status = CASE WHEN status = 'CREATED' AND claim_token IS NULL THEN 'CANCELLED'
                ELSE 'CANCELLATION_PENDING' END,
              finished_at = CASE WHEN status = 'CREATED' AND claim_token IS NULL THEN CAST(${now} AS BIGINT) ELSE NULL END,
              callback_status = CASE WHEN status = 'CREATED' AND claim_token IS NULL AND callback_url IS NOT NULL
                THEN 'PENDING' ELSE callback_status END,
              callback_due = CASE WHEN status = 'CREATED' AND claim_token IS NULL AND callback_url IS NOT NULL
                THEN CAST(${now} AS BIGINT) ELSE callback_due END,
              updated_at = ${now}
            WHERE id = ${id} AND status IN ('CREATED', 'RUNNING')
            RETURNING ${sql.literal(columns)}`.pipe(
          Effect.flatMap(one),
          Effect.tap((job) => (callbackDue(job) ? callbackWakeup.ring : Effect.void))
        )

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

      const claimCallbacks: BulkStoreService["claimCallbacks"] = (options) => {
        if (options.limit <= 0) return Effect.succeed([])
        const notBusy =
          options.busy.length === 0 ? sql.literal("") : sql`AND j.id NOT IN ${sql.in(options.busy)}`
        return sql`UPDATE bulk_jobs SET callback_leased_until = ${options.leaseUntil},
              callback_token = ${options.token}
            WHERE id IN (
              SELECT j.id FROM bulk_jobs j
              WHERE j.callback_status = 'PENDING' AND j.callback_due <= ${options.now}
                AND (j.callback_leased_until IS NULL OR j.callback_leased_until <= ${options.now})
                ${notBusy}
              ORDER BY j.callback_due, j.id
              LIMIT ${options.limit}
              ${skipLocked}
            )
            RETURNING ${sql.literal(columns)}`.pipe(Effect.flatMap(read))
      }

      const renewCallbacks: BulkStoreService["renewCallbacks"] = (tokens, leaseUntil) =>
        tokens.length === 0
          ? Effect.void
          : sql`UPDATE bulk_jobs SET callback_leased_until = ${leaseUntil}
              WHERE callback_token IN ${sql.in(tokens)} AND callback_status = 'PENDING'`.pipe(Effect.asVoid)

      const settleCallback: BulkStoreService["settleCallback"] = ({ id, token, outcome }) => {
        const status =
          outcome._tag === "Delivered" ? "DELIVERED" : outcome._tag === "Retry" ? "PENDING" : "FAILED"
        const due = outcome._tag === "Retry" ? outcome.due : null
        const error = outcome._tag === "Delivered" ? null : outcome.error
        return sql<{ id: unknown }>`UPDATE bulk_jobs SET callback_status = ${status},
              callback_attempts = callback_attempts + 1,
              callback_due = COALESCE(CAST(${due} AS BIGINT), callback_due),
              callback_error = ${error}, callback_leased_until = NULL, callback_token = NULL
            WHERE id = ${id} AND callback_token = ${token} AND callback_status = 'PENDING'
            RETURNING id`.pipe(Effect.map((rows) => rows.length > 0))
      }

      const releaseCallback: BulkStoreService["releaseCallback"] = (id, token) =>
        sql`UPDATE bulk_jobs SET callback_leased_until = NULL, callback_token = NULL
            WHERE id = ${id} AND callback_token = ${token}`.pipe(Effect.asVoid)

      const nextCallbackDue: BulkStoreService["nextCallbackDue"] = sql<{
        due: unknown
      }>`SELECT MIN(CASE WHEN callback_leased_until IS NOT NULL AND callback_leased_until > callback_due
            THEN callback_leased_until ELSE callback_due END) AS due
          FROM bulk_jobs WHERE callback_status = 'PENDING'`.pipe(
        Effect.map((rows) => {
          const due = rows[0]?.due
          return due === null || due === undefined ? Option.none() : Option.some(Number(due))
        })
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
        saveRow,
        finish,
        cancel,
        records,
        inputs,
        failures,
        claimCallbacks,
        renewCallbacks,
        settleCallback,
        releaseCallback,
        nextCallbackDue,
        wakeup,
        callbackWakeup
      })
    })
  )

  /** The store over the migrated bulk schema. */
  static readonly layer = BulkStore.layerNoMigration.pipe(Layer.provide(BulkSchema.layer))
}
