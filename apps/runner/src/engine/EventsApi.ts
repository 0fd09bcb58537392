/**
 * The instance events routes (contract.md §7) as an HttpApi group, under the same base path and
 * `Authorization` as the instance routes:
 * - `GET /instances/{id}/events`, and `GET /instances/events` (the instance of the `Element` token,
 *   or without one every instance of the caller), newest first; `status=FAILED,QUEUED` filters,
 *   `page` (from 1) and `pageSize` (default 200, at most 1000) page;
 * - `GET /instances/{id}/events/{eventId}`;
 * - `POST /instances/{id}/events/poll[?resource=]` (ours): poll now, skipping any failure backoff;
 *   202 with the resources that will poll, 404 when none matches, 409 for a resource the vendor
 *   pushes to this instance (`event.vendor.type` `webhook`);
 * - `POST /instances/{id}/events/redeliver` (ours), body `{"eventIds": […]}` optional: requeue
 *   those events' notifications, or every `FAILED` and `QUEUED` one, and resume the subscription;
 * - `GET /instances/{id}/events/status` (ours): subscription, outbox counts and per-resource poller
 *   state (failures, last error, backoff).
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import * as ApiError from "../http/ApiError.js"
import { Authorization } from "../http/Authorization.js"
import * as EventJson from "./EventJson.js"
import { BASE_PATH } from "../http/BasePath.js"

const listQuery = {
  status: Schema.optionalKey(Schema.String),
  page: Schema.optionalKey(Schema.String),
  pageSize: Schema.optionalKey(Schema.String)
}
const instanceId = { id: Schema.Int }

/** The answer of a poll trigger. */
export const PollTriggered = Schema.Struct({
  instanceId: Schema.Number,
  resources: Schema.Array(Schema.String)
})

/** The body of a redelivery; without `eventIds`, every failed and queued event. */
export const RedeliverRequest = Schema.Struct({ eventIds: Schema.optionalKey(Schema.Array(Schema.String)) })

/** The answer of a redelivery. */
export const Redelivered = Schema.Struct({ instanceId: Schema.Number, notifications: Schema.Number })

/** The events group. */
export class EventsGroup extends HttpApiGroup.make("events")
  .add(
    HttpApiEndpoint.get("listAll", "/instances/events", {
      query: listQuery,
      success: Schema.Array(EventJson.Event),
      error: ApiError.all
    }),
    HttpApiEndpoint.get("list", "/instances/:id/events", {
      params: instanceId,
      query: listQuery,
      success: Schema.Array(EventJson.Event),
      error: ApiError.all
    }),
    HttpApiEndpoint.get("status", "/instances/:id/events/status", {
      params: instanceId,
      success: EventJson.Status,
      error: ApiError.all
    }),
    HttpApiEndpoint.get("get", "/instances/:id/events/:eventId", {
      params: { ...instanceId, eventId: Schema.String },
      success: EventJson.Event,
      error: ApiError.all
    }),
    HttpApiEndpoint.post("poll", "/instances/:id/events/poll", {
      params: instanceId,
      query: { resource: Schema.optionalKey(Schema.String) },
      success: PollTriggered.pipe(HttpApiSchema.status(202)),
      error: ApiError.all
    }),
    HttpApiEndpoint.post("redeliver", "/instances/:id/events/redeliver", {
      params: instanceId,
      payload: [RedeliverRequest, Schema.Null],
      success: Redelivered,
      error: ApiError.all
    })
  )
  .middleware(Authorization)
  .prefix(BASE_PATH)
  .annotateMerge(
    OpenApi.annotations({
      title: "Events",
      description: "Change events found by polling, and their delivery"
    })
  ) {}
