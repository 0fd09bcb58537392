/**
 * How an element authenticates, as data: which strategy, which configuration keys hold the
 * credentials, and the vendor's endpoints (themselves configuration keys with defaults, so a caller
 * can point them at a sandbox or a test server). `Auth` turns a spec and a configuration into
 * request credentials at run time.
 */

/** HTTP Basic authentication from two configuration keys. */
export interface Basic {
  readonly _tag: "Basic"
  readonly usernameKey: string
  readonly passwordKey: string
}

/** An API key sent in a header or a query parameter. */
export interface ApiKey {
  readonly _tag: "ApiKey"
  readonly in: "header" | "query"
  /** Header or query parameter name. */
  readonly name: string
  /** Configuration key holding the key. */
  readonly key: string
  /** Text before the key in a header, e.g. `Bearer ` or `Token token=`. */
  readonly prefix?: string
}

/** Configuration keys naming the OAuth client and endpoints; defaults are the original platform's. */
export interface OAuthKeys {
  readonly clientIdKey: string
  readonly clientSecretKey: string
  readonly tokenUrlKey: string
  readonly scopeKey: string
}

/** OAuth 2.0 authorization code flow (RFC 6749 §4.1), with PKCE when the vendor supports it. */
export interface OAuth2Code extends OAuthKeys {
  readonly _tag: "OAuth2Code"
  readonly authorizationUrlKey: string
  readonly redirectUriKey: string
  /** Send a PKCE S256 challenge in the authorize URL and the verifier on code exchange. */
  readonly pkce: boolean
  /** Extra authorize URL parameters: fixed text, or `{configKey}` templates filled from configuration. */
  readonly authorizeParams: Readonly<Record<string, string>>
  /** How the client authenticates at the token endpoint. */
  readonly tokenEndpointAuth: "client_secret_post" | "client_secret_basic"
}

/** OAuth 2.0 client credentials (RFC 6749 §4.4). */
export interface OAuth2ClientCredentials extends OAuthKeys {
  readonly _tag: "OAuth2ClientCredentials"
  readonly tokenEndpointAuth: "client_secret_post" | "client_secret_basic"
}

/** No credentials (public APIs, or all in static headers). */
export interface None {
  readonly _tag: "None"
}

/** Every way an element can authenticate. */
export type Strategy = Basic | ApiKey | OAuth2Code | OAuth2ClientCredentials | None

/** The authentication of an element: one strategy plus headers filled from configuration. */
export interface AuthSpec {
  readonly strategy: Strategy
  /**
   * Headers sent on every vendor call, each from a configuration key (`{"X-Business": "business.id"}`);
   * a header whose key is unset is not sent.
   */
  readonly headers: Readonly<Record<string, string>>
}

const oauthDefaults = {
  clientIdKey: "oauth.api.key",
  clientSecretKey: "oauth.api.secret",
  tokenUrlKey: "oauth.token.url",
  scopeKey: "oauth.scope"
} as const

/** Basic auth from `username`/`password` keys (or the ones named). */
export const basic = (
  options: { readonly username?: string; readonly password?: string } = {}
): Strategy => ({
  _tag: "Basic",
  usernameKey: options.username ?? "username",
  passwordKey: options.password ?? "password"
})

/** An API key in a header or query parameter. */
export const apiKey = (options: Omit<ApiKey, "_tag">): Strategy => ({ _tag: "ApiKey", ...options })

/** OAuth 2.0 authorization code with the original platform's configuration keys by default. */
export const oauth2Code = (options: Partial<Omit<OAuth2Code, "_tag">> = {}): Strategy => ({
  _tag: "OAuth2Code",
  ...oauthDefaults,
  authorizationUrlKey: "oauth.authorization.url",
  redirectUriKey: "oauth.callback.url",
  pkce: false,
  authorizeParams: {},
  tokenEndpointAuth: "client_secret_post",
  ...options
})

/** OAuth 2.0 client credentials with the original platform's configuration keys by default. */
export const oauth2ClientCredentials = (
  options: Partial<Omit<OAuth2ClientCredentials, "_tag">> = {}
): Strategy => ({
  _tag: "OAuth2ClientCredentials",
  ...oauthDefaults,
  tokenEndpointAuth: "client_secret_post",
  ...options
})

/** No credentials. */
export const none: Strategy = { _tag: "None" }

/** The catalog's `authentication.type` for a strategy (contract.md §3). */
export const catalogType = (strategy: Strategy): "oauth2" | "basic" | "custom" => {
  switch (strategy._tag) {
    case "Basic":
      return "basic"
    case "OAuth2Code":
    case "OAuth2ClientCredentials":
      return "oauth2"
    default:
      return "custom"
  }
}
