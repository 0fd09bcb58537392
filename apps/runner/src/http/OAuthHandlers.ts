/**
 * OAuth 2.0 helpers (contract.md §5): the vendor's authorize URL for an element, from the caller's
 * client id, secret, callback URL, scope and state, and the runner's own callback page, which shows
 * the `code` and `state` the vendor sent so that a person can hand them to `POST /instances` as
 * `providerData.code`. Without a state from the caller, the state is the element key (contract §5:
 * applications redirected to their own callback read it to know the element) — except when the
 * redirect comes to the runner's own page: then the runner issues an unguessable state it can
 * verify (RFC 9700; see `OAuthState`), and the page says whether the state it received is one it
 * issued.
 */
import { Auth, Configuration, Registry } from "@plugboard/core"
import { Clock, Effect } from "effect"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { HttpApiBuilder } from "effect/http-api"
import { Api, type OAuthUrlRequest } from "./Api.js"
import * as ApiError from "./ApiError.js"
import { SecretCipher } from "../store/Cipher.js"
import { findElement } from "./ElementsHandlers.js"
import * as OAuthCallback from "./OAuthCallback.js"
import * as OAuthState from "./OAuthState.js"

/** Names the request field a message about a configuration key is about (`'apiKey' (oauth.api.key)`). */
const fieldNames: ReadonlyArray<readonly [key: string, field: string]> = [
  ["oauth.api.key", "apiKey"],
  ["oauth.callback.url", "callbackUrl"],
  ["oauth.scope", "scope"],
  ["site.address", "siteAddress"]
]

const namingFields = (message: string, sent: ReadonlySet<string>): string =>
  fieldNames.reduce(
    (text, [key, field]) => (sent.has(key) ? text.replaceAll(`'${key}'`, `'${field}' (${key})`) : text),
    message
  )

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

/** What the page says of the state it received, by verdict. */
const stateNotes: Record<OAuthState.Verdict, { readonly label: string; readonly text: string }> = {
  verified: {
    label: "verified",
    text: "State verified: this runner issued it for an authorize URL it built."
  },
  forged: {
    label: "NOT verified",
    text: "State NOT verified: it has the form of a state this runner issues, but its signature does not match (altered, made elsewhere, or issued under an encryption key this runner no longer holds). Do not use this code: this authorization may not have been started from your authorize URL."
  },
  expired: {
    label: "NOT verified (expired)",
    text: `State NOT verified: this runner issued it more than ${OAuthState.LIFETIME_SECONDS / 60} minutes ago. Start again from a new authorize URL.`
  },
  caller: {
    label: "not checked (your own)",
    text: "The state was chosen by the application that asked for the authorize URL; the runner passes it through unchecked. Compare it with the value you sent."
  },
  missing: {
    label: "NOT verified (none received)",
    text: "The vendor sent no state back, so nothing ties this redirect to an authorize URL. Start again from the authorize URL if you did not expect this page."
  }
}

/**
 * The callback page: the code and state, or the vendor's error, for a person to copy, and whether
 * the state is one this runner issued (`stateCheck`).
 */
export const callbackPage = (
  query: {
    readonly code?: string
    readonly state?: string
    readonly error?: string
    readonly error_description?: string
  },
  stateCheck: OAuthState.Verdict
): string => {
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
  const note = stateNotes[stateCheck]
  rows.push(["state check", note.label])
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
  const check = `<p id="state-check" data-state-check="${stateCheck}">${escapeHtml(note.text)}</p>`
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Plugboard — ${title}</title></head><body><h1>${title}</h1><table>${body}</table>${check}${hint}</body></html>`
}

/** The handlers of the `oauth` group. */
export const OAuthHandlers = HttpApiBuilder.group(
  Api,
  "oauth",
  Effect.fn(function* (handlers) {
    const registry = yield* Registry.Registry
    // Signed under a key derived for this purpose alone; keys from before a rotation still verify.
    const states = OAuthState.make((yield* SecretCipher).deriveKeys(OAuthState.PURPOSE))

    const authorizeUrl = (keyOrId: string, fields: OAuthUrlRequest) =>
      Effect.gen(function* () {
        const connector = yield* findElement(registry, keyOrId)
        if (connector.auth.strategy._tag !== "OAuth2Code") {
          return yield* new ApiError.BadRequest({
            message: `element '${connector.key}' does not use the OAuth 2.0 authorization code flow`
          })
        }
        // The caller's callback URL as sent, or the runner's own page: the code exchange on
        // POST /instances uses the same rule, so both carry the same redirect URI.
        const redirect = fields.callbackUrl ?? (yield* OAuthCallback.current)
        const given: Record<string, string> = { "oauth.callback.url": redirect }
        if (fields.apiKey !== undefined) given["oauth.api.key"] = fields.apiKey
        if (fields.apiSecret !== undefined) given["oauth.api.secret"] = fields.apiSecret
        if (fields.scope !== undefined) given["oauth.scope"] = fields.scope
        if (fields.siteAddress !== undefined) given["site.address"] = fields.siteAddress
        // Messages name the request's fields for what the caller sent; the key alone otherwise.
        const sent = new Set(Object.keys(given))
        if (fields.callbackUrl === undefined) sent.delete("oauth.callback.url")
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
                message: namingFields(
                  error.message,
                  // A missing client id is named as the request field even though it was not sent.
                  new Set([...sent, "oauth.api.key"])
                )
              })
          )
        )
        const oauthUrl = yield* Auth.authorizeUrl(connector, configuration, {
          // The contract's default is the element key, which applications redirected to their own
          // callback read to know which element is being authorized; only when the redirect comes
          // to this runner's own page, which no application reads, is an unguessable one issued.
          state:
            fields.state ??
            (fields.callbackUrl === undefined ? states.issue(yield* Clock.currentTimeMillis) : connector.key),
          redirectUri: redirect,
          ...(fields.scope === undefined ? {} : { scope: fields.scope })
        }).pipe(
          Effect.mapError((error) => {
            const answer = ApiError.fromConnectorError(error)
            return answer instanceof ApiError.BadRequest
              ? new ApiError.BadRequest({
                  message: namingFields(answer.message, sent),
                  ...(answer.providerMessage === undefined ? {} : { providerMessage: answer.providerMessage })
                })
              : answer
          })
        )
        return { element: connector.key, oauthUrl }
      })

    return handlers.handleAll({
      url: ({ params, query }) => authorizeUrl(params.keyOrId, query),
      urlPost: ({ params, payload }) => authorizeUrl(params.keyOrId, payload),
      callback: ({ query }) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          HttpServerResponse.html(callbackPage(query, states.check(query.state, now))).pipe(
            HttpServerResponse.setHeaders({ "cache-control": "no-store", "referrer-policy": "no-referrer" })
          )
        )
    })
  })
)
