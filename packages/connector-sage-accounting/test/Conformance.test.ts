/**
 * The connector conformance suite of `@plugboard/testkit` against the fake Sage Accounting server.
 * The seed configurations are the two `POST /instances` bodies of the element's events page: the
 * template (its placeholders kept as published, except the two whose kind needs a real value: the
 * callback URL and the refresh interval in minutes) and the example JSON with polling.
 */
import { Conformance } from "@plugboard/testkit"
import { SageAccounting } from "../src/index.js"
import { collections, type FakeSageAccounting, startFakeSageAccounting } from "../src/testing.js"

/** A hub resource over its vendor collection: which records belong to it, and what a seeded one carries. */
interface Collection {
  readonly collection: string
  readonly belongs: (record: Readonly<Record<string, unknown>>) => boolean
  readonly fields: (n: number) => Readonly<Record<string, unknown>>
}

const hasContactType = (type: string) => (record: Readonly<Record<string, unknown>>) =>
  Array.isArray(record["contact_types"]) &&
  record["contact_types"].some((link: unknown) => (link as { id?: unknown }).id === type)

const always = () => true

const contact = (type: string, label: string) => (n: number) => ({
  name: `Conformance ${label} ${n}`,
  reference: `${label.toUpperCase()}-${n}`,
  contact_type_ids: [type]
})

const collectionsByResource: Readonly<Record<string, Collection>> = {
  customers: {
    collection: "contacts",
    belongs: hasContactType("CUSTOMER"),
    fields: contact("CUSTOMER", "customer")
  },
  vendors: { collection: "contacts", belongs: hasContactType("VENDOR"), fields: contact("VENDOR", "vendor") },
  contacts: { collection: "contacts", belongs: always, fields: contact("CUSTOMER", "contact") },
  invoices: {
    collection: "sales_invoices",
    belongs: always,
    fields: (n) => ({ invoice_number: `SI-${n}`, date: "2026-11-02", total_amount: 100 + n })
  },
  "purchase-invoices": {
    collection: "purchase_invoices",
    belongs: always,
    fields: (n) => ({ vendor_reference: `PI-${n}`, date: "2026-11-02", due_date: "2026-12-02" })
  },
  products: {
    collection: "products",
    belongs: always,
    fields: (n) => ({ item_code: `P-${n}`, description: `Conformance product ${n}` })
  },
  "ledger-accounts": {
    collection: "ledger_accounts",
    belongs: always,
    fields: (n) => ({ name: `Sales ${n}`, display_name: `Sales ${n}`, nominal_code: 4000 + n })
  },
  payments: {
    collection: "contact_payments",
    belongs: always,
    fields: (n) => ({ reference: `PAY-${n}`, date: "2026-11-02", total_amount: 50 + n })
  },
  "tax-rates": {
    collection: "tax_rates",
    belongs: always,
    fields: (n) => ({ name: `Rate ${n}`, percentage: n })
  },
  journals: {
    collection: "journals",
    belongs: always,
    fields: (n) => ({ reference: `JNL-${n}`, date: "2026-11-02" })
  },
  "bank-accounts": {
    collection: "bank_accounts",
    belongs: always,
    fields: (n) => ({ nominal_code: String(1200 + n), bank_account_type_id: "CHECKING" })
  }
}

const collectionOf = (resource: string): Collection => {
  const found = collectionsByResource[resource]
  if (found === undefined)
    throw new TypeError(`the Sage Accounting harness has no collection for '${resource}'`)
  return found
}

const client = { clientId: "conformance-client", clientSecret: "c0nformance-Cl1ent-secret" }
const subscriptionKey = "apim-c0nformance-subscr1ption"
const callbackUrl = "https://mycoolapp.com/oauth/callback"

const ids = (fake: FakeSageAccounting, resource: string): ReadonlyArray<string> => {
  const { collection, belongs } = collectionOf(resource)
  return fake.store
    .list(collection)
    .filter(belongs)
    .map((record) => record.id)
}

const start = async (): Promise<Conformance.FakeVendor> => {
  // The fake's own clock, in whole seconds as Sage stamps records, so that a change can be dated later.
  let clock = Math.floor(Date.now() / 1000) * 1000
  const fake = await startFakeSageAccounting({ clients: [client], subscriptionKey, now: () => clock })
  const configuration = {
    "oauth.api.key": client.clientId,
    "oauth.api.secret": client.clientSecret,
    "apim.subscription.key": subscriptionKey,
    country: "GB",
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
      const field = collections[collection]?.displayField ?? "name"
      const current = fake.store.get(collection, id)
      fake.store.update(collection, id, { [field]: `${String(current?.[field] ?? id)} (changed)` })
    },
    now: () => clock,
    advance: (millis) => {
      clock += millis
    },
    close: () => fake.close()
  }
}

const customersPoller = {
  customers: {
    url: "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at",
    idField: "id",
    datesConfiguration: {
      updatedDateField: "updated_at",
      updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
      updatedDateTimezone: "GMT",
      createdDateField: "created_at",
      createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
      createdDateTimezone: "GMT"
    }
  }
}

Conformance.run({
  connector: SageAccounting,
  seedConfigurations: [
    {
      name: "instance body template of the events page",
      configuration: {
        "oauth.api.key": "<CLIENT_ID>",
        "oauth.api.secret": "<CLIENT_SECRET>",
        "signature.secret": "<SIGNING_SECRET>",
        "apim.subscription.key": "<SUBSCRIPTION_PRIMARY_KEY_or_APIM_SUBSCRIPTION_KEY>",
        country: "<COUNTRY_CODE>",
        "oauth.callback.url": "https://mycoolapp.com",
        "event.notification.enabled": true,
        "event.notification.callback.url": "http://mycoolapp.com",
        "event.poller.refresh_interval": "15",
        "event.poller.configuration": customersPoller
      }
    },
    {
      name: "example JSON with polling of the events page",
      configuration: {
        "oauth.api.key": "xxxxxxxxxxxxxxxxxx",
        "oauth.api.secret": "xxxxxxxxxxxxxxxxxxxxxx",
        "signature.secret": "xxxxxxxxxxxxxxxxxxxxxxxxx",
        "apim.subscription.key": "xxxxxxxxxxxxxxxxxxxxxxxxx",
        country: "US",
        "oauth.callback.url": "https://mycoolapp.com",
        "event.notification.enabled": true,
        "event.notification.callback.url": "http://mycoolapp.com",
        "event.poller.refresh_interval": "15",
        "event.poller.configuration": customersPoller
      }
    }
  ],
  start
})
