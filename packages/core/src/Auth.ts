/**
 * Authentication at run time: turns an element's `AuthSpec` and an instance's configuration into
 * request credentials. OAuth 2.0 runs on openid-client (authorize URL with PKCE, code exchange,
 * client credentials, refresh); Basic and API keys come from configuration. Secrets stay `Redacted`
 * until the HTTP layer writes them on the wire, and never appear in messages or logs.
 */
import { Context, Effect, Redacted } from "effect"
import * as client from "openid-client"
import type * as AuthSpec from "./AuthSpec.js"
import type * as Configuration from "./Configuration.js"
import type * as Connector from "./Connector.js"
import * as ConnectorError from "./ConnectorError.js"
import * as LocalLock from "./internal/auth/KeyedLock.js"
import * as OAuthServer from "./internal/auth/OAuthServer.js"
import * as StaticCredentials from "./internal/auth/StaticCredentials.js"
import * as TokenManager from "./internal/auth/TokenManager.js"
import { TokenStore, type TokenSet } from "./TokenStore.js"
import type * as VendorClient from "./VendorClient.js"

/**
 * A vendor request with its credentials attached: headers and query parameters whose values are
 * still `Redacted` (the HTTP layer unwraps them when it writes the request), and the access token
 * that was used, so that a 401 can tell a stale token from one refreshed meanwhile.
 */
export interface AuthorizedRequest extends VendorClient.VendorRequest {
  readonly secretHeaders: Readonly<Record<string, Redacted.Redacted<string>>>
  readonly secretQuery: Readonly<Record<string, Redacted.Redacted<string>>>
  readonly accessToken?: Redacted.Redacted<string>
}

/** The credentials of one instance, as `VendorHttp` uses them. */
export interface Credentials {
  /** Attaches credentials to a request, refreshing an OAuth token first when it is due. */
  readonly authenticate: (
    request: VendorClient.VendorRequest
  ) => Effect.Effect<AuthorizedRequest, ConnectorError.ConnectorError>
  /**
   * Called when the vendor answered 401 to `rejected`. Returns `true` when new credentials are
   * available and the request is worth sending once more (OAuth: refreshed, or refreshed meanwhile by
   * someone else), `false` when nothing can change (Basic, API key).
   */
  readonly onUnauthorized: (
    rejected: AuthorizedRequest
  ) => Effect.Effect<boolean, ConnectorError.ConnectorError>
}

/**
 * Runs effects one at a time per key (an instance key); different keys never wait for each other.
 * `withLock(key)(effect)` runs `effect` while holding `key` and gives back its result, failure or
 * interruption unchanged: a lock that cannot be taken or released for its own reasons (a database
 * gone) must not invent a new error in `effect`'s channel, so it dies or retries instead.
 */
export interface KeyedLock extends LocalLock.KeyedLock {}

/** A lock table local to this process: the default {@link RefreshLock}, and the first stage of a wider one. */
export const makeLocalLock: () => KeyedLock = LocalLock.make

/**
 * The lock that keeps token refreshes of one instance one at a time. The token manager takes it
 * around every renewal and reads the `TokenStore` again once it holds it, so a caller that waited
 * uses the tokens the previous holder saved instead of refreshing again. The default is local to this
 * process; when several processes share one `TokenStore` (a runner in cluster mode), provide one that
 * also excludes the other processes — vendors that rotate refresh tokens revoke the whole grant when
 * an old one is presented twice.
 */
export const RefreshLock: Context.Reference<KeyedLock> = Context.Reference<KeyedLock>(
  "@plugboard/core/Auth/RefreshLock",
  { defaultValue: () => LocalLock.make() }
)

/** Options of {@link authorizeUrl}. */
export interface AuthorizeOptions {
  /** Opaque value echoed back to the callback; the caller checks it once. */
  readonly state: string
  /** Defaults to the strategy's redirect URI key (`oauth.callback.url`). */
  readonly redirectUri?: string | undefined
  /** Defaults to the strategy's scope key (`oauth.scope`). */
  readonly scope?: string | undefined
  /** Required when the strategy uses PKCE; see {@link randomCodeVerifier}. Keep it for the exchange. */
  readonly codeVerifier?: string | undefined
}

/** Options of {@link exchangeCode}. */
export interface ExchangeOptions {
  /** The `code` the vendor sent to the callback. */
  readonly code: string
  /** The redirect URI sent in the authorize URL; defaults as in {@link AuthorizeOptions}. */
  readonly redirectUri?: string | undefined
  /** The PKCE verifier whose challenge was sent in the authorize URL. */
  readonly codeVerifier?: string | undefined
}

const AUTHORIZE = "oauth authorize url"
const EXCHANGE = "oauth code exchange"
const CLIENT_CREDENTIALS = "client credentials grant"

/** A fresh PKCE code verifier (RFC 7636, 43 characters of base64url). */
export const randomCodeVerifier = (): string => client.randomPKCECodeVerifier()

const unsupported = (
  connector: Connector.Connector,
  operation: string,
  flow: string
): ConnectorError.ConnectorError =>
  ConnectorError.make(
    new ConnectorError.Unsupported({
      message: `element '${connector.key}' does not use the OAuth ${flow} flow`
    }),
    operation
  )

const requireCodeFlow = (
  connector: Connector.Connector,
  operation: string
): Effect.Effect<AuthSpec.OAuth2Code, ConnectorError.ConnectorError> => {
  const strategy = connector.auth.strategy
  return strategy._tag === "OAuth2Code"
    ? Effect.succeed(strategy)
    : Effect.fail(unsupported(connector, operation, "authorization code"))
}

/**
 * What is wrong with a redirect URI (`must …`), or `undefined` when it is usable: an absolute
 * http(s) URL without a fragment. A query is fine (RFC 6749 §3.1.2).
 */
const redirectUriProblem = (value: string): string | undefined => {
  if (!URL.canParse(value)) return "must be an absolute URL"
  const url = new URL(value)
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http or https URL"
  if (value.includes("#")) return "must not contain a fragment ('#…')"
  return undefined
}

/**
 * The redirect URI of an authorization code flow, exactly as the caller wrote it: vendors compare the
 * authorize request's `redirect_uri` with the token request's character for character (RFC 6749
 * §4.1.3), so it is checked, never rewritten (`https://app.example` stays without a trailing slash).
 */
const redirectUriOf = (
  strategy: AuthSpec.OAuth2Code,
  configuration: Configuration.Configuration,
  given: string | undefined,
  operation: string
): Effect.Effect<string, ConnectorError.ConnectorError> => {
  const value = given ?? configuration.resolve(strategy.redirectUriKey)
  if (value === undefined) return Effect.fail(OAuthServer.keyProblem(strategy.redirectUriKey, operation))
  const problem = redirectUriProblem(value)
  return problem === undefined
    ? Effect.succeed(value)
    : Effect.fail(OAuthServer.keyProblem(strategy.redirectUriKey, operation, problem))
}

const codeVerifierOf = (
  strategy: AuthSpec.OAuth2Code,
  given: string | undefined,
  operation: string
): Effect.Effect<string | undefined, ConnectorError.ConnectorError> =>
  strategy.pkce && given === undefined
    ? Effect.fail(
        ConnectorError.make(
          new ConnectorError.InvalidRequest({
            message: "'codeVerifier' is required: this element uses PKCE",
            field: "codeVerifier"
          }),
          operation
        )
      )
    : Effect.succeed(strategy.pkce ? given : undefined)

/** Fills `{key}` templates; a template naming an unset key yields `undefined` (the parameter is left out). */
const fillParam = (configuration: Configuration.Configuration, template: string): string | undefined => {
  for (const match of template.matchAll(/\{([A-Za-z0-9_.-]+)\}/g)) {
    if (configuration.text(match[1] ?? "") === undefined) return undefined
  }
  return configuration.fill(template)
}

/**
 * The vendor's authorize URL for an authorization code flow: `client_id`, `response_type=code`,
 * `redirect_uri`, `scope`, `state`, a PKCE S256 challenge when the strategy uses PKCE, and the
 * strategy's extra parameters (`{configKey}` templates filled from configuration; a parameter whose
 * key is unset is left out).
 */
export const authorizeUrl = (
  connector: Connector.Connector,
  configuration: Configuration.Configuration,
  options: AuthorizeOptions
): Effect.Effect<string, ConnectorError.ConnectorError> =>
  Effect.gen(function* () {
    const strategy = yield* requireCodeFlow(connector, AUTHORIZE)
    const redirectUri = yield* redirectUriOf(strategy, configuration, options.redirectUri, AUTHORIZE)
    const codeVerifier = yield* codeVerifierOf(strategy, options.codeVerifier, AUTHORIZE)
    const services = yield* Effect.context<never>()
    const config = yield* OAuthServer.configure(strategy, configuration, AUTHORIZE, services, "optional")
    const params = new URLSearchParams()
    for (const [name, template] of Object.entries(strategy.authorizeParams)) {
      const value = fillParam(configuration, template)
      if (value !== undefined) params.set(name, value)
    }
    params.set("response_type", "code")
    params.set("redirect_uri", redirectUri)
    params.set("state", options.state)
    const scope = options.scope ?? configuration.text(strategy.scopeKey)
    if (scope !== undefined) params.set("scope", scope)
    if (codeVerifier !== undefined) {
      const challenge = yield* Effect.promise(() => client.calculatePKCECodeChallenge(codeVerifier))
      params.set("code_challenge", challenge)
      params.set("code_challenge_method", "S256")
    }
    return client.buildAuthorizationUrl(config, params).href
  })

/**
 * Exchanges the `code` the vendor sent to the callback for tokens. A refused code (`invalid_grant`:
 * expired, used twice, wrong redirect URI or verifier) fails with reason `Authentication` and the
 * vendor's description as `providerMessage`. The caller stores the tokens (`TokenStore.set`).
 *
 * The token request carries the redirect URI as the same string the authorize URL carried (query
 * included), so the vendor's exact comparison holds.
 */
export const exchangeCode = (
  connector: Connector.Connector,
  configuration: Configuration.Configuration,
  options: ExchangeOptions
): Effect.Effect<TokenSet, ConnectorError.ConnectorError> =>
  Effect.gen(function* () {
    const strategy = yield* requireCodeFlow(connector, EXCHANGE)
    const redirectUri = yield* redirectUriOf(strategy, configuration, options.redirectUri, EXCHANGE)
    const codeVerifier = yield* codeVerifierOf(strategy, options.codeVerifier, EXCHANGE)
    const services = yield* Effect.context<never>()
    const config = yield* OAuthServer.configure(strategy, configuration, EXCHANGE, services)
    // Not `authorizationCodeGrant`: it derives redirect_uri from a URL object, which normalizes it
    // (`https://app.example` → `https://app.example/`) and drops its query.
    const parameters: Record<string, string> = { code: options.code, redirect_uri: redirectUri }
    if (codeVerifier !== undefined) parameters["code_verifier"] = codeVerifier
    return yield* OAuthServer.grant(EXCHANGE, () =>
      client.genericGrantRequest(config, "authorization_code", parameters)
    )
  })

/** Obtains tokens with the client credentials grant (scope from the strategy's scope key). */
export const clientCredentials = (
  connector: Connector.Connector,
  configuration: Configuration.Configuration
): Effect.Effect<TokenSet, ConnectorError.ConnectorError> =>
  Effect.gen(function* () {
    const strategy = connector.auth.strategy
    if (strategy._tag !== "OAuth2ClientCredentials") {
      return yield* unsupported(connector, CLIENT_CREDENTIALS, "client credentials")
    }
    const services = yield* Effect.context<never>()
    const config = yield* OAuthServer.configure(strategy, configuration, CLIENT_CREDENTIALS, services)
    const scope = configuration.text(strategy.scopeKey)
    return yield* OAuthServer.grant(CLIENT_CREDENTIALS, () =>
      client.clientCredentialsGrant(config, scope === undefined ? {} : { scope })
    )
  })

/** Options of {@link make}. */
export interface MakeOptions {
  readonly connector: Connector.Connector
  readonly configuration: Configuration.Configuration
  /** The key tokens are stored and refreshes are locked under (the instance id). */
  readonly instanceKey: string
}

/**
 * The credentials manager of one instance. Basic and API keys are read from configuration; OAuth
 * tokens from the `TokenStore` (or, the first time, from `oauth.user.token` /
 * `oauth.user.refresh_token` in configuration), refreshed when within min(half their lifetime,
 * 5 minutes) of expiry and once after a 401, one refresh at a time per instance (see
 * {@link RefreshLock}). A rotated refresh token is stored before the new access token is used; an
 * `invalid_grant` is believed only after the store was read again. Token calls go through the
 * `HttpClient` present when this is built, if any.
 */
export const make = (options: MakeOptions): Effect.Effect<Credentials, never, TokenStore> =>
  Effect.gen(function* () {
    const { connector, configuration, instanceKey } = options
    const store = yield* TokenStore
    const lock = yield* RefreshLock
    const services = yield* Effect.context<never>()
    const strategy = connector.auth.strategy
    const tokens =
      strategy._tag === "OAuth2Code" || strategy._tag === "OAuth2ClientCredentials"
        ? yield* TokenManager.make({ strategy, configuration, instanceKey, store, lock, services })
        : undefined

    const authenticate = (
      request: VendorClient.VendorRequest
    ): Effect.Effect<AuthorizedRequest, ConnectorError.ConnectorError> =>
      Effect.gen(function* () {
        const additions = yield* StaticCredentials.additions(connector.auth, configuration, request.operation)
        if (tokens === undefined) {
          return {
            ...request,
            secretHeaders: additions.headers,
            secretQuery: additions.query
          } satisfies AuthorizedRequest
        }
        const current = yield* tokens.current.pipe(
          Effect.mapError((error) => withOperation(error, request.operation))
        )
        const headers = { ...additions.headers, Authorization: bearer(current.accessToken) }
        return {
          ...request,
          secretHeaders: headers,
          secretQuery: additions.query,
          accessToken: current.accessToken
        } satisfies AuthorizedRequest
      })

    const onUnauthorized = (rejected: AuthorizedRequest) =>
      tokens === undefined
        ? Effect.succeed(false)
        : tokens.replace(rejected.accessToken).pipe(
            Effect.mapError((error) => withOperation(error, rejected.operation)),
            Effect.as(true)
          )

    return { authenticate, onUnauthorized }
  })

const bearer = (token: Redacted.Redacted<string>): Redacted.Redacted<string> =>
  Redacted.make(`Bearer ${Redacted.value(token)}`)

/** The operation that needed the token names the error; the token call itself is in the message. */
const withOperation = (
  error: ConnectorError.ConnectorError,
  operation: string
): ConnectorError.ConnectorError =>
  ConnectorError.make(
    error.reason,
    error.operation === undefined || error.operation === operation
      ? operation
      : `${operation} (${error.operation})`
  )
