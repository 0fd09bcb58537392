import { assert, describe, it } from "@effect/vitest"
import { Ceql } from "@plugboard/core"
import { Effect, Result } from "effect"
import * as fc from "fast-check"
import { anyExpr } from "./CeqlArbitraries.js"

const parsed = (input: string): Ceql.Expr => {
  const result = Ceql.parseResult(input)
  if (Result.isFailure(result)) assert.fail(`${input}: ${result.failure.message}`)
  return result.success
}

const failure = (input: string): Ceql.CeqlError => {
  const result = Ceql.parseResult(input)
  if (Result.isSuccess(result)) assert.fail(`expected a CeqlError for ${JSON.stringify(input)}`)
  return result.failure
}

const same = (actual: Ceql.Expr, expected: Ceql.Expr) =>
  assert.deepStrictEqual(Ceql.stripPositions(actual), Ceql.stripPositions(expected))

describe("Ceql.parse", () => {
  it("reads the examples of contract.md §6", () => {
    same(
      parsed("`metaData.lastUpdateTime` > '2015-01-06T09:31:38-07:00'"),
      Ceql.comparison(
        Ceql.field("metaData.lastUpdateTime", { quoted: true }),
        ">",
        "2015-01-06T09:31:38-07:00"
      )
    )
    same(
      parsed("lastModifiedDate>='2026-01-01T00:00:00Z' and attributes='created_at,updated_at'"),
      Ceql.and([
        Ceql.comparison("lastModifiedDate", ">=", "2026-01-01T00:00:00Z"),
        Ceql.comparison("attributes", "=", "created_at,updated_at")
      ])!
    )
  })

  it("reads the seed pollers' where clauses after date substitution", () => {
    same(
      parsed("date_time_updated>='2026-11-22T10:00:00'"),
      Ceql.comparison("date_time_updated", ">=", "2026-11-22T10:00:00")
    )
    same(
      parsed("lastModifiedDate>='2026-11-22T10:00:00Z' and attributes='created_at,updated_at'"),
      Ceql.and([
        Ceql.comparison("lastModifiedDate", ">=", "2026-11-22T10:00:00Z"),
        Ceql.comparison("attributes", "=", "created_at,updated_at")
      ])!
    )
  })

  it("reads every operator, case-insensitive keywords and all literal kinds", () => {
    const cases: Array<[string, Ceql.Expr]> = [
      ["a = 1", Ceql.comparison("a", "=", Ceql.number("1"))],
      ["a != 'x'", Ceql.comparison("a", "!=", "x")],
      ["a <> 'x'", Ceql.comparison("a", "!=", "x")],
      ["a<-2.5", Ceql.comparison("a", "<", Ceql.number("-2.5"))],
      ["a>1e3", Ceql.comparison("a", ">", Ceql.number("1e3"))],
      ["a <= 0", Ceql.comparison("a", "<=", Ceql.number("0"))],
      ["a >= TRUE", Ceql.comparison("a", ">=", true)],
      ["a = false", Ceql.comparison("a", "=", false)],
      ["name like 'Ac%'", Ceql.like("name", "Ac%")],
      ["name Not Like '_c%'", Ceql.like("name", "_c%", true)],
      ["id in (1, '2', true)", Ceql.isIn("id", [Ceql.number("1"), "2", true])],
      ["id NOT IN ('a')", Ceql.isIn("id", ["a"], true)],
      ["x is null", Ceql.isNull("x")],
      ["x IS NOT NULL", Ceql.isNull("x", true)],
      ["name = 'O''Brien'", Ceql.comparison("name", "=", "O'Brien")],
      ["name = ''", Ceql.comparison("name", "=", "")],
      ["a.b.c = 1", Ceql.comparison("a.b.c", "=", Ceql.number("1"))],
      ["lines.0.qty = 1", Ceql.comparison("lines.0.qty", "=", Ceql.number("1"))],
      ["$key = '42'", Ceql.comparison("$key", "=", "42")],
      ["`first name` = 'Ann'", Ceql.comparison(Ceql.field("first name", { quoted: true }), "=", "Ann")],
      ["`a``b` = 1", Ceql.comparison(Ceql.field("a`b", { quoted: true }), "=", Ceql.number("1"))],
      ["`and` = 1", Ceql.comparison(Ceql.field("and", { quoted: true }), "=", Ceql.number("1"))],
      ["id = 12345678901234567890", Ceql.comparison("id", "=", Ceql.number("12345678901234567890"))]
    ]
    for (const [input, expected] of cases) same(parsed(input), expected)
  })

  it("gives NOT > AND > OR precedence and keeps parentheses as structure", () => {
    const a = Ceql.comparison("a", "=", Ceql.number("1"))
    const b = Ceql.comparison("b", "=", Ceql.number("2"))
    const c = Ceql.comparison("c", "=", Ceql.number("3"))
    same(parsed("a = 1 OR b = 2 AND c = 3"), Ceql.or([a, Ceql.and([b, c])!])!)
    same(parsed("NOT a = 1 AND b = 2"), Ceql.and([Ceql.not(a), b])!)
    same(parsed("NOT (a = 1 AND b = 2)"), Ceql.not(Ceql.and([a, b])!))
    same(parsed("(a = 1 OR b = 2) AND c = 3"), Ceql.and([Ceql.or([a, b])!, c])!)
    same(parsed("a = 1 AND b = 2 AND c = 3"), Ceql.and([a, b, c])!)
    same(parsed("(a = 1 AND b = 2) AND c = 3"), Ceql.and([Ceql.and([a, b])!, c])!)
    same(parsed("((a = 1))"), a)
    same(parsed("not not a = 1"), Ceql.not(Ceql.not(a)))
  })

  it("records source positions", () => {
    const expr = parsed("a = 1 AND  NOT `b c` IN ('x', 2)")
    assert(expr._tag === "And")
    const [first, second] = expr.operands
    assert.strictEqual(first.position, 0)
    assert(first._tag === "Comparison")
    assert.strictEqual(first.value.position, 4)
    assert(second._tag === "Not")
    assert.strictEqual(second.position, 11)
    assert(second.expr._tag === "In")
    assert.strictEqual(second.expr.field.position, 15)
    assert.deepStrictEqual(
      second.expr.values.map((v) => v.position),
      [25, 30]
    )
  })

  it("fails with a typed error naming the position and what was expected", () => {
    const error = failure("name = 'x' and amount > )")
    assert.strictEqual(error._tag, "CeqlError")
    assert.strictEqual(error.position, 24)
    assert.strictEqual(error.message, "CEQL: expected a value at position 24 but found ')'")
    assert.includeMembers([...error.expected], ["a string", "a number"])
    assert.strictEqual(error.input, "name = 'x' and amount > )")

    const cases: Array<[string, number, string]> = [
      ["", 0, "CEQL: expected a field name at position 0 but found end of input"],
      ["   ", 3, "CEQL: expected a field name at position 3 but found end of input"],
      ["a", 1, "CEQL: expected an operator at position 1 but found end of input"],
      ["a = ", 4, "CEQL: expected a value at position 4 but found end of input"],
      ["a = 1 b = 2", 6, "CEQL: expected AND, OR or end of input at position 6 but found 'b'"],
      ["(a = 1", 6, "CEQL: expected AND, OR or ')' at position 6 but found end of input"],
      ["a = 1)", 5, "CEQL: expected AND, OR or end of input at position 5 but found ')'"],
      ["a == 1", 3, "CEQL: expected a value at position 3 but found '='"],
      [
        "a = 'abc",
        8,
        "CEQL: expected a closing ' for the string that starts at position 4 at position 8 but found end of input"
      ],
      [
        "`abc = 1",
        8,
        "CEQL: expected a closing ` for the column name that starts at position 0 at position 8 but found end of input"
      ],
      ["`` = 1", 0, "CEQL: expected a column name between back-ticks at position 0 but found '``'"],
      ["a LIKE 5", 7, "CEQL: expected a quoted pattern at position 7 but found '5'"],
      ["a IN 1", 5, "CEQL: expected '(' to open the list at position 5 but found '1'"],
      ["a IN ()", 6, "CEQL: expected a value at position 6 but found ')'"],
      ["a IN (1 2)", 8, "CEQL: expected ',' or ')' at position 8 but found '2'"],
      ["a IS 1", 5, "CEQL: expected NULL at position 5 but found '1'"],
      ["a NOT = 1", 6, "CEQL: expected LIKE or IN after NOT at position 6 but found '='"],
      ["a = 1 AND", 9, "CEQL: expected a field name at position 9 but found end of input"],
      ["a # 1", 2, "CEQL: expected an operator at position 2 but found '#'"],
      ["and = 1", 0, "CEQL: expected a field name at position 0 but found 'and'"],
      [
        "a = null",
        4,
        "CEQL: expected a value at position 4 but found 'null' (test for null with IS NULL or IS NOT NULL)"
      ],
      ["a = 'x' 'y'", 8, "CEQL: expected AND, OR or end of input at position 8 but found ''y''"]
    ]
    for (const [input, position, message] of cases) {
      const e = failure(input)
      assert.strictEqual(e.message, message, input)
      assert.strictEqual(e.position, position, input)
    }
  })

  it("refuses nesting deeper than maxDepth without overflowing the stack", () => {
    for (const input of [
      "(".repeat(100_000),
      `${"(".repeat(Ceql.maxDepth + 1)}a = 1${")".repeat(Ceql.maxDepth + 1)}`,
      "NOT ".repeat(100_000),
      `${"NOT ".repeat(Ceql.maxDepth + 1)}a = 1`
    ]) {
      const e = failure(input)
      assert.include(e.message, `at most ${Ceql.maxDepth} nested`)
    }
    const deepest = `${"(".repeat(Ceql.maxDepth)}a = 1${")".repeat(Ceql.maxDepth)}`
    same(parsed(deepest), Ceql.comparison("a", "=", Ceql.number("1")))
  })

  it("reads very long flat chains", () => {
    const input = Array.from({ length: 20_000 }, (_, i) => `f${i} = ${i}`).join(" AND ")
    const expr = parsed(input)
    assert(expr._tag === "And")
    assert.strictEqual(expr.operands.length, 20_000)
  })

  it.effect("parse is the Effect form of parseResult", () =>
    Effect.gen(function* () {
      const expr = yield* Ceql.parse("a = 1")
      assert.strictEqual(expr._tag, "Comparison")
      const error = yield* Effect.flip(Ceql.parse("a = "))
      assert.strictEqual(error._tag, "CeqlError")
      assert.strictEqual(error.position, 4)
    })
  )
})

describe("Ceql.print", () => {
  it("prints canonical CEQL", () => {
    const cases: Array<[string, string]> = [
      ["a=1 and b<>'x''y'", "a = 1 AND b != 'x''y'"],
      ["a = 1 or b = 2 and c = 3", "a = 1 OR b = 2 AND c = 3"],
      ["(a = 1 or b = 2) and c = 3", "(a = 1 OR b = 2) AND c = 3"],
      ["not (a = 1 or b is not null)", "NOT (a = 1 OR b IS NOT NULL)"],
      ["`x.y` in (1,-2.50, true) and n not like '%a_'", "`x.y` IN (1, -2.50, true) AND n NOT LIKE '%a_'"]
    ]
    for (const [input, printed] of cases) assert.strictEqual(Ceql.print(parsed(input)), printed)
  })

  it("back-ticks names that would not read back as one bare identifier", () => {
    assert.strictEqual(Ceql.print(Ceql.comparison("and", "=", 1)), "`and` = 1")
    assert.strictEqual(Ceql.print(Ceql.comparison("a b", "=", 1)), "`a b` = 1")
  })

  it("round-trips any tree: parse(print(e)) equals e modulo positions", () => {
    fc.assert(
      fc.property(anyExpr, (expr) => {
        const text = Ceql.print(expr)
        const back = Ceql.parseResult(text)
        if (Result.isFailure(back)) throw new Error(`${text}: ${back.failure.message}`)
        assert.deepStrictEqual(Ceql.stripPositions(back.success), Ceql.stripPositions(expr))
        assert.strictEqual(Ceql.print(back.success), text)
      }),
      { numRuns: 2000 }
    )
  })
})
