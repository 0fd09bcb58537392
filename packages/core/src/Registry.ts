/**
 * The set of connectors a deployment loads, looked up by element key or numeric element id.
 */
import { Context, Effect, Layer, Schema } from "effect"
import type * as Connector from "./Connector.js"

/** Two connectors claim the same element key or id. */
export class DuplicateConnector extends Schema.TaggedError<DuplicateConnector>()("DuplicateConnector", {
  key: Schema.String,
  message: Schema.String
}) {}

/** The loaded connectors. */
export interface Connectors {
  /** Every connector, in load order. */
  readonly all: ReadonlyArray<Connector.Connector>
  /** The connector with this element key, or with this numeric id when given digits. */
  readonly find: (keyOrId: string) => Connector.Connector | undefined
}

/** Builds the lookup, refusing duplicate keys or ids. */
export const make = (
  connectors: Iterable<Connector.Connector>
): Effect.Effect<Connectors, DuplicateConnector> =>
  Effect.suspend(() => {
    const byKey = new Map<string, Connector.Connector>()
    const byId = new Map<string, Connector.Connector>()
    const all: Array<Connector.Connector> = []
    for (const connector of connectors) {
      const clash = byKey.get(connector.key) ?? byId.get(String(connector.id))
      if (clash !== undefined) {
        return Effect.fail(
          new DuplicateConnector({
            key: connector.key,
            message: `connector '${connector.key}' (id ${connector.id}) clashes with '${clash.key}' (id ${clash.id})`
          })
        )
      }
      byKey.set(connector.key, connector)
      byId.set(String(connector.id), connector)
      all.push(connector)
    }
    return Effect.succeed({
      all,
      find: (keyOrId: string) => byKey.get(keyOrId) ?? (/^\d+$/.test(keyOrId) ? byId.get(keyOrId) : undefined)
    })
  })

/** The connectors of this deployment as a service. */
export class Registry extends Context.Service<Registry, Connectors>()("@plugboard/core/Registry") {
  /** A layer holding exactly these connectors. */
  static readonly layer = (
    connectors: Iterable<Connector.Connector>
  ): Layer.Layer<Registry, DuplicateConnector> => Layer.effect(Registry, make(connectors))
}
