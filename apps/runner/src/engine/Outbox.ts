/**
 * The delivery outbox: one row per notification (at most 10 events), written in the same
 * transaction as the poll that found its events, holding the exact body to send. `PENDING` rows
 * are due at `deliver_at`; a runner claims them with a lease (`leased_until` + a claim token) and
 * records each outcome only while its token still holds. `DELIVERED`, `FAILED` and `QUEUED` rows are
 * never claimed; a redelivery turns `FAILED` and `QUEUED` rows back into `PENDING`.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { type SqlError, SqlClient } from "effect/sql"
import { chunks } from "./EventStore.js"
import * as SqlValue from "./SqlValue.js"

/** Where a notification stands. */
export const OutboxStatus = Schema.Literals(["PENDING", "DELIVERED", "FAILED", "QUEUED"])
export type OutboxStatus = typeof OutboxStatus.Type

/** A notification row. */
export interface OutboxEntry {
  /** The notification id, sent as `webhook-id` and `Elements-Webhook-Id` on every attempt. */
  readonly notificationId: string
  readonly instanceId: number
  readonly partition: number
  readonly body: string
  readonly eventCount: number
  readonly status: OutboxStatus
  /** Attempts made so far. */
  readonly attempts: number
  readonly deliverAt: number
  readonly position: number
  readonly createdAt: number
  readonly lastStatus: number | null
  readonly lastError: string | null
  readonly deliveredAt: number | null
}

/** A notification to enqueue. */
export interface NewEntry {
  readonly notificationId: string
  readonly instanceId: number
  readonly partition: number
  readonly body: string
  readonly eventCount: number
  readonly status: "PENDING" | "QUEUED"
  readonly deliverAt: number
  readonly position: number
  readonly now: number
}

const Row = Schema.Struct({
  notification_id: Schema.String,
  instance_id: SqlValue.Int,
  partition: SqlValue.Int,
  body: Schema.String,
  event_count: SqlValue.Int,
  status: OutboxStatus,
  attempts: SqlValue.Int,
  deliver_at: SqlValue.Int,
  position: SqlValue.Int,
  created_at: SqlValue.Int,
  last_status: SqlValue.NullableInt,
  last_error: Schema.NullOr(Schema.String),
  delivered_at: SqlValue.NullableInt
})

const columns =
  "notification_id, instance_id, partition, body, event_count, status, attempts, deliver_at, position, created_at, " +
  "last_status, last_error, delivered_at"

const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

const toEntry = (row: typeof Row.Type): OutboxEntry => ({
  notificationId: row.notification_id,
  instanceId: row.instance_id,
  partition: row.partition,
  body: row.body,
  eventCount: row.event_count,
  status: row.status,
  attempts: row.attempts,
  deliverAt: row.deliver_at,
  position: row.position,
  createdAt: row.created_at,
  lastStatus: row.last_status,
  lastError: row.last_error,
  deliveredAt: row.delivered_at
})

/** Delivery order: due time, then the order the poll found them in. */
export const byDeliveryOrder = (a: OutboxEntry, b: OutboxEntry): number =>
  a.deliverAt - b.deliverAt || a.createdAt - b.createdAt || a.position - b.position

/** Counts of an instance's notifications by status. */
export type Summary = Readonly<Record<OutboxStatus, number>>

/** Undelivered notifications of every instance, for the metrics. */
export interface Backlog {
  readonly pending: number
  readonly queued: number
  readonly failed: number
  /** When the earliest `PENDING` notification is or was due (epoch ms), if any. */
  readonly earliestPending: number | undefined
}

/** The outbox repository; methods join the caller's transaction. */
export interface OutboxService {
  readonly insert: (entries: ReadonlyArray<NewEntry>) => Effect.Effect<void, SqlError.SqlError>
  /**
   * Claims up to `limit` due `PENDING` rows of these partitions, skipping the instances in `busy`
   * (their earlier notifications are still being sent), in delivery order.
   */
  readonly claim: (options: {
    readonly partitions: ReadonlyArray<number>
    readonly busy: ReadonlyArray<number>
    readonly limit: number
    readonly now: number
    readonly leaseUntil: number
    readonly token: string
  }) => Effect.Effect<ReadonlyArray<OutboxEntry>, SqlError.SqlError>
  /**
   * Extends to `leaseUntil` the leases of the `PENDING` rows still claimed with these tokens; rows
   * settled or claimed since by someone else are left alone.
   */
  readonly renew: (options: {
    readonly tokens: ReadonlyArray<string>
    readonly leaseUntil: number
  }) => Effect.Effect<void, SqlError.SqlError>
  /** Gives claimed rows back untouched. */
  readonly release: (ids: ReadonlyArray<string>, token: string) => Effect.Effect<void, SqlError.SqlError>
  /** When the earliest unclaimed `PENDING` row of these partitions is due. */
  readonly nextDue: (
    partitions: ReadonlyArray<number>
  ) => Effect.Effect<Option.Option<number>, SqlError.SqlError>
  /** Records an attempt's outcome if the claim still holds; `false` when it was lost. */
  readonly settle: (options: {
    readonly notificationId: string
    readonly token: string
    readonly status: OutboxStatus
    readonly attempts: number
    readonly deliverAt: number
    readonly httpStatus: number | null
    readonly error: string | null
    readonly now: number
  }) => Effect.Effect<boolean, SqlError.SqlError>
  /** Turns the instance's `PENDING` rows (claimed or not) into `QUEUED`. */
  readonly queuePending: (instanceId: number, now: number) => Effect.Effect<void, SqlError.SqlError>
  /** The instance's `FAILED` and `QUEUED` notifications. */
  readonly undelivered: (instanceId: number) => Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
  /** Makes these notifications of the instance `PENDING` again with a fresh retry schedule, due now. */
  readonly requeue: (
    instanceId: number,
    ids: ReadonlyArray<string>,
    status: "PENDING" | "QUEUED",
    now: number
  ) => Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
  readonly summary: (instanceId: number) => Effect.Effect<Summary, SqlError.SqlError>
  /** Counts of undelivered notifications across all instances (one grouped statement). */
  readonly backlog: Effect.Effect<Backlog, SqlError.SqlError>
  /** Deletes `DELIVERED` notifications delivered before `before` (epoch ms); returns how many. */
  readonly prune: (before: number) => Effect.Effect<number, SqlError.SqlError>
  /** Deletes every notification of an instance. */
  readonly removeInstance: (instanceId: number) => Effect.Effect<void, SqlError.SqlError>
  /** Releases every lease; only for a runner that knows it is alone (embedded mode at start). */
  readonly releaseAll: Effect.Effect<void, SqlError.SqlError>
}

/** The `event_outbox` table as a service. */
export class Outbox extends Context.Service<Outbox, OutboxService>()("@plugboard/runner/engine/Outbox") {
  static readonly layer: Layer.Layer<Outbox, never, SqlClient.SqlClient> = Layer.effect(
    Outbox,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const skipLocked = sql.onDialectOrElse({
        pg: () => sql.literal("FOR UPDATE SKIP LOCKED"),
        orElse: () => sql.literal("")
      })
      const read = (rows: ReadonlyArray<unknown>) =>
        decodeRows(rows).pipe(
          Effect.map((decoded) => decoded.map(toEntry)),
          Effect.orDie
        )

      const insert: OutboxService["insert"] = (entries) =>
        Effect.forEach(
          chunks(entries),
          (chunk) => {
            const [first, ...rest] = chunk.map((entry) => ({
              notification_id: entry.notificationId,
              instance_id: entry.instanceId,
              partition: entry.partition,
              body: entry.body,
              event_count: entry.eventCount,
              status: entry.status,
              attempts: 0,
              deliver_at: entry.deliverAt,
              position: entry.position,
              created_at: entry.now,
              updated_at: entry.now
            }))
            return first === undefined
              ? Effect.void
              : sql`INSERT INTO event_outbox ${sql.insert([first, ...rest])} ON CONFLICT DO NOTHING`.pipe(
                  Effect.asVoid
                )
          },
          { discard: true }
        )

      const claim: OutboxService["claim"] = (options) => {
        if (options.partitions.length === 0 || options.limit <= 0) return Effect.succeed([])
        const notBusy =
          options.busy.length === 0 ? sql.literal("") : sql`AND instance_id NOT IN ${sql.in(options.busy)}`
        return sql`UPDATE event_outbox SET leased_until = ${options.leaseUntil}, claim_token = ${options.token}
            WHERE notification_id IN (
              SELECT notification_id FROM event_outbox
              WHERE partition IN ${sql.in(options.partitions)} AND status = 'PENDING'
                AND deliver_at <= ${options.now}
                AND (leased_until IS NULL OR leased_until <= ${options.now})
                ${notBusy}
              ORDER BY deliver_at, created_at, position
              LIMIT ${options.limit}
              ${skipLocked}
            )
            RETURNING ${sql.literal(columns)}`.pipe(
          Effect.flatMap(read),
          Effect.map((entries) => [...entries].sort(byDeliveryOrder))
        )
      }

      const renew: OutboxService["renew"] = (options) =>
        options.tokens.length === 0
          ? Effect.void
          : sql`UPDATE event_outbox SET leased_until = ${options.leaseUntil}
              WHERE claim_token IN ${sql.in(options.tokens)} AND status = 'PENDING'`.pipe(Effect.asVoid)

      const release: OutboxService["release"] = (ids, token) =>
        Effect.forEach(
          chunks(ids),
          (chunk) =>
            sql`UPDATE event_outbox SET leased_until = NULL, claim_token = NULL
                WHERE notification_id IN ${sql.in(chunk)} AND claim_token = ${token}`,
          { discard: true }
        )

      const nextDue: OutboxService["nextDue"] = (partitions) =>
        partitions.length === 0
          ? Effect.succeed(Option.none())
          : sql<{ due: unknown }>`SELECT MIN(deliver_at) AS due FROM event_outbox
              WHERE partition IN ${sql.in(partitions)} AND status = 'PENDING' AND leased_until IS NULL`.pipe(
              Effect.map((rows) => {
                const due = rows[0]?.due
                return due === null || due === undefined ? Option.none() : Option.some(Number(due))
              })
            )

      const settle: OutboxService["settle"] = (options) =>
        sql`UPDATE event_outbox SET
              status = ${options.status},
              attempts = ${options.attempts},
              deliver_at = ${options.deliverAt},
              last_status = ${options.httpStatus},
              last_error = ${options.error},
              updated_at = ${options.now},
              delivered_at = ${options.status === "DELIVERED" ? options.now : null},
              leased_until = NULL,
              claim_token = NULL
            WHERE notification_id = ${options.notificationId} AND claim_token = ${options.token}
            RETURNING notification_id`.pipe(Effect.map((rows) => rows.length > 0))

      const queuePending: OutboxService["queuePending"] = (instanceId, now) =>
        sql`UPDATE event_outbox SET status = 'QUEUED', leased_until = NULL, claim_token = NULL, updated_at = ${now}
            WHERE instance_id = ${instanceId} AND status = 'PENDING'`.pipe(Effect.asVoid)

      const undelivered: OutboxService["undelivered"] = (instanceId) =>
        sql<{ notification_id: string }>`SELECT notification_id FROM event_outbox
          WHERE instance_id = ${instanceId} AND status IN ('FAILED', 'QUEUED')`.pipe(
          Effect.map((rows) => rows.map((row) => row.notification_id))
        )

      const requeue: OutboxService["requeue"] = (instanceId, ids, status, now) =>
        Effect.gen(function* () {
          const changed: Array<string> = []
          for (const chunk of chunks(ids)) {
            const rows = yield* sql<{ notification_id: string }>`UPDATE event_outbox SET
                status = ${status}, attempts = 0, deliver_at = ${now}, leased_until = NULL, claim_token = NULL,
                last_error = NULL, updated_at = ${now}
              WHERE instance_id = ${instanceId} AND notification_id IN ${sql.in(chunk)} AND status <> 'PENDING'
              RETURNING notification_id`
            for (const row of rows) changed.push(row.notification_id)
          }
          return changed
        })

      const summary: OutboxService["summary"] = (instanceId) =>
        sql<{ status: string; count: unknown }>`SELECT status, COUNT(*) AS count FROM event_outbox
          WHERE instance_id = ${instanceId} GROUP BY status`.pipe(
          Effect.map((rows) => {
            const counts = { PENDING: 0, DELIVERED: 0, FAILED: 0, QUEUED: 0 }
            for (const row of rows) {
              if (row.status in counts) counts[row.status as OutboxStatus] = Number(row.count)
            }
            return counts
          })
        )

      const backlog: OutboxService["backlog"] = sql<{
        status: string
        count: unknown
        earliest: unknown
      }>`SELECT status, COUNT(*) AS count, MIN(deliver_at) AS earliest FROM event_outbox
          WHERE status IN ('PENDING', 'QUEUED', 'FAILED') GROUP BY status`.pipe(
        Effect.map((rows) => {
          const count = (status: string) => Number(rows.find((row) => row.status === status)?.count ?? 0)
          const earliest = rows.find((row) => row.status === "PENDING")?.earliest
          return {
            pending: count("PENDING"),
            queued: count("QUEUED"),
            failed: count("FAILED"),
            earliestPending: earliest === undefined || earliest === null ? undefined : Number(earliest)
          }
        })
      )

      const releaseAll: OutboxService["releaseAll"] =
        sql`UPDATE event_outbox SET leased_until = NULL, claim_token = NULL
          WHERE claim_token IS NOT NULL`.pipe(Effect.asVoid)

      const removeInstance: OutboxService["removeInstance"] = (instanceId) =>
        sql`DELETE FROM event_outbox WHERE instance_id = ${instanceId}`.pipe(Effect.asVoid)

      const prune: OutboxService["prune"] = (before) =>
        sql`DELETE FROM event_outbox WHERE status = 'DELIVERED' AND updated_at < ${before}
            RETURNING notification_id`.pipe(Effect.map((rows) => rows.length))

      return Outbox.of({
        prune,
        removeInstance,
        insert,
        claim,
        renew,
        release,
        nextDue,
        settle,
        queuePending,
        undelivered,
        requeue,
        summary,
        backlog,
        releaseAll
      })
    })
  )
}
