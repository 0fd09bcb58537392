/**
 * CEQL, the Cloud Elements Query Language of `where=` filters: a parser to a typed tree that keeps
 * source positions, a printer, an in-memory evaluator over JSON records, `orderBy=`/`fields=`
 * helpers, and translators that turn the part of a query a vendor can filter into request
 * parameters (OData `$filter`, SData `where`, plain parameters) while the rest runs in memory.
 *
 * Grammar (keywords case-insensitive; NOT binds tighter than AND, AND tighter than OR):
 * `expr := expr OR expr | expr AND expr | NOT expr | ( expr ) | field op value | field [NOT] LIKE 'p'
 * | field [NOT] IN (v, …) | field IS [NOT] NULL`, with `op` one of `= != <> < > <= >=`, values
 * `'strings'` (`''` escapes a quote), numbers, `true`/`false`, and fields `a.b.c` or `` `back-ticked` ``.
 */
import { Effect, Result } from "effect"
import * as Ast from "./internal/ceql/Ast.js"
import { CeqlError } from "./internal/ceql/CeqlError.js"
import * as Evaluator from "./internal/ceql/Evaluator.js"
import * as FieldPath from "./internal/ceql/FieldPath.js"
import type { FilterOptions, Recheck } from "./internal/ceql/FilterLanguage.js"
import * as ODataTranslator from "./internal/ceql/ODataTranslator.js"
import * as OrderByModule from "./internal/ceql/OrderBy.js"
import * as ParamsTranslator from "./internal/ceql/ParamsTranslator.js"
import * as Parser from "./internal/ceql/Parser.js"
import * as Printer from "./internal/ceql/Printer.js"
import * as SDataTranslator from "./internal/ceql/SDataTranslator.js"
import * as TranslatorModule from "./internal/ceql/Translator.js"
import * as Values from "./internal/ceql/Values.js"

export { CeqlError }

/** A CEQL expression: a condition on one field, or AND / OR / NOT of expressions. */
export type Expr = Ast.Expr
/** A condition on one field: comparison, LIKE, IN or IS NULL. */
export type Condition = Ast.Condition
/** A field reference; `quoted` when it was back-ticked (then tried as one literal key first). */
export type Field = Ast.Field
/** A literal value: string, number or boolean. */
export type Literal = Ast.Literal
/** A single-quoted string literal. */
export type StringLiteral = Ast.StringLiteral
/** A number literal, keeping the text as written. */
export type NumberLiteral = Ast.NumberLiteral
/** `true` or `false`. */
export type BooleanLiteral = Ast.BooleanLiteral
/** `field op value`. */
export type Comparison = Ast.Comparison
/** `field [NOT] LIKE 'pattern'`. */
export type Like = Ast.Like
/** `field [NOT] IN (…)`. */
export type In = Ast.In
/** `field IS [NOT] NULL`. */
export type IsNull = Ast.IsNull
/** An AND chain of two or more operands. */
export type And = Ast.And
/** An OR chain of two or more operands. */
export type Or = Ast.Or
/** `NOT e`. */
export type Not = Ast.Not
/** `=`, `!=` (also written `<>`), `<`, `>`, `<=`, `>=`. */
export type ComparisonOperator = Ast.ComparisonOperator
/** A parsed `orderBy` parameter: keys, most significant first. */
export type OrderBy = OrderByModule.OrderBy
/** One key of an `orderBy` parameter. */
export type OrderByKey = OrderByModule.OrderByKey
/** `asc` or `desc`. */
export type Direction = OrderByModule.Direction
/** Splits a query into vendor parameters and an in-memory residual; see {@link Translate}. */
export type Translator = TranslatorModule.Translator
/** Vendor parameters, in-memory residual, and the CEQL meaning of what the vendor filters. */
export type Translation = TranslatorModule.Translation
/** What a translator knows about the call: the resource, and the query text for error messages. */
export type TranslationContext = TranslatorModule.TranslationContext
/** Options of a translator, given directly or computed per call (per resource). */
export type PerCall<A> = TranslatorModule.PerCall<A>
/** Which translated conditions are evaluated again in memory. */
export type RecheckPolicy = Recheck
/** Options shared by the OData and SData translators. */
export type FilterLanguageOptions = FilterOptions
/** Options of {@link Translate.odata}. */
export type ODataOptions = ODataTranslator.ODataOptions
/** Options of {@link Translate.sdata}. */
export type SDataOptions = SDataTranslator.SDataOptions
/** How one CEQL field maps to plain vendor parameters ({@link Translate.params}). */
export type ParamRule = ParamsTranslator.ParamRule
/** Parameter rules per CEQL field name. */
export type ParamRules = ParamsTranslator.ParamRules
/** Options of {@link Translate.params}. */
export type ParamsOptions = ParamsTranslator.ParamsOptions
/** Writes a literal as a plain parameter value. */
export type ParamFormat = ParamsTranslator.ParamFormat
/** A compiled query over records. */
export type Predicate = Evaluator.Predicate

/** The deepest nesting of parentheses and NOTs the parser accepts (deeper input is a `CeqlError`). */
export const maxDepth: number = Parser.maxDepth

/**
 * Parses CEQL text, synchronously. Never throws: malformed text gives a failed `Result` holding a
 * `CeqlError` with the position and the expected tokens.
 */
export const parseResult: (input: string) => Result.Result<Expr, CeqlError> = Parser.parseResult

/** Parses CEQL text; fails with a `CeqlError` naming the position and what was expected there. */
export const parse = (input: string): Effect.Effect<Expr, CeqlError> => Effect.fromResult(parseResult(input))

/**
 * Prints an expression as canonical CEQL (upper-case keywords, minimal parentheses). Parsing the
 * output gives the same tree, positions aside.
 */
export const print: (expr: Expr) => string = Printer.print

/** A copy of the tree with all positions set to 0, to compare trees by structure. */
export const stripPositions: (expr: Expr) => Expr = Ast.stripPositions

/** The top-level AND operands of a query (the query itself when it is not an AND). */
export const conjuncts: (expr: Expr) => ReadonlyArray<Expr> = Ast.conjuncts

/** Rewrites every field reference (renames, aliases). */
export const mapFields: (expr: Expr, f: (field: Field) => Field) => Expr = Ast.mapFields

/** Builds a field reference; `quoted` makes it a back-ticked name. */
export const field: (name: string, options?: { quoted?: boolean; position?: number }) => Field = Ast.field
/** Builds a string literal. */
export const string: (value: string, position?: number) => StringLiteral = Ast.string
/** Builds a number literal from a number or its text (kept as written). */
export const number: (value: number | string, position?: number) => NumberLiteral = Ast.number
/** Builds a boolean literal. */
export const boolean: (value: boolean, position?: number) => BooleanLiteral = Ast.boolean
/** Turns a JavaScript string, number or boolean into a literal. */
export const literal: (value: string | number | boolean) => Literal = Ast.literal
/** Builds `field op value`. */
export const comparison: typeof Ast.comparison = Ast.comparison
/** Builds `field [NOT] LIKE 'pattern'`. */
export const like: typeof Ast.like = Ast.like
/** Builds `field [NOT] IN (…)`. */
export const isIn: typeof Ast.isIn = Ast.isIn
/** Builds `field IS [NOT] NULL`. */
export const isNull: typeof Ast.isNull = Ast.isNull
/** Joins expressions with AND (one is returned as is; none gives `undefined`). */
export const and: (operands: ReadonlyArray<Expr>) => Expr | undefined = Ast.and
/** Joins expressions with OR (one is returned as is; none gives `undefined`). */
export const or: (operands: ReadonlyArray<Expr>) => Expr | undefined = Ast.or
/** Builds `NOT e`. */
export const not: (expr: Expr, position?: number) => Not = Ast.not

/**
 * Whether a JSON record matches. Fields are dotted paths (arrays on the way fan out), matched
 * exactly and then ignoring case; a back-ticked name is tried as one literal key first. A missing,
 * null or empty-list field IS NULL and fails every comparison, `!=` included. Numbers (and numeric
 * strings against numbers) compare as numbers, two ISO-8601 date strings as instants, other values
 * as strings; LIKE ignores case. On a list, `=`/`<`/`LIKE`/`IN` hold when any element matches and
 * `!=`/`NOT LIKE`/`NOT IN` when none does. The expression is compiled once and cached.
 */
export const evaluate: (expr: Expr, record: unknown) => boolean = Evaluator.evaluate

/** Compiles an expression into a reusable predicate (what {@link evaluate} caches). */
export const compile: (expr: Expr) => Predicate = Evaluator.compile

/** The non-null values of a field in a record, as the evaluator sees them. */
export const resolve: (record: unknown, field: Field) => ReadonlyArray<unknown> = FieldPath.resolve

/**
 * Orders two scalar values the way CEQL compares them (numbers, date instants, booleans, strings):
 * negative, zero or positive.
 */
export const compareValues: (a: string | number | boolean, b: string | number | boolean) => number =
  Values.compareScalars

/**
 * The instant in milliseconds of an ISO-8601-like date or date-time string (no offset means UTC),
 * or `undefined` when it is not one.
 */
export const parseInstant: (text: string) => number | undefined = Values.parseInstant

/** Parses `orderBy=` text (`Name asc, created desc`), synchronously; blank text is no ordering. */
export const parseOrderByResult: (input: string) => Result.Result<OrderBy, CeqlError> =
  OrderByModule.parseOrderByResult

/** Parses `orderBy=` text; fails with a `CeqlError` naming the position. */
export const parseOrderBy = (input: string): Effect.Effect<OrderBy, CeqlError> =>
  Effect.fromResult(parseOrderByResult(input))

/**
 * A comparator for `Array.prototype.sort` ordering records by the keys, with the evaluator's value
 * comparison; missing values sort last ascending, first descending.
 */
export const compareBy: (orderBy: OrderBy) => (a: unknown, b: unknown) => number = OrderByModule.compareBy

/** Parses `fields=` text (`a, b.c, \`odd name\``), synchronously; blank text is no selection. */
export const parseFieldsResult: (input: string) => Result.Result<ReadonlyArray<Field>, CeqlError> =
  OrderByModule.parseFieldsResult

/** Parses `fields=` text; fails with a `CeqlError` naming the position. */
export const parseFields = (input: string): Effect.Effect<ReadonlyArray<Field>, CeqlError> =>
  Effect.fromResult(parseFieldsResult(input))

/**
 * A copy of a record with only the given (dotted) fields, keeping their nesting and the record's
 * spelling of keys; missing fields are left out.
 */
export const project: (record: unknown, fields: ReadonlyArray<Field | string>) => unknown = FieldPath.project

/**
 * Ready translators. Each keeps the vendor's filter a superset of the query and leaves the rest in
 * the residual, so results are exact whatever the vendor can do.
 */
export const Translate = {
  /**
   * OData v4 `$filter` (Sage 200): `eq ne gt ge lt le`, `and`/`or`, `contains`/`startswith`/
   * `endswith` for LIKE, IN as an `or` chain, unquoted UTC date-time literals with `Z`.
   */
  odata: ODataTranslator.odata,
  /**
   * Sage CRM SData `where`: `eq ne gt ge lt le like in between`, `and`/`or`, quoted strings and
   * quoted ISO-8601 UTC date-times.
   */
  sdata: SDataTranslator.sdata,
  /**
   * Plain query parameters from data: `{ lastModifiedDate: { ">=": "updated_or_created_since" },
   * attributes: { "=": "attributes", pseudo: true } }`. Top-level AND conditions only; pseudo-fields
   * are vendor parameters, allowed only as a top-level `field = value` and never evaluated in memory.
   */
  params: ParamsTranslator.params,
  /** Nothing native: the whole query is evaluated in memory. */
  none: TranslatorModule.none,
  /** Parameter format: the value as written (strings unquoted). */
  formatPlain: ParamsTranslator.formatPlain,
  /** Parameter format: dates and date-times as ISO-8601 UTC with `Z`, other values as written. */
  formatIsoDates: ParamsTranslator.formatIsoDates,
  /** The SData date-time literal (`'2026-01-01T00:00:00Z'`) for an instant in milliseconds. */
  sdataDate: SDataTranslator.sdataDate
} as const

/**
 * Parses a `where` text (absent or blank: no filter) and translates it for a vendor, synchronously.
 * Errors are syntax errors and conditions the translator refuses (misused pseudo-fields).
 */
export const planResult = (
  where: string | undefined,
  translator: Translator,
  context: TranslationContext
): Result.Result<Translation, CeqlError> => {
  if (where === undefined || where.trim() === "") return translator(undefined, context)
  const parsed = parseResult(where)
  if (Result.isFailure(parsed)) return Result.fail(parsed.failure)
  return translator(parsed.success, { ...context, input: where })
}

/** Parses a `where` text and translates it for a vendor: `{ params, residual }` or a `CeqlError`. */
export const plan = (
  where: string | undefined,
  translator: Translator,
  context: TranslationContext
): Effect.Effect<Translation, CeqlError> => Effect.fromResult(planResult(where, translator, context))
