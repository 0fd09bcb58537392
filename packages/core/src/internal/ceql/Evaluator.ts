/**
 * Evaluates CEQL against JSON records in memory: the part of a query a vendor cannot filter.
 * Semantics: a missing, null or empty-list field IS NULL and fails every comparison (also `!=`,
 * `NOT LIKE`, `NOT IN`); on a list, `=`, `<`, `LIKE`, `IN` … hold when any element matches, while
 * `!=`, `NOT LIKE`, `NOT IN` hold when no element matches; `NOT e` is plain negation. Values compare
 * as described in `Values.ts`; LIKE ignores case.
 */
import type * as Ast from "./Ast.js"
import { accessor } from "./FieldPath.js"
import { compareScalars, isScalar, parseInstant, type Scalar } from "./Values.js"

/** A compiled query: true when the record matches. */
export type Predicate = (record: unknown) => boolean

const order = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Compares record values with one literal; precomputes what the literal needs (its instant). */
const comparatorFor = (literal: Ast.Literal): ((value: Scalar) => number) => {
  switch (literal._tag) {
    case "Number": {
      const n = literal.value
      return (value) => (typeof value === "number" ? order(value, n) : compareScalars(value, n))
    }
    case "String": {
      const text = literal.value
      const instant = parseInstant(text)
      return (value) => {
        if (typeof value !== "string") return compareScalars(value, text)
        if (instant !== undefined) {
          const x = parseInstant(value)
          if (x !== undefined) return order(x, instant)
        }
        return order(value, text)
      }
    }
    case "Boolean": {
      const b = literal.value
      return (value) => compareScalars(value, b)
    }
  }
}

const equalsAny = (literals: ReadonlyArray<Ast.Literal>): ((value: unknown) => boolean) => {
  const comparators = literals.map(comparatorFor)
  return (value) => isScalar(value) && comparators.some((compare) => compare(value) === 0)
}

const testFor = (operator: Ast.ComparisonOperator): ((order: number) => boolean) => {
  switch (operator) {
    case "=":
    case "!=":
      return (o) => o === 0
    case "<":
      return (o) => o < 0
    case "<=":
      return (o) => o <= 0
    case ">":
      return (o) => o > 0
    case ">=":
      return (o) => o >= 0
  }
}

const likeRegExp = (pattern: string): RegExp => {
  let source = ""
  for (const char of pattern) {
    if (char === "%") source += "[\\s\\S]*"
    else if (char === "_") source += "[\\s\\S]"
    else source += char.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&")
  }
  return new RegExp(`^${source}$`, "iu")
}

/** Holds when any value matches; for negated forms, when there are values and none matches. */
const anyOrNone =
  (
    values: (record: unknown) => ReadonlyArray<unknown>,
    matches: (value: unknown) => boolean,
    negated: boolean
  ) =>
  (record: unknown): boolean => {
    const found = values(record)
    return negated ? found.length > 0 && !found.some(matches) : found.some(matches)
  }

/** Compiles an expression into a predicate over records. */
export const compile = (expr: Ast.Expr): Predicate => {
  switch (expr._tag) {
    case "Comparison": {
      const compare = comparatorFor(expr.value)
      const test = testFor(expr.operator)
      const matches = (value: unknown) => isScalar(value) && test(compare(value))
      return anyOrNone(accessor(expr.field), matches, expr.operator === "!=")
    }
    case "Like": {
      const regExp = likeRegExp(expr.pattern.value)
      const matches = (value: unknown) => isScalar(value) && regExp.test(String(value))
      return anyOrNone(accessor(expr.field), matches, expr.negated)
    }
    case "In":
      return anyOrNone(accessor(expr.field), equalsAny(expr.values), expr.negated)
    case "IsNull": {
      const values = accessor(expr.field)
      return expr.negated ? (record) => values(record).length > 0 : (record) => values(record).length === 0
    }
    case "Not": {
      const inner = compile(expr.expr)
      return (record) => !inner(record)
    }
    case "And": {
      const operands = expr.operands.map(compile)
      return (record) => operands.every((operand) => operand(record))
    }
    case "Or": {
      const operands = expr.operands.map(compile)
      return (record) => operands.some((operand) => operand(record))
    }
  }
}

const compiled = new WeakMap<Ast.Expr, Predicate>()

/** Whether a record matches; compiles the expression once and caches it by identity. */
export const evaluate = (expr: Ast.Expr, record: unknown): boolean => {
  let predicate = compiled.get(expr)
  if (predicate === undefined) {
    predicate = compile(expr)
    compiled.set(expr, predicate)
  }
  return predicate(record)
}
