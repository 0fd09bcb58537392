/**
 * A fake Sendoso for tests: a real `node:http` server on 127.0.0.1 at a random port with Sendoso's
 * OAuth endpoints (authorize redirect, token endpoint taking form or JSON bodies with code and
 * rotating refresh token grants, revocation), bearer checks answering 401 in both of Sendoso's body
 * shapes, the Core API v3 routes with envelope paging, 429 with `X-Rate-Limit-Reset` over 10
 * requests per second per client, and injected outages. It is strict where Sendoso is strict, so a
 * connector passing against it sends what the real API expects.
 */
import type { IncomingMessage } from "node:http"
import { FakeHttp } from "@plugboard/testkit/fake-vendor"
import { type ApiOptions, route } from "./FakeSendosoApi.js"
import { type Answer, failure, noRoute } from "./FakeSendosoHttp.js"
import { type FakeClient, FakeSendosoOAuth } from "./FakeSendosoOAuth.js"
import { FakeSendosoRateLimit, type RateLimit, sendosoRateLimit } from "./FakeSendosoRateLimit.js"
import { FakeSendosoStore } from "./FakeSendosoStore.js"

/** Options of {@link startFakeSendoso}; every one has a default. */
export interface FakeSendosoOptions {
  /** Registered OAuth clients; default one client `test-client` / `test-secret` accepting any redirect URI. */
  readonly clients?: ReadonlyArray<FakeClient>
  /** Access token lifetime in seconds (default 7200, Sendoso's two hours). */
  readonly accessTokenSeconds?: number
  /** The throttle (default Sendoso's 10 requests per second per client); `false` turns it off. */
  readonly rateLimit?: RateLimit | false
  /** The throttle's clock (default `Date.now`). */
  readonly rateClock?: () => number
  /** Serve `GET /return_addresses` (Sendoso documents no such endpoint; default false, a 404). */
  readonly returnAddresses?: boolean
  /** The server's clock in epoch milliseconds (default `Date.now`): token expiry and record dates. */
  readonly now?: () => number
  /** UTC offset of the record timestamps in minutes (default −420, Pacific daylight time). */
  readonly offsetMinutes?: number
}

/** One API request the fake received. */
export interface RecordedRequest {
  readonly method: string
  /** Path below the API base (`/groups`). */
  readonly path: string
  readonly query: URLSearchParams
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The parsed JSON body, when there was one. */
  readonly body: unknown
  /** The status the fake answered with. */
  readonly status: number
}

/** A running fake. */
export interface FakeSendoso {
  /** Origin of the server (`http://127.0.0.1:PORT`). */
  readonly url: string
  /** API base, the `base.url` to configure (`{url}/api/v3`). */
  readonly baseUrl: string
  /** The `oauth.authorization.url` to configure. */
  readonly authorizationUrl: string
  /** The `oauth.token.url` to configure. */
  readonly tokenUrl: string
  /** The records; add, change and delete them here. */
  readonly store: FakeSendosoStore
  readonly oauth: FakeSendosoOAuth
  readonly rateLimit: FakeSendosoRateLimit | undefined
  /** Every API request received, in order (OAuth endpoints excluded). */
  readonly requests: Array<RecordedRequest>
  /** Makes the next `count` API requests fail with `status` (an outage; 429s carry a reset header). */
  readonly failNext: (status: number, count?: number) => void
  readonly close: () => Promise<void>
}

const API_PREFIX = "/api/v3"

const me = {
  id: 5001,
  first_name: "Ada",
  last_name: "Admin",
  email: "ada@example.com",
  role: "admin",
  balance: "250.0",
  team_balance: 5000
}

/** Starts a fake Sendoso; close it when done. */
export const startFakeSendoso = async (options: FakeSendosoOptions = {}): Promise<FakeSendoso> => {
  const now = options.now ?? Date.now
  const store = new FakeSendosoStore(now, options.offsetMinutes ?? -420)
  const oauth = new FakeSendosoOAuth(
    options.clients ?? [{ clientId: "test-client", clientSecret: "test-secret" }],
    options.accessTokenSeconds ?? 7200,
    now
  )
  const limit = options.rateLimit ?? sendosoRateLimit
  const rateLimit = limit === false ? undefined : new FakeSendosoRateLimit(limit, options.rateClock)
  const apiOptions: ApiOptions = { returnAddresses: options.returnAddresses ?? false, me }
  const requests: Array<RecordedRequest> = []
  const faults: Array<number> = []

  const revoke = (request: IncomingMessage, text: string): Answer => {
    const read = FakeHttp.readFields(request, text)
    const value = "fields" in read ? read.fields["token"] : undefined
    if (typeof value === "string") oauth.revoke(value)
    return { status: 200, body: {} }
  }

  /** Outages, authentication and the throttle, in Sendoso's order; undefined lets the call through. */
  const gate = (request: IncomingMessage): Answer | undefined => {
    const fault = faults.shift()
    if (fault !== undefined) {
      return failure(
        fault,
        `injected failure ${fault}`,
        fault === 429 ? { "x-rate-limit-reset": "1" } : undefined
      )
    }
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")?.[1]
    if (bearer === undefined) {
      return failure(401, "The access token is invalid", { "www-authenticate": 'Bearer realm="Doorkeeper"' })
    }
    const status = oauth.check(bearer)
    if (status !== "valid") {
      return {
        status: 401,
        body:
          status === "expired"
            ? { description: "The access token expired", expired: true }
            : { description: "The access token is invalid", expired: false },
        headers: { "www-authenticate": 'Bearer realm="Doorkeeper", error="invalid_token"' }
      }
    }
    return rateLimit?.admit(oauth.clientOf(bearer) ?? bearer)
  }

  const api = (request: IncomingMessage, url: URL, text: string): Answer => {
    const path = url.pathname.slice(API_PREFIX.length)
    const method = request.method ?? "GET"
    let body: unknown
    let answer = gate(request)
    if (answer === undefined && method === "POST") {
      if (!(request.headers["content-type"] ?? "").startsWith("application/json")) {
        answer = failure(415, "the body must be application/json")
      } else {
        try {
          body = JSON.parse(text)
        } catch {
          answer = failure(400, "the body is not valid JSON")
        }
      }
    }
    answer ??= route(store, apiOptions, { method, path, query: url.searchParams, body }, now())
    requests.push({
      method,
      path,
      query: url.searchParams,
      headers: FakeHttp.headerMap(request),
      body,
      status: answer.status
    })
    return answer
  }

  const server = await FakeHttp.startFakeServer(
    (request, url, text) => {
      if (request.method === "GET" && url.pathname === "/oauth/authorize") return oauth.authorizeEndpoint(url)
      if (request.method === "POST" && url.pathname === "/oauth/token")
        return oauth.tokenEndpoint(request, text)
      if (request.method === "POST" && url.pathname === "/oauth/revoke") return revoke(request, text)
      if (url.pathname.startsWith(`${API_PREFIX}/`)) return api(request, url, text)
      return noRoute
    },
    (error) => failure(500, `the fake failed: ${String(error)}`)
  )
  const url = server.url
  return {
    url,
    baseUrl: `${url}${API_PREFIX}`,
    authorizationUrl: `${url}/oauth/authorize`,
    tokenUrl: `${url}/oauth/token`,
    store,
    oauth,
    rateLimit,
    requests,
    failNext: (status, count = 1) => {
      for (let i = 0; i < count; i++) faults.push(status)
    },
    close: server.close
  }
}
