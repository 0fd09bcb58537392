import { assert, describe, it } from "@effect/vitest"
import { Auth, Configuration, TokenStore } from "@plugboard/core"
import { Effect, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { SageAccounting } from "../src/index.js"
import { fakeSageAccounting } from "../src/testing.js"
import { callbackUrl, seedInstanceBody } from "./SageSeed.js"

const decodeSeed = (body: ReturnType<typeof seedInstanceBody>) =>
  Configuration.decode(SageAccounting.configuration, body.configuration)

/** Follows the authorize URL as the user's browser would and reads the code off the redirect. */
const approve = (authorizeUrl: string) =>
  Effect.promise(async () => {
    const response = await fetch(authorizeUrl, { redirect: "manual" })
    return new URL(response.headers.get("location") ?? "")
  })

describe("Sage Accounting OAuth", () => {
  it.effect("builds Sage's authorize URL with filter=apiv3.1, country, scope and state", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const configuration = yield* decodeSeed(seedInstanceBody(fake, "unused"))
      const url = new URL(yield* Auth.authorizeUrl(SageAccounting, configuration, { state: "sageone" }))
      assert.strictEqual(url.origin + url.pathname, `${fake.url}/oauth2/auth/central`)
      assert.strictEqual(url.searchParams.get("filter"), "apiv3.1")
      assert.strictEqual(url.searchParams.get("country"), "US")
      assert.strictEqual(url.searchParams.get("scope"), "full_access")
      assert.strictEqual(url.searchParams.get("client_id"), "test-client")
      assert.strictEqual(url.searchParams.get("response_type"), "code")
      assert.strictEqual(url.searchParams.get("state"), "sageone")
      const back = yield* approve(url.href)
      assert.strictEqual(back.searchParams.get("state"), "sageone")
      assert.isString(back.searchParams.get("code"))
    })
  )

  it.effect("leaves country out of the authorize URL when it is not configured", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const body = seedInstanceBody(fake, "unused")
      const { country: _country, ...rest } = body.configuration
      const configuration = yield* Configuration.decode(SageAccounting.configuration, rest)
      const url = new URL(yield* Auth.authorizeUrl(SageAccounting, configuration, { state: "s" }))
      assert.isFalse(url.searchParams.has("country"))
      assert.strictEqual(url.searchParams.get("filter"), "apiv3.1")
    })
  )

  it.effect("creating an instance from the seed's body exchanges providerData.code", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const draft = yield* decodeSeed(seedInstanceBody(fake, "unused"))
      const back = yield* approve(yield* Auth.authorizeUrl(SageAccounting, draft, { state: "sageone" }))
      const body = seedInstanceBody(fake, back.searchParams.get("code") ?? "")
      const configuration = yield* decodeSeed(body)
      const tokens = yield* Auth.exchangeCode(SageAccounting, configuration, { code: body.providerData.code })
      assert.strictEqual(tokens.tokenType, "bearer")
      assert.isDefined(tokens.refreshToken)
      assert.strictEqual((tokens.expiresAt ?? 0) - (tokens.obtainedAt ?? 0), 300_000)
      assert.strictEqual(tokens.extra?.["refresh_token_expires_in"], 31 * 24 * 3600)
      assert.deepStrictEqual(
        fake.oauth.tokenRequests.map((r) => [r.grantType, r.status]),
        [["authorization_code", 200]]
      )

      // The code is single use: creating a second instance with it fails as the vendor says.
      const again = yield* Effect.flip(
        Auth.exchangeCode(SageAccounting, configuration, { code: body.providerData.code })
      )
      assert.strictEqual(again.reason._tag, "Authentication")
      assert.match(again.providerMessage ?? again.message, /already used|invalid_grant/)
    })
  )

  it.effect("a bad code is refused with invalid_grant", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const configuration = yield* decodeSeed(seedInstanceBody(fake, "nope"))
      const error = yield* Effect.flip(Auth.exchangeCode(SageAccounting, configuration, { code: "nope" }))
      assert.strictEqual(error.reason._tag, "Authentication")
      assert.strictEqual(error.status, 400)
    })
  )

  it.effect("refreshes an expiring access token and keeps the rotated refresh token", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri: callbackUrl })
      const configuration = yield* decodeSeed(seedInstanceBody(fake, code))
      const first = yield* Auth.exchangeCode(SageAccounting, configuration, { code })
      const store = yield* TokenStore.TokenStore
      yield* store.set("instance-1", first)
      const credentials = yield* Auth.make({
        connector: SageAccounting,
        configuration,
        instanceKey: "instance-1"
      })
      const request = { method: "GET" as const, path: "/contacts", operation: "list customers" }

      const before = yield* credentials.authenticate(request)
      assert.strictEqual(Redacted.value(before.accessToken!), Redacted.value(first.accessToken))

      // Past half of the 5-minute lifetime the token is due: one refresh, and the rotated token is stored.
      yield* TestClock.adjust("151 seconds")
      const after = yield* credentials.authenticate(request)
      assert.notStrictEqual(Redacted.value(after.accessToken!), Redacted.value(first.accessToken))
      const stored = Option.getOrThrow(yield* store.get("instance-1"))
      assert.notStrictEqual(Redacted.value(stored.refreshToken!), Redacted.value(first.refreshToken!))
      assert.deepStrictEqual(fake.oauth.liveRefreshTokens(), [Redacted.value(stored.refreshToken!)])
      assert.strictEqual(fake.oauth.revokedFamilies, 0)
      assert.strictEqual(after.secretHeaders["Ocp-Apim-Subscription-Key"]?.pipe(Redacted.value), "apim-key")
      assert.isUndefined(after.secretHeaders["X-Business"])
    }).pipe(Effect.provide(TokenStore.TokenStore.layerMemory))
  )

  it.effect("a 401 on an expired token refreshes once and the request can be sent again", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri: callbackUrl })
      const configuration = yield* decodeSeed(seedInstanceBody(fake, code))
      const store = yield* TokenStore.TokenStore
      yield* store.set("i", yield* Auth.exchangeCode(SageAccounting, configuration, { code }))
      const credentials = yield* Auth.make({ connector: SageAccounting, configuration, instanceKey: "i" })
      const send = (authorized: Auth.AuthorizedRequest) =>
        Effect.promise(() =>
          fetch(`${fake.baseUrl}${authorized.path}`, {
            headers: Object.fromEntries(
              Object.entries(authorized.secretHeaders).map(([name, value]) => [name, Redacted.value(value)])
            )
          }).then((r) => r.status)
        )
      const request = { method: "GET" as const, path: "/contacts", operation: "list customers" }

      fake.oauth.expireAccessTokens()
      const rejected = yield* credentials.authenticate(request)
      assert.strictEqual(yield* send(rejected), 401)
      assert.isTrue(yield* credentials.onUnauthorized(rejected))
      assert.strictEqual(yield* send(yield* credentials.authenticate(request)), 200)
      assert.deepStrictEqual(
        fake.oauth.tokenRequests.map((r) => r.grantType),
        ["authorization_code", "refresh_token"]
      )
    }).pipe(Effect.provide(TokenStore.TokenStore.layerMemory))
  )
})
