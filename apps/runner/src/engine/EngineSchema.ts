/**
 * The engine's tables, migrated after the store's own schema and tracked in their own migrations
 * table, so the engine's numbering can never collide with the store's (the migrator only runs ids
 * above the highest one recorded in its table). Every table refers to `instances` with
 * `ON DELETE CASCADE`, so deleting an instance drops its engine rows too.
 *
 * - `poll_schedule`: one row per polled resource: the poller entry and state (the cursor), the
 *   interval, failure counts, and the claim token of the runner polling it (`next_run_at` doubles
 *   as the lease while claimed).
 * - `events`: every change found, keyed by the deterministic event id per instance, with its status
 *   (`NEW`, `DISPATCHED`, `NOTIFIED`, `FAILED`, `QUEUED`) and the notification carrying it.
 * - `event_outbox`: notifications waiting for delivery, their exact body (signatures cover these
 *   bytes), attempts, next attempt time and lease.
 * - `event_subscriptions`: whether an instance's callback is active or paused, and why.
 *
 * Times are epoch milliseconds in `BIGINT` columns; everything else is plain text and integers so
 * that one statement serves SQLite and PostgreSQL.
 */
import { Effect, type Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { StartupError } from "../StartupError.js"
import type { Database } from "../store/Database.js"
import * as ModuleMigrations from "../store/ModuleMigrations.js"

const events = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE poll_schedule (
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    resource TEXT NOT NULL,
    partition INTEGER NOT NULL,
    interval_ms BIGINT NOT NULL,
    next_run_at BIGINT NOT NULL,
    active INTEGER NOT NULL,
    entry TEXT NOT NULL,
    state TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    backoff_until BIGINT,
    last_poll_at BIGINT,
    last_success_at BIGINT,
    last_event_count INTEGER NOT NULL DEFAULT 0,
    claim_token TEXT,
    PRIMARY KEY (instance_id, resource)
  )`
  yield* sql`CREATE INDEX poll_schedule_due ON poll_schedule (partition, active, next_run_at)`
  yield* sql`CREATE TABLE events (
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    resource TEXT NOT NULL,
    object_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    event_date TEXT NOT NULL,
    status TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    event TEXT NOT NULL,
    record TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (instance_id, event_id)
  )`
  yield* sql`CREATE INDEX events_recent ON events (instance_id, created_at)`
  yield* sql`CREATE INDEX events_notification ON events (notification_id)`
  yield* sql`CREATE INDEX events_status ON events (instance_id, status)`
  yield* sql`CREATE INDEX events_age ON events (status, updated_at)`
  yield* sql`CREATE TABLE event_outbox (
    notification_id TEXT PRIMARY KEY,
    instance_id INTEGER NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    partition INTEGER NOT NULL,
    body TEXT NOT NULL,
    event_count INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    deliver_at BIGINT NOT NULL,
    position INTEGER NOT NULL,
    leased_until BIGINT,
    claim_token TEXT,
    last_status INTEGER,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    delivered_at BIGINT
  )`
  yield* sql`CREATE INDEX event_outbox_due ON event_outbox (partition, status, deliver_at)`
  yield* sql`CREATE INDEX event_outbox_instance ON event_outbox (instance_id, status)`
  yield* sql`CREATE INDEX event_outbox_age ON event_outbox (status, updated_at)`
  yield* sql`CREATE TABLE event_subscriptions (
    instance_id INTEGER PRIMARY KEY REFERENCES instances(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    reason TEXT,
    changed_at BIGINT NOT NULL
  )`
})

/** Table recording which event engine migrations ran (separate from the store's). */
export const TABLE = "plugboard_engine_migrations"

/** Runs the event engine migrations once the store's schema is in place. */
export const layer: Layer.Layer<never, StartupError, Database | SqlClient.SqlClient> = ModuleMigrations.layer(
  {
    what: "event engine",
    table: TABLE,
    migrations: { "0001_events": events }
  }
)
