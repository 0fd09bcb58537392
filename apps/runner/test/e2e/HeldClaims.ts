/**
 * The claim tokens of polls and deliveries held right now in a deployment's PostgreSQL database,
 * read straight from the engine's tables: read right after a runner is killed, they are the claims
 * it left behind, which the next runner must take over once their leases lapse.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"

/** The distinct claim tokens on `poll_schedule` and `event_outbox` rows of the database at `url`. */
export const heldClaims = (url: string): Promise<ReadonlyArray<string>> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ token: string }>`
        SELECT claim_token AS token FROM poll_schedule WHERE claim_token IS NOT NULL
        UNION SELECT claim_token AS token FROM event_outbox WHERE claim_token IS NOT NULL`
      return rows.map((row) => row.token)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url) }).pipe(Layer.orDie)), Effect.orDie)
  )
