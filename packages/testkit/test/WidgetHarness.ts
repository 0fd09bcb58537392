/**
 * A conforming connector for the widget vendor, and the conformance harness over the fake, with the
 * vendor's faults and connector overrides as options so that tests can break one thing at a time.
 */
import { AuthSpec, Ceql, Connector, Paging, Param, Resource } from "@plugboard/core"
import type { Conformance } from "@plugboard/testkit"
import { type Item, startWidgetVendor, type WidgetFaults } from "./WidgetVendor.js"

const dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"

const items = (kind: Item["kind"]) =>
  Resource.make({
    description: `Items of kind ${kind}`,
    path: "/items",
    id: "id",
    query: { kind },
    created: { field: "created", format: dateFormat, zone: "UTC" },
    updated: { field: "updated", format: dateFormat, zone: "UTC" },
    poll: { _tag: "UpdatedSince", where: `updated >= '\${gmtDate:${dateFormat}}'` }
  })

/** The widget connector's definition; tests spread it with one field changed. */
export const definition: Connector.Definition = {
  key: "widgets",
  id: 9001,
  name: "Widgets",
  description: "A fake vendor for testing the conformance suite",
  hub: "crm",
  baseUrl: "http://{host}/api",
  auth: AuthSpec.basic(),
  configuration: {
    host: Param.text({ label: "Host", required: true }),
    username: Param.text({ label: "User name", required: true }),
    password: Param.secret({ label: "Password", required: true })
  },
  paging: Paging.offset({
    offsetParam: "offset",
    limitParam: "limit",
    firstOffset: 0,
    maxPageSize: 50,
    items: "items",
    total: "total"
  }),
  query: Ceql.Translate.params({
    updated: { ">=": "updated_since", format: Ceql.Translate.formatIsoDates },
    id: { "=": "id" }
  }),
  resources: { widgets: items("widget"), gadgets: items("gadget") },
  events: { methods: ["polling"], defaultResources: ["widgets", "gadgets"] }
}

/** The conforming connector. */
export const Widgets: Connector.Connector = Connector.make(definition)

const kindOf = (resource: string): Item["kind"] => (resource === "gadgets" ? "gadget" : "widget")

/** The documented examples of the widget element. */
export const seedConfigurations: ReadonlyArray<Conformance.SeedConfiguration> = [
  {
    name: "quick start",
    configuration: { host: "widgets.example.com", username: "me", password: "my-password" }
  }
]

/** A harness over the fake with `faults`, for `connector` (default the conforming one). */
export const harness = (
  options: { readonly faults?: WidgetFaults; readonly connector?: Connector.Connector } = {}
): Conformance.Harness => ({
  connector: options.connector ?? Widgets,
  seedConfigurations,
  start: async () => {
    const fake = await startWidgetVendor(options.faults)
    const configuration = { host: fake.host, username: fake.username, password: fake.password }
    const ids = (resource: string) => fake.list(kindOf(resource)).map((item) => String(item.id))
    return {
      configuration,
      badConfiguration: { ...configuration, password: "Wr0ng-widget-pass" },
      seed: async (resource, count) => {
        for (let n = ids(resource).length; n < count; n++) fake.insert(kindOf(resource), `${resource} ${n}`)
        return ids(resource)
      },
      touch: async (_resource, id) => fake.update(Number(id), "changed"),
      now: fake.now,
      advance: fake.advance,
      close: fake.close
    }
  }
})
