/**
 * A tiny vendor for the library-mode tests, on a real loopback HTTP server: an OAuth token
 * endpoint (authorization code, refresh with rotation: a used refresh token stops working), an
 * `items` API behind bearer tokens with page-number paging, and create/update/replace/delete. The
 * test connector `itemsConnector` maps the hub resource `items` onto it and polls it by
 * `updated_at`. Every API request is recorded so tests can count vendor pages.
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { AuthSpec, Ceql, Connector, Paging, Resource } from "../src/index.js"

const dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"

/** The connector of the fake: hub `crm`, resource `items`, OAuth authorization code. */
export const itemsConnector: Connector.Connector = Connector.make({
  key: "fakeitems",
  id: 9100,
  name: "Fake Items",
  description: "A vendor for library-mode tests",
  hub: "crm",
  baseUrl: "http://vendor.invalid/api",
  auth: AuthSpec.oauth2Code({ tokenEndpointAuth: "client_secret_post" }),
  configuration: Connector.oauthParams({
    authorizationUrl: "http://vendor.invalid/oauth/authorize",
    tokenUrl: "http://vendor.invalid/oauth/token",
    callbackUrl: "https://app.test/callback"
  }),
  paging: Paging.pageNumber({
    pageParam: "page",
    sizeParam: "per_page",
    maxPageSize: 50,
    defaultPageSize: 10,
    items: "items",
    total: "total"
  }),
  query: Ceql.Translate.none,
  resources: {
    items: Resource.make({
      description: "Items",
      path: "/items",
      id: "id",
      verbs: ["list", "get", "create", "update", "replace", "delete"],
      created: { field: "created_at", format: dateFormat, zone: "GMT" },
      updated: { field: "updated_at", format: dateFormat, zone: "GMT" },
      poll: {
        _tag: "UpdatedSince",
        where: `updated_at >= '\${gmtDate:${dateFormat}}'`
      }
    })
  },
  events: { defaultResources: ["items"] },
  credentialCheck: { path: "/items", query: { per_page: "1" } }
})

/** The OAuth client the fake knows. */
export const CLIENT_ID = "items-client"
export const CLIENT_SECRET = "items-secret"

/** An item as the vendor stores it. */
export type Item = Record<string, unknown> & {
  readonly id: string
  readonly created_at: string
  readonly updated_at: string
}

/** One API request, for counting pages. */
export interface Logged {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
}

/** A running fake. */
export interface FakeItemsVendor {
  readonly origin: string
  /** The configuration pointing the connector at this fake (client id and secret included). */
  readonly configuration: Record<string, unknown>
  readonly requests: Array<Logged>
  /** Issues an authorization code, as if a user had approved the app. */
  readonly issueCode: () => string
  /** Makes every access token issued so far stop working (the vendor answers 401). */
  readonly expireAccessTokens: () => void
  /** Makes the next API request fail with `status`. */
  readonly failNext: (status: number) => void
  /** The refresh tokens still usable (not rotated yet). */
  readonly liveRefreshTokens: () => ReadonlyArray<string>
  /** Adds an item dated `at` (default now). */
  readonly insert: (fields: Record<string, unknown>, at?: number) => Item
  /** Changes an item and moves its `updated_at` to `at` (default now). */
  readonly change: (id: string, fields: Record<string, unknown>, at?: number) => Item
  readonly items: () => ReadonlyArray<Item>
  readonly close: () => Promise<void>
}

/** Whole-second ISO time, as the vendor writes dates. */
export const stamp = (millis: number): string => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")

const json = (res: ServerResponse, status: number, body?: unknown) => {
  if (body === undefined) {
    res.writeHead(status).end()
    return
  }
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body))
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** Starts the fake on a random loopback port. */
export const startFakeItemsVendor = async (): Promise<FakeItemsVendor> => {
  const items = new Map<string, Item>()
  const codes = new Set<string>()
  const access = new Set<string>()
  const refresh = new Map<string, { used: boolean }>()
  const requests: Array<Logged> = []
  const faults: Array<number> = []
  let nextId = 1

  const issueTokens = () => {
    const accessToken = `at_${randomBytes(12).toString("hex")}`
    const refreshToken = `rt_${randomBytes(12).toString("hex")}`
    access.add(accessToken)
    refresh.set(refreshToken, { used: false })
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: "bearer",
      expires_in: 3600
    }
  }

  const token = (form: URLSearchParams): readonly [number, unknown] => {
    if (form.get("client_id") !== CLIENT_ID || form.get("client_secret") !== CLIENT_SECRET) {
      return [401, { error: "invalid_client" }]
    }
    if (form.get("grant_type") === "authorization_code") {
      const code = form.get("code") ?? ""
      if (!codes.delete(code)) return [400, { error: "invalid_grant", error_description: "unknown code" }]
      return [200, issueTokens()]
    }
    if (form.get("grant_type") === "refresh_token") {
      const found = refresh.get(form.get("refresh_token") ?? "")
      if (found === undefined || found.used) {
        return [400, { error: "invalid_grant", error_description: "refresh token is not valid" }]
      }
      found.used = true
      return [200, issueTokens()]
    }
    return [400, { error: "unsupported_grant_type" }]
  }

  const insert = (fields: Record<string, unknown>, at = Date.now()): Item => {
    const id = String(nextId++)
    const item: Item = { ...fields, id, created_at: stamp(at), updated_at: stamp(at) }
    items.set(id, item)
    return item
  }

  const change = (id: string, fields: Record<string, unknown>, at = Date.now()): Item => {
    const current = items.get(id)
    if (current === undefined) throw new Error(`no item ${id}`)
    const item: Item = { ...current, ...fields, id, created_at: current.created_at, updated_at: stamp(at) }
    items.set(id, item)
    return item
  }

  const api = (req: IncomingMessage, url: URL, body: string, res: ServerResponse) => {
    const path = url.pathname.slice("/api".length)
    requests.push({ method: req.method ?? "GET", path, query: Object.fromEntries(url.searchParams) })
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")
    if (bearer?.[1] === undefined || !access.has(bearer[1])) return json(res, 401, { message: "bad token" })
    const fault = faults.shift()
    if (fault !== undefined) return json(res, fault, { message: "injected failure" })
    const parsed = body === "" ? undefined : (JSON.parse(body) as Record<string, unknown>)
    if (path === "/items" && req.method === "GET") {
      const page = Number(url.searchParams.get("page") ?? "1")
      const size = Number(url.searchParams.get("per_page") ?? "10")
      const all = [...items.values()]
      return json(res, 200, { items: all.slice((page - 1) * size, page * size), total: all.length })
    }
    if (path === "/items" && req.method === "POST") return json(res, 201, insert(parsed ?? {}))
    const match = /^\/items\/([^/]+)$/.exec(path)
    const id = match?.[1] === undefined ? undefined : decodeURIComponent(match[1])
    const current = id === undefined ? undefined : items.get(id)
    if (id === undefined || current === undefined) return json(res, 404, { message: "no such item" })
    switch (req.method) {
      case "GET":
        return json(res, 200, current)
      case "PATCH":
        return json(res, 200, change(id, parsed ?? {}))
      case "PUT": {
        const replaced: Item = {
          ...(parsed ?? {}),
          id,
          created_at: current.created_at,
          updated_at: stamp(Date.now())
        }
        items.set(id, replaced)
        return json(res, 200, replaced)
      }
      case "DELETE":
        items.delete(id)
        return json(res, 204)
      default:
        return json(res, 405, { message: "not allowed" })
    }
  }

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? "/", "http://fake.local")
      if (url.pathname === "/oauth/token" && req.method === "POST") {
        const [status, answer] = token(new URLSearchParams(body))
        return json(res, status, answer)
      }
      if (url.pathname.startsWith("/api/")) return api(req, url, body, res)
      return json(res, 404, { message: "not found" })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    origin,
    configuration: {
      "oauth.api.key": CLIENT_ID,
      "oauth.api.secret": CLIENT_SECRET,
      "base.url": `${origin}/api`,
      "oauth.token.url": `${origin}/oauth/token`,
      "oauth.authorization.url": `${origin}/oauth/authorize`
    },
    requests,
    issueCode: () => {
      const code = randomBytes(8).toString("hex")
      codes.add(code)
      return code
    },
    expireAccessTokens: () => access.clear(),
    failNext: (status) => faults.push(status),
    liveRefreshTokens: () => [...refresh].filter(([, state]) => !state.used).map(([value]) => value),
    insert,
    change,
    items: () => [...items.values()],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)))
        server.closeAllConnections()
      })
  }
}
