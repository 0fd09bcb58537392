/**
 * The vendor's own words about a failed request when the connector has no `readError` hook for its
 * error shape: the common fields (`message`, `error_description`, `description`, `error`, `errors[0].message`,
 * `detail`, `title`) or a short text body.
 */
import { Predicate } from "effect"

const MAX_LENGTH = 500

const fields = ["message", "error_description", "description", "detail", "title", "error"] as const

/** A readable message from an error body, if one is found. */
export const read = (body: unknown): string | undefined => {
  // HTML error pages from proxies say nothing the status does not.
  if (typeof body === "string") return /^\s*</.test(body) ? undefined : clip(body)
  if (Array.isArray(body)) return body.length > 0 ? read(body[0]) : undefined
  if (!Predicate.isObject(body)) return undefined
  const record = body as Record<string, unknown>
  for (const field of fields) {
    const value = record[field]
    if (typeof value === "string" && value.trim() !== "") return clip(value)
    if (field === "error" && Predicate.isObject(value)) return read(value)
  }
  const errors = record.errors
  if (Array.isArray(errors) && errors.length > 0) return read(errors[0])
  return undefined
}

const clip = (text: string): string | undefined => {
  const trimmed = text.trim()
  if (trimmed === "") return undefined
  return trimmed.length > MAX_LENGTH ? `${trimmed.slice(0, MAX_LENGTH)}…` : trimmed
}
