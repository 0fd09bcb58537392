/**
 * CEQL → Sage CRM SData `where`: `eq ne gt ge lt le`, `like` (`%`), `in (…)`, `between … and …`,
 * `and`/`or`; strings in single quotes; field names passed through (the vendor ignores their case).
 * Date-times are written by {@link sdataDate} only, so that the literal form (unconfirmed on
 * sagecrm2) is one function to change.
 */
import { type FilterOptions, isoUtc, makeFilterTranslator, operatorWords } from "./FilterLanguage.js"
import type { PerCall, Translator } from "./Translator.js"

/** Options of the SData translator. */
export interface SDataOptions extends FilterOptions {
  /** Whether LIKE conditions are sent (default true; SData `like` ignores case on SQL Server). */
  readonly like?: boolean | undefined
  /**
   * Whether `true`/`false` literals are sent (default true, as SData's grammar has them); a vendor
   * without boolean columns refuses them, and its conditions on booleans then run in memory.
   */
  readonly booleans?: boolean | undefined
}

const name = /^[A-Za-z_$][A-Za-z0-9_$.]*$/

const quote = (value: string): string => `'${value.replaceAll("'", "''")}'`

/**
 * The SData date-time literal: a quoted ISO-8601 UTC string (`'2026-01-01T00:00:00Z'`), the safe
 * assumption for sagecrm2 (the legacy `@2014-03-14@` form is not confirmed there).
 */
export const sdataDate = (instant: number): string | undefined => {
  const iso = isoUtc(instant)
  return iso === undefined ? undefined : quote(iso)
}

/** A translator to a Sage CRM SData `where` parameter. */
export const sdata = (options: PerCall<SDataOptions> = {}): Translator =>
  makeFilterTranslator(
    (settings: SDataOptions) => ({
      param: "where",
      field: (field) => (name.test(field) ? field : undefined),
      string: quote,
      date: sdataDate,
      compare: (field, operator, value) => `${field} ${operatorWords[operator]} ${value}`,
      like: (field, pattern) => (settings.like === false ? undefined : `${field} like ${quote(pattern)}`),
      in: (field, values) => ({ text: `${field} in (${values.join(", ")})`, level: "atom" }),
      between: (field, low, high) => `${field} between ${low} and ${high}`,
      ...(settings.booleans === false ? { boolean: () => undefined } : {}),
      and: " and ",
      or: " or ",
      notEqualSkipsNull: true
    }),
    options
  )
