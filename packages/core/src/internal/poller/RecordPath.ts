import { lookupKey } from "../ceql/FieldPath.js"

/**
 * Writes an id or date path the way the reader below wants it: JSONPath (`$.data.id`,
 * `$['data']['id']`, `items[0].id`) and XPath-like (`/data/id`, `//id`) spellings become dotted
 * (`data.id`, `items.0.id`).
 */
export const normalizePath = (path: string): string =>
  path
    .trim()
    .replace(/^\$\.?/, "")
    .replace(/\[\s*['"]([^'"]*)['"]\s*\]/g, ".$1")
    .replace(/\[\s*(\d+)\s*\]/g, ".$1")
    .replace(/\//g, ".")
    .split(".")
    .filter((segment) => segment !== "")
    .join(".")

/**
 * A compiled reader of one dotted path. Keys match exactly first, then ignoring case (Sage CRM
 * field names are case-insensitive); a numeric segment indexes an array. A literal key equal to the
 * whole path (`"Comp_UpdatedDate"`, or a key that itself contains dots) is tried first.
 */
export const pathReader = (path: string): ((record: unknown) => unknown) => {
  // Split, lower-cased and index-parsed once: the reader runs for every record of every poll.
  const segments = normalizePath(path)
    .split(".")
    .map((key) => ({ key, lower: key.toLowerCase(), index: /^\d+$/.test(key) ? Number(key) : undefined }))
  return (record) => {
    if (
      typeof record === "object" &&
      record !== null &&
      !Array.isArray(record) &&
      Object.hasOwn(record, path)
    ) {
      return (record as Record<string, unknown>)[path]
    }
    let value: unknown = record
    for (const segment of segments) {
      if (value === null || typeof value !== "object") return undefined
      if (Array.isArray(value)) {
        value = segment.index === undefined ? undefined : value[segment.index]
        continue
      }
      const key = lookupKey(value, segment.key, segment.lower)
      value = key === undefined ? undefined : (value as Record<string, unknown>)[key]
    }
    return value
  }
}

/** The id of a record as a string: a non-empty string or a finite number; anything else has no id. */
export const idText = (value: unknown): string | undefined => {
  if (typeof value === "string") return value === "" ? undefined : value
  if (typeof value === "number" && Number.isFinite(value)) return String(value)
  if (typeof value === "bigint") return value.toString()
  return undefined
}
