import { SageCrm } from "@plugboard/connector-sagecrm"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as ConnectorLoader from "../../src/ConnectorLoader.js"

describe("ConnectorLoader", () => {
  it.effect("loads connector packages by name", () =>
    Effect.gen(function* () {
      const connectors = yield* ConnectorLoader.load([
        "@plugboard/connector-sagecrm",
        "@plugboard/connector-sage-accounting"
      ])
      assert.deepStrictEqual(
        connectors.map((c) => c.key),
        ["sagecrm", "sageone"]
      )
    })
  )

  it.effect("a package that does not load stops the start naming it", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        ConnectorLoader.load(["@plugboard/connector-sagecrm", "@plugboard/no-such-connector"])
      )
      assert.strictEqual(error._tag, "StartupError")
      assert.include(error.message, "'@plugboard/no-such-connector'")
    })
  )

  it.effect("takes default, then connector, then the only connector export", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* ConnectorLoader.fromModule("a", { default: SageCrm }), SageCrm)
      assert.strictEqual(yield* ConnectorLoader.fromModule("b", { connector: SageCrm, other: 1 }), SageCrm)
      assert.strictEqual(yield* ConnectorLoader.fromModule("c", { SageCrm, helper: () => 1 }), SageCrm)
      const none = yield* Effect.flip(ConnectorLoader.fromModule("d", { helper: 1 }))
      assert.include(none.message, "'d' exports no connector")
      const two = yield* Effect.flip(ConnectorLoader.fromModule("e", { A: SageCrm, B: { ...SageCrm } }))
      assert.include(two.message, "several connectors")
    })
  )

  it.effect("duplicate element keys stop the start", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Effect.scoped(Layer.build(ConnectorLoader.registryLayer([SageCrm, SageCrm])))
      )
      assert.include(error.message, "sagecrm")
    })
  )
})
