/**
 * fast-check generators shared by the CEQL tests: trees for round trips, and small pools of field
 * names and values that make evaluation and translation properties hit interesting cases.
 */
import { Ceql } from "@plugboard/core"
import * as fc from "fast-check"

const keywords = new Set(["AND", "OR", "NOT", "LIKE", "IN", "IS", "NULL", "TRUE", "FALSE"])

/** Bare identifiers, dotted or not, never keywords. */
export const bareName: fc.Arbitrary<string> = fc
  .stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,7}(\.[A-Za-z0-9_$]{1,5}){0,2}$/)
  .filter((name) => !keywords.has(name.toUpperCase()))

/** Any field: bare, or back-ticked with arbitrary (non-empty) text. */
export const anyField: fc.Arbitrary<Ceql.Field> = fc.oneof(
  bareName.map((name) => Ceql.field(name)),
  fc.string({ minLength: 1, maxLength: 12, unit: "binary" }).map((name) => Ceql.field(name, { quoted: true }))
)

const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc
    .tuple(fc.boolean(), fc.nat(99999), fc.stringMatching(/^\d{1,4}$/))
    .map(([negative, whole, fraction]) => `${negative ? "-" : ""}${whole}.${fraction}`),
  fc.constantFrom("0", "-0", "007", "1e10", "2.5E-3", "-12.50")
)

/** Any literal. */
export const anyLiteral: fc.Arbitrary<Ceql.Literal> = fc.oneof(
  fc.string({ maxLength: 12, unit: "binary" }).map((value) => Ceql.string(value)),
  numberText.map((text) => Ceql.number(text)),
  fc.boolean().map((value) => Ceql.boolean(value))
)

const operators: ReadonlyArray<Ceql.ComparisonOperator> = ["=", "!=", "<", ">", "<=", ">="]

/** Builds expression trees over the given fields, literals and patterns. */
export const exprOf = (
  fieldArb: fc.Arbitrary<Ceql.Field>,
  literalArb: fc.Arbitrary<Ceql.Literal>,
  patternArb: fc.Arbitrary<string>,
  maxDepth = 4
): fc.Arbitrary<Ceql.Expr> => {
  const condition: fc.Arbitrary<Ceql.Expr> = fc.oneof(
    {
      arbitrary: fc
        .tuple(fieldArb, fc.constantFrom(...operators), literalArb)
        .map(([f, op, v]) => Ceql.comparison(f, op, v)),
      weight: 4
    },
    {
      arbitrary: fc
        .tuple(fieldArb, patternArb, fc.boolean())
        .map(([f, p, negated]) => Ceql.like(f, p, negated)),
      weight: 2
    },
    {
      arbitrary: fc
        .tuple(fieldArb, literalArb, fc.array(literalArb, { maxLength: 3 }), fc.boolean())
        .map(([f, first, rest, negated]) => Ceql.isIn(f, [first, ...rest], negated)),
      weight: 2
    },
    { arbitrary: fc.tuple(fieldArb, fc.boolean()).map(([f, negated]) => Ceql.isNull(f, negated)), weight: 1 }
  )
  const tree = fc.letrec<{ expr: Ceql.Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: "small", maxDepth, withCrossShrink: true },
      { arbitrary: condition, weight: 5 },
      { arbitrary: tie("expr").map((e) => Ceql.not(e)), weight: 1 },
      {
        arbitrary: fc
          .tuple(
            fc.constantFrom("And" as const, "Or" as const),
            fc.array(tie("expr"), { minLength: 2, maxLength: 3 })
          )
          .map(([tag, operands]) => (tag === "And" ? Ceql.and(operands)! : Ceql.or(operands)!)),
        weight: 2
      }
    )
  }))
  return tree.expr
}

/** Arbitrary trees: any names, any literals, any patterns. */
export const anyExpr: fc.Arbitrary<Ceql.Expr> = exprOf(
  anyField,
  anyLiteral,
  fc.string({ maxLength: 10, unit: "binary" })
)

// ---- Pools for evaluation and translation ----

/** Field names the record generator also uses (some differ only in case from record keys). */
export const poolFields: ReadonlyArray<Ceql.Field> = [
  Ceql.field("name"),
  Ceql.field("NAME"),
  Ceql.field("amount"),
  Ceql.field("created"),
  Ceql.field("flag"),
  Ceql.field("tags"),
  Ceql.field("meta.updated"),
  Ceql.field("Meta.Count"),
  Ceql.field("lines.qty"),
  Ceql.field("lines.0.qty"),
  Ceql.field("missing"),
  Ceql.field("meta.updated", { quoted: true }),
  Ceql.field("odd key", { quoted: true })
]

/** Values records and queries share, so that comparisons often tie or cross types. */
export const poolValues: ReadonlyArray<string | number | boolean> = [
  -1,
  0,
  1,
  2.5,
  10,
  100,
  "10",
  "2.5",
  "007",
  "-1",
  "2015-01-06T09:31:38-07:00",
  "2015-01-06T16:31:38Z",
  "2015-01-06",
  "2026-11-22T10:00:00",
  "2026-11-22 10:00:00.000Z",
  "2026-11-22T11:00:00+01:00",
  "Acme",
  "acme",
  "ACME Corp",
  "b",
  "O'Brien",
  "100%",
  "a_b",
  "",
  "true",
  true,
  false
]

export const poolLiteral: fc.Arbitrary<Ceql.Literal> = fc
  .constantFrom(...poolValues)
  .map((value) => (typeof value === "number" ? Ceql.number(String(value)) : Ceql.literal(value)))

export const poolPattern: fc.Arbitrary<string> = fc.constantFrom(
  "%",
  "acme",
  "Acme%",
  "%corp",
  "%c%",
  "a_b",
  "_",
  "10%",
  "%0%",
  "O''%",
  "O'%",
  "2015-01-06%",
  "%100\\%",
  "a%b%"
)

export const poolExpr: fc.Arbitrary<Ceql.Expr> = exprOf(
  fc.constantFrom(...poolFields),
  poolLiteral,
  poolPattern
)

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(...poolValues), weight: 8 },
  { arbitrary: fc.constant(null), weight: 1 }
)
const value: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: scalar, weight: 6 },
  { arbitrary: fc.array(scalar, { maxLength: 3 }), weight: 1 },
  { arbitrary: fc.constant({ nested: 1 }), weight: 1 }
)

/** Records with keys in varying case, nested objects, arrays and a key that contains a dot. */
export const poolRecord: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    name: value,
    Name: value,
    amount: value,
    CREATED: value,
    flag: value,
    tags: fc.array(scalar, { maxLength: 3 }),
    meta: fc.record({ Updated: value, count: value }, { requiredKeys: [] }),
    "meta.updated": value,
    lines: fc.array(fc.record({ qty: value }, { requiredKeys: [] }), { maxLength: 3 }),
    "odd key": value
  },
  { requiredKeys: [] }
)
