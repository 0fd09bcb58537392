/**
 * The vendor collections the fake Sage Accounting server serves, as data read off the v3.1 API
 * description: the body wrapper key, the fields a create must carry, which verbs exist, whether the
 * list accepts `deleted_since`, and which fields `search` looks at.
 */

/** A field a create body must carry, with the JSON type it must have. */
export interface RequiredField {
  readonly name: string
  readonly type: "string" | "number" | "boolean" | "array" | "integer"
}

/** Line items of a document (`invoice_lines`, `journal_lines`) and what each line must carry. */
export interface Lines {
  readonly field: string
  readonly required: ReadonlyArray<RequiredField>
}

/** One collection of the fake vendor. */
export interface CollectionSpec {
  /** Path segment (`contacts`). */
  readonly name: string
  /** Key wrapping create and update bodies (`contact`). */
  readonly bodyKey: string
  readonly required: ReadonlyArray<RequiredField>
  readonly lines?: Lines
  readonly create: boolean
  readonly update: boolean
  readonly delete: boolean
  /** Whether the list accepts `deleted_since`; the vendor ignores it silently where it does not. */
  readonly deletedSince: boolean
  /** Fields `search` matches, case-insensitively, as substrings. */
  readonly search: ReadonlyArray<string>
  /** The field shown as `displayed_as`. */
  readonly displayField: string
  /** Records present when the server starts (reference data such as contact types). */
  readonly seed?: ReadonlyArray<Readonly<Record<string, unknown>>>
}

const s = (name: string): RequiredField => ({ name, type: "string" })

const invoiceLine: ReadonlyArray<RequiredField> = [
  s("description"),
  s("ledger_account_id"),
  { name: "unit_price", type: "number" }
]

/** The collections of the fake, keyed by path segment. */
export const collections: Readonly<Record<string, CollectionSpec>> = {
  contacts: {
    name: "contacts",
    bodyKey: "contact",
    required: [s("name"), { name: "contact_type_ids", type: "array" }],
    create: true,
    update: true,
    delete: true,
    deletedSince: true,
    search: ["name", "reference"],
    displayField: "name"
  },
  sales_invoices: {
    name: "sales_invoices",
    bodyKey: "sales_invoice",
    required: [s("contact_id"), s("date"), { name: "invoice_lines", type: "array" }],
    lines: { field: "invoice_lines", required: invoiceLine },
    create: true,
    update: true,
    delete: true,
    deletedSince: true,
    search: ["invoice_number", "reference", "contact_name"],
    displayField: "invoice_number"
  },
  purchase_invoices: {
    name: "purchase_invoices",
    bodyKey: "purchase_invoice",
    required: [s("contact_id"), s("date"), s("due_date"), { name: "invoice_lines", type: "array" }],
    lines: { field: "invoice_lines", required: [...invoiceLine, { name: "quantity", type: "number" }] },
    create: true,
    update: true,
    delete: true,
    deletedSince: true,
    search: ["vendor_reference", "reference", "contact_name"],
    displayField: "vendor_reference"
  },
  products: {
    name: "products",
    bodyKey: "product",
    required: [s("description"), s("sales_ledger_account_id"), s("purchase_ledger_account_id")],
    create: true,
    update: true,
    delete: true,
    deletedSince: true,
    search: ["item_code", "description"],
    displayField: "description"
  },
  services: {
    name: "services",
    bodyKey: "service",
    required: [s("description"), s("sales_ledger_account_id")],
    create: true,
    update: true,
    delete: true,
    deletedSince: true,
    search: ["item_code", "description"],
    displayField: "description"
  },
  ledger_accounts: {
    name: "ledger_accounts",
    bodyKey: "ledger_account",
    required: [
      s("ledger_account_type_id"),
      { name: "included_in_chart", type: "boolean" },
      s("name"),
      s("display_name"),
      { name: "nominal_code", type: "integer" }
    ],
    create: true,
    update: true,
    delete: false,
    deletedSince: false,
    search: ["name", "display_name"],
    displayField: "display_name"
  },
  contact_payments: {
    name: "contact_payments",
    bodyKey: "contact_payment",
    required: [
      s("transaction_type_id"),
      s("contact_id"),
      s("bank_account_id"),
      s("date"),
      { name: "total_amount", type: "number" }
    ],
    create: true,
    update: true,
    delete: true,
    deletedSince: true,
    search: [],
    displayField: "reference"
  },
  tax_rates: {
    name: "tax_rates",
    bodyKey: "tax_rate",
    required: [s("name")],
    create: true,
    update: true,
    delete: true,
    deletedSince: false,
    search: [],
    displayField: "name"
  },
  journals: {
    name: "journals",
    bodyKey: "journal",
    required: [s("date"), s("reference"), { name: "journal_lines", type: "array" }],
    lines: {
      field: "journal_lines",
      required: [
        s("ledger_account_id"),
        { name: "debit", type: "number" },
        { name: "credit", type: "number" }
      ]
    },
    create: true,
    update: false,
    delete: true,
    deletedSince: true,
    search: [],
    displayField: "reference"
  },
  bank_accounts: {
    name: "bank_accounts",
    bodyKey: "bank_account",
    required: [s("bank_account_type_id")],
    create: true,
    update: true,
    delete: true,
    deletedSince: true,
    search: [],
    displayField: "nominal_code"
  },
  contact_types: {
    name: "contact_types",
    bodyKey: "contact_type",
    required: [],
    create: false,
    update: false,
    delete: false,
    deletedSince: false,
    search: [],
    displayField: "name",
    seed: [
      { id: "CUSTOMER", name: "Customer" },
      { id: "VENDOR", name: "Supplier" }
    ]
  }
}

/** The contact types a contact may be given. */
export const contactTypeIds: ReadonlyArray<string> = ["CUSTOMER", "VENDOR"]
