/**
 * The per-instance connection cache: one build per instance while its configuration stays the
 * same, a rebuild when the stored configuration changed (here or on another runner), dropped on
 * invalidation, shared by concurrent first uses, failed builds not kept, and bounded in size.
 */
import { assert, describe, it } from "@effect/vitest"
import { Configuration, type Connection } from "@plugboard/core"
import { Effect, Fiber, Redacted } from "effect"
import { TestClock } from "effect/testing"
import * as ConnectionCache from "../../src/ConnectionCache.js"
import type { Instance } from "../../src/store/Instances.js"

const instance = (id: number, values: Record<string, string | Redacted.Redacted<string>>): Instance => ({
  id,
  organizationId: 1,
  userId: 1,
  elementKey: "fake",
  name: "Fake",
  token: Redacted.make(`token-${id}`),
  tags: [],
  configuration: new Configuration.Configuration(new Map(Object.entries(values))),
  disabled: false,
  eventsEnabled: false,
  createdDate: "2026-01-01T00:00:00Z"
})

/** A cache whose builds are counted; a build returns a fresh object so identity tells builds apart. */
const counting = (options: { readonly capacity?: number; readonly fail?: (id: number) => boolean } = {}) =>
  Effect.gen(function* () {
    const builds: Array<number> = []
    const cache = yield* ConnectionCache.make<string>({
      build: (built) =>
        Effect.suspend(() => {
          builds.push(built.id)
          return options.fail?.(built.id) === true
            ? Effect.fail(`no connector for ${built.id}`)
            : Effect.sleep("10 millis").pipe(
                Effect.as({ instanceId: built.id } as unknown as Connection.Connection)
              )
        }),
      ...(options.capacity === undefined ? {} : { capacity: options.capacity })
    })
    return { cache, builds }
  })

describe("ConnectionCache", () => {
  it.effect("builds once per instance while the configuration is the same", () =>
    Effect.gen(function* () {
      const { cache, builds } = yield* counting()
      const first = yield* Effect.forkChild(cache.get(instance(1, { password: Redacted.make("a") })))
      yield* TestClock.adjust("10 millis")
      const a = yield* Fiber.join(first)
      // Another read of the same row: equal values, other objects (secrets compared by contents).
      const b = yield* cache.get(instance(1, { password: Redacted.make("a") }))
      assert.strictEqual(a, b)
      assert.deepStrictEqual(builds, [1])
    })
  )

  it.effect("rebuilds when the stored configuration changed, and after invalidation", () =>
    Effect.gen(function* () {
      const { cache, builds } = yield* counting()
      const getNow = (row: Instance) =>
        Effect.gen(function* () {
          const fiber = yield* Effect.forkChild(cache.get(row))
          yield* TestClock.adjust("10 millis")
          return yield* Fiber.join(fiber)
        })
      const a = yield* getNow(instance(1, { password: Redacted.make("a") }))
      const b = yield* getNow(instance(1, { password: Redacted.make("b") }))
      assert.notStrictEqual(a, b)
      const c = yield* getNow(instance(1, { password: Redacted.make("b"), extra: "x" }))
      assert.notStrictEqual(b, c)
      yield* cache.invalidate(1)
      const d = yield* getNow(instance(1, { password: Redacted.make("b"), extra: "x" }))
      assert.notStrictEqual(c, d)
      assert.deepStrictEqual(builds, [1, 1, 1, 1])
    })
  )

  it.effect("shares one build between concurrent first uses", () =>
    Effect.gen(function* () {
      const { cache, builds } = yield* counting()
      const fibers = yield* Effect.forEach([1, 2, 3, 4], () => Effect.forkChild(cache.get(instance(7, {}))))
      yield* TestClock.adjust("10 millis")
      const connections = yield* Effect.forEach(fibers, Fiber.join)
      assert.strictEqual(new Set(connections).size, 1)
      assert.deepStrictEqual(builds, [7])
    })
  )

  it.effect("does not keep a failed build", () =>
    Effect.gen(function* () {
      const { cache, builds } = yield* counting({ fail: (id) => id === 3 })
      const first = yield* Effect.flip(cache.get(instance(3, {})))
      const second = yield* Effect.flip(cache.get(instance(3, {})))
      assert.strictEqual(first, "no connector for 3")
      assert.strictEqual(second, "no connector for 3")
      assert.deepStrictEqual(builds, [3, 3])
    })
  )

  it.effect("keeps at most `capacity` instances", () =>
    Effect.gen(function* () {
      const { cache } = yield* counting({ capacity: 2 })
      for (const id of [1, 2, 3]) {
        const fiber = yield* Effect.forkChild(cache.get(instance(id, {})))
        yield* TestClock.adjust("10 millis")
        yield* Fiber.join(fiber)
      }
      assert.strictEqual(yield* cache.size, 2)
    })
  )

  it("compares configurations by value, secrets by contents and kind", () => {
    const config = (values: Record<string, string | null | Redacted.Redacted<string>>) =>
      new Configuration.Configuration(new Map(Object.entries(values)))
    assert.isTrue(ConnectionCache.sameConfiguration(config({ a: "1", b: null }), config({ a: "1", b: null })))
    assert.isTrue(
      ConnectionCache.sameConfiguration(config({ s: Redacted.make("x") }), config({ s: Redacted.make("x") }))
    )
    assert.isFalse(ConnectionCache.sameConfiguration(config({ s: Redacted.make("x") }), config({ s: "x" })))
    assert.isFalse(ConnectionCache.sameConfiguration(config({ a: "1" }), config({ a: "2" })))
    assert.isFalse(ConnectionCache.sameConfiguration(config({ a: "1" }), config({ b: "1" })))
    assert.isFalse(ConnectionCache.sameConfiguration(config({ a: "1" }), config({ a: "1", b: "2" })))
  })
})
