import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { vi } from "vitest"
import * as Logging from "../../src/Logging.js"

let lines: Array<string> = []

beforeEach(() => {
  lines = []
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk))
    return true
  })
})

afterEach(() => {
  vi.restoreAllMocks()
})

const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>)

describe("Logging", () => {
  it.effect("writes one JSON line per entry in formatJson's shape", () =>
    Effect.gen(function* () {
      yield* Effect.logInfo("request").pipe(
        Effect.annotateLogs({ requestId: "r-1", status: 200, durationMs: 1.5 }),
        Effect.provide(Logging.layer("info"))
      )
      assert.strictEqual(lines.length, 1)
      assert.isTrue(lines[0]?.endsWith("}\n"))
      const [entry] = parsed()
      assert.strictEqual(entry?.message, "request")
      assert.strictEqual(entry?.level, "INFO")
      assert.isString(entry?.timestamp)
      assert.isString(entry?.fiberId)
      assert.deepStrictEqual(entry?.annotations, { requestId: "r-1", status: 200, durationMs: 1.5 })
      assert.deepStrictEqual(entry?.spans, {})
    })
  )

  it.effect("drops entries below LOG_LEVEL", () =>
    Effect.gen(function* () {
      yield* Effect.logInfo("hidden").pipe(Effect.provide(Logging.layer("warn")))
      yield* Effect.logWarning("shown").pipe(Effect.provide(Logging.layer("warn")))
      assert.deepStrictEqual(
        parsed().map((entry) => entry.message),
        ["shown"]
      )
    })
  )

  it.effect("never writes a Redacted annotation or message in clear", () =>
    Effect.gen(function* () {
      const secret = Redacted.make("s3cret-value")
      yield* Effect.logInfo("configured", { token: secret }).pipe(
        Effect.annotateLogs({ apiKey: secret }),
        Effect.provide(Logging.layer("info"))
      )
      assert.strictEqual(lines.length, 1)
      assert.notInclude(lines[0], "s3cret-value")
      assert.strictEqual(parsed()[0]?.level, "INFO")
    })
  )

  it.effect("keeps a failure's cause", () =>
    Effect.gen(function* () {
      yield* Effect.logError("failed", new Error("boom")).pipe(Effect.provide(Logging.layer("info")))
      assert.strictEqual(lines.length, 1)
      assert.include(lines[0], "boom")
    })
  )
})
