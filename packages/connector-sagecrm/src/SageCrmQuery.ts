/**
 * CEQL for Sage CRM: what SData `where` can say is sent to the vendor (core's SData translator:
 * `eq ne gt ge lt le like in between and or`, quoted strings, quoted ISO-8601 UTC date-times), the
 * rest runs in memory. Two Sage CRM specifics are handled here:
 * - `$key` (and `key`, the original element's name for it) mean the entity's id column, so
 *   `where=key = '43'` becomes `comp_companyid eq '43'`; on vendor objects, whose id column is not
 *   known, they are evaluated in memory;
 * - only plain column names (`Comp_Name`, any case) are sent: SData cannot filter on `$url`,
 *   dotted paths or other record decorations, so conditions on those stay in memory;
 * - `true`/`false` are never sent: Sage CRM has no boolean columns (check boxes hold `'Y'` or
 *   null) and its `where` refuses boolean literals, so such conditions run in memory.
 */
import { Ceql } from "@plugboard/core"
import { entityOf } from "./SageCrmResources.js"

const column = /^[A-Za-z_][A-Za-z0-9_]*$/

/** The column names a query mentions that SData can filter on (after the `$key` renames). */
const filterable = (where: Ceql.Expr, renames: Readonly<Record<string, string>>): ReadonlyArray<string> => {
  const names = new Set<string>()
  Ceql.mapFields(where, (field) => {
    const lower = field.name.toLowerCase()
    const name = Object.hasOwn(renames, lower) ? renames[lower]! : field.name
    if (column.test(name)) names.add(name)
    return field
  })
  return [...names]
}

/** The connector's CEQL translator. */
export const query: Ceql.Translator = (where, context) => {
  if (where === undefined) return Ceql.Translate.none(where, context)
  const entity = entityOf(context.resource)
  const rename: Record<string, string> =
    entity === undefined ? {} : { $key: entity.idColumn, key: entity.idColumn }
  return Ceql.Translate.sdata({ rename, fields: filterable(where, rename), booleans: false })(where, context)
}
