/**
 * The instance bodies of the Sage 200 and Sendoso seed documents (002 "Example JSON with Polling",
 * 001 "Sample Configuration JSON") as a client copies them, with only what a test must supply
 * changed: the placeholder credentials replaced by the fake vendors' and the authorization code
 * added. Events stay off at creation (the seed's callback is a public host); tests switch them on.
 */

/** The seed's date placeholder, sent as text for the runner to fill (not a JavaScript template). */
const datePlaceholder = "$" + "{date:yyyy-MM-dd'T'HH:mm:ss}"

/** The seed's `datesConfiguration`, identical for every Sage 200 resource. */
const seedDates = {
  updatedDateField: "updated_at",
  updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
  updatedDateTimezone: "GMT",
  createdDateField: "created_at",
  createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
  createdDateTimezone: "GMT"
}

/** One entry of the seed's `event.poller.configuration`; `listed` is the hub resource its URL reads. */
const seedEntry = (listed: string) => ({
  url: `/hubs/finance/${listed}?where=date_time_updated>='${datePlaceholder}'`,
  idField: "id",
  datesConfiguration: seedDates
})

/** Seed 002's `event.poller.configuration`, its `transactions` entry listing customers included. */
export const sage200SeedPollers = {
  customers: seedEntry("customers"),
  payments: seedEntry("payments"),
  invoices: seedEntry("invoices"),
  products: seedEntry("products"),
  transactions: seedEntry("customers"),
  "warehouse-holdings": seedEntry("warehouse-holdings"),
  warehouses: seedEntry("warehouses")
}

/** Seed 002: a Sage 200 instance with polling configured, from an authorization code. */
export const sage200Body = (options: {
  readonly code: string
  readonly clientId: string
  readonly clientSecret: string
  readonly subscriptionKey: string
  readonly signingKey: string
  readonly callbackUrl: string
}) => ({
  element: { key: "sage200" },
  providerData: { code: options.code },
  configuration: {
    "oauth.api.secret": options.clientSecret,
    "oauth.api.key": options.clientId,
    "subscription.key": options.subscriptionKey,
    "signing.key": options.signingKey,
    "company.name": "Cloud-Elements Demodata",
    "event.notification.enabled": false,
    "event.notification.callback.url": "https://console.cloud-elements.com",
    "event.notification.basic.username": "CompanyName123",
    "event.notification.basic.password": "P@$$w0rd",
    "event.poller.refresh_interval": "15",
    "event.poller.configuration": sage200SeedPollers,
    "oauth.callback.url": options.callbackUrl
  },
  tags: ["API_Polling_Sage200"],
  name: "myCoolInstance"
})

/** The seed's documented `oauth.callback.url` of Sendoso. */
export const sendosoCallbackUrl = "https://auth.cloudelements.io/oauth"

/** Seed 001: a Sendoso instance from an authorization code. */
export const sendosoBody = (options: {
  readonly code: string
  readonly clientId: string
  readonly clientSecret: string
}) => ({
  element: { key: "sendoso" },
  providerData: { code: options.code },
  configuration: {
    "oauth.api.key": options.clientId,
    "oauth.api.secret": options.clientSecret,
    "oauth.callback.url": sendosoCallbackUrl
  },
  name: "Sendoso"
})
