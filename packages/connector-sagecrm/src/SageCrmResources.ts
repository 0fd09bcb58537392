/**
 * The `crm` hub resources of Sage CRM mapped onto SData entities: accounts → `Company`, contacts →
 * `Person`, leads → `Lead`, opportunities → `Opportunity`, users → `Users`, plus child collections
 * (`/accounts/{id}/contacts` …) and any other entity as a vendor object (`/hubs/crm/Cases`).
 *
 * Ids: a hub id is the SData `$key` (`Company('43')`), which Sage CRM sets to the entity's id
 * column, so `$key` and `comp_companyid` always hold the same value. The resources name the id
 * column as their id field (the poller's default `idField`): unlike `$key` it can be filtered and
 * sorted on, which keeps offset pages stable. Vendor objects, whose columns the connector does not
 * know, use `$key`.
 */
import { type Connector, Resource } from "@plugboard/core"

/** The pattern Sage CRM dates are read and written with (server time zone UTC). */
export const dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"

/** What the connector knows about one SData entity. */
export interface Entity {
  /** SData resource kind (`Company`). */
  readonly entity: string
  /** Column prefix as the original element wrote it (`Comp`); Sage CRM ignores the case of names. */
  readonly prefix: string
  /** The id column, whose value `$key` carries (`comp_companyid`). */
  readonly idColumn: string
}

/** A hub resource over an entity. */
interface Declared extends Entity {
  readonly description: string
  readonly verbs: ReadonlyArray<Resource.Verb>
  /** Child collection name → the child entity and its column holding this entity's id. */
  readonly children?: Readonly<Record<string, { readonly entity: Entity; readonly foreignKey: string }>>
}

const company: Entity = { entity: "Company", prefix: "Comp", idColumn: "comp_companyid" }
const person: Entity = { entity: "Person", prefix: "Pers", idColumn: "pers_personid" }
const lead: Entity = { entity: "Lead", prefix: "Lead", idColumn: "lead_leadid" }
const opportunity: Entity = { entity: "Opportunity", prefix: "Oppo", idColumn: "oppo_opportunityid" }
const users: Entity = { entity: "Users", prefix: "User", idColumn: "user_userid" }
const cases: Entity = { entity: "Cases", prefix: "Case", idColumn: "case_caseid" }

const writable: ReadonlyArray<Resource.Verb> = ["list", "get", "create", "update", "replace", "delete"]

/** Hub resource name → its SData entity, verbs and children. */
const declared: Readonly<Record<string, Declared>> = {
  accounts: {
    ...company,
    description: "Companies (SData `Company`).",
    verbs: writable,
    children: {
      contacts: { entity: person, foreignKey: "pers_companyid" },
      opportunities: { entity: opportunity, foreignKey: "oppo_primarycompanyid" },
      leads: { entity: lead, foreignKey: "lead_primarycompanyid" },
      cases: { entity: cases, foreignKey: "case_primarycompanyid" }
    }
  },
  contacts: {
    ...person,
    description: "People (SData `Person`).",
    verbs: writable,
    children: {
      opportunities: { entity: opportunity, foreignKey: "oppo_primarypersonid" },
      leads: { entity: lead, foreignKey: "lead_primarypersonid" },
      cases: { entity: cases, foreignKey: "case_primarypersonid" }
    }
  },
  leads: { ...lead, description: "Leads (SData `Lead`).", verbs: writable },
  opportunities: { ...opportunity, description: "Opportunities (SData `Opportunity`).", verbs: writable },
  // The REST API does not administer users: they are read only.
  users: { ...users, description: "CRM users (SData `Users`), read only.", verbs: ["list", "get"] }
}

/**
 * The entity behind a hub name as the hub engine reports it to the CEQL translator: a resource
 * (`accounts`) or a child collection (`accounts/{id}/contacts`). Vendor objects give `undefined`.
 */
export const entityOf = (name: string): Entity | undefined => {
  const child = /^([^/]+)\/\{id\}\/([^/]+)$/.exec(name)
  if (child !== null) {
    const parent = Object.hasOwn(declared, child[1]!) ? declared[child[1]!] : undefined
    const children = parent?.children ?? {}
    return Object.hasOwn(children, child[2]!) ? children[child[2]!]?.entity : undefined
  }
  return Object.hasOwn(declared, name) ? declared[name] : undefined
}

/** The SData path of one record: `/Company('{id}')`; SData keys are quoted strings. */
export const itemPath = (entity: string): string => `/${entity}('{id}')`

/**
 * The poller's CEQL condition for an entity: its updated date not before the last poll time,
 * written with the original element's `bulk.query.date_mask`.
 */
export const updatedSince = (prefix: string): string => `${prefix}_UpdatedDate >= '\${gmtDate:${dateFormat}}'`

// Without an order SQL Server may return rows in any order, and offset pages could then overlap.
const byId = (entity: Entity): Readonly<Record<string, string>> => ({ orderBy: `${entity.idColumn} asc` })

const resource = (spec: Declared): Resource.Resource =>
  Resource.make({
    description: spec.description,
    path: `/${spec.entity}`,
    itemPath: itemPath(spec.entity),
    id: spec.idColumn,
    created: { field: `${spec.prefix}_CreatedDate`, format: dateFormat, zone: "UTC" },
    updated: { field: `${spec.prefix}_UpdatedDate`, format: dateFormat, zone: "UTC" },
    verbs: spec.verbs,
    query: byId(spec),
    // SData selects a feed by a condition in the path: `Person(pers_companyid eq '43')`.
    children: Object.fromEntries(
      Object.entries(spec.children ?? {}).map(([name, child]) => [
        name,
        { path: `/${child.entity.entity}(${child.foreignKey} eq '{id}')`, id: child.entity.idColumn }
      ])
    ),
    poll: { _tag: "UpdatedSince", where: updatedSince(spec.prefix) }
  })

/** The resources of the `crm` hub. */
export const resources: Readonly<Record<string, Resource.Resource>> = Object.fromEntries(
  Object.entries(declared).map(([name, spec]) => [name, resource(spec)])
)

/** Every other Sage CRM entity, by its SData name: `/hubs/crm/Cases`, `/hubs/crm/Cases/12`. */
export const objects: Connector.Objects = {
  path: "/{objectName}",
  itemPath: "/{objectName}('{id}')",
  id: "$key",
  verbs: writable
}

/**
 * Columns the vendor sorts by natively: each resource's id, name and date columns. Other fields
 * (custom columns among them) are sorted in memory, which is exact but reads every match first.
 */
export const sortableFields: ReadonlyArray<string> = [
  ...[company, person, lead, opportunity, users, cases].flatMap((entity) => [
    entity.idColumn,
    `${entity.prefix.toLowerCase()}_createddate`,
    `${entity.prefix.toLowerCase()}_updateddate`
  ]),
  "comp_name",
  "comp_type",
  "comp_status",
  "pers_firstname",
  "pers_lastname",
  "lead_description",
  "lead_companyname",
  "lead_stage",
  "oppo_description",
  "oppo_stage",
  "oppo_targetclose",
  "user_logon",
  "user_firstname",
  "user_lastname",
  "case_description",
  "case_status"
]
