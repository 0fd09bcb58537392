/**
 * What an instance's configuration makes the engine poll, and how often: the poller configuration
 * (object or JSON text), the legacy `event.poller.urls` lines, or the element's default resources,
 * completed with the defaults of the resource each URL lists; and the refresh interval in minutes.
 */
import { assert, describe, it } from "@effect/vitest"
import { AuthSpec, Configuration, Connector, Paging, Param, Resource, Webhooks } from "@plugboard/core"
import { Effect } from "effect"
import * as Partition from "../../src/engine/Partition.js"
import * as PollPlan from "../../src/engine/PollPlan.js"

const updated = { field: "updated_at", format: "yyyy-MM-dd'T'HH:mm:ssXXX", zone: "UTC" }

const definition: Connector.Definition = {
  key: "fakefinance",
  id: 9002,
  name: "Fake Finance",
  description: "A fake element with poller defaults",
  hub: "finance",
  baseUrl: "https://fake.example.com",
  auth: AuthSpec.basic(),
  configuration: { region: Param.text({}) },
  paging: Paging.pageNumber({ pageParam: "page", sizeParam: "per_page", maxPageSize: 50, items: "items" }),
  query: (() => ({ params: {}, residual: undefined })) as never,
  resources: {
    customers: Resource.make({
      path: "/customers",
      id: "customer_id",
      updated,
      poll: { _tag: "UpdatedSince", where: "updated_at >= '${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'" }
    }),
    products: Resource.make({ path: "/products", id: "sku", poll: { _tag: "Diff" } }),
    notes: Resource.make({ path: "/notes", id: "id" })
  },
  events: { defaultResources: ["customers", "products", "notes"] }
}

const connector = Connector.make(definition)

/** The same element with webhooks that push customers only. */
const pushing = Connector.make({
  ...definition,
  key: "fakefinancepush",
  webhooks: {
    scheme: Webhooks.standardWebhooks({ configKey: "webhook.secret" }),
    normalize: () => [],
    resources: ["customers"]
  }
})

const configuration = (values: Record<string, string>) =>
  new Configuration.Configuration(new Map(Object.entries(values)))

const plan = (values: Record<string, string>) =>
  Effect.runPromise(PollPlan.make(connector, configuration(values)))

const failure = (values: Record<string, string>) =>
  Effect.runPromise(Effect.flip(PollPlan.make(connector, configuration(values))))

describe("PollPlan", () => {
  it("polls the element's default resources every 15 minutes when nothing is configured", async () => {
    const made = await plan({})
    assert.strictEqual(made.intervalMillis, 15 * 60_000)
    assert.deepStrictEqual(
      made.entries.map(([resource]) => resource),
      ["customers", "products"]
    )
    const [, customers] = made.entries[0]!
    assert.strictEqual(customers.idField, "customer_id")
    assert.match(customers.url, /^\/hubs\/finance\/customers\?where=updated_at >= /)
    assert.strictEqual(made.entries[1]![1].strategy, "diff")
  })

  it("treats an empty event.poller.configuration as unset: legacy lines, else the defaults", async () => {
    for (const empty of ["{}", "{ }", " {\n} ", ""]) {
      const made = await plan({ "event.poller.configuration": empty })
      assert.strictEqual(made.source, "defaults", JSON.stringify(empty))
      assert.deepStrictEqual(
        made.entries.map(([resource]) => resource),
        ["customers", "products"]
      )
    }
    const legacy = await plan({
      "event.poller.configuration": "{ }",
      "event.poller.urls": "customers|/hubs/finance/customers"
    })
    assert.strictEqual(legacy.source, "event.poller.urls")
    assert.deepStrictEqual(
      legacy.entries.map(([resource]) => resource),
      ["customers"]
    )
  })

  it("reports the interval's and the entries' problems together", async () => {
    const error = await failure({
      "event.poller.refresh_interval": "0",
      "event.poller.configuration": JSON.stringify({ customers: { url: "/hubs/crm/accounts" } })
    })
    assert.deepStrictEqual(
      error.problems.map((problem) => `${problem.resource}.${problem.field}`),
      ["event.poller.refresh_interval.", "customers.url"]
    )
  })

  it("reads the interval in minutes, decimals accepted, and refuses nonsense naming the key", async () => {
    assert.strictEqual((await plan({ "event.poller.refresh_interval": "0.5" })).intervalMillis, 30_000)
    assert.strictEqual((await plan({ "event.poller.refresh_interval": " 2 " })).intervalMillis, 120_000)
    for (const bad of ["0", "-1", "soon", "0.001"]) {
      const error = await failure({ "event.poller.refresh_interval": bad })
      assert.strictEqual(error.problems[0]!.resource, "event.poller.refresh_interval", bad)
    }
  })

  it("takes the configured entries, completed with the defaults of the resource their URL lists", async () => {
    const made = await plan({
      "event.poller.configuration": JSON.stringify({
        transactions: { url: "/hubs/finance/customers?where=type='payment'", pageSize: "50" },
        customers: {
          url: "/hubs/finance/customers",
          idField: "id",
          datesConfiguration: { updatedDateField: "modified", updatedDateFormat: "yyyy-MM-dd" }
        }
      })
    })
    const entries = Object.fromEntries(made.entries)
    assert.strictEqual(entries.transactions!.idField, "customer_id")
    assert.strictEqual(entries.transactions!.pageSize, 50)
    assert.strictEqual(entries.transactions!.datesConfiguration?.updatedDateField, "updated_at")
    assert.strictEqual(entries.customers!.idField, "id")
    assert.deepStrictEqual(entries.customers!.datesConfiguration, {
      updatedDateField: "modified",
      updatedDateFormat: "yyyy-MM-dd"
    })
  })

  it("converts legacy event.poller.urls lines", async () => {
    const made = await plan({
      "event.poller.urls": "customers|/hubs/finance/customers?where=x='1'|/data/id|updated|yyyy-MM-dd|GMT"
    })
    assert.strictEqual(made.entries.length, 1)
    const [resource, entry] = made.entries[0]!
    assert.strictEqual(resource, "customers")
    assert.strictEqual(entry.idField, "data.id")
  })

  it("refuses an entry whose URL is not a hub URL of this element, naming resource and field", async () => {
    const otherHub = await failure({
      "event.poller.configuration": JSON.stringify({
        customers: { url: "/hubs/crm/accounts" },
        products: { url: "/hubs/finance/products" }
      })
    })
    assert.deepStrictEqual(
      otherHub.problems.map((problem) => `${problem.resource}.${problem.field}`),
      ["customers.url"]
    )
    assert.match(otherHub.message, /\/hubs\/finance\/\{resource\}/)
    const vendorUrl = await failure({
      "event.poller.configuration": JSON.stringify({ orders: { url: "https://vendor.example.com/orders" } })
    })
    assert.deepStrictEqual(
      vendorUrl.problems.map((problem) => `${problem.resource}.${problem.field}`),
      ["orders.url"]
    )
  })

  it("reads the hub and resource of a hub URL from its path alone", () => {
    assert.deepStrictEqual(PollPlan.hubTarget("/hubs/crm/accounts?where=a >= '${date:yyyy}'"), {
      hub: "crm",
      resource: "accounts"
    })
    assert.deepStrictEqual(PollPlan.hubTarget("https://host/elements/api-v2/hubs/finance/my%20items"), {
      hub: "finance",
      resource: "my items"
    })
    assert.isUndefined(PollPlan.hubTarget("/accounts"))
  })
})

describe("PollPlan with vendor webhooks (event.vendor.type)", () => {
  const pushingPlan = (values: Record<string, string>) =>
    Effect.runPromise(PollPlan.make(pushing, configuration(values)))
  const names = (made: PollPlan.PollPlan) => made.entries.map(([resource]) => resource)

  it("leaves out the resources the webhooks cover for a webhook instance, and polls the rest", async () => {
    const made = await pushingPlan({ "event.vendor.type": "webhook" })
    assert.deepStrictEqual(names(made), ["products"])
    assert.deepStrictEqual(made.pushed, ["customers"])
  })

  it("polls everything for a polling instance, the default", async () => {
    for (const values of [{}, { "event.vendor.type": "polling" }]) {
      const made = await pushingPlan(values)
      assert.deepStrictEqual(names(made), ["customers", "products"], JSON.stringify(values))
      assert.deepStrictEqual(made.pushed, [])
    }
  })

  it("leaves out a configured entry whose name or URL is a covered resource", async () => {
    const made = await pushingPlan({
      "event.vendor.type": "webhook",
      "event.poller.configuration": JSON.stringify({
        clients: { url: "/hubs/finance/customers" },
        customers: { url: "/hubs/finance/products" },
        products: { url: "/hubs/finance/products" }
      })
    })
    assert.deepStrictEqual(names(made), ["products"])
    assert.deepStrictEqual(made.pushed, ["clients", "customers"])
  })

  it("still checks the entries it leaves out", async () => {
    const error = await Effect.runPromise(
      Effect.flip(
        PollPlan.make(
          pushing,
          configuration({
            "event.vendor.type": "webhook",
            "event.poller.configuration": JSON.stringify({ customers: { url: "/customers" } })
          })
        )
      )
    )
    assert.deepStrictEqual(
      error.problems.map((problem) => `${problem.resource}.${problem.field}`),
      ["customers.url"]
    )
  })

  it("ignores webhook for an element without webhooks (a value stored before it was refused)", async () => {
    const made = await plan({ "event.vendor.type": "webhook" })
    assert.deepStrictEqual(names(made), ["customers", "products"])
  })
})

describe("Partition", () => {
  it("spreads instance ids evenly over the partitions, the same way every time", () => {
    const counts = new Array<number>(Partition.COUNT).fill(0)
    for (let id = 1; id <= 64_000; id++) counts[Partition.of(id)]! += 1
    assert.strictEqual(
      counts.reduce((sum, count) => sum + count, 0),
      64_000
    )
    assert.isAbove(Math.min(...counts), 800)
    assert.isBelow(Math.max(...counts), 1200)
    assert.strictEqual(Partition.of(427902), Partition.of(427902))
  })
})
