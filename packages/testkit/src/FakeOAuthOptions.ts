/**
 * The options and recorded values of the fake OAuth server (`FakeOAuthServer`): what a vendor configures (clients,
 * lifetimes, body formats, error answers, token answer shape) and what tests read back.
 */
import type { BodyFormat, FakeAnswer, UnreadableBody } from "./FakeHttp.js"

/** An OAuth client registered with the fake. */
export interface FakeOAuthClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Exact redirect URIs allowed at the authorize endpoint; empty or absent allows any absolute URI. */
  readonly redirectUris?: ReadonlyArray<string>
}

/** Lifetimes of the fake's credentials, in seconds. */
export interface FakeOAuthLifetimes {
  readonly code: number
  readonly accessToken: number
  /** Absent: refresh tokens never expire (they still rotate). */
  readonly refreshToken?: number
}

/** Why a grant was refused with `invalid_grant`; vendors word (and number) these differently. */
export type InvalidGrantReason =
  | "code-invalid"
  | "code-reused"
  | "redirect-mismatch"
  | "refresh-invalid"
  | "refresh-revoked"
  | "refresh-reused"
  | "refresh-expired"

/** How a client may authenticate at the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthentication = "client_secret_post" | "client_secret_basic"

/** What a fresh token pair is, for shaping the token answer. */
export interface IssuedTokens {
  readonly accessToken: string
  readonly refreshToken: string
  readonly family: string
  readonly clientId: string
  readonly scope: string | undefined
  /** Access token lifetime in seconds. */
  readonly expiresIn: number
  /** Refresh token lifetime in seconds, when they expire. */
  readonly refreshExpiresIn: number | undefined
  /** Issue time in epoch milliseconds. */
  readonly issuedAt: number
}

/** What the vendor-specific authorize checks decided: an error code, or the grant's scope and extra redirect parameters. */
export type AuthorizeDecision =
  | { readonly error: string }
  | { readonly scope?: string; readonly redirectParams?: Readonly<Record<string, string>> }

/** The kinds of random values the fake issues. */
export type SecretKind = "code" | "access" | "refresh" | "family"

/** Options of {@link FakeOAuthServer}; all but `clients` and `lifetimes` have defaults. */
export interface FakeOAuthServerOptions {
  readonly clients: ReadonlyArray<FakeOAuthClient>
  readonly lifetimes: FakeOAuthLifetimes
  /** The clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number
  /** Token endpoint body formats (default form and JSON). */
  readonly bodyFormats?: ReadonlyArray<BodyFormat>
  /**
   * The answer to a token request body in none of `bodyFormats` (or malformed JSON); undefined reads
   * it as having no fields. Default 400 `invalid_request`.
   */
  readonly unreadableBody?: (why: UnreadableBody) => FakeAnswer | undefined
  /** Accepted client authentication methods (default both; Basic wins when both are sent). */
  readonly clientAuthentication?: ReadonlyArray<ClientAuthentication>
  /** The answer when client authentication fails (default 401 `invalid_client`). */
  readonly invalidClient?: FakeAnswer
  /** The answer to a grant type other than the two supported (default 400 `unsupported_grant_type`). */
  readonly unsupportedGrantType?: FakeAnswer
  /** The answer to a refused grant (default 400 `invalid_grant` with a description of the reason). */
  readonly invalidGrant?: (reason: InvalidGrantReason) => FakeAnswer
  /** Replaying a used code revokes the tokens issued from it (RFC 6749 §4.1.2; default false: only refused). */
  readonly revokeOnCodeReuse?: boolean
  /** Presenting a rotated refresh token revokes its family (default true). */
  readonly revokeOnRefreshReuse?: boolean
  /** The scope of a code issued without one. */
  readonly defaultScope?: string
  /** The token answer's body (default `access_token`, `token_type`, `expires_in`, `refresh_token`, `scope`). */
  readonly tokenBody?: (issued: IssuedTokens) => Readonly<Record<string, unknown>>
  /** New random values (default 40 hex digits, prefixed `at_`, `rt_`, `fam_` for tokens and families). */
  readonly secret?: (kind: SecretKind) => string
  /** Authorize endpoint: the answer for an unknown `client_id` (default 400 `invalid_client`). */
  readonly unknownClient?: FakeAnswer
  /** Authorize endpoint: the answer for a missing, relative or unregistered redirect URI (default 400 `invalid_request`). */
  readonly badRedirect?: FakeAnswer
  /** Authorize endpoint: vendor checks after `response_type=code`, and the scope granted. */
  readonly authorize?: (params: URLSearchParams) => AuthorizeDecision
}

/** One authorize request: its parameters and the code issued, if any. */
export interface FakeAuthorization {
  readonly params: Readonly<Record<string, string>>
  readonly code: string | undefined
}

/** One token request: its grant type, redirect URI when sent, and the answer's status. */
export interface FakeTokenRequest {
  readonly grantType: string
  readonly redirectUri: string | undefined
  readonly status: number
}

/** How a bearer token stands. */
export type FakeTokenStatus = "valid" | "expired" | "unknown"
