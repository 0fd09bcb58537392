/**
 * Single-record bodies between the hub and the vendor: create defaults merged in, the vendor's
 * wrapper key (`{"contact": {…}}`) put on requests and taken off responses, and the check that a
 * caller's body is a JSON object at all.
 */
import { Effect } from "effect"
import * as ConnectorError from "../../ConnectorError.js"
import type { JsonRecord } from "../../HubQuery.js"
import * as HubRequestError from "../../HubRequestError.js"
import { isJsonRecord } from "./ListBody.js"

/** Checks that a caller's body is a JSON object. */
export const requireObject = (body: unknown): Effect.Effect<JsonRecord, HubRequestError.HubRequestError> =>
  isJsonRecord(body)
    ? Effect.succeed(body)
    : Effect.fail(
        HubRequestError.make(
          "body",
          `the request body must be a JSON object, got ${Array.isArray(body) ? "an array" : body === null ? "null" : typeof body}`
        )
      )

/** Wraps a body in the vendor's key when it has one. */
export const wrap = (bodyKey: string | undefined, body: JsonRecord): JsonRecord =>
  bodyKey === undefined ? body : { [bodyKey]: body }

/**
 * Reads the vendor's single-record answer: unwrapped from the body key when the vendor wrapped it,
 * which must leave a JSON object. A write the vendor answered with an empty body (204) gives
 * `sent`, the record as it was sent, when there is one.
 */
export const unwrap = (
  bodyKey: string | undefined,
  body: unknown,
  operation: string,
  sent?: JsonRecord
): Effect.Effect<JsonRecord, ConnectorError.ConnectorError> => {
  if (sent !== undefined && (body === undefined || body === "")) return Effect.succeed(sent)
  const inner =
    bodyKey !== undefined && isJsonRecord(body) && isJsonRecord(body[bodyKey]) ? body[bodyKey] : body
  return isJsonRecord(inner)
    ? Effect.succeed(inner)
    : Effect.fail(
        ConnectorError.make(
          new ConnectorError.UnexpectedResponse({
            message: `expected a JSON object from the vendor, got ${inner === undefined ? "an empty body" : Array.isArray(inner) ? "an array" : typeof inner}`
          }),
          operation
        )
      )
}
