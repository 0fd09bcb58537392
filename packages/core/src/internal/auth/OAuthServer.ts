/**
 * The vendor's OAuth server as openid-client sees it, built from an element's auth spec and an
 * instance's configuration (endpoints are configuration keys, so tests and sandboxes can point them
 * elsewhere), and the token endpoint grants run through it as Effects.
 */
import { Clock, type Context, Effect, Redacted, Result } from "effect"
import * as client from "openid-client"
import type * as AuthSpec from "../../AuthSpec.js"
import type * as Configuration from "../../Configuration.js"
import * as ConnectorError from "../../ConnectorError.js"
import { TokenSet } from "../../TokenStore.js"
import * as VendorUrl from "../http/VendorUrl.js"
import * as OAuthFailure from "./OAuthFailure.js"
import * as TokenFetch from "./TokenFetch.js"

/** Either OAuth strategy. */
export type Strategy = AuthSpec.OAuth2Code | AuthSpec.OAuth2ClientCredentials

/** Fails with an `InvalidRequest` naming the configuration key at fault. */
export const keyProblem = (
  key: string,
  operation: string,
  what = "is not set"
): ConnectorError.ConnectorError =>
  ConnectorError.make(
    new ConnectorError.InvalidRequest({ message: `'${key}' ${what}`, field: key }),
    operation
  )

const readUrl = (
  configuration: Configuration.Configuration,
  key: string,
  operation: string
): Effect.Effect<URL, ConnectorError.ConnectorError> => {
  const url = VendorUrl.configuredUrl(configuration, key)
  return Result.isSuccess(url)
    ? Effect.succeed(url.success)
    : Effect.fail(keyProblem(key, operation, url.failure.what))
}

const readSecret = (
  configuration: Configuration.Configuration,
  key: string,
  operation: string
): Effect.Effect<Redacted.Redacted<string>, ConnectorError.ConnectorError> => {
  const value = configuration.secret(key)
  return value === undefined ? Effect.fail(keyProblem(key, operation)) : Effect.succeed(value)
}

/**
 * Builds the openid-client configuration; token calls run with `services` (an `HttpClient` there
 * carries them). The issuer is the token endpoint's origin: no discovery is
 * done and no ID token is checked, so it only has to be stable. Plain-http endpoints are allowed
 * because the configuration asked for them (tests, on-premise servers); the runner's outbound rules
 * decide whether such addresses may be reached at all.
 */
export const configure = Effect.fnUntraced(function* (
  strategy: Strategy,
  configuration: Configuration.Configuration,
  operation: string,
  services: Context.Context<never>,
  /** Building an authorize URL needs no client secret; token calls do. */
  secret: "required" | "optional" = "required"
) {
  const tokenUrl = yield* readUrl(configuration, strategy.tokenUrlKey, operation)
  const authorizationUrl =
    strategy._tag === "OAuth2Code"
      ? yield* readUrl(configuration, strategy.authorizationUrlKey, operation)
      : undefined
  const clientId = yield* readSecret(configuration, strategy.clientIdKey, operation)
  const server = {
    issuer: tokenUrl.origin,
    token_endpoint: tokenUrl.href,
    ...(authorizationUrl === undefined ? {} : { authorization_endpoint: authorizationUrl.href })
  }
  const clientSecret =
    secret === "optional" && configuration.secret(strategy.clientSecretKey) === undefined
      ? undefined
      : yield* readSecret(configuration, strategy.clientSecretKey, operation)
  const config =
    clientSecret === undefined
      ? new client.Configuration(server, Redacted.value(clientId), undefined, client.None())
      : new client.Configuration(
          server,
          Redacted.value(clientId),
          { client_secret: Redacted.value(clientSecret) },
          strategy.tokenEndpointAuth === "client_secret_basic"
            ? client.ClientSecretBasic(Redacted.value(clientSecret))
            : client.ClientSecretPost(Redacted.value(clientSecret))
        )
  if (tokenUrl.protocol === "http:" || authorizationUrl?.protocol === "http:")
    client.allowInsecureRequests(config)
  config[client.customFetch] = TokenFetch.make(services)
  return config
})

/** Runs one token endpoint call, mapping every failure to a `ConnectorError`. */
export const grant = (
  operation: string,
  call: () => Promise<client.TokenEndpointResponse>,
  previous?: TokenSet
): Effect.Effect<TokenSet, ConnectorError.ConnectorError> =>
  Effect.tryPromise({ try: call, catch: (error) => error }).pipe(
    Effect.matchEffect({
      onFailure: (error) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.fail(OAuthFailure.toConnectorError(error, operation, now))
        ),
      onSuccess: (response) =>
        Effect.map(Clock.currentTimeMillis, (now) => toTokenSet(response, now, previous))
    })
  )

/** Fields of a token response that are tokens or already modelled; never copied into `extra`. */
const modelled = new Set(["access_token", "refresh_token", "id_token", "token_type", "expires_in", "scope"])

/**
 * A token set from a token endpoint response received at `now`. A response without a refresh token
 * keeps the previous one (vendors that do not rotate send it only once).
 */
export const toTokenSet = (
  response: client.TokenEndpointResponse,
  now: number,
  previous?: TokenSet
): TokenSet => {
  const extra: Record<string, string | number | boolean> = {}
  for (const [key, value] of Object.entries(response)) {
    if (modelled.has(key) || (/token/i.test(key) && !/expires_in$/i.test(key))) continue
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      extra[key] = value
  }
  const refreshToken =
    response.refresh_token === undefined ? previous?.refreshToken : Redacted.make(response.refresh_token)
  const scope = response.scope ?? previous?.scope
  return new TokenSet({
    accessToken: Redacted.make(response.access_token),
    tokenType: response.token_type,
    obtainedAt: now,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(typeof response.expires_in === "number" ? { expiresAt: now + response.expires_in * 1000 } : {}),
    ...(scope === undefined ? {} : { scope }),
    ...(Object.keys(extra).length === 0 ? {} : { extra })
  })
}
