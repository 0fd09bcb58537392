/**
 * Shared pieces of the Auth and VendorHttp tests: small connectors, configurations, a fake OAuth
 * server (nock) that rotates refresh tokens and revokes the whole family when one is reused, and a
 * log capture to prove that no secret is ever logged.
 */
import { createHash } from "node:crypto"
import { Effect, Layer, Logger, References } from "effect"
import { FetchHttpClient } from "effect/http"
import nock from "nock"
import * as AuthSpec from "../src/AuthSpec.js"
import * as Ceql from "../src/Ceql.js"
import * as Configuration from "../src/Configuration.js"
import * as Connector from "../src/Connector.js"
import * as Paging from "../src/Paging.js"
import * as Param from "../src/Param.js"
import { TokenStore } from "../src/TokenStore.js"

export const AUTH_ORIGIN = "http://auth.test"
export const API_ORIGIN = "http://api.test"
export const CLIENT_ID = "client-id-7f3a"
export const CLIENT_SECRET = "client-secret-S3CR3T-9d2e"
export const PASSWORD = "password-P4SSW0RD-1c8b"
export const API_KEY = "api-key-K3Y-5e6f"

/** A connector with the given auth and optional extras; everything else minimal. */
export const connector = (
  auth: AuthSpec.Strategy,
  extra: Partial<Omit<Connector.Definition, "auth">> = {}
): Connector.Connector =>
  Connector.make({
    key: "fake",
    id: 9001,
    name: "Fake",
    description: "A connector for tests",
    hub: "crm",
    baseUrl: `${API_ORIGIN}/v1`,
    auth,
    configuration: {},
    paging: Paging.single(),
    query: Ceql.Translate.none,
    resources: {},
    ...extra
  })

/** An OAuth code connector whose endpoints are the fake server's, with Sage-like authorize params. */
export const oauthConnector = (
  options: Partial<Omit<AuthSpec.OAuth2Code, "_tag">> = {},
  extra: Partial<Omit<Connector.Definition, "auth">> = {}
): Connector.Connector =>
  connector(
    AuthSpec.oauth2Code({
      pkce: true,
      authorizeParams: { filter: "apiv3.1", country: "{country}" },
      ...options
    }),
    {
      configuration: {
        ...Connector.oauthParams({
          authorizationUrl: `${AUTH_ORIGIN}/authorize`,
          tokenUrl: `${AUTH_ORIGIN}/token`,
          scope: "full_access",
          callbackUrl: "https://runner.test/elements/api-v2/oauth/callback"
        }),
        country: Param.text({ label: "Country" })
      },
      ...extra
    }
  )

/** Decodes a configuration for `connector` (defaults merged, secrets redacted). */
export const configure = (
  target: Connector.Connector,
  values: Record<string, unknown>
): Effect.Effect<Configuration.Configuration> =>
  Configuration.decode(target.configuration, values).pipe(Effect.orDie)

/** The OAuth client configuration every OAuth test uses. */
export const oauthClient = { "oauth.api.key": CLIENT_ID, "oauth.api.secret": CLIENT_SECRET }

/** Captured log lines, each the JSON of one entry (message, annotations, cause). */
export interface LogCapture {
  readonly lines: Array<string>
  readonly layer: Layer.Layer<never>
}

const captured: Array<LogCapture> = []

/** Every line captured since the last call, for an `afterEach` that checks a whole file's logs. */
export const drainCapturedLines = (): Array<string> => captured.splice(0).flatMap((capture) => capture.lines)

/** The secrets the fixtures use; none may appear in a log line or an error message. */
export const SECRETS = [CLIENT_SECRET, PASSWORD, API_KEY, "T0K3N", "R3FR3SH"] as const

/** A logger that records every entry at every level. */
export const captureLogs = (): LogCapture => {
  const lines: Array<string> = []
  const logger = Logger.map(Logger.formatJson, (line) => {
    lines.push(line)
  })
  const capture: LogCapture = {
    lines,
    layer: Layer.mergeAll(Logger.layer([logger]), Layer.succeed(References.MinimumLogLevel, "All"))
  }
  captured.push(capture)
  return capture
}

/** The services the tests run with: a fresh memory token store, fetch (nock intercepts it), logs. */
export const testLayer = (logs: LogCapture) =>
  Layer.mergeAll(TokenStore.layerMemory, FetchHttpClient.layer, logs.layer)

/** Every text a failure could show: message, string form, JSON. */
export const textsOf = (error: unknown): Array<string> => {
  const texts = [String(error)]
  if (error instanceof Error) texts.push(error.message)
  try {
    texts.push(JSON.stringify(error))
  } catch {
    texts.push("<unserializable>")
  }
  return texts
}

/** The first of `secrets` found in any of `texts`, or undefined. */
export const leakedSecret = (
  texts: ReadonlyArray<string>,
  secrets: ReadonlyArray<string>
): string | undefined => secrets.find((secret) => texts.some((text) => text.includes(secret)))

/** Lets pending I/O (nock replies, fetch bodies) make progress without advancing the test clock. */
export const settle = (rounds = 20): Effect.Effect<void> =>
  Effect.promise(
    () =>
      new Promise<void>((resolve) => {
        let left = rounds
        const step = () => (--left <= 0 ? resolve() : setImmediate(step))
        setImmediate(step)
      })
  )

/** Waits (in real time, briefly) until `condition` holds; fails the test after `rounds` tries. */
export const eventually = (condition: () => boolean, what: string, rounds = 200): Effect.Effect<void> =>
  Effect.gen(function* () {
    for (let i = 0; i < rounds; i++) {
      if (condition()) return
      yield* settle(5)
    }
    return yield* Effect.die(new Error(`timed out waiting for ${what}`))
  })

const base64url = (bytes: Buffer): string => bytes.toString("base64url")

/** Options of {@link fakeOAuthServer}. */
export interface FakeOAuthOptions {
  /** Lifetime of issued access tokens in seconds (default 3600). */
  readonly expiresIn?: number
  /** Whether refresh tokens rotate on every refresh (default true). */
  readonly rotate?: boolean
}

/**
 * A fake authorization server on {@link AUTH_ORIGIN} and a fake API on {@link API_ORIGIN} (nock 15
 * calls reply functions with the web `Request`). The token
 * endpoint (form-encoded, client_secret_post) issues codes' tokens once, rotates refresh tokens and,
 * like Sage and every RFC 9700 server, revokes the whole token family when a used refresh token comes
 * back. The API answers 200 to a live access token and 401 otherwise.
 */
export const fakeOAuthServer = (options: FakeOAuthOptions = {}) => {
  const expiresIn = options.expiresIn ?? 3600
  const rotate = options.rotate ?? true
  const state = {
    tokenCalls: 0,
    grants: [] as Array<string>,
    apiCalls: 0,
    serial: 0,
    codes: new Map<string, { readonly challenge: string | undefined; readonly redirectUri: string }>(),
    liveAccess: new Set<string>(),
    liveRefresh: undefined as string | undefined,
    usedRefresh: new Set<string>(),
    revoked: false,
    /** Access tokens seen by the API, in order, for "stored before used" checks. */
    apiTokens: [] as Array<string>
  }

  const issue = (withRefresh: boolean) => {
    state.serial += 1
    const access = `access-${state.serial}-T0K3N`
    state.liveAccess.add(access)
    const body: Record<string, unknown> = {
      access_token: access,
      token_type: "bearer",
      expires_in: expiresIn,
      scope: "full_access",
      refresh_token_expires_in: 2_678_400
    }
    if (withRefresh) {
      const refresh = `refresh-${state.serial}-R3FR3SH`
      if (state.liveRefresh !== undefined) state.usedRefresh.add(state.liveRefresh)
      state.liveRefresh = refresh
      body.refresh_token = refresh
    }
    return body
  }

  const invalidGrant = (description: string) =>
    [
      400,
      { error: "invalid_grant", error_description: description },
      { "content-type": "application/json" }
    ] as const

  nock(AUTH_ORIGIN)
    .persist()
    .post("/token")
    .reply(async (request: Request) => {
      state.tokenCalls += 1
      const form = new URLSearchParams(await request.text())
      const grant = form.get("grant_type") ?? ""
      state.grants.push(grant)
      if (form.get("client_id") !== CLIENT_ID || form.get("client_secret") !== CLIENT_SECRET) {
        return [401, { error: "invalid_client" }, { "content-type": "application/json" }]
      }
      if (grant === "authorization_code") {
        const code = form.get("code") ?? ""
        const issued = state.codes.get(code)
        state.codes.delete(code)
        if (issued === undefined) return invalidGrant("the code is invalid or was already used")
        if (form.get("redirect_uri") !== issued.redirectUri) return invalidGrant("redirect_uri mismatch")
        if (issued.challenge !== undefined) {
          const verifier = form.get("code_verifier") ?? ""
          if (base64url(createHash("sha256").update(verifier).digest()) !== issued.challenge) {
            return invalidGrant("PKCE verification failed")
          }
        }
        return [200, issue(true), { "content-type": "application/json" }]
      }
      if (grant === "refresh_token") {
        const presented = form.get("refresh_token") ?? ""
        if (state.usedRefresh.has(presented)) {
          // Reuse of a rotated token: the family is compromised, revoke everything.
          state.revoked = true
          state.liveAccess.clear()
          state.liveRefresh = undefined
          return invalidGrant("refresh token reuse detected; the grant was revoked")
        }
        if (state.revoked || presented !== state.liveRefresh) return invalidGrant("unknown refresh token")
        if (!rotate) {
          const body = issue(false)
          body.refresh_token = presented
          return [200, body, { "content-type": "application/json" }]
        }
        return [200, issue(true), { "content-type": "application/json" }]
      }
      if (grant === "client_credentials") return [200, issue(false), { "content-type": "application/json" }]
      return [400, { error: "unsupported_grant_type" }, { "content-type": "application/json" }]
    })

  nock(API_ORIGIN)
    .persist()
    .get(/^\/v1\/.*/)
    .reply((request: Request) => {
      state.apiCalls += 1
      const token = (request.headers.get("authorization") ?? "").replace(/^Bearer /, "")
      state.apiTokens.push(token)
      return state.liveAccess.has(token)
        ? [200, { ok: true }, { "content-type": "application/json" }]
        : [401, { message: "token expired or revoked" }, { "content-type": "application/json" }]
    })

  return {
    state,
    /** Registers a code as the vendor would after the user consented. */
    grantCode: (code: string, redirectUri: string, challenge?: string) => {
      state.codes.set(code, { challenge, redirectUri })
    },
    /** Seeds a live refresh token (as if a code had been exchanged earlier). */
    seedRefresh: (refresh: string, access?: string) => {
      state.liveRefresh = refresh
      if (access !== undefined) state.liveAccess.add(access)
    },
    /** Expires an access token at the vendor. */
    expireAccess: (access: string) => {
      state.liveAccess.delete(access)
    }
  }
}
