import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted, Ref, type Scope, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import {
  Client,
  Configuration,
  ConnectorError,
  PollerConfiguration,
  PollStateStore,
  TokenStore
} from "../src/index.js"
import { type FakeItemsVendor, itemsConnector, startFakeItemsVendor } from "./ClientFakeVendor.js"

const fake = Effect.acquireRelease(
  Effect.promise(() => startFakeItemsVendor()),
  (vendor) => Effect.promise(() => vendor.close())
)

const connect = (vendor: FakeItemsVendor, extra: Partial<Client.ConnectOptions> = {}) =>
  Client.connect({
    connector: itemsConnector,
    configuration: vendor.configuration,
    providerData: { code: vendor.issueCode() },
    vendor: { baseDelayMillis: 1, maxDelayMillis: 5 },
    ...extra
  })

type Services = TokenStore.TokenStore | PollStateStore.PollStateStore | HttpClient.HttpClient | Scope.Scope

/** Runs a test body against a fresh fake vendor with the in-memory services of `Client.layer`. */
const run = <A, E>(body: (vendor: FakeItemsVendor) => Effect.Effect<A, E, Services>) =>
  Effect.scoped(Effect.flatMap(fake, body)).pipe(Effect.provide(Client.layer))

const names = (records: ReadonlyArray<Record<string, unknown>>) => records.map((r) => r["name"])

const an = (minutesAgo: number) => Date.now() - minutesAgo * 60_000

describe("Client.connect", () => {
  it.live("decodes the configuration, exchanges the code and stores the tokens under the instance key", () =>
    run((vendor) =>
      Effect.gen(function* () {
        const client = yield* connect(vendor, { instanceKey: "inst-1" })
        assert.strictEqual(client.instanceKey, "inst-1")
        assert.strictEqual(client.connector.key, "fakeitems")
        assert.strictEqual(client.configuration.text("base.url"), `${vendor.origin}/api`)
        const stored = yield* (yield* TokenStore.TokenStore).get("inst-1")
        assert.isTrue(Option.isSome(stored))
        assert.deepStrictEqual(vendor.liveRefreshTokens(), [
          Redacted.value(Option.getOrThrow(stored).refreshToken!)
        ])
        // The exchange proved the credentials: no check call was made.
        assert.strictEqual(vendor.requests.length, 0)
      })
    )
  )

  it.live("names every configuration problem at once", () =>
    run(() =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          Client.connect({ connector: itemsConnector, configuration: { "base.url": 42 } })
        )
        assert.instanceOf(error, Configuration.ConfigurationError)
        const keys = (error as Configuration.ConfigurationError).problems.map((p) => p.key).sort()
        assert.deepStrictEqual(keys, ["base.url", "oauth.api.key", "oauth.api.secret"])
      })
    )
  )

  it.live("without a code, checks the credentials: no tokens is an Authentication error", () =>
    run((vendor) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(
          Client.connect({ connector: itemsConnector, configuration: vendor.configuration })
        )
        assert.instanceOf(error, ConnectorError.ConnectorError)
        assert.strictEqual((error as ConnectorError.ConnectorError).reason._tag, "Authentication")
        // With check: false nothing is called until the first request.
        const unchecked = yield* Client.connect({
          connector: itemsConnector,
          configuration: vendor.configuration,
          check: false
        })
        assert.strictEqual(unchecked.connection.connector, itemsConnector)
      })
    )
  )

  it.live("reuses stored tokens when connecting again with the same instance key", () =>
    run((vendor) =>
      Effect.gen(function* () {
        yield* connect(vendor, { instanceKey: "again" })
        const second = yield* Client.connect({
          connector: itemsConnector,
          configuration: vendor.configuration,
          instanceKey: "again"
        })
        assert.deepStrictEqual(
          vendor.requests.map((r) => r.path),
          ["/items"]
        )
        assert.strictEqual(second.instanceKey, "again")
      })
    )
  )

  it.live("refuses an empty instance key, naming it", () =>
    run((vendor) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(connect(vendor, { instanceKey: " " }))
        assert.instanceOf(error, ConnectorError.ConnectorError)
        const reason = (error as ConnectorError.ConnectorError).reason
        assert.strictEqual(reason._tag, "InvalidRequest")
        assert.strictEqual(reason._tag === "InvalidRequest" ? reason.field : undefined, "instanceKey")
      })
    )
  )
})

describe("Client connection", () => {
  it.live("lists with CEQL and paging, streams every page, and does CRUD", () =>
    run((vendor) =>
      Effect.gen(function* () {
        for (const [name, kind] of [
          ["alpha", "a"],
          ["beta", "b"],
          ["gamma", "a"],
          ["delta", "a"],
          ["epsilon", "b"]
        ]) {
          vendor.insert({ name, kind })
        }
        const { connection } = yield* connect(vendor)
        const first = yield* connection.list({ resource: "items", where: "kind = 'a'", pageSize: 2 })
        assert.deepStrictEqual(names(first.records), ["alpha", "gamma"])
        assert.isString(first.nextPage)
        const second = yield* connection.list({
          resource: "items",
          where: "kind = 'a'",
          pageSize: 2,
          nextPage: first.nextPage!
        })
        assert.deepStrictEqual(names(second.records), ["delta"])
        assert.isUndefined(second.nextPage)

        const all = yield* Stream.runCollect(connection.stream({ resource: "items", pageSize: 2 }))
        assert.deepStrictEqual(names(all), ["alpha", "beta", "gamma", "delta", "epsilon"])

        const created = yield* connection.create("items", { name: "zeta", kind: "c" })
        const id = String(created["id"])
        assert.strictEqual((yield* connection.get("items", id))["name"], "zeta")
        const updated = yield* connection.update("items", id, { kind: "d" })
        assert.deepStrictEqual([updated["name"], updated["kind"]], ["zeta", "d"])
        const replaced = yield* connection.replace("items", id, { name: "eta" })
        assert.deepStrictEqual([replaced["name"], replaced["kind"]], ["eta", undefined])
        yield* connection.remove("items", id)
        const gone = yield* Effect.flip(connection.get("items", id))
        assert.instanceOf(gone, ConnectorError.ConnectorError)
        assert.strictEqual((gone as ConnectorError.ConnectorError).reason._tag, "NotFound")
      })
    )
  )

  it.live("a replaced token store sees the rotated refresh token after a 401", () =>
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
      yield* Effect.scoped(
        Effect.gen(function* () {
          const vendor = yield* fake
          const { connection } = yield* connect(vendor)
          vendor.expireAccessTokens()
          yield* connection.list({ resource: "items" })
          const refreshTokens = yield* Ref.get(saved)
          assert.strictEqual(refreshTokens.length, 2)
          // The store holds the one refresh token the vendor still accepts; the first was rotated away.
          assert.deepStrictEqual(vendor.liveRefreshTokens(), [refreshTokens[1] ?? "none"])
        })
      ).pipe(
        Effect.provide(
          Layer.mergeAll(
            Layer.succeed(TokenStore.TokenStore, recording),
            PollStateStore.PollStateStore.layerMemory,
            FetchHttpClient.layer
          )
        )
      )
    })
  )
})

describe("Client.poll", () => {
  it.live("starts from now, keeps its state between calls and never repeats an event", () =>
    run((vendor) =>
      Effect.gen(function* () {
        const old = vendor.insert({ name: "old" }, an(60))
        const client = yield* connect(vendor, { instanceKey: "poller" })
        const store = yield* PollStateStore.PollStateStore

        const first = yield* client.poll("items")
        assert.deepStrictEqual(first.events, [])
        assert.isTrue(Option.isSome(yield* store.get("poller", "items")))

        const fresh = vendor.insert({ name: "fresh" })
        vendor.change(old.id, { name: "old, renamed" })
        const second = yield* client.poll("items")
        const seen = second.events.map((e) => `${e.event.eventType} ${e.event.objectId}`).sort()
        assert.deepStrictEqual(seen, [`CREATED ${fresh.id}`, `UPDATED ${old.id}`])
        for (const { event } of second.events) {
          assert.strictEqual(event.objectType, "items")
          assert.strictEqual(event.elementKey, "fakeitems")
          assert.strictEqual(event.hubKey, "crm")
        }
        const stored = Option.getOrThrow(yield* store.get("poller", "items"))
        assert.deepStrictEqual(stored, second.state)

        // The same changes are inside the overlap window again: nothing is repeated.
        const third = yield* client.poll("items")
        assert.deepStrictEqual(third.events, [])
        assert.isAbove(third.stats.duplicates, 0)
      })
    )
  )

  it.live("takes the entry from event.poller.configuration, or the caller's, with defaults applied", () =>
    run((vendor) =>
      Effect.gen(function* () {
        const client = yield* connect(vendor, {
          configuration: {
            ...vendor.configuration,
            "event.poller.configuration": {
              renamed: {
                url: "/hubs/crm/items?where=updated_at >= '${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'"
              }
            }
          }
        })
        const configured = yield* client.pollEntry("renamed")
        assert.strictEqual(configured.idField, "id")
        assert.strictEqual(configured.datesConfiguration?.updatedDateField, "updated_at")
        const fallback = yield* client.pollEntry("items")
        assert.include(fallback.url, "/hubs/crm/items?where=updated_at >= ")
        const given = yield* client.pollEntry("items", { entry: { url: "/hubs/crm/items", pollDelay: 5 } })
        assert.strictEqual(given.pollDelay, 5)
        assert.strictEqual(given.idField, "id")

        vendor.insert({ name: "new" })
        const polled = yield* client.poll("renamed")
        assert.deepStrictEqual(
          polled.events.map((e) => [e.event.eventType, e.event.objectType]),
          [["CREATED", "renamed"]]
        )
      })
    )
  )

  it.live("fails naming the resource when there is no entry, or the URL is another hub's", () =>
    run((vendor) =>
      Effect.gen(function* () {
        const client = yield* connect(vendor)
        const missing = yield* Effect.flip(client.poll("nothing"))
        assert.instanceOf(missing, PollerConfiguration.PollerConfigurationError)
        assert.include(missing.message, "nothing")
        const foreign = yield* Effect.flip(
          client.poll("items", { entry: { url: "/hubs/finance/customers" } })
        )
        assert.instanceOf(foreign, PollerConfiguration.PollerConfigurationError)
        assert.deepStrictEqual(
          (foreign as PollerConfiguration.PollerConfigurationError).problems.map((p) => [
            p.resource,
            p.field
          ]),
          [["items", "url"]]
        )
      })
    )
  )

  it.live("a failed poll keeps the cursor, counts the failure and is repeated by the next poll", () =>
    run((vendor) =>
      Effect.gen(function* () {
        const client = yield* connect(vendor, { instanceKey: "failing" })
        const store = yield* PollStateStore.PollStateStore
        yield* client.poll("items")
        const before = Option.getOrThrow(yield* store.get("failing", "items"))
        const created = vendor.insert({ name: "while failing" })
        vendor.failNext(400)
        const failure = yield* Effect.flip(client.poll("items"))
        assert.instanceOf(failure, ConnectorError.ConnectorError)
        const after = Option.getOrThrow(yield* store.get("failing", "items"))
        assert.strictEqual(after.watermark, before.watermark)
        assert.strictEqual(after.failures, 1)
        assert.include(after.lastError, "(400)")
        const retried = yield* client.poll("items")
        assert.deepStrictEqual(
          retried.events.map((e) => e.event.objectId),
          [created.id]
        )
        assert.strictEqual(retried.state.failures, 0)
      })
    )
  )
})
