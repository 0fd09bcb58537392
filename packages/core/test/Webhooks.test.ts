import { createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { AuthSpec, Configuration, Connector, Paging, Param, Resource, Webhooks } from "@plugboard/core"
import { Effect, Redacted, Result } from "effect"

// The Standard Webhooks test vector (reliability.md).
const vector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: `{"test": 2432232314}`,
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
}
const vectorNow = vector.timestamp * 1000
const standard = Webhooks.standardWebhooks({ configKey: "webhook.secret" })

const svixHeaders = (overrides: Record<string, string> = {}) => ({
  "svix-id": vector.id,
  "svix-timestamp": String(vector.timestamp),
  "svix-signature": vector.signature,
  ...overrides
})

const reasonOf = <A>(result: Result.Result<A, Webhooks.VendorWebhookError>) => {
  if (Result.isSuccess(result)) assert.fail("expected a failure")
  assert.strictEqual(result.failure._tag, "VendorWebhookError")
  return result.failure
}

const verifyStandard = (
  headers: Record<string, string>,
  options: { secrets?: Array<string>; now?: number } = {}
) =>
  Webhooks.verify({
    scheme: standard,
    headers,
    body: vector.body,
    secrets: options.secrets ?? [vector.secret],
    now: options.now ?? vectorNow
  })

describe("Webhooks.verify (Standard Webhooks / Svix)", () => {
  it("accepts the test vector with svix- headers and with webhook- headers", () => {
    const svix = verifyStandard(svixHeaders())
    assert.deepStrictEqual(Result.getOrThrow(svix), { messageId: vector.id, timestamp: vector.timestamp })
    const standardHeaders = new Headers({
      "Webhook-Id": vector.id,
      "Webhook-Timestamp": String(vector.timestamp),
      "Webhook-Signature": vector.signature
    })
    const result = Webhooks.verify({
      scheme: standard,
      headers: standardHeaders,
      body: new TextEncoder().encode(vector.body),
      secrets: [Redacted.make(vector.secret)],
      now: new Date(vectorNow)
    })
    assert.strictEqual(Result.getOrThrow(result).messageId, vector.id)
  })

  it("accepts any of several signatures and any of several secrets", () => {
    const several = verifyStandard(svixHeaders({ "svix-signature": `v1,AAAA v2,zzz ${vector.signature}` }))
    assert.isTrue(Result.isSuccess(several))
    const rotated = verifyStandard(svixHeaders(), { secrets: ["whsec_b2xkb2xkb2xkb2xk", vector.secret] })
    assert.isTrue(Result.isSuccess(rotated))
  })

  it("keeps a ±5 minute tolerance", () => {
    assert.isTrue(Result.isSuccess(verifyStandard(svixHeaders(), { now: vectorNow + 300_000 })))
    assert.isTrue(Result.isSuccess(verifyStandard(svixHeaders(), { now: vectorNow - 300_000 })))
    assert.strictEqual(
      reasonOf(verifyStandard(svixHeaders(), { now: vectorNow + 301_000 })).reason,
      "expired"
    )
    assert.strictEqual(
      reasonOf(verifyStandard(svixHeaders(), { now: vectorNow - 301_000 })).reason,
      "expired"
    )
  })

  it("refuses a wrong secret, a changed body, a bad timestamp and missing headers", () => {
    assert.strictEqual(
      reasonOf(verifyStandard(svixHeaders(), { secrets: ["whsec_b2xkb2xkb2xkb2xk"] })).reason,
      "mismatch"
    )
    const changed = Webhooks.verify({
      scheme: standard,
      headers: svixHeaders(),
      body: `{"test": 2432232315}`,
      secrets: [vector.secret],
      now: vectorNow
    })
    assert.strictEqual(reasonOf(changed).reason, "mismatch")
    assert.strictEqual(
      reasonOf(verifyStandard(svixHeaders({ "svix-timestamp": "soon" }))).reason,
      "bad-timestamp"
    )
    const missing = reasonOf(verifyStandard({ "svix-id": vector.id }))
    assert.strictEqual(missing.reason, "missing-header")
    assert.match(missing.message, /webhook-timestamp \(or svix-timestamp\)/)
    assert.match(missing.message, /webhook-signature \(or svix-signature\)/)
    assert.notInclude(missing.message, vector.secret)
  })

  it("fails with missing-secret when the instance has none", () => {
    const failure = reasonOf(verifyStandard(svixHeaders(), { secrets: [] }))
    assert.strictEqual(failure.reason, "missing-secret")
    assert.match(failure.message, /webhook\.secret/)
    assert.isFalse(Webhooks.isSignatureFailure("missing-secret"))
    assert.isTrue(Webhooks.isSignatureFailure("expired"))
  })
})

describe("Webhooks.verify (HMAC-SHA256 header)", () => {
  // GitHub's documented example: secret, payload and X-Hub-Signature-256.
  const github = Webhooks.hmacSha256Header({
    header: "X-Hub-Signature-256",
    configKey: "webhook.secret",
    encoding: "hex",
    prefix: "sha256="
  })
  const githubSecret = "It's a Secret to Everybody"
  const githubBody = "Hello, World!"
  const githubSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

  it("accepts GitHub's test vector; the message id is a hash of the signed body, whatever the delivery header", () => {
    const verifyWith = (delivery: string) =>
      Result.getOrThrow(
        Webhooks.verify({
          scheme: github,
          headers: { "x-hub-signature-256": githubSignature, "X-GitHub-Delivery": delivery },
          body: githubBody,
          secrets: [githubSecret],
          now: 0
        })
      )
    const first = verifyWith("delivery-1")
    assert.deepStrictEqual(first, { messageId: Webhooks.bodyMessageId(githubBody), timestamp: undefined })
    assert.match(first.messageId, /^sha256:[0-9a-f]{32}$/)
    // A replay under a new (unsigned) delivery id is still the same message: it dedupes.
    assert.strictEqual(verifyWith("delivery-2").messageId, first.messageId)
  })

  it("checks base64 signatures without a prefix, one of several", () => {
    const shopify = Webhooks.hmacSha256Header({
      header: "X-Shopify-Hmac-Sha256",
      configKey: "webhook.secret",
      encoding: "base64"
    })
    const body = `{"id":1}`
    const good = createHmac("sha256", "shpss_secret").update(body).digest("base64")
    const verify = (signature: string) =>
      Webhooks.verify({
        scheme: shopify,
        headers: { "x-shopify-hmac-sha256": signature },
        body,
        secrets: ["shpss_secret"],
        now: 0
      })
    assert.isTrue(Result.isSuccess(verify(good)))
    assert.isTrue(Result.isSuccess(verify(`AAAA,${good}`)))
    assert.strictEqual(reasonOf(verify("AAAA")).reason, "mismatch")
    assert.strictEqual(reasonOf(verify("")).reason, "missing-header")
  })

  it("refuses a signature without the prefix or under another secret", () => {
    const verify = (signature: string, secret = githubSecret) =>
      Webhooks.verify({
        scheme: github,
        headers: { "x-hub-signature-256": signature },
        body: githubBody,
        secrets: [secret],
        now: 0
      })
    assert.strictEqual(reasonOf(verify(githubSignature.slice("sha256=".length))).reason, "mismatch")
    const wrong = reasonOf(verify(githubSignature, "another secret"))
    assert.strictEqual(wrong.reason, "mismatch")
    assert.match(wrong.message, /X-Hub-Signature-256/)
    assert.notInclude(wrong.message, "another secret")
  })
})

describe("Webhooks.secretsOf", () => {
  it("reads the scheme's key, splitting rotated Standard Webhooks secrets", () => {
    const configuration = new Configuration.Configuration(
      new Map<string, Configuration.Value>([["webhook.secret", Redacted.make(`${vector.secret} whsec_b2xk`)]])
    )
    const secrets = Webhooks.secretsOf(standard, configuration)
    assert.deepStrictEqual(
      secrets?.map((secret) => Redacted.value(secret)),
      [vector.secret, "whsec_b2xk"]
    )
    const hmac = Webhooks.hmacSha256Header({ header: "X-Sig", configKey: "webhook.secret", encoding: "hex" })
    assert.strictEqual(Webhooks.secretsOf(hmac, configuration)?.length, 1)
    const empty = new Configuration.Configuration(new Map())
    assert.isUndefined(Webhooks.secretsOf(standard, empty))
  })
})

describe("Webhooks.normalize", () => {
  const webhooks: Webhooks.Webhooks = {
    scheme: standard,
    normalize: (body) => {
      const message = body as { type: string; data: Record<string, unknown> }
      if (message.type === "ping") return []
      if (message.type === "boom") throw new Error("unknown event type 'boom'")
      return [
        {
          objectType: "touches",
          objectId: message.data.id as string | number,
          eventType: message.type as Webhooks.NormalizedEvent["eventType"],
          date: message.data.at as string | undefined,
          record: message.data
        }
      ]
    }
  }
  const context = { headers: {}, messageId: "msg_1" }

  it("parses the body and checks the events", () => {
    const events = Result.getOrThrow(
      Webhooks.normalize(
        webhooks,
        `{"type":"CREATED","data":{"id":7,"at":"2026-11-22T10:00:00+01:00"}}`,
        context
      )
    )
    assert.deepStrictEqual(events, [
      {
        objectType: "touches",
        objectId: 7,
        eventType: "CREATED",
        date: "2026-11-22T09:00:00.000Z",
        record: { id: 7, at: "2026-11-22T10:00:00+01:00" }
      }
    ])
    assert.deepStrictEqual(Result.getOrThrow(Webhooks.normalize(webhooks, `{"type":"ping"}`, context)), [])
  })

  it("names what is wrong: not JSON, a throwing normalize, a bad field", () => {
    assert.strictEqual(reasonOf(Webhooks.normalize(webhooks, "{not json", context)).reason, "malformed-body")
    assert.strictEqual(
      reasonOf(Webhooks.normalize(webhooks, new Uint8Array([0xff, 0xfe]), context)).reason,
      "malformed-body"
    )
    const thrown = reasonOf(Webhooks.normalize(webhooks, `{"type":"boom","data":{}}`, context))
    assert.strictEqual(thrown.reason, "invalid-events")
    assert.match(thrown.message, /unknown event type 'boom'/)
    const badType = reasonOf(Webhooks.normalize(webhooks, `{"type":"MOVED","data":{"id":1}}`, context))
    assert.match(badType.message, /event 0: 'eventType' must be CREATED, UPDATED or DELETED \(got "MOVED"\)/)
    const noId = reasonOf(Webhooks.normalize(webhooks, `{"type":"UPDATED","data":{}}`, context))
    assert.match(noId.message, /'objectId'/)
    const badDate = reasonOf(
      Webhooks.normalize(webhooks, `{"type":"UPDATED","data":{"id":1,"at":"soon"}}`, context)
    )
    assert.match(badDate.message, /'date'/)
  })

  it("refuses an event of a resource the declaration does not name, and takes one it names", () => {
    const body = `{"type":"UPDATED","data":{"id":1}}`
    const elsewhere = reasonOf(Webhooks.normalize({ ...webhooks, resources: ["gifts"] }, body, context))
    assert.strictEqual(elsewhere.reason, "invalid-events")
    assert.match(elsewhere.message, /event 0: 'objectType' 'touches' is not one of the resources .*\(gifts\)/)
    const named = Webhooks.normalize({ ...webhooks, resources: ["gifts", "touches"] }, body, context)
    assert.strictEqual(Result.getOrThrow(named)[0]?.objectType, "touches")
  })
})

describe("Webhooks.toEvents", () => {
  const input = {
    instanceId: 12,
    elementKey: "sendoso",
    hubKey: "rewards",
    messageId: "msg_1",
    receivedAt: Date.parse("2026-11-22T10:00:00Z"),
    events: [
      { objectType: "touches", objectId: 7, eventType: "CREATED" as const, record: { id: 7 } },
      {
        objectType: "touches",
        objectId: "8",
        eventType: "DELETED" as const,
        date: "2026-11-22T09:00:00.000Z"
      }
    ]
  }

  it("gives deterministic ids from the message id and object, dated by the event or the receipt", () => {
    const events = Webhooks.toEvents(input)
    assert.deepStrictEqual(Webhooks.toEvents(input), events)
    const [created, deleted] = events
    assert.strictEqual(created!.event.objectId, "7")
    assert.strictEqual(created!.event.date, "2026-11-22T10:00:00.000Z")
    assert.isUndefined(created!.event.updatedDate)
    assert.deepStrictEqual(created!.record, { id: 7 })
    assert.strictEqual(deleted!.event.date, "2026-11-22T09:00:00.000Z")
    assert.strictEqual(deleted!.event.updatedDate, "2026-11-22T09:00:00.000Z")
    assert.strictEqual(deleted!.event.hubKey, "rewards")
    assert.match(created!.event.id, /^[0-9a-f]{32}$/)
    assert.notStrictEqual(created!.event.id, deleted!.event.id)
    const retried = Webhooks.toEvents({ ...input, receivedAt: input.receivedAt + 60_000 })
    assert.strictEqual(retried[0]!.event.id, created!.event.id)
    const another = Webhooks.toEvents({ ...input, messageId: "msg_2" })
    assert.notStrictEqual(another[0]!.event.id, created!.event.id)
    const otherInstance = Webhooks.toEvents({ ...input, instanceId: 13 })
    assert.notStrictEqual(otherInstance[0]!.event.id, created!.event.id)
  })

  it("keeps signature headers away from normalize", () => {
    const headers = Webhooks.contextHeaders(standard, {
      "Svix-Signature": "v1,x",
      "Webhook-Signature": "v1,y",
      "X-Event": "touch.created"
    })
    assert.deepStrictEqual(headers, { "x-event": "touch.created" })
    const hmac = Webhooks.hmacSha256Header({ header: "X-Sig", configKey: "k", encoding: "hex" })
    assert.deepStrictEqual(Webhooks.contextHeaders(hmac, { "X-Sig": "ab", Authorization: "Basic x" }), {})
  })
})

describe("Connector.make with webhooks", () => {
  const base = {
    key: "pushy",
    id: 9100,
    name: "Pushy",
    description: "A vendor that pushes",
    hub: "general",
    baseUrl: "https://pushy.example.com",
    auth: AuthSpec.basic(),
    configuration: {},
    paging: Paging.pageNumber({ pageParam: "page", sizeParam: "per_page", maxPageSize: 50, items: "items" }),
    query: (() => ({ params: {}, residual: undefined })) as never,
    resources: { touches: Resource.make({ path: "/touches", id: "id", verbs: ["list"] }) }
  }
  const webhooks: Webhooks.Webhooks = { scheme: standard, normalize: () => [] }

  it("adds the webhook method and the secret parameter", () => {
    const connector = Connector.make({ ...base, webhooks })
    assert.deepStrictEqual(connector.events.methods, ["polling", "webhook"])
    assert.strictEqual(connector.webhooks, webhooks)
    const param = connector.configuration["webhook.secret"]
    assert.isTrue(param?.secret)
    assert.isFalse(param?.required)
  })

  it("keeps a declared parameter and declared methods, and changes nothing without webhooks", () => {
    const declared = Connector.make({
      ...base,
      configuration: { "webhook.secret": Param.secret({ label: "Svix secret", required: true }) },
      events: { methods: ["webhook"] },
      webhooks
    })
    assert.deepStrictEqual(declared.events.methods, ["webhook"])
    assert.strictEqual(declared.configuration["webhook.secret"]?.label, "Svix secret")
    const plain = Connector.make(base)
    assert.deepStrictEqual(plain.events.methods, ["polling"])
    assert.isUndefined(plain.webhooks)
    assert.isUndefined(plain.configuration["webhook.secret"])
  })
})

describe("Webhooks.resources and event.vendor.type", () => {
  const base = {
    key: "pushy",
    id: 9100,
    name: "Pushy",
    description: "A vendor that pushes",
    hub: "general",
    baseUrl: "https://pushy.example.com",
    auth: AuthSpec.basic(),
    configuration: {},
    paging: Paging.pageNumber({ pageParam: "page", sizeParam: "per_page", maxPageSize: 50, items: "items" }),
    query: (() => ({ params: {}, residual: undefined })) as never,
    resources: {
      touches: Resource.make({ path: "/touches", id: "id", verbs: ["list"] }),
      groups: Resource.make({ path: "/groups", id: "id", verbs: ["list"] })
    }
  }
  const webhooks = (resources?: ReadonlyArray<string>): Webhooks.Webhooks => ({
    scheme: standard,
    normalize: () => [],
    ...(resources === undefined ? {} : { resources })
  })
  const configuration = (values: Record<string, string>) =>
    new Configuration.Configuration(new Map(Object.entries(values)))
  const definitionError = (make: () => unknown): Connector.DefinitionError => {
    try {
      make()
    } catch (error) {
      assert.instanceOf(error, Connector.DefinitionError)
      return error as Connector.DefinitionError
    }
    return assert.fail("Connector.make accepted the definition")
  }

  it("keeps declared resources, and covers every resource when none are named", () => {
    const some = Connector.make({ ...base, webhooks: webhooks(["touches"]) })
    assert.deepStrictEqual(some.webhooks?.resources, ["touches"])
    assert.isTrue(Webhooks.covers(some.webhooks!, "touches"))
    assert.isFalse(Webhooks.covers(some.webhooks!, "groups"))
    const all = Connector.make({ ...base, webhooks: webhooks() })
    assert.isTrue(Webhooks.covers(all.webhooks!, "touches"))
    assert.isTrue(Webhooks.covers(all.webhooks!, "groups"))
  })

  it("refuses, when the connector is made, webhooks naming a resource it does not declare", () => {
    const unknown = definitionError(() =>
      Connector.make({ ...base, webhooks: webhooks(["touches", "gifts"]) })
    )
    assert.strictEqual(unknown._tag, "ConnectorDefinitionError")
    assert.strictEqual(unknown.key, "pushy")
    assert.strictEqual(
      unknown.message,
      `connector 'pushy': webhooks.resources names "gifts", which is not a resource of the connector`
    )
    // Own properties only: an inherited name is not a resource.
    assert.match(
      definitionError(() => Connector.make({ ...base, webhooks: webhooks(["toString"]) })).message,
      /"toString", which is not a resource/
    )
    assert.match(
      definitionError(() => Connector.make({ ...base, webhooks: webhooks(["touches", "touches"]) })).message,
      /webhooks.resources names 'touches' twice/
    )
    assert.match(
      definitionError(() => Connector.make({ ...base, webhooks: webhooks([]) })).message,
      /webhooks.resources is empty; leave it out to cover every resource/
    )
    assert.deepStrictEqual(Webhooks.resourceProblems(undefined, base.resources), [])
    assert.deepStrictEqual(Webhooks.resourceProblems(webhooks(["groups"]), base.resources), [])
  })

  it("offers event.vendor.type webhook only to an element with webhooks", () => {
    const pushing = Connector.make({ ...base, webhooks: webhooks(["touches"]) })
    const param = pushing.configuration[Webhooks.VENDOR_TYPE_KEY]
    assert.deepStrictEqual(param?.options, ["polling", "webhook"])
    assert.strictEqual(param?.default, "polling")
    const polled = Connector.make(base)
    assert.deepStrictEqual(polled.configuration[Webhooks.VENDOR_TYPE_KEY]?.options, ["polling"])
    assert.strictEqual(polled.configuration[Webhooks.VENDOR_TYPE_KEY]?.default, "polling")
    // An element that is never polled would take nothing by default otherwise.
    const pushOnly = Connector.make({ ...base, events: { methods: ["webhook"] }, webhooks: webhooks() })
    assert.strictEqual(pushOnly.configuration[Webhooks.VENDOR_TYPE_KEY]?.default, "webhook")
  })

  it.effect("refuses any other value of event.vendor.type when an instance is decoded, naming the key", () =>
    Effect.gen(function* () {
      const pushing = Connector.make({ ...base, webhooks: webhooks(["touches"]) })
      const polled = Connector.make(base)
      const ok = yield* Configuration.decode(pushing.configuration, { "event.vendor.type": "webhook" })
      assert.strictEqual(Webhooks.vendorTypeOf(pushing, ok), "webhook")
      const bad = yield* Effect.flip(
        Configuration.decode(pushing.configuration, { "event.vendor.type": "push" })
      )
      assert.strictEqual(
        bad.message,
        "invalid configuration: 'event.vendor.type' must be one of polling, webhook (got 'push')"
      )
      const noWebhooks = yield* Effect.flip(
        Configuration.decode(polled.configuration, { "event.vendor.type": "webhook" })
      )
      assert.strictEqual(
        noWebhooks.message,
        "invalid configuration: 'event.vendor.type' must be one of polling (got 'webhook')"
      )
    })
  )

  it("reads the path of an instance and which resources it takes from the webhooks", () => {
    const pushing = Connector.make({ ...base, webhooks: webhooks(["touches"]) })
    const viaWebhook = configuration({ "event.vendor.type": "webhook" })
    const viaPolling = configuration({ "event.vendor.type": "polling" })
    assert.strictEqual(Webhooks.vendorTypeOf(pushing, viaWebhook), "webhook")
    assert.strictEqual(Webhooks.vendorTypeOf(pushing, viaPolling), "polling")
    assert.strictEqual(Webhooks.vendorTypeOf(pushing, configuration({})), "polling")
    assert.isTrue(Webhooks.isPushed(pushing, viaWebhook, "touches"))
    assert.isFalse(Webhooks.isPushed(pushing, viaWebhook, "groups"))
    assert.isFalse(Webhooks.isPushed(pushing, viaPolling, "touches"))
    // A value stored for an element without webhooks never turns polling off.
    const polled = Connector.make(base)
    assert.strictEqual(Webhooks.vendorTypeOf(polled, viaWebhook), "polling")
    assert.isFalse(Webhooks.isPushed(polled, viaWebhook, "touches"))
  })
})
