/**
 * JSON text that depends only on a value's content: object keys sorted (by UTF-16 code units, the
 * default sort), no whitespace, everything else as `JSON.stringify` writes it (`toJSON` honoured,
 * `undefined` members dropped, non-finite numbers as `null`). Bigints become decimal strings and a
 * cycle becomes the string "[Circular]" instead of a crash, since hashed records come from vendors.
 */
export const canonicalJson = (value: unknown): string => write(value, new Set())

const hasToJson = (value: object): value is { toJSON: () => unknown } =>
  typeof (value as { toJSON?: unknown }).toJSON === "function"

const isDropped = (value: unknown): boolean =>
  value === undefined || typeof value === "function" || typeof value === "symbol"

const write = (value: unknown, ancestors: Set<object>): string => {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value)
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null"
    case "boolean":
      return value ? "true" : "false"
    case "bigint":
      return JSON.stringify(value.toString())
    case "object":
      break
    default:
      return "null"
  }
  if (value === null) return "null"
  if (hasToJson(value)) return write(value.toJSON(), ancestors)
  if (ancestors.has(value)) return JSON.stringify("[Circular]")
  ancestors.add(value)
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item) => (isDropped(item) ? "null" : write(item, ancestors))).join(",")}]`
    }
    const record = value as Record<string, unknown>
    const members: Array<string> = []
    for (const key of Object.keys(record).sort()) {
      const member = record[key]
      if (!isDropped(member)) members.push(`${JSON.stringify(key)}:${write(member, ancestors)}`)
    }
    return `{${members.join(",")}}`
  } finally {
    ancestors.delete(value)
  }
}
