import { assert, describe, it } from "@effect/vitest"
import { Configuration, Poller, PollerConfiguration, TokenStore } from "@plugboard/core"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { Sage200 } from "../src/index.js"
import { fakeSage200 } from "../src/testing.js"
import { connect } from "./Sage200Connect.js"
import { seedConfiguration } from "./Sage200Seed.js"

const services = Layer.mergeAll(TokenStore.TokenStore.layerMemory, FetchHttpClient.layer)

const at = (time: string) => Date.parse(`2026-11-22T${time}Z`)

const withoutPoller = { ...seedConfiguration, "event.poller.configuration": {} }

describe("Sage 200 polling", () => {
  it.effect("defaults poll the seed's seven resources, transactions on its own resource", () =>
    Effect.gen(function* () {
      const configuration = yield* Configuration.decode(Sage200.configuration, withoutPoller)
      const { source, entries } = yield* PollerConfiguration.resolveEntries(Sage200, configuration)
      assert.strictEqual(source, "defaults")
      assert.deepStrictEqual(
        entries.map((e) => [e.resource, e.listed]),
        [
          ["customers", "customers"],
          ["payments", "payments"],
          ["invoices", "invoices"],
          ["products", "products"],
          ["transactions", "transactions"],
          ["warehouse-holdings", "warehouse-holdings"],
          ["warehouses", "warehouses"]
        ]
      )
      const transactions = entries.find((e) => e.resource === "transactions")!.entry
      assert.strictEqual(
        transactions.url,
        "/hubs/finance/transactions?where=date_time_updated>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'"
      )
      assert.strictEqual(transactions.idField, "id")
      assert.strictEqual(transactions.datesConfiguration?.updatedDateField, "date_time_updated")
      assert.strictEqual(transactions.datesConfiguration?.createdDateField, "date_time_created")
    })
  )

  it.effect("the seed's own configuration is obeyed as written, its transactions slip included", () =>
    Effect.gen(function* () {
      const configuration = yield* Configuration.decode(Sage200.configuration, seedConfiguration)
      const { source, entries } = yield* PollerConfiguration.resolveEntries(Sage200, configuration)
      assert.strictEqual(source, "event.poller.configuration")
      assert.strictEqual(entries.length, 7)
      assert.strictEqual(entries.find((e) => e.resource === "transactions")?.listed, "customers")
      assert.strictEqual(
        entries.find((e) => e.resource === "customers")?.entry.datesConfiguration?.updatedDateField,
        "updated_at"
      )
    })
  )

  it.live("default entries give CREATED and UPDATED from date_time_created/date_time_updated", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSage200()
      const { connection, configuration } = yield* connect(fake, { "event.poller.configuration": {} })
      const old = fake.store.insert("sales_posted_transactions", { reference: "OLD" }, at("09:00:00"))
      const changed = fake.store.insert("sales_posted_transactions", { reference: "CHG" }, at("09:00:00"))
      fake.store.update("sales_posted_transactions", changed.id, { outstanding_value: 0 }, at("10:05:00"))
      const created = fake.store.insert("sales_posted_transactions", { reference: "NEW" }, at("10:06:00"))
      fake.store.insert("customers", { reference: "NOT-A-TRANSACTION" }, at("10:07:00"))

      const resolved = yield* PollerConfiguration.resolve(Sage200, configuration, "transactions")
      const input = {
        source: Poller.fromConnection(connection, resolved.listed),
        instanceId: 1,
        elementKey: Sage200.key,
        hubKey: Sage200.hub,
        resource: "transactions",
        entry: resolved.entry
      }
      const first = yield* Poller.poll({
        ...input,
        state: Poller.initialState(at("10:00:00")),
        now: at("10:15:00")
      })
      assert.deepStrictEqual(
        first.events.map((e) => [e.event.eventType, e.event.objectId]).sort(),
        [
          ["CREATED", String(created.id)],
          ["UPDATED", String(changed.id)]
        ].sort()
      )
      assert.isFalse(first.events.some((e) => e.event.objectId === String(old.id)))
      const call = fake.requests.find(
        (r) => r.path === "/sales_posted_transactions" && r.query.has("$filter")
      )
      assert.match(call?.query.get("$filter") ?? "", /^date_time_updated ge 2026-11-22T09:5\d:00Z$/)
      assert.strictEqual(call?.query.get("$orderby"), "id")

      const second = yield* Poller.poll({ ...input, state: first.state, now: at("10:30:00") })
      assert.deepStrictEqual(second.events, [])
    }).pipe(Effect.provide(services))
  )

  it.live("the seed's customers entry polls through the hub URL it names", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSage200()
      const { connection, configuration } = yield* connect(fake)
      fake.store.insert("customers", { reference: "EARLY" }, at("08:00:00"))
      const late = fake.store.insert("customers", { reference: "LATE" }, at("10:10:00"))
      const resolved = yield* PollerConfiguration.resolve(Sage200, configuration, "transactions")
      assert.strictEqual(resolved.listed, "customers")
      const result = yield* Poller.poll({
        source: Poller.fromConnection(connection, resolved.listed),
        instanceId: 1,
        elementKey: Sage200.key,
        hubKey: Sage200.hub,
        resource: "transactions",
        entry: resolved.entry,
        state: Poller.initialState(at("10:00:00")),
        now: at("10:15:00")
      })
      assert.deepStrictEqual(
        result.events.map((e) => [e.event.objectType, e.event.objectId]),
        [["transactions", String(late.id)]]
      )
      const call = fake.requests.find((r) => r.path === "/customers" && r.query.has("$filter"))
      assert.match(call?.query.get("$filter") ?? "", /^date_time_updated ge 2026-11-22T09:5\d:00Z$/)
    }).pipe(Effect.provide(services))
  )
})
