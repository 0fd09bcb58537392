/**
 * The collections the fake Sage 200 serves and what each allows: ledger postings (sales invoices and
 * receipts) are created and read only, posted transactions are read only, the rest are read-write.
 * `sop_order_lines` are also reached under their order (`/sop_orders/{id}/sop_order_lines`).
 */

/** What one collection allows. */
export interface CollectionSpec {
  readonly name: string
  readonly create: boolean
  readonly update: boolean
  readonly delete: boolean
  /** A field a created record must have (the vendor's validation), when there is one. */
  readonly required?: string
}

const readWrite = (name: string, required?: string): CollectionSpec => ({
  name,
  create: true,
  update: true,
  delete: true,
  ...(required === undefined ? {} : { required })
})

/** Vendor collection name → spec. */
export const collections: Readonly<Record<string, CollectionSpec>> = {
  customers: readWrite("customers", "reference"),
  suppliers: readWrite("suppliers", "reference"),
  sales_invoices: {
    name: "sales_invoices",
    create: true,
    update: false,
    delete: false,
    required: "customer_id"
  },
  sales_receipts: {
    name: "sales_receipts",
    create: true,
    update: false,
    delete: false,
    required: "customer_id"
  },
  sales_posted_transactions: {
    name: "sales_posted_transactions",
    create: false,
    update: false,
    delete: false
  },
  products: readWrite("products", "code"),
  warehouses: readWrite("warehouses", "name"),
  warehouse_holdings: readWrite("warehouse_holdings", "warehouse_id"),
  sop_orders: readWrite("sop_orders", "customer_id"),
  sop_order_lines: readWrite("sop_order_lines"),
  product_groups: readWrite("product_groups", "code")
}

/** Child collections: parent collection → child name → the child's field holding the parent id. */
export const children: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  sop_orders: { sop_order_lines: "sop_order_id" },
  customers: { sop_orders: "customer_id" }
}
