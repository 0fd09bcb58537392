/**
 * The conformance suite every connector package runs with one call against its fake vendor:
 * `Conformance.run(harness)` in a test file registers a vitest `describe("conformance: <key>")`
 * with one test per promise of the connector contract — metadata valid; configuration decodes the
 * documented seed examples and names every missing required key; authentication works and fails
 * cleanly; every resource lists and reads (and its child collections list); paging returns every
 * record exactly once; CEQL equality on the id field returns exactly that record; two sequential
 * polls from saved state give no duplicates and lose no change; a poll from a future cursor gives
 * nothing. Every test starts its own fake vendor, so the checks are independent.
 */
import type { Connector } from "@plugboard/core"
import { describe, it } from "vitest"
import * as AuthCheck from "./internal/AuthCheck.js"
import * as ConfigurationCheck from "./internal/ConfigurationCheck.js"
import * as IdQueryCheck from "./internal/IdQueryCheck.js"
import * as ListCheck from "./internal/ListCheck.js"
import * as MetadataCheck from "./internal/MetadataCheck.js"
import * as PagingCheck from "./internal/PagingCheck.js"
import * as PollCheck from "./internal/PollCheck.js"

export { ConformanceFailure } from "./internal/ConformanceFailure.js"

/** What `POST /instances` sends as `providerData` for the OAuth authorization code flow. */
export interface ProviderData {
  /** An authorization code the fake vendor issued, as if a user had approved the app. */
  readonly code: string
  /** The redirect URI the code was issued for, when it is not the configuration's `oauth.callback.url`. */
  readonly redirectUri?: string | undefined
}

/** A documented `POST /instances` configuration (the element's published examples). */
export interface SeedConfiguration {
  /** Where the example comes from, shown in failures (`instance body of the events page`). */
  readonly name: string
  readonly configuration: Readonly<Record<string, unknown>>
}

/** A running fake vendor, as the suite drives it. */
export interface FakeVendor {
  /** A valid instance configuration pointing at this fake (`base.url`, OAuth endpoints overridden). */
  readonly configuration: Readonly<Record<string, unknown>>
  /** The same configuration with a wrong secret (password, client secret or API key). */
  readonly badConfiguration: Readonly<Record<string, unknown>>
  /** A fresh authorization code for the OAuth code flow; absent for other authentication. */
  readonly providerData?: (() => Promise<ProviderData>) | undefined
  /**
   * Makes sure the fake holds at least `count` records of the hub resource `resource` (adding
   * records directly in its store), and answers with the id of EVERY record of that resource the
   * fake then holds, as text, in any order. The suite calls `seed(resource, 0)` to read the ids
   * without adding any.
   */
  readonly seed: (resource: string, count: number) => Promise<ReadonlyArray<string>>
  /**
   * Changes a record of the hub resource so that the vendor shows it updated now (a field changed,
   * its updated date moved to the fake's current time). Without it the polling check cannot prove
   * that a change after the first poll is emitted once.
   */
  readonly touch?: ((resource: string, id: string) => Promise<void>) | undefined
  /** The fake's current time in epoch milliseconds, when it keeps its own clock; default `Date.now()`. */
  readonly now?: (() => number) | undefined
  /** Moves the fake's clock forward, when it keeps its own clock. */
  readonly advance?: ((millis: number) => void | Promise<void>) | undefined
  /** Stops the fake. */
  readonly close: () => Promise<void>
}

/** Everything the suite needs to know about one connector. */
export interface Harness {
  readonly connector: Connector.Connector
  /** The element's documented configuration examples; at least one. */
  readonly seedConfigurations: ReadonlyArray<SeedConfiguration>
  /** Starts a fresh, empty-enough fake vendor; called once per test. */
  readonly start: () => Promise<FakeVendor>
  /** Hub page size of the paging check (default 4); the check seeds 2.5 pages of records. */
  readonly pageSize?: number | undefined
  /** Timeout of each test in milliseconds (default 60 000). */
  readonly timeoutMillis?: number | undefined
}

/** One check of the suite: a name (the test's title) and the body that throws when it fails. */
export interface Check {
  readonly name: string
  /** Resolves when the connector conforms; rejects with a `ConformanceFailure` naming every problem. */
  readonly run: () => Promise<void>
}

/**
 * Every check for a harness, in order: metadata, configuration, authentication, then per resource
 * list-and-read, paging, CEQL id equality, and per polled resource the two polling checks. Use
 * {@link run} in a test file; this list is for runners other than vitest and for testing the suite.
 */
export const checks = (harness: Harness): ReadonlyArray<Check> => {
  const { connector } = harness
  const listable = Object.entries(connector.resources)
    .filter(([, resource]) => resource.verbs.includes("list"))
    .map(([name]) => name)
  const polled = Object.entries(connector.resources)
    .filter(([, resource]) => resource.poll !== undefined)
    .map(([name]) => name)
  return [
    { name: "metadata is valid", run: () => MetadataCheck.run(connector) },
    {
      name: "the seed configurations decode",
      run: () => ConfigurationCheck.seedsDecode(connector, harness.seedConfigurations)
    },
    {
      name: "a configuration missing a required key fails naming it",
      run: () => ConfigurationCheck.missingKeysNamed(connector, harness.seedConfigurations)
    },
    { name: "authentication works", run: () => AuthCheck.works(harness) },
    { name: "authentication fails cleanly with a wrong secret", run: () => AuthCheck.failsCleanly(harness) },
    ...listable.map((resource) => ({
      name: `${resource} lists and reads`,
      run: () => ListCheck.run(harness, resource)
    })),
    { name: "paging returns every record exactly once", run: () => PagingCheck.run(harness) },
    {
      name: "CEQL equality on the id field returns exactly that record",
      run: () => IdQueryCheck.run(harness)
    },
    ...polled.flatMap((resource) => [
      {
        name: `${resource}: two sequential polls from saved state give no duplicates`,
        run: () => PollCheck.sequentialPolls(harness, resource)
      },
      {
        name: `${resource}: a poll from a future cursor gives nothing`,
        run: () => PollCheck.futureCursor(harness, resource)
      }
    ])
  ]
}

/**
 * Registers the suite with vitest: `describe("conformance: <key>")` with one test per check. Call
 * it at the top level of a test file:
 *
 * ```ts
 * Conformance.run({ connector: SageCrm, seedConfigurations, start: startHarnessFake })
 * ```
 */
export const run = (harness: Harness): void => {
  describe(`conformance: ${harness.connector.key}`, () => {
    for (const check of checks(harness)) {
      it(check.name, check.run, harness.timeoutMillis ?? 60_000)
    }
  })
}
