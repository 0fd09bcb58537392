/**
 * The instance body of the element's polling documentation (`POST /instances` for `sage200`) with
 * the vendor endpoints pointed at a fake server. The poller entries keep the published text,
 * including the `transactions` entry whose URL lists customers.
 */
import type { FakeSage200 } from "../src/testing.js"

/** The published poller URL of one resource (the `transactions` entry lists `customers`). */
export const seedUrl = (resource: string): string =>
  `/hubs/finance/${resource}?where=date_time_updated>='\${date:yyyy-MM-dd'T'HH:mm:ss}'`

const dates = {
  updatedDateField: "updated_at",
  updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
  updatedDateTimezone: "GMT",
  createdDateField: "created_at",
  createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
  createdDateTimezone: "GMT"
}

const entry = (listed: string) => ({ url: seedUrl(listed), idField: "id", datesConfiguration: dates })

/** The seed's `event.poller.configuration`, character for character. */
export const seedPollerConfiguration = {
  customers: entry("customers"),
  payments: entry("payments"),
  invoices: entry("invoices"),
  products: entry("products"),
  transactions: entry("customers"),
  "warehouse-holdings": entry("warehouse-holdings"),
  warehouses: entry("warehouses")
}

/** The callback URL of the tests' instances. */
export const callbackUrl = "https://mycoolapp.com/oauth/callback"

/** The seed example's configuration without endpoints. */
export const seedConfiguration = {
  "oauth.api.secret": "test-secret",
  "oauth.api.key": "test-client",
  "subscription.key": "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
  "signing.key": "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
  "company.name": "Cloud-Elements Demodata",
  "event.notification.enabled": true,
  "event.notification.callback.url": "https://console.cloud-elements.com",
  "event.notification.basic.username": "CompanyName123",
  "event.notification.basic.password": "P@$$w0rd",
  "event.poller.refresh_interval": "15",
  "event.poller.configuration": seedPollerConfiguration
}

/** The seed's configuration pointed at the fake. */
export const seedInstanceConfiguration = (fake: FakeSage200) => ({
  ...seedConfiguration,
  "oauth.callback.url": callbackUrl,
  "base.url": fake.baseUrl,
  "oauth.authorization.url": fake.authorizationUrl,
  "oauth.token.url": fake.tokenUrl
})
