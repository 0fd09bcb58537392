/**
 * The contract between CEQL and a connector: a translator splits a query into what the vendor
 * filters natively (request parameters) and the residual the runner evaluates in memory.
 *
 * Correctness rule: the native filter must keep every record the full query matches (a superset);
 * the runner applies the residual after it, so the result is exact whatever the vendor supports.
 */
import { Result } from "effect"
import * as Ast from "./Ast.js"
import { CeqlError } from "./CeqlError.js"
import { print } from "./Printer.js"

/** What a translator knows about the call. */
export interface TranslationContext {
  /** The hub resource being listed (`accounts`). */
  readonly resource: string
  /** The CEQL text the expression was parsed from, for error messages; printed from the tree when absent. */
  readonly input?: string | undefined
}

/** The outcome of a translation. */
export interface Translation {
  /** Query parameters for the vendor request (`{"$filter": "…"}`, `{"where": "…"}`, plain parameters). */
  readonly params: Readonly<Record<string, string>>
  /** What the runner must still evaluate on the records the vendor returns; `undefined` when nothing. */
  readonly residual: Ast.Expr | undefined
  /**
   * What the vendor is asked to filter, written as CEQL over record fields (a superset of the query):
   * for logs and for tests that simulate the vendor. Vendor parameters that are not record fields
   * (pseudo-fields) are not part of it.
   */
  readonly native: Ast.Expr | undefined
}

/**
 * Splits a parsed `where` (absent when the call has none) into vendor parameters and an in-memory
 * residual. Fails with a `CeqlError` only for queries the connector cannot accept at all.
 */
export type Translator = (
  where: Ast.Expr | undefined,
  context: TranslationContext
) => Result.Result<Translation, CeqlError>

/** Options given directly, or computed per call (per resource). */
export type PerCall<A> = A | ((context: TranslationContext) => A)

/** Reads options that may depend on the call. */
export const resolveOptions = <A extends object>(options: PerCall<A>, context: TranslationContext): A =>
  typeof options === "function" ? options(context) : options

/** A translator that filters nothing natively: the whole query runs in memory. */
export const none: Translator = (where) => Result.succeed({ params: {}, residual: where, native: undefined })

/** A translation error pointing at a node of the query. */
export const translationError = (
  where: Ast.Expr,
  context: TranslationContext,
  position: number,
  message: string,
  expected: ReadonlyArray<string>
): CeqlError => {
  const input = context.input ?? print(where)
  const at = Math.min(Math.max(position, 0), input.length)
  return new CeqlError({
    message: `CEQL: ${message} (at position ${at})`,
    position: at,
    expected: [...expected],
    input
  })
}

/**
 * Builds the residual from the top-level conjuncts that were not translated exactly, in their
 * original order. Returns the query itself when nothing was removed.
 */
export const residualOf = (
  where: Ast.Expr,
  all: ReadonlyArray<Ast.Expr>,
  remaining: ReadonlyArray<Ast.Expr>
): Ast.Expr | undefined => (remaining.length === all.length ? where : Ast.and(remaining))
