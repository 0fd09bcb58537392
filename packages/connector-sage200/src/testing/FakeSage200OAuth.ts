/**
 * The Sage ID half of the fake Sage 200 vendor, on the testkit's fake OAuth server: registered
 * clients, single-use authorization codes, short-lived bearer tokens and rotating refresh tokens.
 * Presenting a refresh token that was already rotated revokes its whole family (RFC 9700 §4.14.2),
 * as Sage ID's rotation does. Sage ID's own parts: form or JSON token bodies, 401 `access_denied`
 * for a bad client, 403 for refused grants with its terse messages, the `audience` check at
 * authorize, and its token answer with an `id_token`.
 */
import { randomBytes } from "node:crypto"
import {
  type AuthorizeDecision,
  type FakeAnswer,
  type FakeOAuthClient,
  FakeOAuthServer,
  type InvalidGrantReason
} from "@plugboard/testkit/fake-vendor"

/** An OAuth client registered with the fake. */
export type FakeClient = Omit<FakeOAuthClient, "redirectUris">

/** Lifetimes of the fake's credentials, in seconds. */
export interface Lifetimes {
  readonly code: number
  readonly accessToken: number
  readonly refreshToken: number
}

/** The `audience` Sage ID's authorize endpoint requires for Sage 200. */
export const audience = "s200ukipd/sage200"

const invalidRequest = (description: string): FakeAnswer => ({
  status: 400,
  body: { error: "invalid_request", error_description: description }
})

const grantMessage = (reason: InvalidGrantReason): string =>
  reason === "redirect-mismatch"
    ? "Invalid redirect_uri"
    : reason.startsWith("code-")
      ? "Invalid authorization code"
      : "Unknown or invalid refresh token."

/** The fake authorization server's state and rules, configured as Sage ID's. */
export class FakeSage200OAuth extends FakeOAuthServer {
  constructor(clients: ReadonlyArray<FakeClient>, lifetimes: Lifetimes, now: () => number) {
    super({
      clients,
      lifetimes,
      now,
      bodyFormats: ["form", "json"],
      unreadableBody: (why) =>
        invalidRequest(why === "malformed-json" ? "malformed JSON body" : "unsupported content type"),
      invalidClient: { status: 401, body: { error: "access_denied", error_description: "Unauthorized" } },
      unsupportedGrantType: { status: 403, body: { error: "unsupported_grant_type" } },
      invalidGrant: (reason) => ({
        status: 403,
        body: { error: "invalid_grant", error_description: grantMessage(reason) }
      }),
      revokeOnRefreshReuse: true,
      unknownClient: invalidRequest("unknown client or redirect_uri"),
      badRedirect: invalidRequest("unknown client or redirect_uri"),
      authorize: (params): AuthorizeDecision =>
        params.get("audience") === audience ? {} : { error: "invalid_request" },
      tokenBody: (issued) => ({
        access_token: issued.accessToken,
        refresh_token: issued.refreshToken,
        id_token: `id_${randomBytes(20).toString("hex")}`,
        scope: "openid profile email offline_access",
        expires_in: issued.expiresIn,
        token_type: "Bearer"
      })
    })
  }

  /** The registered client with this id and secret, when both match. */
  authenticate(clientId: string | null, clientSecret: string | null): FakeClient | undefined {
    return this.clients.find((c) => c.clientId === clientId && c.clientSecret === clientSecret)
  }

  /** Whether a client id is registered (for the authorize endpoint). */
  known(clientId: string | null): boolean {
    return this.clients.some((c) => c.clientId === clientId)
  }

  /** Whether a bearer token is valid now. */
  check(accessToken: string): boolean {
    return this.tokenStatus(accessToken) === "valid"
  }
}
