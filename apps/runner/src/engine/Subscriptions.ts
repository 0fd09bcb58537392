/**
 * Whether an instance's callback subscription is active or paused. A subscription pauses when a
 * notification used up its retries or the receiver answered `410 Gone`; while paused, new events
 * are stored as `QUEUED` and nothing is sent until a redelivery resumes it. No row means active.
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { type SqlError, SqlClient } from "effect/sql"
import * as SqlValue from "./SqlValue.js"

/** The subscription states. */
export const State = Schema.Literals(["active", "paused"])
export type State = typeof State.Type

/** An instance's subscription as the API shows it. */
export interface Subscription {
  readonly state: State
  /** Why it is paused; absent while active. */
  readonly reason: string | undefined
  /** When it last changed (epoch ms); absent when it never did. */
  readonly changedAt: number | undefined
}

const Row = Schema.Struct({ state: State, reason: Schema.NullOr(Schema.String), changed_at: SqlValue.Int })

/** The subscription repository; methods join the caller's transaction. */
export interface SubscriptionsService {
  readonly get: (instanceId: number) => Effect.Effect<Subscription, SqlError.SqlError>
  readonly pause: (instanceId: number, reason: string, now: number) => Effect.Effect<void, SqlError.SqlError>
  readonly resume: (instanceId: number, now: number) => Effect.Effect<void, SqlError.SqlError>
  readonly remove: (instanceId: number) => Effect.Effect<void, SqlError.SqlError>
}

const active: Subscription = { state: "active", reason: undefined, changedAt: undefined }

/** The `event_subscriptions` table as a service. */
export class Subscriptions extends Context.Service<Subscriptions, SubscriptionsService>()(
  "@plugboard/runner/engine/Subscriptions"
) {
  static readonly layer: Layer.Layer<Subscriptions, never, SqlClient.SqlClient> = Layer.effect(
    Subscriptions,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const decode = Schema.decodeUnknownEffect(Row)

      const get: SubscriptionsService["get"] = (instanceId) =>
        sql`SELECT state, reason, changed_at FROM event_subscriptions WHERE instance_id = ${instanceId}`.pipe(
          Effect.flatMap((rows) =>
            Option.match(Option.fromNullishOr(rows[0]), {
              onNone: () => Effect.succeed(active),
              onSome: (row) =>
                decode(row).pipe(
                  Effect.orDie,
                  Effect.map(
                    (decoded): Subscription => ({
                      state: decoded.state,
                      reason: decoded.state === "paused" ? (decoded.reason ?? undefined) : undefined,
                      changedAt: decoded.changed_at
                    })
                  )
                )
            })
          )
        )

      const set = (instanceId: number, state: State, reason: string | null, now: number) =>
        sql`INSERT INTO event_subscriptions (instance_id, state, reason, changed_at)
            VALUES (${instanceId}, ${state}, ${reason}, ${now})
            ON CONFLICT (instance_id) DO UPDATE SET
              state = excluded.state, reason = excluded.reason, changed_at = excluded.changed_at`.pipe(
          Effect.asVoid
        )

      return Subscriptions.of({
        get,
        pause: (instanceId, reason, now) => set(instanceId, "paused", reason, now),
        resume: (instanceId, now) => set(instanceId, "active", null, now),
        remove: (instanceId) =>
          sql`DELETE FROM event_subscriptions WHERE instance_id = ${instanceId}`.pipe(Effect.asVoid)
      })
    })
  )
}
