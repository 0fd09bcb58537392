import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { AsyncClient, Ceql, Configuration, ConnectorError, PollStateStore, TokenStore } from "../src/index.js"
import { CLIENT_ID, type FakeItemsVendor, itemsConnector, startFakeItemsVendor } from "./ClientFakeVendor.js"

let vendor: FakeItemsVendor
const open: Array<AsyncClient.AsyncClient> = []

beforeEach(async () => {
  vendor = await startFakeItemsVendor()
})

afterEach(async () => {
  for (const client of open.splice(0)) await client.dispose()
  await vendor.close()
})

const connect = async (extra: Partial<AsyncClient.ConnectOptions> = {}) => {
  const client = await AsyncClient.connect({
    connector: itemsConnector,
    configuration: vendor.configuration,
    providerData: { code: vendor.issueCode() },
    vendor: { baseDelayMillis: 1, maxDelayMillis: 5 },
    ...extra
  })
  open.push(client)
  return client
}

const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected a rejection")
}

const listCalls = () => vendor.requests.filter((r) => r.method === "GET" && r.path === "/items").length

/** A token store over a Map, as a caller would write one. */
const mapTokenStore = () => {
  const saved = new Map<string, AsyncClient.TokenJson>()
  const store: AsyncClient.AsyncTokenStore = {
    get: async (key) => saved.get(key),
    set: async (key, tokens) => {
      saved.set(key, tokens)
    }
  }
  return { saved, store }
}

/** A poll state store over a Map of JSON text. */
const mapStateStore = () => {
  const saved = new Map<string, string>()
  const store: AsyncClient.AsyncPollStateStore = {
    get: async (key, resource) => saved.get(`${key}/${resource}`),
    set: async (key, resource, state) => {
      saved.set(`${key}/${resource}`, state)
    }
  }
  return { saved, store }
}

describe("AsyncClient", () => {
  it("lists pages, reads every record and does CRUD with Promises", async () => {
    for (const name of ["a", "b", "c", "d", "e"]) vendor.insert({ name })
    const client = await connect()
    const page = await client.list({ resource: "items", pageSize: 2, returnCount: true })
    assert.deepStrictEqual(
      page.records.map((r) => r["name"]),
      ["a", "b"]
    )
    assert.strictEqual(page.total, 5)
    const next = await client.list({ resource: "items", pageSize: 2, nextPage: page.nextPage! })
    assert.deepStrictEqual(
      next.records.map((r) => r["name"]),
      ["c", "d"]
    )
    const filtered: Array<unknown> = []
    for await (const record of client.records({ resource: "items", where: "name in ('b', 'e')" })) {
      filtered.push(record["name"])
    }
    assert.deepStrictEqual(filtered, ["b", "e"])

    const created = await client.create("items", { name: "f" })
    const id = String(created["id"])
    assert.strictEqual((await client.get("items", id))["name"], "f")
    assert.strictEqual((await client.update("items", id, { colour: "red" }))["colour"], "red")
    assert.isUndefined((await client.replace("items", id, { name: "g" }))["colour"])
    await client.remove("items", id)
    const fromQuery: Array<unknown> = []
    for await (const record of client.query("/hubs/crm/items?where=name >= 'd'"))
      fromQuery.push(record["name"])
    assert.deepStrictEqual(fromQuery, ["d", "e"])
  })

  it("records() reads vendor pages only as iteration needs them", async () => {
    for (let i = 1; i <= 9; i++) vendor.insert({ name: `item-${i}` })
    const client = await connect()
    const before = listCalls()
    const records = client.records({ resource: "items", pageSize: 2 })
    assert.strictEqual(listCalls(), before, "nothing is read before iteration starts")

    const firstThree: Array<unknown> = []
    for await (const record of records) {
      firstThree.push(record["name"])
      if (firstThree.length === 3) break
    }
    assert.deepStrictEqual(firstThree, ["item-1", "item-2", "item-3"])
    assert.strictEqual(listCalls() - before, 2, "three records need two pages of two, and no more")

    const all: Array<unknown> = []
    for await (const record of client.records({ resource: "items", pageSize: 2 })) all.push(record["name"])
    assert.strictEqual(all.length, 9)
    assert.deepStrictEqual(all.at(-1), "item-9")
  })

  it("rejects with the Effect error values, so reason tags and problems can be read", async () => {
    const client = await connect()
    const missing = await rejection(client.get("items", "404"))
    assert.instanceOf(missing, ConnectorError.ConnectorError)
    assert.strictEqual((missing as ConnectorError.ConnectorError).reason._tag, "NotFound")

    const badWhere = await rejection(client.list({ resource: "items", where: "name = " }))
    assert.instanceOf(badWhere, Ceql.CeqlError)

    const iterating = await rejection(
      (async () => {
        for await (const _ of client.records({ resource: "nothing" })) void _
      })()
    )
    assert.instanceOf(iterating, ConnectorError.ConnectorError)
    assert.strictEqual((iterating as ConnectorError.ConnectorError).reason._tag, "NotFound")

    const badConfig = await rejection(AsyncClient.connect({ connector: itemsConnector, configuration: {} }))
    assert.instanceOf(badConfig, Configuration.ConfigurationError)
    assert.deepStrictEqual(
      (badConfig as Configuration.ConfigurationError).problems.map((p) => p.key).sort(),
      ["oauth.api.key", "oauth.api.secret"]
    )
  })

  it("keeps tokens in the caller's store, rotated refresh tokens included", async () => {
    const { saved, store } = mapTokenStore()
    vendor.insert({ name: "a" })
    const client = await connect({ tokenStore: store, instanceKey: "mine" })
    const first = saved.get("mine")
    assert.isString(first?.refreshToken)
    assert.strictEqual(first?.tokenType, "bearer")

    vendor.expireAccessTokens()
    await client.list({ resource: "items" })
    const rotated = saved.get("mine")
    assert.notStrictEqual(rotated?.refreshToken, first?.refreshToken)
    assert.deepStrictEqual(vendor.liveRefreshTokens(), [rotated?.refreshToken ?? "none"])

    // A later run picks the tokens up from the store: no code needed.
    const again = await connect({ tokenStore: store, instanceKey: "mine", providerData: undefined })
    assert.strictEqual((await again.list({ resource: "items" })).records.length, 1)
  })

  it("reports a failing or garbled token store as a TokenStoreError naming no secret", async () => {
    const failing = await rejection(
      connect({
        tokenStore: {
          get: async () => undefined,
          set: async () => {
            throw new Error("disk full")
          }
        }
      })
    )
    assert.instanceOf(failing, TokenStore.TokenStoreError)
    assert.include((failing as Error).message, "disk full")

    const garbled = await rejection(
      connect({
        providerData: undefined,
        tokenStore: {
          get: async () => ({ accessToken: 42 }) as unknown as AsyncClient.TokenJson,
          set: async () => {}
        }
      })
    )
    assert.instanceOf(garbled, TokenStore.TokenStoreError)
    assert.include((garbled as Error).message, "accessToken")
    assert.include((garbled as Error).message, "tokenType")
  })

  it("keeps poll state in the caller's store across clients, without repeating events", async () => {
    const tokens = mapTokenStore()
    const states = mapStateStore()
    vendor.insert({ name: "history" }, Date.now() - 3_600_000)
    const first = await connect({
      instanceKey: "poller",
      tokenStore: tokens.store,
      pollStateStore: states.store
    })
    assert.deepStrictEqual((await first.poll("items")).events, [])
    const stored = JSON.parse(states.saved.get("poller/items")!) as { watermark: number }
    assert.isNumber(stored.watermark)
    await first.dispose()

    const created = vendor.insert({ name: "new" })
    const second = await connect({
      instanceKey: "poller",
      tokenStore: tokens.store,
      pollStateStore: states.store,
      providerData: undefined
    })
    const polled = await second.poll("items")
    assert.deepStrictEqual(
      polled.events.map((e) => [e.event.eventType, e.event.objectId]),
      [["CREATED", created.id]]
    )
    assert.deepStrictEqual(polled.events[0]?.record, created)
    assert.deepStrictEqual((await second.poll("items")).events, [])
  })

  it("refuses a stored poll state that does not read, naming the resource", async () => {
    const client = await connect({
      pollStateStore: { get: async () => "{not json", set: async () => {} }
    })
    const error = await rejection(client.poll("items"))
    assert.instanceOf(error, PollStateStore.PollStateStoreError)
    assert.strictEqual((error as PollStateStore.PollStateStoreError).resource, "items")
  })

  it("builds the vendor's authorize URL, and stops working once disposed", async () => {
    const url = new URL(
      await AsyncClient.authorizeUrl({
        connector: itemsConnector,
        configuration: vendor.configuration,
        state: "xyz"
      })
    )
    assert.strictEqual(url.origin, vendor.origin)
    assert.strictEqual(url.searchParams.get("client_id"), CLIENT_ID)
    assert.strictEqual(url.searchParams.get("state"), "xyz")
    assert.strictEqual(url.searchParams.get("redirect_uri"), "https://app.test/callback")

    const client = await connect()
    await client.dispose()
    await rejection(client.list({ resource: "items" }))
    await rejection(
      (async () => {
        for await (const _ of client.records({ resource: "items" })) void _
      })()
    )
  })
})
