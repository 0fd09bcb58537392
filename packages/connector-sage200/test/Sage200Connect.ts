/**
 * Connects the Sage 200 connector to a fake server the way the runner does: the seed's configuration
 * decoded, the authorization code exchanged and tokens stored by `Client.connect`.
 */
import {
  Client,
  type Configuration,
  type Connection,
  type ConnectorError,
  type TokenStore
} from "@plugboard/core"
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
    const client = yield* Client.connect({
      connector: Sage200,
      configuration: { ...seedInstanceConfiguration(fake), ...extra },
      providerData: { code: code },
      instanceKey: `sage200-test-${++instances}`,
      vendor: { burst: 1000, baseDelayMillis: 10 }
    })
    return {
      connection: client.connection,
      configuration: client.configuration,
      instanceKey: client.instanceKey
    }
  })
