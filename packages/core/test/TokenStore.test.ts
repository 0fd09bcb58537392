import { assert, describe, it } from "@effect/vitest"
import { inspect } from "node:util"
import { Effect, Option, Redacted } from "effect"
import { TokenSet, TokenStore } from "../src/TokenStore.js"

const tokens = new TokenSet({
  accessToken: Redacted.make("access-secret"),
  refreshToken: Redacted.make("refresh-secret"),
  tokenType: "bearer",
  obtainedAt: 1_000,
  expiresAt: 3_601_000,
  scope: "full_access",
  extra: { refresh_token_expires_in: 2_678_400 }
})

describe("TokenStore", () => {
  it.effect("keeps, replaces and deletes tokens per instance in memory", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore
      assert.isTrue(Option.isNone(yield* store.get("a")))
      yield* store.set("a", tokens)
      yield* store.set("b", new TokenSet({ accessToken: Redacted.make("other"), tokenType: "bearer" }))
      const a = yield* store.get("a")
      assert.isTrue(Option.isSome(a))
      assert.strictEqual(Option.isSome(a) && Redacted.value(a.value.accessToken), "access-secret")
      yield* store.delete("a")
      assert.isTrue(Option.isNone(yield* store.get("a")))
      assert.isTrue(Option.isSome(yield* store.get("b")))
    }).pipe(Effect.provide(TokenStore.layerMemory))
  )

  it.effect("gives each layer build its own memory", () =>
    Effect.gen(function* () {
      yield* TokenStore.use((store) => store.set("a", tokens)).pipe(Effect.provide(TokenStore.layerMemory))
      const again = yield* TokenStore.use((store) => store.get("a")).pipe(
        Effect.provide(TokenStore.layerMemory)
      )
      assert.isTrue(Option.isNone(again))
    })
  )

  it("never prints a token", () => {
    const printed = [String(tokens), JSON.stringify(tokens), inspect(tokens, { depth: 5 })].join(" ")
    assert.notInclude(printed, "access-secret")
    assert.notInclude(printed, "refresh-secret")
  })

  it("validates its fields on construction", () => {
    assert.throws(() => new TokenSet({ accessToken: "plain" as never, tokenType: "bearer" }))
  })
})
