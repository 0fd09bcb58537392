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
  const normalized = normalizePath(path)
  const segments = normalized.split(".")
  const lowered = segments.map((segment) => segment.toLowerCase())
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
    for (const [index, segment] of segments.entries()) {
      if (value === null || typeof value !== "object") return undefined
      if (Array.isArray(value)) {
        value = /^\d+$/.test(segment) ? value[Number(segment)] : undefined
        continue
      }
      const object = value as Record<string, unknown>
      if (Object.hasOwn(object, segment)) {
        value = object[segment]
        continue
      }
      const lower = lowered[index]
      const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower)
      value = key === undefined ? undefined : object[key]
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
