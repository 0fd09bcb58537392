/**
 * Sage Accounting's error bodies made readable. The API answers 4xx with an array of
 * `{"$severity","$dataCode","$message","$source"}` entries (422 validation failures list one entry per
 * field); Azure API Management in front of it answers `{"statusCode","message"}`, and the OAuth
 * server `{"error","error_description"}`.
 */

const maxLength = 1000

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined

const entry = (value: unknown): string | undefined => {
  if (typeof value !== "object" || value === null) return text(value)
  const record = value as Record<string, unknown>
  const message = text(record["$message"]) ?? text(record["message"])
  if (message === undefined) return text(record["$dataCode"])
  const source = text(record["$source"])
  return source === undefined ? message : `${source}: ${message}`
}

const clip = (message: string): string =>
  message.length > maxLength ? `${message.slice(0, maxLength - 1)}…` : message

/**
 * The vendor's own words from an error response: every entry of an error array joined with `; `
 * (`name: can't be blank; contact_type_ids: …`), or the message of the other shapes; undefined when
 * the body says nothing readable.
 */
export const readError = (_status: number, body: unknown): string | undefined => {
  if (Array.isArray(body)) {
    const messages = body.map(entry).filter((m): m is string => m !== undefined)
    return messages.length === 0 ? undefined : clip(messages.join("; "))
  }
  if (typeof body === "object" && body !== null) {
    const record = body as Record<string, unknown>
    const oauth = text(record["error"])
    if (oauth !== undefined) {
      const description = text(record["error_description"])
      return clip(description === undefined ? oauth : `${oauth}: ${description}`)
    }
    const single = entry(body)
    return single === undefined ? undefined : clip(single)
  }
  const plain = text(body)
  return plain === undefined || plain.startsWith("<") ? undefined : clip(plain)
}
