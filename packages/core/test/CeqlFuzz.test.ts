import { assert, describe, it } from "@effect/vitest"
import { Ceql } from "@plugboard/core"
import { Result } from "effect"
import * as fc from "fast-check"
import { anyExpr, poolExpr } from "./CeqlArbitraries.js"

const examples = [
  "`metaData.lastUpdateTime` > '2015-01-06T09:31:38-07:00'",
  "lastModifiedDate>='2026-01-01T00:00:00Z' and attributes='created_at,updated_at'",
  "date_time_updated>='2026-11-22T10:00:00'",
  "Comp_Name = 'Acme' and (Comp_UpdatedDate >= '2026-01-01T00:00:00Z' or id in (1, 2, 3)) and x is not null",
  "NOT name LIKE 'a%' OR amount <> -12.5 AND flag = true"
]

const valid: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...examples),
  anyExpr.map(Ceql.print),
  poolExpr.map(Ceql.print)
)

// Characters that matter to the grammar, plus letters, digits, spaces and far-away code points.
const noise: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("'", "`", "(", ")", ",", "=", "<", ">", "!", "-", ".", "%", "_", " ", "\t", "\n"),
  fc.constantFrom(
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "true",
    "1",
    "a",
    "é",
    "😀",
    "\u0000",
    "\uD800"
  ),
  fc.string({ minLength: 1, maxLength: 3, unit: "binary" })
)

type Mutation =
  | { readonly kind: "delete"; readonly at: number; readonly length: number }
  | { readonly kind: "insert"; readonly at: number; readonly text: string }
  | { readonly kind: "truncate"; readonly at: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: noise }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() })
)

const mutate = (input: string, mutations: ReadonlyArray<Mutation>): string => {
  let text = input
  for (const m of mutations) {
    const at = text.length === 0 ? 0 : m.at % (text.length + 1)
    if (m.kind === "delete") text = text.slice(0, at) + text.slice(at + m.length)
    else if (m.kind === "insert") text = text.slice(0, at) + m.text + text.slice(at)
    else text = text.slice(0, at)
  }
  return text
}

/** Parses and checks the outcome is a tree or a well-formed CeqlError; returns whether it failed. */
const checkOutcome = (input: string): boolean => {
  const result = Ceql.parseResult(input)
  if (Result.isSuccess(result)) {
    // Whatever parses must print to something that parses to the same tree.
    const again = Ceql.parseResult(Ceql.print(result.success))
    assert.isTrue(Result.isSuccess(again), input)
    return false
  }
  const error = result.failure
  assert.strictEqual(error._tag, "CeqlError")
  assert.instanceOf(error, Ceql.CeqlError)
  assert.isTrue(Number.isInteger(error.position), input)
  assert.isTrue(
    error.position >= 0 && error.position <= input.length,
    `${error.position} in ${JSON.stringify(input)}`
  )
  assert.include(error.message, `at position ${error.position}`)
  assert.isTrue(error.message.startsWith("CEQL: "))
  assert.isAbove(error.expected.length, 0)
  assert.strictEqual(error.input, input)
  return true
}

describe("Ceql fuzzing", () => {
  it("10,000 malformed queries (mutations of valid ones) each give a typed CeqlError, never a throw", () => {
    let malformed = 0
    let stillValid = 0
    fc.assert(
      fc.property(valid, fc.array(mutation, { minLength: 1, maxLength: 3 }), (input, mutations) => {
        const text = mutate(input, mutations)
        const failed = checkOutcome(text)
        if (!failed) stillValid++
        // Only malformed strings count towards the 10,000 runs; valid mutants were checked above.
        fc.pre(failed)
        malformed++
      }),
      { numRuns: 10_000, maxSkipsPerRun: 10 }
    )
    assert.strictEqual(malformed, 10_000)
    assert.isAbove(stillValid, 0)
  })

  it("arbitrary strings never throw", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60, unit: "binary" }), (input) => {
        checkOutcome(input)
      }),
      { numRuns: 3_000 }
    )
  })

  it("orderBy and fields parsers never throw either", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30, unit: "binary" }), noise), (input) => {
        const errors: Array<Ceql.CeqlError> = []
        const orderBy = Ceql.parseOrderByResult(input)
        if (Result.isFailure(orderBy)) errors.push(orderBy.failure)
        const fields = Ceql.parseFieldsResult(input)
        if (Result.isFailure(fields)) errors.push(fields.failure)
        for (const error of errors) {
          assert.isTrue(error.position >= 0 && error.position <= input.length, input)
          assert.include(error.message, `position ${error.position}`)
        }
      }),
      { numRuns: 3_000 }
    )
  })
})
