/**
 * A pass-through proxy on loopback in front of a fake vendor that can hold list requests: while the
 * gate is closed, every `GET` with a `startIndex` other than the ones let through waits until it
 * opens. Tests use it to catch a bulk job in the middle of its pages (to cancel it, or to stop its
 * runner) without timing races. It can also hold the answers of writes: the write goes through to
 * the vendor (the record exists there) but the runner never hears back, as when a runner dies
 * between sending an upload row and saving its outcome.
 */
import { createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"

/** A running proxy. */
export interface GatedVendor {
  /** The proxy's origin; point `base.url` at `${url}${path}`. */
  readonly url: string
  /** Holds list requests from now on, except those whose `startIndex` is in `allow`. */
  readonly close: (allow?: ReadonlyArray<string>) => void
  /**
   * From now on, answers the next `after` writes (`POST`, `PUT`, `PATCH`, `DELETE`) as usual, then
   * sends every later write on to the vendor but holds its answer.
   */
  readonly holdWriteAnswers: (after: number) => void
  /** Lets held and later requests through (and the held answers back); stops holding answers. */
  readonly open: () => void
  /** How many requests (or answers) are being held. */
  readonly held: () => number
  readonly stop: () => Promise<void>
}

/** Starts a proxy to `target` (an origin). */
export const startGatedVendor = async (target: string): Promise<GatedVendor> => {
  let closed = false
  let allowed: ReadonlyArray<string> = []
  let waiting: Array<() => void> = []
  // Writes still answered before answers are held; undefined while answers are not held.
  let answeredWrites: number | undefined
  const server = createServer((req, res) => {
    const write = ["POST", "PUT", "PATCH", "DELETE"].includes(req.method ?? "")
    const forward = () => {
      let hold = false
      if (write && answeredWrites !== undefined) {
        if (answeredWrites > 0) answeredWrites -= 1
        else hold = true
      }
      const upstream = httpRequest(
        new URL(req.url ?? "/", target),
        { method: req.method, headers: req.headers },
        (answer) => {
          const reply = () => {
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(res)
          }
          if (hold) waiting.push(reply)
          else reply()
        }
      )
      upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502)
        res.end()
      })
      req.pipe(upstream)
    }
    const url = new URL(req.url ?? "/", target)
    const startIndex = url.searchParams.get("startIndex")
    const gated = req.method === "GET" && startIndex !== null && !allowed.includes(startIndex)
    if (closed && gated) waiting.push(forward)
    else forward()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    close: (allow = []) => {
      closed = true
      allowed = allow
    },
    holdWriteAnswers: (after) => {
      answeredWrites = after
    },
    open: () => {
      closed = false
      answeredWrites = undefined
      const release = waiting
      waiting = []
      for (const forward of release) forward()
    },
    held: () => waiting.length,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
