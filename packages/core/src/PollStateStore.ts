/**
 * Where a library-mode poller keeps its state between polls, keyed by instance and resource. The
 * runner keeps poller state in its database next to the events it commits; code that uses
 * `Client.poll` without the runner holds the state itself, in memory by default
 * ({@link PollStateStore.layerMemory}) or in a store of its own: a service over `Poller.State`
 * values, or {@link makeText} over the state's JSON text (a file, a key-value store, a table).
 */
import { Context, Effect, Layer, Option, Ref, Schema } from "effect"
import * as Poller from "./Poller.js"

/** The poll state store failed, or held a state that does not read; names what it was reading. */
export class PollStateStoreError extends Schema.TaggedError<PollStateStoreError>()("PollStateStoreError", {
  instanceKey: Schema.String,
  resource: Schema.String,
  message: Schema.String
}) {}

/** Poller state of one instance's resources: the last committed `Poller.State` of each. */
export class PollStateStore extends Context.Service<
  PollStateStore,
  {
    /** The state stored for a resource; none before its first poll. */
    readonly get: (
      instanceKey: string,
      resource: string
    ) => Effect.Effect<Option.Option<Poller.State>, PollStateStoreError>
    /** Replaces the state of a resource. */
    readonly set: (
      instanceKey: string,
      resource: string,
      state: Poller.State
    ) => Effect.Effect<void, PollStateStoreError>
  }
>()("@plugboard/core/PollStateStore") {
  /** A store held in this process's memory; lost on restart, shared by everything using the layer. */
  static readonly layerMemory: Layer.Layer<PollStateStore> = Layer.effect(
    PollStateStore,
    Effect.suspend(() => makeMemory())
  )
}

/** Builds an in-memory store; {@link PollStateStore.layerMemory} provides one as a layer. */
export const makeMemory = Effect.fnUntraced(function* () {
  // Nested maps rather than joined keys, so no instance key and resource pair can collide with another.
  const states = yield* Ref.make(new Map<string, ReadonlyMap<string, Poller.State>>())
  return PollStateStore.of({
    get: (instanceKey, resource) =>
      Ref.get(states).pipe(Effect.map((map) => Option.fromNullishOr(map.get(instanceKey)?.get(resource)))),
    set: (instanceKey, resource, state) =>
      Ref.update(states, (map) => {
        const next = new Map(map)
        const resources = new Map(map.get(instanceKey))
        resources.set(resource, state)
        next.set(instanceKey, resources)
        return next
      })
  })
})

/** A store of poller states as JSON text (`Poller.encodeState`), for {@link makeText}. */
export interface TextStore {
  readonly get: (
    instanceKey: string,
    resource: string
  ) => Effect.Effect<Option.Option<string>, PollStateStoreError>
  readonly set: (
    instanceKey: string,
    resource: string,
    text: string
  ) => Effect.Effect<void, PollStateStoreError>
}

/**
 * A {@link PollStateStore} over a store of JSON text. A stored text that is not a poller state fails
 * with a `PollStateStoreError` naming the instance and resource rather than silently restarting the
 * poller (which could skip or repeat changes); clear that entry to start the resource over.
 */
export const makeText = (store: TextStore): PollStateStore["Service"] =>
  PollStateStore.of({
    get: (instanceKey, resource) =>
      Effect.flatMap(store.get(instanceKey, resource), (text) =>
        Option.isNone(text)
          ? Effect.succeed(Option.none())
          : Poller.decodeState(text.value).pipe(
              Effect.map(Option.some),
              Effect.mapError(
                (error) =>
                  new PollStateStoreError({
                    instanceKey,
                    resource,
                    message: `the stored poller state of '${resource}' is not a poller state (${error.message}); clear it to start this resource over`
                  })
              )
            )
      ),
    set: (instanceKey, resource, state) => store.set(instanceKey, resource, Poller.encodeState(state))
  })
