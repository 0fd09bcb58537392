/**
 * The authorization server half of the fake Sage Accounting vendor, on the testkit's fake OAuth
 * server: registered clients, single-use authorization codes that live 60 seconds, short-lived
 * bearer tokens and rotating refresh tokens grouped in families — presenting a refresh token that
 * was already rotated revokes its whole family, as RFC 9700 §4.14.2 recommends and Sage does; a
 * replayed code revokes what it issued. Sage's own parts: the form-only token endpoint, the
 * `filter=apiv3.1` and scope checks at authorize, `country` on the redirect, and its token answer.
 */
import {
  type FakeAuthorization,
  type FakeOAuthClient,
  FakeOAuthServer,
  type FakeTokenStatus
} from "@plugboard/testkit/fake-vendor"

/** An OAuth client registered with the fake. */
export type FakeClient = FakeOAuthClient

/** What an authorize request asked for, recorded for tests. */
export type Authorization = FakeAuthorization

/** Lifetimes of the fake's credentials, in seconds. */
export interface Lifetimes {
  readonly code: number
  readonly accessToken: number
  readonly refreshToken: number
}

/** The fake authorization server's state and rules, configured as Sage's. */
export class FakeSageOAuth extends FakeOAuthServer {
  constructor(clients: ReadonlyArray<FakeClient>, lifetimes: Lifetimes, now: () => number) {
    super({
      clients,
      lifetimes,
      now,
      bodyFormats: ["form"],
      unreadableBody: () => ({
        status: 400,
        body: { error: "invalid_request", error_description: "the body must be form-encoded" }
      }),
      revokeOnCodeReuse: true,
      revokeOnRefreshReuse: true,
      defaultScope: "full_access",
      authorize: (params) => {
        const scope = params.get("scope") ?? "full_access"
        if (params.get("filter") !== "apiv3.1") return { error: "invalid_request" }
        if (scope !== "full_access" && scope !== "readonly") return { error: "invalid_scope" }
        return { scope, redirectParams: { country: params.get("country") ?? "GB" } }
      },
      tokenBody: (issued) => ({
        access_token: issued.accessToken,
        expires_in: issued.expiresIn,
        token_type: "bearer",
        refresh_token: issued.refreshToken,
        refresh_token_expires_in: issued.refreshExpiresIn,
        scope: issued.scope ?? "full_access",
        requested_by_id: issued.family.slice(4, 20)
      })
    })
  }

  /** Every authorize request received, in order. */
  get authorizations(): Array<Authorization> {
    return this.authorizeRequests
  }

  /** Whether a bearer token is valid now. */
  check(accessToken: string): FakeTokenStatus {
    return this.tokenStatus(accessToken)
  }

  /** Revokes a token family: its access and refresh tokens stop working. */
  revoke(family: string): void {
    this.revokeFamily(family)
  }
}
