/**
 * A doorbell for a claim loop: work that makes rows due in this process (a poll enabled or
 * triggered, notifications enqueued, a retry freed) rings it, so the loop claims at once instead of
 * at its next idle check. Rings while nobody waits are kept as one, so none is lost and none piles up.
 */
import { Duration, Effect, Queue } from "effect"

/** A wake-up signal for one loop. */
export interface Wakeup {
  /** Wakes the loop now, or on its next wait if it is busy. */
  readonly ring: Effect.Effect<void>
  /** Waits for a ring or until `millis` have passed, whichever comes first. */
  readonly wait: (millis: number) => Effect.Effect<void>
}

/** A new wake-up signal. */
export const make: Effect.Effect<Wakeup> = Effect.map(Queue.sliding<void>(1), (queue) => ({
  ring: Effect.asVoid(Queue.offer(queue, undefined)),
  wait: (millis) =>
    Queue.take(queue).pipe(Effect.timeoutOption(Duration.millis(Math.max(0, millis))), Effect.asVoid)
}))
