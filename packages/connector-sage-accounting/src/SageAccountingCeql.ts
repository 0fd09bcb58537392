/**
 * What Sage Accounting v3.1 filters natively, as CEQL parameter rules: the change filter
 * `updated_or_created_since` (from `lastModifiedDate`, `updated_at` or `created_at`), `search` (from
 * a name-like field compared with `=` or a plain `LIKE`), `contact_type_id` and `contact_id`, and the
 * pseudo-fields that are vendor parameters rather than record fields (`attributes`, `search`, …).
 * Everything else runs in memory on the records the vendor returns.
 */
import { Ceql } from "@plugboard/core"
import { Result } from "effect"

/** The fields the vendor returns on every list item whatever `attributes` asks for. */
const baseAttributes: ReadonlySet<string> = new Set(["id", "displayed_as", "$path"])

/** A date or date-time literal as the vendor's ISO-8601 UTC form; anything else stays in memory. */
const dateValue: Ceql.ParamFormat = (value, field) =>
  value._tag === "String" && Ceql.parseInstant(value.value) !== undefined
    ? Ceql.Translate.formatIsoDates(value, field)
    : undefined

/**
 * A `LIKE` pattern or `=` value as a `search` term: the vendor's search is a case-insensitive
 * substring match over a few fields, so `'%acme%'`, `'acme%'` and `'acme'` all become `acme`, a
 * superset the residual narrows. Patterns with inner wildcards stay in memory.
 */
const searchTerm: Ceql.ParamFormat = (value) => {
  if (value._tag !== "String") return undefined
  const term = value.value.replace(/^%+/, "").replace(/%+$/, "")
  return term === "" || /[%_]/.test(term) ? undefined : term
}

// `>=` is exact (the vendor's filter is inclusive on the update time); `>` is sent as `>=` and
// checked again in memory. An equality on a date stays in memory: "since" would be only a superset.
const updatedSince: Ceql.ParamRule = {
  ">=": "updated_or_created_since",
  ">": "updated_or_created_since",
  format: dateValue,
  field: "updated_at"
}

// A record's update time is never before its creation, so "updated since" is a superset of "created since".
const createdSince: Ceql.ParamRule = {
  ">=": "updated_or_created_since",
  ">": "updated_or_created_since",
  format: dateValue,
  exact: false
}

const pseudo = (param: string): Ceql.ParamRule => ({ "=": param, pseudo: true })

const searchRule: Ceql.ParamRule = { "=": "search", like: "search", format: searchTerm, exact: false }

/** The vendor's `search` fields per vendor path (the contact name or reference, invoice numbers, …). */
const searchFields: Readonly<Record<string, ReadonlyArray<string>>> = {
  "/contacts": ["name", "reference"],
  "/sales_invoices": ["invoice_number", "reference", "contact_name"],
  "/purchase_invoices": ["vendor_reference", "reference", "contact_name"],
  "/products": ["item_code", "description"],
  "/ledger_accounts": ["name", "display_name"]
}

/** Vendor paths whose lists filter by `contact_id`. */
const byContact: ReadonlySet<string> = new Set(["/sales_invoices", "/purchase_invoices", "/contact_payments"])

/**
 * The parameter rules for the hub resource `resource` at `vendorPath`: `lastModifiedDate` (the
 * original element's name, read as `updated_at`), the update and creation times, `search`-able
 * fields, contact filters, and the vendor parameters usable as pseudo-fields.
 */
export const rulesFor = (vendorPath: string, resource: string): Ceql.ParamRules => {
  const rules: Record<string, Ceql.ParamRule> = {
    lastModifiedDate: updatedSince,
    updated_at: updatedSince,
    created_at: createdSince,
    updated_or_created_since: pseudo("updated_or_created_since"),
    attributes: pseudo("attributes"),
    search: pseudo("search")
  }
  for (const field of searchFields[vendorPath] ?? []) rules[field] = searchRule
  // Customers and vendors already fix contact_type_id; on them a type condition is an ordinary field.
  if (vendorPath === "/contacts" && resource === "contacts") {
    rules["contact_type_id"] = pseudo("contact_type_id")
    rules["contact_types.id"] = { "=": "contact_type_id" }
  }
  if (byContact.has(vendorPath)) {
    rules["contact_id"] = pseudo("contact_id")
    rules["contact.id"] = { "=": "contact_id" }
  }
  return rules
}

const topLevelFields = (expr: Ceql.Expr, out: Set<string>): void => {
  switch (expr._tag) {
    case "Not":
      topLevelFields(expr.expr, out)
      return
    case "And":
    case "Or":
      for (const operand of expr.operands) topLevelFields(operand, out)
      return
    default: {
      const name = expr.field.name
      const dot = expr.field.quoted ? -1 : name.indexOf(".")
      out.add(dot === -1 ? name : name.slice(0, dot))
    }
  }
}

/**
 * Builds the connector's translator from the vendor path of each hub resource. List items carry only
 * `id`, `displayed_as` and `$path` plus the `attributes` asked for, so a query without `attributes`
 * asks for `all` (hub callers expect whole records); a query naming other attributes gets the fields
 * its in-memory residual reads added, since a residual over a missing field would drop every record.
 */
export const translator = (vendorPaths: Readonly<Record<string, string>>): Ceql.Translator => {
  const inner = Ceql.Translate.params((context) =>
    rulesFor(vendorPaths[context.resource] ?? `/${context.resource}`, context.resource)
  )
  return (where, context) =>
    Result.map(inner(where, context), (translation) => {
      const attributes = translation.params["attributes"]
      if (attributes === undefined) {
        return { ...translation, params: { ...translation.params, attributes: "all" } }
      }
      const wanted = attributes
        .split(",")
        .map((a) => a.trim())
        .filter((a) => a !== "")
      if (wanted.includes("all") || translation.residual === undefined) return translation
      const needed = new Set<string>()
      topLevelFields(translation.residual, needed)
      const added = [...needed].filter((name) => !baseAttributes.has(name) && !wanted.includes(name))
      return {
        ...translation,
        params: { ...translation.params, attributes: [...wanted, ...added].join(",") }
      }
    })
}
