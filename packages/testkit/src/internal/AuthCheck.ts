/**
 * Check 3, authentication: the fake's valid configuration connects (the OAuth code exchanged when
 * the element uses the code flow), passes the connector's credential check and lists its first
 * resource; the configuration with a wrong secret fails cleanly — a typed `ConnectorError` with
 * reason `Authentication` (not a crash, not a retryable outage), whose message, vendor message and
 * printed cause contain no secret of either configuration.
 */
import { Configuration, ConnectorError } from "@plugboard/core"
import { Cause, Effect, Exit, Redacted } from "effect"
import type { FakeVendor, Harness } from "../Conformance.js"
import { ConformanceFailure, describeError, expectNone, step } from "./ConformanceFailure.js"
import { firstListable } from "./FirstListable.js"
import { connect, connectGood, withFake } from "./TestInstance.js"

const WORKS = "authentication works"
const FAILS = "authentication fails cleanly"

/** Check 3a. */
export const works = (harness: Harness): Promise<void> =>
  withFake(harness, (fake) =>
    Effect.gen(function* () {
      const { connector } = harness
      const instance = yield* step(
        WORKS,
        "connecting with the fake's configuration",
        connectGood(connector, fake)
      )
      yield* step(WORKS, "the credential check", instance.connection.check())
      const first = firstListable(connector)?.[0]
      if (first !== undefined) {
        yield* step(WORKS, `listing ${first}`, instance.connection.list({ resource: first, pageSize: 1 }))
      }
    })
  )

// Shorter texts are too likely to occur in an error message by chance (`true`, `US`).
const minimumSecretLength = 4

/** Every secret value of the fake's configurations, in clear, to look for in error texts. */
const secretsOf = (harness: Harness, fake: FakeVendor): ReadonlyArray<string> => {
  const secrets = new Set<string>()
  for (const input of [fake.configuration, fake.badConfiguration]) {
    const decoded = Effect.runSyncExit(Configuration.decode(harness.connector.configuration, input))
    if (Exit.isFailure(decoded)) continue
    for (const value of decoded.value.values.values()) {
      if (!Redacted.isRedacted(value)) continue
      const text = Redacted.value(value)
      if (text.length >= minimumSecretLength && text !== Configuration.MASK) secrets.add(text)
    }
  }
  return [...secrets]
}

const textsOf = (error: unknown, cause: Cause.Cause<unknown>): ReadonlyArray<[string, string]> => {
  const texts: Array<[string, string]> = [["the printed cause", Cause.pretty(cause)]]
  if (error instanceof Error) texts.push(["the message", error.message], ["the error as text", String(error)])
  if (error instanceof ConnectorError.ConnectorError && error.providerMessage !== undefined)
    texts.push(["the vendor message", error.providerMessage])
  try {
    texts.push(["the error as JSON", JSON.stringify(error)])
  } catch {
    // An error that cannot be serialized cannot leak through serialization either.
  }
  return texts
}

/** Check 3b. */
export const failsCleanly = (harness: Harness): Promise<void> =>
  withFake(harness, (fake) =>
    Effect.gen(function* () {
      const attempt = yield* Effect.exit(
        Effect.flatMap(connect(harness.connector, fake.badConfiguration, fake.providerData), (instance) =>
          instance.connection.check()
        )
      )
      if (Exit.isSuccess(attempt)) {
        return yield* new ConformanceFailure({
          check: FAILS,
          problems: ["the configuration with a wrong secret connected and passed the credential check"]
        })
      }
      if (Cause.hasDies(attempt.cause)) {
        return yield* new ConformanceFailure({
          check: FAILS,
          problems: [
            `the configuration with a wrong secret crashed instead of failing: ${Cause.pretty(attempt.cause)}`
          ]
        })
      }
      const error = Exit.findErrorOption(attempt)
      const problems: Array<string> = []
      if (error._tag === "None") {
        problems.push(`the attempt failed without an error: ${Cause.pretty(attempt.cause)}`)
      } else if (!(error.value instanceof ConnectorError.ConnectorError)) {
        problems.push(
          `expected a ConnectorError with reason Authentication, got ${describeError(error.value)}`
        )
      } else if (error.value.reason._tag !== "Authentication") {
        problems.push(
          `expected reason Authentication, got ${error.value.reason._tag}: ${describeError(error.value)}`
        )
      }
      const secrets = secretsOf(harness, fake)
      for (const [where, text] of textsOf(error._tag === "Some" ? error.value : undefined, attempt.cause)) {
        for (const secret of secrets) {
          if (text.includes(secret)) problems.push(`${where} contains a configured secret value`)
        }
      }
      yield* expectNone(FAILS, [...new Set(problems)])
    })
  )
