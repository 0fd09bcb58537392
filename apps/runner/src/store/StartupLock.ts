/**
 * Start-up work that several runners must not do at the same moment on one PostgreSQL database —
 * a part's schema migrations, creating the first tenant — as when a deployment of N replicas
 * starts on an empty (or older) database. Each such step runs while holding an advisory lock of
 * its own, so the runners take turns: the first does the work, the others wait for it and then
 * find nothing left to do. Without it, effect/sql's migrator already serializes the migrations
 * (it locks its migrations table), but nothing else does: runners given the same first-tenant
 * secrets all saw no organization yet, all inserted it, and all but one crashed on the unique
 * secret hash.
 *
 * A transaction-scoped lock (`pg_advisory_xact_lock`), not a session one: the step runs inside
 * that transaction on one connection (the migrator's own transaction becomes a savepoint in it),
 * and the lock ends with the transaction whatever happens — commit, rollback, or the process dying
 * and its connection dropping. A session lock taken from a pool would have to be released on the
 * very connection that took it, and one whose release failed would go back to the pool still held.
 *
 * Embedded SQLite serves one runner (and its one connection serializes everything): no lock.
 */
import { Effect } from "effect"
import { SqlClient, type SqlError } from "effect/sql"

/** FNV-1a of the UTF-8 text, as a signed 32-bit integer (what a half of a two-part key takes). */
const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193)
  return hash | 0
}

/** First half of every start-up lock's key: keeps them apart from other advisory locks. */
const NAMESPACE = fnv1a("plugboard:startup")

/**
 * Runs `step` holding the start-up lock named `name` (on PostgreSQL), inside a transaction that
 * commits when it succeeds. `what` says in a log line what a runner is waiting for, when it waits.
 */
export const exclusive = <A, E, R>(
  name: string,
  what: string,
  step: Effect.Effect<A, E, R>
): Effect.Effect<A, E | SqlError.SqlError, R | SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (sql.onDialectOrElse({ pg: () => false, orElse: () => true })) return yield* step
    const key = fnv1a(name)
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        const [tried] = yield* sql<{
          readonly taken: boolean
        }>`SELECT pg_try_advisory_xact_lock(${NAMESPACE}::int4, ${key}::int4) AS taken`
        if (tried?.taken !== true) {
          yield* Effect.logInfo(`waiting for another runner to finish ${what}`)
          yield* sql`SELECT pg_advisory_xact_lock(${NAMESPACE}::int4, ${key}::int4)`
        }
        return yield* step
      })
    )
  })
