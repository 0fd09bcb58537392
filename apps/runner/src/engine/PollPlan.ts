/**
 * What to poll for an instance and how often, from its configuration (contract.md §7):
 * `event.poller.configuration` (an object or JSON text), else the legacy `event.poller.urls` lines,
 * else the connector's default resources; every entry completed with the defaults of the resource
 * its URL lists (the rule is core's `PollerConfiguration.resolveEntries`, shared with library-mode
 * polling). `event.poller.refresh_interval` is in minutes, decimals accepted, 15 by default. An
 * instance whose `event.vendor.type` is `webhook` does not poll the resources the vendor's webhooks
 * cover: the same change would otherwise be recorded twice, once per path, under two event ids.
 */
import { type Configuration, type Connector, PollerConfiguration, Webhooks } from "@plugboard/core"
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
  /** Where the entries came from: `event.poller.configuration`, `event.poller.urls` or the defaults. */
  readonly source: PollerConfiguration.Source
  /** Resource name → entry with defaults applied, in configuration order; the resources to poll. */
  readonly entries: ReadonlyArray<readonly [resource: string, entry: PollerConfiguration.Entry]>
  /** Configured resources left out because the vendor pushes them (`event.vendor.type` `webhook`). */
  readonly pushed: ReadonlyArray<string>
}

/** The hub and resource a hub URL lists (core's rule, re-exported for the engine). */
export const hubTarget = PollerConfiguration.hubTarget

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

/**
 * Whether an entry's changes come from the vendor's webhooks: by its name (the events'
 * `objectType`) or by the resource its URL lists, so an entry renamed in the configuration still
 * cannot poll what the vendor pushes.
 */
export const isPushed = (
  connector: Connector.Connector,
  configuration: Configuration.Configuration,
  resource: string,
  url: string
): boolean => {
  const listed = hubTarget(url)?.resource
  return (
    Webhooks.isPushed(connector, configuration, resource) ||
    (listed !== undefined && Webhooks.isPushed(connector, configuration, listed))
  )
}

/**
 * The plan of an instance: its entries as core resolves them (`PollerConfiguration.resolveEntries`:
 * configuration, else legacy lines, else the connector's defaults; an empty configuration is
 * unset) less those the vendor pushes, and its interval. Every entry is checked, pushed ones too,
 * so switching back to polling cannot reveal a broken one. Fails with a `PollerConfigurationError`
 * naming the key or the resource and field at fault, including an entry whose URL is not a hub URL
 * of the connector's hub.
 */
export const make = (
  connector: Connector.Connector,
  configuration: Configuration.Configuration
): Effect.Effect<PollPlan, PollerConfiguration.PollerConfigurationError> =>
  Effect.gen(function* () {
    const interval = yield* Effect.result(intervalOf(configuration))
    const entries = yield* Effect.result(PollerConfiguration.resolveEntries(connector, configuration))
    if (interval._tag === "Failure" || entries._tag === "Failure") {
      // Every problem at once: the interval's and the entries'.
      return yield* new PollerConfiguration.PollerConfigurationError({
        problems: [
          ...(interval._tag === "Failure" ? interval.failure.problems : []),
          ...(entries._tag === "Failure" ? entries.failure.problems : [])
        ]
      })
    }
    const intervalMillis = interval.success
    const resolved = entries.success
    const pushed = resolved.entries.filter((one) =>
      isPushed(connector, configuration, one.resource, one.entry.url)
    )
    return {
      intervalMillis,
      source: resolved.source,
      entries: resolved.entries
        .filter((one) => !pushed.includes(one))
        .map(({ resource, entry }) => [resource, entry] as const),
      pushed: pushed.map(({ resource }) => resource)
    }
  })
