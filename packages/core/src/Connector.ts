/**
 * The connector contract: everything Plugboard needs to know about one vendor, mostly as data —
 * element metadata for the catalog, configuration parameters, authentication, paging, what the
 * vendor can filter natively, resources, poller defaults — plus the few hooks a vendor's
 * irregularities need. Core owns the lifecycle; a connector never implements retries, paging
 * loops, cursors or signing itself.
 */
import { type Effect, Schema } from "effect"
import type * as AuthSpec from "./AuthSpec.js"
import type * as Ceql from "./Ceql.js"
import type * as Configuration from "./Configuration.js"
import type * as ConnectorError from "./ConnectorError.js"
import * as Param from "./Param.js"
import type * as Paging from "./Paging.js"
import type * as Resource from "./Resource.js"
import type * as VendorClient from "./VendorClient.js"
import * as Webhooks from "./Webhooks.js"

/** Vendor objects with no normalized resource, reached as `/hubs/{hub}/{objectName}`. */
export interface Objects {
  /** Collection path template with `{objectName}` (`/{objectName}`). */
  readonly path: string
  /** Object path template with `{objectName}` and `{id}` (`/{objectName}('{id}')`). */
  readonly itemPath: string
  readonly id: string
  readonly verbs: ReadonlyArray<Resource.Verb>
  /**
   * Child collection path template with `{objectName}`, `{id}` and `{childObjectName}`
   * (`/{objectName}/{id}/{childObjectName}`), for `/hubs/{hub}/{objectName}/{objectId}/{childObjectName}`.
   * Without it only declared resources have children.
   */
  readonly childPath?: string
}

/** The code a vendor's irregularities need; every hook is optional. */
export interface Hooks {
  /**
   * Reads the vendor's own words out of an error response body (SData `$diagnoses`, Sage 422 arrays,
   * `{success:false,message}`), which core then reports as `providerMessage`.
   */
  readonly readError?: (status: number, body: unknown) => string | undefined
  /**
   * Headers a session needs that come from the vendor itself (Sage 200's `X-Site`/`X-Company` from
   * `GET /sites`); run once per connection after authentication.
   */
  readonly sessionHeaders?: (
    client: VendorClient.VendorClient,
    configuration: Configuration.Configuration
  ) => Effect.Effect<Readonly<Record<string, string>>, ConnectorError.ConnectorError>
}

/**
 * How the vendor sorts lists natively, so `orderBy` pages at the vendor instead of reading every
 * matching record into memory. Keys are written `name asc,created desc` (`words`: SData `orderBy`,
 * OData `$orderby`), `name:asc,created:desc` (`colon`) or `name,-created` (`sign`).
 */
export interface Sort {
  readonly param: string
  readonly style: "words" | "colon" | "sign"
  /** The fields the vendor sorts by (case-insensitive); absent means any top-level field. */
  readonly fields?: ReadonlyArray<string>
}

/** Events the element offers. */
export interface Events {
  readonly methods: ReadonlyArray<"polling" | "webhook">
  /** Resources polled when an instance enables events without its own `event.poller.configuration`. */
  readonly defaultResources: ReadonlyArray<string>
}

/** A request that proves credentials work; a cheap read. */
export interface CredentialCheck {
  readonly path: string
  readonly query?: Readonly<Record<string, string>>
}

/** A complete connector. */
export interface Connector {
  /** Element key, fixed forever (`sagecrm`). */
  readonly key: string
  /** Numeric element id shown in the catalog; stable per element. */
  readonly id: number
  readonly name: string
  readonly description: string
  /** Hub key (`crm`, `finance`, `rewards`). */
  readonly hub: string
  readonly image: string
  /** Vendor base URL; the default of the `base.url` configuration key (may hold `{key}` placeholders). */
  readonly baseUrl: string
  readonly auth: AuthSpec.AuthSpec
  /** Every configuration parameter: the connector's own plus the standard ones `make` adds. */
  readonly configuration: Readonly<Record<string, Param.Param>>
  readonly paging: Paging.Paging
  /** What the vendor can filter natively; the rest of a CEQL query is applied in memory. */
  readonly query: Ceql.Translator
  /** Native sorting, when the vendor has it; otherwise `orderBy` sorts in memory. */
  readonly sort?: Sort
  readonly resources: Readonly<Record<string, Resource.Resource>>
  readonly objects?: Objects
  readonly events: Events
  readonly credentialCheck: CredentialCheck
  readonly bulk: { readonly download: boolean; readonly upload: boolean }
  /** Requests per second one instance may send; the vendor's documented limit. */
  readonly rateLimit?: { readonly requestsPerSecond: number }
  readonly hooks: Hooks
  /** How the vendor pushes changes, when it does (`POST /events/{elementKey}/{instanceId}`). */
  readonly webhooks?: Webhooks.Webhooks
}

/** What a connector package writes; `make` fills in the rest. */
export interface Definition {
  readonly key: string
  readonly id: number
  readonly name: string
  readonly description: string
  readonly hub: string
  readonly image?: string
  readonly baseUrl: string
  readonly auth: AuthSpec.Strategy
  /** Headers from configuration keys, sent on every call (`{"X-Business": "business.id"}`). */
  readonly headers?: Readonly<Record<string, string>>
  readonly configuration: Readonly<Record<string, Param.Param>>
  readonly paging: Paging.Paging
  readonly query: Ceql.Translator
  readonly sort?: Sort
  readonly resources: Readonly<Record<string, Resource.Resource>>
  readonly objects?: Objects
  readonly events?: Partial<Events>
  readonly credentialCheck?: CredentialCheck
  readonly bulk?: { readonly download: boolean; readonly upload: boolean }
  readonly rateLimit?: { readonly requestsPerSecond: number }
  readonly hooks?: Hooks
  /**
   * The vendor's webhooks: its signing scheme, a pure `normalize` and, optionally, the `resources`
   * it pushes changes of (every resource when absent; each must be one of `resources`). Setting it
   * adds `"webhook"` to `events.methods` and to the values `event.vendor.type` accepts and, unless
   * declared, a secret parameter for the scheme's `configKey`.
   */
  readonly webhooks?: Webhooks.Webhooks
}

/**
 * A definition that contradicts itself (webhooks naming a resource the connector does not have).
 * `make` throws it, so a broken connector fails when its module loads — the runner then refuses
 * to start, naming the package — instead of misbehaving on the first pushed change.
 */
export class DefinitionError extends Schema.TaggedError<DefinitionError>()("ConnectorDefinitionError", {
  key: Schema.String,
  message: Schema.String
}) {}

/** The values `event.vendor.type` accepts: `webhook` only for an element whose vendor pushes. */
const vendorTypes = (definition: Definition): ReadonlyArray<Webhooks.VendorType> =>
  definition.webhooks === undefined ? ["polling"] : ["polling", "webhook"]

/** `polling` (contract.md §7), except for an element that is never polled but receives webhooks. */
const defaultVendorType = (definition: Definition): Webhooks.VendorType =>
  definition.webhooks !== undefined && !eventMethods(definition).includes("polling") ? "webhook" : "polling"

/**
 * The configuration keys every element has (contract.md §4, §7): the vendor base URL, paging, and the
 * event keys. A connector's own declaration of the same key wins.
 */
export const standardParams = (definition: Definition): Record<string, Param.Param> => ({
  "base.url": Param.url({ label: "Base URL", default: definition.baseUrl, hidden: true }),
  "pagination.type": Param.text({ label: "Pagination type", default: "cursor", hidden: true }),
  "pagination.max": Param.number({
    label: "Maximum page size",
    default: maxPageSize(definition.paging),
    hidden: true
  }),
  [Webhooks.VENDOR_TYPE_KEY]: Param.text({
    label: "Event type",
    description: "polling, or webhook to take the changes the vendor pushes instead of polling them",
    default: defaultVendorType(definition),
    options: vendorTypes(definition),
    hidden: true
  }),
  "event.notification.enabled": Param.boolean({ label: "Events Enabled", default: false }),
  "event.notification.callback.url": Param.url({ label: "Event Notification Callback URL" }),
  "event.notification.basic.username": Param.text({ label: "Callback Basic auth user name" }),
  "event.notification.basic.password": Param.secret({ label: "Callback Basic auth password" }),
  "event.notification.signature.key": Param.secret({ label: "Callback signature key" }),
  "event.poller.refresh_interval": Param.number({
    label: "Event poller refresh interval (mins)",
    default: 15
  }),
  "event.poller.configuration": Param.json({ label: "Configure Polling", hidden: true }),
  "event.poller.urls": Param.textarea({ label: "Legacy poller URLs", hidden: true })
})

/**
 * The OAuth 2.0 configuration keys of an element with the vendor's endpoints as defaults; spread
 * into a connector's `configuration`.
 */
export const oauthParams = (defaults: {
  readonly authorizationUrl: string
  readonly tokenUrl: string
  readonly scope?: string
  readonly callbackUrl?: string
}): Record<string, Param.Param> => ({
  "oauth.api.key": Param.secret({ label: "OAuth API Key", required: true }),
  "oauth.api.secret": Param.secret({ label: "OAuth API Secret", required: true }),
  "oauth.callback.url": Param.url({ label: "OAuth Callback URL", default: defaults.callbackUrl ?? null }),
  "oauth.scope": Param.text({ label: "OAuth scope", default: defaults.scope ?? null }),
  "oauth.authorization.url": Param.url({
    label: "OAuth authorization URL",
    default: defaults.authorizationUrl,
    hidden: true
  }),
  "oauth.token.url": Param.url({ label: "OAuth token URL", default: defaults.tokenUrl, hidden: true })
})

/** The secret parameter a webhook scheme reads, added by `make` when the connector does not declare it. */
const webhookParams = (definition: Definition): Record<string, Param.Param> =>
  definition.webhooks === undefined
    ? {}
    : {
        [definition.webhooks.scheme.configKey]: Param.secret({
          label: "Webhook signing secret",
          description: "The secret the vendor signs its webhooks with"
        })
      }

/** The event methods: the declared ones (polling by default), plus `webhook` when the vendor pushes. */
const eventMethods = (definition: Definition): ReadonlyArray<"polling" | "webhook"> => {
  const methods = definition.events?.methods ?? ["polling"]
  return definition.webhooks === undefined || methods.includes("webhook") ? methods : [...methods, "webhook"]
}

const maxPageSize = (paging: Paging.Paging): number | null =>
  paging._tag === "Single" ? null : paging.maxPageSize

/**
 * Builds a connector from its definition, adding the standard configuration keys and defaults.
 * Throws a {@link DefinitionError} when the webhooks name a resource the connector does not declare.
 */
export const make = (definition: Definition): Connector => {
  const problems = Webhooks.resourceProblems(definition.webhooks, definition.resources)
  if (problems.length > 0) {
    throw new DefinitionError({
      key: definition.key,
      message: `connector '${definition.key}': ${problems.join("; ")}`
    })
  }
  const firstResource = Object.values(definition.resources).find((r) => r.verbs.includes("list"))
  return {
    key: definition.key,
    id: definition.id,
    name: definition.name,
    description: definition.description,
    hub: definition.hub,
    image: definition.image ?? `/elements/provider_${definition.key}.png`,
    baseUrl: definition.baseUrl,
    auth: { strategy: definition.auth, headers: definition.headers ?? {} },
    configuration: {
      ...standardParams(definition),
      ...webhookParams(definition),
      ...definition.configuration
    },
    paging: definition.paging,
    query: definition.query,
    ...(definition.sort === undefined ? {} : { sort: definition.sort }),
    resources: definition.resources,
    ...(definition.objects === undefined ? {} : { objects: definition.objects }),
    events: {
      methods: eventMethods(definition),
      defaultResources: definition.events?.defaultResources ?? []
    },
    credentialCheck: definition.credentialCheck ?? { path: firstResource?.path ?? "/" },
    bulk: definition.bulk ?? { download: false, upload: false },
    ...(definition.rateLimit === undefined ? {} : { rateLimit: definition.rateLimit }),
    hooks: definition.hooks ?? {},
    ...(definition.webhooks === undefined ? {} : { webhooks: definition.webhooks })
  }
}

/** The resource a hub name refers to, if the connector maps it. */
export const resource = (connector: Connector, name: string): Resource.Resource | undefined =>
  Object.hasOwn(connector.resources, name) ? connector.resources[name] : undefined
