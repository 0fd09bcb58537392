/**
 * CEQL → plain query parameters, driven by data: each CEQL field lists which operators map to which
 * vendor parameter. Only top-level AND conditions can become parameters; everything else stays in
 * the residual. Pseudo-fields are vendor parameters that are not record fields (Sage Accounting's
 * `attributes`): they never reach the residual, and may appear only as a top-level `field = value`.
 */
import { Result } from "effect"
import * as Ast from "./Ast.js"
import type { CeqlError } from "./CeqlError.js"
import { isoUtc } from "./FilterLanguage.js"
import { type PerCall, residualOf, resolveOptions, type Translator, translationError } from "./Translator.js"
import { parseInstant } from "./Values.js"

/** Operators a parameter rule can map: the comparisons plus `like` and `in` (sent comma-joined). */
export type ParamOperator = Ast.ComparisonOperator | "like" | "in"

/** Writes a literal as a parameter value; `undefined` keeps the condition in memory. */
export type ParamFormat = (value: Ast.Literal, field: string) => string | undefined

/** How one CEQL field becomes vendor parameters. */
export interface ParamRule extends Partial<Readonly<Record<ParamOperator, string>>> {
  /** A vendor parameter, not a record field: never evaluated in memory; only `field = value` at the top level. */
  readonly pseudo?: boolean | undefined
  /**
   * The record field this CEQL name stands for, used where the condition is evaluated in memory
   * (`lastModifiedDate` → `updated_at`). Default: the CEQL name itself.
   */
  readonly field?: string | undefined
  /**
   * Whether the parameter filters exactly like the condition, so it can leave the residual. Default:
   * true for `=`, `!=`, `>=`, `<=`, `in`; false for `>` and `<` (vendor "since" parameters are
   * inclusive, so they are sent as a superset and checked again) and for `like`.
   */
  readonly exact?: boolean | undefined
  /** Value format for this field; overrides the translator's. */
  readonly format?: ParamFormat | undefined
}

/** Rules per CEQL field name (matched ignoring case). */
export type ParamRules = Readonly<Record<string, ParamRule>>

/** Options of the parameter translator. */
export interface ParamsOptions {
  /** Value format for every field without its own (default: the value as written, strings unquoted). */
  readonly format?: ParamFormat | undefined
}

/** The value as written: strings without quotes, numbers as their text, booleans as `true`/`false`. */
export const formatPlain: ParamFormat = (value) => {
  switch (value._tag) {
    case "String":
      return value.value
    case "Number":
      return value.text
    case "Boolean":
      return value.value ? "true" : "false"
  }
}

/** Like {@link formatPlain}, but a string that is a date or date-time is sent as ISO-8601 UTC (`…Z`). */
export const formatIsoDates: ParamFormat = (value, field) => {
  if (value._tag === "String") {
    const instant = parseInstant(value.value)
    if (instant !== undefined) return isoUtc(instant)
  }
  return formatPlain(value, field)
}

const inclusive: Partial<Record<ParamOperator, Ast.ComparisonOperator>> = { ">": ">=", "<": "<=" }
const exactByDefault: ReadonlySet<ParamOperator> = new Set(["=", "!=", ">=", "<=", "in"])

const operatorOf = (expr: Ast.Expr): ParamOperator | undefined => {
  switch (expr._tag) {
    case "Comparison":
      return expr.operator
    case "Like":
      return expr.negated ? undefined : "like"
    case "In":
      return expr.negated ? undefined : "in"
    default:
      return undefined
  }
}

const fieldOf = (expr: Ast.Expr): Ast.Field | undefined =>
  expr._tag === "Comparison" || expr._tag === "Like" || expr._tag === "In" || expr._tag === "IsNull"
    ? expr.field
    : undefined

/** Every field reference in the tree. */
const fieldsIn = (expr: Ast.Expr, out: Array<Ast.Field>): void => {
  switch (expr._tag) {
    case "Not":
      fieldsIn(expr.expr, out)
      return
    case "And":
    case "Or":
      for (const operand of expr.operands) fieldsIn(operand, out)
      return
    default:
      out.push(expr.field)
  }
}

/** A translator to plain vendor query parameters. */
export const params =
  (rules: PerCall<ParamRules>, options: ParamsOptions = {}): Translator =>
  (where, context) => {
    if (where === undefined) return Result.succeed({ params: {}, residual: undefined, native: undefined })
    const byName = new Map(
      Object.entries(resolveOptions(rules, context)).map(([k, v]) => [k.toLowerCase(), v])
    )
    const ruleOf = (field: Ast.Field): ParamRule | undefined => byName.get(field.name.toLowerCase())
    const fail = (position: number, message: string, expected: ReadonlyArray<string>) =>
      Result.fail<CeqlError>(translationError(where, context, position, message, expected))

    const conjuncts = Ast.conjuncts(where)
    const allowedPseudo = new Set<Ast.Field>()
    for (const conjunct of conjuncts) {
      if (
        conjunct._tag === "Comparison" &&
        conjunct.operator === "=" &&
        ruleOf(conjunct.field)?.pseudo === true
      ) {
        allowedPseudo.add(conjunct.field)
      }
    }
    const referenced: Array<Ast.Field> = []
    fieldsIn(where, referenced)
    for (const field of referenced) {
      if (ruleOf(field)?.pseudo === true && !allowedPseudo.has(field)) {
        return fail(
          field.position,
          `'${field.name}' is a parameter of this resource, not a field: use it only as ` +
            `${field.name} = '…' joined to the rest of the query with AND`,
          [`${field.name} = value`]
        )
      }
    }

    const out: Record<string, string> = {}
    const native: Array<Ast.Expr> = []
    const remaining: Array<Ast.Expr> = []
    for (const conjunct of conjuncts) {
      const field = fieldOf(conjunct)
      const operator = operatorOf(conjunct)
      const rule = field === undefined ? undefined : ruleOf(field)
      const param = rule === undefined || operator === undefined ? undefined : rule[operator]
      if (field === undefined || rule === undefined || operator === undefined || param === undefined) {
        remaining.push(conjunct)
        continue
      }
      const format = rule.format ?? options.format ?? formatPlain
      const value =
        conjunct._tag === "Comparison"
          ? format(conjunct.value, field.name)
          : conjunct._tag === "Like"
            ? format(conjunct.pattern, field.name)
            : conjunct._tag === "In"
              ? joinValues(conjunct.values, format, field.name)
              : undefined
      if (rule.pseudo === true) {
        if (param in out) {
          return fail(field.position, `'${field.name}' is given more than once`, [
            "one condition per parameter"
          ])
        }
        if (value === undefined) {
          return fail(field.position, `the value of '${field.name}' cannot be sent to the vendor`, [
            "a plain value"
          ])
        }
        out[param] = value
        continue
      }
      if (value === undefined || param in out) {
        remaining.push(conjunct)
        continue
      }
      out[param] = value
      const recordField = rule.field === undefined ? field : { ...field, name: rule.field }
      native.push(nativeOf(conjunct, recordField))
      if (!(rule.exact ?? exactByDefault.has(operator))) remaining.push(conjunct)
    }

    const renamed = remaining.map((conjunct) =>
      Ast.mapFields(conjunct, (field) => {
        const target = ruleOf(field)?.field
        return target === undefined ? field : { ...field, name: target }
      })
    )
    const unchanged = renamed.every((conjunct, i) => conjunct === remaining[i])
    return Result.succeed({
      params: out,
      residual: unchanged ? residualOf(where, conjuncts, remaining) : Ast.and(renamed),
      native: Ast.and(native)
    })
  }

const joinValues = (values: Ast.In["values"], format: ParamFormat, field: string): string | undefined => {
  const written: Array<string> = []
  for (const value of values) {
    const text = format(value, field)
    if (text === undefined) return undefined
    written.push(text)
  }
  return written.join(",")
}

/** What an inclusive vendor parameter really filters, over the record field. */
const nativeOf = (conjunct: Ast.Expr, field: Ast.Field): Ast.Expr => {
  if (conjunct._tag === "Comparison") {
    return { ...conjunct, field, operator: inclusive[conjunct.operator] ?? conjunct.operator }
  }
  return conjunct._tag === "Like" || conjunct._tag === "In" ? { ...conjunct, field } : conjunct
}
