import { assert, describe, it } from "@effect/vitest"
import { Ceql } from "@plugboard/core"
import { Result } from "effect"
import * as fc from "fast-check"
import { DateTime } from "luxon"
import { poolExpr, poolRecord } from "./CeqlArbitraries.js"

const q = (input: string): Ceql.Expr => {
  const result = Ceql.parseResult(input)
  if (Result.isFailure(result)) assert.fail(result.failure.message)
  return result.success
}

const matches = (where: string, record: unknown): boolean => Ceql.evaluate(q(where), record)

// ---- An independent, deliberately naive reference evaluator (same documented semantics) ----

type Scalar = string | number | boolean

const isIndex = (segment: string) => /^(0|[1-9][0-9]*)$/.test(segment)

const findKey = (object: object, key: string): string | undefined =>
  Object.keys(object).includes(key)
    ? key
    : Object.keys(object).find((k) => k.toLowerCase() === key.toLowerCase())

const walk = (value: unknown, segments: Array<string>): Array<unknown> => {
  if (value === null || value === undefined) return []
  if (Array.isArray(value)) {
    if (segments.length > 0 && isIndex(segments[0]!))
      return walk(value[Number(segments[0])], segments.slice(1))
    return value.flatMap((element) => walk(element, segments))
  }
  if (segments.length === 0) return [value]
  if (typeof value !== "object") return []
  const key = findKey(value, segments[0]!)
  return key === undefined ? [] : walk((value as Record<string, unknown>)[key], segments.slice(1))
}

const refValues = (record: unknown, field: Ceql.Field): Array<unknown> => {
  if (
    field.quoted &&
    field.name.includes(".") &&
    typeof record === "object" &&
    record !== null &&
    !Array.isArray(record)
  ) {
    const key = findKey(record, field.name)
    if (key !== undefined) return walk((record as Record<string, unknown>)[key], [])
  }
  return walk(record, field.name.split("."))
}

const refNumber = (x: Scalar): number | undefined =>
  typeof x === "number"
    ? x
    : typeof x === "string" && /^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$/.test(x)
      ? Number(x)
      : undefined

const refInstant = (x: string): number | undefined => {
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}/.test(x)) return undefined
  const parsed = DateTime.fromISO(x.replace(" ", "T"), { zone: "utc" })
  return parsed.isValid ? parsed.toMillis() : undefined
}

const refBoolean = (x: Scalar): boolean | undefined =>
  typeof x === "boolean"
    ? x
    : typeof x === "string" && /^(true|false)$/i.test(x)
      ? x.toLowerCase() === "true"
      : undefined

const sign = (a: number | string, b: number | string) => (a === b ? 0 : a < b ? -1 : 1)

const refCompare = (a: Scalar, b: Scalar): number => {
  if (typeof a === "number" || typeof b === "number") {
    const x = refNumber(a)
    const y = refNumber(b)
    if (x !== undefined && y !== undefined) return sign(x, y)
  }
  if (typeof a === "string" && typeof b === "string") {
    const x = refInstant(a)
    const y = refInstant(b)
    if (x !== undefined && y !== undefined) return sign(x, y)
  }
  if (typeof a === "boolean" || typeof b === "boolean") {
    const x = refBoolean(a)
    const y = refBoolean(b)
    if (x !== undefined && y !== undefined) return sign(Number(x), Number(y))
  }
  return sign(String(a), String(b))
}

const refLike = (text: string, pattern: string): boolean => {
  const t = [...text.toLowerCase()]
  const p = [...pattern.toLowerCase()]
  const go = (i: number, j: number): boolean => {
    if (j === p.length) return i === t.length
    if (p[j] === "%") return go(i, j + 1) || (i < t.length && go(i + 1, j))
    if (i === t.length) return false
    return (p[j] === "_" || p[j] === t[i]) && go(i + 1, j + 1)
  }
  return go(0, 0)
}

const isScalar = (v: unknown): v is Scalar => ["string", "number", "boolean"].includes(typeof v)

const literalValue = (literal: Ceql.Literal): Scalar => literal.value

const refEvaluate = (expr: Ceql.Expr, record: unknown): boolean => {
  switch (expr._tag) {
    case "And":
      return expr.operands.every((e) => refEvaluate(e, record))
    case "Or":
      return expr.operands.some((e) => refEvaluate(e, record))
    case "Not":
      return !refEvaluate(expr.expr, record)
    case "IsNull":
      return (refValues(record, expr.field).length === 0) !== expr.negated
    case "Comparison": {
      const values = refValues(record, expr.field)
      const b = literalValue(expr.value)
      const hit = (v: unknown, test: (c: number) => boolean) => isScalar(v) && test(refCompare(v, b))
      switch (expr.operator) {
        case "=":
          return values.some((v) => hit(v, (c) => c === 0))
        case "!=":
          return values.length > 0 && !values.some((v) => hit(v, (c) => c === 0))
        case "<":
          return values.some((v) => hit(v, (c) => c < 0))
        case "<=":
          return values.some((v) => hit(v, (c) => c <= 0))
        case ">":
          return values.some((v) => hit(v, (c) => c > 0))
        case ">=":
          return values.some((v) => hit(v, (c) => c >= 0))
      }
      return false
    }
    case "Like": {
      const values = refValues(record, expr.field)
      const hit = (v: unknown) => isScalar(v) && refLike(String(v), expr.pattern.value)
      return expr.negated ? values.length > 0 && !values.some(hit) : values.some(hit)
    }
    case "In": {
      const values = refValues(record, expr.field)
      const hit = (v: unknown) => isScalar(v) && expr.values.some((l) => refCompare(v, literalValue(l)) === 0)
      return expr.negated ? values.length > 0 && !values.some(hit) : values.some(hit)
    }
  }
}

describe("Ceql.evaluate", () => {
  it("agrees with an independent reference evaluator on generated queries and records", () => {
    let matched = 0
    let total = 0
    fc.assert(
      fc.property(poolExpr, fc.array(poolRecord, { minLength: 1, maxLength: 8 }), (expr, records) => {
        for (const record of records) {
          const expected = refEvaluate(expr, record)
          total++
          if (expected) matched++
          assert.strictEqual(
            Ceql.evaluate(expr, record),
            expected,
            `${Ceql.print(expr)} on ${JSON.stringify(record)}`
          )
        }
      }),
      { numRuns: 3000 }
    )
    // The pools are meant to make both outcomes common.
    assert.isAbove(matched, total / 10)
    assert.isBelow(matched, (total * 9) / 10)
  })

  it("reads back-ticked names as a literal key first, then as a path", () => {
    const where = "`metaData.lastUpdateTime` > '2015-01-06T09:31:38-07:00'"
    assert.isTrue(matches(where, { "metaData.lastUpdateTime": "2015-01-06T17:00:00Z" }))
    assert.isTrue(matches(where, { metaData: { lastUpdateTime: "2015-01-06T17:00:00Z" } }))
    assert.isFalse(matches(where, { metaData: { lastUpdateTime: "2015-01-06T16:31:38Z" } }))
    // Without back-ticks the name is only a path.
    assert.isFalse(matches("metaData.lastUpdateTime > '2015'", { "metaData.lastUpdateTime": "2016" }))
    assert.isTrue(matches("`first name` = 'Ann'", { "first name": "Ann" }))
  })

  it("matches field names ignoring case as a fallback (Sage CRM)", () => {
    assert.isTrue(matches("Comp_Name = 'Acme'", { comp_name: "Acme" }))
    assert.isTrue(matches("COMP_NAME = 'Acme'", { Comp_Name: "Acme" }))
    assert.isTrue(matches("a.B.c = 1", { A: { b: { C: 1 } } }))
    // An exact key wins over a case-insensitive one.
    assert.isTrue(matches("name = 'exact'", { NAME: "other", name: "exact" }))
  })

  it("compares dates as instants, numbers as numbers, strings otherwise", () => {
    assert.isTrue(matches("d = '2015-01-06T09:31:38-07:00'", { d: "2015-01-06T16:31:38Z" }))
    assert.isTrue(matches("d >= '2026-11-22T10:00:00'", { d: "2026-11-22T10:00:00.000Z" }))
    assert.isFalse(matches("d > '2026-11-22T10:00:00'", { d: "2026-11-22T11:00:00+01:00" }))
    assert.isTrue(matches("d < '2026-11-22T10:00:00.001Z'", { d: "2026-11-22 10:00:00" }))
    assert.isTrue(matches("d >= '2015-01-06'", { d: "2015-01-06T00:00:00Z" }))
    assert.isTrue(matches("n = 10", { n: "10" }))
    assert.isTrue(matches("n > 9", { n: "10" }))
    assert.isTrue(matches("n > '9'", { n: 10 }))
    assert.isFalse(matches("n > '9'", { n: "10" }), "two strings compare as strings")
    assert.isTrue(matches("n = 2.50", { n: 2.5 }))
    assert.isTrue(matches("n = -1", { n: -1 }))
    assert.isTrue(matches("flag = true", { flag: true }))
    assert.isTrue(matches("flag = true", { flag: "TRUE" }))
    assert.isFalse(matches("flag = true", { flag: 1 }))
    assert.isTrue(matches("name = 'Acme'", { name: "Acme" }))
    assert.isFalse(matches("name = 'acme'", { name: "Acme" }), "= is case-sensitive")
    assert.isTrue(matches("name < 'b'", { name: "a" }))
  })

  it("treats missing, null and empty lists as NULL and fails every comparison on them", () => {
    for (const record of [{}, { x: null }, { x: [] }, { x: [null] }, null, 42, "x"]) {
      assert.isTrue(matches("x IS NULL", record))
      assert.isFalse(matches("x IS NOT NULL", record))
      for (const where of [
        "x = 1",
        "x != 1",
        "x < 1",
        "x >= 1",
        "x LIKE '%'",
        "x NOT LIKE 'a'",
        "x IN (1)",
        "x NOT IN (1)"
      ]) {
        assert.isFalse(matches(where, record), `${where} on ${JSON.stringify(record)}`)
      }
      assert.isTrue(matches("NOT x = 1", record))
    }
    assert.isTrue(matches("x IS NOT NULL", { x: 0 }))
    assert.isTrue(matches("x IS NOT NULL", { x: "" }))
    assert.isTrue(matches("x IS NOT NULL", { x: { y: 1 } }))
  })

  it("never reads inherited properties", () => {
    assert.isTrue(matches("constructor IS NULL", {}))
    assert.isTrue(matches("__proto__ IS NULL", {}))
    assert.isFalse(matches("toString LIKE '%'", {}))
    assert.isTrue(matches("__proto__ = 1", JSON.parse('{"__proto__": 1}')))
  })

  it("matches list values when any element matches, and negations when none does", () => {
    const record = { tags: ["red", "Blue"], lines: [{ qty: 1 }, { qty: 5 }] }
    assert.isTrue(matches("tags = 'red'", record))
    assert.isFalse(matches("tags != 'red'", record))
    assert.isTrue(matches("tags != 'green'", record))
    assert.isTrue(matches("tags LIKE 'blue'", record))
    assert.isFalse(matches("tags NOT LIKE 'b%'", record))
    assert.isTrue(matches("tags IN ('green', 'red')", record))
    assert.isFalse(matches("tags NOT IN ('green', 'red')", record))
    assert.isTrue(matches("lines.qty > 4", record))
    assert.isFalse(matches("lines.qty > 5", record))
    assert.isTrue(matches("lines.1.qty = 5", record))
    assert.isFalse(matches("lines.0.qty = 5", record))
  })

  it("evaluates LIKE ignoring case with % and _", () => {
    assert.isTrue(matches("n LIKE 'ac%'", { n: "ACME Corp" }))
    assert.isTrue(matches("n LIKE '%CORP'", { n: "ACME Corp" }))
    assert.isTrue(matches("n LIKE 'a_me%'", { n: "acme" }))
    assert.isFalse(matches("n LIKE 'a_me'", { n: "ame" }))
    assert.isTrue(matches("n LIKE '100%'", { n: "100% sure" }))
    assert.isTrue(matches("n LIKE '(a.b)*'", { n: "(A.B)*" }), "regex characters are literal")
    assert.isTrue(matches("n LIKE '12%'", { n: 123 }), "numbers are matched by their text")
    assert.isTrue(matches("n LIKE '%😀_'", { n: "x😀é" }))
  })

  it("combines with AND, OR and NOT", () => {
    const record = { a: 1, b: "x" }
    assert.isTrue(matches("a = 1 AND b = 'x'", record))
    assert.isTrue(matches("a = 2 OR b = 'x'", record))
    assert.isFalse(matches("NOT (a = 1 OR b = 'y')", record))
    assert.isTrue(matches("NOT a = 2 AND (b IN ('x', 'y') OR c IS NOT NULL)", record))
  })

  it("compiles once per tree and filters many records", () => {
    const predicate = Ceql.compile(q("amount > 10 AND status = 'open'"))
    const records = Array.from({ length: 100 }, (_, i) => ({
      amount: i,
      status: i % 2 === 0 ? "open" : "closed"
    }))
    assert.strictEqual(records.filter(predicate).length, 44)
  })
})

describe("Ceql.parseInstant", () => {
  // The definition the hand-written parser must agree with.
  const definition =
    /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/
  const byDefinition = (text: string): number | undefined => {
    const m = definition.exec(text)
    if (m === null) return undefined
    const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
      number
    ]
    const probe = DateTime.fromObject({ year, month, day }, { zone: "utc" })
    if (!probe.isValid || hour > 23 || minute > 59 || second > 59) return undefined
    const zone = m[8]
    let offset = 0
    if (zone !== undefined && !/^[Zz]$/.test(zone)) {
      const digits = zone.slice(1).replace(":", "")
      const h = Number(digits.slice(0, 2))
      const mm = Number(digits.slice(2) || "0")
      if (h > 23 || mm > 59) return undefined
      offset = (zone[0] === "-" ? -1 : 1) * (h * 60 + mm)
    }
    const base = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone: "utc" }).toMillis()
    return base + (m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000) - offset * 60_000
  }

  it("reads the documented forms", () => {
    const z = Date.UTC(2015, 0, 6, 16, 31, 38)
    assert.strictEqual(Ceql.parseInstant("2015-01-06T09:31:38-07:00"), z)
    assert.strictEqual(Ceql.parseInstant("2015-01-06T16:31:38Z"), z)
    assert.strictEqual(Ceql.parseInstant("2015-01-06 16:31:38"), z)
    assert.strictEqual(Ceql.parseInstant("2015-01-06T17:31:38+0100"), z)
    assert.strictEqual(Ceql.parseInstant("2015-01-06T18:31:38+02"), z)
    assert.strictEqual(Ceql.parseInstant("2015-01-06T16:31:38.250Z"), z + 250)
    assert.strictEqual(Ceql.parseInstant("2015-01-06"), Date.UTC(2015, 0, 6))
    assert.strictEqual(
      Ceql.parseInstant("0099-01-01"),
      DateTime.fromISO("0099-01-01", { zone: "utc" }).toMillis()
    )
    for (const text of [
      "2015-02-29",
      "2015-13-01",
      "2015-01-06T24:00:00Z",
      "2015-01-06T10",
      "20150106",
      "2015-01-06X"
    ]) {
      assert.strictEqual(Ceql.parseInstant(text), undefined, text)
    }
  })

  it("agrees with its regular-expression definition on date-like strings", () => {
    const piece = fc.constantFrom(
      "2015",
      "2016",
      "0099",
      "-",
      "01",
      "02",
      "12",
      "13",
      "29",
      "30",
      "31",
      "00",
      "T",
      "t",
      " ",
      ":",
      "23",
      "24",
      "59",
      "60",
      ".",
      ",",
      "5",
      "123",
      "123456789",
      "1234567890",
      "Z",
      "z",
      "+",
      "-07:00",
      "+0530",
      "+05",
      "+24:00",
      "\\u00a0"
    )
    const dateLike = fc
      .tuple(
        fc.constantFrom("2015-01-06", "2016-02-29", "2015-02-29", "0099-12-31", "2015-1-06"),
        fc.array(piece, { maxLength: 8 })
      )
      .map(([date, rest]) => date + rest.join("").replace("\\u00a0", "\u00a0"))
    fc.assert(
      fc.property(fc.oneof(dateLike, fc.string({ maxLength: 30 })), (text) => {
        assert.strictEqual(Ceql.parseInstant(text), byDefinition(text), text)
      }),
      { numRuns: 5000 }
    )
  })
})

describe("Ceql field lookup", () => {
  it("matches keys whose lower case has another length", () => {
    assert.isTrue(matches("`İd` = 1", { İD: 1 }))
    assert.isTrue(matches("`i̇d` = 1", { İd: 1 }))
  })
})
