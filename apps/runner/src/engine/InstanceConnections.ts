/**
 * Seam: the hub connection of an instance (its connector, decrypted configuration and authenticated
 * vendor client), which the engine's real {@link PollRunner} polls through. The runner's instance code
 * builds connections for hub calls already; it provides this service so that polls take exactly the
 * path of a client's `GET /hubs/...` call (contract.md §7: the poller URL is a hub URL).
 */
import type { Connection } from "@plugboard/core"
import { Context, Effect, Layer, Option } from "effect"
import { Provisioning } from "../Provisioning.js"
import { Instances } from "../store/Instances.js"
import { PollFailure } from "./PollFailure.js"

/** Builds an instance's connection for polling. */
export interface InstanceConnectionsService {
  /** The connection of an instance; fails when it cannot be built (missing credentials, unknown element). */
  readonly connection: (instanceId: number) => Effect.Effect<Connection.Connection, PollFailure>
}

/** The instances' connections, as the runner's instance code provides them. */
export class InstanceConnections extends Context.Service<InstanceConnections, InstanceConnectionsService>()(
  "@plugboard/runner/engine/InstanceConnections"
) {
  /** Over the runner's provisioning: the same connection a hub call of the instance uses. */
  static readonly layer: Layer.Layer<InstanceConnections, never, Instances | Provisioning> = Layer.effect(
    InstanceConnections,
    Effect.gen(function* () {
      const instances = yield* Instances
      const provisioning = yield* Provisioning
      return InstanceConnections.of({
        connection: (instanceId) =>
          instances.find(instanceId).pipe(
            Effect.flatMap(
              Option.match({
                onNone: () =>
                  Effect.fail(new PollFailure({ message: `instance ${instanceId} no longer exists` })),
                onSome: (instance) =>
                  provisioning
                    .connection(instance)
                    .pipe(Effect.mapError((error) => new PollFailure({ message: error.message })))
              })
            )
          )
      })
    })
  )
}
