/**
 * The `events` table: every change a poll found, once per deterministic event id and instance,
 * with the vendor record, the event as notified, the notification that carries it and its status.
 * The statuses are the contract's (§7): `NEW` waits for its first delivery, `DISPATCHED` was sent
 * and waits for a retry, `NOTIFIED` was acknowledged by the callback, `FAILED` used up its retries
 * (or the receiver answered 410), `QUEUED` is held while the subscription is paused.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { type SqlError, SqlClient } from "effect/sql"
import * as SqlValue from "./SqlValue.js"

/** Event statuses: the contract's list (ours adds `FAILED` and `QUEUED`). */
export const EventStatus = Schema.Literals([
  "NEW",
  "RECEIVED",
  "DISPATCHED",
  "CONSUMED",
  "NOTIFIED",
  "FAILED",
  "QUEUED"
])
export type EventStatus = typeof EventStatus.Type

/** A stored event. */
export interface StoredEvent {
  readonly id: string
  readonly instanceId: number
  readonly resource: string
  readonly objectId: string
  readonly eventType: string
  /** When the change happened (ISO-8601). */
  readonly eventDate: string
  readonly status: EventStatus
  readonly notificationId: string
  /** The event object as the callback receives it. */
  readonly event: unknown
  /** The vendor record, absent for tombstones. */
  readonly record: unknown
  readonly createdAt: number
  readonly updatedAt: number
}

/** An event to insert. */
export interface NewEvent {
  readonly id: string
  readonly instanceId: number
  readonly resource: string
  readonly objectId: string
  readonly eventType: string
  readonly eventDate: string
  readonly status: EventStatus
  readonly notificationId: string
  readonly event: unknown
  readonly record: unknown
  readonly now: number
}

/** Which events a listing returns, newest first. */
export interface ListQuery {
  readonly instanceIds: ReadonlyArray<number>
  readonly statuses?: ReadonlyArray<EventStatus> | undefined
  readonly offset: number
  readonly limit: number
}

const Row = Schema.Struct({
  instance_id: SqlValue.Int,
  event_id: Schema.String,
  resource: Schema.String,
  object_id: Schema.String,
  event_type: Schema.String,
  event_date: Schema.String,
  status: EventStatus,
  notification_id: Schema.String,
  event: Schema.String,
  record: Schema.NullOr(Schema.String),
  created_at: SqlValue.Int,
  updated_at: SqlValue.Int
})

const columns =
  "instance_id, event_id, resource, object_id, event_type, event_date, status, notification_id, event, record, created_at, updated_at"

const decodeRows = Schema.decodeUnknownEffect(Schema.Array(Row))

const parse = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text))

const toEvent = (row: typeof Row.Type): StoredEvent => ({
  id: row.event_id,
  instanceId: row.instance_id,
  resource: row.resource,
  objectId: row.object_id,
  eventType: row.event_type,
  eventDate: row.event_date,
  status: row.status,
  notificationId: row.notification_id,
  event: parse(row.event),
  record: parse(row.record),
  createdAt: row.created_at,
  updatedAt: row.updated_at
})

/** Rows per statement: keeps every insert and `IN` list well under both databases' parameter limits. */
export const CHUNK = 400

/** Splits a list into chunks of {@link CHUNK}. */
export const chunks = <A>(items: ReadonlyArray<A>): ReadonlyArray<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let start = 0; start < items.length; start += CHUNK) out.push(items.slice(start, start + CHUNK))
  return out
}

/** The events repository; methods join the caller's transaction. */
export interface EventStoreService {
  /** Which of these event ids the instance already has. */
  readonly existing: (
    instanceId: number,
    ids: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlySet<string>, SqlError.SqlError>
  /** Inserts events; an id the instance already has is skipped. */
  readonly insert: (events: ReadonlyArray<NewEvent>) => Effect.Effect<void, SqlError.SqlError>
  readonly list: (query: ListQuery) => Effect.Effect<ReadonlyArray<StoredEvent>, SqlError.SqlError>
  readonly get: (
    instanceId: number,
    eventId: string
  ) => Effect.Effect<Option.Option<StoredEvent>, SqlError.SqlError>
  /** Sets the status of every event a notification carries. */
  readonly markNotification: (
    notificationId: string,
    status: EventStatus,
    now: number
  ) => Effect.Effect<void, SqlError.SqlError>
  /** Sets the status of the events of several notifications of one instance. */
  readonly markNotifications: (
    instanceId: number,
    notificationIds: ReadonlyArray<string>,
    status: EventStatus,
    now: number
  ) => Effect.Effect<void, SqlError.SqlError>
  /** Marks the instance's undelivered events (`NEW`, `DISPATCHED`) `QUEUED`. */
  readonly queuePending: (instanceId: number, now: number) => Effect.Effect<void, SqlError.SqlError>
  /** Deletes `NOTIFIED` events last changed before `before` (epoch ms); returns how many. */
  readonly prune: (before: number) => Effect.Effect<number, SqlError.SqlError>
  /** Deletes every event of an instance. */
  readonly removeInstance: (instanceId: number) => Effect.Effect<void, SqlError.SqlError>
  /** The notifications carrying these events of the instance. */
  readonly notificationsOf: (
    instanceId: number,
    eventIds: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<string>, SqlError.SqlError>
}

/** The `events` table as a service. */
export class EventStore extends Context.Service<EventStore, EventStoreService>()(
  "@plugboard/runner/engine/EventStore"
) {
  static readonly layer: Layer.Layer<EventStore, never, SqlClient.SqlClient> = Layer.effect(
    EventStore,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const read = (rows: ReadonlyArray<unknown>) =>
        decodeRows(rows).pipe(
          Effect.map((decoded) => decoded.map(toEvent)),
          Effect.orDie
        )

      const existing: EventStoreService["existing"] = (instanceId, ids) =>
        Effect.gen(function* () {
          const found = new Set<string>()
          for (const chunk of chunks([...new Set(ids)])) {
            const rows = yield* sql<{ event_id: string }>`SELECT event_id FROM events
              WHERE instance_id = ${instanceId} AND event_id IN ${sql.in(chunk)}`
            for (const row of rows) found.add(row.event_id)
          }
          return found
        })

      const insert: EventStoreService["insert"] = (events) =>
        Effect.forEach(
          chunks(events),
          (chunk) => {
            const [first, ...rest] = chunk.map((event) => ({
              instance_id: event.instanceId,
              event_id: event.id,
              resource: event.resource,
              object_id: event.objectId,
              event_type: event.eventType,
              event_date: event.eventDate,
              status: event.status,
              notification_id: event.notificationId,
              event: JSON.stringify(event.event),
              record: event.record === undefined ? null : JSON.stringify(event.record),
              created_at: event.now,
              updated_at: event.now
            }))
            return first === undefined
              ? Effect.void
              : sql`INSERT INTO events ${sql.insert([first, ...rest])} ON CONFLICT DO NOTHING`.pipe(
                  Effect.asVoid
                )
          },
          { discard: true }
        )

      const list: EventStoreService["list"] = (query) => {
        if (query.instanceIds.length === 0) return Effect.succeed([])
        const statuses =
          query.statuses === undefined || query.statuses.length === 0
            ? sql.literal("")
            : sql`AND status IN ${sql.in(query.statuses)}`
        return sql`SELECT ${sql.literal(columns)} FROM events
            WHERE instance_id IN ${sql.in(query.instanceIds)} ${statuses}
            ORDER BY created_at DESC, event_id
            LIMIT ${query.limit} OFFSET ${query.offset}`.pipe(Effect.flatMap(read))
      }

      const get: EventStoreService["get"] = (instanceId, eventId) =>
        sql`SELECT ${sql.literal(columns)} FROM events WHERE instance_id = ${instanceId} AND event_id = ${eventId}`.pipe(
          Effect.flatMap(read),
          Effect.map((events) => Option.fromNullishOr(events[0]))
        )

      const markNotification: EventStoreService["markNotification"] = (notificationId, status, now) =>
        sql`UPDATE events SET status = ${status}, updated_at = ${now} WHERE notification_id = ${notificationId}`.pipe(
          Effect.asVoid
        )

      const markNotifications: EventStoreService["markNotifications"] = (
        instanceId,
        notificationIds,
        status,
        now
      ) =>
        Effect.forEach(
          chunks(notificationIds),
          (chunk) =>
            sql`UPDATE events SET status = ${status}, updated_at = ${now}
                WHERE instance_id = ${instanceId} AND notification_id IN ${sql.in(chunk)}`,
          { discard: true }
        )

      const queuePending: EventStoreService["queuePending"] = (instanceId, now) =>
        sql`UPDATE events SET status = 'QUEUED', updated_at = ${now}
            WHERE instance_id = ${instanceId} AND status IN ('NEW', 'DISPATCHED')`.pipe(Effect.asVoid)

      const notificationsOf: EventStoreService["notificationsOf"] = (instanceId, eventIds) =>
        Effect.gen(function* () {
          const found = new Set<string>()
          for (const chunk of chunks([...new Set(eventIds)])) {
            const rows = yield* sql<{ notification_id: string }>`SELECT DISTINCT notification_id FROM events
              WHERE instance_id = ${instanceId} AND event_id IN ${sql.in(chunk)}`
            for (const row of rows) found.add(row.notification_id)
          }
          return [...found]
        })

      const removeInstance: EventStoreService["removeInstance"] = (instanceId) =>
        sql`DELETE FROM events WHERE instance_id = ${instanceId}`.pipe(Effect.asVoid)

      const prune: EventStoreService["prune"] = (before) =>
        sql`DELETE FROM events WHERE status = 'NOTIFIED' AND updated_at < ${before} RETURNING event_id`.pipe(
          Effect.map((rows) => rows.length)
        )

      return EventStore.of({
        prune,
        removeInstance,
        existing,
        insert,
        list,
        get,
        markNotification,
        markNotifications,
        queuePending,
        notificationsOf
      })
    })
  )
}
