/**
 * A configurable fake OAuth 2.0 authorization server for fake vendors: registered clients, an
 * authorize endpoint that redirects with a code, and a token endpoint for the `authorization_code`
 * and `refresh_token` grants. Codes are single-use and short-lived; refresh tokens rotate, and the
 * tokens issued from one code form a family, so that presenting a rotated refresh token can revoke
 * the whole family (RFC 9700 §4.14.2). What differs between vendors — body formats, error bodies
 * and statuses, token lifetimes, the token answer's fields, extra authorize parameters — is an
 * option; the rules are shared.
 */
import { randomBytes } from "node:crypto"
import type { IncomingMessage } from "node:http"
import { type FakeAnswer, header, readFields } from "./FakeHttp.js"
import type {
  AuthorizeDecision,
  FakeAuthorization,
  FakeOAuthClient,
  FakeOAuthLifetimes,
  FakeOAuthServerOptions,
  FakeTokenRequest,
  FakeTokenStatus,
  InvalidGrantReason,
  IssuedTokens,
  SecretKind
} from "./FakeOAuthOptions.js"

export type {
  AuthorizeDecision,
  ClientAuthentication,
  FakeAuthorization,
  FakeOAuthClient,
  FakeOAuthLifetimes,
  FakeOAuthServerOptions,
  FakeTokenRequest,
  FakeTokenStatus,
  InvalidGrantReason,
  IssuedTokens,
  SecretKind
} from "./FakeOAuthOptions.js"

interface Code {
  readonly clientId: string
  readonly redirectUri: string | undefined
  readonly scope: string | undefined
  readonly expiresAt: number
  used: boolean
  family: string | undefined
}

interface Family {
  readonly clientId: string
  readonly scope: string | undefined
  revoked: boolean
}

interface Issued {
  readonly family: string
  expiresAt: number
  used: boolean
  revoked: boolean
}

const defaultPrefix: Record<SecretKind, string> = { code: "", access: "at_", refresh: "rt_", family: "fam_" }

const descriptions: Record<InvalidGrantReason, string> = {
  "code-invalid": "the authorization code is invalid or expired",
  "code-reused": "the authorization code was already used",
  "redirect-mismatch": "redirect_uri does not match the authorization request",
  "refresh-invalid": "the refresh token is invalid",
  "refresh-revoked": "the refresh token was revoked",
  "refresh-reused": "the refresh token was already used; its token family is revoked",
  "refresh-expired": "the refresh token expired"
}

const oauthError = (status: number, error: string, description?: string): FakeAnswer => ({
  status,
  body: description === undefined ? { error } : { error, error_description: description }
})

/** The fake authorization server: its state, its rules, and its two endpoints as answer functions. */
export class FakeOAuthServer {
  /** Every authorize request received, in order. */
  readonly authorizeRequests: Array<FakeAuthorization> = []
  /** Every token request received, in order. */
  readonly tokenRequests: Array<FakeTokenRequest> = []
  readonly clients: ReadonlyArray<FakeOAuthClient>
  readonly lifetimes: FakeOAuthLifetimes
  private readonly now: () => number
  private readonly codes = new Map<string, Code>()
  private readonly families = new Map<string, Family>()
  private readonly accessTokens = new Map<string, Issued>()
  private readonly refreshTokens = new Map<string, Issued>()

  constructor(private readonly options: FakeOAuthServerOptions) {
    this.clients = options.clients
    this.lifetimes = options.lifetimes
    this.now = options.now ?? Date.now
  }

  /** The registered client with this id. */
  client(clientId: string): FakeOAuthClient | undefined {
    return this.clients.find((c) => c.clientId === clientId)
  }

  /** Whether `redirectUri` is absolute and may receive codes for `client`. */
  allowsRedirect(client: FakeOAuthClient, redirectUri: string): boolean {
    if (!URL.canParse(redirectUri)) return false
    return (
      client.redirectUris === undefined ||
      client.redirectUris.length === 0 ||
      client.redirectUris.includes(redirectUri)
    )
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
    const code = this.secret("code")
    this.codes.set(code, {
      clientId: options.clientId,
      redirectUri: options.redirectUri,
      scope: options.scope ?? this.options.defaultScope,
      expiresAt: this.now() + this.lifetimes.code * 1000,
      used: false,
      family: undefined
    })
    return code
  }

  /**
   * The authorize endpoint (`GET`, parameters in the query): an unknown client or unusable redirect
   * URI is answered directly; otherwise a 302 back to the redirect URI with `code` (or `error`) and
   * `state`.
   */
  authorizeEndpoint(url: URL): FakeAnswer {
    const params = Object.fromEntries(url.searchParams)
    const client = this.client(url.searchParams.get("client_id") ?? "")
    const redirectUri = url.searchParams.get("redirect_uri")
    if (client === undefined) {
      this.authorizeRequests.push({ params, code: undefined })
      return this.options.unknownClient ?? oauthError(400, "invalid_client", "unknown client_id")
    }
    if (redirectUri === null || !this.allowsRedirect(client, redirectUri)) {
      this.authorizeRequests.push({ params, code: undefined })
      return this.options.badRedirect ?? oauthError(400, "invalid_request", "redirect_uri is not registered")
    }
    const back = new URL(redirectUri)
    const decision: AuthorizeDecision =
      url.searchParams.get("response_type") !== "code"
        ? { error: "unsupported_response_type" }
        : (this.options.authorize?.(url.searchParams) ?? {})
    let code: string | undefined
    if ("error" in decision) back.searchParams.set("error", decision.error)
    else {
      code = this.issueCode({
        clientId: client.clientId,
        redirectUri,
        ...(decision.scope === undefined ? {} : { scope: decision.scope })
      })
      back.searchParams.set("code", code)
      for (const [name, value] of Object.entries(decision.redirectParams ?? {}))
        back.searchParams.set(name, value)
    }
    const state = url.searchParams.get("state")
    if (state !== null) back.searchParams.set("state", state)
    this.authorizeRequests.push({ params, code })
    return { status: 302, body: undefined, headers: { location: back.toString() } }
  }

  /**
   * The token endpoint (`POST`): reads the body, authenticates the client, runs the grant, records
   * the request and answers with `cache-control: no-store`.
   */
  tokenEndpoint(request: IncomingMessage, text: string): FakeAnswer {
    const read = readFields(request, text, this.options.bodyFormats)
    let fields: Readonly<Record<string, unknown>> = {}
    let refused: FakeAnswer | undefined
    if ("unreadable" in read) {
      refused = this.options.unreadableBody
        ? this.options.unreadableBody(read.unreadable)
        : oauthError(400, "invalid_request", "the body must be form-encoded or JSON")
    } else fields = read.fields
    const field = (name: string) => (typeof fields[name] === "string" ? (fields[name] as string) : undefined)
    const answer = refused ?? this.grant(request, field)
    this.tokenRequests.push({
      grantType: field("grant_type") ?? "",
      redirectUri: field("redirect_uri"),
      status: answer.status
    })
    return { ...answer, headers: { "cache-control": "no-store" } }
  }

  /** Authenticates the client of a token request (Basic header or body fields, as configured). */
  authenticateClient(
    request: IncomingMessage,
    field: (name: string) => string | undefined
  ): FakeOAuthClient | undefined {
    const methods = this.options.clientAuthentication ?? ["client_secret_post", "client_secret_basic"]
    let clientId: string | undefined
    let clientSecret: string | undefined
    if (methods.includes("client_secret_post")) {
      clientId = field("client_id")
      clientSecret = field("client_secret")
    }
    const basic = /^Basic (.+)$/i.exec(header(request, "authorization") ?? "")
    if (methods.includes("client_secret_basic") && basic?.[1] !== undefined) {
      const decoded = Buffer.from(basic[1], "base64").toString("utf8")
      const colon = decoded.indexOf(":")
      clientId = decodeURIComponent(decoded.slice(0, colon))
      clientSecret = decodeURIComponent(decoded.slice(colon + 1))
    }
    const client = this.client(clientId ?? "")
    return client !== undefined && client.clientSecret === clientSecret ? client : undefined
  }

  /** `grant_type=authorization_code`: the code must be unexpired, unused, this client's, for this redirect URI. */
  exchangeCode(
    client: FakeOAuthClient,
    code: string | undefined,
    redirectUri: string | undefined
  ): FakeAnswer {
    const found = code === undefined ? undefined : this.codes.get(code)
    if (found === undefined || found.clientId !== client.clientId || found.expiresAt <= this.now()) {
      return this.refuse("code-invalid")
    }
    if (found.used) {
      // A replayed code may have been stolen: everything issued from it goes (RFC 6749 §4.1.2).
      if (this.options.revokeOnCodeReuse === true && found.family !== undefined)
        this.revokeFamily(found.family)
      return this.refuse("code-reused")
    }
    if (found.redirectUri !== undefined && found.redirectUri !== redirectUri)
      return this.refuse("redirect-mismatch")
    found.used = true
    const family = this.secret("family")
    found.family = family
    this.families.set(family, { clientId: client.clientId, scope: found.scope, revoked: false })
    return this.issue(family)
  }

  /** `grant_type=refresh_token`: rotates a live refresh token; reuse of a rotated one may revoke the family. */
  refresh(client: FakeOAuthClient, refreshToken: string | undefined): FakeAnswer {
    const found = refreshToken === undefined ? undefined : this.refreshTokens.get(refreshToken)
    const family = found === undefined ? undefined : this.families.get(found.family)
    if (found === undefined || family === undefined || family.clientId !== client.clientId) {
      return this.refuse("refresh-invalid")
    }
    if (family.revoked || found.revoked) return this.refuse("refresh-revoked")
    if (found.used) {
      if (this.options.revokeOnRefreshReuse !== false) this.revokeFamily(found.family)
      return this.refuse("refresh-reused")
    }
    if (found.expiresAt <= this.now()) return this.refuse("refresh-expired")
    found.used = true
    return this.issue(found.family)
  }

  /** How a bearer token stands now; revoked tokens (or families) are unknown. */
  tokenStatus(accessToken: string): FakeTokenStatus {
    const found = this.accessTokens.get(accessToken)
    if (found === undefined || found.revoked || this.families.get(found.family)?.revoked !== false)
      return "unknown"
    return found.expiresAt <= this.now() ? "expired" : "valid"
  }

  /** The client an access token was issued to. */
  clientOf(accessToken: string): string | undefined {
    const found = this.accessTokens.get(accessToken)
    return found === undefined ? undefined : this.families.get(found.family)?.clientId
  }

  /** Expires every access token issued so far, as if their lifetime had passed. */
  expireAccessTokens(): void {
    const now = this.now()
    for (const entry of this.accessTokens.values()) entry.expiresAt = Math.min(entry.expiresAt, now)
  }

  /** Revokes a token family: its access and refresh tokens stop working. */
  revokeFamily(family: string): void {
    const found = this.families.get(family)
    if (found !== undefined) found.revoked = true
  }

  /** Revokes one access or refresh token (RFC 7009: an unknown token is not an error). */
  revokeToken(token: string): void {
    const access = this.accessTokens.get(token)
    if (access !== undefined) access.revoked = true
    const refresh = this.refreshTokens.get(token)
    if (refresh !== undefined) refresh.revoked = true
  }

  /** How many token families were revoked. */
  get revokedFamilies(): number {
    return [...this.families.values()].filter((f) => f.revoked).length
  }

  /** The refresh tokens currently usable (not rotated, not revoked, not expired). */
  liveRefreshTokens(): ReadonlyArray<string> {
    const now = this.now()
    return [...this.refreshTokens.entries()]
      .filter(
        ([, t]) =>
          !t.used && !t.revoked && t.expiresAt > now && this.families.get(t.family)?.revoked === false
      )
      .map(([value]) => value)
  }

  private grant(request: IncomingMessage, field: (name: string) => string | undefined): FakeAnswer {
    const client = this.authenticateClient(request, field)
    if (client === undefined) {
      return this.options.invalidClient ?? oauthError(401, "invalid_client", "client authentication failed")
    }
    const grant = field("grant_type")
    if (grant === "authorization_code") return this.exchangeCode(client, field("code"), field("redirect_uri"))
    if (grant === "refresh_token") return this.refresh(client, field("refresh_token"))
    return this.options.unsupportedGrantType ?? oauthError(400, "unsupported_grant_type")
  }

  private refuse(reason: InvalidGrantReason): FakeAnswer {
    return this.options.invalidGrant?.(reason) ?? oauthError(400, "invalid_grant", descriptions[reason])
  }

  private secret(kind: SecretKind): string {
    return this.options.secret?.(kind) ?? `${defaultPrefix[kind]}${randomBytes(20).toString("hex")}`
  }

  private issue(family: string): FakeAnswer {
    const now = this.now()
    const accessToken = this.secret("access")
    const refreshToken = this.secret("refresh")
    const refreshSeconds = this.lifetimes.refreshToken
    this.accessTokens.set(accessToken, {
      family,
      expiresAt: now + this.lifetimes.accessToken * 1000,
      used: false,
      revoked: false
    })
    this.refreshTokens.set(refreshToken, {
      family,
      expiresAt: refreshSeconds === undefined ? Number.POSITIVE_INFINITY : now + refreshSeconds * 1000,
      used: false,
      revoked: false
    })
    const owner = this.families.get(family)
    const issued: IssuedTokens = {
      accessToken,
      refreshToken,
      family,
      clientId: owner?.clientId ?? "",
      scope: owner?.scope,
      expiresIn: this.lifetimes.accessToken,
      refreshExpiresIn: refreshSeconds,
      issuedAt: now
    }
    return {
      status: 200,
      body: this.options.tokenBody?.(issued) ?? {
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: issued.expiresIn,
        refresh_token: refreshToken,
        ...(issued.scope === undefined ? {} : { scope: issued.scope })
      }
    }
  }
}
