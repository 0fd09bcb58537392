/**
 * Instances are spread over a fixed number of partitions; a partition is the unit one runner owns
 * at a time (a cluster singleton each), so every instance's polls and deliveries run on exactly one
 * runner. The count is stored with each row and must never change for an existing database.
 */

/** How many partitions the engine has. Fixed: rows carry their partition number. */
export const COUNT = 64

/**
 * The partition of an instance: FNV-1a (32 bit) of its decimal id, modulo {@link COUNT}. A hash
 * rather than a plain modulo so that ids handed out in patterns (every other id, blocks of 64)
 * still spread evenly.
 */
export const of = (instanceId: number): number => {
  let hash = 0x811c9dc5
  for (const char of String(instanceId)) {
    hash ^= char.charCodeAt(0)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash % COUNT
}

/** Every partition number, `0 … COUNT-1`. */
export const all: ReadonlyArray<number> = Array.from({ length: COUNT }, (_, index) => index)
