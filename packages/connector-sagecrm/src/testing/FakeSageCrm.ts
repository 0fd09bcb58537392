/**
 * A fake Sage CRM REST (SData) server on 127.0.0.1 for tests: Basic auth against CRM users, feeds
 * with `$totalResults`/`$startIndex`/`$itemsPerPage`/`$resources`, entries with `$key` and `$url`,
 * single records as `Company('43')`, the documented `where` subset and `orderBy`, 1-based
 * `startIndex`/`count` paging capped at 200, create/update/delete, and SData `$diagnoses` errors.
 * It refuses what the vendor refuses (unknown fields, unsupported filters, read-only columns), so a
 * connector that passes against it sends requests the vendor accepts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"
import { type EntitySchema, type EntityVerb, fieldType } from "./FakeSageCrmEntities.js"
import { diagnosesBody, fault, isFault, type SDataFault } from "./FakeSageCrmFault.js"
import { type FakeRecord, type FakeSageCrmStore, makeStore, type StoreInternals } from "./FakeSageCrmStore.js"
import { matches, parseOrderBy, parseWhere, sortRecords, type Where } from "./FakeSageCrmWhere.js"

/** How to start the fake. */
export interface FakeSageCrmOptions {
  /** The CRM user tests sign in as; default `admin`. */
  readonly username?: string
  /** That user's password; default `secret`. */
  readonly password?: string
  /** Where the store's clock starts; default now (whole seconds). */
  readonly now?: Date | string
  /** The install name in `/sdata/{install}j/sagecrm2/-`; default `crm`. */
  readonly install?: string
  /** Entries per page when a request sends no `count`; default 100. */
  readonly defaultCount?: number
  /** The largest page the server returns whatever `count` asks; default 200. */
  readonly maxCount?: number
}

/** A running fake. */
export interface FakeSageCrm {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** The SData base a connector's `base.url` points at: `{url}/sdata/crmj/sagecrm2/-`. */
  readonly baseUrl: string
  /** `127.0.0.1:<port>`, the value a `subdomain` configuration key would hold. */
  readonly host: string
  readonly store: FakeSageCrmStore
  /** Stops the server and drops open connections. */
  readonly close: () => Promise<void>
}

const maxBody = 1_000_000

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  if (body === undefined) {
    res.writeHead(status, headers)
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(text)),
    ...headers
  })
  res.end(text)
}

const sendFault = (res: ServerResponse, failure: SDataFault, headers: Record<string, string> = {}) =>
  send(res, failure.status, diagnosesBody(failure), headers)

const readBody = (req: IncomingMessage): Promise<string | SDataFault> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxBody) chunks.push(chunk)
    })
    req.on("end", () =>
      resolve(
        size > maxBody
          ? fault(413, "ApplicationDiagnosis", "The request body is too large")
          : Buffer.concat(chunks).toString("utf8")
      )
    )
    req.on("error", () => resolve(fault(400, "ApplicationDiagnosis", "The request body could not be read")))
  })

const basicCredentials = (header: string | undefined): { user: string; password: string } | undefined => {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "")
  if (match === null) return undefined
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8")
  const colon = decoded.indexOf(":")
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

const readInteger = (
  name: string,
  raw: string | null,
  fallback: number,
  min: number
): number | SDataFault => {
  if (raw === null || raw === "") return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    return fault(400, "BadQueryParameter", `${name} must be an integer of at least ${min}, got '${raw}'`)
  }
  return Number(raw)
}

const allowedVerb = (schema: EntitySchema, verb: EntityVerb): boolean => schema.verbs.includes(verb)

/** Starts a fake Sage CRM on a random loopback port. */
export const startFakeSageCrm = async (options: FakeSageCrmOptions = {}): Promise<FakeSageCrm> => {
  const store: StoreInternals = makeStore(options.now === undefined ? new Date() : new Date(options.now))
  store.addUser({
    logon: options.username ?? "admin",
    password: options.password ?? "secret",
    firstName: "System"
  })
  store.clearRequests()
  const prefix = `/sdata/${options.install ?? "crm"}j/sagecrm2/-`
  const defaultCount = options.defaultCount ?? 100
  const maxCount = options.maxCount ?? 200
  let origin = ""

  const entry = (schema: EntitySchema, record: FakeRecord, select: ReadonlyArray<string> | undefined) => {
    const id = record[schema.idField]
    const out: Record<string, unknown> = {
      $key: String(id),
      $url: `${origin}${prefix}/${schema.name}('${id}')`
    }
    for (const [field, value] of Object.entries(record)) {
      if (select === undefined || select.includes(field)) out[field] = value
    }
    return out
  }

  const readSelect = (
    schema: EntitySchema,
    raw: string | null
  ): ReadonlyArray<string> | undefined | SDataFault => {
    if (raw === null || raw.trim() === "") return undefined
    const fields = raw.split(",").map((f) => f.trim().toLowerCase())
    const unknown = fields.find((f) => fieldType(schema, f) === undefined)
    return unknown === undefined
      ? [...fields, schema.idField]
      : fault(400, "BadQueryParameter", `select: unknown field '${unknown}' on ${schema.name}`)
  }

  const feed = (res: ServerResponse, schema: EntitySchema, url: URL, selected?: Where) => {
    const params = url.searchParams
    const where = params.get("where")
    const parsed = where === null || where.trim() === "" ? undefined : parseWhere(where, schema)
    if (isFault(parsed)) return sendFault(res, parsed)
    const orderByText = params.get("orderBy")
    const order = orderByText === null || orderByText.trim() === "" ? [] : parseOrderBy(orderByText, schema)
    if (isFault(order)) return sendFault(res, order)
    const startIndex = readInteger("startIndex", params.get("startIndex"), 1, 1)
    if (isFault(startIndex)) return sendFault(res, startIndex)
    const count = readInteger("count", params.get("count"), defaultCount, 0)
    if (isFault(count)) return sendFault(res, count)
    const select = readSelect(schema, params.get("select"))
    if (isFault(select)) return sendFault(res, select)

    const found = store
      .records(schema)
      .filter(
        (record) =>
          (selected === undefined || matches(selected, record, schema)) &&
          (parsed === undefined || matches(parsed, record, schema))
      )
    const sorted = sortRecords(found, order, schema)
    const size = Math.min(count, maxCount)
    const page = sorted.slice(startIndex - 1, startIndex - 1 + size)
    return send(res, 200, {
      $url: `${origin}${url.pathname}${url.search}`,
      $totalResults: sorted.length,
      $startIndex: startIndex,
      $itemsPerPage: size,
      $resources: page.map((record) => entry(schema, record, select))
    })
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", origin)
    const method = (req.method ?? "GET").toUpperCase()
    const raw = await readBody(req)
    const credentials = basicCredentials(req.headers.authorization)
    const inside = url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)
    let path = inside ? url.pathname.slice(prefix.length) : url.pathname
    try {
      path = decodeURIComponent(path)
    } catch {
      // Left as sent; the route match below refuses it.
    }
    let body: unknown
    let bodyFault: SDataFault | undefined
    if (isFault(raw)) bodyFault = raw
    else if (raw !== "") {
      const type = req.headers["content-type"] ?? ""
      if (!/json/i.test(type)) {
        bodyFault = fault(
          415,
          "ApplicationDiagnosis",
          `Unsupported content type '${type}'; send application/json`
        )
      } else {
        try {
          body = JSON.parse(raw)
        } catch {
          bodyFault = fault(400, "ApplicationDiagnosis", "The request body is not valid JSON")
        }
      }
    }
    store.log({
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      username: credentials?.user,
      body
    })

    const injected = store.takeFault()
    if (injected !== undefined) {
      return send(
        res,
        injected.status,
        injected.body ?? diagnosesBody(fault(injected.status, "ApplicationDiagnosis", "Injected failure")),
        { ...injected.headers }
      )
    }
    if (!inside) return sendFault(res, fault(404, "DatasetNotFound", `No SData dataset at ${url.pathname}`))

    const challenge = { "www-authenticate": 'Basic realm="SData"' }
    if (credentials === undefined) {
      return sendFault(res, fault(401, "ApplicationDiagnosis", "Authentication required"), challenge)
    }
    const user = store.authenticate(credentials.user, credentials.password)
    if (isFault(user)) return sendFault(res, user, challenge)
    const userId = user.user_userid as number

    const route = /^\/([A-Za-z][A-Za-z0-9_]*)(?:\((.*)\))?\/?$/s.exec(path)
    if (route === null)
      return sendFault(res, fault(400, "BadUrlSyntax", `Cannot read the resource path '${path}'`))
    const schema = store.schema(route[1]!)
    if (schema === undefined) {
      return sendFault(res, fault(404, "ResourceKindNotFound", `There is no resource kind '${route[1]}'`))
    }
    if (bodyFault !== undefined) return sendFault(res, bodyFault)

    // `Company('43')` is one entry; `Person(pers_companyid eq '43')` is a feed selected by a condition.
    const selector = route[2]
    const quotedKey = selector === undefined ? undefined : /^'((?:[^']|'')*)'$/.exec(selector)
    if (selector !== undefined && quotedKey === null) {
      if (method !== "GET" || !allowedVerb(schema, "list")) {
        return sendFault(res, fault(405, "ApplicationDiagnosis", `${method} is not allowed on ${path}`), {
          allow: "GET"
        })
      }
      const predicate = parseWhere(selector, schema)
      if (isFault(predicate)) return sendFault(res, predicate)
      return feed(res, schema, url, predicate)
    }
    const key = quotedKey?.[1]?.replace(/''/g, "'")
    const allowed = (verb: EntityVerb) => allowedVerb(schema, verb)
    const notAllowed = (allow: string) =>
      sendFault(res, fault(405, "ApplicationDiagnosis", `${method} is not allowed on ${path}`), { allow })

    if (key === undefined) {
      if (method === "GET" && allowed("list")) return feed(res, schema, url)
      if (method === "POST" && allowed("create")) {
        const created = store.createFromClient(schema, body, userId)
        if (isFault(created)) return sendFault(res, created)
        const shown = entry(schema, created, undefined)
        return send(res, 201, shown, { location: String(shown.$url) })
      }
      return notAllowed(
        [allowed("list") ? "GET" : "", allowed("create") ? "POST" : ""].filter(Boolean).join(", ")
      )
    }

    const id = /^\d+$/.test(key) ? Number(key) : undefined
    const current = id === undefined ? undefined : store.get(schema.name, id)
    const missing = fault(404, "ApplicationDiagnosis", `${schema.name} '${key}' was not found`)
    const itemAllow = [
      allowed("get") ? "GET" : "",
      allowed("update") ? "PUT, PATCH" : "",
      allowed("delete") ? "DELETE" : ""
    ]
      .filter(Boolean)
      .join(", ")
    switch (method) {
      case "GET":
        if (!allowed("get")) return notAllowed(itemAllow)
        if (current === undefined) return sendFault(res, missing)
        return send(res, 200, entry(schema, current, undefined))
      case "PUT":
      case "PATCH": {
        if (!allowed("update")) return notAllowed(itemAllow)
        if (id === undefined || current === undefined) return sendFault(res, missing)
        const updated = store.updateFromClient(schema, id, body, userId)
        if (isFault(updated)) return sendFault(res, updated)
        return send(res, 200, entry(schema, updated, undefined))
      }
      case "DELETE":
        if (!allowed("delete")) return notAllowed(itemAllow)
        if (id === undefined || current === undefined) return sendFault(res, missing)
        store.delete(schema.name, id)
        return send(res, 204, undefined)
      default:
        return notAllowed(itemAllow)
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the fake must show up as a vendor 500 the test can see, not a hung request.
      const message = error instanceof Error ? error.message : String(error)
      if (!res.headersSent)
        sendFault(res, fault(500, "ApplicationDiagnosis", `fake Sage CRM failed: ${message}`))
      else res.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host = `127.0.0.1:${port}`
  origin = `http://${host}`

  return {
    url: origin,
    baseUrl: `${origin}${prefix}`,
    host,
    store,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)))
        server.closeAllConnections()
      })
  }
}

/** The fake as a scoped Effect: started on acquisition, closed when the scope closes. */
export const fakeSageCrm = (
  options: FakeSageCrmOptions = {}
): Effect.Effect<FakeSageCrm, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeSageCrm(options)),
    (fake) => Effect.promise(() => fake.close())
  )
