/**
 * The claim loop both engine workers run: claim due units of work for the partitions this runner
 * owns, up to a concurrency bound, run each in its own fiber, and sleep until the next unit is due,
 * a doorbell rings, or the idle check comes round. On shutdown it stops claiming first, then gives
 * the units in flight a grace period to finish (a delivery half sent is better finished than
 * repeated), and only then interrupts what is left; their leases make them due again elsewhere.
 */
import { Clock, Effect, FiberSet, Option, type Scope } from "effect"
import type { Wakeup } from "./Wakeup.js"

/** What a loop claims and how it processes it. */
export interface WorkLoopOptions<A> {
  /** For logs. */
  readonly name: string
  /** Units in flight at most. */
  readonly concurrency: number
  readonly idleMillis: number
  readonly graceMillis: number
  readonly wakeup: Wakeup
  /** The partitions to claim for, read at every turn. */
  readonly partitions: Effect.Effect<ReadonlyArray<number>>
  /** Claims up to `limit` units; `busy` holds the keys of the units in flight here. */
  readonly claim: (
    partitions: ReadonlyArray<number>,
    limit: number,
    busy: ReadonlyArray<number>
  ) => Effect.Effect<ReadonlyArray<A>, unknown>
  /** The key a unit is serialized on (an instance id); units with a busy key are not claimed. */
  readonly keyOf: (unit: A) => number
  readonly process: (unit: A) => Effect.Effect<void, unknown>
  /** When the next claimable unit is due (epoch ms), if any. */
  readonly nextDue: (partitions: ReadonlyArray<number>) => Effect.Effect<Option.Option<number>, unknown>
  /** How often the claims of the units in flight are renewed. */
  readonly renewMillis: number
  /** Extends the leases of these units' claims (those still held; a lost claim stays lost). */
  readonly renew: (units: ReadonlyArray<A>) => Effect.Effect<void, unknown>
}

/** Starts a loop in the current scope; closing the scope stops and drains it. */
export const start = <A>(options: WorkLoopOptions<A>): Effect.Effect<void, never, Scope.Scope> =>
  Effect.gen(function* () {
    const running = yield* FiberSet.make<void, never>()
    const busy = new Map<number, number>()
    const units = new Set<A>()
    let inFlight = 0

    const renewal = Effect.gen(function* () {
      yield* Effect.sleep(options.renewMillis)
      if (units.size === 0) return
      yield* options
        .renew([...units])
        .pipe(Effect.catchCause((cause) => Effect.logWarning(`${options.name}: lease renewal failed`, cause)))
    })

    // Forked before the drain finalizer is added, so (finalizers run last-in, first-out) renewal
    // stops only once the units in flight have finished or their grace has run out.
    yield* Effect.forkScoped(Effect.forever(renewal))

    yield* Effect.addFinalizer(() =>
      FiberSet.awaitEmpty(running).pipe(Effect.timeoutOption(options.graceMillis), Effect.asVoid)
    )

    const track = (unit: A) => {
      const key = options.keyOf(unit)
      inFlight += 1
      units.add(unit)
      busy.set(key, (busy.get(key) ?? 0) + 1)
      return options.process(unit).pipe(
        Effect.catchCause((cause) => Effect.logError(`${options.name}: unit failed`, cause)),
        Effect.ensuring(
          Effect.suspend(() => {
            inFlight -= 1
            units.delete(unit)
            const left = (busy.get(key) ?? 1) - 1
            if (left === 0) busy.delete(key)
            else busy.set(key, left)
            return options.wakeup.ring
          })
        )
      )
    }

    // Claiming and forking happen together, uninterruptibly: a claim committed but never started
    // would sit out its lease.
    const claimAndRun = (partitions: ReadonlyArray<number>, free: number) =>
      Effect.uninterruptible(
        options.claim(partitions, free, [...busy.keys()]).pipe(
          Effect.tap((units) =>
            Effect.forEach(units, (unit) => FiberSet.run(running, track(unit)), { discard: true })
          ),
          Effect.map((units) => units.length),
          Effect.catchCause((cause) =>
            Effect.as(Effect.logWarning(`${options.name}: claim failed`, cause), -1)
          )
        )
      )

    const sleepFor = (partitions: ReadonlyArray<number>) =>
      options.nextDue(partitions).pipe(
        Effect.flatMap((due) =>
          Effect.map(Clock.currentTimeMillis, (now) =>
            Option.match(due, {
              onNone: () => options.idleMillis,
              // Due already but not claimed: its instance is busy or it is leased; a finishing unit rings.
              onSome: (at) => (at <= now ? options.idleMillis : Math.min(at - now, options.idleMillis))
            })
          )
        ),
        Effect.catchCause((cause) =>
          Effect.as(Effect.logWarning(`${options.name}: next-due check failed`, cause), options.idleMillis)
        )
      )

    const turn = Effect.gen(function* () {
      const partitions = yield* options.partitions
      const free = options.concurrency - inFlight
      if (partitions.length === 0 || free <= 0) return yield* options.wakeup.wait(options.idleMillis)
      const claimed = yield* claimAndRun(partitions, free)
      if (claimed === free) return
      yield* options.wakeup.wait(claimed < 0 ? options.idleMillis : yield* sleepFor(partitions))
    })

    yield* Effect.forkScoped(Effect.forever(turn))
  })
