import { assert, describe, it } from "@effect/vitest"
import { Auth, AuthSpec, Ceql, Configuration, Connector, Paging, Resource } from "@plugboard/core"
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

describe("Auth redirect URIs", () => {
  it.effect("sends the same redirect_uri string in the authorize URL and the code exchange", () =>
    Effect.gen(function* () {
      nock.disableNetConnect()
      const configuration = yield* Configuration.decode(connector.configuration, {
        "oauth.api.key": "client",
        "oauth.api.secret": "secret",
        "oauth.callback.url": "https://mycoolapp.com"
      })
      const url = new URL(yield* Auth.authorizeUrl(connector, configuration, { state: "redirects" }))
      const sent = url.searchParams.get("redirect_uri")
      let exchanged: string | null = null
      nock("https://id.redirects.test")
        .post("/token", (body: Record<string, string>) => {
          exchanged = body["redirect_uri"] ?? null
          return true
        })
        .reply(200, { access_token: "a", token_type: "bearer", expires_in: 3600 })
      yield* Auth.exchangeCode(connector, configuration, { code: "c" })
      assert.strictEqual(exchanged, sent)
      assert.strictEqual(sent, "https://mycoolapp.com/")
      nock.cleanAll()
    })
  )
})
