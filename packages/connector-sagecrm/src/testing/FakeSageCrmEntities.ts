/**
 * The Sage CRM entities the fake server knows, with their fields. Sage CRM names every column
 * `<prefix>_<name>` (`comp_name`, `pers_lastname`); the REST API returns them in lower case and
 * accepts them in any case. System columns (id, created/updated date and user) are written by the
 * server, never by a client.
 */

/** How a column's values are read, written and compared (SQL Server types behind Sage CRM). */
export type FieldType = "id" | "text" | "integer" | "decimal" | "date"

/** What the REST API lets a client do with an entity. */
export type EntityVerb = "list" | "get" | "create" | "update" | "delete"

/** One Sage CRM entity as the REST API exposes it. */
export interface EntitySchema {
  /** The resource name in URLs (`Company`); matched case-insensitively. */
  readonly name: string
  /** Column prefix (`comp`). */
  readonly prefix: string
  /** The identity column (`comp_companyid`); its value is the entry's `$key`. */
  readonly idField: string
  /** Every column, lower case, with its type. */
  readonly fields: Readonly<Record<string, FieldType>>
  /** Columns a create must carry. */
  readonly required: ReadonlyArray<string>
  readonly verbs: ReadonlyArray<EntityVerb>
}

const allVerbs: ReadonlyArray<EntityVerb> = ["list", "get", "create", "update", "delete"]

const entity = (
  name: string,
  prefix: string,
  idName: string,
  columns: Readonly<Record<string, FieldType>>,
  required: ReadonlyArray<string>,
  verbs: ReadonlyArray<EntityVerb> = allVerbs
): EntitySchema => {
  const fields: Record<string, FieldType> = { [`${prefix}_${idName}`]: "id" }
  for (const [column, type] of Object.entries(columns)) fields[`${prefix}_${column}`] = type
  fields[`${prefix}_createdby`] = "integer"
  fields[`${prefix}_createddate`] = "date"
  fields[`${prefix}_updatedby`] = "integer"
  fields[`${prefix}_updateddate`] = "date"
  return {
    name,
    prefix,
    idField: `${prefix}_${idName}`,
    fields,
    required: required.map((column) => `${prefix}_${column}`),
    verbs
  }
}

/** The entities of a default Sage CRM install that the fake serves. */
export const entities: ReadonlyArray<EntitySchema> = [
  entity(
    "Company",
    "comp",
    "companyid",
    {
      name: "text",
      type: "text",
      status: "text",
      source: "text",
      territory: "text",
      sector: "text",
      website: "text",
      employees: "text",
      revenue: "text",
      primarypersonid: "integer",
      primaryuserid: "integer"
    },
    ["name"]
  ),
  entity(
    "Person",
    "pers",
    "personid",
    {
      companyid: "integer",
      salutation: "text",
      firstname: "text",
      lastname: "text",
      title: "text",
      department: "text",
      status: "text",
      source: "text",
      primaryuserid: "integer"
    },
    ["lastname"]
  ),
  entity(
    "Lead",
    "lead",
    "leadid",
    {
      description: "text",
      details: "text",
      companyname: "text",
      personfirstname: "text",
      personlastname: "text",
      personemail: "text",
      stage: "text",
      status: "text",
      source: "text",
      rating: "text",
      decisiontimeframe: "date",
      primarycompanyid: "integer",
      primarypersonid: "integer",
      assigneduserid: "integer"
    },
    ["description"]
  ),
  entity(
    "Opportunity",
    "oppo",
    "opportunityid",
    {
      description: "text",
      note: "text",
      type: "text",
      stage: "text",
      status: "text",
      source: "text",
      priority: "text",
      forecast: "decimal",
      certainty: "integer",
      targetclose: "date",
      primarycompanyid: "integer",
      primarypersonid: "integer",
      assigneduserid: "integer"
    },
    ["description"]
  ),
  // User administration is not open to the REST API: users are read, never written.
  entity(
    "Users",
    "user",
    "userid",
    {
      logon: "text",
      firstname: "text",
      lastname: "text",
      emailaddress: "text",
      department: "text",
      language: "text",
      disabled: "text",
      resource: "text"
    },
    ["logon", "lastname"],
    ["list", "get"]
  ),
  entity(
    "Cases",
    "case",
    "caseid",
    {
      description: "text",
      problemnote: "text",
      status: "text",
      stage: "text",
      priority: "text",
      primarycompanyid: "integer",
      primarypersonid: "integer",
      assigneduserid: "integer"
    },
    ["description"]
  ),
  entity(
    "Notes",
    "note",
    "noteid",
    {
      foreigntableid: "integer",
      foreignid: "integer",
      note: "text"
    },
    ["foreigntableid", "foreignid", "note"]
  )
]

/** The entity a URL segment names, matched case-insensitively as Sage CRM does. */
export const findEntity = (name: string): EntitySchema | undefined => {
  const lower = name.toLowerCase()
  return entities.find((schema) => schema.name.toLowerCase() === lower)
}

/** The type of a column, by its lower-case name; `undefined` when the entity has no such column. */
export const fieldType = (schema: EntitySchema, field: string): FieldType | undefined =>
  Object.hasOwn(schema.fields, field) ? schema.fields[field] : undefined

/** Whether the server owns a column: the id and the created/updated stamps. */
export const isSystemField = (schema: EntitySchema, field: string): boolean =>
  field === schema.idField ||
  field === `${schema.prefix}_createdby` ||
  field === `${schema.prefix}_createddate` ||
  field === `${schema.prefix}_updatedby` ||
  field === `${schema.prefix}_updateddate`
