/**
 * The one error type of the connector boundary: everything that can go wrong between Plugboard and a
 * vendor API is a `ConnectorError` whose `reason` says what kind of failure it was. The runner maps
 * reasons to HTTP statuses; retry logic asks `isRetryable` and `retryAfterMillis`.
 */
import { Schema } from "effect"

const details = {
  /** A message for people; never contains secrets. */
  message: Schema.String,
  /** The HTTP status the vendor answered with, when there was an answer. */
  status: Schema.optional(Schema.Number),
  /** What the vendor said about the failure, already made readable. */
  providerMessage: Schema.optional(Schema.String)
}

/** The vendor refused the credentials (401, `invalid_grant`, a disabled user). Not retryable. */
export class Authentication extends Schema.TaggedError<Authentication>()("Authentication", details) {}

/** The caller may not do this with these credentials (403). Not retryable. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", details) {}

/** The vendor throttled us (429). Retryable after `retryAfterMillis` when the vendor said so. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  ...details,
  retryAfterMillis: Schema.optional(Schema.Number)
}) {}

/** The object or resource does not exist at the vendor (404, 410). Not retryable. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", details) {}

/** The request was wrong: bad field, unsupported filter, validation failure (400, 422). Not retryable. */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  ...details,
  /** The field or parameter at fault, when known. */
  field: Schema.optional(Schema.String)
}) {}

/** The object changed or exists already (409, 412). Not retryable. */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", details) {}

/** This connector or vendor does not offer the operation (unknown resource, verb not allowed). */
export class Unsupported extends Schema.TaggedError<Unsupported>()("Unsupported", details) {}

/** The vendor failed (5xx) or the circuit breaker is open. Retryable. */
export class VendorUnavailable extends Schema.TaggedError<VendorUnavailable>()("VendorUnavailable", {
  ...details,
  retryAfterMillis: Schema.optional(Schema.Number)
}) {}

/** The request did not complete: DNS, connection reset, TLS, timeout. Retryable. */
export class Transport extends Schema.TaggedError<Transport>()("Transport", {
  ...details,
  timeout: Schema.optional(Schema.Boolean)
}) {}

/** The vendor answered with something we could not read (wrong content type, unexpected shape). */
export class UnexpectedResponse extends Schema.TaggedError<UnexpectedResponse>()(
  "UnexpectedResponse",
  details
) {}

/** Every reason a connector call can fail. */
export const Reason = Schema.Union([
  Authentication,
  Forbidden,
  RateLimited,
  NotFound,
  InvalidRequest,
  Conflict,
  Unsupported,
  VendorUnavailable,
  Transport,
  UnexpectedResponse
])
export type Reason = typeof Reason.Type

/** The tags of {@link Reason}, for exhaustive mapping (HTTP statuses, metrics labels). */
export type ReasonTag = Reason["_tag"]

const retryableTags: ReadonlySet<ReasonTag> = new Set(["RateLimited", "VendorUnavailable", "Transport"])

/**
 * A failed call to a vendor. `operation` names what was being done (`list accounts`, `token refresh`)
 * so that messages are useful without a stack trace.
 */
export class ConnectorError extends Schema.TaggedError<ConnectorError>()("ConnectorError", {
  reason: Reason,
  operation: Schema.optional(Schema.String)
}) {
  /** Whether trying the same request again later can succeed. */
  get isRetryable(): boolean {
    return retryableTags.has(this.reason._tag)
  }

  /** How long the vendor asked us to wait, when it said. */
  get retryAfterMillis(): number | undefined {
    return "retryAfterMillis" in this.reason ? this.reason.retryAfterMillis : undefined
  }

  /** The vendor's HTTP status, when the vendor answered. */
  get status(): number | undefined {
    return this.reason.status
  }

  /** The vendor's own words about the failure, when it gave any. */
  get providerMessage(): string | undefined {
    return this.reason.providerMessage
  }

  override get message(): string {
    return this.operation === undefined ? this.reason.message : `${this.operation}: ${this.reason.message}`
  }
}

/** Wraps a reason into a {@link ConnectorError}. */
export const make = (reason: Reason, operation?: string): ConnectorError =>
  new ConnectorError(operation === undefined ? { reason } : { reason, operation })

/**
 * Maps a vendor HTTP status to a reason. Connectors with irregular error bodies read the body first
 * and pass what they found as `providerMessage`.
 */
export const fromStatus = (
  status: number,
  options: {
    readonly providerMessage?: string | undefined
    readonly retryAfterMillis?: number | undefined
  } = {}
): Reason => {
  const base = {
    status,
    message: describeStatus(status),
    ...(options.providerMessage === undefined ? {} : { providerMessage: options.providerMessage })
  }
  const retryAfter =
    options.retryAfterMillis === undefined ? {} : { retryAfterMillis: options.retryAfterMillis }
  if (status === 401) return new Authentication(base)
  if (status === 403) return new Forbidden(base)
  if (status === 404 || status === 410) return new NotFound(base)
  if (status === 409 || status === 412) return new Conflict(base)
  if (status === 405 || status === 501) return new Unsupported(base)
  if (status === 429) return new RateLimited({ ...base, ...retryAfter })
  if (status === 408) return new Transport({ ...base, timeout: true })
  if (status >= 500) return new VendorUnavailable({ ...base, ...retryAfter })
  return new InvalidRequest(base)
}

const describeStatus = (status: number): string => {
  switch (status) {
    case 400:
      return "the vendor rejected the request as invalid (400)"
    case 401:
      return "the vendor rejected the credentials (401)"
    case 403:
      return "the vendor refused access (403)"
    case 404:
      return "the vendor has no such object (404)"
    case 408:
      return "the vendor timed out (408)"
    case 409:
      return "the vendor reported a conflict (409)"
    case 422:
      return "the vendor could not process the request (422)"
    case 429:
      return "the vendor's rate limit was reached (429)"
    default:
      return status >= 500 ? `the vendor failed (${status})` : `the vendor answered ${status}`
  }
}
