/**
 * The instance body of the element's polling documentation (`POST /instances` for `sageone`), with
 * the vendor endpoints pointed at a fake server. The poller URL keeps the text as published. The
 * callback URL has a path so that the fake's exact redirect URI comparison is easy to read; a bare
 * origin such as the published `https://mycoolapp.com` is sent as written in both the authorize URL
 * and the code exchange.
 */
import type { FakeSageAccounting } from "../src/testing.js"

/** The published poller URL for customers, character for character (its last string is never closed). */
export const seedPollerUrl =
  "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at"

/** The same URL with the closing quote the published text lacks. */
export const seedPollerUrlClosed = `${seedPollerUrl}'`

/** The callback URL of the tests' instances. */
export const callbackUrl = "https://mycoolapp.com/oauth/callback"

/** The seed's `POST /instances` body, endpoints overridden to the fake (contract.md §4 allows that). */
export const seedInstanceBody = (fake: FakeSageAccounting, code: string, pollerUrl = seedPollerUrl) => ({
  element: { key: "sageone" },
  providerData: { code },
  configuration: {
    "oauth.api.key": "test-client",
    "oauth.api.secret": "test-secret",
    "signature.secret": "signing-secret",
    "apim.subscription.key": "apim-key",
    country: "US",
    "oauth.callback.url": callbackUrl,
    "event.notification.enabled": true,
    "event.notification.callback.url": "http://mycoolapp.com",
    "event.poller.refresh_interval": "15",
    "event.poller.configuration": {
      customers: {
        url: pollerUrl,
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
    "base.url": fake.baseUrl,
    "oauth.authorization.url": fake.authorizationUrl,
    "oauth.token.url": fake.tokenUrl
  },
  tags: ["Test"],
  name: "API_Polling"
})
