/**
 * The runner's error answers (contract.md §2): every error body is
 * `{"requestId":"…","message":"…","providerMessage":"…"}`, with `providerMessage` only when the vendor
 * said something. One class per status keeps the OpenAPI document honest; the request id is filled
 * in by {@link ErrorResponses} on the way out, so code that fails never needs to know it.
 */
import type { Configuration, ConnectorError } from "@plugboard/core"
import { Schema } from "effect"

const fields = {
  /** The id of the request, as in the `Elements-Request-Id` header. */
  requestId: Schema.optionalKey(Schema.String),
  message: Schema.String,
  /** What the vendor said, when it said something. */
  providerMessage: Schema.optionalKey(Schema.String)
}

/** 400: the request is malformed or names something invalid. */
export class BadRequest extends Schema.Error<BadRequest>("BadRequest")(fields, { httpApiStatus: 400 }) {}
/** 401: credentials are missing or wrong, or the vendor refused the instance's credentials. */
export class Unauthorized extends Schema.Error<Unauthorized>("Unauthorized")(fields, {
  httpApiStatus: 401
}) {}
/** 403: the instance is disabled, or the vendor refused access. */
export class Forbidden extends Schema.Error<Forbidden>("Forbidden")(fields, { httpApiStatus: 403 }) {}
/** 404: no such element, instance, resource or object. */
export class NotFound extends Schema.Error<NotFound>("NotFound")(fields, { httpApiStatus: 404 }) {}
/** 405: the resource exists but does not allow this method. */
export class MethodNotAllowed extends Schema.Error<MethodNotAllowed>("MethodNotAllowed")(fields, {
  httpApiStatus: 405
}) {}
/** 406: none of the representations the resource has is one the `Accept` header takes. */
export class NotAcceptable extends Schema.Error<NotAcceptable>("NotAcceptable")(fields, {
  httpApiStatus: 406
}) {}
/** 409: the vendor reported a conflict. */
export class Conflict extends Schema.Error<Conflict>("Conflict")(fields, { httpApiStatus: 409 }) {}
/** 429: the vendor's rate limit was reached. */
export class TooManyRequests extends Schema.Error<TooManyRequests>("TooManyRequests")(fields, {
  httpApiStatus: 429
}) {}
/** 502: the vendor failed, could not be reached, or answered something unreadable. */
export class BadGateway extends Schema.Error<BadGateway>("BadGateway")(fields, { httpApiStatus: 502 }) {}

/** Every error an endpoint may answer with. */
export const all = [
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  MethodNotAllowed,
  Conflict,
  TooManyRequests,
  BadGateway
] as const

/** Any error answer. */
export type ApiError =
  | BadRequest
  | Unauthorized
  | Forbidden
  | NotFound
  | MethodNotAllowed
  | Conflict
  | TooManyRequests
  | BadGateway

const detail = (message: string, providerMessage: string | undefined) =>
  providerMessage === undefined ? { message } : { message, providerMessage }

/**
 * The answer for a vendor failure: Authentication 401, Forbidden 403, NotFound 404,
 * InvalidRequest 400, Conflict 409, Unsupported 404 (405 when the resource exists but not the
 * verb), RateLimited 429, and 502 for VendorUnavailable, Transport and UnexpectedResponse.
 */
export const fromConnectorError = (
  error: ConnectorError.ConnectorError,
  options: { readonly verbUnsupported?: boolean } = {}
): ApiError => {
  const body = detail(error.message, error.providerMessage)
  switch (error.reason._tag) {
    case "Authentication":
      return new Unauthorized(body)
    case "Forbidden":
      return new Forbidden(body)
    case "NotFound":
      return new NotFound(body)
    case "InvalidRequest":
      return new BadRequest(body)
    case "Conflict":
      return new Conflict(body)
    case "Unsupported":
      return options.verbUnsupported === true ? new MethodNotAllowed(body) : new NotFound(body)
    case "RateLimited":
      return new TooManyRequests(body)
    case "VendorUnavailable":
    case "Transport":
    case "UnexpectedResponse":
      return new BadGateway(body)
  }
}

/** The answer for a configuration that did not decode: 400 naming every key at fault. */
export const fromConfigurationError = (error: Configuration.ConfigurationError): BadRequest =>
  new BadRequest({ message: error.message })
