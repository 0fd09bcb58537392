/**
 * The hub connections of stored instances, kept between requests: building one builds the
 * instance's vendor client (credentials, token manager, the connector's `sessionHeaders` hook,
 * which may itself call the vendor), so it is done once per instance rather than on every hub call
 * and every poll. A kept connection is used only while the instance's configuration is the one it
 * was built from — an instance changed on another runner is rebuilt on its next use here — and the
 * runner's own changes (update, re-authorization, delete) drop it at once. Entries expire after a
 * while and the cache is bounded, oldest first out.
 */
import type { Configuration, Connection } from "@plugboard/core"
import { Cache, Duration, Effect, Equal, Exit, Hash, Redacted } from "effect"
import type { Instance } from "./store/Instances.js"

/** What the cache holds for an instance. */
interface Entry {
  readonly configuration: Configuration.Configuration
  readonly connection: Connection.Connection
}

/** A cache key: equal by instance id, carrying the instance a miss builds from. */
class Key implements Equal.Equal {
  constructor(
    readonly id: number,
    readonly instance: Instance | undefined
  ) {}
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Key && that.id === this.id
  }
  [Hash.symbol](): number {
    return Hash.number(this.id)
  }
}

/** Whether two configurations hold the same values, secrets compared by their contents. */
export const sameConfiguration = (
  a: Configuration.Configuration,
  b: Configuration.Configuration
): boolean => {
  if (a === b) return true
  if (a.values.size !== b.values.size) return false
  for (const [key, value] of a.values) {
    if (!b.values.has(key)) return false
    const other = b.values.get(key)
    const left = Redacted.isRedacted(value) ? Redacted.value(value) : value
    const right = Redacted.isRedacted(other) ? Redacted.value(other) : other
    if (left !== right || Redacted.isRedacted(value) !== Redacted.isRedacted(other)) return false
  }
  return true
}

/** Options of {@link make}. */
export interface Options<E> {
  /** Builds an instance's connection (called on a miss; concurrent misses share one build). */
  readonly build: (instance: Instance) => Effect.Effect<Connection.Connection, E>
  /** Instances kept at most (default 5,000). */
  readonly capacity?: number
  /** How long a connection is kept after it was built (default 15 minutes). */
  readonly timeToLive?: Duration.Input
}

/** The cache of an instance's connection. */
export interface ConnectionCache<E> {
  /** The instance's connection, built unless one built from the same configuration is kept. */
  readonly get: (instance: Instance) => Effect.Effect<Connection.Connection, E>
  /** Drops what is kept for an instance (changed, re-authorized or deleted). */
  readonly invalidate: (instanceId: number) => Effect.Effect<void>
  /** How many instances are kept. */
  readonly size: Effect.Effect<number>
}

/** Makes a cache. Failed builds are not kept: the next use tries again. */
export const make = <E>(options: Options<E>): Effect.Effect<ConnectionCache<E>> =>
  Effect.gen(function* () {
    const timeToLive = options.timeToLive ?? Duration.minutes(15)
    const cache = yield* Cache.makeWith<Key, Entry, E>(
      (key) =>
        key.instance === undefined
          ? Effect.die(new Error(`connection cache: instance ${key.id} looked up without its row`))
          : Effect.map(options.build(key.instance), (connection) => ({
              configuration: (key.instance as Instance).configuration,
              connection
            })),
      {
        capacity: options.capacity ?? 5_000,
        timeToLive: (exit) => (Exit.isSuccess(exit) ? timeToLive : Duration.zero)
      }
    )

    const get = (instance: Instance) =>
      Effect.gen(function* () {
        const key = new Key(instance.id, instance)
        const kept = yield* Cache.get(cache, key)
        if (sameConfiguration(kept.configuration, instance.configuration)) return kept.connection
        // Built from another version of the instance: this one is newer (or, in a race, older).
        // Build again from it, so the caller always gets a connection of the row it read.
        yield* Cache.invalidate(cache, key)
        const rebuilt = yield* Cache.get(cache, key)
        if (sameConfiguration(rebuilt.configuration, instance.configuration)) return rebuilt.connection
        // Two versions are being used at once here; the caller's is not kept.
        return yield* options.build(instance)
      })

    return {
      get,
      invalidate: (instanceId) => Cache.invalidate(cache, new Key(instanceId, undefined)),
      size: Cache.size(cache)
    }
  })
