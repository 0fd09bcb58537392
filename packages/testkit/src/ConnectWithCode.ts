/**
 * Connects an OAuth connector to its fake vendor the way the runner creates an instance from
 * `providerData.code`: the fake's OAuth server issues a code as if a user had approved the app
 * (no browser), and core's `Client.connect` decodes the configuration, exchanges the code and
 * stores the tokens. Connector tests use it instead of each writing the same steps.
 */
import { Client, type Configuration, type ConnectorError, type TokenStore } from "@plugboard/core"
import type { Effect } from "effect"
import type { HttpClient } from "effect/http"
import type { FakeOAuthServer } from "./FakeOAuthServer.js"

/** Options of {@link connectWithCode}. */
export interface ConnectWithCodeOptions
  extends Omit<Client.ConnectOptions, "providerData" | "configuration"> {
  /** The fake vendor's OAuth server. */
  readonly oauth: FakeOAuthServer
  /** The OAuth client the code is issued to, and the redirect URI it was "authorized" with. */
  readonly clientId: string
  readonly redirectUri: string
  /** The instance configuration; must name the same client and redirect URI. */
  readonly configuration: Readonly<Record<string, unknown>>
}

/** Issues a code at the fake and connects with it. */
export const connectWithCode = (
  options: ConnectWithCodeOptions
): Effect.Effect<
  Client.Client,
  Configuration.ConfigurationError | ConnectorError.ConnectorError | TokenStore.TokenStoreError,
  TokenStore.TokenStore | HttpClient.HttpClient
> => {
  const { oauth, clientId, redirectUri, ...connect } = options
  const code = oauth.issueCode({ clientId, redirectUri })
  return Client.connect({ ...connect, providerData: { code } })
}
