import { assert, describe, it } from "@effect/vitest"
import { Ceql, Connection } from "@plugboard/core"
import { Effect, Stream } from "effect"
import {
  allPages,
  configuration,
  connectorFor,
  dataset,
  fake,
  type JsonRecord,
  type StyleName,
  styles
} from "./ConnectionFakeVendor.js"

const records = dataset(450)

const connect = (
  style: StyleName,
  options: {
    readonly collections?: Record<string, Array<JsonRecord>>
    readonly paginationMax?: number
    readonly limits?: Partial<Connection.Limits>
    readonly connector?: Parameters<typeof connectorFor>[1]
    readonly ignorePaging?: boolean
    readonly bodyKey?: string
  } = {}
) => {
  const vendor = fake(style, {
    collections: options.collections ?? { "/accounts": records },
    ...(options.ignorePaging === undefined ? {} : { ignorePaging: options.ignorePaging }),
    ...(options.bodyKey === undefined ? {} : { bodyKey: options.bodyKey })
  })
  const connection = Connection.make({
    connector: connectorFor(style, options.connector),
    configuration: configuration(options.paginationMax),
    client: vendor.client,
    instanceId: 7,
    ...(options.limits === undefined ? {} : { limits: options.limits })
  })
  return { vendor, connection }
}

const ids = (list: ReadonlyArray<JsonRecord>) => list.map((r) => r["id"])

describe("Connection.list paging", () => {
  for (const style of styles) {
    for (const pageSize of [200, 7, 1, 1000]) {
      it.effect(`${style}: pageSize ${pageSize} returns each record once, in order`, () =>
        Effect.gen(function* () {
          const { connection } = connect(style)
          const pages = yield* allPages(connection, { resource: "accounts", pageSize })
          assert.deepStrictEqual(ids(pages.flatMap((p) => p.records)), ids(records))
          assert.strictEqual(pages.length, Math.ceil(450 / pageSize))
          for (const page of pages.slice(0, -1)) assert.strictEqual(page.records.length, pageSize)
          assert.isUndefined(pages.at(-1)!.nextPage)
        })
      )
    }

    it.effect(`${style}: a residual filter matching every 7th record gives exact pages`, () =>
      Effect.gen(function* () {
        const { connection } = connect(style)
        const oracle = records.filter((r) => r["bucket"] === 0)
        for (const pageSize of [200, 7, 5, 1, 1000]) {
          const pages = yield* allPages(connection, { resource: "accounts", where: "bucket = 0", pageSize })
          assert.deepStrictEqual(ids(pages.flatMap((p) => p.records)), ids(oracle), `pageSize ${pageSize}`)
          assert.strictEqual(pages.length, Math.ceil(oracle.length / pageSize), `pageSize ${pageSize}`)
          for (const page of pages.slice(0, -1)) assert.strictEqual(page.records.length, pageSize)
          assert.isUndefined(pages.at(-1)!.nextPage)
        }
      })
    )

    it.effect(`${style}: returnCount gives the total when it is known exactly`, () =>
      Effect.gen(function* () {
        const { connection } = connect(style)
        const first = yield* connection.list({ resource: "accounts", pageSize: 100, returnCount: true })
        if (style === "odata") assert.isUndefined(first.total)
        else assert.strictEqual(first.total, 450)
        const residual = yield* allPages(connection, {
          resource: "accounts",
          where: "bucket = 0",
          pageSize: 20,
          returnCount: true
        })
        assert.isUndefined(residual[0]!.total)
        assert.strictEqual(residual.at(-1)!.total, 65)
        const whole = yield* connection.list({
          resource: "accounts",
          where: "bucket = 0",
          pageSize: 1000,
          returnCount: true
        })
        assert.strictEqual(whole.total, 65)
        const none = yield* connection.list({ resource: "accounts", pageSize: 10 })
        assert.isUndefined(none.total)
      })
    )

    it.effect(`${style}: page numbers without a token`, () =>
      Effect.gen(function* () {
        const { connection } = connect(style)
        const third = yield* connection.list({ resource: "accounts", page: 3, pageSize: 50 })
        assert.deepStrictEqual(ids(third.records), ids(records.slice(100, 150)))
        assert.isDefined(third.nextPage)
        const next = yield* connection.list({ resource: "accounts", pageSize: 50, nextPage: third.nextPage! })
        assert.deepStrictEqual(ids(next.records), ids(records.slice(150, 200)))
        const oracle = records.filter((r) => r["bucket"] === 0)
        const second = yield* connection.list({
          resource: "accounts",
          where: "bucket = 0",
          page: 2,
          pageSize: 10
        })
        assert.deepStrictEqual(ids(second.records), ids(oracle.slice(10, 20)))
        const after = yield* connection.list({
          resource: "accounts",
          where: "bucket = 0",
          page: 2,
          pageSize: 10,
          nextPage: second.nextPage!
        })
        assert.deepStrictEqual(ids(after.records), ids(oracle.slice(20, 30)))
        const beyond = yield* connection.list({ resource: "accounts", page: 100, pageSize: 50 })
        assert.deepStrictEqual(beyond.records, [])
        assert.isUndefined(beyond.nextPage)
      })
    )
  }

  it.effect("asks the vendor for pages no larger than pagination.max", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("sdata", { paginationMax: 50 })
      const pages = yield* allPages(connection, { resource: "accounts", pageSize: 120 })
      assert.deepStrictEqual(ids(pages.flatMap((p) => p.records)), ids(records))
      for (const request of vendor.requests) assert.isAtMost(Number(request.query?.["count"]), 50)
    })
  )

  it.effect("offset vendors without totals learn the end from one extra record, not an extra call", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("odata")
      const pages = yield* allPages(connection, { resource: "accounts", pageSize: 200 })
      assert.strictEqual(pages.length, 3)
      assert.strictEqual(vendor.listRequests(), 3)
      assert.deepStrictEqual(
        vendor.requests.map((r) => [r.query?.["$skip"], r.query?.["$top"]]),
        [
          ["0", "201"],
          ["200", "201"],
          ["400", "201"]
        ]
      )
    })
  )

  it.effect("a residual filter reads large vendor pages, not one per record", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("sdata")
      const page = yield* connection.list({ resource: "accounts", where: "bucket = 0", pageSize: 10 })
      assert.strictEqual(page.records.length, 10)
      assert.isAtMost(vendor.listRequests(), 3)
    })
  )

  it.effect("sends the vendor paging parameters of each style", () =>
    Effect.gen(function* () {
      const sdata = connect("sdata")
      yield* sdata.connection.list({ resource: "accounts", pageSize: 10, page: 2 })
      assert.deepStrictEqual(sdata.vendor.requests[0]!.query, { startIndex: "11", count: "11" })
      const accounting = connect("sageAccounting")
      yield* accounting.connection.list({ resource: "accounts", pageSize: 10, page: 2 })
      assert.deepStrictEqual(accounting.vendor.requests[0]!.query, { page: "2", items_per_page: "10" })
      const sendoso = connect("sendoso")
      yield* sendoso.connection.list({ resource: "accounts", pageSize: 10, page: 3 })
      assert.deepStrictEqual(sendoso.vendor.requests[0]!.query, { page: "3", per_page: "10" })
    })
  )
})

describe("Connection.list errors", () => {
  it.effect("a malformed token is a HubRequestError on nextPage", () =>
    Effect.gen(function* () {
      const { connection } = connect("sdata")
      for (const token of [
        "garbage!",
        "eyJ2IjoyfQ",
        Buffer.from('{"v":1,"k":"v","f":"x","raw":-1,"size":1}').toString("base64url")
      ]) {
        const error = yield* Effect.flip(connection.list({ resource: "accounts", nextPage: token }))
        assert.strictEqual(error._tag, "HubRequestError")
        if (error._tag === "HubRequestError") assert.strictEqual(error.parameter, "nextPage")
      }
    })
  )

  it.effect("a token reused with another where or orderBy is refused", () =>
    Effect.gen(function* () {
      const { connection } = connect("sdata")
      const first = yield* connection.list({ resource: "accounts", where: "bucket = 0", pageSize: 5 })
      const other = yield* Effect.flip(
        connection.list({ resource: "accounts", where: "bucket = 1", pageSize: 5, nextPage: first.nextPage! })
      )
      assert.strictEqual(other._tag, "HubRequestError")
      assert.include(other.message, "different query")
      const sorted = yield* Effect.flip(
        connection.list({
          resource: "accounts",
          where: "bucket = 0",
          orderBy: "name",
          nextPage: first.nextPage!
        })
      )
      assert.include(sorted.message, "different query")
      const resource = yield* Effect.flip(
        connection.list({ resource: "readonly", where: "bucket = 0", nextPage: first.nextPage! })
      )
      assert.include(resource.message, "different query")
    })
  )

  it.effect("pageSize and page out of range", () =>
    Effect.gen(function* () {
      const { connection } = connect("sdata", { limits: { maxPageSize: 500 } })
      for (const pageSize of [0, -1, 1.5, 501]) {
        const error = yield* Effect.flip(connection.list({ resource: "accounts", pageSize }))
        assert.strictEqual(error._tag, "HubRequestError")
        assert.include(error.message, "pageSize")
      }
      const page = yield* Effect.flip(connection.list({ resource: "accounts", page: 0 }))
      assert.include(page.message, "page")
    })
  )

  it.effect("an unknown resource is NotFound naming the resources", () =>
    Effect.gen(function* () {
      const { connection } = connect("sdata")
      const error = yield* Effect.flip(connection.list({ resource: "journals" }))
      assert.strictEqual(error._tag, "ConnectorError")
      if (error._tag === "ConnectorError") assert.strictEqual(error.reason._tag, "NotFound")
      assert.include(error.message, "accounts, customers, readonly")
    })
  )

  it.effect("a verb the resource does not allow is Unsupported naming the allowed verbs", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("sdata", { collections: { "/readonly": records } })
      const error = yield* Effect.flip(connection.remove("readonly", "1"))
      assert.strictEqual(error._tag, "ConnectorError")
      if (error._tag === "ConnectorError") assert.strictEqual(error.reason._tag, "Unsupported")
      assert.include(error.message, "does not allow delete; it allows list, get")
      const create = yield* Effect.flip(connection.create("readonly", { a: 1 }))
      assert.include(create.message, "does not allow create")
      assert.strictEqual(vendor.requests.length, 0)
    })
  )

  it.effect("malformed CEQL is a CeqlError", () =>
    Effect.gen(function* () {
      const { connection } = connect("sdata")
      const error = yield* Effect.flip(connection.list({ resource: "accounts", where: "bucket = " }))
      assert.strictEqual(error._tag, "CeqlError")
    })
  )

  it.effect("caller query parameters may not replace engine parameters", () =>
    Effect.gen(function* () {
      const { connection } = connect("sdata", { collections: { "/contacts": records } })
      const paging = yield* Effect.flip(connection.list({ resource: "accounts", query: { startIndex: "5" } }))
      assert.strictEqual(paging._tag, "HubRequestError")
      const fixed = yield* Effect.flip(connection.list({ resource: "customers", query: { kind: "b" } }))
      assert.strictEqual(fixed._tag, "HubRequestError")
    })
  )

  it.effect("a vendor that ignores paging parameters is stopped", () =>
    Effect.gen(function* () {
      const { connection } = connect("odata", { ignorePaging: true, paginationMax: 100 })
      const error = yield* Effect.flip(Stream.runCollect(connection.stream({ resource: "accounts" })))
      assert.strictEqual(error._tag, "ConnectorError")
      assert.include(error.message, "same page")
    })
  )

  it.effect("a vendor that never stops is stopped after maxVendorPages", () =>
    Effect.gen(function* () {
      const { connection } = connect("sdata", { paginationMax: 10, limits: { maxVendorPages: 5 } })
      const error = yield* Effect.flip(Stream.runCollect(connection.stream({ resource: "accounts" })))
      assert.strictEqual(error._tag, "ConnectorError")
      assert.include(error.message, "after 5 pages")
    })
  )

  it.effect("an unexpected list body is an UnexpectedResponse naming the expected path", () =>
    Effect.gen(function* () {
      const vendor = fake("sdata", { collections: {} })
      const connection = Connection.make({
        connector: connectorFor("sdata"),
        configuration: configuration(),
        client: { request: () => Effect.succeed({ status: 200, headers: {}, body: { items: [] } }) }
      })
      const error = yield* Effect.flip(connection.list({ resource: "accounts" }))
      assert.strictEqual(error._tag, "ConnectorError")
      if (error._tag === "ConnectorError") assert.strictEqual(error.reason._tag, "UnexpectedResponse")
      assert.include(error.message, "$resources")
      assert.strictEqual(vendor.requests.length, 0)
    })
  )
})

describe("Connection orderBy", () => {
  const byName = [...records].sort((a, b) => {
    const x = String(a["name"])
    const y = String(b["name"])
    return x < y ? 1 : x > y ? -1 : 0
  })

  it.effect("sorts in memory when the vendor cannot, paging the sorted result", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("sageAccounting")
      const pages = yield* allPages(connection, {
        resource: "accounts",
        orderBy: "name desc",
        pageSize: 100,
        returnCount: true
      })
      const expected = [...records].sort(Ceql.compareBy([{ field: Ceql.field("name"), direction: "desc" }]))
      assert.deepStrictEqual(ids(pages.flatMap((p) => p.records)), ids(expected))
      assert.deepStrictEqual(ids(expected), ids(byName))
      assert.strictEqual(pages[0]!.total, 450)
      assert.isUndefined(pages.at(-1)!.nextPage)
      assert.isUndefined(vendor.requests[0]!.query?.["orderBy"])
    })
  )

  it.effect("in-memory sorting past the cap is a HubRequestError naming orderBy", () =>
    Effect.gen(function* () {
      const { connection } = connect("sdata", { limits: { maxSortRecords: 100 } })
      const error = yield* Effect.flip(connection.list({ resource: "accounts", orderBy: "name" }))
      assert.strictEqual(error._tag, "HubRequestError")
      if (error._tag === "HubRequestError") assert.strictEqual(error.parameter, "orderBy")
      assert.include(error.message, "100")
      const narrow = yield* connection.list({ resource: "accounts", orderBy: "name", where: "id <= 100" })
      assert.strictEqual(narrow.records.length, 100)
    })
  )

  it.effect("uses the vendor's sort when the connector declares one, with the id breaking ties", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("sdata", {
        connector: { sort: { param: "orderBy", style: "words" } }
      })
      const pages = yield* allPages(connection, { resource: "accounts", orderBy: "name desc", pageSize: 150 })
      assert.deepStrictEqual(ids(pages.flatMap((p) => p.records)), ids(byName))
      assert.strictEqual(vendor.requests[0]!.query?.["orderBy"], "name desc,id asc")
      assert.strictEqual(vendor.listRequests(), 3)
    })
  )

  it.effect("sorts in memory the keys the vendor cannot sort by", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("odata", {
        connector: { sort: { param: "$orderby", style: "words", fields: ["id"] } }
      })
      const page = yield* connection.list({ resource: "accounts", orderBy: "name desc", pageSize: 5 })
      assert.deepStrictEqual(ids(page.records), ids(byName.slice(0, 5)))
      assert.isUndefined(vendor.requests[0]!.query?.["$orderby"])
    })
  )
})

describe("Connection.stream and query", () => {
  for (const style of styles) {
    it.effect(`${style}: streams every matching record`, () =>
      Effect.gen(function* () {
        const { connection } = connect(style)
        const all = yield* Stream.runCollect(connection.stream({ resource: "accounts" }))
        assert.deepStrictEqual(ids(all), ids(records))
        const filtered = yield* Stream.runCollect(
          connection.stream({ resource: "accounts", where: "bucket = 0 AND kind != 'c'", fields: "id,kind" })
        )
        const oracle = records.filter((r) => r["bucket"] === 0 && r["kind"] !== "c")
        assert.deepStrictEqual(
          filtered,
          oracle.map((r) => ({ id: r["id"], kind: r["kind"] }))
        )
      })
    )
  }

  it.effect("query(hubUrl) runs a seed-style poller URL", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("sdata", {
        connector: { query: Ceql.Translate.params({ updated: { ">=": "since" } }) }
      })
      const since = "2026-01-01T05:00:00.000Z"
      const url = `/hubs/crm/accounts?where=updated>='${since}' and bucket = 0&pageSize=50`
      const all = yield* Stream.runCollect(connection.query(url))
      const oracle = records.filter((r) => String(r["updated"]) >= since && r["bucket"] === 0)
      assert.isAbove(oracle.length, 10)
      assert.deepStrictEqual(ids(all), ids(oracle))
      assert.strictEqual(vendor.requests[0]!.query?.["since"], since)
      assert.strictEqual(vendor.requests[0]!.query?.["count"], "50")
    })
  )

  it.effect("query(hubUrl) keeps a '+' offset inside a quoted date and decodes escapes", () =>
    Effect.gen(function* () {
      const { connection } = connect("sdata")
      const url =
        "/elements/api-v2/hubs/crm/accounts?where=updated+>=+'2026-01-01T06:00:00+01:00'%20AND%20kind%3D'a'"
      const all = yield* Stream.runCollect(connection.query(url))
      const oracle = records.filter(
        (r) => Date.parse(String(r["updated"])) >= Date.parse("2026-01-01T05:00:00Z") && r["kind"] === "a"
      )
      assert.deepStrictEqual(ids(all), ids(oracle))
    })
  )

  it.effect("query(hubUrl) refuses another hub and non-list URLs", () =>
    Effect.gen(function* () {
      const { connection } = connect("sdata")
      const hub = yield* Effect.flip(Stream.runCollect(connection.query("/hubs/finance/accounts")))
      assert.strictEqual(hub._tag, "HubRequestError")
      assert.include(hub.message, "'finance'")
      const item = yield* Effect.flip(Stream.runCollect(connection.query("/hubs/crm/accounts/42")))
      assert.strictEqual(item._tag, "HubRequestError")
      const notHub = yield* Effect.flip(Stream.runCollect(connection.query("/instances/1")))
      assert.strictEqual(notHub._tag, "HubRequestError")
    })
  )

  it.effect("query(hubUrl) lists a child collection", () =>
    Effect.gen(function* () {
      const contacts = dataset(30)
      const { connection, vendor } = connect("sdata", {
        collections: { "/accounts": records, "/accounts/1/contacts": contacts }
      })
      const all = yield* Stream.runCollect(
        connection.query("/hubs/crm/accounts/1/contacts?where=bucket%20%3D%200")
      )
      assert.deepStrictEqual(ids(all), ids(contacts.filter((r) => r["bucket"] === 0)))
      assert.strictEqual(vendor.requests[0]!.path, "/accounts/1/contacts")
    })
  )
})

describe("Connection single records", () => {
  it.effect("get fills the item path, quoting SData keys", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("sdata")
      const found = yield* connection.get("accounts", "42")
      assert.strictEqual(found["id"], 42)
      yield* Effect.flip(connection.get("accounts", "O'Brien/x"))
      assert.strictEqual(vendor.requests[1]!.path, "/accounts('O''Brien%2Fx')")
      const missing = yield* Effect.flip(connection.get("accounts", "9999"))
      assert.strictEqual(missing._tag, "ConnectorError")
      if (missing._tag === "ConnectorError") assert.strictEqual(missing.reason._tag, "NotFound")
      const empty = yield* Effect.flip(connection.get("accounts", ""))
      assert.strictEqual(empty._tag, "HubRequestError")
    })
  )

  it.effect("create merges defaults, wraps in the body key and unwraps the answer", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("odata", {
        collections: { "/contacts": records },
        bodyKey: "contact"
      })
      const created = yield* connection.create("customers", { name: "New", tags: ["vip"] })
      assert.deepStrictEqual(created, { kind: "a", tags: ["vip"], name: "New", id: 9999 })
      const request = vendor.requests[0]!
      assert.strictEqual(request.method, "POST")
      assert.strictEqual(request.path, "/contacts")
      assert.deepStrictEqual(request.body, { contact: { kind: "a", tags: ["vip"], name: "New" } })
      const notObject = yield* Effect.flip(connection.create("customers", [1, 2]))
      assert.strictEqual(notObject._tag, "HubRequestError")
    })
  )

  it.effect("update is PATCH, replace is PUT, remove is DELETE, each on the item path", () =>
    Effect.gen(function* () {
      const { connection, vendor } = connect("odata")
      const updated = yield* connection.update("accounts", "3", { name: "Changed" })
      assert.strictEqual(updated["name"], "Changed")
      yield* connection.replace("accounts", "3", { name: "Whole" })
      yield* connection.remove("accounts", "a b")
      assert.deepStrictEqual(
        vendor.requests.map((r) => [r.method, r.path]),
        [
          ["PATCH", "/accounts/3"],
          ["PUT", "/accounts/3"],
          ["DELETE", "/accounts/a%20b"]
        ]
      )
      assert.deepStrictEqual(vendor.requests[0]!.body, { name: "Changed" })
      const customers = connect("odata", { collections: { "/contacts": records } })
      const error = yield* Effect.flip(customers.connection.replace("customers", "3", {}))
      assert.include(error.message, "it allows list, get, create, update")
    })
  )

  it.effect("a write answered with an empty body gives the record sent", () =>
    Effect.gen(function* () {
      const connection = Connection.make({
        connector: connectorFor("odata"),
        configuration: configuration(),
        client: { request: () => Effect.succeed({ status: 204, headers: {}, body: undefined }) }
      })
      assert.deepStrictEqual(yield* connection.update("accounts", "1", { a: 1 }), { a: 1 })
    })
  )

  it.effect("children list pages of a child collection", () =>
    Effect.gen(function* () {
      const contacts = dataset(12)
      const { connection } = connect("sdata", {
        collections: { "/accounts": records, "/accounts/1/contacts": contacts }
      })
      const page = yield* connection.children("accounts", "1", "contacts", { pageSize: 5 })
      assert.deepStrictEqual(ids(page.records), [1, 2, 3, 4, 5])
      const unknown = yield* Effect.flip(connection.children("accounts", "1", "notes"))
      assert.include(unknown.message, "its children are contacts")
    })
  )

  it.effect("vendor objects through the connector's templates", () =>
    Effect.gen(function* () {
      const widgets = dataset(25)
      const { connection, vendor } = connect("odata", {
        collections: { "/objects/widgets": widgets },
        connector: {
          objects: {
            path: "/objects/{objectName}",
            itemPath: "/objects/{objectName}/{id}",
            id: "id",
            verbs: ["list", "get"]
          }
        }
      })
      const page = yield* connection.list({ resource: "widgets", pageSize: 10 })
      assert.deepStrictEqual(ids(page.records), ids(widgets.slice(0, 10)))
      const one = yield* connection.get("widgets", "4")
      assert.strictEqual(one["id"], 4)
      assert.strictEqual(vendor.requests.at(-1)!.path, "/objects/widgets/4")
      const denied = yield* Effect.flip(connection.remove("widgets", "4"))
      assert.include(denied.message, "it allows list, get")
      const bad = yield* Effect.flip(connection.list({ resource: ".." }))
      assert.strictEqual(bad._tag, "HubRequestError")
    })
  )

  it.effect("children of vendor objects through the connector's child template", () =>
    Effect.gen(function* () {
      const lines = dataset(12)
      const { connection, vendor } = connect("odata", {
        collections: { "/objects/orders/7/lines": lines, "/objects/orders": dataset(3) },
        connector: {
          objects: {
            path: "/objects/{objectName}",
            itemPath: "/objects/{objectName}/{id}",
            childPath: "/objects/{objectName}/{id}/{childObjectName}",
            id: "id",
            verbs: ["list", "get"]
          }
        }
      })
      const page = yield* connection.children("orders", "7", "lines", { pageSize: 5 })
      assert.deepStrictEqual(ids(page.records), ids(lines.slice(0, 5)))
      assert.strictEqual(vendor.requests.at(-1)!.path, "/objects/orders/7/lines")
      const bad = yield* Effect.flip(connection.children("orders", "7", ".."))
      assert.strictEqual(bad._tag, "HubRequestError")
    })
  )

  it.effect("tombstones ask the vendor with the resource's time format", () =>
    Effect.gen(function* () {
      const deleted = dataset(3)
      const { connection, vendor } = connect("sdata", {
        collections: { "/accounts": records, "/deleted": deleted }
      })
      const all = yield* Stream.runCollect(
        connection.tombstones("accounts", Date.UTC(2026, 10, 22, 10, 0, 0))
      )
      assert.deepStrictEqual(ids(all), [1, 2, 3])
      assert.strictEqual(vendor.requests[0]!.path, "/deleted")
      assert.strictEqual(vendor.requests[0]!.query?.["deleted_since"], "2026-11-22T10:00:00Z")
      const none = yield* Effect.flip(Stream.runCollect(connection.tombstones("readonly", 0)))
      assert.strictEqual(none._tag, "ConnectorError")
      if (none._tag === "ConnectorError") assert.strictEqual(none.reason._tag, "Unsupported")
    })
  )

  it.effect("check reads the credential check path", () =>
    Effect.gen(function* () {
      const requests: Array<unknown> = []
      const connection = Connection.make({
        connector: connectorFor("sdata"),
        configuration: configuration(),
        client: {
          request: (request) => {
            requests.push([request.method, request.path, request.query])
            return Effect.succeed({ status: 200, headers: {}, body: {} })
          }
        }
      })
      yield* connection.check()
      assert.deepStrictEqual(requests, [["GET", "/me", { fields: "id" }]])
    })
  )
})
