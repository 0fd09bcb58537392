/**
 * Sendoso's webhooks: `send.*` events pushed through Svix (`svix-id`, `svix-timestamp`,
 * `svix-signature`, a `whsec_` secret), verified by core's Standard Webhooks scheme and turned here
 * into the same change events polling finds on `gifts`. Sendoso does not publish the body, so it
 * is assumed to be Svix's usual envelope `{type: "send.created" | "send.updated" | …, data: {…}}`
 * with `data` the send record as `GET /send` lists it.
 */
import { Webhooks } from "@plugboard/core"

/** The configuration key that holds the Svix signing secret (`whsec_…`, several separated by spaces). */
export const secretKey = "webhook.secret"

/** The hub resource Sendoso's sends are listed as, so pushed and polled events name the same objects. */
export const objectType = "gifts"

/**
 * The resources Sendoso pushes changes of: only sends. An instance taking webhooks
 * (`event.vendor.type` `webhook`) stops polling `gifts` and keeps polling its other resources.
 */
export const pushedResources: ReadonlyArray<string> = [objectType]

/** The prefix of the event types this connector maps; everything else is acknowledged and ignored. */
export const sendEventPrefix = "send."

/** How Sendoso signs what it pushes: Svix, i.e. Standard Webhooks, with the secret in {@link secretKey}. */
export const scheme: Webhooks.StandardWebhooksScheme = Webhooks.standardWebhooks({ configKey: secretKey })

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const present = (value: unknown): boolean => value !== undefined && value !== null && value !== ""

// A timestamp Sendoso sends in a shape nobody can read must not make Svix retry the message
// forever: the event then carries the receipt time, and the record still holds the raw value.
const readableDate = (value: unknown): string | undefined =>
  typeof value === "string" && !Number.isNaN(Date.parse(value)) ? value : undefined

/**
 * A verified Sendoso webhook body as change events: a `send.*` event becomes one `gifts` event
 * (CREATED for `send.created`, UPDATED for every other `send.*` type) on `data.id`, or on
 * `data.tracking_code` when the send has no id yet, dated `data.updated_at` or `data.created_at`,
 * with `data` as the record. Any other body (a Svix test ping, an event type this connector does not
 * map) gives no events, so it is acknowledged. Throws, and the runner answers 400 with the message,
 * only for a `send.*` event whose `data` has neither an id nor a tracking code.
 */
export const normalize = (body: unknown): ReadonlyArray<Webhooks.NormalizedEvent> => {
  if (!isRecord(body)) return []
  const type = body.type
  if (typeof type !== "string" || !type.startsWith(sendEventPrefix)) return []
  const data = isRecord(body.data) ? body.data : undefined
  const id = data === undefined ? undefined : present(data.id) ? data.id : data.tracking_code
  if (data === undefined || !present(id)) {
    throw new Error(`'${type}' event has no 'data.id' or 'data.tracking_code' naming the send`)
  }
  const date = readableDate(data.updated_at) ?? readableDate(data.created_at)
  return [
    {
      objectType,
      objectId: String(id),
      eventType: type === "send.created" ? "CREATED" : "UPDATED",
      ...(date === undefined ? {} : { date }),
      record: data
    }
  ]
}
