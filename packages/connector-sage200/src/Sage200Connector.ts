/**
 * The Sage 200 connector (element key `sage200`, finance hub), as data: OAuth 2.0 authorization code
 * through Sage ID (rotating refresh tokens), `X-Site`/`X-Company` found once per connection from
 * `GET /sites` by `company.name`, the optional APIM subscription header, OData `$skip`/`$top` paging
 * over bare-array bodies (a short page ends a listing), CEQL as OData `$filter`, native `$orderby`,
 * the resources, and polling on `date_time_updated`.
 */
import { AuthSpec, Connector, Paging, Param } from "@plugboard/core"
import { readError } from "./internal/errors.js"
import { defaultOrder, orderParam, translator } from "./Sage200Ceql.js"
import { polledByDefault, resources } from "./Sage200Resources.js"
import { companyKey, sessionHeaders } from "./Sage200Session.js"

/** The configuration key choosing the product: `sage200` (Standard) or `sage200extra` (Professional). */
export const editionKey = "sage200.edition"

/** Sage's endpoints, the defaults of the configuration keys of the same meaning. */
export const endpoints = {
  baseUrl: `https://api.columbus.sage.com/uk/{${editionKey}}/accounts/v1`,
  authorizationUrl: "https://id.sage.com/authorize?audience=s200ukipd/sage200",
  tokenUrl: "https://id.sage.com/oauth/token",
  scope: "openid profile email offline_access"
} as const

/** The Sage 200 connector. */
export const Sage200: Connector.Connector = Connector.make({
  key: "sage200",
  id: 4242,
  name: "Sage 200",
  description:
    "Sage 200 UK Standard and Professional: customers, suppliers, sales invoices, receipts, posted " +
    "transactions, products, warehouses, warehouse holdings and sales orders, with polling events.",
  hub: "finance",
  baseUrl: endpoints.baseUrl,
  auth: AuthSpec.oauth2Code({ tokenEndpointAuth: "client_secret_post" }),
  headers: { "Ocp-Apim-Subscription-Key": "subscription.key" },
  configuration: {
    ...Connector.oauthParams({
      authorizationUrl: endpoints.authorizationUrl,
      tokenUrl: endpoints.tokenUrl,
      scope: endpoints.scope
    }),
    "subscription.key": Param.secret({
      label: "Subscription Key",
      description: "The Sage 200 API subscription key; sent as Ocp-Apim-Subscription-Key when set"
    }),
    "signing.key": Param.secret({
      label: "Signing Key",
      description: "The signing key of the app registered with Sage"
    }),
    [companyKey]: Param.text({
      label: "Company Name",
      description:
        "The Sage 200 company to work in, as GET /sites names it; may be left out when the user has one company"
    }),
    [editionKey]: Param.text({
      label: "Sage 200 edition",
      description: "sage200 for Sage 200 Standard, sage200extra for Sage 200 Professional",
      default: "sage200",
      options: ["sage200", "sage200extra"]
    })
  },
  paging: Paging.offset({
    offsetParam: "$skip",
    limitParam: "$top",
    firstOffset: 0,
    maxPageSize: 5000,
    items: null
  }),
  query: translator,
  sort: { param: orderParam, style: "words" },
  resources,
  objects: {
    path: "/{objectName}",
    itemPath: "/{objectName}/{id}",
    childPath: "/{objectName}/{id}/{childObjectName}",
    id: "id",
    // Sage 200 has no PATCH; objects are changed with the merging PUT (`replace`).
    verbs: ["list", "get", "create", "replace", "delete"]
  },
  events: { methods: ["polling"], defaultResources: polledByDefault },
  // One customer is the cheapest read that also proves the site and company headers.
  credentialCheck: { path: "/customers", query: { $top: "1", [orderParam]: defaultOrder } },
  hooks: { readError, sessionHeaders }
})
