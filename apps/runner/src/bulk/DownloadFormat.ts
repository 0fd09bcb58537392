/**
 * Which representation a bulk download is sent in, from the request's `Accept` header (RFC 9110
 * §12.5.1, quality values included, read by `negotiator`): newline-delimited JSON — labelled
 * `application/json` when the client asked for that, as the original platform's clients do — or
 * CSV. No header, or `*\/*`, gets NDJSON; a header that takes neither is `undefined` (406).
 */
import Negotiator from "negotiator"

/** How the records are written, and the `Content-Type` they are labelled with. */
export interface DownloadFormat {
  readonly encoding: "ndjson" | "csv"
  readonly contentType: string
}

const offered = ["application/x-ndjson", "application/json", "text/csv"] as const

const formats: Readonly<Record<(typeof offered)[number], DownloadFormat>> = {
  "application/x-ndjson": { encoding: "ndjson", contentType: "application/x-ndjson; charset=utf-8" },
  "application/json": { encoding: "ndjson", contentType: "application/json; charset=utf-8" },
  "text/csv": { encoding: "csv", contentType: "text/csv; charset=utf-8" }
}

/** The media types a download can be sent as, for the 406 message. */
export const mediaTypes: ReadonlyArray<string> = offered

/** The format the `Accept` header prefers, or `undefined` when it takes none of them. */
export const negotiate = (accept: string | undefined): DownloadFormat | undefined => {
  if (accept === undefined || accept.trim() === "") return formats["application/x-ndjson"]
  const chosen = new Negotiator({ headers: { accept } }).mediaType([...offered])
  return chosen === undefined ? undefined : formats[chosen as (typeof offered)[number]]
}
