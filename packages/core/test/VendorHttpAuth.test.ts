import { afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import nock from "nock"
import * as Auth from "../src/Auth.js"
import { makeMemory, TokenSet, TokenStore, TokenStoreError } from "../src/TokenStore.js"
import * as VendorHttp from "../src/VendorHttp.js"
import {
  API_ORIGIN,
  CLIENT_SECRET,
  captureLogs,
  drainCapturedLines,
  configure,
  fakeOAuthServer,
  type LogCapture,
  leakedSecret,
  oauthClient,
  oauthConnector,
  SECRETS,
  testLayer,
  textsOf
} from "./AuthFixtures.js"

const CALLBACK = "https://runner.test/elements/api-v2/oauth/callback"
const list = { method: "GET", path: "/contacts", operation: "list contacts" } as const

/** Every token the fake server issues carries one of these markers. */
const tokenMarkers = ["T0K3N", "R3FR3SH", CLIENT_SECRET]

beforeAll(() => {
  nock.disableNetConnect()
})

afterEach(() => {
  nock.cleanAll()
  const lines = drainCapturedLines()
  assert.isUndefined(leakedSecret(lines, SECRETS), "a secret reached a log line")
})

let instances = 0
const nextInstance = () => `vendor-http-auth-${++instances}`

/** Tokens whose access token expired an hour ago, with a refresh token the fake server accepts. */
const expiredTokens = () =>
  new TokenSet({
    accessToken: Redacted.make("access-0-T0K3N"),
    refreshToken: Redacted.make("refresh-0-R3FR3SH"),
    tokenType: "bearer",
    obtainedAt: -7_200_000,
    expiresAt: -3_600_000
  })

const oauthClientFor = (instanceKey: string) =>
  Effect.gen(function* () {
    const target = oauthConnector({ pkce: false })
    const configuration = yield* configure(target, oauthClient)
    return yield* VendorHttp.make({ connector: target, configuration, instanceKey })
  })

const assertNoSecrets = (logs: LogCapture, errors: ReadonlyArray<unknown> = []) => {
  const texts = [...logs.lines, ...errors.flatMap(textsOf)]
  assert.isUndefined(leakedSecret(texts, tokenMarkers), "a secret reached a log line or an error")
}

describe("VendorHttp with OAuth", () => {
  it.effect("50 concurrent calls on an expired token make exactly one token call", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      server.seedRefresh("refresh-0-R3FR3SH")
      const instanceKey = nextInstance()
      yield* TokenStore.use((store) => store.set(instanceKey, expiredTokens()))
      const client = yield* oauthClientFor(instanceKey)
      const responses = yield* Effect.all(
        Array.from({ length: 50 }, () => client.request(list)),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(responses.length, 50)
      assert.isTrue(responses.every((response) => response.status === 200))
      assert.strictEqual(server.state.tokenCalls, 1)
      assert.deepStrictEqual(server.state.grants, ["refresh_token"])
      assert.isFalse(server.state.revoked, "no refresh token was presented twice")
      assert.strictEqual(server.state.apiCalls, 50)
      assert.isTrue(server.state.apiTokens.every((token) => token === "access-1-T0K3N"))
      assert.strictEqual(logs.lines.filter((line) => line.includes("access token renewed")).length, 1)
      const stored = yield* TokenStore.use((store) => store.get(instanceKey))
      assert.strictEqual(
        Option.getOrUndefined(stored)?.refreshToken &&
          Redacted.value(Option.getOrThrow(stored).refreshToken!),
        "refresh-1-R3FR3SH"
      )
      assertNoSecrets(logs)
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("two clients of one instance share the refresh", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      server.seedRefresh("refresh-0-R3FR3SH")
      const instanceKey = nextInstance()
      yield* TokenStore.use((store) => store.set(instanceKey, expiredTokens()))
      const first = yield* oauthClientFor(instanceKey)
      const second = yield* oauthClientFor(instanceKey)
      yield* Effect.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).request(list)),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(server.state.grants, ["refresh_token"])
      assert.isFalse(server.state.revoked)
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("stores a rotated refresh token before the new access token is used", () => {
    const logs = captureLogs()
    const server = fakeOAuthServer({ expiresIn: 3600 })
    const events: Array<string> = []
    const recording = Layer.effect(
      TokenStore,
      Effect.gen(function* () {
        const inner = yield* makeMemory()
        return TokenStore.of({
          get: inner.get,
          delete: inner.delete,
          set: (key, tokens) =>
            Effect.sync(() => {
              const access = Redacted.value(tokens.accessToken)
              events.push(`stored ${access} (api saw it: ${server.state.apiTokens.includes(access)})`)
            }).pipe(Effect.andThen(inner.set(key, tokens)))
        })
      })
    )
    return Effect.gen(function* () {
      server.seedRefresh("refresh-0-R3FR3SH")
      const instanceKey = nextInstance()
      yield* TokenStore.use((store) => store.set(instanceKey, expiredTokens()))
      const client = yield* oauthClientFor(instanceKey)
      yield* client.request(list)
      assert.deepStrictEqual(events, [
        "stored access-0-T0K3N (api saw it: false)",
        "stored access-1-T0K3N (api saw it: false)"
      ])
      assert.deepStrictEqual(server.state.apiTokens, ["access-1-T0K3N"])
    }).pipe(Effect.provide(Layer.mergeAll(recording, FetchHttpClient.layer, logs.layer)))
  })

  it.effect("never uses a new access token whose refresh token could not be stored", () => {
    const logs = captureLogs()
    const failing = Layer.succeed(
      TokenStore,
      TokenStore.of({
        get: () => Effect.succeed(Option.some(expiredTokens())),
        set: (instanceKey) =>
          Effect.fail(new TokenStoreError({ instanceKey, message: "database unavailable" })),
        delete: () => Effect.void
      })
    )
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      server.seedRefresh("refresh-0-R3FR3SH")
      const client = yield* oauthClientFor(nextInstance())
      const exit = yield* Effect.exit(client.request(list))
      assert.isTrue(Exit.isFailure(exit))
      assert.deepStrictEqual(server.state.grants, ["refresh_token"])
      assert.strictEqual(server.state.apiCalls, 0)
    }).pipe(Effect.provide(Layer.mergeAll(failing, FetchHttpClient.layer, logs.layer)))
  })

  it.effect("refreshes once on a 401 and repeats the call", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      const target = oauthConnector({ pkce: false })
      const configuration = yield* configure(target, oauthClient)
      server.grantCode("code", CALLBACK)
      const tokens = yield* Auth.exchangeCode(target, configuration, { code: "code" })
      const instanceKey = nextInstance()
      yield* TokenStore.use((store) => store.set(instanceKey, tokens))
      // The vendor revoked the access token early; by our clock it is still valid.
      server.expireAccess("access-1-T0K3N")
      const client = yield* VendorHttp.make({ connector: target, configuration, instanceKey })
      const response = yield* client.request(list)
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(server.state.grants, ["authorization_code", "refresh_token"])
      assert.deepStrictEqual(server.state.apiTokens, ["access-1-T0K3N", "access-2-T0K3N"])
      assertNoSecrets(logs)
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("fails with Authentication when the refreshed token is refused too", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      let calls = 0
      // Registered before the fake server's catch-all API, so it answers first.
      nock(API_ORIGIN)
        .get("/v1/accounts")
        .times(3)
        .reply(() => {
          calls += 1
          return [
            401,
            { description: "Token revoked", expired: true },
            { "content-type": "application/json" }
          ]
        })
      const server = fakeOAuthServer({ expiresIn: 3600 })
      server.seedRefresh("refresh-0-R3FR3SH")
      const instanceKey = nextInstance()
      yield* TokenStore.use((store) =>
        store.set(instanceKey, new TokenSet({ ...expiredTokens(), obtainedAt: 0, expiresAt: 3_600_000 }))
      )
      const client = yield* oauthClientFor(instanceKey)
      const error = yield* Effect.flip(
        client.request({ ...list, path: "/accounts", operation: "list accounts" })
      )
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.status, 401)
      assert.strictEqual(error.providerMessage, "Token revoked")
      assert.strictEqual(calls, 2)
      assert.deepStrictEqual(server.state.grants, ["refresh_token"])
      assertNoSecrets(logs, [error])
    }).pipe(Effect.provide(testLayer(logs)))
  })

  it.effect("reports a revoked grant as Authentication without leaking a secret", () => {
    const logs = captureLogs()
    return Effect.gen(function* () {
      const server = fakeOAuthServer({ expiresIn: 3600 })
      server.seedRefresh("refresh-0-R3FR3SH")
      server.state.revoked = true
      const instanceKey = nextInstance()
      yield* TokenStore.use((store) => store.set(instanceKey, expiredTokens()))
      const client = yield* oauthClientFor(instanceKey)
      const error = yield* Effect.flip(client.request(list))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.providerMessage, "invalid_grant: unknown refresh token")
      assert.include(error.message, "list contacts")
      assert.isFalse(error.isRetryable)
      assert.strictEqual(server.state.apiCalls, 0)
      assertNoSecrets(logs, [error])
    }).pipe(Effect.provide(testLayer(logs)))
  })
})
