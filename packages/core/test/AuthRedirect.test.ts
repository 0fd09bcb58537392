/**
 * The redirect URI of the authorization code flow: the caller's string goes unchanged into both the
 * authorize URL and the token request (vendors compare them exactly, RFC 6749 §4.1.3), a query is
 * accepted in both, a fragment or a non-http(s) URL is refused in both, naming the key.
 */
import { afterEach, assert, beforeAll, describe, it } from "@effect/vitest"
import {
  Auth,
  AuthSpec,
  Ceql,
  Configuration,
  Connector,
  type ConnectorError,
  Paging,
  Resource
} from "@plugboard/core"
import { Effect } from "effect"
import nock from "nock"

const connector = Connector.make({
  key: "redirects",
  id: 9001,
  name: "Redirects",
  description: "OAuth element for redirect URI tests",
  hub: "general",
  baseUrl: "https://api.redirects.test",
  auth: AuthSpec.oauth2Code(),
  configuration: Connector.oauthParams({
    authorizationUrl: "https://id.redirects.test/authorize",
    tokenUrl: "https://id.redirects.test/token"
  }),
  paging: Paging.single(),
  query: Ceql.Translate.none,
  resources: { things: Resource.make({ path: "/things", id: "id" }) }
})

const configure = (callbackUrl: string | null) =>
  Configuration.decode(connector.configuration, {
    "oauth.api.key": "client",
    "oauth.api.secret": "secret",
    "oauth.callback.url": callbackUrl
  })

/** Runs the authorize URL and the code exchange; answers the redirect_uri each sent. */
const roundTrip = (configuration: Configuration.Configuration, redirectUri?: string) =>
  Effect.gen(function* () {
    const options = redirectUri === undefined ? {} : { redirectUri }
    const url = new URL(
      yield* Auth.authorizeUrl(connector, configuration, { state: "redirects", ...options })
    )
    const token: { redirectUri: string | null } = { redirectUri: null }
    nock("https://id.redirects.test")
      .post("/token", (body: Record<string, string>) => {
        token.redirectUri = body["redirect_uri"] ?? null
        return true
      })
      .reply(200, { access_token: "a", token_type: "bearer", expires_in: 3600 })
    yield* Auth.exchangeCode(connector, configuration, { code: "c", ...options })
    return { authorized: url.searchParams.get("redirect_uri"), exchanged: token.redirectUri }
  })

const fieldOf = (error: ConnectorError.ConnectorError) =>
  error.reason._tag === "InvalidRequest" ? error.reason.field : undefined

beforeAll(() => {
  nock.disableNetConnect()
})

afterEach(() => {
  nock.cleanAll()
})

describe("Auth redirect URIs", () => {
  it.effect("sends the caller's string unchanged in the authorize URL and the code exchange", () =>
    Effect.gen(function* () {
      // The seed's bare origin: no trailing slash may be added, vendors compare exactly.
      const bare = yield* roundTrip(yield* configure("https://mycoolapp.com"))
      assert.deepStrictEqual(bare, {
        authorized: "https://mycoolapp.com",
        exchanged: "https://mycoolapp.com"
      })
      const given = yield* roundTrip(yield* configure(null), "https://app.example/cb/")
      assert.deepStrictEqual(given, {
        authorized: "https://app.example/cb/",
        exchanged: "https://app.example/cb/"
      })
    })
  )

  it.effect("accepts a query component in both (RFC 6749 §3.1.2)", () =>
    Effect.gen(function* () {
      const withQuery = "https://app.example/cb?tenant=acme&x=%20y"
      const sent = yield* roundTrip(yield* configure(withQuery))
      assert.deepStrictEqual(sent, { authorized: withQuery, exchanged: withQuery })
      const given = yield* roundTrip(yield* configure(null), withQuery)
      assert.deepStrictEqual(given, { authorized: withQuery, exchanged: withQuery })
    })
  )

  it.effect("refuses a fragment in both, naming oauth.callback.url", () =>
    Effect.gen(function* () {
      const configuration = yield* configure("https://app.example/cb#done")
      const authorize = yield* Effect.flip(Auth.authorizeUrl(connector, configuration, { state: "s" }))
      const exchange = yield* Effect.flip(Auth.exchangeCode(connector, configuration, { code: "c" }))
      for (const error of [authorize, exchange]) {
        assert.strictEqual(error.reason._tag, "InvalidRequest")
        assert.strictEqual(fieldOf(error), "oauth.callback.url")
        assert.include(error.message, "'oauth.callback.url' must not contain a fragment")
      }
      const given = yield* Effect.flip(
        Auth.exchangeCode(connector, yield* configure(null), {
          code: "c",
          redirectUri: "https://a.example/#x"
        })
      )
      assert.strictEqual(fieldOf(given), "oauth.callback.url")
    })
  )

  it.effect("refuses a relative or non-http(s) redirect URI and a missing one", () =>
    Effect.gen(function* () {
      const unset = yield* configure(null)
      const relative = yield* Effect.flip(
        Auth.authorizeUrl(connector, unset, { state: "s", redirectUri: "/oauth/callback" })
      )
      assert.include(relative.message, "must be an absolute URL")
      const scheme = yield* Effect.flip(
        Auth.exchangeCode(connector, unset, { code: "c", redirectUri: "ftp://files.example/cb" })
      )
      assert.include(scheme.message, "must be an http or https URL")
      const missing = yield* Effect.flip(Auth.exchangeCode(connector, unset, { code: "c" }))
      assert.include(missing.message, "'oauth.callback.url' is not set")
      for (const error of [relative, scheme, missing])
        assert.strictEqual(fieldOf(error), "oauth.callback.url")
    })
  )
})
