/**
 * `GET /metrics`: the runner's metrics in the Prometheus text format, with the outbox backlog
 * counted at scrape time (so the gauges are as fresh as the scrape, and cost nothing in between).
 * With several runners on one database every runner reports the same, shared backlog.
 */
import { Clock, Effect } from "effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { HttpApiBuilder } from "effect/http-api"
import { Outbox } from "../engine/Outbox.js"
import { Api } from "../http/Api.js"
import * as RunnerMetrics from "./RunnerMetrics.js"

/** The handlers of the `metrics` group. */
export const MetricsHandlers = HttpApiBuilder.group(
  Api,
  "metrics",
  Effect.fn(function* (handlers) {
    const outbox = yield* Outbox
    const refreshBacklog = Effect.gen(function* () {
      const counted = yield* outbox.backlog
      const now = yield* Clock.currentTimeMillis
      yield* RunnerMetrics.backlog({
        pending: counted.pending,
        queued: counted.queued,
        failed: counted.failed,
        oldestDueSeconds:
          counted.earliestPending === undefined ? 0 : Math.max(0, now - counted.earliestPending) / 1000
      })
    }).pipe(
      // A database that does not answer must not take the other metrics down with it.
      Effect.catchCause((cause) =>
        Effect.logWarning("metrics: the outbox backlog could not be counted", cause)
      )
    )
    return handlers.handleAll({
      metrics: () =>
        Effect.gen(function* () {
          yield* refreshBacklog
          return HttpServerResponse.text(yield* RunnerMetrics.exposition, {
            contentType: RunnerMetrics.CONTENT_TYPE
          })
        })
    })
  })
)
