/**
 * The plumbing of the fake Sendoso server: answers as data, reading request bodies (JSON or
 * form-encoded), writing JSON responses, and Sendoso's error bodies.
 */
import type { IncomingMessage, ServerResponse } from "node:http"

/** One HTTP answer of the fake. */
export interface Answer {
  readonly status: number
  /** A JSON body, or undefined for none. */
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/** Sendoso's usual error body, `{"success": false, "message": "…"}`. */
export const failure = (
  status: number,
  message: string,
  headers?: Readonly<Record<string, string>>
): Answer => ({
  status,
  body: { success: false, message },
  ...(headers === undefined ? {} : { headers })
})

/** The web framework's answer for a path with no route: no Sendoso message at all. */
export const noRoute: Answer = { status: 404, body: { status: 404, error: "Not Found" } }

/** Reads a request body as text. */
export const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/** Writes an answer. */
export const send = (response: ServerResponse, answer: Answer): void => {
  const headers: Record<string, string> = { ...answer.headers }
  if (answer.body === undefined) {
    response.writeHead(answer.status, headers).end()
    return
  }
  response
    .writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...headers })
    .end(JSON.stringify(answer.body))
}

/** Request headers by lower-case name, multiple values joined. */
export const headerMap = (request: IncomingMessage): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value
  }
  return out
}

/** A JSON or form-encoded body as an object of fields; undefined when it is neither. */
export const readFields = (request: IncomingMessage, text: string): Record<string, unknown> | undefined => {
  const type = request.headers["content-type"] ?? ""
  if (type.startsWith("application/x-www-form-urlencoded"))
    return Object.fromEntries(new URLSearchParams(text))
  if (type.startsWith("application/json")) {
    try {
      const parsed: unknown = JSON.parse(text)
      return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined
    } catch {
      return undefined
    }
  }
  return undefined
}
