/**
 * Signatures on event callbacks, both kinds the runner sends: the original platform's
 * `Elements-Webhook-Signature: sha256=<base64 HMAC-SHA256(key, raw body)>` and Standard Webhooks v1
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256(secret,
 * "{id}.{timestamp}.{body}")>`). Also the receiver's side: verification with constant-time
 * comparison, a timestamp tolerance and several secrets at once for key rotation.
 */
import { createHmac, timingSafeEqual } from "node:crypto"
import { Redacted, Result, Schema } from "effect"

/** A signing key or secret, plain or `Redacted` (the runner keeps it redacted up to the wire). */
export type Secret = string | Redacted.Redacted<string>

/** A raw request body exactly as sent: signatures cover bytes, so never a re-serialized object. */
export type RawBody = string | Uint8Array

/** The header that carries the original platform's signature. */
export const elementsHeader = "Elements-Webhook-Signature"

const reveal = (secret: Secret): string => (Redacted.isRedacted(secret) ? Redacted.value(secret) : secret)

const bodyBytes = (body: RawBody): Buffer =>
  typeof body === "string"
    ? Buffer.from(body, "utf8")
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength)

const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/

/**
 * The bytes of a Standard Webhooks secret: `whsec_<base64>` is base64-decoded, as the Standard
 * Webhooks libraries do; any other text (including `whsec_` followed by something that is not
 * base64) is used as its UTF-8 bytes, like the original platform's signature key.
 */
export const secretBytes = (secret: Secret): Uint8Array => {
  const text = reveal(secret)
  if (text.startsWith("whsec_")) {
    const encoded = text.slice("whsec_".length)
    if (encoded.length > 0 && base64Text.test(encoded)) return Buffer.from(encoded, "base64")
  }
  return Buffer.from(text, "utf8")
}

const hmac = (key: Uint8Array, parts: ReadonlyArray<Buffer>): Buffer => {
  const mac = createHmac("sha256", key)
  for (const part of parts) mac.update(part)
  return mac.digest()
}

/**
 * The value of `Elements-Webhook-Signature`: `sha256=` and the base64 HMAC-SHA256 of the raw body
 * under the key's UTF-8 bytes.
 */
export const elementsSignature = (key: Secret, rawBody: RawBody): string =>
  `sha256=${hmac(Buffer.from(reveal(key), "utf8"), [bodyBytes(rawBody)]).toString("base64")}`

/** What a Standard Webhooks signature covers: the message id, the unix-seconds timestamp and the raw body. */
export interface StandardMessage {
  readonly id: string
  readonly timestamp: number
  readonly body: RawBody
  readonly secret: Secret
}

const standardDigest = (id: string, timestamp: number | string, body: RawBody, key: Uint8Array): Buffer =>
  hmac(key, [Buffer.from(`${id}.${timestamp}.`, "utf8"), bodyBytes(body)])

/** The Standard Webhooks v1 signature, `v1,<base64>`, of one message under one secret. */
export const standardSign = (message: StandardMessage): string =>
  `v1,${standardDigest(message.id, message.timestamp, message.body, secretBytes(message.secret)).toString("base64")}`

/**
 * The three Standard Webhooks headers of one message (a type alias, not an interface, so that it is
 * also a {@link HeaderSource}).
 */
export type StandardHeaders = {
  readonly "webhook-id": string
  readonly "webhook-timestamp": string
  readonly "webhook-signature": string
}

/**
 * The Standard Webhooks headers for a message. With several secrets (rotation), the signature header
 * holds one space-separated `v1,…` per secret so receivers holding either one accept it.
 */
export const standardHeaders = (
  message: Omit<StandardMessage, "secret"> & { readonly secret: Secret | ReadonlyArray<Secret> }
): StandardHeaders => {
  const secrets: ReadonlyArray<Secret> = Array.isArray(message.secret)
    ? message.secret
    : [message.secret as Secret]
  return {
    "webhook-id": message.id,
    "webhook-timestamp": String(message.timestamp),
    "webhook-signature": secrets.map((secret) => standardSign({ ...message, secret })).join(" ")
  }
}

/** Why a callback failed verification. */
export const VerificationFailure = Schema.Literals(["missing-header", "bad-timestamp", "expired", "mismatch"])
export type VerificationFailure = typeof VerificationFailure.Type

/**
 * A callback that must not be trusted: a header is missing, the timestamp is not a number or lies
 * outside the tolerance, or no signature matches any secret. The message never contains a secret.
 */
export class WebhookVerificationError extends Schema.TaggedError<WebhookVerificationError>()(
  "WebhookVerificationError",
  {
    reason: VerificationFailure,
    message: Schema.String
  }
) {}

/** Request headers as a receiver holds them: a fetch `Headers` or a plain (Node-style) record. */
export type HeaderSource = Headers | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

const header = (headers: HeaderSource, name: string): string | undefined => {
  if (typeof (headers as Headers).get === "function" && !Array.isArray(headers)) {
    return (headers as Headers).get(name) ?? undefined
  }
  const lower = name.toLowerCase()
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() !== lower) continue
    if (typeof value === "string") return value
    if (Array.isArray(value)) return value.join(" ")
  }
  return undefined
}

const sameBytes = (expected: Buffer, candidate: Buffer): boolean =>
  expected.length === candidate.length && timingSafeEqual(expected, candidate)

const asList = (secrets: Secret | ReadonlyArray<Secret>): ReadonlyArray<Secret> =>
  Array.isArray(secrets) ? secrets : [secrets as Secret]

const fail = (reason: VerificationFailure, message: string) =>
  Result.fail(new WebhookVerificationError({ reason, message }))

/** What {@link verify} needs: the request's headers and raw body, the secret(s) and the current time. */
export interface VerifyOptions {
  readonly headers: HeaderSource
  readonly body: RawBody
  /** Every secret currently valid; more than one while a key is being rotated. */
  readonly secrets: Secret | ReadonlyArray<Secret>
  /** The receiver's clock: epoch milliseconds or a `Date`. */
  readonly now: number | Date
  /** How far the timestamp may be from `now`, either way; 300 seconds unless set. */
  readonly toleranceSeconds?: number | undefined
}

/** A verified Standard Webhooks message: its id (dedupe on it) and its timestamp (unix seconds). */
export interface VerifiedMessage {
  readonly id: string
  readonly timestamp: number
}

/**
 * Verifies a Standard Webhooks request: the three headers present, the timestamp within
 * ±`toleranceSeconds` (300) of `now`, and at least one `v1,` signature in the space-separated
 * header matching one of the secrets, compared in constant time. Signatures of other versions are
 * skipped. Fails with a {@link WebhookVerificationError}.
 */
export const verify = (options: VerifyOptions): Result.Result<VerifiedMessage, WebhookVerificationError> => {
  const id = header(options.headers, "webhook-id")
  const timestampText = header(options.headers, "webhook-timestamp")
  const signatures = header(options.headers, "webhook-signature")
  const missing = [
    id === undefined ? "webhook-id" : undefined,
    timestampText === undefined ? "webhook-timestamp" : undefined,
    signatures === undefined ? "webhook-signature" : undefined
  ].filter((name) => name !== undefined)
  if (id === undefined || timestampText === undefined || signatures === undefined) {
    return fail("missing-header", `missing header(s): ${missing.join(", ")}`)
  }
  if (!/^\d{1,15}$/.test(timestampText.trim())) {
    return fail(
      "bad-timestamp",
      `webhook-timestamp must be unix seconds, got "${timestampText.slice(0, 40)}"`
    )
  }
  const timestamp = Number(timestampText.trim())
  const nowSeconds = Math.floor(
    (typeof options.now === "number" ? options.now : options.now.getTime()) / 1000
  )
  const tolerance = options.toleranceSeconds ?? 300
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    return fail(
      "expired",
      `webhook-timestamp ${timestamp} is ${nowSeconds - timestamp} s from now; the tolerance is ±${tolerance} s`
    )
  }
  const candidates = signatures
    .split(" ")
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => Buffer.from(entry.slice(3), "base64"))
  for (const secret of asList(options.secrets)) {
    const expected = standardDigest(id, timestampText.trim(), options.body, secretBytes(secret))
    if (candidates.some((candidate) => sameBytes(expected, candidate)))
      return Result.succeed({ id, timestamp })
  }
  return fail("mismatch", "no webhook-signature matches a configured secret")
}

/**
 * Verifies an `Elements-Webhook-Signature` header value (`sha256=<base64>`) against the raw body with
 * one or more keys, in constant time. The header has no timestamp, so it cannot expire; prefer the
 * Standard Webhooks headers where the receiver can.
 */
export const verifyElements = (
  keys: Secret | ReadonlyArray<Secret>,
  body: RawBody,
  signature: string | undefined
): Result.Result<void, WebhookVerificationError> => {
  if (signature === undefined || signature.trim() === "") {
    return fail("missing-header", `missing header: ${elementsHeader}`)
  }
  const trimmed = signature.trim()
  if (!trimmed.startsWith("sha256=")) return fail("mismatch", `${elementsHeader} must start with "sha256="`)
  const candidate = Buffer.from(trimmed.slice("sha256=".length), "base64")
  for (const key of asList(keys)) {
    const expected = hmac(Buffer.from(reveal(key), "utf8"), [bodyBytes(body)])
    if (sameBytes(expected, candidate)) return Result.succeed(undefined)
  }
  return fail("mismatch", `${elementsHeader} does not match a configured key`)
}
