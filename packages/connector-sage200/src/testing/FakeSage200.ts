/**
 * A fake Sage 200 server for tests: a real `node:http` server on 127.0.0.1 at a random port with
 * Sage ID's OAuth endpoints (authorize redirect, token endpoint with rotating refresh tokens), bearer
 * checks, `GET /sites`, the `X-Site`/`X-Company` headers, one data set per company, OData list
 * options, bare-array bodies, and a configurable rate limit answering 429 with `Retry-After`. It is
 * strict where the vendor is strict, so a connector passing against it sends what the real API expects.
 */
import type { IncomingMessage } from "node:http"
import { FakeHttp } from "@plugboard/testkit/fake-vendor"
import { children, collections } from "./FakeSage200Collections.js"
import { type Answer, listRecords, vendorError } from "./FakeSage200List.js"
import { audience, type FakeClient, FakeSage200OAuth } from "./FakeSage200OAuth.js"
import { FakeSage200Store } from "./FakeSage200Store.js"

/** A company the fake's user can reach, as `GET /sites` lists it. */
export interface FakeCompany {
  readonly siteId: string
  readonly siteName: string
  readonly companyId: number
  readonly companyName: string
}

/** Options of {@link startFakeSage200}; every one has a default. */
export interface FakeSage200Options {
  /** Registered OAuth clients; default one client `test-client` / `test-secret`. */
  readonly clients?: ReadonlyArray<FakeClient>
  /** The companies of the user; default one, the seed's `Cloud-Elements Demodata`. */
  readonly companies?: ReadonlyArray<FakeCompany>
  /** Access token lifetime in seconds (default 480, Sage ID's 8 minutes). */
  readonly accessTokenSeconds?: number
  /** Refresh token lifetime in seconds (default 90 days). */
  readonly refreshTokenSeconds?: number
  /** When set, API calls must carry this `Ocp-Apim-Subscription-Key` (401 otherwise). */
  readonly subscriptionKey?: string
  /** API requests allowed per window before 429; default unlimited (the vendor documents none). */
  readonly rateLimit?: { readonly requests: number; readonly windowSeconds: number }
  /** The server's clock in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number
}

/** One API request the fake received. */
export interface RecordedRequest {
  readonly method: string
  /** `sage200` or `sage200extra`, from the URL. */
  readonly edition: string
  /** Path below the API base (`/customers`). */
  readonly path: string
  readonly query: URLSearchParams
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly status: number
}

/** A running fake. */
export interface FakeSage200 {
  /** Origin of the server (`http://127.0.0.1:PORT`). */
  readonly url: string
  /** Sage 200 Standard API base, the `base.url` to configure. */
  readonly baseUrl: string
  /** Sage 200 Professional API base. */
  readonly professionalBaseUrl: string
  /** Authorize endpoint with the Sage 200 audience, the `oauth.authorization.url` to configure. */
  readonly authorizationUrl: string
  /** Token endpoint, the `oauth.token.url` to configure. */
  readonly tokenUrl: string
  readonly companies: ReadonlyArray<FakeCompany>
  /** The data of the first company. */
  readonly store: FakeSage200Store
  /** The data of a company by name. */
  readonly storeOf: (companyName: string) => FakeSage200Store
  readonly oauth: FakeSage200OAuth
  /** Every API request received, in order (OAuth endpoints excluded). */
  readonly requests: Array<RecordedRequest>
  /** Makes the next `count` API requests fail with `status`. */
  readonly failNext: (status: number, count?: number) => void
  readonly close: () => Promise<void>
}

const apiPath = /^\/uk\/(sage200|sage200extra)\/accounts\/v1(\/.*)$/

const defaultCompanies: ReadonlyArray<FakeCompany> = [
  {
    siteId: "a1b2c3d4-0000-4000-8000-000000000001",
    siteName: "Demo site",
    companyId: 7,
    companyName: "Cloud-Elements Demodata"
  }
]

const header = FakeHttp.header

/** Starts a fake Sage 200 server; close it when done. */
export const startFakeSage200 = async (options: FakeSage200Options = {}): Promise<FakeSage200> => {
  const now = options.now ?? Date.now
  const companies = options.companies ?? defaultCompanies
  const stores = new Map(companies.map((c) => [c.companyId, new FakeSage200Store(now)]))
  const oauth = new FakeSage200OAuth(
    options.clients ?? [{ clientId: "test-client", clientSecret: "test-secret" }],
    {
      code: 60,
      accessToken: options.accessTokenSeconds ?? 480,
      refreshToken: options.refreshTokenSeconds ?? 90 * 24 * 3600
    },
    now
  )
  const requests: Array<RecordedRequest> = []
  const faults: Array<number> = []
  const recent: Array<number> = []

  const gate = (request: IncomingMessage): Answer | undefined => {
    const fault = faults.shift()
    if (fault !== undefined)
      return { status: fault, body: vendorError("ServiceUnavailable", `injected failure ${fault}`) }
    if (options.rateLimit !== undefined) {
      const windowMillis = options.rateLimit.windowSeconds * 1000
      const at = now()
      while (recent.length > 0 && (recent[0] ?? 0) <= at - windowMillis) recent.shift()
      if (recent.length >= options.rateLimit.requests) {
        const wait = Math.max(1, Math.ceil(((recent[0] ?? at) + windowMillis - at) / 1000))
        return {
          status: 429,
          body: { statusCode: 429, message: `Rate limit is exceeded. Try again in ${wait} seconds.` },
          headers: { "retry-after": String(wait) }
        }
      }
      recent.push(at)
    }
    if (
      options.subscriptionKey !== undefined &&
      header(request, "ocp-apim-subscription-key") !== options.subscriptionKey
    ) {
      return {
        status: 401,
        body: { statusCode: 401, message: "Access denied due to missing or invalid subscription key." }
      }
    }
    const bearer = /^Bearer (.+)$/i.exec(header(request, "authorization") ?? "")
    if (bearer?.[1] === undefined || !oauth.check(bearer[1])) {
      return {
        status: 401,
        body: vendorError("Unauthorized", "the access token is missing, invalid or expired"),
        headers: { "www-authenticate": 'Bearer error="invalid_token"' }
      }
    }
    return undefined
  }

  const companyOf = (request: IncomingMessage): FakeCompany | undefined =>
    companies.find(
      (c) => c.siteId === header(request, "x-site") && String(c.companyId) === header(request, "x-company")
    )

  const route = (request: IncomingMessage, url: URL, path: string, text: string): Answer => {
    const refused = gate(request)
    if (refused !== undefined) return refused
    const method = request.method ?? "GET"
    if (path === "/sites") {
      if (method !== "GET") return { status: 405, body: vendorError("MethodNotAllowed", `${method} /sites`) }
      return {
        status: 200,
        body: companies.map((c) => ({
          site_id: c.siteId,
          site_name: c.siteName,
          company_id: c.companyId,
          company_name: c.companyName
        }))
      }
    }
    const company = companyOf(request)
    if (company === undefined) {
      return {
        status: 400,
        body: vendorError(
          "InvalidSiteOrCompany",
          "X-Site and X-Company must name a site and company the user can reach"
        )
      }
    }
    const store = stores.get(company.companyId)!
    const [, name, id, child, ...rest] = path.split("/")
    const spec = name === undefined ? undefined : collections[name]
    if (spec === undefined || rest.length > 0)
      return { status: 404, body: vendorError("NotFound", `no resource '${path}'`) }

    if (child !== undefined) {
      const foreignKey = children[spec.name]?.[child]
      if (foreignKey === undefined)
        return { status: 404, body: vendorError("NotFound", `no resource '${path}'`) }
      if (method !== "GET") return { status: 405, body: vendorError("MethodNotAllowed", `${method} ${path}`) }
      if (store.get(spec.name, id ?? "") === undefined) {
        return { status: 404, body: vendorError("NotFound", `no ${spec.name} with id ${id}`) }
      }
      const owned = store.list(child).filter((record) => String(record[foreignKey]) === id)
      return listRecords(owned, url.searchParams)
    }

    let body: Record<string, unknown> = {}
    if (method === "POST" || method === "PUT") {
      if (!(header(request, "content-type") ?? "").startsWith("application/json")) {
        return { status: 415, body: vendorError("UnsupportedMediaType", "the body must be application/json") }
      }
      try {
        const parsed: unknown = JSON.parse(text)
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
          throw new TypeError("not an object")
        body = parsed as Record<string, unknown>
      } catch {
        return { status: 400, body: vendorError("InvalidJson", "the body must be a JSON object") }
      }
      const { id: _id, date_time_created: _c, date_time_updated: _u, ...fields } = body
      body = fields
    }
    const notAllowed: Answer = {
      status: 405,
      body: vendorError("MethodNotAllowed", `${method} is not allowed on ${path}`)
    }

    if (id === undefined || id === "") {
      if (method === "GET") return listRecords(store.list(spec.name), url.searchParams)
      if (method !== "POST" || !spec.create) return notAllowed
      if (spec.required !== undefined && (body[spec.required] === undefined || body[spec.required] === "")) {
        return {
          status: 400,
          body: vendorError("ValidationError", `The ${spec.required} field is required.`)
        }
      }
      return { status: 201, body: store.insert(spec.name, body) }
    }
    const missing: Answer = { status: 404, body: vendorError("NotFound", `no ${spec.name} with id ${id}`) }
    if (!/^\d+$/.test(id))
      return { status: 400, body: vendorError("InvalidId", `'${id}' is not an Int64 id`) }
    switch (method) {
      case "GET": {
        const found = store.get(spec.name, id)
        return found === undefined ? missing : { status: 200, body: found }
      }
      case "PUT": {
        if (!spec.update) return notAllowed
        const updated = store.update(spec.name, id, body)
        return updated === undefined ? missing : { status: 200, body: updated }
      }
      case "DELETE":
        if (!spec.delete) return notAllowed
        return store.remove(spec.name, id) ? { status: 204, body: undefined } : missing
      default:
        return notAllowed
    }
  }

  const api = (request: IncomingMessage, url: URL, edition: string, path: string, text: string): Answer => {
    const answer = route(request, url, path, text)
    requests.push({
      method: request.method ?? "GET",
      edition,
      path,
      query: url.searchParams,
      headers: FakeHttp.headerMap(request),
      status: answer.status
    })
    return answer
  }

  const server = await FakeHttp.startFakeServer(
    (request, url, text) => {
      if (request.method === "GET" && url.pathname === "/authorize") return oauth.authorizeEndpoint(url)
      if (request.method === "POST" && url.pathname === "/oauth/token")
        return oauth.tokenEndpoint(request, text)
      const match = apiPath.exec(url.pathname)
      if (match !== null) return api(request, url, match[1]!, match[2]!, text)
      return { status: 404, body: vendorError("NotFound", `no route ${url.pathname}`) }
    },
    (error) => ({ status: 500, body: vendorError("UnexpectedError", String(error)) })
  )
  const url = server.url
  return {
    url,
    baseUrl: `${url}/uk/sage200/accounts/v1`,
    professionalBaseUrl: `${url}/uk/sage200extra/accounts/v1`,
    authorizationUrl: `${url}/authorize?audience=${audience}`,
    tokenUrl: `${url}/oauth/token`,
    companies,
    store: stores.get(companies[0]!.companyId)!,
    storeOf: (companyName) => {
      const company = companies.find((c) => c.companyName === companyName)
      if (company === undefined) throw new TypeError(`the fake has no company '${companyName}'`)
      return stores.get(company.companyId)!
    },
    oauth,
    requests,
    failNext: (status, count = 1) => {
      for (let i = 0; i < count; i++) faults.push(status)
    },
    close: server.close
  }
}
