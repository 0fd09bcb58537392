/**
 * The authorization server half of the fake Sage Accounting vendor: registered clients, single-use
 * authorization codes that live 60 seconds, short-lived bearer tokens and rotating refresh tokens
 * grouped in families — presenting a refresh token that was already rotated revokes its whole
 * family, as RFC 9700 §4.14.2 recommends and Sage does.
 */
import { randomBytes } from "node:crypto"

/** An OAuth client registered with the fake. */
export interface FakeClient {
  readonly clientId: string
  readonly clientSecret: string
  /** Exact redirect URIs allowed at the authorize endpoint; empty allows any. */
  readonly redirectUris?: ReadonlyArray<string>
}

/** Lifetimes of the fake's credentials, in seconds. */
export interface Lifetimes {
  readonly code: number
  readonly accessToken: number
  readonly refreshToken: number
}

/** A token endpoint answer: the JSON body and its HTTP status. */
export interface TokenAnswer {
  readonly status: number
  readonly body: Readonly<Record<string, unknown>>
}

interface Code {
  readonly clientId: string
  readonly redirectUri: string | undefined
  readonly scope: string
  readonly expiresAt: number
  used: boolean
  family: string | undefined
}

interface Family {
  readonly clientId: string
  readonly scope: string
  revoked: boolean
}

interface AccessToken {
  readonly family: string
  expiresAt: number
}

interface RefreshToken {
  readonly family: string
  readonly expiresAt: number
  used: boolean
}

/** What an authorize request asked for, recorded for tests. */
export interface Authorization {
  readonly params: Readonly<Record<string, string>>
  readonly code: string | undefined
}

const token = (prefix: string): string => `${prefix}${randomBytes(20).toString("hex")}`

/** The fake authorization server's state and rules. */
export class FakeSageOAuth {
  /** Every authorize request received, in order. */
  readonly authorizations: Array<Authorization> = []
  /** Every token request received (grant type, redirect URI when sent, and outcome), in order. */
  readonly tokenRequests: Array<{
    readonly grantType: string
    readonly redirectUri: string | undefined
    readonly status: number
  }> = []
  private readonly codes = new Map<string, Code>()
  private readonly families = new Map<string, Family>()
  private readonly accessTokens = new Map<string, AccessToken>()
  private readonly refreshTokens = new Map<string, RefreshToken>()

  constructor(
    readonly clients: ReadonlyArray<FakeClient>,
    readonly lifetimes: Lifetimes,
    private readonly now: () => number
  ) {}

  /** The registered client with this id. */
  client(clientId: string): FakeClient | undefined {
    return this.clients.find((c) => c.clientId === clientId)
  }

  /**
   * Issues an authorization code as if a user had approved the app (what the authorize endpoint
   * does after its checks); tests use it to skip the browser.
   */
  issueCode(options: {
    readonly clientId: string
    readonly redirectUri?: string
    readonly scope?: string
  }): string {
    const code = token("")
    this.codes.set(code, {
      clientId: options.clientId,
      redirectUri: options.redirectUri,
      scope: options.scope ?? "full_access",
      expiresAt: this.now() + this.lifetimes.code * 1000,
      used: false,
      family: undefined
    })
    return code
  }

  /** Exchanges an authorization code (`grant_type=authorization_code`). */
  exchangeCode(client: FakeClient, code: string | undefined, redirectUri: string | undefined): TokenAnswer {
    const found = code === undefined ? undefined : this.codes.get(code)
    if (found === undefined || found.clientId !== client.clientId || found.expiresAt <= this.now()) {
      return invalidGrant("the authorization code is invalid or expired")
    }
    if (found.used) {
      // A replayed code may have been stolen: everything issued from it goes (RFC 6749 §4.1.2).
      if (found.family !== undefined) this.revoke(found.family)
      return invalidGrant("the authorization code was already used")
    }
    if (found.redirectUri !== undefined && found.redirectUri !== redirectUri) {
      return invalidGrant("redirect_uri does not match the authorization request")
    }
    found.used = true
    const family = token("fam_")
    found.family = family
    this.families.set(family, { clientId: client.clientId, scope: found.scope, revoked: false })
    return this.issue(family)
  }

  /** Rotates a refresh token (`grant_type=refresh_token`); reuse of a rotated one revokes the family. */
  refresh(client: FakeClient, refreshToken: string | undefined): TokenAnswer {
    const found = refreshToken === undefined ? undefined : this.refreshTokens.get(refreshToken)
    const family = found === undefined ? undefined : this.families.get(found.family)
    if (found === undefined || family === undefined || family.clientId !== client.clientId) {
      return invalidGrant("the refresh token is invalid")
    }
    if (family.revoked) return invalidGrant("the refresh token was revoked")
    if (found.used) {
      this.revoke(found.family)
      return invalidGrant("the refresh token was already used; its token family is revoked")
    }
    if (found.expiresAt <= this.now()) return invalidGrant("the refresh token expired")
    found.used = true
    return this.issue(found.family)
  }

  /** Whether a bearer token is valid now. */
  check(accessToken: string): "valid" | "expired" | "unknown" {
    const found = this.accessTokens.get(accessToken)
    if (found === undefined || this.families.get(found.family)?.revoked !== false) return "unknown"
    return found.expiresAt <= this.now() ? "expired" : "valid"
  }

  /** Expires every access token issued so far, as if their lifetime had passed. */
  expireAccessTokens(): void {
    const now = this.now()
    for (const entry of this.accessTokens.values()) entry.expiresAt = Math.min(entry.expiresAt, now)
  }

  /** Revokes a token family: its access and refresh tokens stop working. */
  revoke(family: string): void {
    const found = this.families.get(family)
    if (found !== undefined) found.revoked = true
  }

  /** How many token families were revoked (reuse detection fired). */
  get revokedFamilies(): number {
    return [...this.families.values()].filter((f) => f.revoked).length
  }

  /** The refresh tokens currently usable (not rotated, not revoked, not expired). */
  liveRefreshTokens(): ReadonlyArray<string> {
    const now = this.now()
    return [...this.refreshTokens.entries()]
      .filter(([, t]) => !t.used && t.expiresAt > now && this.families.get(t.family)?.revoked === false)
      .map(([value]) => value)
  }

  private issue(family: string): TokenAnswer {
    const now = this.now()
    const access = token("at_")
    const refresh = token("rt_")
    this.accessTokens.set(access, { family, expiresAt: now + this.lifetimes.accessToken * 1000 })
    this.refreshTokens.set(refresh, {
      family,
      expiresAt: now + this.lifetimes.refreshToken * 1000,
      used: false
    })
    return {
      status: 200,
      body: {
        access_token: access,
        expires_in: this.lifetimes.accessToken,
        token_type: "bearer",
        refresh_token: refresh,
        refresh_token_expires_in: this.lifetimes.refreshToken,
        scope: this.families.get(family)?.scope ?? "full_access",
        requested_by_id: family.slice(4, 20)
      }
    }
  }
}

const invalidGrant = (description: string): TokenAnswer => ({
  status: 400,
  body: { error: "invalid_grant", error_description: description }
})
