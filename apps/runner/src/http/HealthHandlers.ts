/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers too;
 * 503 otherwise, so a load balancer stops sending traffic).
 */
import { Effect } from "effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { HttpApiBuilder } from "effect/http-api"
import { Database } from "../store/Database.js"
import { Api } from "./Api.js"

/** The handlers of the `health` group. */
export const HealthHandlers = HttpApiBuilder.group(
  Api,
  "health",
  Effect.fn(function* (handlers) {
    const database = yield* Database
    return handlers.handleAll({
      healthz: () => Effect.succeed({ status: "ok" as const }),
      readyz: () =>
        Effect.map(database.ping, (ok) =>
          ok
            ? { status: "ready" as const }
            : HttpServerResponse.jsonUnsafe(
                { message: "not ready: the database does not answer" },
                { status: 503 }
              )
        )
    })
  })
)
