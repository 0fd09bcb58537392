/**
 * The Sage ID half of the fake Sage 200 vendor: registered clients, single-use authorization codes,
 * short-lived bearer tokens and rotating refresh tokens. Presenting a refresh token that was already
 * rotated revokes its whole family (RFC 9700 §4.14.2), as Sage ID's rotation does.
 */
import { randomBytes } from "node:crypto"

/** An OAuth client registered with the fake. */
export interface FakeClient {
  readonly clientId: string
  readonly clientSecret: string
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
  readonly expiresAt: number
  used: boolean
}

interface Family {
  readonly clientId: string
  revoked: boolean
}

interface Issued {
  readonly family: string
  expiresAt: number
  used: boolean
}

const secret = (prefix: string): string => `${prefix}${randomBytes(20).toString("hex")}`

const invalidGrant = (description: string): TokenAnswer => ({
  status: 403,
  body: { error: "invalid_grant", error_description: description }
})

/** The fake authorization server's state and rules. */
export class FakeSage200OAuth {
  /** Every token request received (grant type and outcome), in order. */
  readonly tokenRequests: Array<{ readonly grantType: string; readonly status: number }> = []
  private readonly codes = new Map<string, Code>()
  private readonly families = new Map<string, Family>()
  private readonly accessTokens = new Map<string, Issued>()
  private readonly refreshTokens = new Map<string, Issued>()

  constructor(
    readonly clients: ReadonlyArray<FakeClient>,
    readonly lifetimes: Lifetimes,
    private readonly now: () => number
  ) {}

  /** The registered client with this id and secret, when both match. */
  authenticate(clientId: string | null, clientSecret: string | null): FakeClient | undefined {
    return this.clients.find((c) => c.clientId === clientId && c.clientSecret === clientSecret)
  }

  /** Whether a client id is registered (for the authorize endpoint). */
  known(clientId: string | null): boolean {
    return this.clients.some((c) => c.clientId === clientId)
  }

  /** Issues a code as if the user had signed in and approved the app; tests use it to skip the browser. */
  issueCode(options: { readonly clientId: string; readonly redirectUri?: string }): string {
    const code = secret("")
    this.codes.set(code, {
      clientId: options.clientId,
      redirectUri: options.redirectUri,
      expiresAt: this.now() + this.lifetimes.code * 1000,
      used: false
    })
    return code
  }

  /** `grant_type=authorization_code`. */
  exchangeCode(client: FakeClient, code: string | null, redirectUri: string | null): TokenAnswer {
    const found = code === null ? undefined : this.codes.get(code)
    if (found === undefined || found.clientId !== client.clientId || found.expiresAt <= this.now()) {
      return invalidGrant("Invalid authorization code")
    }
    if (found.used) return invalidGrant("Invalid authorization code")
    if (found.redirectUri !== undefined && found.redirectUri !== redirectUri) {
      return invalidGrant("Invalid redirect_uri")
    }
    found.used = true
    const family = secret("fam_")
    this.families.set(family, { clientId: client.clientId, revoked: false })
    return this.issue(family)
  }

  /** `grant_type=refresh_token`: rotates; reusing a rotated token revokes the family. */
  refresh(client: FakeClient, refreshToken: string | null): TokenAnswer {
    const found = refreshToken === null ? undefined : this.refreshTokens.get(refreshToken)
    const family = found === undefined ? undefined : this.families.get(found.family)
    if (found === undefined || family === undefined || family.clientId !== client.clientId) {
      return invalidGrant("Unknown or invalid refresh token.")
    }
    if (family.revoked) return invalidGrant("Unknown or invalid refresh token.")
    if (found.used) {
      family.revoked = true
      return invalidGrant("Unknown or invalid refresh token.")
    }
    if (found.expiresAt <= this.now()) return invalidGrant("Unknown or invalid refresh token.")
    found.used = true
    return this.issue(found.family)
  }

  /** Whether a bearer token is valid now. */
  check(accessToken: string): boolean {
    const found = this.accessTokens.get(accessToken)
    return (
      found !== undefined &&
      this.families.get(found.family)?.revoked === false &&
      found.expiresAt > this.now()
    )
  }

  /** Expires every access token issued so far. */
  expireAccessTokens(): void {
    const now = this.now()
    for (const entry of this.accessTokens.values()) entry.expiresAt = Math.min(entry.expiresAt, now)
  }

  /** How many token families were revoked by reuse detection. */
  get revokedFamilies(): number {
    return [...this.families.values()].filter((f) => f.revoked).length
  }

  private issue(family: string): TokenAnswer {
    const now = this.now()
    const access = secret("at_")
    const refresh = secret("rt_")
    this.accessTokens.set(access, { family, expiresAt: now + this.lifetimes.accessToken * 1000, used: false })
    this.refreshTokens.set(refresh, {
      family,
      expiresAt: now + this.lifetimes.refreshToken * 1000,
      used: false
    })
    return {
      status: 200,
      body: {
        access_token: access,
        refresh_token: refresh,
        id_token: secret("id_"),
        scope: "openid profile email offline_access",
        expires_in: this.lifetimes.accessToken,
        token_type: "Bearer"
      }
    }
  }
}
