/**
 * The HTTP plumbing every fake vendor server shares: answers as plain data, reading request bodies
 * (raw, JSON or form-encoded), writing JSON answers, and a real `node:http` server on 127.0.0.1 at
 * a random port that starts and stops with one call each. Vendor specifics (routes, error shapes)
 * stay in the fake; this module only moves bytes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** One HTTP answer of a fake: status, a JSON body (undefined for none) and extra headers. */
export interface FakeAnswer {
  readonly status: number
  /** Serialised as JSON with `content-type: application/json; charset=utf-8`; undefined sends no body. */
  readonly body: unknown
  /** Response headers; they override the default content type. */
  readonly headers?: Readonly<Record<string, string>>
}

/** Answers one request; `text` is the whole request body, `url` the parsed request URL. */
export type FakeHandler = (request: IncomingMessage, url: URL, text: string) => FakeAnswer

/** A running fake server. */
export interface FakeServer {
  /** Origin of the server (`http://127.0.0.1:PORT`). */
  readonly url: string
  readonly port: number
  /** Stops the server, dropping open keep-alive connections so tests end promptly. */
  readonly close: () => Promise<void>
}

/** Reads a request body as UTF-8 text. */
export const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

/** Writes an answer: JSON body when there is one, nothing otherwise. */
export const send = (response: ServerResponse, answer: FakeAnswer): void => {
  const headers: Record<string, string> = { ...answer.headers }
  if (answer.body === undefined) {
    response.writeHead(answer.status, headers).end()
    return
  }
  response
    .writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...headers })
    .end(JSON.stringify(answer.body))
}

/** Request headers by lower-case name, repeated values joined with `, ` — for recording requests. */
export const headerMap = (request: IncomingMessage): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value
  }
  return out
}

/** One request header as a single string; undefined when absent or repeated. */
export const header = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name.toLowerCase()]
  return typeof value === "string" ? value : undefined
}

/** The body formats {@link readFields} understands. */
export type BodyFormat = "form" | "json"

/** Why {@link readFields} could not read a body. */
export type UnreadableBody = "unsupported-content-type" | "malformed-json"

/**
 * A form-encoded or JSON-object body as its fields, when its content type is one of `formats`;
 * otherwise why not. A JSON body that is not an object counts as malformed.
 */
export const readFields = (
  request: IncomingMessage,
  text: string,
  formats: ReadonlyArray<BodyFormat> = ["form", "json"]
): { readonly fields: Readonly<Record<string, unknown>> } | { readonly unreadable: UnreadableBody } => {
  const type = header(request, "content-type") ?? ""
  if (formats.includes("form") && type.startsWith("application/x-www-form-urlencoded")) {
    return { fields: Object.fromEntries(new URLSearchParams(text)) }
  }
  if (formats.includes("json") && type.startsWith("application/json")) {
    try {
      const parsed: unknown = JSON.parse(text)
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        return { fields: parsed as Record<string, unknown> }
      }
    } catch {
      // Falls through: a body that does not parse is malformed like a non-object one.
    }
    return { unreadable: "malformed-json" }
  }
  return { unreadable: "unsupported-content-type" }
}

/**
 * Starts a fake server on 127.0.0.1 at a random port. Each request's body is read whole before
 * `handler` runs; a handler that throws is answered with `onError(error)` (default a bare 500).
 */
export const startFakeServer = async (
  handler: FakeHandler,
  onError: (error: unknown) => FakeAnswer = () => ({ status: 500, body: undefined })
): Promise<FakeServer> => {
  const server = createServer((request, response) => {
    readBody(request)
      .then((text) => send(response, handler(request, new URL(request.url ?? "/", "http://127.0.0.1"), text)))
      .catch((error: unknown) => send(response, onError(error)))
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      })
  }
}
