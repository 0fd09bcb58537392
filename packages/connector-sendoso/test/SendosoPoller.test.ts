import { assert, describe, it } from "@effect/vitest"
import { ConnectorError, Poller, PollerConfiguration } from "@plugboard/core"
import { Effect } from "effect"
import { Sendoso, SendosoErrors } from "../src/index.js"
import { type FakeSendoso, fakeSendoso, FakeSendosoSamples } from "../src/testing.js"
import { connect, services } from "./SendosoConnect.js"

const at = (time: string) => Date.parse(`2026-11-22T${time}Z`)

/** The poll input of one resource over a connected instance, with the entry the instance resolves. */
const poller = (fake: FakeSendoso, resource: string, extra: Readonly<Record<string, unknown>> = {}) =>
  Effect.gen(function* () {
    const client = yield* connect(fake, extra)
    const entry = yield* client.pollEntry(resource)
    return (state: Poller.State, now: number) =>
      Poller.poll({
        source: Poller.fromConnection(client.connection, resource),
        instanceId: 7,
        elementKey: Sendoso.key,
        hubKey: Sendoso.hub,
        resource,
        entry,
        state: Poller.decodeState(Poller.encodeState(state)).pipe(Effect.runSync),
        now
      })
  })

const kinds = (result: Poller.PollResult) =>
  result.events.map((e) => `${e.event.eventType}:${e.event.objectId}`).sort()

describe("Sendoso polling in Diff mode (touches)", () => {
  it.live("primes, then finds creates and updates, confirms deletes, and never repeats an event", () =>
    Effect.gen(function* () {
      let clock = at("17:00:00")
      const fake = yield* fakeSendoso({ rateLimit: false, now: () => clock })
      // Created an hour before events are enabled: the baseline (later ones would be CREATED on it).
      const earlier = { at: at("16:00:00") }
      const kept = fake.store.add("touches", FakeSendosoSamples.touch(1), earlier)
      const renamed = fake.store.add("touches", FakeSendosoSamples.touch(2), earlier)
      const archived = fake.store.add("touches", FakeSendosoSamples.touch(3), earlier)
      // More campaigns than one Sendoso page of 100, so the listing walks pages.
      for (let n = 4; n <= 105; n++) fake.store.add("touches", FakeSendosoSamples.touch(n), earlier)
      const poll = yield* poller(fake, "touches")

      const baseline = yield* poll(Poller.initialState(clock), clock)
      assert.deepStrictEqual(baseline.events, [])
      assert.strictEqual(baseline.stats.records, 105)
      const pages = fake.requests.filter((r) => r.path === "/touches").map((r) => r.query.get("page"))
      assert.deepStrictEqual(pages, ["1", "2"])

      clock = at("17:10:00")
      const added = fake.store.add("touches", FakeSendosoSamples.touch(200))
      fake.store.change("touches", renamed.id, { name: "Campaign 2 (renamed)" })
      fake.store.delete("touches", archived.id)
      const changed = yield* poll(baseline.state, clock)
      assert.deepStrictEqual(kinds(changed), [`CREATED:${added.id}`, `UPDATED:${renamed.id}`].sort())
      const created = changed.events.find((e) => e.event.eventType === "CREATED")
      assert.strictEqual((created?.record as { name?: string } | undefined)?.name, "Campaign 200")
      assert.strictEqual(created?.event.objectType, "touches")
      assert.strictEqual(created?.event.elementKey, "sendoso")
      assert.strictEqual(created?.event.hubKey, "rewards")

      clock = at("17:20:00")
      const confirmed = yield* poll(changed.state, clock)
      assert.deepStrictEqual(kinds(confirmed), [`DELETED:${archived.id}`])

      clock = at("17:30:00")
      const quiet = yield* poll(confirmed.state, clock)
      assert.deepStrictEqual(quiet.events, [])

      const ids = [...changed.events, ...confirmed.events, ...quiet.events].map((e) => e.event.id)
      assert.strictEqual(new Set(ids).size, ids.length)
      assert.isFalse(ids.length === 0)
      assert.isFalse(kinds(changed).some((k) => k.endsWith(`:${kept.id}`)))
    }).pipe(Effect.provide(services))
  )

  it.live("gifts (sends) are diffed too, so a status change is an UPDATED", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      const touch = fake.store.add("touches", FakeSendosoSamples.touch(1))
      const gift = fake.store.add("sends", FakeSendosoSamples.send(1, touch.id))
      const poll = yield* poller(fake, "gifts", {
        "event.poller.configuration": { gifts: { url: "/hubs/rewards/gifts" } }
      })
      const baseline = yield* poll(Poller.initialState(Date.now()), Date.now())
      fake.store.change("sends", gift.id, {
        status: "delivered",
        status_updates: [{ status: "delivered", occurred_at: "2026-11-22T10:05:00.000-07:00" }]
      })
      const next = yield* poll(baseline.state, Date.now())
      assert.deepStrictEqual(kinds(next), [`UPDATED:${gift.id}`])
    }).pipe(Effect.provide(services))
  )
})

describe("Sendoso polling on updated_at (groups)", () => {
  it.live(
    "emits groups created or updated since the last poll, filtered in memory over the full listing",
    () =>
      Effect.gen(function* () {
        let clock = at("16:00:00")
        const fake = yield* fakeSendoso({ rateLimit: false, now: () => clock })
        const old = fake.store.add("groups", FakeSendosoSamples.group(1))
        const touched = fake.store.add("groups", FakeSendosoSamples.group(2))
        const poll = yield* poller(fake, "groups")

        clock = at("17:05:00")
        fake.store.change("groups", touched.id, { budget: 9999 })
        const created = fake.store.add("groups", FakeSendosoSamples.group(3))
        clock = at("17:15:00")
        const first = yield* poll(Poller.initialState(at("17:00:00")), clock)
        assert.deepStrictEqual(kinds(first), [`CREATED:${created.id}`, `UPDATED:${touched.id}`].sort())
        assert.isFalse(kinds(first).some((k) => k.endsWith(`:${old.id}`)))
        // Sendoso has no change filter: the poll asked for plain pages only.
        const call = fake.requests.filter((r) => r.path === "/groups").at(-1)
        assert.deepStrictEqual([...(call?.query.keys() ?? [])].sort(), ["page", "per_page"])

        clock = at("17:30:00")
        const second = yield* poll(first.state, clock)
        assert.deepStrictEqual(second.events, [])

        clock = at("17:35:00")
        fake.store.change("groups", created.id, { name: "Team 3 renamed" })
        clock = at("17:45:00")
        const third = yield* poll(second.state, clock)
        assert.deepStrictEqual(kinds(third), [`UPDATED:${created.id}`])
        const ids = [...first.events, ...third.events].map((e) => e.event.id)
        assert.strictEqual(new Set(ids).size, ids.length)
      }).pipe(Effect.provide(services))
  )
})

describe("Sendoso poller configuration", () => {
  it.live("polls groups and touches by default; return-addresses only when configured", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      const client = yield* connect(fake, { "event.notification.enabled": true })
      const resolved = yield* PollerConfiguration.resolveEntries(Sendoso, client.configuration)
      assert.strictEqual(resolved.source, "defaults")
      assert.deepStrictEqual(
        resolved.entries.map((e) => e.resource),
        ["groups", "touches"]
      )

      const configured = yield* connect(fake, {
        "event.poller.configuration": {
          groups: { url: "/hubs/rewards/groups" },
          "return-addresses": { url: "/hubs/rewards/return-addresses" },
          touches: { url: "/hubs/rewards/touches", idField: "id" }
        }
      })
      const entries = yield* PollerConfiguration.resolveEntries(Sendoso, configured.configuration)
      assert.deepStrictEqual(
        entries.entries.map((e) => [e.resource, e.entry.strategy ?? "updatedSince"]),
        [
          ["groups", "updatedSince"],
          ["return-addresses", "diff"],
          ["touches", "diff"]
        ]
      )
    }).pipe(Effect.provide(services))
  )

  it.live("a configured return-addresses poll fails clearly where Sendoso has no such endpoint", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      const poll = yield* poller(fake, "return-addresses", {
        "event.poller.configuration": { "return-addresses": { url: "/hubs/rewards/return-addresses" } }
      })
      const error = yield* Effect.flip(poll(Poller.initialState(Date.now()), Date.now()))
      assert.instanceOf(error, ConnectorError.ConnectorError)
      if (error instanceof ConnectorError.ConnectorError) {
        assert.strictEqual(error.reason._tag, "NotFound")
        assert.strictEqual(error.providerMessage, SendosoErrors.missingEndpoint)
      }
    }).pipe(Effect.provide(services))
  )

  it.live("polls return-addresses in Diff mode where Sendoso serves them", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false, returnAddresses: true })
      fake.store.add("return_addresses", FakeSendosoSamples.returnAddress(1))
      const poll = yield* poller(fake, "return-addresses")
      const baseline = yield* poll(Poller.initialState(Date.now()), Date.now())
      const added = fake.store.add("return_addresses", FakeSendosoSamples.returnAddress(2))
      const next = yield* poll(baseline.state, Date.now())
      assert.deepStrictEqual(kinds(next), [`CREATED:${added.id}`])
    }).pipe(Effect.provide(services))
  )
})
