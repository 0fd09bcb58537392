/**
 * The CEQL syntax tree. Every node records `position`, the 0-based offset in the source text where it
 * starts, so that errors found after parsing (translation, pseudo-fields) can still point at the input.
 */

/** A column reference: `a.b.c` (a path) or a back-ticked `` `a.b` `` (a literal key first, then a path). */
export interface Field {
  readonly _tag: "Field"
  readonly name: string
  readonly quoted: boolean
  readonly position: number
}

/** A single-quoted string literal; `value` is the unescaped text. */
export interface StringLiteral {
  readonly _tag: "String"
  readonly value: string
  readonly position: number
}

/**
 * A number literal. `text` is the lexeme as written (kept so that large ids and decimals reach the
 * vendor unchanged); `value` is its JavaScript number.
 */
export interface NumberLiteral {
  readonly _tag: "Number"
  readonly text: string
  readonly value: number
  readonly position: number
}

/** `true` or `false`. */
export interface BooleanLiteral {
  readonly _tag: "Boolean"
  readonly value: boolean
  readonly position: number
}

/** Any literal value on the right-hand side of a condition. */
export type Literal = StringLiteral | NumberLiteral | BooleanLiteral

/** Comparison operators; `<>` is read as `!=`. */
export type ComparisonOperator = "=" | "!=" | "<" | ">" | "<=" | ">="

/** `field op value`. */
export interface Comparison {
  readonly _tag: "Comparison"
  readonly field: Field
  readonly operator: ComparisonOperator
  readonly value: Literal
  readonly position: number
}

/** `field [NOT] LIKE 'pattern'` with `%` (any run) and `_` (one character) wildcards. */
export interface Like {
  readonly _tag: "Like"
  readonly field: Field
  readonly pattern: StringLiteral
  readonly negated: boolean
  readonly position: number
}

/** `field [NOT] IN (v1, v2, …)`; at least one value. */
export interface In {
  readonly _tag: "In"
  readonly field: Field
  readonly values: readonly [Literal, ...Array<Literal>]
  readonly negated: boolean
  readonly position: number
}

/** `field IS [NOT] NULL`. */
export interface IsNull {
  readonly _tag: "IsNull"
  readonly field: Field
  readonly negated: boolean
  readonly position: number
}

/** `a AND b AND …`: a chain written without parentheses is one node with two or more operands. */
export interface And {
  readonly _tag: "And"
  readonly operands: readonly [Expr, Expr, ...Array<Expr>]
  readonly position: number
}

/** `a OR b OR …`: a chain written without parentheses is one node with two or more operands. */
export interface Or {
  readonly _tag: "Or"
  readonly operands: readonly [Expr, Expr, ...Array<Expr>]
  readonly position: number
}

/** `NOT e`. */
export interface Not {
  readonly _tag: "Not"
  readonly expr: Expr
  readonly position: number
}

/** A condition on one field. */
export type Condition = Comparison | Like | In | IsNull

/** A CEQL expression. */
export type Expr = Condition | And | Or | Not

/** Builds a field reference (position 0 unless given). */
export const field = (name: string, options: { quoted?: boolean; position?: number } = {}): Field => ({
  _tag: "Field",
  name,
  quoted: options.quoted ?? false,
  position: options.position ?? 0
})

/** Builds a string literal. */
export const string = (value: string, position = 0): StringLiteral => ({ _tag: "String", value, position })

/** Builds a number literal from a number or from its text (`"12.50"`, kept as written). */
export const number = (value: number | string, position = 0): NumberLiteral => ({
  _tag: "Number",
  text: typeof value === "string" ? value : String(value),
  value: typeof value === "string" ? Number(value) : value,
  position
})

/** Builds a boolean literal. */
export const boolean = (value: boolean, position = 0): BooleanLiteral => ({
  _tag: "Boolean",
  value,
  position
})

/** Turns a JavaScript value into a literal. */
export const literal = (value: string | number | boolean): Literal =>
  typeof value === "string" ? string(value) : typeof value === "number" ? number(value) : boolean(value)

const toField = (f: Field | string): Field => (typeof f === "string" ? field(f) : f)
const toLiteral = (v: Literal | string | number | boolean): Literal =>
  typeof v === "object" ? v : literal(v)

/** Builds `field op value`. */
export const comparison = (
  f: Field | string,
  operator: ComparisonOperator,
  value: Literal | string | number | boolean
): Comparison => {
  const fieldNode = toField(f)
  return {
    _tag: "Comparison",
    field: fieldNode,
    operator,
    value: toLiteral(value),
    position: fieldNode.position
  }
}

/** Builds `field [NOT] LIKE 'pattern'`. */
export const like = (f: Field | string, pattern: string | StringLiteral, negated = false): Like => {
  const fieldNode = toField(f)
  return {
    _tag: "Like",
    field: fieldNode,
    pattern: typeof pattern === "string" ? string(pattern) : pattern,
    negated,
    position: fieldNode.position
  }
}

/** Builds `field [NOT] IN (…)`. */
export const isIn = (
  f: Field | string,
  values: readonly [Literal | string | number | boolean, ...Array<Literal | string | number | boolean>],
  negated = false
): In => {
  const fieldNode = toField(f)
  const [first, ...rest] = values
  return {
    _tag: "In",
    field: fieldNode,
    values: [toLiteral(first), ...rest.map(toLiteral)],
    negated,
    position: fieldNode.position
  }
}

/** Builds `field IS [NOT] NULL`. */
export const isNull = (f: Field | string, negated = false): IsNull => {
  const fieldNode = toField(f)
  return { _tag: "IsNull", field: fieldNode, negated, position: fieldNode.position }
}

/** Joins conditions with AND; one condition is returned as is, none gives `undefined`. */
export const and = (operands: ReadonlyArray<Expr>): Expr | undefined => {
  if (operands.length === 0) return undefined
  if (operands.length === 1) return operands[0]
  return { _tag: "And", operands: operands as And["operands"], position: operands[0]!.position }
}

/** Joins conditions with OR; one condition is returned as is, none gives `undefined`. */
export const or = (operands: ReadonlyArray<Expr>): Expr | undefined => {
  if (operands.length === 0) return undefined
  if (operands.length === 1) return operands[0]
  return { _tag: "Or", operands: operands as Or["operands"], position: operands[0]!.position }
}

/** Builds `NOT e`. */
export const not = (expr: Expr, position = expr.position): Not => ({ _tag: "Not", expr, position })

/**
 * The top-level conjuncts of an expression: the operands of (nested) ANDs, in source order. A query
 * that is not an AND is a single conjunct.
 */
export const conjuncts = (expr: Expr): ReadonlyArray<Expr> => {
  if (expr._tag !== "And") return [expr]
  const out: Array<Expr> = []
  for (const operand of expr.operands) out.push(...conjuncts(operand))
  return out
}

const stripLiteral = (value: Literal): Literal => ({ ...value, position: 0 })
const stripField = (f: Field): Field => ({ ...f, position: 0 })

/** A copy of the tree with every position set to 0, for structural comparison. */
export const stripPositions = (expr: Expr): Expr => {
  switch (expr._tag) {
    case "Comparison":
      return { ...expr, field: stripField(expr.field), value: stripLiteral(expr.value), position: 0 }
    case "Like":
      return {
        ...expr,
        field: stripField(expr.field),
        pattern: { ...expr.pattern, position: 0 },
        position: 0
      }
    case "In": {
      const [first, ...rest] = expr.values
      return {
        ...expr,
        field: stripField(expr.field),
        values: [stripLiteral(first), ...rest.map(stripLiteral)],
        position: 0
      }
    }
    case "IsNull":
      return { ...expr, field: stripField(expr.field), position: 0 }
    case "Not":
      return { ...expr, expr: stripPositions(expr.expr), position: 0 }
    case "And":
    case "Or": {
      const [a, b, ...rest] = expr.operands
      return {
        ...expr,
        operands: [stripPositions(a), stripPositions(b), ...rest.map(stripPositions)],
        position: 0
      }
    }
  }
}

/** Rewrites every field reference of an expression (renames, aliases). */
export const mapFields = (expr: Expr, f: (field: Field) => Field): Expr => {
  switch (expr._tag) {
    case "Comparison":
    case "Like":
    case "In":
    case "IsNull": {
      const next = f(expr.field)
      return next === expr.field ? expr : { ...expr, field: next }
    }
    case "Not":
      return { ...expr, expr: mapFields(expr.expr, f) }
    case "And":
    case "Or": {
      const [a, b, ...rest] = expr.operands
      return {
        ...expr,
        operands: [mapFields(a, f), mapFields(b, f), ...rest.map((operand) => mapFields(operand, f))]
      }
    }
  }
}
