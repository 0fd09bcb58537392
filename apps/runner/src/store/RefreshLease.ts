/**
 * A lock across processes for OAuth token refreshes on PostgreSQL: one lease row per instance in
 * `oauth_refresh_locks`, taken with an upsert that succeeds only when the row is free or its lease
 * has run out, renewed while the refresh runs, deleted when it ends.
 *
 * Why a lease row and not an advisory lock: a session-level `pg_advisory_lock` belongs to one
 * connection, so the holder would keep a pooled connection for the whole vendor token call while the
 * code it guards needs further pool connections to read and save the tokens — with as many
 * instances refreshing at once as the pool has connections, every connection holds a lock and waits
 * for another. A transaction-scoped `pg_advisory_xact_lock` avoids that only by putting the token
 * save inside the lock's transaction, where the rotated refresh token becomes durable at commit
 * and a failed statement rolls it back — the very loss the lock exists to prevent. A lease row holds
 * no connection: each step is one short statement of its own, and the token save stays an ordinary
 * write, committed before the lock is let go.
 *
 * Lease times come from the database's clock, so runners with skewed clocks agree on them. A holder
 * renews its lease every `renewMillis` while it works, so a slow token call never loses it; a holder
 * that dies stops renewing, and its lease runs out after `leaseMillis` for another runner to take.
 * Waiters poll with a short, jittered backoff. Only one fiber per process and instance waits on the
 * database: the others queue on the in-process lock in front of it.
 */
import { randomUUID } from "node:crypto"
import { Auth } from "@plugboard/core"
import { Effect, Fiber, Random, Result } from "effect"
import type { SqlClient } from "effect/sql"

/** The table of lease rows (created by `RefreshLocks`' migration). */
export const TABLE = "oauth_refresh_locks"

/** Timings of the lease. */
export interface LeaseOptions {
  /** How long a lease lasts without renewal: how long a dead holder blocks the others. */
  readonly leaseMillis: number
  /** How often a holder renews its lease; well under `leaseMillis`. */
  readonly renewMillis: number
  /** First pause between attempts to take a held lease; it doubles up to `maxWaitMillis`. */
  readonly firstWaitMillis: number
  readonly maxWaitMillis: number
  /** Consecutive database failures while taking the lease before giving up (a defect). */
  readonly maxFailures: number
}

/** 30 s leases renewed every 10 s; waiters poll from 10 ms up to every 250 ms. */
export const defaults: LeaseOptions = {
  leaseMillis: 30_000,
  renewMillis: 10_000,
  firstWaitMillis: 10,
  maxWaitMillis: 250,
  maxFailures: 5
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** The lock over `sql` (a PostgreSQL client whose database has {@link TABLE}). */
export const make = (sql: SqlClient.SqlClient, options: LeaseOptions = defaults): Auth.KeyedLock => {
  const local = Auth.makeLocalLock()
  const lease = Math.max(1, Math.round(options.leaseMillis))

  /** Takes the lease when the row is absent or expired; `true` when it is now `holder`'s. */
  const take = (key: string, holder: string) =>
    sql`INSERT INTO oauth_refresh_locks (lock_key, holder, expires_at)
      VALUES (${key}, ${holder}, clock_timestamp() + ${lease}::integer * interval '1 millisecond')
      ON CONFLICT (lock_key) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE oauth_refresh_locks.expires_at <= clock_timestamp()
      RETURNING holder`.pipe(Effect.map((rows) => rows.length > 0))

  const renew = (key: string, holder: string) =>
    sql`UPDATE oauth_refresh_locks
      SET expires_at = clock_timestamp() + ${lease}::integer * interval '1 millisecond'
      WHERE lock_key = ${key} AND holder = ${holder}
      RETURNING holder`.pipe(Effect.map((rows) => rows.length > 0))

  const release = (key: string, holder: string) =>
    sql`DELETE FROM oauth_refresh_locks WHERE lock_key = ${key} AND holder = ${holder}`.pipe(
      Effect.asVoid,
      Effect.catchCause((cause) =>
        Effect.logWarning(
          `could not release the token refresh lock of instance ${key}; it frees itself when its lease runs out`,
          cause
        )
      )
    )

  /** Polls until `holder` has the lease; a database that keeps failing is a defect, as for the token store. */
  const acquire = (key: string, holder: string) =>
    Effect.gen(function* () {
      let pause = options.firstWaitMillis
      let failures = 0
      while (true) {
        const attempt = yield* Effect.result(take(key, holder))
        if (Result.isSuccess(attempt)) {
          if (attempt.success) return
          failures = 0
        } else {
          failures += 1
          if (failures >= options.maxFailures) {
            return yield* Effect.die(
              new Error(
                `the token refresh lock of instance ${key} cannot be taken: ${reason(attempt.failure)}`
              )
            )
          }
        }
        const jitter = yield* Random.nextBetween(0, pause / 2)
        yield* Effect.sleep(pause + jitter)
        pause = Math.min(pause * 2, options.maxWaitMillis)
      }
    })

  /** Renews the lease until interrupted; says so once if the lease was lost (the database was out of reach longer than a lease). */
  const heartbeat = (key: string, holder: string): Effect.Effect<void> =>
    Effect.sleep(options.renewMillis).pipe(
      Effect.andThen(renew(key, holder)),
      Effect.catchCause((cause) =>
        Effect.as(Effect.logWarning(`could not renew the token refresh lock of instance ${key}`, cause), true)
      ),
      Effect.flatMap((held) =>
        held
          ? heartbeat(key, holder)
          : Effect.logError(
              `the token refresh lock of instance ${key} ran out while its refresh was still running; another runner may refresh concurrently`
            )
      )
    )

  const whileRenewing = <A, E, R>(key: string, holder: string, effect: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const beat = yield* Effect.forkChild(heartbeat(key, holder))
      return yield* effect.pipe(Effect.ensuring(Fiber.interrupt(beat)))
    })

  return {
    withLock:
      (key) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        local.withLock(key)(
          Effect.suspend(() => {
            // A fresh holder id per acquisition: release and renewal touch only this acquisition's row.
            const holder = randomUUID()
            return acquire(key, holder).pipe(
              Effect.andThen(whileRenewing(key, holder, effect)),
              // Also after an interrupted attempt, whose upsert may have committed unseen.
              Effect.ensuring(release(key, holder))
            )
          })
        )
  }
}
