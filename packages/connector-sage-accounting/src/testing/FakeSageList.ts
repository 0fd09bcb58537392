/**
 * `GET /{collection}` of the fake Sage Accounting server: the vendor's filters
 * (`updated_or_created_since` inclusive, `deleted_since` exclusive, `search`, `contact_type_id`,
 * `contact_id`), the `attributes` projection (lists show only `id`, `displayed_as` and `$path`
 * unless asked for more) and page-number paging inside the `$items` envelope.
 */
import type { FakeAnswer } from "@plugboard/testkit/fake-vendor"
import type { CollectionSpec } from "./FakeSageCollections.js"
import { type SageErrorEntry, sageError } from "./FakeSageErrors.js"
import type { FakeSageStore } from "./FakeSageStore.js"

/** One HTTP answer of the fake (the testkit's fake answer). */
export type Answer = FakeAnswer

const maxItemsPerPage = 200
const defaultItemsPerPage = 20

const dateOnly = /^\d{4}-\d{2}-\d{2}$/
const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/

/**
 * Reads a date parameter as the vendor does: a date, or a date-time with `Z` or an offset. A time
 * without a zone is refused rather than guessed (a `+` sent unencoded arrives as a space and lands here).
 */
export const readDateParam = (name: string, value: string): number | SageErrorEntry => {
  if (dateOnly.test(value)) return Date.parse(`${value}T00:00:00Z`)
  if (dateTime.test(value)) {
    const parsed = Date.parse(value)
    if (Number.isFinite(parsed)) return parsed
  }
  return sageError("InvalidParameter", `'${value}' is not a valid date or date-time with a zone`, name)
}

const readInteger = (
  params: URLSearchParams,
  name: string,
  fallback: number,
  max: number
): number | SageErrorEntry => {
  const raw = params.get(name)
  if (raw === null) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    return sageError("InvalidParameter", `${name} must be a whole number between 1 and ${max}`, name)
  }
  return Number(raw)
}

const linkIds = (value: unknown): ReadonlyArray<string> =>
  Array.isArray(value)
    ? value.flatMap((v) =>
        typeof v === "object" && v !== null && typeof (v as { id?: unknown }).id === "string"
          ? [(v as { id: string }).id]
          : []
      )
    : []

const linkId = (value: unknown): string | undefined =>
  typeof value === "object" && value !== null && typeof (value as { id?: unknown }).id === "string"
    ? (value as { id: string }).id
    : undefined

const project = (
  record: Readonly<Record<string, unknown>>,
  attributes: string | null
): Record<string, unknown> => {
  const base = { id: record["id"], displayed_as: record["displayed_as"], $path: record["$path"] }
  if (attributes === null || attributes.trim() === "") return base
  if (attributes.trim() === "all") return { ...record }
  const out: Record<string, unknown> = base
  for (const name of attributes.split(",").map((a) => a.trim())) {
    if (name !== "" && Object.hasOwn(record, name)) out[name] = record[name]
  }
  return out
}

const pageLink = (collection: string, params: URLSearchParams, page: number, size: number): string => {
  const next = new URLSearchParams(params)
  next.set("page", String(page))
  next.set("items_per_page", String(size))
  return `/${collection}?${next.toString()}`
}

/** Answers a list request for one collection. */
export const listCollection = (
  store: FakeSageStore,
  spec: CollectionSpec,
  params: URLSearchParams
): Answer => {
  const problems: Array<SageErrorEntry> = []
  const page = readInteger(params, "page", 1, Number.MAX_SAFE_INTEGER)
  const size = readInteger(params, "items_per_page", defaultItemsPerPage, maxItemsPerPage)
  if (typeof page !== "number") problems.push(page)
  if (typeof size !== "number") problems.push(size)

  const since = params.get("updated_or_created_since")
  const sinceMillis = since === null ? undefined : readDateParam("updated_or_created_since", since)
  if (typeof sinceMillis === "object") problems.push(sinceMillis)
  // Collections without deleted_since ignore the parameter, as the vendor ignores unknown parameters.
  const deleted = spec.deletedSince ? params.get("deleted_since") : null
  const deletedMillis = deleted === null ? undefined : readDateParam("deleted_since", deleted)
  if (typeof deletedMillis === "object") problems.push(deletedMillis)

  if (problems.length > 0 || typeof page !== "number" || typeof size !== "number") {
    return { status: 422, body: problems }
  }

  let rows: ReadonlyArray<Readonly<Record<string, unknown>>>
  if (typeof deletedMillis === "number") {
    rows = store
      .deleted(spec.name)
      .filter((t) => Date.parse(t.deleted_at) > deletedMillis)
      .map((t) => ({ ...t }))
  } else {
    const search = params.get("search")?.trim().toLowerCase()
    const contactType = spec.name === "contacts" ? params.get("contact_type_id") : null
    const contact = spec.name === "contacts" ? null : params.get("contact_id")
    rows = store.list(spec.name).filter((record) => {
      if (typeof sinceMillis === "number" && Date.parse(record.updated_at) < sinceMillis) return false
      if (contactType !== null && !linkIds(record["contact_types"]).includes(contactType)) return false
      if (contact !== null && linkId(record["contact"]) !== contact) return false
      if (search !== undefined && search !== "") {
        return spec.search.some((field) => {
          const value = record[field]
          return (
            (typeof value === "string" || typeof value === "number") &&
            String(value).toLowerCase().includes(search)
          )
        })
      }
      return true
    })
  }

  const total = rows.length
  const start = (page - 1) * size
  const attributes = params.get("attributes")
  const items = rows
    .slice(start, start + size)
    .map((row) => (typeof deletedMillis === "number" ? { ...row } : project(row, attributes)))
  return {
    status: 200,
    body: {
      $total: total,
      $page: page,
      $next: start + size < total ? pageLink(spec.name, params, page + 1, size) : null,
      $back: page > 1 ? pageLink(spec.name, params, page - 1, size) : null,
      $itemsPerPage: size,
      $items: items
    }
  }
}
