/**
 * Turns what went wrong in a bulk job — a hub failure (vendor, CEQL, request) or anything else — into
 * the `{message, providerMessage}` kept for `GET …/bulk/{id}/errors`, with the vendor's own words
 * as `providerMessage` when it said something.
 */
import type { BulkFailure } from "./BulkStore.js"

/** The failure of an error value; `providerMessage` when the error carries one. */
export const describe = (error: unknown, extra: Partial<BulkFailure> = {}): BulkFailure => {
  const message =
    typeof error === "object" &&
    error !== null &&
    typeof (error as { message?: unknown }).message === "string"
      ? (error as { message: string }).message
      : String(error)
  const provider =
    typeof error === "object" && error !== null
      ? (error as { providerMessage?: unknown }).providerMessage
      : undefined
  return {
    ...extra,
    message: message === "" ? "failed" : message,
    ...(typeof provider === "string" && provider !== "" ? { providerMessage: provider } : {})
  }
}
