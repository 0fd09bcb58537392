/**
 * The authorization server half of the fake Sendoso: registered clients, single-use authorization
 * codes, two-hour bearer tokens and refresh tokens that rotate — a refresh returns a new refresh
 * token and retires the one presented, which then fails with `invalid_grant` — and revocation.
 * Answers have the shapes of Sendoso's OAuth server (`{access_token, token_type, expires_in,
 * refresh_token, scope, created_at}`; errors `{error, error_description}`).
 */
import { randomBytes } from "node:crypto"

/** An OAuth client registered with the fake. */
export interface FakeClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Exact redirect URIs allowed; empty or absent allows any absolute URI. */
  readonly redirectUris?: ReadonlyArray<string>
}

/** The scopes Sendoso defines. */
export const scopes: ReadonlyArray<string> = ["public", "write", "update", "marketplace", "smartsend"]

/** A token endpoint answer: status and JSON body. */
export interface TokenAnswer {
  readonly status: number
  readonly body: Readonly<Record<string, unknown>>
}

/** How a bearer token stands. */
export type TokenStatus = "valid" | "expired" | "unknown"

interface Code {
  readonly clientId: string
  readonly redirectUri: string
  readonly scope: string
  readonly expiresAt: number
  used: boolean
}

interface Grant {
  readonly clientId: string
  readonly scope: string
}

interface Access {
  readonly grant: Grant
  expiresAt: number
  revoked: boolean
}

interface Refresh {
  readonly grant: Grant
  retired: boolean
}

/** One token request, recorded for tests. */
export interface TokenRequest {
  readonly grantType: string
  readonly redirectUri: string | undefined
  readonly status: number
}

const secret = (prefix: string): string => `${prefix}${randomBytes(24).toString("base64url")}`

const invalidGrant: TokenAnswer = {
  status: 400,
  body: {
    error: "invalid_grant",
    error_description:
      "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI " +
      "used in the authorization request, or was issued to another client."
  }
}

/** The fake authorization server's state and rules. */
export class FakeSendosoOAuth {
  /** Every authorize request's parameters, in order. */
  readonly authorizations: Array<Readonly<Record<string, string>>> = []
  /** Every token request, in order. */
  readonly tokenRequests: Array<TokenRequest> = []
  private readonly codes = new Map<string, Code>()
  private readonly accessTokens = new Map<string, Access>()
  private readonly refreshTokens = new Map<string, Refresh>()

  constructor(
    readonly clients: ReadonlyArray<FakeClient>,
    /** Access token lifetime in seconds. */
    readonly accessTokenSeconds: number,
    private readonly now: () => number
  ) {}

  /** The registered client with this id. */
  client(clientId: string): FakeClient | undefined {
    return this.clients.find((c) => c.clientId === clientId)
  }

  /** Whether `redirectUri` may receive codes for `client`. */
  allowsRedirect(client: FakeClient, redirectUri: string): boolean {
    if (!URL.canParse(redirectUri)) return false
    return (
      client.redirectUris === undefined ||
      client.redirectUris.length === 0 ||
      client.redirectUris.includes(redirectUri)
    )
  }

  /**
   * Issues an authorization code as if the user had approved the app; valid for ten minutes, once.
   * Tests use it to skip the browser.
   */
  issueCode(options: {
    readonly clientId: string
    readonly redirectUri: string
    readonly scope?: string
  }): string {
    const code = secret("")
    this.codes.set(code, {
      clientId: options.clientId,
      redirectUri: options.redirectUri,
      scope: options.scope ?? scopes.join(" "),
      expiresAt: this.now() + 600_000,
      used: false
    })
    return code
  }

  /** `grant_type=authorization_code`: the code must be unused, unexpired, and for this client and redirect URI. */
  exchangeCode(client: FakeClient, code: string | undefined, redirectUri: string | undefined): TokenAnswer {
    const found = code === undefined ? undefined : this.codes.get(code)
    if (
      found === undefined ||
      found.used ||
      found.clientId !== client.clientId ||
      found.expiresAt <= this.now() ||
      found.redirectUri !== redirectUri
    ) {
      return invalidGrant
    }
    found.used = true
    return this.issue({ clientId: client.clientId, scope: found.scope })
  }

  /** `grant_type=refresh_token`: a live refresh token gives new tokens and is retired. */
  refresh(client: FakeClient, refreshToken: string | undefined): TokenAnswer {
    const found = refreshToken === undefined ? undefined : this.refreshTokens.get(refreshToken)
    if (found === undefined || found.retired || found.grant.clientId !== client.clientId) return invalidGrant
    found.retired = true
    return this.issue(found.grant)
  }

  /** Revokes an access or refresh token (RFC 7009: unknown tokens are not an error). */
  revoke(token: string): void {
    const access = this.accessTokens.get(token)
    if (access !== undefined) access.revoked = true
    const refresh = this.refreshTokens.get(token)
    if (refresh !== undefined) refresh.retired = true
  }

  /** How a bearer token stands now. */
  check(accessToken: string): TokenStatus {
    const found = this.accessTokens.get(accessToken)
    if (found === undefined || found.revoked) return "unknown"
    return found.expiresAt <= this.now() ? "expired" : "valid"
  }

  /** The client a valid bearer token was issued to. */
  clientOf(accessToken: string): string | undefined {
    return this.accessTokens.get(accessToken)?.grant.clientId
  }

  /** Expires every access token issued so far, as if two hours had passed. */
  expireAccessTokens(): void {
    const now = this.now()
    for (const token of this.accessTokens.values()) token.expiresAt = Math.min(token.expiresAt, now)
  }

  /** The refresh tokens that still work. */
  liveRefreshTokens(): ReadonlyArray<string> {
    return [...this.refreshTokens.entries()].filter(([, t]) => !t.retired).map(([token]) => token)
  }

  private issue(grant: Grant): TokenAnswer {
    const access = secret("")
    const refresh = secret("")
    this.accessTokens.set(access, {
      grant,
      expiresAt: this.now() + this.accessTokenSeconds * 1000,
      revoked: false
    })
    this.refreshTokens.set(refresh, { grant, retired: false })
    return {
      status: 200,
      body: {
        access_token: access,
        token_type: "Bearer",
        expires_in: this.accessTokenSeconds,
        refresh_token: refresh,
        scope: grant.scope,
        created_at: Math.floor(this.now() / 1000)
      }
    }
  }
}
