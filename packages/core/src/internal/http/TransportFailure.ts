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

/** What went wrong, in words safe to show, and whether the request surely never left. */
export interface Failure {
  readonly description: string
  readonly beforeSend: boolean
}

/** Reads the error codes along a cause chain (fetch wraps the socket error in `cause`). */
const codes = (error: unknown): ReadonlyArray<string> => {
  const found: Array<string> = []
  let current: unknown = error
  for (let depth = 0; depth < 8 && Predicate.isObject(current); depth++) {
    const code = "code" in current ? current.code : undefined
    if (typeof code === "string") found.push(code)
    current = "cause" in current ? current.cause : undefined
  }
  return found
}

/** Classifies the cause of an HttpClient transport error. */
export const classify = (cause: unknown): Failure => {
  const all = codes(cause)
  const beforeSend = all.some((code) => beforeSendCodes.has(code))
  const code = all.find((c) => /^[A-Z_]+$/.test(c))
  return {
    description:
      code === undefined ? "the vendor could not be reached" : `the vendor could not be reached (${code})`,
    beforeSend
  }
}
