/**
 * A small fake vendor for testing the conformance suite itself: "items" of two kinds (widgets and
 * gadgets) behind Basic auth, `offset`/`limit` paging in an `{items, total}` envelope, and the
 * filters `kind`, `id` and `updated_since`. Each fault option makes it break one promise the
 * conformance suite checks, so the tests can show the suite catches it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** Ways the vendor can misbehave; all off by default. */
export interface WidgetFaults {
  /** Pages always start at the first record. */
  readonly ignoreOffset?: boolean
  /** `updated_since` is accepted but ignored. */
  readonly ignoreUpdatedSince?: boolean
  /** `id` is accepted but ignored. */
  readonly ignoreIdFilter?: boolean
  /** `kind` is accepted but ignored. */
  readonly ignoreKind?: boolean
  /** Refused credentials are answered with this status instead of 401. */
  readonly refuseWith?: number
  /** The refusal repeats the password that was sent. */
  readonly echoPassword?: boolean
  /** Every response stamps records with the time it was served, a field that changes on every read. */
  readonly volatileField?: boolean
}

/** One stored item. */
export interface Item {
  readonly id: number
  readonly kind: "widget" | "gadget"
  readonly name: string
  readonly created: string
  readonly updated: string
}

/** A running fake. */
export interface WidgetVendor {
  /** `127.0.0.1:<port>`, the `host` configuration key. */
  readonly host: string
  readonly username: string
  readonly password: string
  /** The vendor clock, epoch milliseconds, whole seconds. */
  readonly now: () => number
  readonly advance: (millis: number) => void
  readonly insert: (kind: Item["kind"], name: string) => Item
  readonly update: (id: number, name: string) => void
  readonly list: (kind: Item["kind"]) => ReadonlyArray<Item>
  readonly close: () => Promise<void>
}

const stamp = (millis: number): string => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify(body))
}

/** Starts the fake on a random loopback port. */
export const startWidgetVendor = async (faults: WidgetFaults = {}): Promise<WidgetVendor> => {
  const username = "owner"
  const password = "Wid9et-owner-pass"
  let clock = Math.floor(Date.now() / 1000) * 1000
  let nextId = 1
  const items = new Map<number, Item>()

  const shown = (item: Item) =>
    faults.volatileField === true ? { ...item, servedAt: process.hrtime.bigint().toString() } : item

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://fake")
    const match = /^Basic (.+)$/.exec(req.headers.authorization ?? "")
    const [user, pass] = Buffer.from(match?.[1] ?? "", "base64")
      .toString("utf8")
      .split(":")
    if (user !== username || pass !== password) {
      const message = faults.echoPassword === true ? `password '${pass}' is wrong` : "bad credentials"
      return send(res, faults.refuseWith ?? 401, { error: message })
    }
    const one = /^\/api\/items\/(\d+)$/.exec(url.pathname)
    if (one !== null) {
      const item = items.get(Number(one[1]))
      return item === undefined ? send(res, 404, { error: "no such item" }) : send(res, 200, shown(item))
    }
    if (url.pathname !== "/api/items") return send(res, 404, { error: "no such path" })
    const params = url.searchParams
    const kind = faults.ignoreKind === true ? null : params.get("kind")
    const id = faults.ignoreIdFilter === true ? null : params.get("id")
    const since = faults.ignoreUpdatedSince === true ? null : params.get("updated_since")
    const rows = [...items.values()].filter(
      (item) =>
        (kind === null || item.kind === kind) &&
        (id === null || String(item.id) === id) &&
        (since === null || Date.parse(item.updated) >= Date.parse(since))
    )
    const offset = faults.ignoreOffset === true ? 0 : Number(params.get("offset") ?? "0")
    const limit = Number(params.get("limit") ?? "20")
    return send(res, 200, { items: rows.slice(offset, offset + limit).map(shown), total: rows.length })
  }

  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    host: `127.0.0.1:${port}`,
    username,
    password,
    now: () => clock,
    advance: (millis) => {
      clock += millis
    },
    insert: (kind, name) => {
      const item: Item = { id: nextId++, kind, name, created: stamp(clock), updated: stamp(clock) }
      items.set(item.id, item)
      return item
    },
    update: (id, name) => {
      const item = items.get(id)
      if (item === undefined) throw new TypeError(`widget vendor: no item ${id}`)
      items.set(id, { ...item, name, updated: stamp(clock) })
    },
    list: (kind) => [...items.values()].filter((item) => item.kind === kind),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      })
  }
}
