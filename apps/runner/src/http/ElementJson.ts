/**
 * How the catalog shows a connector (contract.md §3): the element JSON, its metadata, its
 * configuration items and the hubs. The schemas document the shapes in OpenAPI; the functions build
 * them from a loaded connector.
 */
import { createHash } from "node:crypto"
import { AuthSpec, type Connector, Param } from "@plugboard/core"
import { Schema } from "effect"

/** One resource of an element as the catalog lists it. */
export const ElementResource = Schema.Struct({
  name: Schema.String,
  path: Schema.String,
  description: Schema.String,
  methods: Schema.Array(Schema.String)
})

/** The element JSON, also embedded in instance responses. */
export const Element = Schema.Struct({
  id: Schema.Number,
  name: Schema.String,
  key: Schema.String,
  description: Schema.String,
  image: Schema.String,
  active: Schema.Boolean,
  deleted: Schema.Boolean,
  typeOauth: Schema.Boolean,
  trialAccount: Schema.Boolean,
  resources: Schema.Array(ElementResource),
  transformationsEnabled: Schema.Boolean,
  bulkDownloadEnabled: Schema.Boolean,
  bulkUploadEnabled: Schema.Boolean,
  cloneable: Schema.Boolean,
  extendable: Schema.Boolean,
  beta: Schema.Boolean,
  authentication: Schema.Struct({ type: Schema.Literals(["oauth2", "basic", "custom"]) }),
  extended: Schema.Boolean,
  hub: Schema.String,
  protocolType: Schema.Literal("http"),
  parameters: Schema.Array(Schema.Unknown),
  private: Schema.Boolean
})
export type Element = typeof Element.Type

/** `GET /elements/{keyOrId}/metadata`. */
export const Metadata = Schema.Struct({
  id: Schema.Number,
  key: Schema.String,
  name: Schema.String,
  description: Schema.String,
  events: Schema.Struct({
    supported: Schema.Boolean,
    methods: Schema.Array(Schema.Literals(["polling", "webhook"]))
  })
})

/** One configuration item of an element (and, with its value, of an instance). */
export const ConfigurationItem = Schema.Struct({
  id: Schema.Number,
  key: Schema.String,
  name: Schema.String,
  description: Schema.String,
  defaultValue: Schema.NullOr(Schema.String),
  type: Schema.Literals([
    "TEXTFIELD_32",
    "TEXTFIELD_128",
    "TEXTFIELD_1000",
    "TEXTAREA",
    "BOOLEAN",
    "PASSWORD",
    "CODE_EDITOR"
  ]),
  required: Schema.Boolean,
  hideFromConsole: Schema.Boolean,
  active: Schema.Boolean,
  internal: Schema.Boolean,
  displayOrder: Schema.Number,
  options: Schema.optionalKey(Schema.Array(Schema.String))
})
export type ConfigurationItem = typeof ConfigurationItem.Type

/** A hub of `GET /hubs`. */
export const Hub = Schema.Struct({
  id: Schema.Number,
  key: Schema.String,
  name: Schema.String,
  description: Schema.String
})
export type Hub = typeof Hub.Type

const verbMethods: Record<string, string> = {
  list: "GET",
  create: "POST",
  get: "GET",
  update: "PATCH",
  replace: "PUT",
  delete: "DELETE"
}

/** The element JSON of a connector. */
export const element = (connector: Connector.Connector): Element => ({
  id: connector.id,
  name: connector.name,
  key: connector.key,
  description: connector.description,
  image: connector.image,
  active: true,
  deleted: false,
  typeOauth: AuthSpec.catalogType(connector.auth.strategy) === "oauth2",
  trialAccount: false,
  resources: Object.entries(connector.resources).map(([name, resource]) => ({
    name,
    path: `/hubs/${connector.hub}/${name}`,
    description: resource.description,
    methods: [...new Set(resource.verbs.map((verb) => verbMethods[verb] ?? verb.toUpperCase()))]
  })),
  transformationsEnabled: false,
  bulkDownloadEnabled: connector.bulk.download,
  bulkUploadEnabled: connector.bulk.upload,
  cloneable: false,
  extendable: false,
  beta: false,
  authentication: { type: AuthSpec.catalogType(connector.auth.strategy) },
  extended: false,
  hub: connector.hub,
  protocolType: "http",
  parameters: [],
  private: false
})

/** The events metadata of a connector. */
export const metadata = (connector: Connector.Connector): typeof Metadata.Type => ({
  id: connector.id,
  key: connector.key,
  name: connector.name,
  description: connector.description,
  events: { supported: connector.events.methods.length > 0, methods: connector.events.methods }
})

/**
 * A stable numeric id for a configuration key: the first 31 bits of its SHA-256, so the same key
 * has the same id in every runner and every connector version.
 */
export const configurationId = (key: string): number =>
  Number.parseInt(createHash("sha256").update(key).digest("hex").slice(0, 8), 16) & 0x7fffffff

/** The configuration items of a connector, in declaration order. */
export const configuration = (connector: Connector.Connector): ReadonlyArray<ConfigurationItem> =>
  Object.entries(connector.configuration).map(([key, param], index) => configurationItem(key, param, index))

/** One configuration item; undeclared keys of an instance show as plain text fields. */
export const configurationItem = (
  key: string,
  param: Param.Param | undefined,
  index: number
): ConfigurationItem => ({
  id: configurationId(key),
  key,
  name: param?.label === undefined || param.label === "" ? key : param.label,
  description: param?.description ?? "",
  defaultValue: param?.secret === true ? null : (param?.default ?? null),
  type: (param === undefined
    ? Param.isSecretKey(key, undefined)
      ? "PASSWORD"
      : "TEXTFIELD_128"
    : Param.catalogType(param)) as ConfigurationItem["type"],
  required: param?.required ?? false,
  hideFromConsole: param?.hidden ?? false,
  active: true,
  internal: false,
  displayOrder: index,
  ...(param?.options === undefined ? {} : { options: param.options })
})

const knownHubs: Record<
  string,
  { readonly id: number; readonly name: string; readonly description: string }
> = {
  crm: {
    id: 1,
    name: "CRM",
    description: "Accounts, contacts, leads, opportunities and users across CRM vendors."
  },
  finance: {
    id: 2,
    name: "Finance",
    description: "Customers, invoices, payments, products and ledgers across accounting vendors."
  },
  rewards: {
    id: 3,
    name: "Rewards",
    description: "Gifts, touches and sends across rewards and gifting vendors."
  },
  general: { id: 4, name: "General", description: "Vendor objects that belong to no normalized hub." },
  marketing: {
    id: 5,
    name: "Marketing",
    description: "Contacts, lists and campaigns across marketing vendors."
  },
  helpdesk: { id: 6, name: "Helpdesk", description: "Tickets, contacts and agents across helpdesk vendors." }
}

/** The hubs of the loaded connectors, known hubs first. */
export const hubs = (connectors: ReadonlyArray<Connector.Connector>): ReadonlyArray<Hub> => {
  const keys = new Set(connectors.map((connector) => connector.hub))
  return [...keys]
    .map((key) => {
      const known = knownHubs[key]
      return known === undefined
        ? {
            id: 1000 + (configurationId(`hub:${key}`) % 100000),
            key,
            name: key,
            description: `The ${key} hub.`
          }
        : { id: known.id, key, name: known.name, description: known.description }
    })
    .sort((a, b) => a.id - b.id)
}
