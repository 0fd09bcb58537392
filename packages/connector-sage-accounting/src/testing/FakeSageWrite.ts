/**
 * Checks of create (`POST`) and update (`PUT`) bodies of the fake Sage Accounting server: the body
 * must be wrapped in the collection's key (`{"contact": {…}}`), creates must carry the required
 * fields with the right JSON types, line items their own required fields, contacts valid contact
 * types, and ids of related records must exist. Failures are the vendor's 422 error arrays.
 */
import {
  type CollectionSpec,
  collections,
  contactTypeIds,
  type RequiredField
} from "./FakeSageCollections.js"
import { type SageErrorEntry, sageError } from "./FakeSageErrors.js"
import type { FakeSageStore } from "./FakeSageStore.js"

const hasType = (value: unknown, type: RequiredField["type"]): boolean => {
  switch (type) {
    case "array":
      return Array.isArray(value)
    case "integer":
      return typeof value === "number" && Number.isInteger(value)
    case "number":
      return typeof value === "number" && Number.isFinite(value)
    default:
      return typeof value === type
  }
}

const isBlank = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === "string" && value.trim() === "")

const checkFields = (
  fields: Readonly<Record<string, unknown>>,
  required: ReadonlyArray<RequiredField>,
  mustBePresent: boolean,
  prefix: string
): Array<SageErrorEntry> => {
  const problems: Array<SageErrorEntry> = []
  for (const field of required) {
    const value = fields[field.name]
    if (isBlank(value)) {
      if (mustBePresent || field.name in fields) {
        problems.push(sageError("RecordInvalid", "can't be blank", `${prefix}${field.name}`))
      }
    } else if (!hasType(value, field.type)) {
      problems.push(
        sageError(
          "RecordInvalid",
          `must be ${field.type === "array" ? "an" : "a"} ${field.type}`,
          `${prefix}${field.name}`
        )
      )
    }
  }
  return problems
}

const plural = (noun: string): string => (noun.endsWith("y") ? `${noun.slice(0, -1)}ies` : `${noun}s`)

/** A checked write body: its inner fields, or the vendor's error entries. */
export type WriteBody =
  | { readonly ok: true; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly problems: ReadonlyArray<SageErrorEntry> }

/**
 * Reads a write body; returns the inner fields, or the vendor's error entries. `create` demands the
 * required fields; an update only checks the ones it sends.
 */
export const readWriteBody = (
  store: FakeSageStore,
  spec: CollectionSpec,
  body: unknown,
  create: boolean
): WriteBody => {
  const inner =
    typeof body === "object" && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)[spec.bodyKey]
      : undefined
  if (typeof inner !== "object" || inner === null || Array.isArray(inner)) {
    return {
      ok: false,
      problems: [
        sageError("RecordInvalid", `the body must be an object under the key '${spec.bodyKey}'`, spec.bodyKey)
      ]
    }
  }
  const fields = inner as Record<string, unknown>
  const problems = checkFields(fields, spec.required, create, "")

  if (spec.lines !== undefined && Array.isArray(fields[spec.lines.field])) {
    const lines = fields[spec.lines.field] as ReadonlyArray<unknown>
    if (create && lines.length === 0) {
      problems.push(sageError("RecordInvalid", "must have at least one line", spec.lines.field))
    }
    lines.forEach((line, index) => {
      const prefix = `${spec.lines?.field}[${index}].`
      if (typeof line !== "object" || line === null || Array.isArray(line)) {
        problems.push(sageError("RecordInvalid", "must be an object", prefix.slice(0, -1)))
      } else if (spec.lines !== undefined) {
        problems.push(...checkFields(line as Record<string, unknown>, spec.lines.required, true, prefix))
      }
    })
  }

  if (spec.name === "contacts" && Array.isArray(fields["contact_type_ids"])) {
    const types = fields["contact_type_ids"] as ReadonlyArray<unknown>
    if (types.length === 0) problems.push(sageError("RecordInvalid", "can't be blank", "contact_type_ids"))
    for (const type of types) {
      if (typeof type !== "string" || !contactTypeIds.includes(type)) {
        problems.push(
          sageError(
            "RecordInvalid",
            `'${String(type)}' is not a contact type (${contactTypeIds.join(", ")})`,
            "contact_type_ids"
          )
        )
      }
    }
  }

  for (const [key, value] of Object.entries(fields)) {
    if (!key.endsWith("_id") || typeof value !== "string" || value === "") continue
    const target = plural(key.slice(0, -3))
    if (collections[target] !== undefined && store.get(target, value) === undefined) {
      problems.push(
        sageError("RecordInvalid", `no ${key.slice(0, -3).replace(/_/g, " ")} with id '${value}'`, key)
      )
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, fields }
}
