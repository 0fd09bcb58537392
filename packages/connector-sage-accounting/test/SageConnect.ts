/**
 * Connects the Sage Accounting connector to a fake server the way the runner does: the seed's
 * configuration decoded, the authorization code exchanged and tokens stored by `Client.connect`.
 */
import type { Configuration, Connection, ConnectorError, TokenStore } from "@plugboard/core"
import { connectWithCode } from "@plugboard/testkit/fake-vendor"
import { Effect } from "effect"
import type { HttpClient } from "effect/http"
import { SageAccounting } from "../src/index.js"
import type { FakeSageAccounting } from "../src/testing.js"
import { callbackUrl, seedInstanceBody } from "./SageSeed.js"

let instances = 0

/** A connected test instance. */
export interface Connected {
  readonly connection: Connection.Connection
  readonly configuration: Configuration.Configuration
  readonly instanceKey: string
}

/** Connects a new instance; `extra` configuration goes on top of the seed's (e.g. `business.id`). */
export const connect = (
  fake: FakeSageAccounting,
  extra: Readonly<Record<string, unknown>> = {}
): Effect.Effect<
  Connected,
  ConnectorError.ConnectorError | Configuration.ConfigurationError | TokenStore.TokenStoreError,
  TokenStore.TokenStore | HttpClient.HttpClient
> =>
  Effect.map(
    connectWithCode({
      connector: SageAccounting,
      oauth: fake.oauth,
      clientId: "test-client",
      redirectUri: callbackUrl,
      configuration: { ...seedInstanceBody(fake, "").configuration, ...extra },
      instanceKey: `sage-test-${++instances}`,
      // Tests run many calls back to back; the vendor's pace is tested on its own.
      vendor: { burst: 1000, baseDelayMillis: 10 }
    }),
    (client) => ({
      connection: client.connection,
      configuration: client.configuration,
      instanceKey: client.instanceKey
    })
  )
