/**
 * The connector conformance suite of `@plugboard/testkit` against the fake Sage 200 server. The seed
 * configurations are the two `POST /instances` bodies of the element's events page: the template
 * (its empty values kept, except the two required credentials, which get placeholders) and the
 * example JSON with polling.
 */
import { Conformance } from "@plugboard/testkit"
import { Sage200 } from "../src/index.js"
import { type FakeSage200, startFakeSage200 } from "../src/testing.js"
import { seedConfiguration, seedPollerConfiguration } from "./Sage200Seed.js"

/** Per hub resource: the vendor collection and the fields of a seeded record. */
const collectionsByResource: Readonly<
  Record<string, { readonly collection: string; readonly fields: (n: number) => Record<string, unknown> }>
> = {
  customers: { collection: "customers", fields: (n) => ({ reference: `CUST${n}`, name: `Customer ${n}` }) },
  suppliers: { collection: "suppliers", fields: (n) => ({ reference: `SUPP${n}`, name: `Supplier ${n}` }) },
  vendors: { collection: "suppliers", fields: (n) => ({ reference: `VEND${n}`, name: `Vendor ${n}` }) },
  invoices: {
    collection: "sales_invoices",
    fields: (n) => ({ customer_id: 1, reference: `INV${n}`, document_goods_value: 100 + n })
  },
  payments: {
    collection: "sales_receipts",
    fields: (n) => ({ customer_id: 1, reference: `REC${n}`, value: 10 + n })
  },
  transactions: {
    collection: "sales_posted_transactions",
    fields: (n) => ({ customer_id: 1, reference: `TRN${n}`, transaction_type: "TradingAccountTypeInvoice" })
  },
  products: { collection: "products", fields: (n) => ({ code: `P${n}`, name: `Product ${n}` }) },
  warehouses: { collection: "warehouses", fields: (n) => ({ name: `Warehouse ${n}` }) },
  "warehouse-holdings": {
    collection: "warehouse_holdings",
    fields: (n) => ({ warehouse_id: 1, product_id: n, quantity_in_stock: n })
  },
  "sales-orders": { collection: "sop_orders", fields: (n) => ({ customer_id: 1, document_no: `SO${n}` }) }
}

const collectionOf = (resource: string) => {
  const found = collectionsByResource[resource]
  if (found === undefined) throw new TypeError(`the Sage 200 harness has no collection for '${resource}'`)
  return found
}

const client = { clientId: "conformance-client", clientSecret: "c0nformance-Cl1ent-secret" }
const subscriptionKey = "c0nformance-subscr1ption"
const callbackUrl = "https://mycoolapp.com/oauth/callback"

const ids = (fake: FakeSage200, resource: string): ReadonlyArray<string> =>
  fake.store.list(collectionOf(resource).collection).map((record) => String(record.id))

const start = async (): Promise<Conformance.FakeVendor> => {
  // The fake's own clock in whole seconds, so that a change can be dated later.
  let clock = Math.floor(Date.now() / 1000) * 1000
  const fake = await startFakeSage200({ clients: [client], subscriptionKey, now: () => clock })
  const configuration = {
    "oauth.api.key": client.clientId,
    "oauth.api.secret": client.clientSecret,
    "subscription.key": subscriptionKey,
    "company.name": "Cloud-Elements Demodata",
    "oauth.callback.url": callbackUrl,
    "base.url": fake.baseUrl,
    "oauth.authorization.url": fake.authorizationUrl,
    "oauth.token.url": fake.tokenUrl
  }
  return {
    configuration,
    badConfiguration: { ...configuration, "oauth.api.secret": "wr0ng-Cl1ent-secret" },
    providerData: async () => ({
      code: fake.oauth.issueCode({ clientId: client.clientId, redirectUri: callbackUrl })
    }),
    seed: async (resource, count) => {
      const { collection, fields } = collectionOf(resource)
      for (let n = ids(fake, resource).length; n < count; n++) fake.store.insert(collection, fields(n))
      return ids(fake, resource)
    },
    touch: async (resource, id) => {
      const { collection } = collectionOf(resource)
      const current = fake.store.get(collection, id)
      fake.store.update(collection, id, { reference: `${String(current?.["reference"] ?? id)}-changed` })
    },
    now: () => clock,
    advance: (millis) => {
      clock += millis
    },
    close: () => fake.close()
  }
}

Conformance.run({
  connector: Sage200,
  seedConfigurations: [
    {
      name: "instance body template of the events page",
      configuration: {
        "oauth.api.secret": "<OAUTH_API_SECRET>",
        "oauth.api.key": "<OAUTH_API_KEY>",
        "subscription.key": "",
        "signing.key": "",
        "company.name": "",
        "event.notification.enabled": true,
        "event.notification.callback.url": "https://console.cloud-elements.com",
        "event.notification.basic.username": "CompanyName123",
        "event.notification.basic.password": "P@$$word",
        "event.poller.refresh_interval": "15",
        "event.poller.configuration": seedPollerConfiguration
      }
    },
    { name: "example JSON with polling of the events page", configuration: seedConfiguration }
  ],
  start
})
