/**
 * The lock that keeps OAuth token refreshes of one instance one at a time (reliability.md
 * "Credentials": single flight, and a lock across runners in cluster mode), given to core as
 * `Auth.RefreshLock` wherever the runner builds an instance's vendor client. Vendors such as Sage
 * rotate refresh tokens and revoke the whole grant when a used one is presented again, so two
 * runners refreshing the same instance at once would lose it until someone authorizes it again.
 *
 * Embedded SQLite serves one runner: core's in-process lock is all it needs. On PostgreSQL, where
 * several runners share the token store, it is a lease row per instance ({@link RefreshLease}),
 * behind the in-process lock. Either way core reads the token store again once it holds the lock, so
 * a runner that waited uses the tokens the holder saved instead of refreshing again.
 */
import { Auth } from "@plugboard/core"
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import type { StartupError } from "../StartupError.js"
import { Database } from "./Database.js"
import * as ModuleMigrations from "./ModuleMigrations.js"
import * as RefreshLease from "./RefreshLease.js"

const leases = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  // No reference to `instances`: a lease outlives nothing (it is deleted on release or taken over
  // once expired), and a refresh may race the deletion of its instance.
  yield* sql`CREATE TABLE oauth_refresh_locks (
    lock_key TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
  )`
})

/** Table recording which refresh lock migrations ran (PostgreSQL only; separate from the store's). */
export const MIGRATIONS_TABLE = "plugboard_refresh_lock_migrations"

const schema = ModuleMigrations.layer({
  what: "token refresh lock",
  table: MIGRATIONS_TABLE,
  migrations: { "0001_oauth_refresh_locks": leases }
})

/** The runner's token refresh lock. */
export class RefreshLocks extends Context.Service<RefreshLocks, Auth.KeyedLock>()(
  "@plugboard/runner/store/RefreshLocks"
) {
  /** In-process on SQLite; across runners on PostgreSQL, its table migrated first. */
  static readonly layer: Layer.Layer<RefreshLocks, StartupError, Database | SqlClient.SqlClient> =
    Layer.unwrap(
      Effect.gen(function* () {
        const database = yield* Database
        if (database.kind === "sqlite") return Layer.succeed(RefreshLocks, Auth.makeLocalLock())
        const lease = Layer.effect(
          RefreshLocks,
          Effect.gen(function* () {
            return RefreshLease.make(yield* SqlClient.SqlClient)
          })
        )
        // Built after the migration, so no lease is taken before its table exists.
        return lease.pipe(Layer.provide(schema))
      })
    )
}
