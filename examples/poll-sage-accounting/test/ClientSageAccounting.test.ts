import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import { SageAccounting } from "@plugboard/connector-sage-accounting"
import {
  type FakeSageAccounting,
  startFakeSageAccounting
} from "@plugboard/connector-sage-accounting/testing"
import { AsyncClient, Client, ConnectorError, PollStateStore, TokenStore } from "@plugboard/core"
import { Effect, Layer, Option, Redacted, Ref } from "effect"
import { FetchHttpClient } from "effect/http"

// Library mode against the connector's fake server: these tests live here, not in core, because
// core cannot depend on a connector package (connectors depend on core).

const callback = "https://example.test/oauth/callback"
const hourAgo = () => Date.now() - 3_600_000

let fake: FakeSageAccounting
const open: Array<AsyncClient.AsyncClient> = []

beforeEach(async () => {
  fake = await startFakeSageAccounting()
})

afterEach(async () => {
  for (const client of open.splice(0)) await client.dispose()
  await fake.close()
})

const configuration = (extra: Record<string, unknown> = {}) => ({
  "oauth.api.key": "test-client",
  "oauth.api.secret": "test-secret",
  "oauth.callback.url": callback,
  "base.url": fake.baseUrl,
  "oauth.authorization.url": fake.authorizationUrl,
  "oauth.token.url": fake.tokenUrl,
  ...extra
})

const code = () => fake.oauth.issueCode({ clientId: "test-client", redirectUri: callback })

const connect = async (options: Partial<AsyncClient.ConnectOptions> = {}) => {
  const client = await AsyncClient.connect({
    connector: SageAccounting,
    configuration: configuration(),
    providerData: { code: code() },
    // Tests call back to back; the vendor's pace is the connector's own tests' business.
    vendor: { burst: 1000, baseDelayMillis: 1 },
    ...options
  })
  open.push(client)
  return client
}

const customer = (name: string, at?: number) =>
  fake.store.insert("contacts", { name, contact_type_ids: ["CUSTOMER"] }, at === undefined ? {} : { at })

const contactLists = () => fake.requests.filter((r) => r.method === "GET" && r.path === "/contacts").length

describe("Client with Sage Accounting", () => {
  it.live("exchanges the code, and a replaced token store sees the rotated refresh token", () =>
    Effect.gen(function* () {
      const saved = yield* Ref.make<ReadonlyArray<string>>([])
      const memory = yield* TokenStore.makeMemory()
      const recording = TokenStore.TokenStore.of({
        ...memory,
        set: (key, tokens) =>
          Effect.andThen(
            Ref.update(saved, (all) => [...all, Redacted.value(tokens.refreshToken!)]),
            memory.set(key, tokens)
          )
      })
      const client = yield* Client.connect({
        connector: SageAccounting,
        configuration: configuration(),
        providerData: { code: code() },
        vendor: { burst: 1000 }
      }).pipe(
        Effect.provide(Layer.mergeAll(Layer.succeed(TokenStore.TokenStore, recording), FetchHttpClient.layer))
      )
      assert.strictEqual((yield* Ref.get(saved)).length, 1)

      fake.oauth.expireAccessTokens()
      customer("Acme")
      const page = yield* client.connection.list({ resource: "customers" })
      assert.deepStrictEqual(
        page.records.map((r) => r["displayed_as"]),
        ["Acme"]
      )
      const refreshTokens = yield* Ref.get(saved)
      assert.strictEqual(refreshTokens.length, 2)
      assert.deepStrictEqual([...fake.oauth.liveRefreshTokens()], [refreshTokens[1] ?? "none"])
    })
  )

  it.live("a refused code is an Authentication error carrying the vendor's words", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Client.connect({
          connector: SageAccounting,
          configuration: configuration(),
          providerData: { code: "not-a-code" }
        }).pipe(Effect.provide(Client.layer))
      )
      assert.instanceOf(error, ConnectorError.ConnectorError)
      const failure = error as ConnectorError.ConnectorError
      assert.strictEqual(failure.reason._tag, "Authentication")
      assert.include(failure.providerMessage, "invalid or expired")
    })
  )
})

describe("AsyncClient with Sage Accounting", () => {
  it("records() iterates every page, reading pages only as the loop needs them", async () => {
    for (let i = 1; i <= 7; i++) customer(`Customer ${i}`)
    const sage = await connect()
    const before = contactLists()
    const firstThree: Array<unknown> = []
    for await (const record of sage.records({ resource: "customers", pageSize: 2 })) {
      firstThree.push(record["displayed_as"])
      if (firstThree.length === 3) break
    }
    assert.deepStrictEqual(firstThree, ["Customer 1", "Customer 2", "Customer 3"])
    assert.strictEqual(contactLists() - before, 2)

    const all: Array<unknown> = []
    for await (const record of sage.records({ resource: "customers", pageSize: 2 })) {
      all.push(record["displayed_as"])
    }
    assert.strictEqual(all.length, 7)
    assert.strictEqual(contactLists() - before, 2 + 4)
  })

  it("CRUD through Promises, errors rejected as ConnectorError values", async () => {
    const sage = await connect()
    const created = await sage.create("customers", { name: "Globex" })
    const id = String(created["id"])
    assert.deepStrictEqual((await sage.get("customers", id))["contact_types"], [
      { id: "CUSTOMER", displayed_as: "Customer", $path: "/contact_types/CUSTOMER" }
    ])
    assert.strictEqual((await sage.update("customers", id, { notes: "VIP" }))["notes"], "VIP")
    await sage.remove("customers", id)
    const error = await sage.get("customers", id).then(
      () => undefined,
      (rejected: unknown) => rejected
    )
    assert.instanceOf(error, ConnectorError.ConnectorError)
    assert.strictEqual((error as ConnectorError.ConnectorError).reason._tag, "NotFound")
  })

  it("polls with the instance's poller configuration and state kept between calls", async () => {
    const states = new Map<string, string>()
    const pollStateStore: AsyncClient.AsyncPollStateStore = {
      get: async (key, resource) => states.get(`${key}/${resource}`),
      set: async (key, resource, state) => {
        states.set(`${key}/${resource}`, state)
      }
    }
    const old = customer("Old", hourAgo())
    const doomed = customer("Doomed", hourAgo())
    const sage = await connect({
      instanceKey: "sage-poller",
      pollStateStore,
      configuration: configuration({
        "event.poller.configuration": {
          customers: {
            url: "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at'"
          }
        }
      })
    })
    assert.deepStrictEqual((await sage.poll("customers")).events, [])
    assert.isTrue(states.has("sage-poller/customers"))

    const fresh = customer("Fresh")
    fake.store.update("contacts", old.id, { notes: "changed" })
    fake.store.remove("contacts", doomed.id)
    const second = await sage.poll("customers")
    assert.deepStrictEqual(
      second.events.map((e) => `${e.event.eventType} ${e.event.objectId}`).sort(),
      [`CREATED ${fresh.id}`, `DELETED ${doomed.id}`, `UPDATED ${old.id}`].sort()
    )
    const asked = fake.requests.filter((r) => r.query.get("attributes") === "created_at,updated_at")
    assert.isAbove(asked.length, 0, "the configured URL's attributes reached the vendor")

    const third = await sage.poll("customers")
    assert.deepStrictEqual(third.events, [])
    const stored = await PollStateStore.makeText({
      get: (key, resource) => Effect.succeed(Option.fromNullishOr(states.get(`${key}/${resource}`))),
      set: () => Effect.void
    })
      .get("sage-poller", "customers")
      .pipe(Effect.runPromise)
    assert.deepStrictEqual(Option.getOrThrow(stored), third.state)
  })
})
