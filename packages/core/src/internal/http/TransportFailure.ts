/**
 * Classifies a request that got no HTTP answer. Only the failure's kind is kept — the HttpClient's
 * error carries the URL, whose query may hold an API key, so its message is never used. A failure
 * that happened before any byte was sent (refused connection, unknown host) is safe to retry even
 * for POST; anything later may have reached the vendor.
 */
import { Predicate } from "effect"

/** Error codes of Node and undici that mean no connection was made, so nothing was sent. */
const beforeSendCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT"
])

/**
 * The code an outbound address policy (the runner's SSRF guard) gives a refused connection. Such a
 * refusal is final: retrying cannot change where the host resolves.
 */
export const addressNotAllowed = "EADDRNOTALLOWED"

/** What went wrong, in words safe to show, and whether the request surely never left. */
export interface Failure {
  readonly description: string
  readonly beforeSend: boolean
  /** An address policy refused the destination; not worth retrying. */
  readonly refused: boolean
}

/** Reads the errors along a cause chain (fetch wraps the socket error in `cause`). */
const chain = (error: unknown): ReadonlyArray<{ readonly code: string; readonly message: unknown }> => {
  const found: Array<{ code: string; message: unknown }> = []
  let current: unknown = error
  for (let depth = 0; depth < 8 && Predicate.isObject(current); depth++) {
    const code = "code" in current ? current.code : undefined
    if (typeof code === "string")
      found.push({ code, message: "message" in current ? current.message : undefined })
    current = "cause" in current ? current.cause : undefined
  }
  return found
}

/** Classifies the cause of an HttpClient transport error. */
export const classify = (cause: unknown): Failure => {
  const links = chain(cause)
  const all = links.map((link) => link.code)
  const refusal = links.find((link) => link.code === addressNotAllowed)
  if (refusal !== undefined) {
    // The policy's own message names the host and how to allow it; it never holds the URL's query.
    const said = typeof refusal.message === "string" ? refusal.message : "the vendor address is not allowed"
    return { description: said, beforeSend: true, refused: true }
  }
  const beforeSend = all.some((code) => beforeSendCodes.has(code))
  const code = all.find((c) => /^[A-Z_]+$/.test(c))
  return {
    description:
      code === undefined ? "the vendor could not be reached" : `the vendor could not be reached (${code})`,
    beforeSend,
    refused: false
  }
}
