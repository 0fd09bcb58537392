/**
 * Shared machinery for vendors whose filter is an expression language (OData `$filter`, SData
 * `where`). A dialect says how to write fields, literals and operators; this module decides what
 * may be sent at all so that the vendor's filter stays a superset of the query:
 * - numbers: every comparison and IN; booleans: `=`, `!=` and IN;
 * - date-time strings (see `dates`): every comparison and IN, written as the dialect's date literal;
 * - other strings: only `=` and IN (a vendor comparing case- or accent-insensitively returns more,
 *   never less; `!=` and `<`/`>` would return less under such a collation);
 * - LIKE without `_`, where the dialect can express the pattern (assumes the vendor's LIKE ignores
 *   case, as SQL Server's default collation does);
 * - AND of whatever parts translate, OR only when every branch translates, never NOT, NOT LIKE,
 *   NOT IN or IS [NOT] NULL (null and collation semantics differ between vendors).
 * A translated conjunct leaves the residual only when it is exact under the `recheck` policy.
 */
import { Result } from "effect"
import * as Ast from "./Ast.js"
import {
  none,
  type PerCall,
  residualOf,
  resolveOptions,
  type Translation,
  type Translator
} from "./Translator.js"
import { parseInstant } from "./Values.js"

/**
 * Which translated conditions the runner evaluates again in memory:
 * `"all"` (the vendor only pre-filters), `"strings"` (conditions on string and date values: vendor
 * collations, case rules and date handling may differ from CEQL's), `"text"` (only non-date strings:
 * trust the vendor's date comparisons), `"none"` (trust the vendor for everything it is sent).
 */
export type Recheck = "all" | "strings" | "text" | "none"

/** Options shared by the expression-language translators. */
export interface FilterOptions {
  /**
   * Fields the vendor can filter on, by vendor name (after `rename`), compared ignoring case and sent
   * in the spelling given here; default all.
   */
  readonly fields?: ReadonlyArray<string> | undefined
  /**
   * CEQL field name → vendor field name (matched ignoring case). Applied to the whole query, so the
   * residual reads the vendor's name in the records too.
   */
  readonly rename?: Readonly<Record<string, string>> | undefined
  /** See {@link Recheck}; default `"strings"`. */
  readonly recheck?: Recheck | undefined
  /**
   * Which fields hold date-times. `"auto"` (default): a string literal with a date and a time
   * (`'2026-01-01T10:00:00Z'`) is a date-time; a list: string literals compared with those fields
   * (vendor names) that parse as dates.
   */
  readonly dates?: "auto" | ReadonlyArray<string> | undefined
  /** The request parameter that carries the filter; each dialect has its default. */
  readonly param?: string | undefined
  /**
   * Writes a date-time literal (the instant is UTC); replaces the dialect's format, e.g. when a
   * vendor turns out to want another form. Return `undefined` to keep such conditions in memory.
   */
  readonly formatDate?: ((instant: Date) => string | undefined) | undefined
}

/** How one vendor writes a filter. */
export interface Dialect {
  readonly param: string
  /** The vendor's spelling of a field, or `undefined` when it cannot be written. */
  readonly field: (name: string) => string | undefined
  readonly string: (value: string) => string
  /** A date-time literal for an instant in milliseconds, or `undefined` when it cannot be written. */
  readonly date: (instant: number) => string | undefined
  readonly compare: (field: string, operator: Ast.ComparisonOperator, value: string) => string
  /** A LIKE pattern (containing no `_`), or `undefined` when the vendor cannot express it. */
  readonly like: (field: string, pattern: string) => string | undefined
  readonly in: (field: string, values: ReadonlyArray<string>) => Written
  readonly and: string
  readonly or: string
  /** Whether the vendor's `!=` also fails on null, as CEQL's does (SQL yes, OData no). */
  readonly notEqualSkipsNull: boolean
  /** `field between low and high`, when the vendor has it. */
  readonly between?: (field: string, low: string, high: string) => string
  /** A boolean literal (default `true`/`false`), or `undefined` to keep such conditions in memory. */
  readonly boolean?: (value: boolean) => string | undefined
}

/** Filter text with its binding strength, so that joins add parentheses only where needed. */
export interface Written {
  readonly text: string
  readonly level: "atom" | "and" | "or"
}

type Kind = "number" | "boolean" | "date" | "text"

interface Part extends Written {
  /** The CEQL meaning of what the vendor is sent (a superset of the translated condition). */
  readonly native: Ast.Expr
  readonly exact: boolean
  /** Set on `field >= v` / `field <= v`, so that a dialect with `between` can join the pair. */
  readonly bound?: { readonly field: string; readonly operator: ">=" | "<="; readonly value: string }
}

const hasTime = /\d[Tt ]\d{2}:\d{2}/

const isExact = (recheck: Recheck, kind: Kind): boolean => {
  switch (recheck) {
    case "all":
      return false
    case "strings":
      return kind === "number" || kind === "boolean"
    case "text":
      return kind !== "text"
    case "none":
      return true
  }
}

const wrap = (written: Written, inside: "and" | "or"): string =>
  written.level === "or" && inside === "and" ? `(${written.text})` : written.text

const join = (dialect: Dialect, parts: ReadonlyArray<Written>, level: "and" | "or"): Written =>
  parts.length === 1
    ? parts[0]!
    : { text: parts.map((part) => wrap(part, level)).join(level === "and" ? dialect.and : dialect.or), level }

/** Builds a translator for a dialect. */
export const makeFilterTranslator =
  <O extends FilterOptions>(dialect: (options: O) => Dialect, options: PerCall<O>): Translator =>
  (where, context) => {
    if (where === undefined) return none(where, context)
    const settings = resolveOptions(options, context)
    const dialectFor = dialect(settings)
    const formatDate = settings.formatDate
    const effective =
      formatDate === undefined
        ? dialectFor
        : { ...dialectFor, date: (instant: number) => formatDate(new Date(instant)) }
    return Result.succeed(translate(effective, settings, where))
  }

const translate = (dialect: Dialect, options: FilterOptions, original: Ast.Expr): Translation => {
  const recheck = options.recheck ?? "strings"
  const renames = options.rename === undefined ? undefined : lowerKeys(options.rename)
  const where =
    renames === undefined
      ? original
      : Ast.mapFields(original, (field) => {
          const to = renames.get(field.name.toLowerCase())
          return to === undefined ? field : { ...field, name: to, quoted: field.quoted }
        })
  // Lower-cased name → the spelling configured, which is what the vendor is sent.
  const allowed =
    options.fields === undefined ? undefined : new Map(options.fields.map((f) => [f.toLowerCase(), f]))
  const dateFields =
    options.dates === undefined || options.dates === "auto"
      ? undefined
      : new Set(options.dates.map((f) => f.toLowerCase()))

  const fieldName = (field: Ast.Field): string | undefined => {
    // A back-ticked dotted name may be one literal key of the record, which no vendor path expresses.
    if (field.quoted && field.name.includes(".")) return undefined
    if (allowed === undefined) return dialect.field(field.name)
    const configured = allowed.get(field.name.toLowerCase())
    return configured === undefined ? undefined : dialect.field(configured)
  }

  const literal = (field: Ast.Field, value: Ast.Literal): { text: string; kind: Kind } | undefined => {
    switch (value._tag) {
      case "Number":
        return Number.isFinite(value.value) ? { text: value.text, kind: "number" } : undefined
      case "Boolean": {
        const text = dialect.boolean === undefined ? String(value.value) : dialect.boolean(value.value)
        return text === undefined ? undefined : { text, kind: "boolean" }
      }
      case "String": {
        const isDateField =
          dateFields === undefined ? hasTime.test(value.value) : dateFields.has(field.name.toLowerCase())
        const instant = isDateField ? parseInstant(value.value) : undefined
        if (instant === undefined) return { text: dialect.string(value.value), kind: "text" }
        const text = dialect.date(instant)
        return text === undefined ? undefined : { text, kind: "date" }
      }
    }
  }

  const part = (expr: Ast.Expr): Part | undefined => {
    switch (expr._tag) {
      case "Comparison": {
        const name = fieldName(expr.field)
        const value = literal(expr.field, expr.value)
        if (name === undefined || value === undefined) return undefined
        if (value.kind === "text" && expr.operator !== "=") return undefined
        // Ordering a boolean against other values has no vendor-neutral meaning.
        if (value.kind === "boolean" && expr.operator !== "=" && expr.operator !== "!=") return undefined
        const exact =
          isExact(recheck, value.kind) &&
          (expr.operator !== "!=" || dialect.notEqualSkipsNull || recheck === "none")
        const text = dialect.compare(name, expr.operator, value.text)
        const operator = expr.operator
        return {
          text,
          level: "atom",
          native: expr,
          exact,
          ...(operator === ">=" || operator === "<="
            ? { bound: { field: name, operator, value: value.text } }
            : {})
        }
      }
      case "Like": {
        const name = fieldName(expr.field)
        if (name === undefined || expr.negated || expr.pattern.value.includes("_")) return undefined
        const text = dialect.like(name, expr.pattern.value)
        return text === undefined
          ? undefined
          : { text, level: "atom", native: expr, exact: recheck === "none" }
      }
      case "In": {
        const name = fieldName(expr.field)
        if (name === undefined || expr.negated) return undefined
        const values: Array<string> = []
        let exact = true
        for (const v of expr.values) {
          const written = literal(expr.field, v)
          if (written === undefined) return undefined
          values.push(written.text)
          exact &&= isExact(recheck, written.kind)
        }
        return { ...dialect.in(name, values), native: expr, exact }
      }
      case "IsNull":
      case "Not":
        return undefined
      case "And": {
        const parts = expr.operands.map(part)
        const present = parts.filter((p): p is Part => p !== undefined)
        if (present.length === 0) return undefined
        return {
          ...join(dialect, present, "and"),
          native: Ast.and(present.map((p) => p.native))!,
          exact: present.length === parts.length && present.every((p) => p.exact)
        }
      }
      case "Or": {
        const parts: Array<Part> = []
        for (const operand of expr.operands) {
          const p = part(operand)
          if (p === undefined) return undefined
          parts.push(p)
        }
        return {
          ...join(dialect, parts, "or"),
          native: Ast.or(parts.map((p) => p.native))!,
          exact: parts.every((p) => p.exact)
        }
      }
    }
  }

  const conjuncts = Ast.conjuncts(where)
  const translated = conjuncts.map(part)
  const sent = mergeBetween(
    dialect,
    translated.filter((p): p is Part => p !== undefined)
  )
  const remaining = conjuncts.filter((_, i) => translated[i]?.exact !== true)
  return {
    params: sent.length === 0 ? {} : { [options.param ?? dialect.param]: join(dialect, sent, "and").text },
    residual: residualOf(where, conjuncts, remaining),
    native: Ast.and(translated.filter((p): p is Part => p !== undefined).map((p) => p.native))
  }
}

/** Joins `f >= a` and `f <= b` into `f between a and b` when the dialect has it. */
const mergeBetween = (dialect: Dialect, parts: ReadonlyArray<Part>): ReadonlyArray<Written> => {
  const between = dialect.between
  if (between === undefined) return parts
  const used = new Set<number>()
  const out: Array<Written> = []
  parts.forEach((p, i) => {
    if (used.has(i)) return
    const bound = p.bound
    if (bound !== undefined) {
      const j = parts.findIndex(
        (q, k) =>
          k > i &&
          !used.has(k) &&
          q.bound !== undefined &&
          q.bound.operator !== bound.operator &&
          q.bound.field.toLowerCase() === bound.field.toLowerCase()
      )
      if (j !== -1) {
        used.add(j)
        const other = parts[j]!.bound!
        const [low, high] = bound.operator === ">=" ? [bound.value, other.value] : [other.value, bound.value]
        out.push({ text: between(bound.field, low, high), level: "atom" })
        return
      }
    }
    out.push(p)
  })
  return out
}

const lowerKeys = (record: Readonly<Record<string, string>>): ReadonlyMap<string, string> =>
  new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]))

/**
 * The canonical ISO-8601 UTC form of an instant: `2026-01-01T10:00:00Z`, with milliseconds only when
 * they are not zero. `undefined` for instants with sub-millisecond parts or outside years 0–9999,
 * which a vendor could not be sent without rounding (rounding could drop matching records).
 */
export const isoUtc = (instant: number): string | undefined => {
  if (!Number.isInteger(instant)) return undefined
  const date = new Date(instant)
  const year = date.getUTCFullYear()
  if (Number.isNaN(instant) || year < 0 || year > 9999) return undefined
  return date.toISOString().replace(".000Z", "Z")
}

/** CEQL comparison operators as OData and SData write them. */
export const operatorWords: Readonly<Record<Ast.ComparisonOperator, string>> = {
  "=": "eq",
  "!=": "ne",
  "<": "lt",
  "<=": "le",
  ">": "gt",
  ">=": "ge"
}
