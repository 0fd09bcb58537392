/**
 * Turns what went wrong in a bulk job — a hub failure (vendor, CEQL, request) or anything else — into
 * the `{message, providerMessage}` kept for `GET …/bulk/{id}/errors`, with the vendor's own words
 * as `providerMessage` when it said something; and the messages of upload rows whose outcome is
 * unknown (sent, but the runner stopped or the job ended before the answer was saved).
 */
import type { BulkFailure } from "./BulkStore.js"

/**
 * An upload row found marked in flight when a job resumed, and not sent again: a plain create that
 * may already exist at the vendor (a row with an identifier value is looked up and sent again).
 */
export const IN_DOUBT =
  "the runner stopped while creating this row; it may or may not exist at the vendor, so it was not sent again to avoid a duplicate"

/** An upload row still marked in flight when its job ended (failed, or was cancelled, meanwhile). */
export const ENDED_IN_FLIGHT =
  "the job ended while this row was being sent; it may or may not have been written at the vendor"

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
