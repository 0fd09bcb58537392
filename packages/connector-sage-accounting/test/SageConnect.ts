/**
 * Connects the Sage Accounting connector to a fake server the way the runner does: the seed's
 * configuration decoded, the authorization code exchanged and tokens stored by `Client.connect`.
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
  Effect.gen(function* () {
    const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri: callbackUrl })
    const body = seedInstanceBody(fake, code)
    const client = yield* Client.connect({
      connector: SageAccounting,
      configuration: { ...body.configuration, ...extra },
      providerData: { code: body.providerData.code },
      instanceKey: `sage-test-${++instances}`,
      // Tests run many calls back to back; the vendor's pace is tested on its own.
      vendor: { burst: 1000, baseDelayMillis: 10 }
    })
    return {
      connection: client.connection,
      configuration: client.configuration,
      instanceKey: client.instanceKey
    }
  })
