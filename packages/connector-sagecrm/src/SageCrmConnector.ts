/**
 * The Sage CRM element (`sagecrm`, hub `crm`) as data: catalog metadata and configuration as the
 * original element had them, Basic authentication with a CRM user, SData paging on
 * `startIndex`/`count` (1-based, at most 200 a page), CEQL translated to SData `where`, native
 * `orderBy`, the five hub resources with their poller defaults, and the one hook Sage CRM needs:
 * reading its `$diagnoses` error bodies.
 */
import { AuthSpec, Connector, Paging } from "@plugboard/core"
import { readSDataError } from "./internal/errors.js"
import { configuration } from "./SageCrmConfiguration.js"
import { query } from "./SageCrmQuery.js"
import { objects, resources, sortableFields } from "./SageCrmResources.js"

/** The Sage CRM connector. */
export const SageCrm: Connector.Connector = Connector.make({
  key: "sagecrm",
  id: 3641,
  name: "Sage CRM",
  description:
    "Add a Sage CRM Instance to connect your existing Sage account to the SageCRM Hub, allowing you to manage " +
    "accounts, contacts, leads, opportunities, and users, etc. across multiple Sage Elements. You will need your " +
    "Sage CRM account information to add an instance.",
  hub: "crm",
  image: "/elements/provider_sagecrm.png",
  baseUrl: "https://{subdomain}/sdata/crmj/sagecrm2/-",
  auth: AuthSpec.basic({ username: "username", password: "password" }),
  configuration,
  paging: Paging.offset({
    offsetParam: "startIndex",
    limitParam: "count",
    firstOffset: 1,
    maxPageSize: 200,
    items: "$resources",
    total: "$totalResults"
  }),
  query,
  sort: { param: "orderBy", style: "words", fields: sortableFields },
  resources,
  objects,
  events: {
    methods: ["polling"],
    defaultResources: ["accounts", "contacts", "leads", "opportunities", "users"]
  },
  // One company is the cheapest read every CRM user with API access may make.
  credentialCheck: { path: "/Company", query: { startIndex: "1", count: "1" } },
  bulk: { download: true, upload: true },
  hooks: { readError: readSDataError }
})
