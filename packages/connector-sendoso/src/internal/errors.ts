/**
 * Sendoso's error bodies made readable. The API answers `{"success": false, "message": "…"}`; some
 * 401s answer `{"description": "…", "expired": true|false}` instead; a few 404s answer only
 * `{"message": "Group not found!"}`; validation failures may list `errors`; the OAuth server answers
 * `{"error", "error_description"}`; and a path Sendoso does not route at all gets the framework's
 * `{"status": 404, "error": "Not Found"}`. Core maps the HTTP status to the `ConnectorError` reason
 * (401 Authentication, 403 Forbidden, 404 NotFound, 429 RateLimited, 5xx VendorUnavailable, other
 * 4xx InvalidRequest); this hook only supplies the vendor's words.
 */

const maxLength = 1000

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== "" ? value.trim() : undefined

const clip = (message: string): string =>
  message.length > maxLength ? `${message.slice(0, maxLength - 1)}…` : message

/**
 * What a 404 for a path Sendoso does not route means here: the only resource of this element without
 * a documented Sendoso endpoint is return-addresses, and a wrong `base.url` gives the same answer.
 */
export const missingEndpoint =
  "Sendoso has no API endpoint at this path (404 Not Found for the route itself, not for a record). " +
  "Sendoso documents no return-address endpoint, so return-addresses works only where Sendoso serves " +
  "/return_addresses for the account; otherwise check that base.url ends in /api/v3"

/** `{"errors": {"email": ["can't be blank"]}}` or `{"errors": ["…"]}` as `email can't be blank; …`. */
const errorList = (errors: unknown): string | undefined => {
  if (Array.isArray(errors)) {
    const parts = errors.map(text).filter((m): m is string => m !== undefined)
    return parts.length === 0 ? undefined : parts.join("; ")
  }
  if (typeof errors !== "object" || errors === null) return text(errors)
  const parts: Array<string> = []
  for (const [field, messages] of Object.entries(errors)) {
    const list = Array.isArray(messages) ? messages : [messages]
    for (const message of list) {
      const said = text(message)
      if (said !== undefined) parts.push(`${field} ${said}`)
    }
  }
  return parts.length === 0 ? undefined : parts.join("; ")
}

const fromObject = (status: number, record: Readonly<Record<string, unknown>>): string | undefined => {
  const oauth = text(record["error_description"])
  const error = text(record["error"])
  // The router's own 404 carries the status in the body and no message of Sendoso's.
  if (
    status === 404 &&
    record["status"] === 404 &&
    error !== undefined &&
    text(record["message"]) === undefined
  )
    return missingEndpoint
  if (oauth !== undefined) return error === undefined ? oauth : `${error}: ${oauth}`
  const message = text(record["message"])
  const listed = errorList(record["errors"])
  if (message !== undefined) return listed === undefined ? message : `${message} (${listed})`
  if (listed !== undefined) return listed
  const description = text(record["description"])
  if (description !== undefined) {
    return record["expired"] === true ? `${description} (the access token expired)` : description
  }
  return error
}

/**
 * The vendor's own words from an error response (`Touch not found`, `email can't be blank`, `The
 * access token is invalid`), or undefined when the body says nothing readable. HTML error pages are
 * not read, except that a 404 without a Sendoso message is reported as a missing endpoint.
 */
export const readError = (status: number, body: unknown): string | undefined => {
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    const found = fromObject(status, body as Record<string, unknown>)
    return found === undefined ? undefined : clip(found)
  }
  if (Array.isArray(body)) {
    const listed = errorList(body)
    return listed === undefined ? undefined : clip(listed)
  }
  const plain = text(body)
  // An HTML 404 page is the web server's answer for a path with no route at all.
  if (plain?.startsWith("<")) return status === 404 ? missingEndpoint : undefined
  return plain === undefined ? undefined : clip(plain)
}
