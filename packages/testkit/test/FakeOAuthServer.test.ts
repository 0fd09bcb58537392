import { assert, describe, it } from "@effect/vitest"
import { FakeOAuthServer, type FakeOAuthServerOptions } from "@plugboard/testkit/fake-vendor"
import { FakeHttp } from "@plugboard/testkit/fake-vendor"

const redirectUri = "https://app.example/cb"

interface TokenReply {
  readonly status: number
  readonly body: Record<string, unknown>
  readonly headers: Headers
}

/** A fake authorization server on loopback, with a clock the test moves. */
const start = async (options: Partial<FakeOAuthServerOptions> = {}) => {
  let now = 1_700_000_000_000
  const oauth = new FakeOAuthServer({
    clients: [{ clientId: "c1", clientSecret: "s3cret-1", redirectUris: [redirectUri] }],
    lifetimes: { code: 60, accessToken: 300, refreshToken: 3600 },
    now: () => now,
    ...options
  })
  const server = await FakeHttp.startFakeServer((request, url, text) => {
    if (url.pathname === "/authorize") return oauth.authorizeEndpoint(url)
    return oauth.tokenEndpoint(request, text)
  })
  const token = async (
    fields: Record<string, string>,
    init: { basic?: string; json?: boolean } = {}
  ): Promise<TokenReply> => {
    const response = await fetch(`${server.url}/token`, {
      method: "POST",
      headers: {
        "content-type": init.json === true ? "application/json" : "application/x-www-form-urlencoded",
        ...(init.basic === undefined
          ? {}
          : { authorization: `Basic ${Buffer.from(init.basic).toString("base64")}` })
      },
      body: init.json === true ? JSON.stringify(fields) : new URLSearchParams(fields).toString()
    })
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      headers: response.headers
    }
  }
  const post = { client_id: "c1", client_secret: "s3cret-1" }
  /** Exchanges a code with the client's credentials in the body and the registered redirect URI. */
  const exchange = (code: string): Promise<TokenReply> =>
    token({ ...post, grant_type: "authorization_code", code, redirect_uri: redirectUri })
  /** Presents a refresh token with the client's credentials in the body. */
  const refreshWith = (refreshToken: unknown): Promise<TokenReply> =>
    token({ ...post, grant_type: "refresh_token", refresh_token: String(refreshToken) })
  const advance = (millis: number) => {
    now += millis
  }
  return { oauth, server, token, post, exchange, refreshWith, advance }
}

describe("FakeOAuthServer", () => {
  it("redirects an approved authorize request with a code and state, and refuses bad clients and redirects", async () => {
    const { oauth, server } = await start({
      authorize: (params) =>
        params.get("scope") === "bad" ? { error: "invalid_scope" } : { redirectParams: { x: "1" } }
    })
    try {
      const go = (query: string) => fetch(`${server.url}/authorize?${query}`, { redirect: "manual" })
      const ok = await go(
        `response_type=code&client_id=c1&redirect_uri=${encodeURIComponent(redirectUri)}&state=s1`
      )
      assert.strictEqual(ok.status, 302)
      const back = new URL(ok.headers.get("location") ?? "")
      assert.strictEqual(`${back.origin}${back.pathname}`, redirectUri)
      assert.strictEqual(back.searchParams.get("state"), "s1")
      assert.strictEqual(back.searchParams.get("x"), "1")
      assert.strictEqual(back.searchParams.get("code"), oauth.authorizeRequests[0]?.code)
      const scope = await go(
        `response_type=code&client_id=c1&redirect_uri=${encodeURIComponent(redirectUri)}&scope=bad`
      )
      assert.strictEqual(
        new URL(scope.headers.get("location") ?? "").searchParams.get("error"),
        "invalid_scope"
      )
      const type = await go(
        `response_type=token&client_id=c1&redirect_uri=${encodeURIComponent(redirectUri)}`
      )
      assert.strictEqual(
        new URL(type.headers.get("location") ?? "").searchParams.get("error"),
        "unsupported_response_type"
      )
      assert.strictEqual(
        (await go(`response_type=code&client_id=nope&redirect_uri=${redirectUri}`)).status,
        400
      )
      assert.strictEqual(
        (await go("response_type=code&client_id=c1&redirect_uri=https://evil.example/")).status,
        400
      )
      assert.deepStrictEqual(
        oauth.authorizeRequests.map((a) => a.code === undefined),
        [false, true, true, true, true]
      )
    } finally {
      await server.close()
    }
  })

  it("exchanges a code once; a replay is refused and, when configured, revokes what it issued", async () => {
    const { oauth, server, token, post, exchange } = await start({ revokeOnCodeReuse: true })
    try {
      const code = oauth.issueCode({ clientId: "c1", redirectUri, scope: "read" })
      const first = await exchange(code)
      assert.strictEqual(first.status, 200)
      assert.strictEqual(first.headers.get("cache-control"), "no-store")
      assert.strictEqual(first.body["expires_in"], 300)
      assert.strictEqual(first.body["scope"], "read")
      assert.strictEqual(oauth.tokenStatus(String(first.body["access_token"])), "valid")
      assert.strictEqual(oauth.clientOf(String(first.body["access_token"])), "c1")
      const replay = await exchange(code)
      assert.deepStrictEqual([replay.status, replay.body["error"]], [400, "invalid_grant"])
      assert.strictEqual(oauth.revokedFamilies, 1)
      assert.strictEqual(oauth.tokenStatus(String(first.body["access_token"])), "unknown")
      const other = oauth.issueCode({ clientId: "c1", redirectUri })
      const mismatch = await token({
        ...post,
        grant_type: "authorization_code",
        code: other,
        redirect_uri: "https://x/"
      })
      assert.strictEqual(
        mismatch.body["error_description"],
        "redirect_uri does not match the authorization request"
      )
      assert.deepStrictEqual(
        oauth.tokenRequests.map((r) => [r.grantType, r.status]),
        [
          ["authorization_code", 200],
          ["authorization_code", 400],
          ["authorization_code", 400]
        ]
      )
    } finally {
      await server.close()
    }
  })

  it("rotates refresh tokens, and a reused one revokes its family unless configured not to", async () => {
    for (const revoke of [true, false]) {
      const { oauth, server, exchange, refreshWith } = await start({ revokeOnRefreshReuse: revoke })
      try {
        const code = oauth.issueCode({ clientId: "c1", redirectUri })
        const first = await exchange(code)
        const r1 = String(first.body["refresh_token"])
        const second = await refreshWith(r1)
        assert.strictEqual(second.status, 200)
        const r2 = String(second.body["refresh_token"])
        assert.deepStrictEqual(oauth.liveRefreshTokens(), [r2])
        const reused = await refreshWith(r1)
        assert.strictEqual(reused.body["error"], "invalid_grant")
        assert.strictEqual(oauth.revokedFamilies, revoke ? 1 : 0)
        assert.deepStrictEqual(oauth.liveRefreshTokens(), revoke ? [] : [r2])
      } finally {
        await server.close()
      }
    }
  })

  it("expires codes, access tokens and refresh tokens on its clock", async () => {
    const { oauth, server, exchange, refreshWith, advance } = await start()
    try {
      const late = oauth.issueCode({ clientId: "c1", redirectUri })
      advance(61_000)
      const expired = await exchange(late)
      assert.strictEqual(expired.body["error_description"], "the authorization code is invalid or expired")
      const code = oauth.issueCode({ clientId: "c1", redirectUri })
      const first = await exchange(code)
      advance(301_000)
      assert.strictEqual(oauth.tokenStatus(String(first.body["access_token"])), "expired")
      advance(3_600_000)
      const stale = await refreshWith(String(first.body["refresh_token"]))
      assert.strictEqual(stale.body["error_description"], "the refresh token expired")
    } finally {
      await server.close()
    }
  })

  it("authenticates clients by Basic or body as configured, and shapes refusals and answers by options", async () => {
    const { oauth, server, token, exchange } = await start({
      clientAuthentication: ["client_secret_basic"],
      bodyFormats: ["form"],
      invalidClient: { status: 401, body: { error: "access_denied" } },
      invalidGrant: (reason) => ({ status: 403, body: { error: "invalid_grant", reason } }),
      unsupportedGrantType: { status: 403, body: { error: "unsupported_grant_type" } },
      tokenBody: (issued) => ({ token: issued.accessToken, in: issued.expiresIn })
    })
    try {
      const code = oauth.issueCode({ clientId: "c1", redirectUri })
      const byPost = await exchange(code)
      assert.deepStrictEqual([byPost.status, byPost.body], [401, { error: "access_denied" }])
      const json = await token({ grant_type: "authorization_code" }, { basic: "c1:s3cret-1", json: true })
      assert.deepStrictEqual([json.status, json.body["error"]], [400, "invalid_request"])
      const wrong = await token({ grant_type: "authorization_code", code }, { basic: "c1:wrong" })
      assert.strictEqual(wrong.status, 401)
      const byBasic = await token(
        { grant_type: "authorization_code", code, redirect_uri: redirectUri },
        { basic: "c1:s3cret-1" }
      )
      assert.deepStrictEqual(Object.keys(byBasic.body), ["token", "in"])
      const reused = await token(
        { grant_type: "authorization_code", code, redirect_uri: redirectUri },
        { basic: "c1:s3cret-1" }
      )
      assert.deepStrictEqual([reused.status, reused.body["reason"]], [403, "code-reused"])
      const grant = await token({ grant_type: "password" }, { basic: "c1:s3cret-1" })
      assert.deepStrictEqual([grant.status, grant.body], [403, { error: "unsupported_grant_type" }])
    } finally {
      await server.close()
    }
  })

  it("revokes single tokens (RFC 7009) and expires access tokens on demand", async () => {
    const { oauth, server, exchange, refreshWith } = await start()
    try {
      const code = oauth.issueCode({ clientId: "c1", redirectUri })
      const first = await exchange(code)
      const second = await exchange(oauth.issueCode({ clientId: "c1", redirectUri }))
      oauth.expireAccessTokens()
      assert.strictEqual(oauth.tokenStatus(String(first.body["access_token"])), "expired")
      oauth.revokeToken(String(first.body["access_token"]))
      oauth.revokeToken(String(first.body["refresh_token"]))
      oauth.revokeToken("unknown")
      assert.strictEqual(oauth.tokenStatus(String(first.body["access_token"])), "unknown")
      assert.deepStrictEqual(oauth.liveRefreshTokens(), [String(second.body["refresh_token"])])
      const refused = await refreshWith(String(first.body["refresh_token"]))
      assert.strictEqual(refused.body["error_description"], "the refresh token was revoked")
    } finally {
      await server.close()
    }
  })
})
