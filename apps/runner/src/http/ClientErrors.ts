/**
 * Requests Node's HTTP parser refuses before the router sees them — a request line or headers
 * larger than the limit, a malformed request line, bad chunked encoding — answered like every
 * other error (contract.md §2): a JSON `{requestId,message}` body and an `Elements-Request-Id`
 * header, instead of Node's bare status line. The header limit is raised from Node's 16 KiB so a
 * long CEQL `where` (an `IN (…)` list of a few hundred ids) fits in the URL.
 */
import { randomUUID } from "node:crypto"
import { createServer, type Server } from "node:http"
import type { Duplex } from "node:stream"
import { REQUEST_ID_HEADER } from "./ResponseEnvelope.js"

/** The largest request line plus headers accepted, in bytes. */
export const MAX_HEADER_BYTES = 64 * 1024

/** The status and message for a parser error code (`HPE_*`), or `undefined` when nothing can be answered. */
export const answerFor = (code: string | undefined): { status: number; message: string } | undefined => {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        status: 431,
        message: `the request line and headers are larger than ${MAX_HEADER_BYTES / 1024} KiB; send long filters as a bulk query or split them`
      }
    case "HPE_REQUEST_TIMEOUT":
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, message: "the request was not received in time" }
    case "ECONNRESET":
    case "EPIPE":
      return undefined
    default:
      return { status: 400, message: "the request is not valid HTTP/1.1" }
  }
}

const reasons: Readonly<Record<number, string>> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large"
}

/** Writes the JSON error on a socket the parser gave up on, then closes it. */
export const respond = (error: NodeJS.ErrnoException, socket: Duplex): void => {
  const answer = answerFor(error.code)
  if (answer === undefined || !socket.writable) {
    socket.destroy()
    return
  }
  const requestId = randomUUID()
  const body = JSON.stringify({ requestId, message: answer.message })
  socket.end(
    `HTTP/1.1 ${answer.status} ${reasons[answer.status]}\r\n` +
      "Content-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `${REQUEST_ID_HEADER}: ${requestId}\r\n` +
      "Connection: close\r\n\r\n" +
      body
  )
}

/** Node's HTTP server with the runner's header limit and parser-error answers. */
export const makeServer = (): Server => {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES })
  server.on("clientError", respond)
  return server
}
