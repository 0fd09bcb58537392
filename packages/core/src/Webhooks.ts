/**
 * Vendor webhooks (contract.md §7, "vendors that push"): how a vendor signs the requests it pushes,
 * as data a connector declares, and the connector's pure `normalize` that turns a verified body into
 * the same change events polling finds. Core verifies (constant-time, ±5 min tolerance, several
 * signatures), parses, checks what `normalize` returned and gives each event a deterministic id from
 * the vendor's message id, so a vendor's retry of one message never becomes a second event. The
 * declaration also names the resources the vendor pushes, so that an instance choosing webhooks
 * (`event.vendor.type` `webhook`) stops polling exactly those. The runner only finds the instance,
 * calls these functions and records the events.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { Redacted, Result, Schema } from "effect"
import type * as Configuration from "./Configuration.js"
import type * as Connector from "./Connector.js"
import { EventType, eventId } from "./Events.js"
import type { PolledEvent } from "./Poller.js"
import * as WebhookSignature from "./WebhookSignature.js"

/**
 * Standard Webhooks / Svix: `webhook-id`, `webhook-timestamp`, `webhook-signature` (or their
 * `svix-` twins) and a `whsec_<base64>` secret read from the instance's configuration key
 * `configKey`. The key may hold several secrets separated by spaces while the vendor rotates it.
 */
export interface StandardWebhooksScheme {
  readonly _tag: "StandardWebhooks"
  readonly configKey: string
  /** How far the timestamp may be from the receiver's clock, either way (seconds). */
  readonly toleranceSeconds: number
}

/**
 * One header holding `prefix` + the hex or base64 HMAC-SHA256 of the raw body under the UTF-8
 * bytes of the secret in `configKey` (GitHub's `X-Hub-Signature-256: sha256=<hex>`, Shopify's
 * `X-Shopify-Hmac-Sha256: <base64>`). Several signatures may be separated by commas or spaces. It
 * has no timestamp, so nothing expires: a replay is only dropped as a duplicate. The message id is
 * therefore a hash of the signed body — never a vendor delivery-id header, which the signature does
 * not cover and a replayer could change to make each replay look new.
 */
export interface HmacSha256HeaderScheme {
  readonly _tag: "HmacSha256Header"
  readonly header: string
  readonly configKey: string
  readonly encoding: "hex" | "base64"
  readonly prefix: string
}

/** How a vendor signs what it pushes. */
export type Scheme = StandardWebhooksScheme | HmacSha256HeaderScheme

/** The Standard Webhooks (Svix) scheme with its secret in `configKey`; tolerance 300 s unless set. */
export const standardWebhooks = (options: {
  readonly configKey: string
  readonly toleranceSeconds?: number
}): StandardWebhooksScheme => ({
  _tag: "StandardWebhooks",
  configKey: options.configKey,
  toleranceSeconds: options.toleranceSeconds ?? 300
})

/** A plain HMAC-SHA256 signature header (see {@link HmacSha256HeaderScheme}). */
export const hmacSha256Header = (options: {
  readonly header: string
  readonly configKey: string
  readonly encoding: "hex" | "base64"
  readonly prefix?: string
}): HmacSha256HeaderScheme => ({
  _tag: "HmacSha256Header",
  header: options.header,
  configKey: options.configKey,
  encoding: options.encoding,
  prefix: options.prefix ?? ""
})

/**
 * One change a vendor pushed, as the connector's `normalize` reports it. `date` is when it happened
 * (ISO-8601; the receipt time when absent); `record` is the vendor object that goes into the
 * notification's `raw`.
 */
export interface NormalizedEvent {
  readonly objectType: string
  readonly objectId: string | number
  readonly eventType: EventType
  readonly date?: string | undefined
  readonly record?: unknown
}

/** What `normalize` may look at besides the body: the request headers (lower-case names) and the message id. */
export interface NormalizeContext {
  readonly headers: Readonly<Record<string, string>>
  readonly messageId: string
}

/**
 * A connector's webhook declaration: the signing scheme, a pure function from the parsed JSON
 * body to events, and the resources the vendor pushes changes of. `normalize` may throw on a body
 * it does not understand; the runner answers 400 with the thrown message. An empty array is fine (a
 * vendor ping, an event type nobody maps).
 */
export interface Webhooks {
  readonly scheme: Scheme
  readonly normalize: (body: unknown, context: NormalizeContext) => ReadonlyArray<NormalizedEvent>
  /**
   * The connector's resources whose changes the vendor pushes: the only `objectType`s `normalize`
   * may return. An instance that takes webhooks (`event.vendor.type` `webhook`) does not poll
   * these — polling them too would report every change twice, under different event ids — and
   * keeps polling the others. Absent: the webhooks cover every resource of the connector.
   */
  readonly resources?: ReadonlyArray<string>
}

/** The instance configuration key that picks how an instance learns of changes (contract.md §7). */
export const VENDOR_TYPE_KEY = "event.vendor.type"

/** The values of {@link VENDOR_TYPE_KEY}: poll the vendor, or take what it pushes. */
export const VendorType = Schema.Literals(["polling", "webhook"])
export type VendorType = typeof VendorType.Type

/**
 * What is wrong with a declaration's `resources`, given the connector's resources; each problem
 * names `webhooks.resources`. Empty when it is absent or names only declared resources, once each.
 */
export const resourceProblems = (
  webhooks: Webhooks | undefined,
  resources: Readonly<Record<string, unknown>>
): ReadonlyArray<string> => {
  const names = webhooks?.resources
  if (names === undefined) return []
  if (!Array.isArray(names)) return ["webhooks.resources must be an array of resource names"]
  // An empty list would make `webhook` instances take pushes that cover nothing; leaving the
  // field out is how a connector says "every resource".
  if (names.length === 0) return ["webhooks.resources is empty; leave it out to cover every resource"]
  const problems: Array<string> = []
  const seen = new Set<string>()
  for (const name of names) {
    if (typeof name !== "string" || !Object.hasOwn(resources, name)) {
      problems.push(
        `webhooks.resources names ${JSON.stringify(name)}, which is not a resource of the connector`
      )
    } else if (seen.has(name)) {
      problems.push(`webhooks.resources names '${name}' twice`)
    }
    if (typeof name === "string") seen.add(name)
  }
  return problems
}

/** Whether the vendor's webhooks report changes of `resource` (every resource when none are named). */
export const covers = (webhooks: Webhooks, resource: string): boolean =>
  webhooks.resources === undefined || webhooks.resources.includes(resource)

/**
 * How an instance learns of changes: `webhook` when its `event.vendor.type` says so and the element
 * has webhooks, else `polling` (the key's default; runners refuse any other value when an instance
 * is saved).
 */
export const vendorTypeOf = (
  connector: Pick<Connector.Connector, "webhooks">,
  configuration: Configuration.Configuration
): VendorType =>
  connector.webhooks !== undefined && configuration.text(VENDOR_TYPE_KEY)?.trim() === "webhook"
    ? "webhook"
    : "polling"

/**
 * Whether an instance takes `resource`'s changes from the vendor's webhooks rather than by
 * polling: it is a `webhook` instance and the webhooks cover the resource.
 */
export const isPushed = (
  connector: Pick<Connector.Connector, "webhooks">,
  configuration: Configuration.Configuration,
  resource: string
): boolean =>
  connector.webhooks !== undefined &&
  vendorTypeOf(connector, configuration) === "webhook" &&
  covers(connector.webhooks, resource)

/** Why a pushed request was refused. */
export const Failure = Schema.Literals([
  "missing-secret",
  "missing-header",
  "bad-timestamp",
  "expired",
  "mismatch",
  "malformed-body",
  "invalid-events"
])
export type Failure = typeof Failure.Type

/**
 * A pushed request that was refused: the instance has no secret (`missing-secret`), the signature
 * does not verify (`missing-header`, `bad-timestamp`, `expired`, `mismatch`), the body is not JSON
 * (`malformed-body`) or `normalize` threw or returned something that is not an event
 * (`invalid-events`). The message names the header or field and never contains a secret.
 */
export class VendorWebhookError extends Schema.TaggedError<VendorWebhookError>()("VendorWebhookError", {
  reason: Failure,
  message: Schema.String
}) {}

/** Whether a failure means the request is not authentic (answered 401 by the runner). */
export const isSignatureFailure = (reason: Failure): boolean =>
  reason === "missing-header" || reason === "bad-timestamp" || reason === "expired" || reason === "mismatch"

const fail = (reason: Failure, message: string) => Result.fail(new VendorWebhookError({ reason, message }))

/** The secrets of a scheme in an instance's configuration; `undefined` when the key is unset. */
export const secretsOf = (
  scheme: Scheme,
  configuration: Configuration.Configuration
): ReadonlyArray<Redacted.Redacted<string>> | undefined => {
  const value = configuration.secret(scheme.configKey)
  if (value === undefined) return undefined
  if (scheme._tag === "HmacSha256Header") return [value]
  // `whsec_` secrets hold no spaces, so spaces separate the old and new secret during a rotation.
  const parts = Redacted.value(value)
    .split(/\s+/)
    .filter((part) => part !== "")
  return parts.length === 0 ? undefined : parts.map((part) => Redacted.make(part))
}

/** A verified request: the vendor's message id (events derive their ids from it) and its timestamp. */
export interface Verified {
  readonly messageId: string
  /** Unix seconds, when the scheme carries a timestamp. */
  readonly timestamp: number | undefined
}

/** What {@link verify} checks. */
export interface VerifyInput {
  readonly scheme: Scheme
  readonly headers: WebhookSignature.HeaderSource
  /** The exact bytes received. */
  readonly body: WebhookSignature.RawBody
  readonly secrets: ReadonlyArray<WebhookSignature.Secret>
  /** The receiver's clock: epoch milliseconds or a `Date`. */
  readonly now: number | Date
}

const lowerCaseHeaders = (headers: WebhookSignature.HeaderSource): Record<string, string> => {
  const out: Record<string, string> = {}
  if (typeof (headers as Headers).forEach === "function" && typeof (headers as Headers).get === "function") {
    ;(headers as Headers).forEach((value, name) => {
      out[name.toLowerCase()] = value
    })
    return out
  }
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === "string") out[name.toLowerCase()] = value
    else if (Array.isArray(value)) out[name.toLowerCase()] = value.join(" ")
  }
  return out
}

const verifyStandard = (
  scheme: StandardWebhooksScheme,
  headers: Readonly<Record<string, string>>,
  input: VerifyInput
): Result.Result<Verified, VendorWebhookError> => {
  const pick = (name: string) => headers[`webhook-${name}`] ?? headers[`svix-${name}`]
  const id = pick("id")
  const timestamp = pick("timestamp")
  const signature = pick("signature")
  const missing = [
    id === undefined ? "webhook-id (or svix-id)" : undefined,
    timestamp === undefined ? "webhook-timestamp (or svix-timestamp)" : undefined,
    signature === undefined ? "webhook-signature (or svix-signature)" : undefined
  ].filter((name) => name !== undefined)
  if (id === undefined || timestamp === undefined || signature === undefined || id.trim() === "") {
    return fail("missing-header", `missing header(s): ${missing.join(", ") || "webhook-id is empty"}`)
  }
  const verified = WebhookSignature.verify({
    headers: { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature },
    body: input.body,
    secrets: input.secrets,
    now: input.now,
    toleranceSeconds: scheme.toleranceSeconds
  })
  return Result.isSuccess(verified)
    ? Result.succeed({ messageId: verified.success.id, timestamp: verified.success.timestamp })
    : fail(verified.failure.reason, verified.failure.message)
}

const bodyBuffer = (body: WebhookSignature.RawBody): Buffer =>
  typeof body === "string"
    ? Buffer.from(body, "utf8")
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength)

const reveal = (secret: WebhookSignature.Secret): string =>
  Redacted.isRedacted(secret) ? Redacted.value(secret) : secret

/** The message id of a body without a vendor id: 32 hex characters of its SHA-256. */
export const bodyMessageId = (body: WebhookSignature.RawBody): string =>
  `sha256:${createHash("sha256").update(bodyBuffer(body)).digest("hex").slice(0, 32)}`

const decodeSignature = (text: string, encoding: "hex" | "base64"): Buffer | undefined => {
  if (encoding === "hex") return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, "hex") : undefined
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, "base64") : undefined
}

const verifyHmacHeader = (
  scheme: HmacSha256HeaderScheme,
  headers: Readonly<Record<string, string>>,
  input: VerifyInput
): Result.Result<Verified, VendorWebhookError> => {
  const value = headers[scheme.header.toLowerCase()]
  if (value === undefined || value.trim() === "")
    return fail("missing-header", `missing header: ${scheme.header}`)
  const candidates = value
    .split(/[\s,]+/)
    .filter((token) => token !== "" && token.startsWith(scheme.prefix))
    .map((token) => decodeSignature(token.slice(scheme.prefix.length), scheme.encoding))
    .filter((bytes) => bytes !== undefined)
  const body = bodyBuffer(input.body)
  for (const secret of input.secrets) {
    const expected = createHmac("sha256", Buffer.from(reveal(secret), "utf8"))
      .update(body)
      .digest()
    if (
      candidates.some(
        (candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected)
      )
    ) {
      return Result.succeed({ messageId: bodyMessageId(input.body), timestamp: undefined })
    }
  }
  return fail(
    "mismatch",
    `${scheme.header} does not match the configured secret (expected ${scheme.prefix === "" ? "" : `'${scheme.prefix}' + `}the ${scheme.encoding} HMAC-SHA256 of the raw body)`
  )
}

/**
 * Verifies a pushed request against the instance's secret(s): Standard Webhooks with its timestamp
 * tolerance, or an HMAC header. Comparison is constant-time; any of several signatures (or
 * secrets) may match. Without a secret it fails with `missing-secret`.
 */
export const verify = (input: VerifyInput): Result.Result<Verified, VendorWebhookError> => {
  if (input.secrets.length === 0) {
    return fail("missing-secret", `no webhook secret is configured ('${input.scheme.configKey}')`)
  }
  const headers = lowerCaseHeaders(input.headers)
  return input.scheme._tag === "StandardWebhooks"
    ? verifyStandard(input.scheme, headers, input)
    : verifyHmacHeader(input.scheme, headers, input)
}

const isEventType = Schema.is(EventType)

const checkEvent = (
  value: unknown,
  index: number,
  resources: ReadonlyArray<string> | undefined
): NormalizedEvent | string => {
  if (typeof value !== "object" || value === null) return `event ${index} is not an object`
  const event = value as Record<string, unknown>
  if (typeof event.objectType !== "string" || event.objectType.trim() === "") {
    return `event ${index}: 'objectType' must be a non-empty string`
  }
  // A resource the webhooks do not declare may be polled by the same instance: its pushed events
  // would repeat polled ones.
  if (resources !== undefined && !resources.includes(event.objectType)) {
    return `event ${index}: 'objectType' '${event.objectType}' is not one of the resources the webhooks declare (${resources.join(", ")})`
  }
  const objectId = event.objectId
  if (
    !(typeof objectId === "string" && objectId !== "") &&
    !(typeof objectId === "number" && Number.isFinite(objectId))
  ) {
    return `event ${index}: 'objectId' must be a non-empty string or a number`
  }
  if (!isEventType(event.eventType)) {
    return `event ${index}: 'eventType' must be CREATED, UPDATED or DELETED (got ${JSON.stringify(event.eventType)})`
  }
  if (event.date !== undefined && (typeof event.date !== "string" || Number.isNaN(Date.parse(event.date)))) {
    return `event ${index}: 'date' must be an ISO-8601 date (got ${JSON.stringify(event.date)})`
  }
  return {
    objectType: event.objectType,
    objectId,
    eventType: event.eventType,
    ...(event.date === undefined ? {} : { date: new Date(event.date as string).toISOString() }),
    ...(event.record === undefined ? {} : { record: event.record })
  }
}

/**
 * Parses a verified body as JSON and runs the connector's `normalize` on it, checking every event
 * it returns. Fails with `malformed-body` (not JSON, not UTF-8) or `invalid-events` (it threw, an
 * event lacks a field, or its `objectType` is not among the declared `resources`; the message
 * names the event index and the field).
 */
export const normalize = (
  webhooks: Webhooks,
  body: WebhookSignature.RawBody,
  context: NormalizeContext
): Result.Result<ReadonlyArray<NormalizedEvent>, VendorWebhookError> => {
  let parsed: unknown
  try {
    const text = typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: true }).decode(body)
    parsed = JSON.parse(text)
  } catch (error) {
    return fail("malformed-body", `the request body is not valid JSON: ${(error as Error).message}`)
  }
  let events: ReadonlyArray<NormalizedEvent>
  try {
    events = webhooks.normalize(parsed, context)
  } catch (error) {
    return fail(
      "invalid-events",
      `the webhook body was not understood: ${(error as Error).message ?? String(error)}`
    )
  }
  if (!Array.isArray(events)) return fail("invalid-events", "normalize did not return an array of events")
  const checked: Array<NormalizedEvent> = []
  for (const [index, event] of events.entries()) {
    const result = checkEvent(event, index, webhooks.resources)
    if (typeof result === "string") return fail("invalid-events", result)
    checked.push(result)
  }
  return Result.succeed(checked)
}

/** What {@link toEvents} needs to turn normalized events into stored ones. */
export interface ToEventsInput {
  readonly instanceId: string | number
  readonly elementKey: string
  readonly hubKey: string
  readonly messageId: string
  /** When the request arrived (epoch ms): the date of events that carry none. */
  readonly receivedAt: number
  readonly events: ReadonlyArray<NormalizedEvent>
}

/**
 * The change events of a verified message, ready for the outbox like polled ones. Each id is
 * `eventId(instance, objectType, objectId, "webhook:" + messageId + ":" + eventType)`: a vendor's
 * retry of the same message gives the same ids, and so does the same change twice in one message.
 */
export const toEvents = (input: ToEventsInput): ReadonlyArray<PolledEvent> =>
  input.events.map((event) => {
    const objectId = String(event.objectId)
    const date = event.date ?? new Date(input.receivedAt).toISOString()
    return {
      event: {
        id: eventId({
          instanceId: input.instanceId,
          resource: event.objectType,
          objectId,
          version: `webhook:${input.messageId}:${event.eventType}`
        }),
        eventType: event.eventType,
        objectType: event.objectType,
        objectId,
        elementKey: input.elementKey,
        hubKey: input.hubKey,
        date,
        ...(event.date === undefined ? {} : { updatedDate: event.date })
      },
      record: event.record
    }
  })

/**
 * Request headers as `normalize` sees them: lower-case names, the signature headers left out (they
 * are of no use to a normalizer and should not travel further).
 */
export const contextHeaders = (
  scheme: Scheme,
  headers: WebhookSignature.HeaderSource
): Record<string, string> => {
  const out = lowerCaseHeaders(headers)
  const hidden = ["webhook-signature", "svix-signature", "authorization", "cookie"]
  if (scheme._tag === "HmacSha256Header") hidden.push(scheme.header.toLowerCase())
  for (const name of hidden) delete out[name]
  return out
}
