/**
 * The poller entry a library-mode poll of one resource uses, found as the runner finds it: the
 * caller's own entry, else the instance's `event.poller.configuration` (or legacy
 * `event.poller.urls`), else the connector's default for that resource; every entry completed with
 * the defaults of the resource its URL lists, and refused when its URL is not a hub URL of the
 * connector's hub.
 */
import { Effect } from "effect"
import type * as Configuration from "../../Configuration.js"
import type * as Connector from "../../Connector.js"
import * as PollerConfiguration from "../../PollerConfiguration.js"

/** The resolved entry and the resource its URL lists (whose tombstones the poll reads). */
export interface ResolvedEntry {
  readonly entry: PollerConfiguration.Entry
  readonly listed: string
}

const problem = (resource: string, field: string, message: string) =>
  new PollerConfiguration.PollerConfigurationError({
    problems: [new PollerConfiguration.Problem({ resource, field, message })]
  })

/**
 * The hub and resource of a hub URL, read from its path alone, so that unfilled date placeholders
 * in the query do not matter.
 */
export const hubTarget = (url: string): { readonly hub: string; readonly resource: string } | undefined => {
  const path = (url.split("?")[0] ?? "")
    .trim()
    .replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, "")
    .replace(/^\/elements\/api-v2(?=\/)/, "")
  const [root, hub, resource] = path.split("/").filter((part) => part !== "")
  if (root !== "hubs" || hub === undefined || resource === undefined) return undefined
  try {
    return { hub, resource: decodeURIComponent(resource) }
  } catch {
    return { hub, resource }
  }
}

const defaultsFor = (connector: Connector.Connector, listed: string) => {
  const definition = Object.hasOwn(connector.resources, listed) ? connector.resources[listed] : undefined
  return definition === undefined
    ? undefined
    : PollerConfiguration.defaultEntry(connector.hub, listed, definition)
}

const configuredEntries = (
  configuration: Configuration.Configuration
): Effect.Effect<Record<string, PollerConfiguration.Entry>, PollerConfiguration.PollerConfigurationError> => {
  const json = configuration.text("event.poller.configuration")
  if (json !== undefined && json.trim() !== "" && json.trim() !== "{}")
    return PollerConfiguration.decode(json)
  const legacy = configuration.text("event.poller.urls")
  if (legacy !== undefined && legacy.trim() !== "") return PollerConfiguration.fromLegacyUrls(legacy)
  return Effect.succeed({})
}

const complete = (
  connector: Connector.Connector,
  resource: string,
  entry: PollerConfiguration.Entry
): Effect.Effect<ResolvedEntry, PollerConfiguration.PollerConfigurationError> => {
  const target = hubTarget(entry.url)
  if (target === undefined || target.hub !== connector.hub) {
    return Effect.fail(
      problem(
        resource,
        "url",
        `must be a hub URL of this instance, /hubs/${connector.hub}/{resource}[?where=…] (got '${entry.url}')`
      )
    )
  }
  return Effect.succeed({
    entry: PollerConfiguration.withDefaults(entry, defaultsFor(connector, target.resource)),
    listed: target.resource
  })
}

/**
 * The entry for `resource`. `given` (the caller's, checked like configuration) wins; a resource
 * with neither a configured entry nor a connector default fails naming the resource.
 */
export const resolve = (
  connector: Connector.Connector,
  configuration: Configuration.Configuration,
  resource: string,
  given: unknown
): Effect.Effect<ResolvedEntry, PollerConfiguration.PollerConfigurationError> =>
  Effect.gen(function* () {
    if (given !== undefined) {
      return yield* complete(connector, resource, yield* PollerConfiguration.decodeEntry(resource, given))
    }
    const configured = yield* configuredEntries(configuration)
    const own = Object.hasOwn(configured, resource) ? configured[resource] : undefined
    if (own !== undefined) return yield* complete(connector, resource, own)
    const fallback = defaultsFor(connector, resource)
    if (fallback !== undefined) return { entry: fallback, listed: resource }
    return yield* problem(
      resource,
      "",
      `no poller entry: '${resource}' is not in event.poller.configuration and ${connector.key} has no default poll for it` +
        " (pass an entry with a url)"
    )
  })
