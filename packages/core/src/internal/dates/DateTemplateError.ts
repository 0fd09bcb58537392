import { Schema } from "effect"

/**
 * What went wrong with a date pattern, a zone, a date text or a URL template. Kept as a literal union
 * so callers (configuration checks, the poller) can map each kind to a message or an HTTP status.
 */
export const DateTemplateErrorReason = Schema.Literals([
  "unsupported-letter",
  "unterminated-quote",
  "unknown-placeholder",
  "bad-placeholder",
  "unknown-zone",
  "unparseable",
  "invalid-instant"
])
export type DateTemplateErrorReason = typeof DateTemplateErrorReason.Type

/**
 * The one error of the date module. `input` is the pattern, zone, date text or URL at fault and
 * `position` (0-based, when known) points into it, so a configuration error can be shown in place.
 */
export class DateTemplateError extends Schema.TaggedError<DateTemplateError>()("DateTemplateError", {
  reason: DateTemplateErrorReason,
  message: Schema.String,
  input: Schema.String,
  position: Schema.optional(Schema.Number)
}) {}

/** Builds a {@link DateTemplateError}, leaving `position` out when unknown (exactOptionalPropertyTypes). */
export const dateTemplateError = (
  reason: DateTemplateErrorReason,
  message: string,
  input: string,
  position?: number
): DateTemplateError =>
  new DateTemplateError(
    position === undefined ? { reason, message, input } : { reason, message, input, position }
  )
