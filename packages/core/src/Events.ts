/**
 * The normalized change event and the callback payload of contract.md §7, with what delivery needs
 * around them: deterministic event and notification ids, a key-order-independent content hash,
 * batching (≤ 10 events per notification, one object type each), the retry schedules and status
 * classification, and the complete header set of a callback POST.
 */
import { Redacted, Schema } from "effect"
import { contentHash, eventId, notificationId } from "./internal/events/EventIds.js"
import { elementsSignature, standardSign } from "./WebhookSignature.js"

export { canonicalJson } from "./internal/events/CanonicalJson.js"
export { contentHash, eventId, notificationId }
export { type BatchInput, batchNotifications, type PendingEvent } from "./internal/events/Batching.js"
export {
  classifyStatus,
  type DeliveryOutcome,
  honourRetryAfter,
  isSuccess,
  nextDelay,
  parseRetryAfter,
  RetrySchedule
} from "./internal/events/RetryPolicy.js"

/** The kind of change: a new record, a changed one, or a removed one (from vendor tombstones). */
export const EventType = Schema.Literals(["CREATED", "UPDATED", "DELETED"])
export type EventType = typeof EventType.Type

/**
 * One change of one vendor object, as the callback receives it. `id` is the deterministic event id
 * ({@link eventId}); `date` is when the change happened (ISO-8601, the record's updated time when it
 * has one); `updatedDate` is the record's own updated time when known, so receivers can order
 * changes of one object.
 */
export const ChangeEvent = Schema.Struct({
  id: Schema.String,
  eventType: EventType,
  objectType: Schema.String,
  objectId: Schema.String,
  elementKey: Schema.String,
  hubKey: Schema.String,
  date: Schema.String,
  updatedDate: Schema.optionalKey(Schema.String)
})
export type ChangeEvent = typeof ChangeEvent.Type

/** Instance, account and user ids: numbers in the contract; strings accepted for stores that use them. */
export const NotificationId = Schema.Union([Schema.Number, Schema.String])
export type NotificationId = typeof NotificationId.Type

/** `raw`: the object type and, under that type's name, the vendor records of the events. */
export const RawRecords = Schema.StructWithRest(Schema.Struct({ objectType: Schema.String }), [
  Schema.Record(Schema.String, Schema.Unknown)
])
export type RawRecords = typeof RawRecords.Type

/**
 * The body of a callback POST, names exactly as contract.md §7 has them (`instanceId` and its
 * snake-case twin `instance_id` both carry the instance id).
 */
export const Notification = Schema.Struct({
  message: Schema.Struct({
    eventId: Schema.String,
    instanceId: NotificationId,
    instance_id: NotificationId,
    elementKey: Schema.String,
    accountId: NotificationId,
    userId: NotificationId,
    events: Schema.Array(ChangeEvent),
    raw: RawRecords
  })
})
export type Notification = typeof Notification.Type

/**
 * The exact body text of a notification. Sign and send these bytes; re-serializing later could
 * change them and break the signatures.
 */
export const encodeNotification = (notification: Notification): string => JSON.stringify(notification)

/** What a callback POST is signed and authenticated with. */
export interface DeliveryHeadersInput {
  /** The exact body that will be sent. */
  readonly body: string
  /** The notification's id, the same on every retry. */
  readonly webhookId: string
  /** When this attempt is sent, unix seconds. */
  readonly timestampSeconds: number
  /** `event.notification.signature.key`; without it no signature headers are sent. */
  readonly signatureKey?: Redacted.Redacted<string> | undefined
  /** `event.notification.basic.username` / `.password`. */
  readonly basic?: { readonly username: string; readonly password: Redacted.Redacted<string> } | undefined
}

/**
 * Every header of a callback POST: `Content-Type`, `Elements-Webhook-Id`, `webhook-id` and
 * `webhook-timestamp` always; `Authorization: Basic …` when Basic credentials are configured;
 * `Elements-Webhook-Signature` and `webhook-signature` when a signature key is set (the key's UTF-8
 * bytes for the former; for the latter a `whsec_` key is base64-decoded, as Standard Webhooks does).
 */
export const deliveryHeaders = (input: DeliveryHeadersInput): Record<string, string> => {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "Elements-Webhook-Id": input.webhookId,
    "webhook-id": input.webhookId,
    "webhook-timestamp": String(input.timestampSeconds)
  }
  if (input.basic !== undefined) {
    const credentials = `${input.basic.username}:${Redacted.value(input.basic.password)}`
    headers.Authorization = `Basic ${Buffer.from(credentials, "utf8").toString("base64")}`
  }
  if (input.signatureKey !== undefined) {
    headers["Elements-Webhook-Signature"] = elementsSignature(input.signatureKey, input.body)
    headers["webhook-signature"] = standardSign({
      id: input.webhookId,
      timestamp: input.timestampSeconds,
      body: input.body,
      secret: input.signatureKey
    })
  }
  return headers
}
