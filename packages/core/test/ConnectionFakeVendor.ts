/**
 * An in-memory vendor for Connection tests, in the four paging styles of the seed vendors: SData
 * offsets (1-based `startIndex`/`count`, `$resources`/`$totalResults`), OData offsets (`$skip`/`$top`,
 * bare arrays), page numbers with `$items`/`$total`/`$next`, and page numbers with a per-resource
 * items key and `total_<x>`. It filters by plain `kind` and `since` parameters and sorts by
 * `orderBy`/`$orderby` so that native filtering and sorting can be observed.
 */
import {
  AuthSpec,
  Ceql,
  Configuration,
  type Connection,
  Connector,
  ConnectorError,
  Paging,
  Resource,
  type VendorClient
} from "@plugboard/core"
import { Effect } from "effect"

export type JsonRecord = Record<string, unknown>

export type StyleName = "sdata" | "odata" | "sageAccounting" | "sendoso"

export const styles: ReadonlyArray<StyleName> = ["sdata", "odata", "sageAccounting", "sendoso"]

/** A dataset of `n` records: ids 1…n, every 7th in bucket 0, kinds a/b/c in turn, rising dates. */
export const dataset = (n: number): Array<JsonRecord> =>
  Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    name: `name-${String((i * 7919) % 1000).padStart(3, "0")}`,
    bucket: i % 7,
    kind: ["a", "b", "c"][i % 3],
    updated: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()
  }))

const pagingOf = (style: StyleName): Paging.Paging => {
  switch (style) {
    case "sdata":
      return Paging.offset({
        offsetParam: "startIndex",
        limitParam: "count",
        firstOffset: 1,
        maxPageSize: 200,
        items: "$resources",
        total: "$totalResults"
      })
    case "odata":
      return Paging.offset({
        offsetParam: "$skip",
        limitParam: "$top",
        firstOffset: 0,
        maxPageSize: 5000,
        items: null
      })
    case "sageAccounting":
      return Paging.pageNumber({
        pageParam: "page",
        sizeParam: "items_per_page",
        maxPageSize: 200,
        items: "$items",
        total: "$total",
        next: "$next"
      })
    case "sendoso":
      return Paging.pageNumber({ pageParam: "page", sizeParam: "per_page", maxPageSize: 100, items: "data" })
  }
}

/** The vendor's own page size limit, which it enforces whatever it is asked. */
const vendorMax = (style: StyleName): number =>
  style === "sdata" ? 200 : style === "odata" ? 5000 : style === "sageAccounting" ? 200 : 100

const fail = (status: number, operation: string) =>
  Effect.fail(ConnectorError.make(ConnectorError.fromStatus(status), operation))

const int = (value: string | ReadonlyArray<string> | undefined, fallback: number): number =>
  typeof value === "string" ? Number(value) : fallback

const sortBy = (records: Array<JsonRecord>, spec: string): Array<JsonRecord> => {
  const keys = spec.split(",").map((part) => {
    const [field, direction] = part.trim().split(/\s+/)
    return { field: field!, sign: direction === "desc" ? -1 : 1 }
  })
  return [...records].sort((a, b) => {
    for (const { field, sign } of keys) {
      const x = a[field] as string | number
      const y = b[field] as string | number
      if (x < y) return -sign
      if (x > y) return sign
    }
    return 0
  })
}

/** Options of a fake vendor. */
export interface FakeOptions {
  /** Records per collection path. */
  readonly collections: Record<string, Array<JsonRecord>>
  /** Ignore paging parameters and always answer the first page (a broken vendor). */
  readonly ignorePaging?: boolean
  /** Wrap single records in this key in responses. */
  readonly bodyKey?: string
}

/** A fake vendor: its client and the requests it received. */
export interface Fake {
  readonly client: VendorClient.VendorClient
  readonly requests: Array<VendorClient.VendorRequest>
  readonly listRequests: () => number
}

const itemMatch = /^(.*?)(?:\('([^']*(?:''[^']*)*)'\)|\/([^/(]+))$/

export const fake = (style: StyleName, options: FakeOptions): Fake => {
  const requests: Array<VendorClient.VendorRequest> = []
  const client: VendorClient.VendorClient = {
    request: (request) =>
      Effect.suspend(() => {
        requests.push(request)
        const query = request.query ?? {}
        const collection = options.collections[request.path]
        if (request.method === "GET" && collection !== undefined) {
          let records = collection
          if (typeof query["kind"] === "string") records = records.filter((r) => r["kind"] === query["kind"])
          if (typeof query["since"] === "string") {
            const since = query["since"]
            records = records.filter((r) => String(r["updated"]) >= since)
          }
          const sort = query["orderBy"] ?? query["$orderby"]
          if (typeof sort === "string") records = sortBy(records, sort)
          const total = records.length
          const max = vendorMax(style)
          switch (style) {
            case "sdata": {
              const start = options.ignorePaging ? 1 : int(query["startIndex"], 1)
              const count = Math.min(int(query["count"], 100), max)
              const slice = records.slice(start - 1, start - 1 + count)
              return Effect.succeed({
                status: 200,
                headers: {},
                body: { $totalResults: total, $startIndex: start, $itemsPerPage: count, $resources: slice }
              })
            }
            case "odata": {
              const skip = options.ignorePaging ? 0 : int(query["$skip"], 0)
              const top = Math.min(int(query["$top"], 500), max)
              return Effect.succeed({ status: 200, headers: {}, body: records.slice(skip, skip + top) })
            }
            case "sageAccounting": {
              const page = options.ignorePaging ? 1 : int(query["page"], 1)
              const size = Math.min(int(query["items_per_page"], 20), max)
              const slice = records.slice((page - 1) * size, page * size)
              const more = page * size < total
              return Effect.succeed({
                status: 200,
                headers: {},
                body: {
                  $total: total,
                  $page: page,
                  $next: more ? `${request.path}?page=${page + 1}&items_per_page=${size}` : null,
                  $back: page > 1 ? `${request.path}?page=${page - 1}` : null,
                  $itemsPerPage: size,
                  $items: slice
                }
              })
            }
            case "sendoso": {
              const page = options.ignorePaging ? 1 : int(query["page"], 1)
              const size = Math.min(int(query["per_page"], 25), max)
              const key = request.path.slice(1).replaceAll("/", "_")
              return Effect.succeed({
                status: 200,
                headers: {},
                body: {
                  current_page: page,
                  per_page: size,
                  [`total_${key}`]: total,
                  [key]: records.slice((page - 1) * size, page * size)
                }
              })
            }
          }
        }
        const match = itemMatch.exec(request.path)
        const owner = match === null ? undefined : options.collections[match[1]!]
        if (match !== null && owner !== undefined) {
          const id = match[2] !== undefined ? match[2].replaceAll("''", "'") : decodeURIComponent(match[3]!)
          const found = owner.find((r) => String(r["id"]) === id)
          const wrap = (record: unknown) =>
            options.bodyKey === undefined ? record : { [options.bodyKey]: record }
          if (request.method === "GET") {
            return found === undefined
              ? fail(404, request.operation)
              : Effect.succeed({ status: 200, headers: {}, body: wrap(found) })
          }
          if (request.method === "DELETE")
            return Effect.succeed({ status: 204, headers: {}, body: undefined })
          const body = request.body as JsonRecord
          const inner = options.bodyKey === undefined ? body : (body[options.bodyKey] as JsonRecord)
          return Effect.succeed({
            status: 200,
            headers: {},
            body: wrap({ ...found, ...inner, id: found?.["id"] ?? id })
          })
        }
        if (request.method === "POST") {
          const body = request.body as JsonRecord
          const inner = options.bodyKey === undefined ? body : (body[options.bodyKey] as JsonRecord)
          const created = { ...inner, id: 9999 }
          return Effect.succeed({
            status: 201,
            headers: {},
            body: options.bodyKey === undefined ? created : { [options.bodyKey]: created }
          })
        }
        return fail(404, request.operation)
      })
  }
  return {
    client,
    requests,
    listRequests: () => requests.filter((r) => r.method === "GET").length
  }
}

/** Resource declarations shared by the tests, with per-style envelopes for the Sendoso style. */
export const connectorFor = (
  style: StyleName,
  extra: {
    readonly query?: Ceql.Translator
    readonly sort?: Connector.Sort
    readonly objects?: Connector.Objects
  } = {}
): Connector.Connector =>
  Connector.make({
    key: `fake-${style}`,
    id: 1,
    name: `Fake ${style}`,
    description: "A fake vendor",
    hub: "crm",
    baseUrl: "https://vendor.example.com",
    auth: AuthSpec.none,
    configuration: {},
    paging: pagingOf(style),
    query: extra.query ?? Ceql.Translate.none,
    ...(extra.sort === undefined ? {} : { sort: extra.sort }),
    ...(extra.objects === undefined ? {} : { objects: extra.objects }),
    credentialCheck: { path: "/me", query: { fields: "id" } },
    resources: {
      accounts: Resource.make({
        path: "/accounts",
        itemPath: style === "sdata" ? "/accounts('{id}')" : "/accounts/{id}",
        id: "id",
        verbs: ["list", "get", "create", "update", "replace", "delete"],
        ...(style === "sendoso" ? { envelope: { items: "accounts", total: "total_accounts" } } : {}),
        children: {
          contacts: {
            path: "/accounts/{id}/contacts",
            ...(style === "sendoso"
              ? { envelope: { items: "accounts_1_contacts", total: "total_accounts_1_contacts" } }
              : {})
          }
        },
        tombstones: { param: "deleted_since", format: "yyyy-MM-dd'T'HH:mm:ss'Z'", path: "/deleted" }
      }),
      customers: Resource.make({
        path: "/contacts",
        id: "id",
        verbs: ["list", "get", "create", "update"],
        query: { kind: "a" },
        createDefaults: { kind: "a", tags: ["customer"] },
        bodyKey: "contact",
        ...(style === "sendoso" ? { envelope: { items: "contacts", total: "total_contacts" } } : {})
      }),
      readonly: Resource.make({
        path: "/readonly",
        id: "id",
        ...(style === "sendoso" ? { envelope: { items: "readonly", total: "total_readonly" } } : {})
      })
    }
  })

/** A configuration with `pagination.max` set when given. */
export const configuration = (paginationMax?: number): Configuration.Configuration =>
  new Configuration.Configuration(
    new Map(paginationMax === undefined ? [] : [["pagination.max", String(paginationMax)] as const])
  )

/** Pages through a list call with tokens, returning every page. */
export const allPages = (
  connection: Connection.Connection,
  request: Parameters<Connection.Connection["list"]>[0],
  maxPages = 10_000
) =>
  Effect.gen(function* () {
    const pages: Array<{ records: ReadonlyArray<JsonRecord>; nextPage?: string; total?: number }> = []
    let token: string | undefined
    for (let i = 0; i < maxPages; i++) {
      const page = yield* connection.list(token === undefined ? request : { ...request, nextPage: token })
      pages.push(page)
      if (page.nextPage === undefined) return pages
      token = page.nextPage
    }
    throw new Error("too many pages")
  })
