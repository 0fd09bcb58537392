/**
 * CEQL for Sage 200: core's OData translator writes what `$filter` can say (`eq ne gt ge lt le`,
 * `and`/`or`, `contains`/`startswith`/`endswith`, date-times as unquoted UTC literals with `Z`), the
 * rest runs in memory. Two Sage 200 specifics are handled here:
 * - ids are int64 numbers, and OData refuses `id eq '42'`; a digits-only string compared with `id` or
 *   a `*_id` field is sent as the number (CEQL already compares numeric strings with numbers as numbers);
 * - `$skip` is refused without `$orderby`, so every list is ordered by `id` unless the caller's
 *   `orderBy` (sent natively as `$orderby`) replaces it; that also keeps offset pages stable.
 */
import { Ceql } from "@plugboard/core"
import { Result } from "effect"

/** The vendor's sort parameter, and the order every list gets by default. */
export const orderParam = "$orderby"
export const defaultOrder = "id"

const idField = /(^|_)id$/i
const digits = /^-?\d{1,19}$/

const asNumber = (field: Ceql.Field, value: Ceql.Literal): Ceql.Literal =>
  value._tag === "String" && !field.quoted && idField.test(field.name) && digits.test(value.value)
    ? Ceql.number(value.value, value.position)
    : value

/** The query with digits-only strings on id fields turned into numbers. */
export const numericIds = (expr: Ceql.Expr): Ceql.Expr => {
  switch (expr._tag) {
    case "Comparison":
      return { ...expr, value: asNumber(expr.field, expr.value) }
    case "In": {
      const [first, ...rest] = expr.values
      return { ...expr, values: [asNumber(expr.field, first), ...rest.map((v) => asNumber(expr.field, v))] }
    }
    case "Not":
      return { ...expr, expr: numericIds(expr.expr) }
    case "And":
    case "Or": {
      const [a, b, ...rest] = expr.operands
      return { ...expr, operands: [numericIds(a), numericIds(b), ...rest.map(numericIds)] }
    }
    default:
      return expr
  }
}

const odata = Ceql.Translate.odata({ like: "contains" })

/** The connector's CEQL translator. */
export const translator: Ceql.Translator = (where, context) =>
  Result.map(odata(where === undefined ? undefined : numericIds(where), context), (translation) => ({
    ...translation,
    params: { [orderParam]: defaultOrder, ...translation.params }
  }))
