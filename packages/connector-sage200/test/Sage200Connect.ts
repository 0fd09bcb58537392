/**
 * Connects the Sage 200 connector to a fake server the way the runner does: the seed's configuration
 * decoded, the authorization code exchanged, tokens stored, a `VendorHttp` client and a `Connection`
 * built over it.
 */
import { Auth, Configuration, Connection, type ConnectorError, TokenStore, VendorHttp } from "@plugboard/core"
import { Effect } from "effect"
import type { HttpClient } from "effect/http"
import { Sage200 } from "../src/index.js"
import type { FakeSage200 } from "../src/testing.js"
import { callbackUrl, seedInstanceConfiguration } from "./Sage200Seed.js"

let instances = 0

/** A connected test instance. */
export interface Connected {
  readonly connection: Connection.Connection
  readonly configuration: Configuration.Configuration
  readonly instanceKey: string
}

/** Connects a new instance; `extra` configuration goes on top of the seed's. */
export const connect = (
  fake: FakeSage200,
  extra: Readonly<Record<string, unknown>> = {}
): Effect.Effect<
  Connected,
  ConnectorError.ConnectorError | Configuration.ConfigurationError | TokenStore.TokenStoreError,
  TokenStore.TokenStore | HttpClient.HttpClient
> =>
  Effect.gen(function* () {
    const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri: callbackUrl })
    const configuration = yield* Configuration.decode(Sage200.configuration, {
      ...seedInstanceConfiguration(fake),
      ...extra
    })
    const tokens = yield* Auth.exchangeCode(Sage200, configuration, { code })
    const instanceKey = `sage200-test-${++instances}`
    const store = yield* TokenStore.TokenStore
    yield* store.set(instanceKey, tokens)
    const client = yield* VendorHttp.make({
      connector: Sage200,
      configuration,
      instanceKey,
      options: { burst: 1000, baseDelayMillis: 10 }
    })
    return {
      connection: Connection.make({ connector: Sage200, configuration, client }),
      configuration,
      instanceKey
    }
  })
