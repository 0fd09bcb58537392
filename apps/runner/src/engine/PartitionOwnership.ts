/**
 * Which partitions this runner owns. Each of the {@link Partition.COUNT} partitions is a cluster
 * `Singleton` (effect/cluster): the sharding layer starts it on exactly one runner, and moves it when
 * that runner stops or dies (after the shard lock expires). The singleton itself only marks the
 * partition as owned for as long as it runs; this process's two claim loops then claim due rows of
 * every owned partition in one query, so the database sees two claims per loop turn whatever the
 * number of partitions, and one concurrency bound covers all of them. A partition that moves while a
 * poll or delivery is in flight is safe: rows are leased and results are saved only under the claim
 * token, so the new owner waits for the lease or the old owner's write is refused. How many
 * partitions this runner owns is the `plugboard_engine_partitions_owned` gauge of `/metrics`.
 */
import { Context, Effect, Layer, Ref, type Scope } from "effect"
import { type Sharding, Singleton } from "effect/cluster"
import * as RunnerMetrics from "../metrics/RunnerMetrics.js"
import { EngineSignals } from "./EngineSignals.js"
import * as Partition from "./Partition.js"

/** This runner's partitions. */
export interface Ownership {
  /** The partitions owned right now, ascending. */
  readonly owned: Effect.Effect<ReadonlyArray<number>>
  /** Marks a partition owned for the life of the enclosing scope. */
  readonly hold: (partition: number) => Effect.Effect<void, never, Scope.Scope>
}

/** The partitions this runner owns. */
export class PartitionOwnership extends Context.Service<PartitionOwnership, Ownership>()(
  "@plugboard/runner/engine/PartitionOwnership"
) {
  static readonly layer: Layer.Layer<PartitionOwnership, never, EngineSignals> = Layer.effect(
    PartitionOwnership,
    Effect.gen(function* () {
      const signals = yield* EngineSignals
      const owned = yield* Ref.make<ReadonlySet<number>>(new Set())
      const ring = Effect.andThen(signals.polls.ring, signals.deliveries.ring)
      const change = (update: (current: Set<number>) => void) =>
        Ref.updateAndGet(owned, (current) => {
          const next = new Set(current)
          update(next)
          return next
        }).pipe(
          Effect.flatMap((next) => RunnerMetrics.partitions(next.size)),
          Effect.andThen(ring)
        )
      // Shown as 0 from the start, so a runner that owns nothing yet is visible as such.
      yield* RunnerMetrics.partitions(0)
      return PartitionOwnership.of({
        owned: Effect.map(Ref.get(owned), (set) => [...set].sort((a, b) => a - b)),
        hold: (partition) =>
          Effect.acquireRelease(
            change((set) => set.add(partition)),
            () => change((set) => set.delete(partition))
          )
      })
    })
  )

  /**
   * One cluster singleton per partition (`plugboard-engine-partition-<n>`), each holding its
   * partition while the cluster runs it here.
   */
  static readonly singletons: Layer.Layer<never, never, Sharding.Sharding | PartitionOwnership> =
    Partition.all
      .map((partition) =>
        Singleton.make(
          `plugboard-engine-partition-${partition}`,
          Effect.gen(function* () {
            const ownership = yield* PartitionOwnership
            yield* ownership.hold(partition)
            return yield* Effect.never
          })
        )
      )
      .reduce<Layer.Layer<never, never, Sharding.Sharding | PartitionOwnership>>(
        (all, singleton) => Layer.merge(all, singleton),
        Layer.empty
      )
}
