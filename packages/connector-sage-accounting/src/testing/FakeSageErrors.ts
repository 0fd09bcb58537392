/**
 * The vendor's error body: an array of `{"$severity","$dataCode","$message","$source"}` entries, the
 * shape of every 4xx answer of Sage Accounting v3.1 (422 validation failures most of all).
 */

/** One entry of a vendor error array. */
export interface SageErrorEntry {
  readonly $severity: "error" | "warning"
  readonly $dataCode: string
  readonly $message: string
  readonly $source: string
}

/** Builds one error entry; `source` names the field or parameter at fault, or is empty. */
export const sageError = (dataCode: string, message: string, source = ""): SageErrorEntry => ({
  $severity: "error",
  $dataCode: dataCode,
  $message: message,
  $source: source
})
