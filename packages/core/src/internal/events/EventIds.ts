import { createHash } from "node:crypto"
import { canonicalJson } from "./CanonicalJson.js"

const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex")

/**
 * The deterministic id of one change: the first 32 hex characters (128 bits) of SHA-256 over the
 * canonical JSON of a versioned tuple. A repeated poll of the same record state yields the same id,
 * which is how receivers and the outbox drop duplicates.
 */
export const eventId = (input: {
  readonly instanceId: string | number
  readonly resource: string
  readonly objectId: string
  readonly version: string
}): string =>
  sha256Hex(
    canonicalJson([
      "plugboard.event.v1",
      String(input.instanceId),
      input.resource,
      input.objectId,
      input.version
    ])
  ).slice(0, 32)

/** SHA-256 hex of a JSON value's canonical form: equal for equal content whatever the key order. */
export const contentHash = (value: unknown): string => sha256Hex(canonicalJson(value))

/**
 * The id of a notification, from the (sorted) ids of the events it carries: a retried delivery of
 * the same batch has the same id, which is sent as `webhook-id` and `Elements-Webhook-Id`.
 */
export const notificationId = (eventIds: ReadonlyArray<string>): string =>
  sha256Hex(canonicalJson(["plugboard.notification.v1", [...eventIds].sort()])).slice(0, 32)
