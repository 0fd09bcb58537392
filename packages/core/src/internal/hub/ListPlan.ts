/**
 * A list call prepared once: the CEQL split into vendor parameters and an in-memory residual, the
 * order (sent to a vendor that sorts natively, or applied in memory), the projection, the vendor
 * request every page shares, and the fingerprint that ties `nextPage` tokens to this query.
 */
import { Effect } from "effect"
import * as Ceql from "../../Ceql.js"
import type * as Configuration from "../../Configuration.js"
import type * as Connector from "../../Connector.js"
import type * as ConnectorError from "../../ConnectorError.js"
import type { JsonRecord, ListOptions } from "../../HubQuery.js"
import * as HubRequestError from "../../HubRequestError.js"
import type * as Paging from "../../Paging.js"
import type * as VendorClient from "../../VendorClient.js"
import { projector } from "../ceql/FieldPath.js"
import { sortBy } from "../ceql/OrderBy.js"
import { fingerprint } from "./PageToken.js"
import type { Target } from "./Target.js"
import type * as VendorPager from "./VendorPager.js"

/** A prepared list call. */
export interface ListPlan {
  readonly source: VendorPager.Source
  /** The residual filter, when the vendor cannot apply all of the `where`. */
  readonly matches: ((record: JsonRecord) => boolean) | undefined
  /** Sorts into the in-memory order, when there is an `orderBy` the vendor cannot apply. */
  readonly memoryOrder: ((records: ReadonlyArray<JsonRecord>) => Array<JsonRecord>) | undefined
  readonly project: (record: JsonRecord) => JsonRecord
  readonly fingerprint: string
}

/** The vendor page size limit of an instance: the paging maximum, lowered by `pagination.max`. */
export const maxVendorPageSize = (
  paging: Paging.Paging,
  configuration: Configuration.Configuration
): number => {
  if (paging._tag === "Single") return Number.MAX_SAFE_INTEGER
  const configured = configuration.number("pagination.max")
  return configured !== undefined && Number.isInteger(configured) && configured >= 1
    ? Math.min(configured, paging.maxPageSize)
    : paging.maxPageSize
}

const pagingParams = (paging: Paging.Paging): ReadonlyArray<string> =>
  paging._tag === "Offset"
    ? [paging.offsetParam, paging.limitParam]
    : paging._tag === "PageNumber"
      ? [paging.pageParam, paging.sizeParam]
      : []

const isTopLevel = (name: string) => name !== "" && !name.includes(".")

/** The vendor's sort parameter value, or undefined when some key cannot be sorted natively. */
const nativeSort = (
  sort: Connector.Sort,
  keys: ReadonlyArray<{
    readonly field: { readonly name: string; readonly quoted: boolean }
    readonly direction: "asc" | "desc"
  }>,
  idField: string | undefined
): string | undefined => {
  const allowed = sort.fields?.map((f) => f.toLowerCase())
  const sortable = (name: string) =>
    isTopLevel(name) && (allowed === undefined || allowed.includes(name.toLowerCase()))
  if (!keys.every((key) => !key.field.quoted && sortable(key.field.name))) return undefined
  const written = keys.map((key) => ({ name: key.field.name, direction: key.direction }))
  // Offset paging over a sort with ties can repeat or skip records between pages; the id breaks ties.
  if (
    idField !== undefined &&
    sortable(idField) &&
    !written.some((key) => key.name.toLowerCase() === idField.toLowerCase())
  ) {
    written.push({ name: idField, direction: "asc" })
  }
  return written
    .map(({ name, direction }) =>
      sort.style === "words"
        ? `${name} ${direction}`
        : sort.style === "colon"
          ? `${name}:${direction}`
          : direction === "desc"
            ? `-${name}`
            : name
    )
    .join(",")
}

// A JSON object projected stays a JSON object (only non-objects come back unchanged).
const projectFields = (fields: ReadonlyArray<Ceql.Field>): ((record: JsonRecord) => JsonRecord) => {
  const project = projector(fields)
  return (record) => project(record) as JsonRecord
}

/** What {@link prepare} needs from the connection. */
export interface PlanContext {
  readonly connector: Connector.Connector
  readonly configuration: Configuration.Configuration
  readonly client: VendorClient.VendorClient
}

/**
 * Prepares a list call on a target: parses `where`, `orderBy` and `fields`, asks the connector's
 * translator what the vendor filters, and builds the shared vendor request. Caller parameters in
 * `query` may not replace parameters the engine sets (paging, sort, filters, the resource's own).
 */
export const prepare = (
  context: PlanContext,
  target: Target,
  options: ListOptions,
  operation: string
): Effect.Effect<
  ListPlan,
  ConnectorError.ConnectorError | Ceql.CeqlError | HubRequestError.HubRequestError
> =>
  Effect.gen(function* () {
    const { connector, configuration } = context
    const planned = yield* Ceql.plan(options.where, connector.query, { resource: target.name })
    const orderBy = options.orderBy === undefined ? [] : yield* Ceql.parseOrderBy(options.orderBy)
    const fields = options.fields === undefined ? [] : yield* Ceql.parseFields(options.fields)
    const sortValue =
      orderBy.length > 0 && connector.sort !== undefined
        ? nativeSort(connector.sort, orderBy, target.idField)
        : undefined
    const engine: Record<string, string> = { ...planned.params, ...target.query }
    if (sortValue !== undefined && connector.sort !== undefined) engine[connector.sort.param] = sortValue
    const reserved = new Set([...Object.keys(engine), ...pagingParams(connector.paging)])
    const extras = options.query ?? {}
    for (const name of Object.keys(extras)) {
      if (reserved.has(name)) {
        return yield* HubRequestError.make(
          name,
          `query parameter '${name}' is set by the hub engine for this call (paging, sorting, filtering or ` +
            "the resource's own parameters); use where, orderBy, page, pageSize or nextPage instead"
        )
      }
    }
    const residual = planned.residual
    const memoryOrder = orderBy.length > 0 && sortValue === undefined ? sortBy(orderBy) : undefined
    const extraEntries = Object.entries(extras).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return {
      source: {
        client: context.client,
        paging: connector.paging,
        envelope: {
          ...target.envelope,
          ...(connector.paging._tag === "PageNumber" && connector.paging.next !== undefined
            ? { next: connector.paging.next }
            : {})
        },
        path: target.path,
        query: { ...engine, ...extras },
        operation,
        maxSize: maxVendorPageSize(connector.paging, configuration)
      },
      matches: residual === undefined ? undefined : Ceql.compile(residual),
      memoryOrder,
      project: fields.length === 0 ? (record: JsonRecord) => record : projectFields(fields),
      fingerprint: fingerprint([
        target.path,
        options.where ?? null,
        options.orderBy ?? null,
        extraEntries,
        memoryOrder === undefined ? "vendor" : "memory"
      ])
    }
  })
