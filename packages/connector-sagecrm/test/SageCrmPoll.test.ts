import { assert, describe, it } from "@effect/vitest"
import { Poller, PollerConfiguration } from "@plugboard/core"
import { Effect } from "effect"
import { SageCrm } from "../src/index.js"
import { connect, withFake } from "./SageCrmHarness.js"

const at = (iso: string) => Date.parse(iso)

const defaultEntry = (resource: string) => {
  const entry = PollerConfiguration.defaultEntry(SageCrm.hub, resource, SageCrm.resources[resource]!)
  if (entry === undefined) throw new Error(`no poller default for ${resource}`)
  return entry
}

describe("Sage CRM poller defaults", () => {
  it("derive the original element's entries: updated-date filter, id column, UTC dates", () => {
    const accounts = defaultEntry("accounts")
    assert.strictEqual(
      accounts.url,
      "/hubs/crm/accounts?where=Comp_UpdatedDate >= '${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'"
    )
    assert.strictEqual(accounts.idField, "comp_companyid")
    assert.deepStrictEqual(accounts.datesConfiguration, {
      updatedDateField: "Comp_UpdatedDate",
      updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
      updatedDateTimezone: "UTC",
      createdDateField: "Comp_CreatedDate",
      createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
      createdDateTimezone: "UTC"
    })
    assert.deepStrictEqual(SageCrm.events.defaultResources, [
      "accounts",
      "contacts",
      "leads",
      "opportunities",
      "users"
    ])
    for (const [resource, prefix, id] of [
      ["contacts", "Pers", "pers_personid"],
      ["leads", "Lead", "lead_leadid"],
      ["opportunities", "Oppo", "oppo_opportunityid"],
      ["users", "User", "user_userid"]
    ] as const) {
      const entry = defaultEntry(resource)
      assert.include(entry.url, `where=${prefix}_UpdatedDate >= `)
      assert.strictEqual(entry.idField, id)
      assert.strictEqual(entry.datesConfiguration?.createdDateField, `${prefix}_CreatedDate`)
    }
  })

  it.live("a poll after changes yields CREATED and UPDATED events with the right ids, once", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        fake.store.clock.set("2024-05-01T11:00:00Z")
        const acme = fake.store.insert("Company", { comp_name: "Acme" })
        const ann = fake.store.insert("Person", { pers_lastname: "Smith" })
        const connection = yield* connect(fake)
        const poll = (resource: string, state: Poller.State, now: string, entry = defaultEntry(resource)) =>
          Poller.poll({
            source: Poller.fromConnection(connection, resource),
            instanceId: 7,
            elementKey: SageCrm.key,
            hubKey: SageCrm.hub,
            resource,
            entry,
            state,
            now: at(now)
          })
        const events = (result: Poller.PollResult) =>
          result.events.map((e) => `${e.event.eventType} ${e.event.objectType} ${e.event.objectId}`).sort()

        // Events enabled at noon; nothing before that is replayed.
        const enabled = Poller.initialState(at("2024-05-01T12:00:00Z"))
        fake.store.clock.set("2024-05-01T12:01:00Z")
        const globex = yield* connection.create("accounts", { comp_name: "Globex" })
        fake.store.clock.set("2024-05-01T12:02:00Z")
        fake.store.update("Company", acme.comp_companyid!, { comp_type: "Customer" })
        fake.store.update("Person", ann.pers_personid!, { pers_title: "CFO" })

        const first = yield* poll("accounts", enabled, "2024-05-01T12:05:00Z")
        assert.deepStrictEqual(events(first), [
          `CREATED accounts ${globex.comp_companyid}`,
          `UPDATED accounts ${acme.comp_companyid}`
        ])
        assert.strictEqual(
          fake.store.requests().at(-1)?.query.where,
          "Comp_UpdatedDate ge '2024-05-01T11:58:00Z'"
        )
        const raw = first.events.find((e) => e.event.eventType === "CREATED")?.record as Record<
          string,
          unknown
        >
        assert.strictEqual(raw.comp_name, "Globex")

        const contacts = yield* poll("contacts", enabled, "2024-05-01T12:05:00Z")
        assert.deepStrictEqual(events(contacts), [`UPDATED contacts ${ann.pers_personid}`])

        // Nothing changed: the overlap window re-reads the same records and emits nothing again.
        const quiet = yield* poll("accounts", first.state, "2024-05-01T12:10:00Z")
        assert.deepStrictEqual(events(quiet), [])

        fake.store.clock.set("2024-05-01T12:11:00Z")
        yield* connection.update("accounts", String(globex.comp_companyid), { comp_status: "Active" })
        fake.store.clock.set("2024-05-01T12:11:30Z")
        const initech = fake.store.insert("Company", { comp_name: "Initech" })
        const second = yield* poll("accounts", quiet.state, "2024-05-01T12:12:00Z")
        assert.deepStrictEqual(events(second), [
          `CREATED accounts ${initech.comp_companyid}`,
          `UPDATED accounts ${globex.comp_companyid}`
        ])
        // A repeated poll (the commit was lost) gives the same event ids.
        const repeated = yield* poll("accounts", quiet.state, "2024-05-01T12:12:00Z")
        assert.deepStrictEqual(
          repeated.events.map((e) => e.event.id),
          second.events.map((e) => e.event.id)
        )

        // `$key` works as an idField too: it carries the same value as the id column.
        const byKey = yield* poll("accounts", quiet.state, "2024-05-01T12:12:00Z", {
          ...defaultEntry("accounts"),
          idField: "$key"
        })
        assert.deepStrictEqual(events(byKey), events(second))
      })
    )
  )
})
