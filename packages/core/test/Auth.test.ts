import { afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import nock from "nock"
import * as client from "openid-client"
import * as Auth from "../src/Auth.js"
import * as AuthSpec from "../src/AuthSpec.js"
import type * as ConnectorError from "../src/ConnectorError.js"
import * as Param from "../src/Param.js"
import { TokenSet, TokenStore } from "../src/TokenStore.js"
import {
  API_KEY,
  AUTH_ORIGIN,
  CLIENT_SECRET,
  captureLogs,
  drainCapturedLines,
  configure,
  connector,
  fakeOAuthServer,
  leakedSecret,
  oauthClient,
  oauthConnector,
  PASSWORD,
  SECRETS,
  testLayer,
  textsOf
} from "./AuthFixtures.js"

const CALLBACK = "https://runner.test/elements/api-v2/oauth/callback"
const request = { method: "GET", path: "/contacts", operation: "list contacts" } as const

const reveal = (record: Readonly<Record<string, Redacted.Redacted<string>>>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).map(([name, value]) => [name, Redacted.value(value)]))

beforeAll(() => {
  nock.disableNetConnect()
})

afterEach(() => {
  nock.cleanAll()
  const lines = drainCapturedLines()
  assert.isUndefined(leakedSecret(lines, SECRETS), "a secret reached a log line")
})

describe("Auth.authorizeUrl", () => {
  it.effect("builds the vendor URL with PKCE S256 and templated params", () =>
    Effect.gen(function* () {
      const target = oauthConnector()
      const configuration = yield* configure(target, { ...oauthClient, country: "GB" })
      const verifier = Auth.randomCodeVerifier()
      const href = yield* Auth.authorizeUrl(target, configuration, { state: "st-1", codeVerifier: verifier })
      const url = new URL(href)
      assert.strictEqual(url.origin + url.pathname, `${AUTH_ORIGIN}/authorize`)
      const params = url.searchParams
      assert.strictEqual(params.get("client_id"), oauthClient["oauth.api.key"])
      assert.strictEqual(params.get("response_type"), "code")
      assert.strictEqual(params.get("redirect_uri"), CALLBACK)
      assert.strictEqual(params.get("scope"), "full_access")
      assert.strictEqual(params.get("state"), "st-1")
      assert.strictEqual(params.get("filter"), "apiv3.1")
      assert.strictEqual(params.get("country"), "GB")
      assert.strictEqual(params.get("code_challenge_method"), "S256")
      assert.strictEqual(
        params.get("code_challenge"),
        yield* Effect.promise(() => client.calculatePKCECodeChallenge(verifier))
      )
      assert.isFalse(href.includes(CLIENT_SECRET))
    })
  )

  it.effect("leaves out a templated param whose key is unset, and honours explicit options", () =>
    Effect.gen(function* () {
      const target = oauthConnector({ pkce: false })
      const configuration = yield* configure(target, oauthClient)
      const href = yield* Auth.authorizeUrl(target, configuration, {
        state: "s",
        redirectUri: "https://example.test/cb",
        scope: "readonly"
      })
      const params = new URL(href).searchParams
      assert.isFalse(params.has("country"))
      assert.isFalse(params.has("code_challenge"))
      assert.strictEqual(params.get("redirect_uri"), "https://example.test/cb")
      assert.strictEqual(params.get("scope"), "readonly")
    })
  )

  it.effect("asks for a code verifier when the element uses PKCE", () =>
    Effect.gen(function* () {
      const target = oauthConnector()
      const configuration = yield* configure(target, oauthClient)
      const error = yield* Effect.flip(Auth.authorizeUrl(target, configuration, { state: "s" }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.include(error.message, "codeVerifier")
    })
  )

  it.effect("refuses elements without the code flow, naming the element", () =>
    Effect.gen(function* () {
      const target = connector(AuthSpec.basic())
      const configuration = yield* configure(target, {})
      const error = yield* Effect.flip(Auth.authorizeUrl(target, configuration, { state: "s" }))
      assert.strictEqual(error.reason._tag, "Unsupported")
      assert.include(error.message, "fake")
    })
  )
})

describe("Auth.exchangeCode", () => {
  it.effect("exchanges a code (with PKCE) for tokens", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      const target = oauthConnector()
      const configuration = yield* configure(target, oauthClient)
      const verifier = Auth.randomCodeVerifier()
      const challenge = yield* Effect.promise(() => client.calculatePKCECodeChallenge(verifier))
      server.grantCode("code-1", CALLBACK, challenge)
      yield* TestClock.adjust(5_000)
      const tokens = yield* Auth.exchangeCode(target, configuration, {
        code: "code-1",
        codeVerifier: verifier
      })
      assert.strictEqual(Redacted.value(tokens.accessToken), "access-1-T0K3N")
      assert.strictEqual(tokens.refreshToken && Redacted.value(tokens.refreshToken), "refresh-1-R3FR3SH")
      assert.strictEqual(tokens.tokenType, "bearer")
      assert.strictEqual(tokens.obtainedAt, 5_000)
      assert.strictEqual(tokens.expiresAt, 5_000 + 3_600_000)
      assert.strictEqual(tokens.scope, "full_access")
      assert.deepStrictEqual(tokens.extra, { refresh_token_expires_in: 2_678_400 })
      assert.deepStrictEqual(server.state.grants, ["authorization_code"])
      assert.isFalse(String(tokens).includes("T0K3N"), "tokens print redacted")
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("reports invalid_grant as an Authentication error with the vendor's description", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      fakeOAuthServer()
      const target = oauthConnector({ pkce: false })
      const configuration = yield* configure(target, oauthClient)
      const error = yield* Effect.flip(Auth.exchangeCode(target, configuration, { code: "never-issued" }))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.status, 400)
      assert.strictEqual(error.providerMessage, "invalid_grant: the code is invalid or was already used")
      assert.strictEqual(error.operation, "oauth code exchange")
      assert.isFalse(error.isRetryable)
      assert.isUndefined(leakedSecret([...textsOf(error), ...logs.lines], [CLIENT_SECRET]))
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("maps a token endpoint outage to a retryable error and an unreachable one to Transport", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const target = oauthConnector({ pkce: false })
      const configuration = yield* configure(target, oauthClient)
      nock(AUTH_ORIGIN).post("/token").reply(503, "upstream down", { "retry-after": "7" })
      const outage = yield* Effect.flip(Auth.exchangeCode(target, configuration, { code: "c" }))
      assert.strictEqual(outage.reason._tag, "VendorUnavailable")
      assert.strictEqual(outage.retryAfterMillis, 7_000)
      assert.isTrue(outage.isRetryable)
      // nock 15 hangs fetch on plain-object errors; an Error instance carries the code.
      nock(AUTH_ORIGIN)
        .post("/token")
        .replyWithError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))
      const down = yield* Effect.flip(Auth.exchangeCode(target, configuration, { code: "c" }))
      assert.strictEqual(down.reason._tag, "Transport")
      assert.isUndefined(leakedSecret([...textsOf(outage), ...textsOf(down), ...logs.lines], [CLIENT_SECRET]))
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect(
    "sends token calls through the provided HttpClient and tolerates id_token and no token_type",
    () => {
      const logs = captureLogs()
      const seen: Array<string> = []
      const recording = Layer.effect(
        HttpClient.HttpClient,
        Effect.gen(function* () {
          const http = yield* HttpClient.HttpClient
          return HttpClient.tapRequest(http, (request) =>
            Effect.sync(() => seen.push(`${request.method} ${request.url}`))
          )
        })
      ).pipe(Layer.provide(FetchHttpClient.layer))
      return Effect.gen(function* () {
        nock(AUTH_ORIGIN).post("/token").reply(
          200,
          { access_token: "access-9-T0K3N", id_token: "e30.e30.sig", expires_in: "600" },
          {
            "content-type": "application/json; charset=utf-8"
          }
        )
        const target = oauthConnector({ pkce: false })
        const configuration = yield* configure(target, oauthClient)
        const tokens = yield* Auth.exchangeCode(target, configuration, { code: "c" })
        assert.strictEqual(tokens.tokenType, "bearer")
        assert.strictEqual(tokens.expiresAt, 600_000)
        assert.deepStrictEqual(seen, [`POST ${AUTH_ORIGIN}/token`])
      }).pipe(Effect.provide(Layer.mergeAll(recording, logs.layer)))
    }
  )

  it.effect("names a missing configuration key", () =>
    Effect.gen(function* () {
      const target = oauthConnector({ pkce: false })
      const complete = yield* configure(target, oauthClient)
      const configuration = complete.with([["oauth.api.secret", null]])
      const error = yield* Effect.flip(Auth.exchangeCode(target, configuration, { code: "c" }))
      assert.strictEqual(error.reason._tag, "InvalidRequest")
      assert.strictEqual((error.reason as ConnectorError.InvalidRequest).field, "oauth.api.secret")
    })
  )
})

describe("Auth.clientCredentials", () => {
  it.effect("obtains a token and the manager reuses it until it is due", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 600 })
      const target = connector(AuthSpec.oauth2ClientCredentials(), {
        configuration: {
          "oauth.api.key": Param.secret(),
          "oauth.api.secret": Param.secret(),
          "oauth.token.url": Param.url({ default: `${AUTH_ORIGIN}/token` }),
          "oauth.scope": Param.text()
        }
      })
      const configuration = yield* configure(target, oauthClient)
      const direct = yield* Auth.clientCredentials(target, configuration)
      assert.strictEqual(Redacted.value(direct.accessToken), "access-1-T0K3N")
      assert.isUndefined(direct.refreshToken)

      const credentials = yield* Auth.make({ connector: target, configuration, instanceKey: "cc-1" })
      const first = yield* credentials.authenticate(request)
      const second = yield* credentials.authenticate(request)
      assert.strictEqual(reveal(first.secretHeaders).Authorization, "Bearer access-2-T0K3N")
      assert.strictEqual(reveal(second.secretHeaders).Authorization, "Bearer access-2-T0K3N")
      yield* TestClock.adjust(301_000)
      const third = yield* credentials.authenticate(request)
      assert.strictEqual(reveal(third.secretHeaders).Authorization, "Bearer access-3-T0K3N")
      assert.deepStrictEqual(server.state.grants, [
        "client_credentials",
        "client_credentials",
        "client_credentials"
      ])
    }).pipe(Effect.provide(testLayer(logs)))
  })
})

describe("Auth.make with static credentials", () => {
  it.effect("sends Basic credentials and configuration headers, skipping unset keys", () =>
    Effect.gen(function* () {
      const target = connector(AuthSpec.basic(), {
        headers: { "X-Business": "business.id", "X-Site": "site.id" },
        configuration: {
          username: Param.text(),
          password: Param.secret(),
          "business.id": Param.text(),
          "site.id": Param.text()
        }
      })
      const configuration = yield* configure(target, {
        username: "ada",
        password: PASSWORD,
        "business.id": "b-42"
      })
      const credentials = yield* Auth.make({ connector: target, configuration, instanceKey: "basic-1" })
      const authorized = yield* credentials.authenticate(request)
      const headers = reveal(authorized.secretHeaders)
      assert.strictEqual(headers.Authorization, `Basic ${Buffer.from(`ada:${PASSWORD}`).toString("base64")}`)
      assert.strictEqual(headers["X-Business"], "b-42")
      assert.isFalse("X-Site" in headers)
      assert.isFalse(yield* credentials.onUnauthorized(authorized))
      assert.isFalse(JSON.stringify(authorized).includes(PASSWORD))
    }).pipe(Effect.provide(TokenStore.layerMemory))
  )

  it.effect("sends an API key in a header with its prefix, or in the query", () =>
    Effect.gen(function* () {
      const params = { configuration: { "api.key": Param.secret() } }
      const inHeader = connector(
        AuthSpec.apiKey({ in: "header", name: "Authorization", key: "api.key", prefix: "Token token=" }),
        params
      )
      const inQuery = connector(AuthSpec.apiKey({ in: "query", name: "api_key", key: "api.key" }), params)
      const configuration = yield* configure(inHeader, { "api.key": API_KEY })
      const header = yield* (yield* Auth.make({
        connector: inHeader,
        configuration,
        instanceKey: "k1"
      })).authenticate(request)
      assert.strictEqual(reveal(header.secretHeaders).Authorization, `Token token=${API_KEY}`)
      const query = yield* (yield* Auth.make({
        connector: inQuery,
        configuration,
        instanceKey: "k2"
      })).authenticate(request)
      assert.deepStrictEqual(reveal(query.secretQuery), { api_key: API_KEY })
    }).pipe(Effect.provide(TokenStore.layerMemory))
  )

  it.effect("fails with Authentication naming an unset credential key", () =>
    Effect.gen(function* () {
      const target = connector(AuthSpec.basic(), {
        configuration: { username: Param.text(), password: Param.secret() }
      })
      const configuration = yield* configure(target, { username: "ada" })
      const credentials = yield* Auth.make({ connector: target, configuration, instanceKey: "basic-2" })
      const error = yield* Effect.flip(credentials.authenticate(request))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.include(error.message, "'password'")
      assert.strictEqual(error.operation, "list contacts")
    }).pipe(Effect.provide(TokenStore.layerMemory))
  )
})

describe("Auth.make with OAuth tokens", () => {
  const exchange = (server: ReturnType<typeof fakeOAuthServer>, instanceKey: string) =>
    Effect.gen(function* () {
      const target = oauthConnector({ pkce: false })
      const configuration = yield* configure(target, oauthClient)
      server.grantCode("code", CALLBACK)
      const tokens = yield* Auth.exchangeCode(target, configuration, { code: "code" })
      yield* TokenStore.use((store) => store.set(instanceKey, tokens))
      const credentials = yield* Auth.make({ connector: target, configuration, instanceKey })
      return { target, configuration, credentials }
    })

  it.effect("refreshes an hour-long token five minutes before expiry, not earlier", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      const { credentials } = yield* exchange(server, "i-hour")
      const token = (authorized: Auth.AuthorizedRequest) => reveal(authorized.secretHeaders).Authorization
      assert.strictEqual(token(yield* credentials.authenticate(request)), "Bearer access-1-T0K3N")
      yield* TestClock.adjust(54 * 60_000)
      assert.strictEqual(token(yield* credentials.authenticate(request)), "Bearer access-1-T0K3N")
      yield* TestClock.adjust(60_001)
      assert.strictEqual(token(yield* credentials.authenticate(request)), "Bearer access-2-T0K3N")
      assert.deepStrictEqual(server.state.grants, ["authorization_code", "refresh_token"])
      const stored = yield* TokenStore.use((store) => store.get("i-hour"))
      assert.isTrue(Option.isSome(stored))
      if (Option.isSome(stored)) {
        assert.strictEqual(
          stored.value.refreshToken && Redacted.value(stored.value.refreshToken),
          "refresh-2-R3FR3SH"
        )
      }
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("refreshes a five-minute token after half its lifetime, not on every call", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 300 })
      const { credentials } = yield* exchange(server, "i-short")
      // Calls every 30 s from 0 to 270 s: the token is due at 150 s, its successor at 300 s.
      for (let second = 0; second <= 270; second += 30) {
        yield* credentials.authenticate(request)
        yield* TestClock.adjust(30_000)
      }
      assert.deepStrictEqual(server.state.grants, ["authorization_code", "refresh_token"])
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("renews once after a 401 and reuses a token renewed meanwhile", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      const { credentials } = yield* exchange(server, "i-401")
      const rejected = yield* credentials.authenticate(request)
      server.expireAccess("access-1-T0K3N")
      const [a, b] = yield* Effect.all(
        [credentials.onUnauthorized(rejected), credentials.onUnauthorized(rejected)],
        {
          concurrency: "unbounded"
        }
      )
      assert.isTrue(a && b)
      const retried = yield* credentials.authenticate(request)
      assert.strictEqual(reveal(retried.secretHeaders).Authorization, "Bearer access-2-T0K3N")
      assert.deepStrictEqual(server.state.grants, ["authorization_code", "refresh_token"])
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("renews under a provided Auth.RefreshLock, keyed by the instance", () => {
    const logs = captureLogs()
    const local = Auth.makeLocalLock()
    const taken: Array<string> = []
    // What a program whose processes share one token store provides: here a recording wrapper.
    const lock: Auth.KeyedLock = {
      withLock: (key) => (effect) =>
        local.withLock(key)(
          Effect.andThen(
            Effect.sync(() => taken.push(key)),
            effect
          )
        )
    }
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      const { credentials } = yield* exchange(server, "i-locked")
      const rejected = yield* credentials.authenticate(request)
      server.expireAccess("access-1-T0K3N")
      yield* Effect.all([credentials.onUnauthorized(rejected), credentials.onUnauthorized(rejected)], {
        concurrency: "unbounded"
      })
      // Both renewals went through the lock; the second found the first's token in the store.
      assert.deepStrictEqual(taken, ["i-locked", "i-locked"])
      assert.deepStrictEqual(server.state.grants, ["authorization_code", "refresh_token"])
    }).pipe(Effect.provideService(Auth.RefreshLock, lock), Effect.provide(testLayer(logs)))
  })

  it.effect("surfaces invalid_grant on refresh as Authentication after re-reading the store", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      const { credentials } = yield* exchange(server, "i-revoked")
      const rejected = yield* credentials.authenticate(request)
      server.state.revoked = true
      const error = yield* Effect.flip(credentials.onUnauthorized(rejected))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.providerMessage, "invalid_grant: unknown refresh token")
      assert.include(error.message, "list contacts")
      assert.deepStrictEqual(server.state.grants, ["authorization_code", "refresh_token"])
      const secrets = [CLIENT_SECRET, "access-1-T0K3N", "refresh-1-R3FR3SH"]
      assert.isUndefined(leakedSecret([...textsOf(error), ...logs.lines], secrets))
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("believes an invalid_grant only after finding no rotation by another runner", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      const target = oauthConnector({ pkce: false })
      const configuration = yield* configure(target, oauthClient)
      // Our copy is expired; another runner already rotated to refresh-B / access-B.
      const ours = new TokenSet({
        accessToken: Redacted.make("access-A"),
        refreshToken: Redacted.make("refresh-A"),
        tokenType: "bearer",
        obtainedAt: -3_600_000,
        expiresAt: -1
      })
      const theirs = new TokenSet({
        accessToken: Redacted.make("access-B"),
        refreshToken: Redacted.make("refresh-B"),
        tokenType: "bearer",
        obtainedAt: 0,
        expiresAt: 3_600_000
      })
      server.seedRefresh("refresh-B", "access-B")
      let reads = 0
      const racing = TokenStore.of({
        get: () => Effect.sync(() => Option.some(++reads <= 2 ? ours : theirs)),
        set: () => Effect.void,
        delete: () => Effect.void
      })
      const credentials = yield* Auth.make({ connector: target, configuration, instanceKey: "i-race" }).pipe(
        Effect.provideService(TokenStore, racing)
      )
      const authorized = yield* credentials.authenticate(request)
      assert.strictEqual(reveal(authorized.secretHeaders).Authorization, "Bearer access-B")
      assert.deepStrictEqual(server.state.grants, ["refresh_token"])
      assert.isFalse(server.state.revoked)
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("seeds tokens from oauth.user.token when the store has none", () =>
    Effect.gen(function* () {
      const target = oauthConnector({ pkce: false })
      const configuration = yield* configure(target, {
        ...oauthClient,
        "oauth.user.token": "seeded-access",
        "oauth.user.refresh_token": "seeded-refresh"
      })
      const credentials = yield* Auth.make({ connector: target, configuration, instanceKey: "i-seed" })
      const authorized = yield* credentials.authenticate(request)
      assert.strictEqual(reveal(authorized.secretHeaders).Authorization, "Bearer seeded-access")
      const stored = yield* TokenStore.use((store) => store.get("i-seed"))
      assert.isTrue(Option.isSome(stored))
    }).pipe(Effect.provide(TokenStore.layerMemory))
  )

  it.effect("fails with Authentication when an instance has no tokens at all", () =>
    Effect.gen(function* () {
      const target = oauthConnector({ pkce: false })
      const configuration = yield* configure(target, oauthClient)
      const credentials = yield* Auth.make({ connector: target, configuration, instanceKey: "i-none" })
      const error = yield* Effect.flip(credentials.authenticate(request))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.include(error.message, "authorize it again")
    }).pipe(Effect.provide(TokenStore.layerMemory))
  )
})
