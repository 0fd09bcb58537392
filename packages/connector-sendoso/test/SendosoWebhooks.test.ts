import { assert, describe, it } from "@effect/vitest"
import { Configuration, Param, WebhookSignature, Webhooks } from "@plugboard/core"
import { Effect, Result } from "effect"
import { Sendoso, SendosoResources, SendosoWebhooks } from "../src/index.js"

const send = {
  id: 4711,
  tracking_code: "SND-8F3K2",
  touch_id: 12,
  email: "ada@example.com",
  status: "delivered",
  created_at: "2026-03-02T09:15:00.000-08:00",
  updated_at: "2026-03-04T11:30:00.000-08:00"
}

const normalize = (body: unknown) => SendosoWebhooks.normalize(body)

describe("SendosoWebhooks.normalize", () => {
  it("maps send.created to a CREATED gifts event on data.id, dated updated_at, with the send as record", () => {
    assert.deepStrictEqual(normalize({ type: "send.created", data: send }), [
      {
        objectType: "gifts",
        objectId: "4711",
        eventType: "CREATED",
        date: "2026-03-04T11:30:00.000-08:00",
        record: send
      }
    ])
  })

  it("maps every other send.* type to UPDATED", () => {
    for (const type of ["send.updated", "send.delivered", "send.cancelled"]) {
      const [event] = normalize({ type, data: send })
      assert.strictEqual(event?.eventType, "UPDATED", type)
      assert.strictEqual(event?.objectId, "4711", type)
    }
  })

  it("names the send by its tracking code without an id and dates it created_at without updated_at", () => {
    const { id: _id, updated_at: _updated, ...pending } = send
    assert.deepStrictEqual(normalize({ type: "send.created", data: pending }), [
      {
        objectType: "gifts",
        objectId: "SND-8F3K2",
        eventType: "CREATED",
        date: "2026-03-02T09:15:00.000-08:00",
        record: pending
      }
    ])
    assert.strictEqual(
      normalize({ type: "send.updated", data: { ...pending, id: null } })[0]?.objectId,
      "SND-8F3K2"
    )
  })

  it("leaves the date to the receipt time when the send carries none that can be read", () => {
    const [undated] = normalize({ type: "send.updated", data: { id: 1 } })
    assert.isUndefined(undated?.date)
    assert.notProperty(undated, "date")
    const [unreadable] = normalize({ type: "send.updated", data: { id: 1, updated_at: "yesterday" } })
    assert.notProperty(unreadable, "date")
  })

  it("acknowledges Svix test pings and types it does not map with no events", () => {
    assert.deepStrictEqual(normalize({ type: "svix.ping", data: { success: true } }), [])
    assert.deepStrictEqual(normalize({ type: "touch.updated", data: { id: 3 } }), [])
    assert.deepStrictEqual(normalize({ data: send }), [])
    assert.deepStrictEqual(normalize([]), [])
    assert.deepStrictEqual(normalize("send.created"), [])
  })

  it("fails for a send.* event without an id or tracking code, naming the fields", () => {
    assert.throws(
      () => normalize({ type: "send.updated", data: { status: "sent" } }),
      /'send\.updated'.*'data\.id'.*'data\.tracking_code'/
    )
    assert.throws(() => normalize({ type: "send.created" }), /'data\.id'/)
    assert.throws(
      () => normalize({ type: "send.created", data: { id: "", tracking_code: null } }),
      /'data\.id'/
    )
  })

  it("names the resource sends are polled as", () => {
    assert.strictEqual(SendosoWebhooks.objectType, "gifts")
    assert.strictEqual(SendosoResources.resources[SendosoWebhooks.objectType]?.path, "/send")
  })
})

describe("Sendoso webhook declaration", () => {
  it("declares Svix signing with its own secret parameter and adds the webhook method", () => {
    assert.deepStrictEqual(Sendoso.events.methods, ["polling", "webhook"])
    assert.strictEqual(Sendoso.events.defaultResources?.length, 2)
    assert.deepStrictEqual(Sendoso.webhooks?.scheme, {
      _tag: "StandardWebhooks",
      configKey: "webhook.secret",
      toleranceSeconds: 300
    })
    const param = Sendoso.configuration["webhook.secret"]
    assert.strictEqual(param?.label, "Svix webhook signing secret")
    assert.match(param?.description ?? "", /POST \/events\/sendoso\/\{instanceId\}/)
    assert.isTrue(param?.secret)
    assert.isFalse(param?.required)
    assert.strictEqual(Param.catalogType(param!), "PASSWORD")
  })

  it("declares that its webhooks cover sends (gifts) only, so a webhook instance still polls the rest", () => {
    assert.deepStrictEqual(Sendoso.webhooks?.resources, ["gifts"])
    assert.deepStrictEqual(SendosoWebhooks.pushedResources, [SendosoWebhooks.objectType])
    assert.deepStrictEqual(Sendoso.configuration["event.vendor.type"]?.options, ["polling", "webhook"])
    assert.strictEqual(Sendoso.configuration["event.vendor.type"]?.default, "polling")
    const viaWebhook = new Configuration.Configuration(new Map([["event.vendor.type", "webhook"]]))
    assert.isTrue(Webhooks.isPushed(Sendoso, viaWebhook, "gifts"))
    for (const polled of ["groups", "touches", "users", "return-addresses"]) {
      assert.isFalse(Webhooks.isPushed(Sendoso, viaWebhook, polled), polled)
    }
    // Every event normalize returns is of a declared resource, so the intake accepts it.
    const body = JSON.stringify({ type: "send.created", data: send })
    const events = Webhooks.normalize(Sendoso.webhooks!, body, { headers: {}, messageId: "msg_1" })
    assert.strictEqual(Result.getOrThrow(events)[0]?.objectType, "gifts")
  })
})

describe("Sendoso webhooks, signed as Svix signs them", () => {
  // A whsec_ secret is base64: these are the bytes Svix would hand out.
  const secret = `whsec_${Buffer.from("sendoso-svix-signing-key-0123456").toString("base64")}`
  const messageId = "msg_2hX1sendoso"
  const timestamp = 1_772_470_000
  const now = timestamp * 1000 + 2_000
  const body = JSON.stringify({ type: "send.delivered", data: send })
  const webhooks = Sendoso.webhooks!

  // Svix sends the Standard Webhooks headers under svix- names.
  const svixHeaders = (signed: WebhookSignature.StandardHeaders) => ({
    "svix-id": signed["webhook-id"],
    "svix-timestamp": signed["webhook-timestamp"],
    "svix-signature": signed["webhook-signature"],
    "content-type": "application/json"
  })
  const headers = svixHeaders(WebhookSignature.standardHeaders({ id: messageId, timestamp, body, secret }))

  const instanceSecrets = Effect.gen(function* () {
    const configuration = yield* Configuration.decode(Sendoso.configuration, {
      "oauth.api.key": "client",
      "oauth.api.secret": "client-secret",
      "webhook.secret": secret
    })
    return Webhooks.secretsOf(webhooks.scheme, configuration) ?? []
  })

  it.effect("verifies a signed send.delivered and turns it into one gifts event", () =>
    Effect.gen(function* () {
      const secrets = yield* instanceSecrets
      assert.strictEqual(secrets.length, 1)
      const verified = Result.getOrThrow(
        Webhooks.verify({ scheme: webhooks.scheme, headers, body, secrets, now })
      )
      assert.deepStrictEqual(verified, { messageId, timestamp })
      const context = { headers: Webhooks.contextHeaders(webhooks.scheme, headers), messageId }
      assert.notProperty(context.headers, "svix-signature")
      const normalized = Result.getOrThrow(Webhooks.normalize(webhooks, body, context))
      assert.deepStrictEqual(normalized, [
        {
          objectType: "gifts",
          objectId: "4711",
          eventType: "UPDATED",
          date: "2026-03-04T19:30:00.000Z",
          record: send
        }
      ])
      const [stored] = Webhooks.toEvents({
        instanceId: 7,
        elementKey: Sendoso.key,
        hubKey: Sendoso.hub,
        messageId,
        receivedAt: now,
        events: normalized
      })
      assert.strictEqual(stored?.event.objectType, "gifts")
      assert.strictEqual(stored?.event.elementKey, "sendoso")
      assert.strictEqual(stored?.event.hubKey, "rewards")
    })
  )

  it.effect("refuses a changed body, another secret, an old timestamp and missing svix headers", () =>
    Effect.gen(function* () {
      const secrets = yield* instanceSecrets
      const verify = (overrides: Partial<Webhooks.VerifyInput>) =>
        Webhooks.verify({ scheme: webhooks.scheme, headers, body, secrets, now, ...overrides })
      const reason = (result: Result.Result<Webhooks.Verified, Webhooks.VendorWebhookError>) =>
        Result.isFailure(result) ? result.failure.reason : "accepted"
      assert.strictEqual(reason(verify({ body: body.replace("4711", "4712") })), "mismatch")
      const other = `whsec_${Buffer.from("another-key-entirely-0123456789a").toString("base64")}`
      assert.strictEqual(reason(verify({ secrets: [other] })), "mismatch")
      assert.strictEqual(reason(verify({ secrets: [other, ...secrets] })), "accepted")
      assert.strictEqual(reason(verify({ now: now + 10 * 60_000 })), "expired")
      const { "svix-signature": _signature, ...unsigned } = headers
      assert.strictEqual(reason(verify({ headers: unsigned })), "missing-header")
      assert.strictEqual(reason(verify({ secrets: [] })), "missing-secret")
    })
  )

  it("acknowledges a signed Svix test ping and refuses a send without an id with a named field", () => {
    const context = { headers: {}, messageId }
    assert.deepStrictEqual(
      Result.getOrThrow(Webhooks.normalize(webhooks, `{"type":"svix.ping","data":{}}`, context)),
      []
    )
    const failed = Webhooks.normalize(webhooks, `{"type":"send.created","data":{"status":"sent"}}`, context)
    assert.isTrue(Result.isFailure(failed))
    if (Result.isFailure(failed)) {
      assert.strictEqual(failed.failure.reason, "invalid-events")
      assert.match(failed.failure.message, /'data\.id'/)
    }
  })
})
