/**
 * The resource the checks that need just one resource work on: the first one, in declaration order,
 * that can be listed. One rule, so that authentication, paging and CEQL checks exercise the same
 * resource.
 */
import type { Connector, Resource } from "@plugboard/core"
import { Effect } from "effect"
import { ConformanceFailure } from "./ConformanceFailure.js"

/** The first listable resource's name and declaration; `undefined` when none can be listed. */
export const firstListable = (
  connector: Connector.Connector
): readonly [string, Resource.Resource] | undefined =>
  Object.entries(connector.resources).find(([, resource]) => resource.verbs.includes("list"))

/** The first listable resource, or a {@link ConformanceFailure} of `check` saying there is none. */
export const requireListable = (
  check: string,
  connector: Connector.Connector
): Effect.Effect<readonly [string, Resource.Resource], ConformanceFailure> => {
  const found = firstListable(connector)
  return found === undefined
    ? Effect.fail(new ConformanceFailure({ check, problems: ["no resource can be listed"] }))
    : Effect.succeed(found)
}
