/**
 * The `poll_schedule` table: one row per polled resource of an instance, holding the poller entry,
 * the poller's state (its cursor), the interval and the next run. A runner claims due rows of the
 * partitions it owns by moving `next_run_at` to the end of a short lease (renewed while the poll
 * runs, see `renew`) and stamping a claim token; the poll's results are saved only while that token still holds, so a runner that lost its lease (a
 * long pause, a partition moved) can never overwrite newer state.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { type SqlError, SqlClient } from "effect/sql"
import * as SqlValue from "./SqlValue.js"

/** A schedule row as the engine and the API read it. */
export interface Schedule {
  readonly instanceId: number
  readonly resource: string
  readonly partition: number
  readonly intervalMillis: number
  readonly nextRunAt: number
  readonly active: boolean
  /** The poller entry as JSON text (an `event.poller.configuration` entry with defaults applied). */
  readonly entry: string
  /** The poller's state as JSON text. */
  readonly state: string
  readonly failures: number
  readonly lastError: string | null
  readonly backoffUntil: number | null
  readonly lastPollAt: number | null
  readonly lastSuccessAt: number | null
  readonly lastEventCount: number
  readonly claimToken: string | null
}

const Row = Schema.Struct({
  instance_id: SqlValue.Int,
  resource: Schema.String,
  partition: SqlValue.Int,
  interval_ms: SqlValue.Int,
  next_run_at: SqlValue.Int,
  active: SqlValue.Int,
  entry: Schema.String,
  state: Schema.String,
  failures: SqlValue.Int,
  last_error: Schema.NullOr(Schema.String),
  backoff_until: SqlValue.NullableInt,
  last_poll_at: SqlValue.NullableInt,
  last_success_at: SqlValue.NullableInt,
  last_event_count: SqlValue.Int,
  claim_token: Schema.NullOr(Schema.String)
})

const columns =
  "instance_id, resource, partition, interval_ms, next_run_at, active, entry, state, failures, last_error, " +
  "backoff_until, last_poll_at, last_success_at, last_event_count, claim_token"

const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

const toSchedule = (row: typeof Row.Type): Schedule => ({
  instanceId: row.instance_id,
  resource: row.resource,
  partition: row.partition,
  intervalMillis: row.interval_ms,
  nextRunAt: row.next_run_at,
  active: row.active !== 0,
  entry: row.entry,
  state: row.state,
  failures: row.failures,
  lastError: row.last_error,
  backoffUntil: row.backoff_until,
  lastPollAt: row.last_poll_at,
  lastSuccessAt: row.last_success_at,
  lastEventCount: row.last_event_count,
  claimToken: row.claim_token
})

/** What {@link ScheduleStoreService.put} writes for one resource. */
export interface Put {
  readonly instanceId: number
  readonly partition: number
  readonly resource: string
  readonly entry: string
  readonly intervalMillis: number
  /** Used only when the row is new: an existing cursor is never reset by re-enabling. */
  readonly initialState: string
  readonly now: number
}

/** The schedule repository; every method runs inside the caller's transaction when there is one. */
export interface ScheduleStoreService {
  /** Every row of an instance, by resource name. */
  readonly list: (instanceId: number) => Effect.Effect<ReadonlyArray<Schedule>, SqlError.SqlError>
  /**
   * Creates or refreshes a resource's row: a new row starts with `initialState` and runs at once;
   * an existing row keeps its state, takes the new entry and interval, is activated, and runs at
   * once if it was inactive (or sooner if the new interval is shorter).
   */
  readonly put: (put: Put) => Effect.Effect<void, SqlError.SqlError>
  /** Deletes the instance's rows whose resource is not in `keep`. */
  readonly prune: (instanceId: number, keep: ReadonlyArray<string>) => Effect.Effect<void, SqlError.SqlError>
  /** Stops polling an instance; the rows (and cursors) stay for a later enable. */
  readonly deactivate: (instanceId: number) => Effect.Effect<void, SqlError.SqlError>
  /** Deletes every row of an instance. */
  readonly remove: (instanceId: number) => Effect.Effect<void, SqlError.SqlError>
  /**
   * Makes the instance's active rows (or one resource's) due now, clearing any failure backoff;
   * returns the resources that will poll. A row being polled right now is left to finish.
   */
  readonly trigger: (
    instanceId: number,
    resource: string | undefined,
    now: number
  ) => Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
  /** Claims up to `limit` due rows of these partitions until `leaseUntil`, stamped with `token`. */
  readonly claim: (options: {
    readonly partitions: ReadonlyArray<number>
    readonly limit: number
    readonly now: number
    readonly leaseUntil: number
    readonly token: string
  }) => Effect.Effect<ReadonlyArray<Schedule>, SqlError.SqlError>
  /**
   * Extends to `leaseUntil` the claims stamped with these tokens that still hold; a row claimed
   * since by someone else, or already settled, is left alone.
   */
  readonly renew: (options: {
    readonly tokens: ReadonlyArray<string>
    readonly leaseUntil: number
  }) => Effect.Effect<void, SqlError.SqlError>
  /**
   * Whether the claim still holds and its instance still exists; on PostgreSQL it also keeps the
   * instance from being deleted until the caller's transaction ends, so that a poll's commit never
   * races its instance's deletion (the events would break their foreign key).
   */
  readonly holds: (options: {
    readonly instanceId: number
    readonly resource: string
    readonly token: string
  }) => Effect.Effect<boolean, SqlError.SqlError>
  /** When the earliest active row of these partitions is due, if any. */
  readonly nextDue: (
    partitions: ReadonlyArray<number>
  ) => Effect.Effect<Option.Option<number>, SqlError.SqlError>
  /** Saves a successful poll if the claim still holds; `false` when it was lost. */
  readonly succeed: (options: {
    readonly instanceId: number
    readonly resource: string
    readonly token: string
    readonly state: string
    readonly nextRunAt: number
    readonly eventCount: number
    readonly now: number
  }) => Effect.Effect<boolean, SqlError.SqlError>
  /**
   * Records a failed poll if the claim still holds: the failure counted, its message kept, the next
   * run deferred; `state` is the previous state with only its failure counters changed, or absent to
   * leave the stored state exactly as it is (one that could not be read).
   */
  readonly fail: (options: {
    readonly instanceId: number
    readonly resource: string
    readonly token: string
    readonly state?: string | undefined
    readonly error: string
    readonly nextRunAt: number
  }) => Effect.Effect<boolean, SqlError.SqlError>
  /**
   * Starts a resource afresh: `state` replaces the stored state, the failure counters are cleared
   * and the row runs at `now`, taking over any claim on it — but only while the stored state is
   * still `expected`, so a state written meanwhile is never overwritten. Only for a state that
   * cannot be read, when events are enabled again (see `PollScheduler.enable`); `false` when the
   * state had changed.
   */
  readonly restart: (options: {
    readonly instanceId: number
    readonly resource: string
    readonly expected: string
    readonly state: string
    readonly now: number
  }) => Effect.Effect<boolean, SqlError.SqlError>
  /** Gives a claimed row back, to run at `nextRunAt`, without counting a poll. */
  readonly postpone: (options: {
    readonly instanceId: number
    readonly resource: string
    readonly token: string
    readonly nextRunAt: number
  }) => Effect.Effect<boolean, SqlError.SqlError>
  /**
   * Releases every claim (due at once). Only for a runner that knows it is alone (embedded mode at
   * start), so that polls interrupted by a crash do not wait for their lease to run out.
   */
  readonly releaseAll: (now: number) => Effect.Effect<void, SqlError.SqlError>
}

/** The `poll_schedule` table as a service. */
export class ScheduleStore extends Context.Service<ScheduleStore, ScheduleStoreService>()(
  "@plugboard/runner/engine/ScheduleStore"
) {
  static readonly layer: Layer.Layer<ScheduleStore, never, SqlClient.SqlClient> = Layer.effect(
    ScheduleStore,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const skipLocked = sql.onDialectOrElse({
        pg: () => sql.literal("FOR UPDATE SKIP LOCKED"),
        orElse: () => sql.literal("")
      })
      const read = (rows: ReadonlyArray<unknown>) =>
        decodeRows(rows).pipe(
          Effect.map((decoded) => decoded.map(toSchedule)),
          Effect.orDie
        )

      const changed = (rows: ReadonlyArray<unknown>) => rows.length > 0

      const list: ScheduleStoreService["list"] = (instanceId) =>
        sql`SELECT ${sql.literal(columns)} FROM poll_schedule WHERE instance_id = ${instanceId} ORDER BY resource`.pipe(
          Effect.flatMap(read)
        )

      const put: ScheduleStoreService["put"] = (put) => {
        const soonest = put.now + put.intervalMillis
        return sql`INSERT INTO poll_schedule
            (instance_id, resource, partition, interval_ms, next_run_at, active, entry, state, failures)
          VALUES (${put.instanceId}, ${put.resource}, ${put.partition}, ${put.intervalMillis}, ${put.now}, 1,
            ${put.entry}, ${put.initialState}, 0)
          ON CONFLICT (instance_id, resource) DO UPDATE SET
            entry = excluded.entry,
            interval_ms = excluded.interval_ms,
            partition = excluded.partition,
            next_run_at = CASE
              WHEN poll_schedule.claim_token IS NOT NULL AND poll_schedule.next_run_at > ${put.now}
                THEN poll_schedule.next_run_at
              WHEN poll_schedule.active = 0 THEN ${put.now}
              WHEN poll_schedule.next_run_at > ${soonest} THEN ${soonest}
              ELSE poll_schedule.next_run_at
            END,
            active = 1`.pipe(Effect.asVoid)
      }

      const prune: ScheduleStoreService["prune"] = (instanceId, keep) =>
        (keep.length === 0
          ? sql`DELETE FROM poll_schedule WHERE instance_id = ${instanceId}`
          : sql`DELETE FROM poll_schedule WHERE instance_id = ${instanceId} AND resource NOT IN ${sql.in(keep)}`
        ).pipe(Effect.asVoid)

      const deactivate: ScheduleStoreService["deactivate"] = (instanceId) =>
        sql`UPDATE poll_schedule SET active = 0 WHERE instance_id = ${instanceId}`.pipe(Effect.asVoid)

      const remove: ScheduleStoreService["remove"] = (instanceId) =>
        sql`DELETE FROM poll_schedule WHERE instance_id = ${instanceId}`.pipe(Effect.asVoid)

      const trigger: ScheduleStoreService["trigger"] = (instanceId, resource, now) =>
        Effect.gen(function* () {
          const only = resource === undefined ? sql.literal("") : sql`AND resource = ${resource}`
          const rows = yield* sql<{ resource: string }>`SELECT resource FROM poll_schedule
            WHERE instance_id = ${instanceId} AND active = 1 ${only} ORDER BY resource`
          yield* sql`UPDATE poll_schedule SET next_run_at = ${now}, backoff_until = NULL
            WHERE instance_id = ${instanceId} AND active = 1 ${only}
              AND (claim_token IS NULL OR next_run_at <= ${now})`
          return rows.map((row) => row.resource)
        })

      const claim: ScheduleStoreService["claim"] = (options) =>
        options.partitions.length === 0
          ? Effect.succeed([])
          : sql`UPDATE poll_schedule
              SET next_run_at = ${options.leaseUntil}, claim_token = ${options.token}, last_poll_at = ${options.now}
              WHERE (instance_id, resource) IN (
                SELECT instance_id, resource FROM poll_schedule
                WHERE partition IN ${sql.in(options.partitions)} AND active = 1 AND next_run_at <= ${options.now}
                ORDER BY next_run_at
                LIMIT ${options.limit}
                ${skipLocked}
              )
              RETURNING ${sql.literal(columns)}`.pipe(Effect.flatMap(read))

      const renew: ScheduleStoreService["renew"] = (options) =>
        options.tokens.length === 0
          ? Effect.void
          : sql`UPDATE poll_schedule SET next_run_at = ${options.leaseUntil}
              WHERE claim_token IN ${sql.in(options.tokens)}`.pipe(Effect.asVoid)

      const lockInstance = sql.onDialectOrElse({
        pg: () => sql.literal("FOR KEY SHARE OF instances"),
        orElse: () => sql.literal("")
      })
      const holds: ScheduleStoreService["holds"] = (options) =>
        sql`SELECT poll_schedule.resource FROM poll_schedule
            JOIN instances ON instances.id = poll_schedule.instance_id
            WHERE poll_schedule.instance_id = ${options.instanceId} AND poll_schedule.resource = ${options.resource}
              AND poll_schedule.claim_token = ${options.token}
            ${lockInstance}`.pipe(Effect.map(changed))

      const nextDue: ScheduleStoreService["nextDue"] = (partitions) =>
        partitions.length === 0
          ? Effect.succeed(Option.none())
          : sql<{ due: unknown }>`SELECT MIN(next_run_at) AS due FROM poll_schedule
              WHERE partition IN ${sql.in(partitions)} AND active = 1`.pipe(
              Effect.map((rows) => {
                const due = rows[0]?.due
                return due === null || due === undefined ? Option.none() : Option.some(Number(due))
              })
            )

      const succeed: ScheduleStoreService["succeed"] = (options) =>
        sql`UPDATE poll_schedule SET
              state = ${options.state},
              next_run_at = ${options.nextRunAt},
              failures = 0,
              last_error = NULL,
              backoff_until = NULL,
              last_success_at = ${options.now},
              last_event_count = ${options.eventCount},
              claim_token = NULL
            WHERE instance_id = ${options.instanceId} AND resource = ${options.resource}
              AND claim_token = ${options.token}
            RETURNING resource`.pipe(Effect.map(changed))

      const fail: ScheduleStoreService["fail"] = (options) =>
        sql`UPDATE poll_schedule SET
              ${options.state === undefined ? sql.literal("") : sql`state = ${options.state},`}
              failures = failures + 1,
              last_error = ${options.error},
              backoff_until = ${options.nextRunAt},
              next_run_at = ${options.nextRunAt},
              claim_token = NULL
            WHERE instance_id = ${options.instanceId} AND resource = ${options.resource}
              AND claim_token = ${options.token}
            RETURNING resource`.pipe(Effect.map(changed))

      const restart: ScheduleStoreService["restart"] = (options) =>
        sql`UPDATE poll_schedule SET
              state = ${options.state},
              failures = 0,
              last_error = NULL,
              backoff_until = NULL,
              next_run_at = ${options.now},
              claim_token = NULL
            WHERE instance_id = ${options.instanceId} AND resource = ${options.resource}
              AND state = ${options.expected}
            RETURNING resource`.pipe(Effect.map(changed))

      const postpone: ScheduleStoreService["postpone"] = (options) =>
        sql`UPDATE poll_schedule SET next_run_at = ${options.nextRunAt}, claim_token = NULL
            WHERE instance_id = ${options.instanceId} AND resource = ${options.resource}
              AND claim_token = ${options.token}
            RETURNING resource`.pipe(Effect.map(changed))

      const releaseAll: ScheduleStoreService["releaseAll"] = (now) =>
        sql`UPDATE poll_schedule SET next_run_at = ${now}, claim_token = NULL
            WHERE claim_token IS NOT NULL AND next_run_at > ${now}`.pipe(Effect.asVoid)

      return ScheduleStore.of({
        list,
        put,
        prune,
        deactivate,
        remove,
        trigger,
        claim,
        renew,
        holds,
        nextDue,
        succeed,
        fail,
        restart,
        postpone,
        releaseAll
      })
    })
  )
}
