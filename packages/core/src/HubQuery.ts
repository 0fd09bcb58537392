/**
 * The shape of a hub list call (`GET /hubs/crm/accounts?where=…&orderBy=…&pageSize=…&nextPage=…`)
 * and its answer, and the readers that turn query parameters or a whole hub URL — the `url` of an
 * `event.poller.configuration` entry — into a request. Parsing here checks syntax (a page size is a
 * positive integer); `Connection` checks ranges and everything that needs the connector.
 */
import { Effect } from "effect"
import * as HubRequestError from "./HubRequestError.js"
import { decodeQueryValue, splitQuery } from "./internal/hub/QueryDecoding.js"

/** A record as the hub returns it: a vendor's JSON object, untouched unless `fields` projects it. */
export type JsonRecord = Record<string, unknown>

/** The query options of a hub list call. */
export interface ListOptions {
  /** CEQL filter. */
  readonly where?: string
  /** `Field asc|desc[, …]`. */
  readonly orderBy?: string
  /** Comma-separated fields to return. */
  readonly fields?: string
  /** 1-based page number, used when there is no `nextPage` token. */
  readonly page?: number
  readonly pageSize?: number
  /** The opaque token of a previous answer. */
  readonly nextPage?: string
  /** Ask for the total count (given only when it is known exactly). */
  readonly returnCount?: boolean
  /** Further query parameters passed to the vendor unchanged. */
  readonly query?: Readonly<Record<string, string>>
}

/** A list call on one hub resource (or vendor object). */
export interface ListRequest extends ListOptions {
  readonly resource: string
}

/** One page of a list call. */
export interface ListResult {
  readonly records: ReadonlyArray<JsonRecord>
  /** Token of the next page; absent on the last page. */
  readonly nextPage?: string
  /** Every matching record's count, when `returnCount` was asked and the count is known exactly. */
  readonly total?: number
}

/** A hub URL taken apart: `/hubs/{hub}/{segments…}?{options}`. */
export interface HubUrl {
  readonly hub: string
  /** Decoded path segments after the hub: `["accounts"]`, `["accounts", "42", "contacts"]`. */
  readonly segments: ReadonlyArray<string>
  readonly options: ListOptions
}

const known = new Set(["where", "orderBy", "fields", "page", "pageSize", "nextPage", "returnCount"])

const positiveInteger = (parameter: string, value: string) => {
  const text = value.trim()
  const n = Number(text)
  return /^\d+$/.test(text) && Number.isSafeInteger(n) && n >= 1
    ? Effect.succeed(n)
    : Effect.fail(HubRequestError.make(parameter, `${parameter} must be a positive integer, got '${value}'`))
}

const booleanValue = (parameter: string, value: string) => {
  const text = value.trim().toLowerCase()
  return text === "true" || text === "false"
    ? Effect.succeed(text === "true")
    : Effect.fail(HubRequestError.make(parameter, `${parameter} must be true or false, got '${value}'`))
}

/**
 * Reads already-decoded query parameters into list options. The known names are `where`,
 * `orderBy`, `fields`, `page`, `pageSize`, `nextPage` and `returnCount`; every other parameter goes
 * to `query`, for the vendor. Empty values count as absent; a parameter given twice is refused.
 */
export const fromParams = (
  params: Iterable<readonly [string, string]> | Readonly<Record<string, string | undefined>>
): Effect.Effect<ListOptions, HubRequestError.HubRequestError> =>
  Effect.gen(function* () {
    const entries: Iterable<readonly [string, string | undefined]> =
      Symbol.iterator in params
        ? (params as Iterable<readonly [string, string]>)
        : Object.entries(params as Readonly<Record<string, string | undefined>>)
    const seen = new Map<string, string>()
    for (const [name, value] of entries) {
      if (value === undefined) continue
      if (seen.has(name)) {
        return yield* HubRequestError.make(name, `query parameter '${name}' is given more than once`)
      }
      seen.set(name, value)
    }
    const text = (name: string): string | undefined => {
      const value = seen.get(name)
      return value === undefined || value.trim() === "" ? undefined : value
    }
    const where = text("where")
    const orderBy = text("orderBy")
    const fields = text("fields")
    const nextPage = text("nextPage")
    const pageText = text("page")
    const pageSizeText = text("pageSize")
    const returnCountText = text("returnCount")
    const page = pageText === undefined ? undefined : yield* positiveInteger("page", pageText)
    const pageSize = pageSizeText === undefined ? undefined : yield* positiveInteger("pageSize", pageSizeText)
    const returnCount =
      returnCountText === undefined ? undefined : yield* booleanValue("returnCount", returnCountText)
    const query: Record<string, string> = {}
    let extra = false
    for (const [name, value] of seen) {
      if (known.has(name)) continue
      query[name] = value
      extra = true
    }
    return {
      ...(where === undefined ? {} : { where }),
      ...(orderBy === undefined ? {} : { orderBy }),
      ...(fields === undefined ? {} : { fields }),
      ...(page === undefined ? {} : { page }),
      ...(pageSize === undefined ? {} : { pageSize }),
      ...(nextPage === undefined ? {} : { nextPage: nextPage.trim() }),
      ...(returnCount === undefined ? {} : { returnCount }),
      ...(extra ? { query } : {})
    } satisfies ListOptions
  })

const decodeSegment = (segment: string) =>
  Effect.try({
    try: () => decodeURIComponent(segment),
    catch: () => HubRequestError.make("url", `path segment '${segment}' is not valid percent-encoding`)
  })

/**
 * Takes a hub URL apart: `/hubs/finance/customers?where=…&pageSize=50`, optionally prefixed with
 * `/elements/api-v2` or a scheme and host. Query values are decoded as people write them in poller
 * configuration (raw spaces, quotes and `>=` are fine) and as form encoding writes them (`+` is a
 * space, also inside quoted CEQL strings, except one that starts a time zone offset after a time —
 * see the `where` rules in the module notes).
 */
export const parseUrl = (url: string): Effect.Effect<HubUrl, HubRequestError.HubRequestError> =>
  Effect.gen(function* () {
    const trimmed = url.trim()
    const question = trimmed.indexOf("?")
    let path = question === -1 ? trimmed : trimmed.slice(0, question)
    const rawQuery = question === -1 ? "" : trimmed.slice(question + 1)
    path = path.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, "").replace(/^\/elements\/api-v2(?=\/)/, "")
    const parts = path.split("/").filter((part) => part !== "")
    if (parts[0] !== "hubs" || parts.length < 3) {
      return yield* HubRequestError.make(
        "url",
        `'${url}' is not a hub URL; expected /hubs/{hub}/{resource}[?query], e.g. /hubs/crm/accounts?where=…`
      )
    }
    const decoded: Array<string> = []
    for (const part of parts.slice(1)) decoded.push(yield* decodeSegment(part))
    const options = yield* fromParams(splitQuery(rawQuery))
    return { hub: decoded[0]!, segments: decoded.slice(1), options }
  })

/**
 * Decodes one query value the way {@link parseUrl} does (`ceql` for a `where`), for callers that
 * hold a raw query string of their own.
 */
export const decodeValue = (raw: string, options: { readonly ceql: boolean } = { ceql: false }): string =>
  decodeQueryValue(raw, options)
