/**
 * One mutex per key (an instance key), created on first use and dropped once nobody holds or waits
 * for it, so a long-running runner does not keep a semaphore for every instance it ever served.
 */
import { Effect, Semaphore } from "effect"

/** Runs effects one at a time per key; different keys never wait for each other. */
export interface KeyedLock {
  readonly withLock: (key: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

interface Entry {
  readonly semaphore: Semaphore.Semaphore
  users: number
}

/** A lock table local to this process. */
export const make = (): KeyedLock => {
  const entries = new Map<string, Entry>()
  return {
    withLock:
      (key) =>
      <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        Effect.suspend(() => {
          let entry = entries.get(key)
          if (entry === undefined) {
            entry = { semaphore: Semaphore.makeUnsafe(1), users: 0 }
            entries.set(key, entry)
          }
          const held = entry
          held.users += 1
          return held.semaphore
            .withPermits(1)(effect)
            .pipe(
              Effect.ensuring(
                Effect.sync(() => {
                  held.users -= 1
                  if (held.users === 0 && entries.get(key) === held) entries.delete(key)
                })
              )
            )
        })
  }
}
