/**
 * Check 2, configuration: every documented `POST /instances` configuration of the element decodes
 * against its parameters (and its `event.poller.configuration`, when it has one, decodes as poller
 * entries), and the same configuration without any one required key fails with a problem naming
 * that key.
 */
import { Configuration, type Connector, PollerConfiguration } from "@plugboard/core"
import { Effect, Exit } from "effect"
import type { SeedConfiguration } from "../Conformance.js"
import { expectNone } from "./ConformanceFailure.js"

const SEEDS = "seed configurations"
const MISSING = "missing required keys"

const noSeeds = "the harness gives no seed configuration; add the element's documented examples"

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined => {
  if (Exit.isSuccess(exit)) return undefined
  const error = Exit.findErrorOption(exit)
  return error._tag === "Some" ? error.value : undefined
}

const seedProblems = (connector: Connector.Connector, seed: SeedConfiguration): Array<string> => {
  const decoded = Effect.runSyncExit(Configuration.decode(connector.configuration, seed.configuration))
  if (Exit.isFailure(decoded)) {
    const error = failureOf(decoded)
    return [`'${seed.name}' does not decode: ${error === undefined ? "decoding died" : error.message}`]
  }
  const pollers = decoded.value.json("event.poller.configuration")
  const entries = Effect.runSyncExit(PollerConfiguration.decode(pollers))
  if (Exit.isFailure(entries)) {
    const error = failureOf(entries)
    return [
      `'${seed.name}' has an event.poller.configuration that does not decode: ${error === undefined ? "decoding died" : error.message}`
    ]
  }
  return []
}

/** Check 2a: every seed configuration decodes. */
export const seedsDecode = (
  connector: Connector.Connector,
  seeds: ReadonlyArray<SeedConfiguration>
): Promise<void> =>
  Effect.runPromise(
    expectNone(SEEDS, seeds.length === 0 ? [noSeeds] : seeds.flatMap((seed) => seedProblems(connector, seed)))
  )

const missingKeyProblems = (
  connector: Connector.Connector,
  seed: SeedConfiguration,
  key: string
): Array<string> => {
  const { [key]: _removed, ...rest } = seed.configuration
  const decoded = Effect.runSyncExit(Configuration.decode(connector.configuration, rest))
  if (Exit.isSuccess(decoded)) return [`'${seed.name}' without '${key}' decodes, but '${key}' is required`]
  const error = failureOf(decoded)
  if (error === undefined) return [`'${seed.name}' without '${key}': decoding died instead of failing`]
  return error.problems.some((problem) => problem.key === key)
    ? []
    : [`'${seed.name}' without '${key}' fails without naming '${key}': ${error.message}`]
}

/**
 * Check 2b: removing any one required key from each seed configuration fails naming that key (a
 * required key with a default never goes missing, so it is left out).
 */
export const missingKeysNamed = (
  connector: Connector.Connector,
  seeds: ReadonlyArray<SeedConfiguration>
): Promise<void> => {
  const required = Object.entries(connector.configuration)
    .filter(([, param]) => param.required && param.default === null)
    .map(([key]) => key)
  const problems =
    seeds.length === 0
      ? [noSeeds]
      : seeds.flatMap((seed) => required.flatMap((key) => missingKeyProblems(connector, seed, key)))
  return Effect.runPromise(expectNone(MISSING, problems))
}
