/**
 * The Sage Business Cloud Accounting v3.1 connector (element key `sageone`, finance hub), as data:
 * OAuth 2.0 authorization code against Sage's central login (short-lived access tokens, rotating
 * refresh tokens), the optional `X-Business` and APIM subscription headers, page-number paging in
 * the `$items` envelope, the CEQL parameters the vendor filters by, the resources, and polling with
 * `updated_or_created_since` plus `deleted_since` tombstones.
 */
import { AuthSpec, Connector, Paging, Param } from "@plugboard/core"
import { readError } from "./internal/errors.js"
import { translator } from "./SageAccountingCeql.js"
import { resources, vendorPaths } from "./SageAccountingResources.js"

/** Sage's endpoints, the defaults of the configuration keys of the same meaning. */
export const endpoints = {
  baseUrl: "https://api.accounting.sage.com/v3.1",
  authorizationUrl: "https://www.sageone.com/oauth2/auth/central?filter=apiv3.1",
  tokenUrl: "https://oauth.accounting.sage.com/token"
} as const

/** The Sage Accounting connector. */
export const SageAccounting: Connector.Connector = Connector.make({
  key: "sageone",
  id: 3690,
  name: "Sage Business Cloud Accounting",
  description:
    "Sage Business Cloud Accounting (Sage One) v3.1: customers, vendors, invoices, payments, products, " +
    "ledger accounts, journals, tax rates and bank accounts, with polling events.",
  hub: "finance",
  baseUrl: endpoints.baseUrl,
  auth: AuthSpec.oauth2Code({
    // The region picks the sign-in page; `filter=apiv3.1` is already part of the authorization URL.
    authorizeParams: { country: "{country}" },
    tokenEndpointAuth: "client_secret_post"
  }),
  headers: {
    "X-Business": "business.id",
    "Ocp-Apim-Subscription-Key": "apim.subscription.key"
  },
  configuration: {
    ...Connector.oauthParams({
      authorizationUrl: endpoints.authorizationUrl,
      tokenUrl: endpoints.tokenUrl,
      scope: "full_access"
    }),
    "oauth.scope": Param.text({
      label: "OAuth scope",
      description: "full_access to read and write, readonly to read only",
      default: "full_access",
      options: ["full_access", "readonly"]
    }),
    "signature.secret": Param.secret({
      label: "Signing Secret",
      description: "The signing secret of the app registered in the Sage Developer Self Service portal"
    }),
    "apim.subscription.key": Param.secret({
      label: "APIM Subscription Key",
      description:
        "The subscription primary key of the Sage Accounting API; sent as Ocp-Apim-Subscription-Key when set"
    }),
    country: Param.text({
      label: "Country",
      description: "Two-letter country code of the user's Sage account (GB, IE, US, CA, ES, FR, DE)"
    }),
    "business.id": Param.text({
      label: "Business ID",
      description: "The business to work in, sent as X-Business; unset means the user's lead business"
    })
  },
  paging: Paging.pageNumber({
    pageParam: "page",
    sizeParam: "items_per_page",
    maxPageSize: 200,
    defaultPageSize: 100,
    items: "$items",
    total: "$total",
    next: "$next"
  }),
  query: translator(vendorPaths),
  resources,
  objects: {
    path: "/{objectName}",
    itemPath: "/{objectName}/{id}",
    id: "id",
    verbs: ["list", "get", "create", "replace", "delete"]
  },
  events: {
    methods: ["polling"],
    defaultResources: ["customers", "vendors", "invoices", "purchase-invoices", "payments", "products"]
  },
  credentialCheck: { path: "/contacts", query: { items_per_page: "1" } },
  // The vendor documents 200 calls per 60 seconds per business.
  rateLimit: { requestsPerSecond: 3 },
  hooks: { readError }
})
