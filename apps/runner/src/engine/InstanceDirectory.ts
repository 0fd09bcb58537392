/**
 * What the engine needs to know about an instance to poll it and deliver its events: its element
 * (for `elementKey`, `hubKey` and poller defaults), its owner (`accountId`, `userId` of the
 * notification) and its configuration (callback URL, Basic credentials, signature key). The real
 * layer reads the runner's instance store and connector registry; tests provide fixed instances.
 */
import { type Configuration, type Connector, Registry } from "@plugboard/core"
import { Context, Effect, Layer, Option } from "effect"
import { Instances } from "../store/Instances.js"

/** An instance as the engine sees it. */
export interface EventInstance {
  readonly id: number
  readonly elementKey: string
  /** The loaded connector of the element; `undefined` when this runner does not load it. */
  readonly connector: Connector.Connector | undefined
  /** The organization, sent as the notification's `accountId`. */
  readonly accountId: number
  readonly userId: number
  readonly configuration: Configuration.Configuration
  readonly disabled: boolean
}

/** Looks instances up for the engine. */
export interface InstanceDirectoryService {
  /** The instance with this id, whoever owns it; `None` once it is deleted. */
  readonly lookup: (instanceId: number) => Effect.Effect<Option.Option<EventInstance>>
}

/** The engine's view of the instances. */
export class InstanceDirectory extends Context.Service<InstanceDirectory, InstanceDirectoryService>()(
  "@plugboard/runner/engine/InstanceDirectory"
) {
  /** Over the runner's instance store and the loaded connectors. */
  static readonly layer: Layer.Layer<InstanceDirectory, never, Instances | Registry.Registry> = Layer.effect(
    InstanceDirectory,
    Effect.gen(function* () {
      const instances = yield* Instances
      const registry = yield* Registry.Registry
      return InstanceDirectory.of({
        lookup: (instanceId) =>
          instances.find(instanceId).pipe(
            Effect.map(
              Option.map(
                (instance): EventInstance => ({
                  id: instance.id,
                  elementKey: instance.elementKey,
                  connector: registry.find(instance.elementKey),
                  accountId: instance.organizationId,
                  userId: instance.userId,
                  configuration: instance.configuration,
                  disabled: instance.disabled
                })
              )
            )
          )
      })
    })
  )
}
