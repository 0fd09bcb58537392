/**
 * The finance-hub resources of Sage Accounting v3.1, as data: which vendor collection each hub name
 * maps to, the body wrapper key, the verbs the vendor allows there, the change dates, the default
 * poll, and the tombstones (`deleted_since`) where the vendor keeps them.
 */
import { Resource } from "@plugboard/core"

/** The vendor's timestamp pattern (`2026-11-22T10:00:00Z`), as the seed's poller configuration reads it. */
export const dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"

const created: Resource.DateField = { field: "created_at", format: dateFormat, zone: "GMT" }
const updated: Resource.DateField = { field: "updated_at", format: dateFormat, zone: "GMT" }

const tombstones: Resource.Tombstones = {
  param: "deleted_since",
  format: dateFormat,
  deletedField: "deleted_at"
}

/** The default poll: records updated or created since the last poll time, in UTC. */
export const pollSince: Resource.PollStrategy = {
  _tag: "UpdatedSince",
  where: `lastModifiedDate >= '\${gmtDate:${dateFormat}}'`
}

/**
 * Sage changes records with PUT, which merges the fields it is sent; there is no PATCH, so a hub
 * `update` (PATCH) is sent as that PUT (`updateMethod`), and `replace` (PUT) is the same call.
 */
const readWrite: ReadonlyArray<Resource.Verb> = ["list", "get", "create", "update", "replace", "delete"]

interface Options {
  readonly description: string
  readonly path: string
  readonly bodyKey: string
  readonly verbs?: ReadonlyArray<Resource.Verb>
  readonly query?: Readonly<Record<string, string>>
  readonly createDefaults?: Readonly<Record<string, unknown>>
  /** Whether the vendor's list takes `deleted_since`. */
  readonly deletedSince?: boolean
}

const resource = (options: Options): Resource.Resource =>
  Resource.make({
    description: options.description,
    path: options.path,
    itemPath: `${options.path}/{id}`,
    id: "id",
    created,
    updated,
    verbs: options.verbs ?? readWrite,
    updateMethod: "PUT",
    query: options.query ?? {},
    createDefaults: options.createDefaults ?? {},
    bodyKey: options.bodyKey,
    poll: pollSince,
    ...(options.deletedSince === false ? {} : { tombstones })
  })

/** Hub resource name → declaration. */
export const resources: Readonly<Record<string, Resource.Resource>> = {
  customers: resource({
    description: "Contacts of type CUSTOMER (/contacts?contact_type_id=CUSTOMER)",
    path: "/contacts",
    bodyKey: "contact",
    query: { contact_type_id: "CUSTOMER" },
    createDefaults: { contact_type_ids: ["CUSTOMER"] }
  }),
  vendors: resource({
    description:
      "Contacts of type VENDOR, shown as suppliers in some regions (/contacts?contact_type_id=VENDOR)",
    path: "/contacts",
    bodyKey: "contact",
    query: { contact_type_id: "VENDOR" },
    createDefaults: { contact_type_ids: ["VENDOR"] }
  }),
  contacts: resource({
    description: "Every contact, customers and vendors alike (/contacts)",
    path: "/contacts",
    bodyKey: "contact"
  }),
  invoices: resource({
    description: "Sales invoices (/sales_invoices)",
    path: "/sales_invoices",
    bodyKey: "sales_invoice"
  }),
  "purchase-invoices": resource({
    description: "Purchase invoices (/purchase_invoices)",
    path: "/purchase_invoices",
    bodyKey: "purchase_invoice"
  }),
  products: resource({
    description: "Products (/products)",
    path: "/products",
    bodyKey: "product"
  }),
  "ledger-accounts": resource({
    description: "Ledger accounts of the chart of accounts (/ledger_accounts); they cannot be deleted",
    path: "/ledger_accounts",
    bodyKey: "ledger_account",
    verbs: ["list", "get", "create", "update", "replace"],
    deletedSince: false
  }),
  payments: resource({
    description: "Customer receipts and vendor payments (/contact_payments)",
    path: "/contact_payments",
    bodyKey: "contact_payment"
  }),
  "tax-rates": resource({
    description: "Tax rates (/tax_rates)",
    path: "/tax_rates",
    bodyKey: "tax_rate",
    deletedSince: false
  }),
  journals: resource({
    description: "Journals (/journals); posted journals cannot be changed, only deleted",
    path: "/journals",
    bodyKey: "journal",
    verbs: ["list", "get", "create", "delete"]
  }),
  "bank-accounts": resource({
    description: "Bank accounts (/bank_accounts)",
    path: "/bank_accounts",
    bodyKey: "bank_account"
  })
}

/** Hub resource name → vendor path, for the CEQL translator. */
export const vendorPaths: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(resources).map(([name, r]) => [name, r.path])
)
