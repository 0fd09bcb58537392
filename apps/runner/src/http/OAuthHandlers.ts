/**
 * OAuth 2.0 helpers (contract.md §5): the vendor's authorize URL for an element, from the caller's
 * client id, secret, callback URL, scope and state (state defaults to the element key), and the
 * runner's own callback page, which shows the `code` and `state` the vendor sent so that a person
 * can hand them to `POST /instances` as `providerData.code`.
 */
import { Auth, Configuration, Registry } from "@plugboard/core"
import { Effect } from "effect"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { HttpApiBuilder } from "effect/http-api"
import { Api, BASE_PATH, type OAuthUrlRequest } from "./Api.js"
import * as ApiError from "./ApiError.js"
import { findElement } from "./ElementsHandlers.js"

/** The runner's own callback URL as the caller reached it (honouring a proxy's forwarded headers). */
export const callbackUrl = (request: HttpServerRequest): string => {
  const forwardedProto = request.headers["x-forwarded-proto"]?.split(",")[0]?.trim()
  const forwardedHost = request.headers["x-forwarded-host"]?.split(",")[0]?.trim()
  const host = forwardedHost ?? request.headers.host ?? "localhost"
  return `${forwardedProto ?? "http"}://${host}${BASE_PATH}/oauth/callback`
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

/** The callback page: the code and state, or the vendor's error, for a person to copy. */
export const callbackPage = (query: {
  readonly code?: string
  readonly state?: string
  readonly error?: string
  readonly error_description?: string
}): string => {
  const rows =
    query.error !== undefined
      ? [
          ["error", query.error],
          ["error_description", query.error_description ?? ""],
          ["state", query.state ?? ""]
        ]
      : [
          ["code", query.code ?? ""],
          ["state", query.state ?? ""]
        ]
  const title = query.error !== undefined ? "Authorization refused" : "Authorization code"
  const body = rows
    .map(
      ([name, value]) => `<tr><th>${escapeHtml(name!)}</th><td><code>${escapeHtml(value!)}</code></td></tr>`
    )
    .join("")
  const hint =
    query.error !== undefined
      ? "<p>The vendor did not grant access. Start again from the authorize URL.</p>"
      : "<p>Create the instance with <code>POST /elements/api-v2/instances</code> and this code as <code>providerData.code</code>. The code is valid for a few minutes and only once.</p>"
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Plugboard — ${title}</title></head><body><h1>${title}</h1><table>${body}</table>${hint}</body></html>`
}

/** The handlers of the `oauth` group. */
export const OAuthHandlers = HttpApiBuilder.group(
  Api,
  "oauth",
  Effect.fn(function* (handlers) {
    const registry = yield* Registry.Registry

    const authorizeUrl = (keyOrId: string, fields: OAuthUrlRequest) =>
      Effect.gen(function* () {
        const connector = yield* findElement(registry, keyOrId)
        if (connector.auth.strategy._tag !== "OAuth2Code") {
          return yield* new ApiError.BadRequest({
            message: `element '${connector.key}' does not use the OAuth 2.0 authorization code flow`
          })
        }
        const request = yield* HttpServerRequest
        const redirect = fields.callbackUrl ?? callbackUrl(request)
        const given: Record<string, string> = { "oauth.callback.url": redirect }
        if (fields.apiKey !== undefined) given["oauth.api.key"] = fields.apiKey
        if (fields.apiSecret !== undefined) given["oauth.api.secret"] = fields.apiSecret
        if (fields.scope !== undefined) given["oauth.scope"] = fields.scope
        if (fields.siteAddress !== undefined) given["site.address"] = fields.siteAddress
        // Only the client id is needed to build the URL; the secret is checked at code exchange.
        const params = Object.fromEntries(
          Object.entries(connector.configuration).map(([key, param]) => [
            key,
            key === "oauth.api.secret" ? { ...param, required: false } : param
          ])
        )
        const configuration = yield* Configuration.decode(params, given).pipe(
          Effect.mapError(
            (error) =>
              new ApiError.BadRequest({
                message: error.message.replace(
                  "'oauth.api.key' is required",
                  "'apiKey' (oauth.api.key) is required"
                )
              })
          )
        )
        const oauthUrl = yield* Auth.authorizeUrl(connector, configuration, {
          state: fields.state ?? connector.key,
          redirectUri: redirect,
          ...(fields.scope === undefined ? {} : { scope: fields.scope })
        }).pipe(Effect.mapError((error) => ApiError.fromConnectorError(error)))
        return { element: connector.key, oauthUrl }
      })

    return handlers.handleAll({
      url: ({ params, query }) => authorizeUrl(params.keyOrId, query),
      urlPost: ({ params, payload }) => authorizeUrl(params.keyOrId, payload),
      callback: ({ query }) =>
        Effect.succeed(
          HttpServerResponse.html(callbackPage(query)).pipe(
            HttpServerResponse.setHeaders({ "cache-control": "no-store", "referrer-policy": "no-referrer" })
          )
        )
    })
  })
)
