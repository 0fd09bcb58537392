/**
 * What every response goes through on its way out (contract.md §2): an `Elements-Request-Id`
 * header, an error body `{requestId, message, providerMessage?}` for every status ≥ 400 — whoever
 * produced it: a handler, a schema failure, malformed JSON, an unknown route (404), a known route
 * with another method (405), an oversize body (413), an unsupported content type (415) — one
 * structured log line per request, and the request's count and latency in the metrics under its
 * route template. Query strings are never logged: they may carry OAuth secrets.
 */
import { randomUUID } from "node:crypto"
import { Cause, Effect, type Layer, LogLevel, Predicate, References, type Types } from "effect"
import * as FindMyWay from "effect/http/FindMyWay"
import * as HttpRouter from "effect/http/HttpRouter"
import * as Multipart from "effect/http/Multipart"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { HttpApiSchemaError } from "effect/http-api/HttpApiError"
import * as SchemaIssue from "effect/SchemaIssue"
import * as RunnerMetrics from "../metrics/RunnerMetrics.js"

/** The response header carrying the request id. */
export const REQUEST_ID_HEADER = "Elements-Request-Id"

/** The methods and paths the router serves, to tell 405 from 404. */
export interface RouteTable {
  readonly routes: ReadonlyArray<{ readonly method: string; readonly path: string }>
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const

const defaultMessages: Record<number, string> = {
  400: "the request is malformed",
  401: "missing or wrong credentials",
  403: "forbidden",
  404: "no such route or object",
  405: "method not allowed",
  406: "not acceptable",
  409: "conflict",
  413: "the request body is too large",
  415: "unsupported content type; send application/json",
  429: "too many requests",
  500: "internal error",
  502: "the vendor failed",
  503: "not available"
}

const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

const kindLabel: Record<string, string> = {
  Params: "path parameter",
  Query: "query parameter",
  Headers: "header",
  Payload: "request body"
}

/** A readable 400 message for a request that failed its schema, naming the field at fault. */
export const schemaMessage = (error: HttpApiSchemaError): string => {
  const label = kindLabel[error.kind] ?? error.kind
  const issues = formatIssues(error.cause.issue).issues
  const parts = issues.map((issue) => {
    const path = (issue.path ?? []).map((segment) =>
      String(Predicate.isObject(segment) && "key" in segment ? segment.key : segment)
    )
    if (error.kind === "Payload" && /valid JSON body/.test(issue.message)) {
      return "the request body is not valid JSON"
    }
    return path.length === 0 ? `${label}: ${issue.message}` : `${label} '${path.join(".")}': ${issue.message}`
  })
  return `invalid ${label}: ${parts.join("; ")}`
}

const errorResponse = (status: number, message: string, headers?: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe({ message }, { status, ...(headers === undefined ? {} : { headers }) })

const allowedMethods = (table: FindMyWay.Router<string>, url: string): ReadonlyArray<string> =>
  METHODS.filter((method) => table.find(method, url) !== undefined)

const fromCause = (
  cause: Cause.Cause<unknown>,
  request: HttpServerRequest,
  table: FindMyWay.Router<string>
): { readonly response: HttpServerResponse.HttpServerResponse; readonly unexpected: boolean } => {
  const error = Cause.squash(cause)
  if (HttpApiSchemaError.is(error)) {
    return error.kind === "Body" || error.kind === "ResponseHeaders"
      ? { response: errorResponse(500, "internal error: the response did not encode"), unexpected: true }
      : { response: errorResponse(400, schemaMessage(error)), unexpected: false }
  }
  if (Predicate.isTagged(error, "HttpServerError")) {
    const reason = (
      error as unknown as { readonly reason: { readonly _tag: string; readonly reason?: string } }
    ).reason
    if (reason._tag === "RouteNotFound") {
      const allowed = allowedMethods(table, request.url)
      return allowed.length > 0
        ? {
            response: errorResponse(
              405,
              `method ${request.method} is not allowed here; allowed: ${allowed.join(", ")}`,
              {
                allow: allowed.join(", ")
              }
            ),
            unexpected: false
          }
        : {
            response: errorResponse(404, `no route ${request.method} ${pathOf(request.url)}`),
            unexpected: false
          }
    }
    if (reason._tag === "RequestParseError") {
      return reason.reason === "BodyTooLarge"
        ? { response: errorResponse(413, defaultMessages[413]!), unexpected: false }
        : { response: errorResponse(400, "the request body could not be read"), unexpected: false }
    }
  }
  if (Predicate.isTagged(error, "HttpApiPayloadTooLarge")) {
    return { response: errorResponse(413, defaultMessages[413]!), unexpected: false }
  }
  // The API reads multipart bodies before a handler runs and dies on a broken or oversize one.
  if (Multipart.isMultipartError(error)) {
    const reason = error.reason._tag
    if (reason === "InternalError")
      return { response: errorResponse(500, "internal error"), unexpected: true }
    return reason === "Parse"
      ? { response: errorResponse(400, "the multipart body could not be read"), unexpected: false }
      : { response: errorResponse(413, `the multipart body is too large (${reason})`), unexpected: false }
  }
  return { response: errorResponse(500, "internal error"), unexpected: true }
}

const pathOf = (url: string) => {
  const question = url.indexOf("?")
  return question === -1 ? url : url.slice(0, question)
}

const readMessage = (
  response: HttpServerResponse.HttpServerResponse
): { readonly message?: string; readonly providerMessage?: string } => {
  const body = response.body
  if (body._tag !== "Uint8Array") return {}
  const text = new TextDecoder().decode(body.body)
  if (body.contentType.includes("json")) {
    try {
      const parsed: unknown = JSON.parse(text)
      if (Predicate.isObject(parsed)) {
        const { message, providerMessage } = parsed as { message?: unknown; providerMessage?: unknown }
        return {
          ...(typeof message === "string" ? { message } : {}),
          ...(typeof providerMessage === "string" && providerMessage !== "" ? { providerMessage } : {})
        }
      }
    } catch {
      return {}
    }
    return {}
  }
  return text.trim() !== "" && text.length <= 500 ? { message: text.trim() } : {}
}

/** Rewrites an error response into the contract's body, keeping its status and headers. */
export const normalize = (
  response: HttpServerResponse.HttpServerResponse,
  requestId: string
): HttpServerResponse.HttpServerResponse => {
  if (response.status < 400) return response
  const found = readMessage(response)
  const body = {
    requestId,
    message: found.message ?? defaultMessages[response.status] ?? `error ${response.status}`,
    ...(found.providerMessage === undefined ? {} : { providerMessage: found.providerMessage })
  }
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(response.headers)) {
    if (name !== "content-type" && name !== "content-length") headers[name] = value
  }
  return HttpServerResponse.jsonUnsafe(body, { status: response.status, headers })
}

/** The route table of a set of endpoints, for 405 answers and metrics: each route finds its template. */
export const makeTable = (table: RouteTable): FindMyWay.Router<string> => {
  const router = FindMyWay.make<string>({ ignoreTrailingSlash: true })
  for (const route of table.routes) router.on(route.method, route.path as FindMyWay.PathInput, route.path)
  return router
}

/** The envelope as global router middleware. */
export const layer = (table: RouteTable): Layer.Layer<never, never, HttpRouter.HttpRouter> => {
  const known = makeTable(table)
  return HttpRouter.middleware(
    (httpEffect): Effect.Effect<HttpServerResponse.HttpServerResponse, Types.unhandled, HttpServerRequest> =>
      Effect.suspend(() => {
        const requestId = randomUUID()
        return Effect.gen(function* () {
          const request = yield* HttpServerRequest
          const started = performance.now()
          const response = yield* httpEffect.pipe(
            Effect.catchCause((cause) => {
              const outcome = fromCause(cause, request, known)
              return outcome.unexpected
                ? Effect.as(
                    Effect.logError("request failed unexpectedly", Cause.pretty(cause)),
                    outcome.response
                  )
                : Effect.succeed(outcome.response)
            })
          )
          const final = HttpServerResponse.setHeader(
            normalize(response, requestId),
            REQUEST_ID_HEADER,
            requestId
          )
          const elapsed = performance.now() - started
          yield* RunnerMetrics.httpRequest({
            method: request.method,
            route: known.find(request.method, request.url)?.handler ?? "unmatched",
            status: final.status,
            seconds: elapsed / 1000
          })
          // The access line is built only when it would be written (at `LOG_LEVEL` warn or error it is not).
          if (LogLevel.isGreaterThanOrEqualTo("Info", yield* References.MinimumLogLevel)) {
            yield* Effect.logInfo("request").pipe(
              Effect.annotateLogs({
                method: request.method,
                path: pathOf(request.url),
                status: final.status,
                durationMs: Math.round(elapsed * 10) / 10
              })
            )
          }
          return final
        }).pipe(Effect.annotateLogs({ requestId }))
      }),
    { global: true }
  )
}
