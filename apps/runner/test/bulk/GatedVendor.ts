/**
 * A pass-through proxy on loopback in front of a fake vendor that can hold list requests: while the
 * gate is closed, every `GET` with a `startIndex` other than the ones let through waits until it
 * opens. Tests use it to catch a bulk job in the middle of its pages (to cancel it, or to stop its
 * runner) without timing races.
 */
import { createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"

/** A running proxy. */
export interface GatedVendor {
  /** The proxy's origin; point `base.url` at `${url}${path}`. */
  readonly url: string
  /** Holds list requests from now on, except those whose `startIndex` is in `allow`. */
  readonly close: (allow?: ReadonlyArray<string>) => void
  /** Lets held and later requests through. */
  readonly open: () => void
  /** How many requests are being held. */
  readonly held: () => number
  readonly stop: () => Promise<void>
}

/** Starts a proxy to `target` (an origin). */
export const startGatedVendor = async (target: string): Promise<GatedVendor> => {
  let closed = false
  let allowed: ReadonlyArray<string> = []
  let waiting: Array<() => void> = []
  const server = createServer((req, res) => {
    const forward = () => {
      const upstream = httpRequest(
        new URL(req.url ?? "/", target),
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
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
    open: () => {
      closed = false
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
