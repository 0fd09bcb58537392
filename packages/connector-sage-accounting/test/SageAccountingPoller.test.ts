import { assert, describe, it } from "@effect/vitest"
import { Poller, PollerConfiguration, TokenStore } from "@plugboard/core"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { SageAccounting } from "../src/index.js"
import { type FakeSageAccounting, fakeSageAccounting } from "../src/testing.js"
import { connect } from "./SageConnect.js"
import { seedInstanceBody, seedPollerUrl, seedPollerUrlClosed } from "./SageSeed.js"

const services = Layer.mergeAll(TokenStore.TokenStore.layerMemory, FetchHttpClient.layer)

const at = (time: string) => Date.parse(`2026-11-22T${time}Z`)

/** The seed's customers entry, decoded as the runner decodes `event.poller.configuration`. */
const seedEntry = (fake: FakeSageAccounting, url: string) =>
  Effect.map(
    PollerConfiguration.decode(seedInstanceBody(fake, "x", url).configuration["event.poller.configuration"]),
    (entries) => entries["customers"]!
  )

const customer = (fake: FakeSageAccounting, name: string, time: string) =>
  fake.store.insert("contacts", { name, contact_type_ids: ["CUSTOMER"] }, { at: `2026-11-22T${time}Z` })

describe("Sage Accounting polling with the seed's configuration", () => {
  it.live("gives CREATED and UPDATED for changed customers and DELETED for deleted ones", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const { connection } = yield* connect(fake)
      const entry = yield* seedEntry(fake, seedPollerUrlClosed)

      const old = customer(fake, "Unchanged", "09:00:00")
      const changed = customer(fake, "Changed", "09:00:00")
      const doomed = customer(fake, "Doomed", "09:00:00")
      fake.store.update("contacts", changed.id, { notes: "new terms" }, { at: "2026-11-22T10:05:00Z" })
      const created = customer(fake, "New", "10:06:00")
      fake.store.remove("contacts", doomed.id, { at: "2026-11-22T10:07:00Z" })
      fake.store.insert(
        "contacts",
        { name: "A vendor", contact_type_ids: ["VENDOR"] },
        { at: "2026-11-22T10:08:00Z" }
      )

      const input = {
        source: Poller.fromConnection(connection, "customers"),
        instanceId: 7,
        elementKey: SageAccounting.key,
        hubKey: SageAccounting.hub,
        resource: "customers",
        entry
      }
      const first = yield* Poller.poll({
        ...input,
        state: Poller.initialState(at("10:00:00")),
        now: at("10:15:00")
      })
      const kinds = first.events.map((e) => [e.event.eventType, e.event.objectId]).sort()
      assert.deepStrictEqual(
        kinds,
        [
          ["CREATED", created.id],
          ["DELETED", doomed.id],
          ["UPDATED", changed.id]
        ].sort()
      )
      assert.isFalse(kinds.some(([, id]) => id === old.id))
      for (const { event } of first.events) {
        assert.strictEqual(event.objectType, "customers")
        assert.strictEqual(event.elementKey, "sageone")
        assert.strictEqual(event.hubKey, "finance")
      }
      // The vendor was asked for changes since the last poll less the overlap window, with two attributes.
      const listCall = fake.requests.find((r) => r.query.has("updated_or_created_since"))
      assert.strictEqual(listCall?.query.get("updated_or_created_since"), "2026-11-22T09:58:00Z")
      assert.strictEqual(listCall?.query.get("attributes"), "created_at,updated_at")
      assert.isTrue(fake.requests.some((r) => r.query.has("deleted_since")))

      // Nothing new: the overlap window is read again but nothing is repeated.
      const second = yield* Poller.poll({ ...input, state: first.state, now: at("10:30:00") })
      assert.deepStrictEqual(second.events, [])

      fake.store.update("contacts", created.id, { notes: "first order" }, { at: "2026-11-22T10:35:00Z" })
      const third = yield* Poller.poll({ ...input, state: second.state, now: at("10:45:00") })
      assert.deepStrictEqual(
        third.events.map((e) => [e.event.eventType, e.event.objectId]),
        [["UPDATED", created.id]]
      )
    }).pipe(Effect.provide(services))
  )

  it.live("the published URL, whose last quote is missing, is taken verbatim and polls the same", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const { connection } = yield* connect(fake)
      const entry = yield* seedEntry(fake, seedPollerUrl)
      assert.strictEqual(entry.url, seedPollerUrlClosed)
      const changed = customer(fake, "Changed", "10:05:00")
      const result = yield* Poller.poll({
        source: Poller.fromConnection(connection, "customers"),
        instanceId: 7,
        elementKey: SageAccounting.key,
        hubKey: SageAccounting.hub,
        resource: "customers",
        entry,
        state: Poller.initialState(at("10:00:00")),
        now: at("10:15:00")
      })
      assert.deepStrictEqual(
        result.events.map((e) => [e.event.eventType, e.event.objectId]),
        [["CREATED", changed.id]]
      )
      const listCall = fake.requests.find((r) => r.query.has("updated_or_created_since"))
      assert.strictEqual(listCall?.query.get("attributes"), "created_at,updated_at")
    }).pipe(Effect.provide(services))
  )

  it.live("the connector's default entry polls invoices without any configuration", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSageAccounting()
      const { connection } = yield* connect(fake)
      const entry = PollerConfiguration.defaultEntry(
        "finance",
        "invoices",
        SageAccounting.resources["invoices"]!
      )
      assert.isDefined(entry)
      const ledger = fake.store.insert("ledger_accounts", {
        name: "Sales",
        display_name: "Sales",
        nominal_code: 4000
      })
      const buyer = customer(fake, "Buyer", "09:00:00")
      const invoice = fake.store.insert(
        "sales_invoices",
        {
          contact_id: buyer.id,
          date: "2026-11-22",
          invoice_number: "SI-1",
          invoice_lines: [{ description: "Work", ledger_account_id: ledger.id, unit_price: 100 }]
        },
        { at: "2026-11-22T10:03:00Z" }
      )
      const result = yield* Poller.poll({
        source: Poller.fromConnection(connection, "invoices"),
        instanceId: 8,
        elementKey: SageAccounting.key,
        hubKey: SageAccounting.hub,
        resource: "invoices",
        entry: entry!,
        state: Poller.initialState(at("10:00:00")),
        now: at("10:15:00")
      })
      assert.deepStrictEqual(
        result.events.map((e) => [e.event.eventType, e.event.objectId]),
        [["CREATED", invoice.id]]
      )
      // Without attributes in the URL the whole record is read, so the event carries it.
      const record = result.events[0]?.record as { invoice_number?: string } | undefined
      assert.strictEqual(record?.invoice_number, "SI-1")
    }).pipe(Effect.provide(services))
  )
})
