/**
 * How the API shows an instance (contract.md §4, seed 004): configuration values as strings with
 * every secret masked as `********`, the element JSON embedded, the token for its owner.
 */
import type { Connector } from "@plugboard/core"
import { Redacted, Schema } from "effect"
import type { Instance as StoredInstance } from "../store/Instances.js"
import * as ElementJson from "./ElementJson.js"

/** The instance JSON. */
export const Instance = Schema.Struct({
  id: Schema.Number,
  name: Schema.String,
  createdDate: Schema.String,
  token: Schema.String,
  element: ElementJson.Element,
  elementId: Schema.Number,
  tags: Schema.Array(Schema.String),
  provisionInteractions: Schema.Array(Schema.Unknown),
  valid: Schema.Boolean,
  disabled: Schema.Boolean,
  maxCacheSize: Schema.Number,
  cacheTimeToLive: Schema.Number,
  configuration: Schema.Record(Schema.String, Schema.NullOr(Schema.String)),
  eventsEnabled: Schema.Boolean,
  traceLoggingEnabled: Schema.Boolean,
  cachingEnabled: Schema.Boolean,
  externalAuthentication: Schema.String,
  user: Schema.Struct({ id: Schema.Number })
})
export type Instance = typeof Instance.Type

/** An instance's configuration item with its current value (secrets masked). */
export const InstanceConfigurationItem = Schema.Struct({
  ...ElementJson.ConfigurationItem.fields,
  propertyValue: Schema.NullOr(Schema.String)
})
export type InstanceConfigurationItem = typeof InstanceConfigurationItem.Type

/** The JSON of a stored instance of a connector. */
export const present = (instance: StoredInstance, connector: Connector.Connector): Instance => ({
  id: instance.id,
  name: instance.name,
  createdDate: instance.createdDate,
  token: Redacted.value(instance.token),
  element: ElementJson.element(connector),
  elementId: connector.id,
  tags: instance.tags,
  provisionInteractions: [],
  valid: true,
  disabled: instance.disabled,
  maxCacheSize: 0,
  cacheTimeToLive: 0,
  configuration: instance.configuration.masked(),
  eventsEnabled: instance.eventsEnabled,
  traceLoggingEnabled: false,
  cachingEnabled: false,
  externalAuthentication: "none",
  user: { id: instance.userId }
})

/** The configuration items of an instance: the element's declared keys first, then any others it holds. */
export const configuration = (
  instance: StoredInstance,
  connector: Connector.Connector
): ReadonlyArray<InstanceConfigurationItem> => {
  const masked = instance.configuration.masked()
  const declared = Object.keys(connector.configuration)
  const extra = Object.keys(masked).filter((key) => !Object.hasOwn(connector.configuration, key))
  return [...declared, ...extra].map((key, index) => ({
    ...ElementJson.configurationItem(key, connector.configuration[key], index),
    propertyValue: masked[key] ?? null
  }))
}
