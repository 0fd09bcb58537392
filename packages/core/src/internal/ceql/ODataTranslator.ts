/**
 * CEQL → OData v4 `$filter` (Sage 200): `eq ne gt ge lt le`, `and`/`or`, `contains`/`startswith`/
 * `endswith` for LIKE patterns they express exactly, IN as an `or` chain, strings in single quotes
 * (`''` escapes), date-times as unquoted UTC literals with a trailing `Z`
 * (`date_time_updated gt 2019-12-16T09:03:10.325Z`), dotted paths as `a/b`.
 */
import {
  type FilterOptions,
  isoUtc,
  makeFilterTranslator,
  operatorWords,
  type Written
} from "./FilterLanguage.js"
import type { PerCall, Translator } from "./Translator.js"

/** Options of the OData translator. */
export interface ODataOptions extends FilterOptions {
  /**
   * How LIKE is sent: `"contains"` (default; `contains(f,'x')`, which is case-insensitive on SQL
   * Server-backed services such as Sage 200), `"tolower"` (`contains(tolower(f),'x')`, for services
   * that compare case-sensitively and support `tolower`), `"none"` (LIKE stays in memory).
   */
  readonly like?: "contains" | "tolower" | "none" | undefined
}

const segment = /^[A-Za-z_][A-Za-z0-9_]*$/

const quote = (value: string): string => `'${value.replaceAll("'", "''")}'`

const likeFunction = (mode: "contains" | "tolower", field: string, pattern: string): string | undefined => {
  const starts = pattern.startsWith("%")
  const ends = pattern.endsWith("%") && pattern.length > 1
  const core = pattern.slice(starts ? 1 : 0, ends ? -1 : undefined)
  if (core === "" || core.includes("%")) return undefined
  const subject = mode === "tolower" ? `tolower(${field})` : field
  const literal = quote(mode === "tolower" ? core.toLowerCase() : core)
  if (starts && ends) return `contains(${subject},${literal})`
  if (ends) return `startswith(${subject},${literal})`
  if (starts) return `endswith(${subject},${literal})`
  return `${subject} eq ${literal}`
}

/** A translator to an OData `$filter` parameter. */
export const odata = (options: PerCall<ODataOptions> = {}): Translator =>
  makeFilterTranslator(
    (settings: ODataOptions) => ({
      param: "$filter",
      field: (name) => {
        const parts = name.split(".")
        return parts.every((part) => segment.test(part)) ? parts.join("/") : undefined
      },
      string: quote,
      date: isoUtc,
      compare: (field, operator, value) => `${field} ${operatorWords[operator]} ${value}`,
      like: (field, pattern) => {
        const mode = settings.like ?? "contains"
        return mode === "none" ? undefined : likeFunction(mode, field, pattern)
      },
      in: (field, values): Written =>
        values.length === 1
          ? { text: `${field} eq ${values[0]}`, level: "atom" }
          : { text: values.map((value) => `${field} eq ${value}`).join(" or "), level: "or" },
      and: " and ",
      or: " or ",
      notEqualSkipsNull: false
    }),
    options
  )
