/**
 * The catalog handlers: elements by key or numeric id, their metadata and configuration items, and
 * the hubs of the loaded connectors.
 */
import { type Connector, Registry } from "@plugboard/core"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "./Api.js"
import { NotFound } from "./ApiError.js"
import * as ElementJson from "./ElementJson.js"

/** The connector for `keyOrId`, or 404 naming it. */
export const findElement = (
  registry: Registry.Connectors,
  keyOrId: string
): Effect.Effect<Connector.Connector, NotFound> => {
  const connector = registry.find(keyOrId)
  return connector === undefined
    ? Effect.fail(
        new NotFound({
          message: `no element '${keyOrId}'; loaded elements: ${registry.all.map((c) => c.key).join(", ") || "none"}`
        })
      )
    : Effect.succeed(connector)
}

/** The handlers of the `elements` group. */
export const ElementsHandlers = HttpApiBuilder.group(
  Api,
  "elements",
  Effect.fn(function* (handlers) {
    const registry = yield* Registry.Registry
    return handlers.handleAll({
      list: () => Effect.succeed(registry.all.map(ElementJson.element)),
      keys: () => Effect.succeed(registry.all.map((connector) => connector.key)),
      get: ({ params }) => Effect.map(findElement(registry, params.keyOrId), ElementJson.element),
      metadata: ({ params }) => Effect.map(findElement(registry, params.keyOrId), ElementJson.metadata),
      configuration: ({ params }) =>
        Effect.map(findElement(registry, params.keyOrId), ElementJson.configuration),
      hubs: () => Effect.succeed(ElementJson.hubs(registry.all))
    })
  })
)
