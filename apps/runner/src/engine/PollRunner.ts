/**
 * Seam: runs one poll of one resource of one instance. The engine claims, times, commits and
 * retries; this only reads the vendor and classifies. {@link PollRunner.layer} polls through the
 * instance's hub connection with core's `Poller`; tests provide a runner over an in-memory source.
 */
import { Poller, type PollerConfiguration } from "@plugboard/core"
import { Context, Effect, Layer } from "effect"
import { InstanceConnections } from "./InstanceConnections.js"
import { PollFailure } from "./PollFailure.js"
import { hubTarget } from "./PollPlan.js"

/** One poll to run. */
export interface PollRequest {
  readonly instanceId: number
  readonly elementKey: string
  readonly hubKey: string
  /** The key of the `event.poller.configuration` entry; the events' `objectType`. */
  readonly resource: string
  readonly entry: PollerConfiguration.Entry
  /** The state committed with the previous poll, or the initial state of when events were enabled. */
  readonly state: Poller.State
  /** When the poll started (epoch ms). */
  readonly now: number
}

/** Runs polls. */
export interface PollRunnerService {
  readonly poll: (request: PollRequest) => Effect.Effect<Poller.PollResult, PollFailure>
}

const failure = (error: { readonly message: string }) => new PollFailure({ message: error.message })

/** The poll runner. */
export class PollRunner extends Context.Service<PollRunner, PollRunnerService>()(
  "@plugboard/runner/engine/PollRunner"
) {
  /**
   * Polls through the instance's hub connection: the entry's URL goes through the same CEQL and
   * paging path as a client's call, and tombstones come from the resource that URL lists.
   */
  static readonly layer: Layer.Layer<PollRunner, never, InstanceConnections> = Layer.effect(
    PollRunner,
    Effect.gen(function* () {
      const connections = yield* InstanceConnections
      return PollRunner.of({
        poll: (request) =>
          Effect.gen(function* () {
            const connection = yield* connections.connection(request.instanceId)
            const source = Poller.fromConnection(
              connection,
              hubTarget(request.entry.url)?.resource ?? request.resource
            )
            return yield* Poller.poll({
              source,
              instanceId: request.instanceId,
              elementKey: request.elementKey,
              hubKey: request.hubKey,
              resource: request.resource,
              entry: request.entry,
              state: request.state,
              now: request.now
            }).pipe(Effect.mapError(failure))
          })
      })
    })
  )
}
