/**
 * The hub engine of one instance: everything between a hub call (`GET /hubs/crm/accounts?where=…&
 * pageSize=…&nextPage=…`) and the vendor requests that answer it. It resolves hub names to the
 * connector's resources, child collections and vendor objects; splits CEQL into what the vendor
 * filters and what runs in memory; turns the vendor's paging (offset, page number, one response)
 * into exact pages with opaque `nextPage` tokens; sorts natively or in memory; projects `fields`;
 * and shapes single-record bodies. Connectors stay data: nothing here knows a vendor.
 */
import { Effect, Result, Stream } from "effect"
import type * as Ceql from "./Ceql.js"
import type * as Configuration from "./Configuration.js"
import type * as Connector from "./Connector.js"
import * as ConnectorError from "./ConnectorError.js"
import * as DateTemplate from "./DateTemplate.js"
import * as HubQuery from "./HubQuery.js"
import * as HubRequestError from "./HubRequestError.js"
import * as Listing from "./internal/hub/Listing.js"
import * as ListPlan from "./internal/hub/ListPlan.js"
import * as RecordBody from "./internal/hub/RecordBody.js"
import * as Target from "./internal/hub/Target.js"
import type * as VendorClient from "./VendorClient.js"

/** A hub record: a vendor JSON object. */
export type JsonRecord = HubQuery.JsonRecord

/** Every way a hub call can fail: at the vendor, in the CEQL, or in the request itself. */
export type HubError = ConnectorError.ConnectorError | Ceql.CeqlError | HubRequestError.HubRequestError

/** Bounds of list calls. Every field has a default (see {@link defaultLimits}). */
export interface Limits {
  /** `pageSize` when the caller gives none. */
  readonly defaultPageSize: number
  /** The largest `pageSize` a caller may ask for. */
  readonly maxPageSize: number
  /** How many matching records an in-memory `orderBy` may read; more is a 400 naming `orderBy`. */
  readonly maxSortRecords: number
  /** Vendor pages one call or stream may read before the vendor is taken to never stop. */
  readonly maxVendorPages: number
  /**
   * Vendor pages read past a full page, with a residual filter, to learn whether another match
   * follows (so the last page carries no token); past that the token is given and the next page
   * may come back empty.
   */
  readonly lookaheadPages: number
}

/** The bounds used when `make` is given none. */
export const defaultLimits: Limits = {
  defaultPageSize: 200,
  maxPageSize: 10_000,
  maxSortRecords: 10_000,
  maxVendorPages: 50_000,
  lookaheadPages: 5
}

/** What {@link make} needs. */
export interface Options {
  readonly connector: Connector.Connector
  readonly configuration: Configuration.Configuration
  /** The instance's authenticated vendor client (`VendorHttp.make`, or a fake in tests). */
  readonly client: VendorClient.VendorClient
  readonly instanceId?: number | string
  readonly limits?: Partial<Limits>
}

/** The hub operations of one instance. */
export interface Connection {
  readonly connector: Connector.Connector
  readonly instanceId: number | string | undefined
  /** One exact page of a resource or vendor object. */
  readonly list: (request: HubQuery.ListRequest) => Effect.Effect<HubQuery.ListResult, HubError>
  /** Every matching record across all pages (poller, bulk). `pageSize` sets the vendor page size. */
  readonly stream: (request: HubQuery.ListRequest) => Stream.Stream<JsonRecord, HubError>
  readonly get: (resource: string, id: string) => Effect.Effect<JsonRecord, HubError>
  /** POST with the resource's create defaults merged in and its body key applied. */
  readonly create: (resource: string, body: unknown) => Effect.Effect<JsonRecord, HubError>
  /** PATCH: the fields sent change, the rest stay (sent as the resource's `updateMethod`). */
  readonly update: (resource: string, id: string, body: unknown) => Effect.Effect<JsonRecord, HubError>
  /** PUT. */
  readonly replace: (resource: string, id: string, body: unknown) => Effect.Effect<JsonRecord, HubError>
  readonly remove: (resource: string, id: string) => Effect.Effect<void, HubError>
  /** One page of a child collection, `GET /hubs/{hub}/{resource}/{id}/{child}`. */
  readonly children: (
    resource: string,
    id: string,
    child: string,
    options?: HubQuery.ListOptions
  ) => Effect.Effect<HubQuery.ListResult, HubError>
  /** Every record of a child collection. */
  readonly childrenStream: (
    resource: string,
    id: string,
    child: string,
    options?: HubQuery.ListOptions
  ) => Stream.Stream<JsonRecord, HubError>
  /**
   * Every record a hub URL of this instance lists (`/hubs/finance/customers?where=…&pageSize=50`,
   * or `/hubs/crm/accounts/42/contacts`): the poller's entry point. The hub must be the
   * connector's.
   */
  readonly query: (hubUrl: string) => Stream.Stream<JsonRecord, HubError>
  /**
   * Records the vendor reports deleted since an instant (epoch milliseconds), for resources with
   * `tombstones`; `Unsupported` for the others.
   */
  readonly tombstones: (resource: string, sinceMillis: number) => Stream.Stream<JsonRecord, HubError>
  /** Proves the credentials work with the connector's cheap credential-check read. */
  readonly check: () => Effect.Effect<void, ConnectorError.ConnectorError>
}

// Hub calls open these spans on every request; the span names and attributes say where they come
// from, so the stack trace a span captures by default is spared.
const noStackTrace = { captureStackTrace: false } as const

/** Builds the hub engine of one instance over its vendor client. */
export const make = (options: Options): Connection => {
  const { connector, configuration, client } = options
  const limits: Limits = { ...defaultLimits, ...options.limits }
  const context: ListPlan.PlanContext = { connector, configuration, client }
  const spanAttributes = (resource: string) => ({
    element: connector.key,
    resource,
    ...(options.instanceId === undefined ? {} : { instanceId: String(options.instanceId) })
  })

  const resolveFor = (resource: string, verb: "list" | "get" | "create" | "update" | "replace" | "delete") =>
    Effect.flatMap(Target.resolve(connector, resource), (target) =>
      Effect.as(Target.allow(target, verb), target)
    )

  const listTarget = (target: Target.Target, listOptions: HubQuery.ListOptions) =>
    Effect.flatMap(ListPlan.prepare(context, target, listOptions, `list ${target.name}`), (plan) =>
      Listing.page(plan, listOptions, limits)
    )

  const streamTarget = (target: Target.Target, listOptions: HubQuery.ListOptions) =>
    Stream.unwrap(
      Effect.map(ListPlan.prepare(context, target, listOptions, `list ${target.name}`), (plan) =>
        Listing.stream(plan, listOptions, limits)
      )
    )

  const childTarget = (resource: string, id: string, child: string) =>
    Effect.gen(function* () {
      const parent = yield* Target.resolve(connector, resource)
      yield* Target.checkId(id)
      return yield* Target.resolveChild(connector, parent, id, child)
    })

  const list: Connection["list"] = (request) =>
    resolveFor(request.resource, "list").pipe(
      Effect.flatMap((target) => listTarget(target, request)),
      Effect.withSpan("Connection.list", { attributes: spanAttributes(request.resource) }, noStackTrace)
    )

  const stream: Connection["stream"] = (request) =>
    Stream.unwrap(Effect.map(resolveFor(request.resource, "list"), (target) => streamTarget(target, request)))

  const get: Connection["get"] = (resource, id) =>
    Effect.gen(function* () {
      const target = yield* resolveFor(resource, "get")
      yield* Target.checkId(id)
      const operation = `get ${target.name}`
      const response = yield* client.request({
        method: "GET",
        path: Target.fillId(target.itemPath, id),
        operation
      })
      return yield* RecordBody.unwrap(target.bodyKey, response.body, operation)
    }).pipe(Effect.withSpan("Connection.get", { attributes: spanAttributes(resource) }, noStackTrace))

  const write = (
    verb: "create" | "update" | "replace",
    resource: string,
    id: string | undefined,
    body: unknown
  ): Effect.Effect<JsonRecord, HubError> =>
    Effect.gen(function* () {
      const target = yield* resolveFor(resource, verb)
      const record = yield* RecordBody.requireObject(body)
      const sent = verb === "create" ? { ...target.createDefaults, ...record } : record
      const operation = `${verb} ${target.name}`
      const path = id === undefined ? target.path : Target.fillId(target.itemPath, yield* Target.checkId(id))
      const response = yield* client.request({
        method:
          verb === "create" ? "POST" : verb === "update" ? (target.resource?.updateMethod ?? "PATCH") : "PUT",
        path,
        body: RecordBody.wrap(target.bodyKey, sent),
        operation
      })
      return yield* RecordBody.unwrap(target.bodyKey, response.body, operation, sent)
    }).pipe(Effect.withSpan(`Connection.${verb}`, { attributes: spanAttributes(resource) }, noStackTrace))

  const remove: Connection["remove"] = (resource, id) =>
    Effect.gen(function* () {
      const target = yield* resolveFor(resource, "delete")
      yield* Target.checkId(id)
      yield* client.request({
        method: "DELETE",
        path: Target.fillId(target.itemPath, id),
        operation: `delete ${target.name}`
      })
    }).pipe(Effect.withSpan("Connection.remove", { attributes: spanAttributes(resource) }, noStackTrace))

  const children: Connection["children"] = (resource, id, child, listOptions = {}) =>
    childTarget(resource, id, child).pipe(
      Effect.flatMap((target) => listTarget(target, listOptions)),
      Effect.withSpan(
        "Connection.children",
        { attributes: spanAttributes(`${resource}/${child}`) },
        noStackTrace
      )
    )

  const childrenStream: Connection["childrenStream"] = (resource, id, child, listOptions = {}) =>
    Stream.unwrap(Effect.map(childTarget(resource, id, child), (target) => streamTarget(target, listOptions)))

  const query: Connection["query"] = (hubUrl) =>
    Stream.unwrap(
      Effect.gen(function* () {
        const url = yield* HubQuery.parseUrl(hubUrl)
        if (url.hub !== connector.hub) {
          return yield* HubRequestError.make(
            "url",
            `'${hubUrl}' names hub '${url.hub}', but ${connector.key} is in hub '${connector.hub}'`
          )
        }
        const [resource, id, child, ...rest] = url.segments
        if (resource !== undefined && id === undefined) return stream({ ...url.options, resource })
        if (resource !== undefined && id !== undefined && child !== undefined && rest.length === 0) {
          return childrenStream(resource, id, child, url.options)
        }
        return yield* HubRequestError.make(
          "url",
          `'${hubUrl}' does not list anything; expected /hubs/${connector.hub}/{resource} or ` +
            `/hubs/${connector.hub}/{resource}/{id}/{child}`
        )
      })
    )

  const tombstones: Connection["tombstones"] = (resource, sinceMillis) =>
    Stream.unwrap(
      Effect.gen(function* () {
        const target = yield* resolveFor(resource, "list")
        const spec = target.resource?.tombstones
        if (spec === undefined) {
          return yield* ConnectorError.make(
            new ConnectorError.Unsupported({
              message: `${connector.key} does not report deleted ${resource}`
            }),
            `tombstones ${resource}`
          )
        }
        const formatted = DateTemplate.formatJava(sinceMillis, spec.format, "UTC")
        if (Result.isFailure(formatted)) {
          return yield* ConnectorError.make(
            new ConnectorError.InvalidRequest({
              message: `cannot write the tombstone time with '${spec.format}': ${formatted.failure.message}`,
              field: spec.param
            }),
            `tombstones ${resource}`
          )
        }
        const deleted: Target.Target = {
          ...target,
          name: `${target.name} (deleted)`,
          path: spec.path ?? target.path,
          query: { ...(spec.path === undefined ? target.query : {}), [spec.param]: formatted.success }
        }
        return streamTarget(deleted, {})
      })
    )

  const check: Connection["check"] = () =>
    client
      .request({
        method: "GET",
        path: connector.credentialCheck.path,
        ...(connector.credentialCheck.query === undefined ? {} : { query: connector.credentialCheck.query }),
        operation: "credential check"
      })
      .pipe(
        Effect.asVoid,
        Effect.withSpan("Connection.check", { attributes: spanAttributes("credentials") }, noStackTrace)
      )

  return {
    connector,
    instanceId: options.instanceId,
    list,
    stream,
    get,
    create: (resource, body) => write("create", resource, undefined, body),
    update: (resource, id, body) => write("update", resource, id, body),
    replace: (resource, id, body) => write("replace", resource, id, body),
    remove,
    children,
    childrenStream,
    query,
    tombstones,
    check
  }
}
