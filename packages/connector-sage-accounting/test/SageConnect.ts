/**
 * Connects the Sage Accounting connector to a fake server the way the runner does: the seed's
 * configuration decoded, the authorization code exchanged, tokens stored, a `VendorHttp` client and a
 * `Connection` built over it.
 */
import { Auth, Configuration, Connection, type ConnectorError, TokenStore, VendorHttp } from "@plugboard/core"
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
    const configuration = yield* Configuration.decode(SageAccounting.configuration, {
      ...body.configuration,
      ...extra
    })
    const tokens = yield* Auth.exchangeCode(SageAccounting, configuration, { code: body.providerData.code })
    const instanceKey = `sage-test-${++instances}`
    const store = yield* TokenStore.TokenStore
    yield* store.set(instanceKey, tokens)
    const client = yield* VendorHttp.make({
      connector: SageAccounting,
      configuration,
      instanceKey,
      // Tests run many calls back to back; the vendor's pace is tested on its own.
      options: { burst: 1000, baseDelayMillis: 10 }
    })
    return {
      connection: Connection.make({ connector: SageAccounting, configuration, client }),
      configuration,
      instanceKey
    }
  })
