/**
 * The authorization server half of the fake Sendoso, on the testkit's fake OAuth server:
 * registered clients, single-use authorization codes valid ten minutes, two-hour bearer tokens and
 * refresh tokens that rotate — a refresh returns a new refresh token and retires the one presented,
 * which then fails with `invalid_grant` (without revoking the others: Sendoso's server does not
 * detect reuse) — and revocation. Answers have the shapes of Sendoso's OAuth server
 * (`{access_token, token_type, expires_in, refresh_token, scope, created_at}`; errors
 * `{error, error_description}`), and every refused grant has the same description.
 */
import { randomBytes } from "node:crypto"
import {
  type FakeOAuthClient,
  FakeOAuthServer,
  type FakeTokenRequest,
  type FakeTokenStatus
} from "@plugboard/testkit/fake-vendor"

/** An OAuth client registered with the fake. */
export type FakeClient = FakeOAuthClient

/** The scopes Sendoso defines. */
export const scopes: ReadonlyArray<string> = ["public", "write", "update", "marketplace", "smartsend"]

/** How a bearer token stands. */
export type TokenStatus = FakeTokenStatus

/** One token request, recorded for tests. */
export type TokenRequest = FakeTokenRequest

const invalidGrant = {
  status: 400,
  body: {
    error: "invalid_grant",
    error_description:
      "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI " +
      "used in the authorization request, or was issued to another client."
  }
}

/** The fake authorization server's state and rules, configured as Sendoso's. */
export class FakeSendosoOAuth extends FakeOAuthServer {
  constructor(
    clients: ReadonlyArray<FakeClient>,
    /** Access token lifetime in seconds. */
    readonly accessTokenSeconds: number,
    now: () => number
  ) {
    super({
      clients,
      // Sendoso's refresh tokens do not expire; they only rotate.
      lifetimes: { code: 600, accessToken: accessTokenSeconds },
      now,
      bodyFormats: ["form", "json"],
      // Sendoso reads an unreadable body as empty, so the client then fails to authenticate.
      unreadableBody: () => undefined,
      invalidClient: {
        status: 401,
        body: {
          error: "invalid_client",
          error_description:
            "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."
        }
      },
      unsupportedGrantType: {
        status: 400,
        body: {
          error: "unsupported_grant_type",
          error_description: "The authorization grant type is not supported by the authorization server."
        }
      },
      invalidGrant: () => invalidGrant,
      revokeOnRefreshReuse: false,
      defaultScope: scopes.join(" "),
      secret: () => randomBytes(24).toString("base64url"),
      // Without a trustworthy redirect URI the error is shown to the user, not redirected.
      unknownClient: { status: 401, body: { error: "invalid_client" } },
      badRedirect: { status: 400, body: { error: "invalid_redirect_uri" } },
      authorize: (params) => {
        const asked = (params.get("scope") ?? "public").split(/[ +]/).filter((s) => s !== "")
        if (asked.some((scope) => !scopes.includes(scope))) return { error: "invalid_scope" }
        return { scope: asked.join(" ") }
      },
      tokenBody: (issued) => ({
        access_token: issued.accessToken,
        token_type: "Bearer",
        expires_in: issued.expiresIn,
        refresh_token: issued.refreshToken,
        scope: issued.scope,
        created_at: Math.floor(issued.issuedAt / 1000)
      })
    })
  }

  /** Every authorize request's parameters, in order. */
  get authorizations(): ReadonlyArray<Readonly<Record<string, string>>> {
    return this.authorizeRequests.map((request) => request.params)
  }

  /**
   * Issues an authorization code as if the user had approved the app; valid for ten minutes, once.
   * Tests use it to skip the browser.
   */
  override issueCode(options: {
    readonly clientId: string
    readonly redirectUri: string
    readonly scope?: string
  }): string {
    return super.issueCode(options)
  }

  /** Revokes an access or refresh token (RFC 7009: unknown tokens are not an error). */
  revoke(token: string): void {
    this.revokeToken(token)
  }

  /** How a bearer token stands now. */
  check(accessToken: string): TokenStatus {
    return this.tokenStatus(accessToken)
  }
}
