import { assert, describe, it } from "@effect/vitest"
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, fakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { Client, ConnectorError, PollStateStore } from "@plugboard/core"
import { Effect, Option, type Scope, Stream } from "effect"

// Library mode against the connector's fake server: these tests live here, not in core, because
// core cannot depend on a connector package (connectors depend on core).

const withFake = <A, E>(
  body: (fake: FakeSageCrm) => Effect.Effect<A, E, Scope.Scope | Client.Services>
): Effect.Effect<A, E> =>
  Effect.scoped(Effect.flatMap(fakeSageCrm({ now: new Date() }), body)).pipe(Effect.provide(Client.layer))

const configuration = (fake: FakeSageCrm, password = "secret") => ({
  subdomain: fake.host,
  username: "admin",
  password,
  "base.url": fake.baseUrl
})

const connect = (fake: FakeSageCrm, instanceKey?: string) =>
  Client.connect({
    connector: SageCrm,
    configuration: configuration(fake),
    vendor: { baseDelayMillis: 1, maxDelayMillis: 5 },
    ...(instanceKey === undefined ? {} : { instanceKey })
  })

const names = (records: ReadonlyArray<Record<string, unknown>>) => records.map((r) => r["comp_name"])

describe("Client with Sage CRM", () => {
  it.live("connect checks the credentials; a wrong password is an Authentication error", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        const client = yield* connect(fake)
        assert.strictEqual(client.connector.key, "sagecrm")
        assert.strictEqual(client.configuration.text("username"), "admin")
        assert.isTrue(fake.store.requests().some((r) => r.username === "admin"))

        const refused = yield* Effect.flip(
          Client.connect({ connector: SageCrm, configuration: configuration(fake, "wrong") })
        )
        assert.instanceOf(refused, ConnectorError.ConnectorError)
        assert.strictEqual((refused as ConnectorError.ConnectorError).reason._tag, "Authentication")
      })
    )
  )

  it.live("lists with CEQL and paging, streams every page, and does CRUD", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        for (const [name, type] of [
          ["Delta", "Customer"],
          ["Alpha", "Customer"],
          ["Beta", "Prospect"],
          ["Gamma", "Customer"]
        ]) {
          fake.store.insert("Company", { comp_name: name, comp_type: type })
        }
        const { connection } = yield* connect(fake)
        const where = "comp_type = 'Customer'"
        const first = yield* connection.list({
          resource: "accounts",
          where,
          orderBy: "comp_name",
          pageSize: 2
        })
        assert.deepStrictEqual(names(first.records), ["Alpha", "Delta"])
        const second = yield* connection.list({
          resource: "accounts",
          where,
          orderBy: "comp_name",
          pageSize: 2,
          nextPage: first.nextPage!
        })
        assert.deepStrictEqual(names(second.records), ["Gamma"])
        assert.isUndefined(second.nextPage)
        const all = yield* Stream.runCollect(connection.stream({ resource: "accounts", pageSize: 1 }))
        assert.strictEqual(all.length, 4)

        const created = yield* connection.create("accounts", { comp_name: "Epsilon", comp_type: "Customer" })
        const id = String(created["comp_companyid"])
        assert.strictEqual((yield* connection.get("accounts", id))["comp_name"], "Epsilon")
        const updated = yield* connection.update("accounts", id, { comp_type: "Supplier" })
        assert.strictEqual(updated["comp_type"], "Supplier")
        yield* connection.remove("accounts", id)
        const gone = yield* Effect.flip(connection.get("accounts", id))
        assert.strictEqual((gone as ConnectorError.ConnectorError).reason._tag, "NotFound")
      })
    )
  )

  it.live("polls accounts from now on, keeping state between polls and repeating nothing", () =>
    withFake((fake) =>
      Effect.gen(function* () {
        fake.store.clock.set(new Date(Date.now() - 3_600_000))
        const old = fake.store.insert("Company", { comp_name: "Old" })
        const client = yield* connect(fake, "crm-poller")
        const store = yield* PollStateStore.PollStateStore

        assert.deepStrictEqual((yield* client.poll("accounts")).events, [])
        assert.isTrue(Option.isSome(yield* store.get("crm-poller", "accounts")))

        fake.store.clock.set(new Date())
        const fresh = fake.store.insert("Company", { comp_name: "Fresh" })
        fake.store.update("Company", old["comp_companyid"] as number, { comp_type: "Customer" })
        const second = yield* client.poll("accounts")
        assert.deepStrictEqual(second.events.map((e) => `${e.event.eventType} ${e.event.objectId}`).sort(), [
          `CREATED ${fresh["comp_companyid"]}`,
          `UPDATED ${old["comp_companyid"]}`
        ])
        assert.deepStrictEqual((yield* client.poll("accounts")).events, [])
      })
    )
  )
})
