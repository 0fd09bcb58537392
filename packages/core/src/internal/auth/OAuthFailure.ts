/**
 * Turns what openid-client throws into a `ConnectorError`. Only the OAuth `error` code, its
 * description and the HTTP status are kept: openid-client attaches whole response bodies (which can
 * hold tokens) and requests to its errors, so nothing else of them may reach a message or a log.
 */
import { Predicate } from "effect"
import * as client from "openid-client"
import * as ConnectorError from "../../ConnectorError.js"
import { retryAfterMillis } from "../http/RetryAfter.js"

/** OAuth error codes that mean the grant or the client was refused: authorize again. */
const refusals = new Set(["invalid_grant", "invalid_client", "unauthorized_client", "access_denied"])

/** OAuth error codes that mean our request was malformed for this vendor. */
const malformed = new Set(["invalid_request", "invalid_scope", "unsupported_grant_type"])

/** Maps a failure of a token endpoint call to a `ConnectorError` for `operation`. */
export const toConnectorError = (
  error: unknown,
  operation: string,
  now: number
): ConnectorError.ConnectorError => {
  if (error instanceof client.ResponseBodyError) {
    const providerMessage = describe(error.error, error.error_description)
    if (refusals.has(error.error)) {
      return ConnectorError.make(
        new ConnectorError.Authentication({
          status: error.status,
          message: `the vendor refused the grant (${error.error})`,
          providerMessage
        }),
        operation
      )
    }
    if (malformed.has(error.error)) {
      return ConnectorError.make(
        new ConnectorError.InvalidRequest({
          status: error.status,
          message: `the vendor rejected the token request (${error.error})`,
          providerMessage
        }),
        operation
      )
    }
    return fromResponse(error.response, operation, now, providerMessage)
  }
  if (error instanceof client.WWWAuthenticateChallengeError) {
    return fromResponse(error.response, operation, now, undefined)
  }
  if (error instanceof client.ClientError && error.cause instanceof Response) {
    return fromResponse(error.cause, operation, now, undefined)
  }
  if (error instanceof client.ClientError && isUnreadable(error.code)) {
    return ConnectorError.make(
      new ConnectorError.UnexpectedResponse({
        message: "the token endpoint answered with an unreadable token response"
      }),
      operation
    )
  }
  if (isTimeout(error)) {
    return ConnectorError.make(
      new ConnectorError.Transport({ message: "the token endpoint did not answer in time", timeout: true }),
      operation
    )
  }
  return ConnectorError.make(
    new ConnectorError.Transport({ message: "the token endpoint could not be reached" }),
    operation
  )
}

const fromResponse = (
  response: Response,
  operation: string,
  now: number,
  providerMessage: string | undefined
): ConnectorError.ConnectorError =>
  ConnectorError.make(
    ConnectorError.fromStatus(response.status, {
      providerMessage,
      retryAfterMillis: retryAfterMillis((name) => response.headers.get(name) ?? undefined, now)
    }),
    operation
  )

const describe = (code: string, description: string | undefined): string =>
  description === undefined || description === "" ? code : `${code}: ${description}`

const isUnreadable = (code: string | undefined): boolean =>
  code === "OAUTH_RESPONSE_IS_NOT_JSON" ||
  code === "OAUTH_INVALID_RESPONSE" ||
  code === "OAUTH_PARSE_ERROR" ||
  code === "OAUTH_UNSUPPORTED_OPERATION"

const isTimeout = (error: unknown): boolean => {
  let current: unknown = error
  for (let depth = 0; depth < 6 && Predicate.isObject(current); depth++) {
    const name = "name" in current ? current.name : undefined
    if (name === "TimeoutError" || name === "AbortError") return true
    current = "cause" in current ? current.cause : undefined
  }
  return false
}
