/**
 * Hub calls (contract.md §6) on the instance named by the `Element` token: lists with CEQL, paging
 * and counts in the `Elements-*` headers and a bare JSON array body; single records (with `fields`); create,
 * update, replace, delete; child collections. A disabled instance is 403, a token that names no
 * instance of the caller's organization 401. Vendor failures keep the vendor's words as
 * `providerMessage`.
 */
import { Ceql, type Connection, Connector, ConnectorError, HubQuery } from "@plugboard/core"
import { Effect } from "effect"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { HttpApiBuilder } from "effect/http-api"
import { Provisioning } from "../Provisioning.js"
import type { Instance } from "../store/Instances.js"
import { Api } from "./Api.js"
import * as ApiError from "./ApiError.js"
import * as HubInstance from "./HubInstance.js"

/** Response headers of hub calls. */
export const Headers = {
  returnedCount: "Elements-Returned-Count",
  totalCount: "Elements-Total-Count",
  nextPage: "Elements-Next-Page-Token",
  instanceId: "Elements-Element-Instance-Id"
} as const

/** Maps every hub failure to its answer: CEQL and request problems 400, vendor failures by reason. */
export const hubError = (error: Connection.HubError): ApiError.ApiError => {
  switch (error._tag) {
    case "CeqlError":
      return new ApiError.BadRequest({ message: error.message })
    case "HubRequestError":
      return new ApiError.BadRequest({ message: `${error.parameter}: ${error.message}` })
    case "ConnectorError":
      return ApiError.fromConnectorError(error, { verbUnsupported: true })
  }
}

/**
 * A vendor's 404 for an object name the element does not declare (the name went to the vendor as a
 * raw object) also names the resources the element does declare: a misspelt resource then says
 * what would have worked.
 */
export const objectError =
  (connector: Connector.Connector, name: string) =>
  (error: Connection.HubError): ApiError.ApiError =>
    error._tag === "ConnectorError" &&
    error.reason._tag === "NotFound" &&
    Connector.resource(connector, name) === undefined
      ? ApiError.fromConnectorError(
          ConnectorError.make(
            new ConnectorError.NotFound({
              ...error.reason,
              message: `${error.reason.message}; the '${connector.key}' element's resources are ${Object.keys(connector.resources).join(", ")}`
            }),
            error.operation
          )
        )
      : hubError(error)

/** The handlers of the `hubs` group. */
export const HubsHandlers = HttpApiBuilder.group(
  Api,
  "hubs",
  Effect.fn(function* (handlers) {
    const provisioning = yield* Provisioning

    /** The caller's instance and its hub engine, checking the hub name against the element's. */
    const open = (hub: string) =>
      Effect.gen(function* () {
        const instance = yield* HubInstance.callerInstance("hub calls")
        const connection = yield* provisioning.connection(instance)
        yield* HubInstance.checkHub(instance, connection.connector, hub)
        return { instance, connection }
      })

    /** The list options of the current request, read like a poller URL so both paths agree. */
    const listOptions = Effect.gen(function* () {
      const request = yield* HttpServerRequest
      const question = request.url.indexOf("?")
      const raw = question === -1 ? "" : request.url.slice(question)
      const parsed = yield* HubQuery.parseUrl(`/hubs/_/_${raw}`)
      return parsed.options
    })

    const listResponse = (instance: Instance, result: HubQuery.ListResult) => {
      const headers: Record<string, string> = {
        [Headers.returnedCount]: String(result.records.length),
        [Headers.instanceId]: String(instance.id)
      }
      if (result.total !== undefined) headers[Headers.totalCount] = String(result.total)
      if (result.nextPage !== undefined) headers[Headers.nextPage] = result.nextPage
      return HttpServerResponse.jsonUnsafe(result.records, { headers })
    }

    const recordResponse = (instance: Instance, record: unknown) =>
      HttpServerResponse.jsonUnsafe(record ?? {}, { headers: { [Headers.instanceId]: String(instance.id) } })

    return handlers.handleAll({
      list: ({ params }) =>
        Effect.gen(function* () {
          const { instance, connection } = yield* open(params.hub)
          const options = yield* listOptions
          const result = yield* connection
            .list({ ...options, resource: params.resource })
            .pipe(Effect.mapError(objectError(connection.connector, params.resource)))
          return listResponse(instance, result)
        }).pipe(Effect.catchTag("HubRequestError", (e) => Effect.fail(hubError(e)))),
      create: ({ params, payload }) =>
        Effect.gen(function* () {
          const { instance, connection } = yield* open(params.hub)
          return recordResponse(instance, yield* connection.create(params.resource, payload))
        }).pipe(
          Effect.catchTag(["CeqlError", "HubRequestError", "ConnectorError"], (e) => Effect.fail(hubError(e)))
        ),
      get: ({ params, query }) =>
        Effect.gen(function* () {
          // A malformed `fields` is refused before the vendor is called.
          const fields = query.fields === undefined ? [] : yield* Ceql.parseFields(query.fields)
          const { instance, connection } = yield* open(params.hub)
          const record = yield* connection
            .get(params.resource, params.id)
            .pipe(Effect.mapError(objectError(connection.connector, params.resource)))
          return recordResponse(instance, fields.length === 0 ? record : Ceql.project(record, fields))
        }).pipe(Effect.catchTag("CeqlError", (e) => Effect.fail(hubError(e)))),
      update: ({ params, payload }) =>
        Effect.gen(function* () {
          const { instance, connection } = yield* open(params.hub)
          return recordResponse(instance, yield* connection.update(params.resource, params.id, payload))
        }).pipe(
          Effect.catchTag(["CeqlError", "HubRequestError", "ConnectorError"], (e) => Effect.fail(hubError(e)))
        ),
      replace: ({ params, payload }) =>
        Effect.gen(function* () {
          const { instance, connection } = yield* open(params.hub)
          return recordResponse(instance, yield* connection.replace(params.resource, params.id, payload))
        }).pipe(
          Effect.catchTag(["CeqlError", "HubRequestError", "ConnectorError"], (e) => Effect.fail(hubError(e)))
        ),
      remove: ({ params }) =>
        Effect.gen(function* () {
          const { instance, connection } = yield* open(params.hub)
          yield* connection.remove(params.resource, params.id)
          return HttpServerResponse.empty({
            status: 200,
            headers: { [Headers.instanceId]: String(instance.id) }
          })
        }).pipe(
          Effect.catchTag(["CeqlError", "HubRequestError", "ConnectorError"], (e) => Effect.fail(hubError(e)))
        ),
      children: ({ params }) =>
        Effect.gen(function* () {
          const { instance, connection } = yield* open(params.hub)
          const options = yield* listOptions
          const result = yield* connection.children(params.resource, params.id, params.child, options)
          return listResponse(instance, result)
        }).pipe(
          Effect.catchTag(["CeqlError", "HubRequestError", "ConnectorError"], (e) => Effect.fail(hubError(e)))
        )
    })
  })
)
