/**
 * The request bodies of the seed documents (Sage CRM 004, Sage Business Cloud Accounting 003) as a
 * client copies them, with only the values a test must supply changed: credentials of the fake
 * vendors and the endpoint overrides (`base.url`, `oauth.token.url`) that point at them.
 */

/** Seed 004: create a Sage CRM instance. */
export const sageCrmBody = (options: {
  readonly baseUrl: string
  readonly username: string
  readonly password: string
}) => ({
  element: { key: "sagecrm" },
  configuration: {
    subdomain: "sagecrm-0.cloud-elements.com",
    username: options.username,
    password: options.password,
    "base.url": options.baseUrl
  },
  tags: ["Docs"],
  name: "SageCRM"
})

/** The seed's date placeholder, sent as text for the runner to fill (not a JavaScript template). */
const datePlaceholder = "$" + "{date:yyyy-MM-dd'T'HH:mm:ss'Z'}"

/** Seed 003: create a Sage Business Cloud Accounting instance with polling, from an authorization code. */
export const sageOneBody = (options: {
  readonly code: string
  readonly clientId: string
  readonly clientSecret: string
  readonly baseUrl: string
  readonly tokenUrl: string
  readonly signingSecret: string
  readonly subscriptionKey: string
}) => ({
  element: { key: "sageone" },
  providerData: { code: options.code },
  configuration: {
    "oauth.api.key": options.clientId,
    "oauth.api.secret": options.clientSecret,
    "signature.secret": options.signingSecret,
    "apim.subscription.key": options.subscriptionKey,
    country: "US",
    "oauth.callback.url": "https://mycoolapp.com",
    "event.notification.enabled": true,
    "event.notification.callback.url": "http://mycoolapp.com",
    "event.poller.refresh_interval": "15",
    "event.poller.configuration": {
      customers: {
        url: `/hubs/finance/customers?where=lastModifiedDate>='${datePlaceholder}' and attributes='created_at,updated_at`,
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
    },
    "base.url": options.baseUrl,
    "oauth.token.url": options.tokenUrl
  },
  tags: ["Test"],
  name: "API_Polling"
})
