/**
 * An SData error as Sage CRM reports it: an HTTP status and a `$diagnoses` array. The fake's parsers
 * return faults instead of throwing, and the server writes them as the response.
 */

/** SData diagnosis codes the fake uses (SData 1.1 `sdataCode` values). */
export type SDataCode =
  | "BadUrlSyntax"
  | "BadQueryParameter"
  | "BadWhereSyntax"
  | "ResourceKindNotFound"
  | "DatasetNotFound"
  | "ApplicationDiagnosis"

/** A failed request: status, code and the message a client reads in `$diagnoses[0].$message`. */
export interface SDataFault {
  readonly _tag: "SDataFault"
  readonly status: number
  readonly sdataCode: SDataCode
  readonly message: string
}

/** Builds a fault. */
export const fault = (status: number, sdataCode: SDataCode, message: string): SDataFault => ({
  _tag: "SDataFault",
  status,
  sdataCode,
  message
})

/** Whether a value is a fault rather than a result. */
export const isFault = (value: unknown): value is SDataFault =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === "SDataFault"

/** The JSON body of a fault, an SData diagnoses document. */
export const diagnosesBody = (failure: SDataFault): unknown => ({
  $diagnoses: [{ $severity: "error", $sdataCode: failure.sdataCode, $message: failure.message }]
})
