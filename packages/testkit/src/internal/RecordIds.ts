/**
 * Reading record ids the way the poller does: the resource's `id` is a dotted path into the vendor
 * record, and an id is a non-empty string or a finite number, compared as text.
 */

/** The value at a dotted path (`data.id`), or `undefined`; own properties only. */
export const readPath = (record: unknown, path: string): unknown => {
  let current: unknown = record
  for (const segment of path.split(".")) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, segment)) return undefined
    current = (current as Record<string, unknown>)[segment]
  }
  return current
}

/** An id value as text: a non-empty string as is, a finite number in decimal; otherwise `undefined`. */
export const idText = (value: unknown): string | undefined => {
  if (typeof value === "string") return value === "" ? undefined : value
  if (typeof value === "number" && Number.isFinite(value)) return String(value)
  return undefined
}

/** The id of a record at the resource's id path, as text. */
export const recordId = (record: unknown, path: string): string | undefined => idText(readPath(record, path))

/** Ids that occur more than once, each named once, in first-seen order. */
export const duplicates = (ids: Iterable<string>): ReadonlyArray<string> => {
  const seen = new Set<string>()
  const repeated = new Set<string>()
  for (const id of ids) {
    if (seen.has(id)) repeated.add(id)
    else seen.add(id)
  }
  return [...repeated]
}

/** A short, readable list of ids for a failure message (at most `limit`, then a count). */
export const describeIds = (ids: ReadonlyArray<string>, limit = 10): string =>
  ids.length <= limit
    ? ids.map((id) => `'${id}'`).join(", ")
    : `${ids
        .slice(0, limit)
        .map((id) => `'${id}'`)
        .join(", ")} and ${ids.length - limit} more`
