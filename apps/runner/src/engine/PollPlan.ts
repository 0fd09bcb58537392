/**
 * What to poll for an instance and how often, from its configuration (contract.md §7):
 * `event.poller.configuration` (an object or JSON text), else the legacy `event.poller.urls` lines,
 * else the connector's default resources; every entry completed with the defaults of the resource
 * its URL lists. `event.poller.refresh_interval` is in minutes, decimals accepted, 15 by default.
 */
import { type Configuration, type Connector, PollerConfiguration } from "@plugboard/core"
import { Effect } from "effect"

/** The configuration key of the interval, in minutes. */
export const REFRESH_INTERVAL_KEY = "event.poller.refresh_interval"

/** The interval when the key is not set (minutes). */
export const DEFAULT_REFRESH_MINUTES = 15

/** The shortest interval accepted: one second, so a typo cannot turn the poller into a busy loop. */
export const MIN_INTERVAL_MILLIS = 1000

/** An instance's polling plan. */
export interface PollPlan {
  readonly intervalMillis: number
  /** Resource name → entry with defaults applied, in configuration order. */
  readonly entries: ReadonlyArray<readonly [resource: string, entry: PollerConfiguration.Entry]>
}

/**
 * The hub and resource a hub URL lists (`/hubs/finance/customers?where=…` → `finance`, `customers`),
 * read from the path alone so that unfilled date placeholders in the query do not matter;
 * `undefined` when the URL is not a hub URL.
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

const problem = (resource: string, field: string, message: string) =>
  new PollerConfiguration.PollerConfigurationError({
    problems: [new PollerConfiguration.Problem({ resource, field, message })]
  })

const intervalOf = (
  configuration: Configuration.Configuration
): Effect.Effect<number, PollerConfiguration.PollerConfigurationError> => {
  const text = configuration.text(REFRESH_INTERVAL_KEY)?.trim()
  if (text === undefined || text === "") return Effect.succeed(DEFAULT_REFRESH_MINUTES * 60_000)
  const minutes = Number(text)
  if (!Number.isFinite(minutes) || minutes <= 0) {
    return Effect.fail(
      problem(REFRESH_INTERVAL_KEY, "", `must be a number of minutes above 0 (got '${text}')`)
    )
  }
  const millis = Math.round(minutes * 60_000)
  return millis < MIN_INTERVAL_MILLIS
    ? Effect.fail(
        problem(REFRESH_INTERVAL_KEY, "", `must be at least 1 second (${1 / 60} minutes); got '${text}'`)
      )
    : Effect.succeed(millis)
}

const configuredEntries = (
  configuration: Configuration.Configuration
): Effect.Effect<
  Record<string, PollerConfiguration.Entry> | undefined,
  PollerConfiguration.PollerConfigurationError
> => {
  const json = configuration.text("event.poller.configuration")
  if (json !== undefined && json.trim() !== "" && json.trim() !== "{}")
    return PollerConfiguration.decode(json)
  const legacy = configuration.text("event.poller.urls")
  if (legacy !== undefined && legacy.trim() !== "") return PollerConfiguration.fromLegacyUrls(legacy)
  return Effect.succeed(undefined)
}

const defaultsFor = (connector: Connector.Connector, listed: string) => {
  const definition = connector.resources[listed]
  return definition === undefined
    ? undefined
    : PollerConfiguration.defaultEntry(connector.hub, listed, definition)
}

/**
 * The plan of an instance. Fails with a `PollerConfigurationError` naming the key or the resource
 * and field at fault, including an entry whose URL is not a hub URL of the connector's hub.
 */
export const make = (
  connector: Connector.Connector,
  configuration: Configuration.Configuration
): Effect.Effect<PollPlan, PollerConfiguration.PollerConfigurationError> =>
  Effect.gen(function* () {
    const intervalMillis = yield* intervalOf(configuration)
    const configured = yield* configuredEntries(configuration)
    const entries: Array<readonly [string, PollerConfiguration.Entry]> = []
    if (configured === undefined) {
      for (const resource of connector.events.defaultResources) {
        const definition = connector.resources[resource]
        const entry =
          definition === undefined
            ? undefined
            : PollerConfiguration.defaultEntry(connector.hub, resource, definition)
        if (entry !== undefined) entries.push([resource, entry])
      }
      return { intervalMillis, entries }
    }
    const problems: Array<PollerConfiguration.Problem> = []
    for (const [resource, entry] of Object.entries(configured)) {
      const target = hubTarget(entry.url)
      if (target === undefined || target.hub !== connector.hub) {
        problems.push(
          new PollerConfiguration.Problem({
            resource,
            field: "url",
            message: `must be a hub URL of this instance, /hubs/${connector.hub}/{resource}[?where=…] (got '${entry.url}')`
          })
        )
        continue
      }
      entries.push([
        resource,
        PollerConfiguration.withDefaults(entry, defaultsFor(connector, target.resource))
      ])
    }
    if (problems.length > 0) return yield* new PollerConfiguration.PollerConfigurationError({ problems })
    return { intervalMillis, entries }
  })
