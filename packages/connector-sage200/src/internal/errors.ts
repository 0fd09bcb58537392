/**
 * Sage 200's error bodies made readable. The vendor does not document them; seen shapes are
 * `{"Message": …}` / `{"message": …}` (often with a `code`), OData's `{"error": {"code","message"}}`,
 * Azure API Management's `{"statusCode","message"}`, and Sage ID's `{"error","error_description"}`.
 */

const maxLength = 1000

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined

const clip = (message: string): string =>
  message.length > maxLength ? `${message.slice(0, maxLength - 1)}…` : message

const fromObject = (record: Readonly<Record<string, unknown>>): string | undefined => {
  const nested = record["error"]
  if (typeof nested === "object" && nested !== null && !Array.isArray(nested)) {
    return fromObject(nested as Record<string, unknown>)
  }
  const oauth = text(nested)
  if (oauth !== undefined) {
    const description = text(record["error_description"])
    return description === undefined ? oauth : `${oauth}: ${description}`
  }
  const message = text(record["message"]) ?? text(record["Message"])
  const code = text(record["code"]) ?? text(record["Code"])
  if (message === undefined) return code
  return code === undefined || message.includes(code) ? message : `${code}: ${message}`
}

/** The vendor's own words from an error response, or undefined when the body says nothing readable. */
export const readError = (_status: number, body: unknown): string | undefined => {
  if (Array.isArray(body)) {
    const messages = body
      .map((entry) =>
        typeof entry === "object" && entry !== null
          ? fromObject(entry as Record<string, unknown>)
          : text(entry)
      )
      .filter((m): m is string => m !== undefined)
    return messages.length === 0 ? undefined : clip(messages.join("; "))
  }
  if (typeof body === "object" && body !== null) {
    const found = fromObject(body as Record<string, unknown>)
    return found === undefined ? undefined : clip(found)
  }
  const plain = text(body)
  return plain === undefined || plain.startsWith("<") ? undefined : clip(plain)
}
