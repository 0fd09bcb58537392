/**
 * A fake event callback receiver: a real HTTP server on loopback that records every notification
 * the runner POSTs, answers with statuses a test chooses (to exercise retries, pausing and `410`),
 * and lets a test wait until enough notifications have arrived.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

/** One request the receiver got. */
export interface Received {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  /** The exact bytes of the body as text, for signature checks. */
  readonly rawBody: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown
  /** The status the receiver answered with. */
  readonly status: number
  readonly receivedAt: number
}

/** What the receiver answers to the n-th request (0-based); default 200. */
export type Responder = (
  index: number,
  request: Omit<Received, "status">
) => number | { status: number; headers?: Record<string, string> }

/** A running receiver. */
export interface CallbackReceiver {
  /** Base URL, e.g. `http://127.0.0.1:53211`; any path below it is accepted. */
  readonly url: string
  /** Every request so far, in arrival order. */
  readonly received: ReadonlyArray<Received>
  /** Only the requests answered with 2xx. */
  readonly delivered: () => ReadonlyArray<Received>
  /** Replaces how the receiver answers from now on. */
  readonly respondWith: (responder: Responder) => void
  /** Resolves once `count` requests answered with 2xx have arrived; rejects after `timeoutMs`. */
  readonly waitForDelivered: (count: number, timeoutMs?: number) => Promise<ReadonlyArray<Received>>
  readonly close: () => Promise<void>
}

/** Starts a receiver on 127.0.0.1 on a free port. */
export const start = async (responder: Responder = () => 200): Promise<CallbackReceiver> => {
  const received: Array<Received> = []
  let respond = responder
  const waiters = new Set<() => void>()

  const server: Server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8")
      const request = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        rawBody,
        json: parseJson(rawBody),
        receivedAt: Date.now()
      }
      const answer = respond(received.length, request)
      const { status, headers } = typeof answer === "number" ? { status: answer, headers: {} } : answer
      received.push({ ...request, status })
      res.writeHead(status, { "content-type": "application/json", ...headers })
      res.end(JSON.stringify({ received: true }))
      for (const wake of waiters) wake()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  const delivered = () => received.filter((r) => r.status >= 200 && r.status < 300)

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    delivered,
    respondWith: (next) => {
      respond = next
    },
    waitForDelivered: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (delivered().length >= count) {
            waiters.delete(check)
            clearTimeout(timer)
            resolve(delivered())
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          reject(
            new Error(
              `callback receiver: ${delivered().length} of ${count} notifications after ${timeoutMs} ms`
            )
          )
        }, timeoutMs)
        waiters.add(check)
        check()
      }),
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
}

/** A receiver that lives as long as the enclosing Effect scope. */
export const scoped = (responder?: Responder) =>
  Effect.acquireRelease(
    Effect.promise(() => start(responder)),
    (receiver) => Effect.promise(() => receiver.close())
  )

const parseJson = (text: string): unknown => {
  if (text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
