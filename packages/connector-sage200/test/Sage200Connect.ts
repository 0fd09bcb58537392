/**
 * Connects the Sage 200 connector to a fake server the way the runner does: the seed's configuration
 * decoded, the authorization code exchanged and tokens stored by `Client.connect`.
 */
import type { Configuration, Connection, ConnectorError, TokenStore } from "@plugboard/core"
import { connectWithCode } from "@plugboard/testkit/fake-vendor"
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
  Effect.map(
    connectWithCode({
      connector: Sage200,
      oauth: fake.oauth,
      clientId: "test-client",
      redirectUri: callbackUrl,
      configuration: { ...seedInstanceConfiguration(fake), ...extra },
      instanceKey: `sage200-test-${++instances}`
    }),
    (client) => ({
      connection: client.connection,
      configuration: client.configuration,
      instanceKey: client.instanceKey
    })
  )
