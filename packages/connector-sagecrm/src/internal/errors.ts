/**
 * Reads Sage CRM's own words out of an error response. SData answers errors with a `$diagnoses`
 * array (`[{"$severity":"error","$sdataCode":"…","$message":"…"}]`), sometimes as the whole body
 * and sometimes inside an entry; the messages become the caller's `providerMessage`.
 */

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const messageOf = (diagnosis: unknown): string | undefined => {
  if (!isObject(diagnosis)) return undefined
  const message = diagnosis.$message ?? diagnosis.message
  if (typeof message !== "string" || message.trim() === "") return undefined
  const code = diagnosis.$sdataCode ?? diagnosis.$applicationCode
  // The generic code adds nothing a reader can use; specific ones (BadWhereSyntax …) do.
  return typeof code === "string" && code !== "" && code !== "ApplicationDiagnosis"
    ? `${message.trim()} (${code})`
    : message.trim()
}

/** The `$message`s of an SData error body joined, or `undefined` when the body carries none. */
export const readSDataError = (_status: number, body: unknown): string | undefined => {
  const diagnoses = Array.isArray(body) ? body : isObject(body) ? body.$diagnoses : undefined
  if (Array.isArray(diagnoses)) {
    const messages = diagnoses.map(messageOf).filter((m): m is string => m !== undefined)
    return messages.length === 0 ? undefined : messages.join("; ")
  }
  if (typeof body === "string" && body.trim() !== "" && body.length <= 500 && !/^\s*</.test(body)) {
    return body.trim()
  }
  return undefined
}
