/**
 * The finance-hub resources of Sage 200 as data: which vendor collection each hub name maps to, the
 * verbs the vendor allows there, the change dates (`date_time_created`, `date_time_updated`, UTC),
 * and the default poll on the updated date.
 */
import { Resource } from "@plugboard/core"

/** The vendor's timestamp pattern as the seed's poller configuration writes it (fractions are read too). */
export const dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"

const created: Resource.DateField = { field: "date_time_created", format: dateFormat, zone: "GMT" }
const updated: Resource.DateField = { field: "date_time_updated", format: dateFormat, zone: "GMT" }

/**
 * The default poll: records updated since the last poll time. The seed writes `${date:…}` without a
 * zone; the default pins GMT and the `Z`, so that a runner outside UTC still asks for the right window.
 */
export const pollSince: Resource.PollStrategy = {
  _tag: "UpdatedSince",
  where: `date_time_updated>='\${gmtDate:${dateFormat}}'`
}

const readWrite: ReadonlyArray<Resource.Verb> = ["list", "get", "create", "update", "replace", "delete"]
// Ledger postings (invoices, receipts) are created once and never changed through the API.
const posted: ReadonlyArray<Resource.Verb> = ["list", "get", "create"]
const readOnly: ReadonlyArray<Resource.Verb> = ["list", "get"]

interface Options {
  readonly description: string
  readonly path: string
  readonly verbs: ReadonlyArray<Resource.Verb>
  readonly children?: Readonly<Record<string, Resource.Child>>
}

// Sage 200 changes records with PUT, which merges the fields it is sent; a hub PATCH becomes that PUT.
const resource = (options: Options): Resource.Resource =>
  Resource.make({
    description: options.description,
    path: options.path,
    itemPath: `${options.path}/{id}`,
    id: "id",
    created,
    updated,
    verbs: options.verbs,
    updateMethod: "PUT",
    children: options.children ?? {},
    poll: pollSince
  })

/** Hub resource name → declaration. */
export const resources: Readonly<Record<string, Resource.Resource>> = {
  customers: resource({
    description: "Customer accounts (/customers)",
    path: "/customers",
    verbs: readWrite
  }),
  suppliers: resource({
    description: "Supplier accounts (/suppliers)",
    path: "/suppliers",
    verbs: readWrite
  }),
  vendors: resource({
    description: "Supplier accounts under the finance hub's usual name (/suppliers)",
    path: "/suppliers",
    verbs: readWrite
  }),
  invoices: resource({
    description: "Sales ledger invoices (/sales_invoices)",
    path: "/sales_invoices",
    verbs: posted
  }),
  payments: resource({
    description: "Sales ledger receipts (/sales_receipts)",
    path: "/sales_receipts",
    verbs: posted
  }),
  transactions: resource({
    description: "Posted sales ledger transactions (/sales_posted_transactions)",
    path: "/sales_posted_transactions",
    verbs: readOnly
  }),
  products: resource({ description: "Stock items (/products)", path: "/products", verbs: readWrite }),
  warehouses: resource({ description: "Warehouses (/warehouses)", path: "/warehouses", verbs: readWrite }),
  "warehouse-holdings": resource({
    description: "Stock holdings of products in warehouses (/warehouse_holdings)",
    path: "/warehouse_holdings",
    verbs: readWrite
  }),
  "sales-orders": resource({
    description: "Sales order processing orders (/sop_orders), with their lines as child sop_order_lines",
    path: "/sop_orders",
    verbs: readWrite,
    children: {
      sop_order_lines: { path: "/sop_orders/{id}/sop_order_lines", id: "id" },
      lines: { path: "/sop_orders/{id}/sop_order_lines", id: "id" }
    }
  })
}

/** The resources an instance polls when its configuration names none (the seed's list). */
export const polledByDefault: ReadonlyArray<string> = [
  "customers",
  "payments",
  "invoices",
  "products",
  "transactions",
  "warehouse-holdings",
  "warehouses"
]
