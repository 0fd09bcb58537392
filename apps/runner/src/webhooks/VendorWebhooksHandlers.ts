/**
 * The handlers of the vendor webhooks group ({@link VendorWebhooksGroup}): they take the instance
 * from the path (or, on `POST /events/{elementKey}`, from `?instanceId=` or the
 * `Elements-Instance-Id` header), the raw body and the headers, and hand them to the
 * {@link VendorWebhookIntake}.
 */
import type { Registry } from "@plugboard/core"
import { Effect, Layer } from "effect"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import type { SqlClient } from "effect/sql"
import { HttpApiBuilder, type HttpApiGroup } from "effect/http-api"
import type { EngineSignals } from "../engine/EngineSignals.js"
import type { EventRecorder } from "../engine/EventRecorder.js"
import { Api } from "../http/Api.js"
import { BadRequest } from "../http/ApiError.js"
import type { Instances } from "../store/Instances.js"
import { VendorWebhookIntake } from "./VendorWebhookIntake.js"
import { INSTANCE_HEADER } from "./VendorWebhooksApi.js"

const instanceIdOf = (query: string | undefined, header: string | undefined) => {
  const text = (query ?? header)?.trim()
  if (text === undefined || text === "") {
    return Effect.fail(
      new BadRequest({
        message:
          "the instance is missing: POST to /events/{elementKey}/{instanceId}, or send the query parameter 'instanceId' or the header 'Elements-Instance-Id'"
      })
    )
  }
  // Decimal digits only: `Number` alone would also read `1e3`, `0x10` or `+5` as an id.
  const id = /^\d+$/.test(text) ? Number(text) : Number.NaN
  return Number.isSafeInteger(id) && id > 0
    ? Effect.succeed(id)
    : Effect.fail(
        new BadRequest({
          message: `'${query === undefined ? "Elements-Instance-Id" : "instanceId"}' must be a whole number (got '${text.slice(0, 40)}')`
        })
      )
}

/** The handlers of the `vendorWebhooks` group, with their intake. */
export const VendorWebhooksHandlers: Layer.Layer<
  HttpApiGroup.Service<"plugboard", "vendorWebhooks">,
  never,
  Registry.Registry | Instances | EventRecorder | EngineSignals | SqlClient.SqlClient
> = HttpApiBuilder.group(
  Api,
  "vendorWebhooks",
  Effect.fn(function* (handlers) {
    const intake = yield* VendorWebhookIntake
    return handlers.handleAll({
      receive: ({ params, payload }) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest
          return yield* intake.receive({
            elementKey: params.elementKey,
            instanceId: params.instanceId,
            headers: request.headers,
            body: payload
          })
        }),
      receiveForElement: ({ params, query, payload }) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest
          const instanceId = yield* instanceIdOf(query.instanceId, request.headers[INSTANCE_HEADER])
          return yield* intake.receive({
            elementKey: params.elementKey,
            instanceId,
            headers: request.headers,
            body: payload
          })
        })
    })
  })
).pipe(Layer.provide(VendorWebhookIntake.layer))
