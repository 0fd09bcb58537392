/**
 * Finding a field's values in a JSON record, shared by the evaluator, `compareBy` and `project`.
 * Paths are dotted; arrays met on the way fan out (`lines.amount` reads every line's amount); a
 * numeric segment indexes an array (`lines.0.amount`). Keys match exactly first and then
 * case-insensitively, because vendors such as Sage CRM treat field names case-insensitively.
 */
import type * as Ast from "./Ast.js"

/** Reads `key` from an object: the exact key if present, else the first key equal ignoring case. */
export const lookupKey = (
  object: object,
  key: string,
  lowerKey: string = key.toLowerCase()
): string | undefined => {
  if (Object.hasOwn(object, key)) return key
  for (const candidate of Object.keys(object)) {
    // The length test skips most keys without allocating a lower-cased copy; "İ" is the one
    // character whose lower case is longer.
    if (
      (candidate.length === lowerKey.length || candidate.includes("\u0130")) &&
      candidate.toLowerCase() === lowerKey
    ) {
      return candidate
    }
  }
  return undefined
}

const arrayIndex = /^(?:0|[1-9]\d*)$/

interface Segment {
  readonly key: string
  readonly lower: string
  readonly index: number | undefined
}

const toSegments = (path: string): ReadonlyArray<Segment> =>
  path.split(".").map((key) => ({
    key,
    lower: key.toLowerCase(),
    index: arrayIndex.test(key) ? Number(key) : undefined
  }))

const collect = (value: unknown, segments: ReadonlyArray<Segment>, i: number, out: Array<unknown>): void => {
  if (value === null || value === undefined) return
  if (Array.isArray(value)) {
    const segment = segments[i]
    if (segment?.index !== undefined) {
      collect(value[segment.index], segments, i + 1, out)
      return
    }
    for (const element of value) collect(element, segments, i, out)
    return
  }
  const segment = segments[i]
  if (segment === undefined) {
    out.push(value)
    return
  }
  if (typeof value !== "object") return
  const key = lookupKey(value, segment.key, segment.lower)
  if (key !== undefined) collect((value as Record<string, unknown>)[key], segments, i + 1, out)
}

/**
 * A reader for one field: given a record it returns the field's non-null values, with arrays
 * flattened. No values means the field IS NULL (missing, null, or an empty list). A back-ticked
 * name is tried first as one literal key of the record, then as a path.
 */
export const accessor = (field: Ast.Field): ((record: unknown) => ReadonlyArray<unknown>) => {
  const segments = toSegments(field.name)
  const literal = field.quoted && segments.length > 1 ? field.name : undefined
  const literalLower = literal?.toLowerCase()
  return (record) => {
    const out: Array<unknown> = []
    if (literal !== undefined && typeof record === "object" && record !== null && !Array.isArray(record)) {
      const key = lookupKey(record, literal, literalLower)
      if (key !== undefined) {
        collect((record as Record<string, unknown>)[key], [], 0, out)
        return out
      }
    }
    collect(record, segments, 0, out)
    return out
  }
}

/** The non-null values of a field in a record (see {@link accessor}). */
export const resolve = (record: unknown, field: Ast.Field): ReadonlyArray<unknown> => accessor(field)(record)

type Path = ReadonlyArray<Segment>

const pick = (value: unknown, paths: ReadonlyArray<Path>): unknown => {
  if (paths.some((path) => path.length === 0)) return value
  if (Array.isArray(value)) {
    return value.map((element) => pick(element, paths)).filter((element) => element !== undefined)
  }
  if (typeof value !== "object" || value === null) return undefined
  const groups = new Map<string, Array<Path>>()
  for (const path of paths) {
    const [head, ...rest] = path
    const key = lookupKey(value, head!.key, head!.lower)
    if (key === undefined) continue
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [rest])
    else group.push(rest)
  }
  const out: Record<string, unknown> = {}
  for (const [key, rest] of groups) {
    const picked = pick((value as Record<string, unknown>)[key], rest)
    // defineProperty, so that a record's own "__proto__" key stays a plain key.
    if (picked !== undefined)
      Object.defineProperty(out, key, { value: picked, enumerable: true, writable: true, configurable: true })
  }
  return out
}

/**
 * A projector for the given fields: the paths are split once, so that projecting every record of a
 * listing does not parse them again. Each copy keeps the fields' nesting (`b.c` gives `{b: {c: …}}`)
 * and the record's own spelling of each key; missing fields are left out, and a value that is not an
 * object is returned unchanged. A back-ticked dotted name is one literal key when the record has it.
 */
export const projector = (fields: ReadonlyArray<Ast.Field | string>): ((record: unknown) => unknown) => {
  const compiled = fields.map((f) => {
    const name = typeof f === "string" ? f : f.name
    const quoted = typeof f !== "string" && f.quoted
    const lower = name.toLowerCase()
    const whole: Path = [{ key: name, lower, index: undefined }]
    return {
      literal: quoted && name.includes(".") ? name : undefined,
      lower,
      whole,
      segments: toSegments(name)
    }
  })
  return (record) => {
    if (typeof record !== "object" || record === null || Array.isArray(record)) return record
    const paths = compiled.map((field) =>
      field.literal !== undefined && lookupKey(record, field.literal, field.lower) !== undefined
        ? field.whole
        : field.segments
    )
    return pick(record, paths)
  }
}

/** A copy of the record with only the given fields (see {@link projector}). */
export const project = (record: unknown, fields: ReadonlyArray<Ast.Field | string>): unknown =>
  projector(fields)(record)
