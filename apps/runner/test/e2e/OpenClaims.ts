/**
 * How many polls and deliveries a deployment's runners hold claimed right now, read straight from
 * the engine's tables. On PostgreSQL a claim left by a killed runner is only taken over when its
 * lease ends (minutes: `EngineOptions.pollLease`, `deliveryLease`), while an embedded (SQLite)
 * runner releases every claim of its previous life at start; a test that kills a PostgreSQL runner
 * and expects it to be replaced within seconds must kill it while it holds no claim.
 */
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"

/** Claimed `poll_schedule` and `event_outbox` rows of the PostgreSQL database at `url`. */
export const openClaims = (url: string): Promise<{ readonly polls: number; readonly deliveries: number }> =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const [polls] = yield* sql<{
        count: string
      }>`SELECT count(*)::text AS count FROM poll_schedule WHERE claim_token IS NOT NULL`
      const [deliveries] = yield* sql<{
        count: string
      }>`SELECT count(*)::text AS count FROM event_outbox WHERE claim_token IS NOT NULL`
      return { polls: Number(polls?.count ?? 0), deliveries: Number(deliveries?.count ?? 0) }
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url) }).pipe(Layer.orDie)), Effect.orDie)
  )
