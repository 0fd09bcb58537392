/**
 * Connects the Sendoso connector to a fake server the way the runner and library mode do: the
 * seed's configuration with the vendor endpoints pointed at the fake, the authorization code
 * exchanged (`Client.connect`), tokens in an in-memory store.
 */
import { Client, type Configuration, type ConnectorError, TokenStore, type VendorHttp } from "@plugboard/core"
import { Effect, Layer } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { Sendoso } from "../src/index.js"
import type { FakeSendoso } from "../src/testing.js"

/** The callback URL of the tests' instances. */
export const callbackUrl = "https://mycoolapp.com/oauth/callback"

/** The seed's sample configuration, with the vendor endpoints pointed at the fake (contract.md §4 allows that). */
export const seedConfiguration = (fake: FakeSendoso): Record<string, unknown> => ({
  "oauth.api.key": "test-client",
  "oauth.api.secret": "test-secret",
  "oauth.callback.url": callbackUrl,
  "base.url": fake.baseUrl,
  "oauth.authorization.url": fake.authorizationUrl,
  "oauth.token.url": fake.tokenUrl
})

let instances = 0

/** Vendor call tuning of the tests: fast retries; `burst` large unless a test checks the pace. */
export const fastVendor: VendorHttp.Options = { baseDelayMillis: 10, maxDelayMillis: 100, burst: 1000 }

/** Connects a new instance; `extra` configuration goes on top of the seed's. */
export const connect = (
  fake: FakeSendoso,
  extra: Readonly<Record<string, unknown>> = {},
  vendor: VendorHttp.Options = fastVendor
): Effect.Effect<
  Client.Client,
  ConnectorError.ConnectorError | Configuration.ConfigurationError | TokenStore.TokenStoreError,
  TokenStore.TokenStore | HttpClient.HttpClient
> =>
  Effect.gen(function* () {
    const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri: callbackUrl })
    instances += 1
    return yield* Client.connect({
      connector: Sendoso,
      configuration: { ...seedConfiguration(fake), ...extra },
      providerData: { code },
      instanceKey: `sendoso-test-${instances}`,
      vendor
    })
  })

/** Tokens in memory and the fetch client. */
export const services = Layer.mergeAll(TokenStore.TokenStore.layerMemory, FetchHttpClient.layer)
