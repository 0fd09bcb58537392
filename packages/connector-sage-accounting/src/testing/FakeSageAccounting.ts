/**
 * A fake Sage Business Cloud Accounting v3.1 server for tests: a real `node:http` server on
 * 127.0.0.1 at a random port with the vendor's OAuth endpoints (authorize redirect, form-encoded
 * token endpoint with rotating refresh tokens), bearer checks, the `$items` list envelope, change
 * filters, paging, 422 error arrays and a configurable rate limit. It is strict where the vendor is
 * strict, so that a connector passing against it sends what the real API expects.
 */
import type { IncomingMessage } from "node:http"
import { FakeHttp } from "@plugboard/testkit/fake-vendor"
import { collections } from "./FakeSageCollections.js"
import { sageError } from "./FakeSageErrors.js"
import { type Answer, listCollection } from "./FakeSageList.js"
import { type FakeClient, FakeSageOAuth } from "./FakeSageOAuth.js"
import { FakeSageStore } from "./FakeSageStore.js"
import { readWriteBody } from "./FakeSageWrite.js"

/** Options of {@link startFakeSageAccounting}; every one has a default. */
export interface FakeSageAccountingOptions {
  /** Registered OAuth clients; default one client `test-client` / `test-secret` accepting any redirect URI. */
  readonly clients?: ReadonlyArray<FakeClient>
  /** Access token lifetime in seconds (default 300, the vendor's ≈5 minutes). */
  readonly accessTokenSeconds?: number
  /** Refresh token lifetime in seconds (default 31 days). */
  readonly refreshTokenSeconds?: number
  /** Authorization code lifetime in seconds (default 60). */
  readonly codeSeconds?: number
  /** When set, API calls must carry this `Ocp-Apim-Subscription-Key` (401 otherwise). */
  readonly subscriptionKey?: string
  /** Business ids the user may pick with `X-Business`; default one generated lead business. */
  readonly businesses?: ReadonlyArray<string>
  /** API requests allowed per window before 429 (the vendor documents 200 per 60 s); default unlimited. */
  readonly rateLimit?: { readonly requests: number; readonly windowSeconds: number }
  /** The server's clock in epoch milliseconds (default `Date.now`); drives token expiry and timestamps. */
  readonly now?: () => number
}

/** One API request the fake received, for assertions on headers and parameters. */
export interface RecordedRequest {
  readonly method: string
  /** Path below the API base (`/contacts`). */
  readonly path: string
  readonly query: URLSearchParams
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The status the fake answered with. */
  readonly status: number
}

/** A running fake. */
export interface FakeSageAccounting {
  /** Origin of the server (`http://127.0.0.1:PORT`). */
  readonly url: string
  /** API base, the `base.url` to configure (`{url}/v3.1`). */
  readonly baseUrl: string
  /** Authorize endpoint with `filter=apiv3.1`, the `oauth.authorization.url` to configure. */
  readonly authorizationUrl: string
  /** Token endpoint, the `oauth.token.url` to configure. */
  readonly tokenUrl: string
  readonly store: FakeSageStore
  readonly oauth: FakeSageOAuth
  /** Every API request received, in order (OAuth endpoints excluded). */
  readonly requests: Array<RecordedRequest>
  /** Makes the next `count` API requests fail with `status` (a vendor outage). */
  readonly failNext: (status: number, count?: number) => void
  readonly close: () => Promise<void>
}

const API_PREFIX = "/v3.1"

const unauthorized: Answer = {
  status: 401,
  body: [sageError("Unauthorized", "the access token is missing, invalid or expired")],
  headers: { "www-authenticate": 'Bearer error="invalid_token"' }
}

/** Starts a fake Sage Accounting server; close it when done. */
export const startFakeSageAccounting = async (
  options: FakeSageAccountingOptions = {}
): Promise<FakeSageAccounting> => {
  const now = options.now ?? Date.now
  const store = new FakeSageStore(now)
  const oauth = new FakeSageOAuth(
    options.clients ?? [{ clientId: "test-client", clientSecret: "test-secret" }],
    {
      code: options.codeSeconds ?? 60,
      accessToken: options.accessTokenSeconds ?? 300,
      refreshToken: options.refreshTokenSeconds ?? 31 * 24 * 3600
    },
    now
  )
  const businesses = options.businesses ?? ["8c8f5c4e2a9b4d6f9b1e7a3c5d2f4e6a"]
  const requests: Array<RecordedRequest> = []
  const faults: Array<number> = []
  const recent: Array<number> = []

  const gate = (request: IncomingMessage): Answer | undefined => {
    const fault = faults.shift()
    if (fault !== undefined)
      return { status: fault, body: [sageError("ServiceUnavailable", `injected failure ${fault}`)] }
    if (options.rateLimit !== undefined) {
      const windowMillis = options.rateLimit.windowSeconds * 1000
      const at = now()
      while (recent.length > 0 && (recent[0] ?? 0) <= at - windowMillis) recent.shift()
      if (recent.length >= options.rateLimit.requests) {
        const wait = Math.max(1, Math.ceil(((recent[0] ?? at) + windowMillis - at) / 1000))
        return {
          status: 429,
          body: [sageError("TooManyRequests", "the rate limit was exceeded; retry later")],
          headers: { "retry-after": String(wait) }
        }
      }
      recent.push(at)
    }
    if (
      options.subscriptionKey !== undefined &&
      request.headers["ocp-apim-subscription-key"] !== options.subscriptionKey
    ) {
      return {
        status: 401,
        body: { statusCode: 401, message: "Access denied due to missing or invalid subscription key." }
      }
    }
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? "")
    if (bearer?.[1] === undefined || oauth.check(bearer[1]) !== "valid") return unauthorized
    const business = request.headers["x-business"]
    if (typeof business === "string" && !businesses.includes(business)) {
      return {
        status: 404,
        body: [sageError("RecordNotFound", `no business with id '${business}'`, "X-Business")]
      }
    }
    return undefined
  }

  const api = (request: IncomingMessage, url: URL, text: string): Answer => {
    const path = url.pathname.slice(API_PREFIX.length)
    const answer = route(request, url, path, text)
    requests.push({
      method: request.method ?? "GET",
      path,
      query: url.searchParams,
      headers: FakeHttp.headerMap(request),
      status: answer.status
    })
    return answer
  }

  const route = (request: IncomingMessage, url: URL, path: string, text: string): Answer => {
    const refused = gate(request)
    if (refused !== undefined) return refused

    const [, name, id, extra] = path.split("/")
    const spec = name === undefined ? undefined : collections[name]
    if (spec === undefined || extra !== undefined) {
      return { status: 404, body: [sageError("RecordNotFound", `no such resource '${path}'`)] }
    }
    const method = request.method ?? "GET"
    const notAllowed: Answer = {
      status: 405,
      body: [
        sageError(
          "MethodNotAllowed",
          `${method} is not allowed on /${spec.name}${id === undefined ? "" : "/{key}"}`
        )
      ]
    }
    let body: unknown
    if (method === "POST" || method === "PUT") {
      if (!(request.headers["content-type"] ?? "").startsWith("application/json")) {
        return { status: 415, body: [sageError("UnsupportedMediaType", "the body must be application/json")] }
      }
      try {
        body = JSON.parse(text)
      } catch {
        return { status: 400, body: [sageError("InvalidJson", "the body is not valid JSON")] }
      }
    }

    if (id === undefined || id === "") {
      if (method === "GET") return listCollection(store, spec, url.searchParams)
      if (method !== "POST" || !spec.create) return notAllowed
      const write = readWriteBody(store, spec, body, true)
      if (!write.ok) return { status: 422, body: write.problems }
      const fields = { ...write.fields, id: undefined, created_at: undefined, updated_at: undefined }
      return { status: 201, body: store.insert(spec.name, fields) }
    }

    const key = decodeURIComponent(id)
    const missing: Answer = {
      status: 404,
      body: [sageError("RecordNotFound", `no ${spec.bodyKey} with id '${key}'`)]
    }
    switch (method) {
      case "GET": {
        const found = store.get(spec.name, key)
        return found === undefined ? missing : { status: 200, body: found }
      }
      case "PUT": {
        if (!spec.update) return notAllowed
        if (store.get(spec.name, key) === undefined) return missing
        const write = readWriteBody(store, spec, body, false)
        if (!write.ok) return { status: 422, body: write.problems }
        return { status: 200, body: store.update(spec.name, key, write.fields) }
      }
      case "DELETE": {
        if (!spec.delete) return notAllowed
        return store.remove(spec.name, key) ? { status: 204, body: undefined } : missing
      }
      default:
        return notAllowed
    }
  }

  const server = await FakeHttp.startFakeServer(
    (request, url, text) => {
      if (request.method === "GET" && url.pathname === "/oauth2/auth/central")
        return oauth.authorizeEndpoint(url)
      if (request.method === "POST" && url.pathname === "/token") return oauth.tokenEndpoint(request, text)
      if (url.pathname.startsWith(`${API_PREFIX}/`)) return api(request, url, text)
      return { status: 404, body: [sageError("RecordNotFound", `no route ${url.pathname}`)] }
    },
    (error) => ({ status: 500, body: [sageError("UnexpectedError", String(error))] })
  )
  const url = server.url
  return {
    url,
    baseUrl: `${url}${API_PREFIX}`,
    authorizationUrl: `${url}/oauth2/auth/central?filter=apiv3.1`,
    tokenUrl: `${url}/token`,
    store,
    oauth,
    requests,
    failNext: (status, count = 1) => {
      for (let i = 0; i < count; i++) faults.push(status)
    },
    close: server.close
  }
}
