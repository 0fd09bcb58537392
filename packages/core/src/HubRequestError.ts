/**
 * The caller asked the hub something malformed: a `nextPage` token that is not ours or belongs to
 * another query, a `pageSize` out of range, an `orderBy` over more records than can be sorted in
 * memory, a hub URL that does not parse. Nothing was wrong at the vendor; the runner answers 400
 * with `message`.
 */
import { Schema } from "effect"

/**
 * A bad hub request. `parameter` names the query parameter or part at fault (`nextPage`,
 * `pageSize`, `orderBy`, `url`, `body`, …) so that clients can point at it.
 */
export class HubRequestError extends Schema.TaggedError<HubRequestError>()("HubRequestError", {
  message: Schema.String,
  parameter: Schema.String
}) {}

/** Builds a {@link HubRequestError}. */
export const make = (parameter: string, message: string): HubRequestError =>
  new HubRequestError({ parameter, message })
