/**
 * The OAuth tokens of one instance: reads them from the token store, refreshes them before they
 * expire and after a 401, one refresh at a time per instance. The rules come from the ways other
 * platforms lost refresh tokens: the store is read again after the lock is taken (another caller may
 * have refreshed meanwhile), a rotated refresh token is saved before the new access token is used,
 * and an `invalid_grant` is checked against the store once more before it is believed (another
 * runner may have rotated the token under us).
 */
import { Clock, type Context, Effect, Option, Redacted, Ref } from "effect"
import * as client from "openid-client"
import type * as Configuration from "../../Configuration.js"
import * as ConnectorError from "../../ConnectorError.js"
import { TokenSet, type TokenStore } from "../../TokenStore.js"
import type { KeyedLock } from "./KeyedLock.js"
import * as OAuthServer from "./OAuthServer.js"
import * as RefreshPolicy from "./RefreshPolicy.js"

/** What the manager needs from its surroundings. */
export interface Options {
  readonly strategy: OAuthServer.Strategy
  readonly configuration: Configuration.Configuration
  readonly instanceKey: string
  readonly store: TokenStore["Service"]
  readonly lock: KeyedLock
  /** Services token calls run with (an `HttpClient`, when provided, carries them). */
  readonly services: Context.Context<never>
}

/** The tokens of one instance. */
export interface TokenManager {
  /** A usable access token, refreshed first when it is due. */
  readonly current: Effect.Effect<TokenSet, ConnectorError.ConnectorError>
  /**
   * The vendor refused `rejected`: returns fresh tokens, refreshing unless someone already did.
   */
  readonly replace: (
    rejected: Redacted.Redacted<string> | undefined
  ) => Effect.Effect<TokenSet, ConnectorError.ConnectorError>
}

const REFRESH = "token refresh"
const CLIENT_CREDENTIALS = "client credentials grant"

const same = (a: Redacted.Redacted<string> | undefined, b: Redacted.Redacted<string> | undefined): boolean =>
  a === undefined || b === undefined ? a === b : Redacted.value(a) === Redacted.value(b)

const noTokens = (): ConnectorError.ConnectorError =>
  ConnectorError.make(
    new ConnectorError.Authentication({ message: "this instance has no OAuth tokens; authorize it again" }),
    REFRESH
  )

const noRefreshToken = (): ConnectorError.ConnectorError =>
  ConnectorError.make(
    new ConnectorError.Authentication({
      message: "the access token is no longer valid and the vendor gave no refresh token; authorize again"
    }),
    REFRESH
  )

/** Builds the manager of one instance's tokens. */
export const make = (options: Options): Effect.Effect<TokenManager> =>
  Effect.gen(function* () {
    const { strategy, configuration, instanceKey, store, lock, services } = options
    const cache = yield* Ref.make(Option.none<TokenSet>())

    // A failing store is the runner's fault, not the vendor's: it surfaces as a defect.
    const read = store.get(instanceKey).pipe(Effect.orDie)
    const save = (tokens: TokenSet) =>
      store.set(instanceKey, tokens).pipe(Effect.orDie, Effect.andThen(Ref.set(cache, Option.some(tokens))))

    /** Tokens handed over in configuration (`oauth.user.token`), as the original platform allowed. */
    const seeded = (): Option.Option<TokenSet> => {
      const accessToken = configuration.secret("oauth.user.token")
      if (accessToken === undefined) return Option.none()
      const refreshToken = configuration.secret("oauth.user.refresh_token")
      return Option.some(
        new TokenSet({
          accessToken,
          tokenType: "bearer",
          ...(refreshToken === undefined ? {} : { refreshToken })
        })
      )
    }

    const load = Effect.gen(function* () {
      const cached = yield* Ref.get(cache)
      if (Option.isSome(cached)) return cached
      const stored = yield* read
      if (Option.isSome(stored)) {
        yield* Ref.set(cache, stored)
        return stored
      }
      const seed = seeded()
      if (Option.isSome(seed)) yield* save(seed.value)
      return seed
    })

    const server = OAuthServer.configure(strategy, configuration, REFRESH, services)

    const clientCredentials = Effect.gen(function* () {
      const config = yield* server
      return yield* OAuthServer.grant(CLIENT_CREDENTIALS, () =>
        client.clientCredentialsGrant(config, scopeParams())
      )
    })

    const scopeParams = (): Record<string, string> => {
      const scope = configuration.text(strategy.scopeKey)
      return scope === undefined ? {} : { scope }
    }

    const refreshWith = (previous: TokenSet, refreshToken: Redacted.Redacted<string>) =>
      Effect.flatMap(server, (config) =>
        OAuthServer.grant(
          REFRESH,
          () => client.refreshTokenGrant(config, Redacted.value(refreshToken)),
          previous
        )
      )

    /** Runs the refresh grant; on a refusal, believes it only if the store still holds the same token. */
    const refresh = (previous: TokenSet) =>
      Effect.gen(function* () {
        const refreshToken = previous.refreshToken
        if (refreshToken === undefined) return yield* noRefreshToken()
        return yield* refreshWith(previous, refreshToken).pipe(
          Effect.catch((error) =>
            error.reason._tag !== "Authentication"
              ? Effect.fail(error)
              : Effect.gen(function* () {
                  const latest = yield* read
                  if (Option.isNone(latest) || same(latest.value.refreshToken, refreshToken)) {
                    return yield* Effect.fail(error)
                  }
                  yield* Effect.logDebug("refresh token was rotated elsewhere; using the stored one")
                  const now = yield* Clock.currentTimeMillis
                  if (!RefreshPolicy.isDue(latest.value, now)) return latest.value
                  const rotated = latest.value.refreshToken
                  return rotated === undefined
                    ? yield* Effect.fail(error)
                    : yield* refreshWith(latest.value, rotated)
                })
          )
        )
      })

    /**
     * Obtains new tokens under the instance's lock, unless the store, read again under the lock,
     * already holds usable ones: not due, and not the `rejected` token. `force` renews regardless
     * (a 401 on a request that carried no token to compare).
     */
    const renew = (rejected: Redacted.Redacted<string> | undefined, force: boolean) =>
      lock.withLock(instanceKey)(
        Effect.gen(function* () {
          const latest = yield* read
          const now = yield* Clock.currentTimeMillis
          if (
            Option.isSome(latest) &&
            !force &&
            !RefreshPolicy.isDue(latest.value, now) &&
            (rejected === undefined || !same(latest.value.accessToken, rejected))
          ) {
            yield* Ref.set(cache, latest)
            return latest.value
          }
          const fresh =
            strategy._tag === "OAuth2ClientCredentials"
              ? yield* clientCredentials
              : Option.isSome(latest)
                ? yield* refresh(latest.value)
                : yield* noTokens()
          // Saved before anyone uses it: a rotated refresh token lost here would lock the instance out.
          yield* save(fresh)
          yield* Effect.logDebug("access token renewed")
          return fresh
        })
      )

    const current = Effect.gen(function* () {
      const tokens = yield* load
      const now = yield* Clock.currentTimeMillis
      if (Option.isNone(tokens)) {
        return strategy._tag === "OAuth2ClientCredentials"
          ? yield* renew(undefined, false)
          : yield* noTokens()
      }
      return RefreshPolicy.isDue(tokens.value, now) ? yield* renew(undefined, false) : tokens.value
    })

    const replace = (rejected: Redacted.Redacted<string> | undefined) =>
      Effect.gen(function* () {
        const tokens = yield* load
        // Nothing was sent with a token (none stored): only a client credentials grant can help.
        if (Option.isNone(tokens) && strategy._tag === "OAuth2Code") return yield* noTokens()
        return yield* renew(rejected, rejected === undefined)
      })

    return { current, replace }
  })
