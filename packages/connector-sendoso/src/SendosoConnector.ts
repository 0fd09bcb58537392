/**
 * The Sendoso connector (element key `sendoso`, rewards hub), as data: OAuth 2.0 authorization code
 * at app.sendoso.com (two-hour access tokens, rotating refresh tokens), page/per_page paging in
 * Sendoso's `{current_page, per_page, total_<x>, <x>: […]}` envelope, the one native filter
 * (`delivery_type` on campaigns), the resources, polling without a vendor change filter, the
 * documented 10 requests per second, the reading of Sendoso's error bodies, and the `send.*`
 * webhooks Sendoso pushes through Svix.
 */
import { AuthSpec, Connector, Paging, Param } from "@plugboard/core"
import { readError } from "./internal/errors.js"
import { translator } from "./SendosoCeql.js"
import { resources } from "./SendosoResources.js"
import { normalize, pushedResources, scheme, secretKey } from "./SendosoWebhooks.js"

/** Sendoso's endpoints and documented defaults, the defaults of the configuration keys of the same meaning. */
export const endpoints = {
  baseUrl: "https://app.sendoso.com/api/v3",
  authorizationUrl: "https://app.sendoso.com/oauth/authorize",
  tokenUrl: "https://app.sendoso.com/oauth/token",
  /** Every scope Sendoso defines, so that one authorization covers reads, sends and invitations. */
  scope: "public write update marketplace smartsend"
} as const

/** Sendoso's documented limit: clients sending more than this many requests per second get 429. */
export const requestsPerSecond = 10

/** The Sendoso connector. */
export const Sendoso: Connector.Connector = Connector.make({
  key: "sendoso",
  // The seeds give no element id; this one is ours and fixed.
  id: 5493,
  name: "Sendoso",
  description:
    "Sendoso Core API v3: team groups and their members, campaigns (touches), gifts and eGift sends, " +
    "user invitations, with polling events.",
  hub: "rewards",
  baseUrl: endpoints.baseUrl,
  auth: AuthSpec.oauth2Code({ tokenEndpointAuth: "client_secret_post" }),
  configuration: {
    ...Connector.oauthParams({
      authorizationUrl: endpoints.authorizationUrl,
      tokenUrl: endpoints.tokenUrl,
      // No default callback URL: the caller gives the one registered with the app, or the runner
      // uses its own callback page.
      scope: endpoints.scope
    }),
    // Declared here rather than left to `make`, so the catalog says where the secret comes from.
    [secretKey]: Param.secret({
      label: "Svix webhook signing secret",
      description: "whsec_… from Sendoso's webhook settings; verifies POST /events/sendoso/{instanceId}"
    })
  },
  // Each resource names its own record array and total; the default (a bare array) is the members child's.
  paging: Paging.pageNumber({
    pageParam: "page",
    sizeParam: "per_page",
    maxPageSize: 100,
    items: null
  }),
  query: translator,
  resources,
  // Sendoso pushes send.* events through Svix, all of them sends (`gifts`); `make` adds "webhook"
  // to events.methods and to the values of `event.vendor.type`.
  webhooks: { scheme, normalize, resources: pushedResources },
  events: {
    methods: ["polling"],
    // return-addresses has no documented endpoint: it is polled only when an instance configures it.
    defaultResources: ["groups", "touches"]
  },
  credentialCheck: { path: "/me" },
  rateLimit: { requestsPerSecond },
  hooks: { readError }
})
