import { Effect, Schema } from "effect"

/**
 * A conformance check found the connector (or its fake vendor) breaking the contract. `problems`
 * lists every finding of the check, each naming the resource, key or field at fault, so one run
 * shows everything there is to fix.
 */
export class ConformanceFailure extends Schema.TaggedError<ConformanceFailure>()("ConformanceFailure", {
  check: Schema.String,
  problems: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return this.problems.length === 1
      ? `${this.check}: ${this.problems[0]}`
      : `${this.check}:\n${this.problems.map((problem) => `  - ${problem}`).join("\n")}`
  }
}

/** Fails with a {@link ConformanceFailure} when `problems` is not empty. */
export const expectNone = (
  check: string,
  problems: ReadonlyArray<string>
): Effect.Effect<void, ConformanceFailure> =>
  problems.length === 0
    ? Effect.void
    : Effect.fail(new ConformanceFailure({ check, problems: [...problems] }))

/** Fails with one problem unless `condition` holds. */
export const expectThat = (
  check: string,
  condition: boolean,
  problem: string
): Effect.Effect<void, ConformanceFailure> => expectNone(check, condition ? [] : [problem])

/** What went wrong, in one line: the error's tag and message, and the vendor's words when given. */
export const describeError = (error: unknown): string => {
  if (typeof error !== "object" || error === null) return String(error)
  const tag = "_tag" in error && typeof error._tag === "string" ? error._tag : undefined
  const reason =
    "reason" in error && typeof error.reason === "object" && error.reason !== null && "_tag" in error.reason
      ? String(error.reason._tag)
      : undefined
  const message = error instanceof Error ? error.message : String(error)
  const provider =
    "providerMessage" in error && typeof error.providerMessage === "string"
      ? ` (vendor said: ${error.providerMessage})`
      : ""
  const label = [tag, reason].filter((part) => part !== undefined).join("/")
  return `${label === "" ? "" : `${label}: `}${message}${provider}`
}

/**
 * Runs a step of a check; its failure becomes a {@link ConformanceFailure} saying which step failed
 * and why, so a vendor error reads as a broken promise of the connector rather than a stray stack.
 */
export const step = <A, E, R>(
  check: string,
  what: string,
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, ConformanceFailure, R> =>
  Effect.mapError(effect, (error) =>
    error instanceof ConformanceFailure
      ? error
      : new ConformanceFailure({ check, problems: [`${what} failed: ${describeError(error)}`] })
  )
