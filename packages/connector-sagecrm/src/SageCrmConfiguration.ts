/**
 * The configuration keys of the Sage CRM element beyond the standard ones core adds (`base.url`,
 * `pagination.*`, `event.*`): the server and the CRM user, and the bulk keys the original element
 * carried, with the original's defaults.
 */
import { Param } from "@plugboard/core"
import { dateFormat } from "./SageCrmResources.js"

const bulkCreatedTime = (resource: string, field: string): Param.Param =>
  Param.text({
    label: `Bulk ${resource} date field`,
    description: `The field a bulk query of ${resource} filters on.`,
    default: field,
    hidden: true
  })

/** The element's own parameters. */
export const configuration: Readonly<Record<string, Param.Param>> = {
  subdomain: Param.text({
    label: "Subdomain",
    description: "The host of your Sage CRM server, without https:// (e.g. crm.example.com).",
    required: true
  }),
  username: Param.text({
    label: "Username",
    description: "A Sage CRM user name (disabled and resource users cannot sign in).",
    required: true
  }),
  password: Param.secret({
    label: "Password",
    description: "That user's Sage CRM password.",
    required: true
  }),
  "bulk.add_metadata": Param.boolean({ label: "Bulk: add metadata", hidden: true }),
  "bulk.query.field_name": Param.text({ label: "Bulk query field name", default: "replaceMe", hidden: true }),
  "bulk.query.operator": Param.text({ label: "Bulk query operator", default: ">=", hidden: true }),
  "bulk.query.date_mask": Param.text({ label: "Bulk query date mask", default: dateFormat, hidden: true }),
  "bulk.query.download_format": Param.text({
    label: "Bulk download format",
    default: "JSON",
    hidden: true,
    options: ["JSON", "CSV"]
  }),
  "bulk.query.update": Param.boolean({ label: "Bulk query on updated date", default: true, hidden: true }),
  "bulk.relations": Param.json({ label: "Bulk relations", hidden: true }),
  "bulk.accounts.attribute.created_time": bulkCreatedTime("accounts", "Comp_UpdatedDate"),
  "bulk.contacts.attribute.created_time": bulkCreatedTime("contacts", "Pers_UpdatedDate"),
  "bulk.leads.attribute.created_time": bulkCreatedTime("leads", "Lead_UpdatedDate"),
  "bulk.opportunities.attribute.created_time": bulkCreatedTime("opportunities", "Oppo_UpdatedDate"),
  "bulk.users.attribute.created_time": bulkCreatedTime("users", "User_UpdatedDate")
}
