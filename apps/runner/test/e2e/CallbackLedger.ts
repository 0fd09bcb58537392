/**
 * The oracle of the end-to-end tests: every change a test makes in a fake vendor is written down
 * here, and the callbacks the receiver got are checked against it — each request signed both ways,
 * Basic-authenticated and shaped as contract.md §7 says, and the events of all notifications
 * together exactly the changes made: none missing, none extra, and a repeat only as a resend of the
 * same notification (same `webhook-id`, same bytes).
 */
import { createHmac } from "node:crypto"
import { WebhookSignature } from "@plugboard/core"
import type { CallbackReceiver } from "@plugboard/testkit"
import { assert } from "@effect/vitest"
import { Result } from "effect"

/** An event type a poller reports. */
export type EventType = "CREATED" | "UPDATED" | "DELETED"

/** One change made in a vendor, as the instance's callback must report it. */
export interface Change {
  readonly instanceId: number
  readonly objectType: string
  readonly objectId: string
  readonly eventType: EventType
}

/** How one instance's callback is set up, to check what arrives there. */
export interface Subscriber {
  readonly instanceId: number
  /** The callback path below the receiver's URL. */
  readonly path: string
  readonly elementKey: string
  readonly hubKey: string
  readonly objectType: string
  /** The field of a raw vendor record that holds the object id. */
  readonly idField: string
  readonly signatureKey: string
  readonly basic: { readonly username: string; readonly password: string }
  readonly userId: number
}

// Callback bodies are read loosely on purpose: the checks go through them field by field.
// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

/** A notification as delivered, with how often it arrived. */
export interface Delivered {
  readonly webhookId: string
  readonly instanceId: number
  readonly message: Json
  readonly rawBody: string
  /** Requests that carried it, failed attempts included. */
  readonly attempts: number
}

const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

const keyOf = (change: Change): string =>
  `${change.instanceId}|${change.objectType}|${change.objectId}|${change.eventType}`

const headerText = (request: CallbackReceiver.Received, name: string): string | undefined => {
  const value = request.headers[name]
  return Array.isArray(value) ? value.join(",") : value
}

/**
 * Checks one request the receiver got (failed attempts included): method and path, content type,
 * Basic credentials, `Elements-Webhook-Id`, `Elements-Webhook-Signature` (recomputed here and
 * checked with core's `verifyElements`), the Standard Webhooks headers (core's `verify`), and the
 * body of contract.md §7.
 */
export const checkRequest = (request: CallbackReceiver.Received, subscriber: Subscriber): Json => {
  const where = `callback ${headerText(request, "webhook-id")} to ${request.path}`
  assert.strictEqual(request.method, "POST", where)
  assert.strictEqual(request.path, subscriber.path, where)
  assert.match(headerText(request, "content-type") ?? "", /^application\/json/, where)
  const basic = Buffer.from(`${subscriber.basic.username}:${subscriber.basic.password}`).toString("base64")
  assert.strictEqual(headerText(request, "authorization"), `Basic ${basic}`, where)

  const webhookId = headerText(request, "webhook-id")
  assert.isString(webhookId, where)
  assert.strictEqual(headerText(request, "elements-webhook-id"), webhookId, where)
  const elementsSignature = headerText(request, "elements-webhook-signature")
  const expected = `sha256=${createHmac("sha256", Buffer.from(subscriber.signatureKey, "utf8"))
    .update(Buffer.from(request.rawBody, "utf8"))
    .digest("base64")}`
  assert.strictEqual(elementsSignature, expected, where)
  assert.isTrue(
    Result.isSuccess(
      WebhookSignature.verifyElements(subscriber.signatureKey, request.rawBody, elementsSignature)
    ),
    where
  )
  // Standard Webhooks, recomputed here: a `whsec_` key signs with its base64-decoded bytes.
  const timestamp = headerText(request, "webhook-timestamp")
  assert.match(timestamp ?? "", /^\d+$/, where)
  assert.isAtMost(Math.abs(Number(timestamp) - request.receivedAt / 1000), 300, where)
  const secret = subscriber.signatureKey.startsWith("whsec_")
    ? Buffer.from(subscriber.signatureKey.slice("whsec_".length), "base64")
    : Buffer.from(subscriber.signatureKey, "utf8")
  const v1 = createHmac("sha256", secret)
    .update(Buffer.from(`${webhookId}.${timestamp}.${request.rawBody}`, "utf8"))
    .digest("base64")
  assert.include((headerText(request, "webhook-signature") ?? "").split(" "), `v1,${v1}`, where)
  const standard = WebhookSignature.verify({
    headers: request.headers as WebhookSignature.HeaderSource,
    body: request.rawBody,
    secrets: subscriber.signatureKey,
    now: request.receivedAt
  })
  assert.isTrue(Result.isSuccess(standard), `${where}: ${JSON.stringify(standard)}`)
  // The Standard Webhooks signature must not verify under another key: a check that proves the key is used.
  assert.isFalse(
    Result.isSuccess(
      WebhookSignature.verify({
        headers: request.headers as WebhookSignature.HeaderSource,
        body: request.rawBody,
        secrets: `${subscriber.signatureKey}x`,
        now: request.receivedAt
      })
    ),
    where
  )

  const body = JSON.parse(request.rawBody) as Json
  assert.deepStrictEqual(Object.keys(body), ["message"], where)
  const message = body.message
  assert.hasAllKeys(
    message,
    ["eventId", "instanceId", "instance_id", "elementKey", "accountId", "userId", "events", "raw"],
    where
  )
  assert.strictEqual(message.eventId, webhookId, where)
  assert.strictEqual(message.instanceId, subscriber.instanceId, where)
  assert.strictEqual(message.instance_id, subscriber.instanceId, where)
  assert.strictEqual(message.elementKey, subscriber.elementKey, where)
  assert.isNumber(message.accountId, where)
  assert.strictEqual(message.userId, subscriber.userId, where)
  assert.isArray(message.events, where)
  assert.isAtLeast(message.events.length, 1, where)
  assert.isAtMost(message.events.length, 10, where)
  for (const event of message.events) {
    assert.includeMembers(
      Object.keys(event),
      ["eventType", "objectType", "objectId", "elementKey", "hubKey", "date"],
      where
    )
    assert.oneOf(event.eventType, ["CREATED", "UPDATED", "DELETED"], where)
    assert.strictEqual(event.objectType, subscriber.objectType, where)
    assert.isString(event.objectId, where)
    assert.strictEqual(event.elementKey, subscriber.elementKey, where)
    assert.strictEqual(event.hubKey, subscriber.hubKey, where)
    assert.match(event.date, isoDate, where)
  }
  assert.strictEqual(message.raw.objectType, subscriber.objectType, where)
  const records: Array<Json> = message.raw[subscriber.objectType]
  assert.isArray(records, where)
  // Every event's vendor record is in `raw`, once; a DELETED event's may be the vendor's tombstone.
  const recordIds = records.map((record) => String(record[subscriber.idField]))
  assert.strictEqual(new Set(recordIds).size, recordIds.length, `${where}: a record twice in raw`)
  const eventIds = message.events.map((event: Json) => event.objectId)
  assert.includeMembers(eventIds, recordIds, `${where}: a raw record without its event`)
  assert.includeMembers(
    recordIds,
    message.events
      .filter((event: Json) => event.eventType !== "DELETED")
      .map((event: Json) => event.objectId),
    `${where}: an event without its raw record`
  )
  return message
}

/** The changes a test made, and the checks of what was delivered against them. */
export class CallbackLedger {
  private readonly changes: Array<Change> = []
  private readonly subscribers = new Map<string, Subscriber>()

  /** Registers an instance's callback. */
  subscribe(subscriber: Subscriber): void {
    this.subscribers.set(subscriber.path, subscriber)
  }

  /** Writes down a change made in a vendor. */
  expect(change: Change): void {
    this.changes.push(change)
  }

  /** Every change so far. */
  get expected(): ReadonlyArray<Change> {
    return this.changes
  }

  /**
   * Checks every request received and groups the successful ones by `webhook-id`; a repeated
   * `webhook-id` must carry the very same body.
   */
  delivered(receiver: CallbackReceiver.CallbackReceiver): ReadonlyArray<Delivered> {
    const byId = new Map<
      string,
      { instanceId: number; message: Json; rawBody: string; attempts: number; ok: boolean }
    >()
    for (const request of receiver.received) {
      const subscriber = this.subscribers.get(request.path)
      assert.isDefined(subscriber, `a callback to an unknown path ${request.path}`)
      const message = checkRequest(request, subscriber!)
      const ok = request.status >= 200 && request.status < 300
      const known = byId.get(message.eventId)
      if (known === undefined) {
        byId.set(message.eventId, {
          instanceId: subscriber!.instanceId,
          message,
          rawBody: request.rawBody,
          attempts: 1,
          ok
        })
        continue
      }
      assert.strictEqual(request.rawBody, known.rawBody, `a resend of ${message.eventId} changed its body`)
      known.attempts++
      known.ok ||= ok
    }
    return [...byId]
      .filter(([, entry]) => entry.ok)
      .map(([webhookId, { instanceId, message, rawBody, attempts }]) => ({
        webhookId,
        instanceId,
        message,
        rawBody,
        attempts
      }))
  }

  /** The changes reported by the delivered notifications, one entry per event. */
  reported(receiver: CallbackReceiver.CallbackReceiver): ReadonlyArray<Change> {
    return this.delivered(receiver).flatMap(({ instanceId, message }) =>
      message.events.map((event: Json) => ({
        instanceId,
        objectType: event.objectType,
        objectId: event.objectId,
        eventType: event.eventType
      }))
    )
  }

  /** The expected changes not yet reported, and the reported ones never made (multisets). */
  compare(receiver: CallbackReceiver.CallbackReceiver): {
    readonly missing: ReadonlyArray<string>
    readonly extra: ReadonlyArray<string>
  } {
    const left = new Map<string, number>()
    for (const change of this.changes) left.set(keyOf(change), (left.get(keyOf(change)) ?? 0) + 1)
    const extra: Array<string> = []
    for (const change of this.reported(receiver)) {
      const count = left.get(keyOf(change)) ?? 0
      if (count === 0) extra.push(keyOf(change))
      else left.set(keyOf(change), count - 1)
    }
    const missing = [...left].flatMap(([key, count]) => Array.from({ length: count }, () => key))
    return { missing, extra }
  }

  /**
   * Waits until every change made so far has been reported, failing at once on an extra event and
   * after `timeoutMs` with what is still missing.
   */
  async waitForAll(receiver: CallbackReceiver.CallbackReceiver, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const { missing, extra } = this.compare(receiver)
      assert.deepStrictEqual(extra, [], "events reported for changes never made")
      if (missing.length === 0) return
      if (Date.now() > deadline) {
        assert.fail(`after ${timeoutMs} ms these changes were never reported: ${missing.join(", ")}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
