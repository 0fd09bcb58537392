/**
 * Reading one vendor list response through its envelope: the record array at the dotted `items`
 * path (or the body itself), the total at `total`, and a "next" link. A body that does not have the
 * promised shape is an `UnexpectedResponse` naming what was expected and what was there.
 */
import { Predicate, Result } from "effect"
import * as ConnectorError from "../../ConnectorError.js"
import type { JsonRecord } from "../../HubQuery.js"
import type { Envelope } from "../../Paging.js"

/** What one list response holds. */
export interface ListBody {
  readonly items: ReadonlyArray<JsonRecord>
  /** The vendor's total count of records, when it gave one. */
  readonly total: number | undefined
  /**
   * The "next" link: `undefined` when the envelope has none or the body lacks the key, `null` when
   * the vendor says there is no next page.
   */
  readonly next: string | null | undefined
}

/**
 * The value at a dotted path (`$resources`, `data.items`). A key that itself contains dots is found
 * too, as vendors' `$`-keys sometimes do.
 */
export const readPath = (value: unknown, path: string): unknown => {
  if (!Predicate.isObject(value)) return undefined
  const record = value as Record<string, unknown>
  if (Object.hasOwn(record, path)) return record[path]
  const dot = path.indexOf(".")
  if (dot === -1) return undefined
  const head = path.slice(0, dot)
  return Object.hasOwn(record, head) ? readPath(record[head], path.slice(dot + 1)) : undefined
}

/** Whether a value is a JSON object (not an array, not null). */
export const isJsonRecord = (value: unknown): value is JsonRecord =>
  Predicate.isObject(value) && !Array.isArray(value)

const readTotal = (value: unknown): number | undefined => {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return Math.floor(value)
  if (typeof value === "string" && /^\d+$/.test(value.trim())) return Number(value.trim())
  return undefined
}

const unexpected = (operation: string, message: string) =>
  ConnectorError.make(new ConnectorError.UnexpectedResponse({ message }), operation)

const describe = (body: unknown): string => {
  if (body === undefined) return "an empty body"
  if (typeof body === "string") return "text, not JSON"
  if (Array.isArray(body)) return "an array"
  if (isJsonRecord(body)) {
    const keys = Object.keys(body).slice(0, 12)
    return keys.length === 0 ? "an empty object" : `an object with keys ${keys.join(", ")}`
  }
  return `a ${typeof body}`
}

/**
 * Reads a list response. When the items key is missing but the vendor's total is 0 the list is
 * empty (some vendors drop empty arrays); otherwise a missing or non-array value is an error.
 */
export const read = (
  body: unknown,
  envelope: Envelope & { readonly next?: string | undefined },
  operation: string
): Result.Result<ListBody, ConnectorError.ConnectorError> => {
  const total = envelope.total === undefined ? undefined : readTotal(readPath(body, envelope.total))
  const rawItems = envelope.items === null ? body : readPath(body, envelope.items)
  let list: ReadonlyArray<unknown>
  if (Array.isArray(rawItems)) {
    list = rawItems
  } else if ((rawItems === undefined || rawItems === null) && total === 0) {
    list = []
  } else {
    const where = envelope.items === null ? "a JSON array as the body" : `an array at '${envelope.items}'`
    return Result.fail(
      unexpected(operation, `expected ${where} in the vendor's list response, got ${describe(body)}`)
    )
  }
  for (let i = 0; i < list.length; i++) {
    if (!isJsonRecord(list[i])) {
      return Result.fail(
        unexpected(operation, `record ${i} of the vendor's list response is not a JSON object`)
      )
    }
  }
  let next: string | null | undefined
  if (envelope.next !== undefined) {
    const value = readPath(body, envelope.next)
    next =
      value === null || value === "" || value === false ? null : typeof value === "string" ? value : undefined
  }
  return Result.succeed({ items: list as ReadonlyArray<JsonRecord>, total, next })
}
