import { assert, describe, it } from "@effect/vitest"
import { Events, WebhookSignature } from "@plugboard/core"
import { Option, Redacted, Result, Schema } from "effect"
import * as fc from "fast-check"

const contractBody = {
  message: {
    eventId: "e1",
    instanceId: 123,
    instance_id: 123,
    elementKey: "sagecrm",
    accountId: 1,
    userId: 1,
    events: [
      {
        eventType: "CREATED",
        objectType: "accounts",
        objectId: "42",
        elementKey: "sagecrm",
        hubKey: "crm",
        date: "2026-11-22T10:00:00Z",
        id: "0123456789abcdef0123456789abcdef"
      }
    ],
    raw: { objectType: "accounts", accounts: [{ comp_companyid: 42, comp_name: "Acme" }] }
  }
}

const event = (objectType: string, objectId: string, version = "2026-11-22T10:00:00Z") => ({
  id: Events.eventId({ instanceId: 123, resource: objectType, objectId, version }),
  eventType: "UPDATED" as const,
  objectType,
  objectId,
  date: version,
  updatedDate: version
})

describe("Events schemas", () => {
  it("decode the callback body of contract §7", () => {
    const decoded = Schema.decodeUnknownSync(Events.Notification)(contractBody)
    assert.strictEqual(decoded.message.instance_id, 123)
    assert.strictEqual(decoded.message.raw.objectType, "accounts")
    assert.deepStrictEqual(decoded.message.raw["accounts"], [{ comp_companyid: 42, comp_name: "Acme" }])
    assert.strictEqual(decoded.message.events[0]?.eventType, "CREATED")
  })

  it("reject a body with a wrong event type or a missing field", () => {
    const wrongType = structuredClone(contractBody) as { message: { events: Array<{ eventType: string }> } }
    wrongType.message.events[0]!.eventType = "TOUCHED"
    assert.isTrue(Result.isFailure(Schema.decodeUnknownResult(Events.Notification)(wrongType)))
    const { elementKey: _, ...withoutKey } = contractBody.message
    assert.isTrue(Result.isFailure(Schema.decodeUnknownResult(Events.Notification)({ message: withoutKey })))
  })
})

describe("Events ids and hashes", () => {
  it("eventId is deterministic, 32 hex characters, and changes with every input", () => {
    const base = { instanceId: 123, resource: "accounts", objectId: "42", version: "2026-11-22T10:00:00Z" }
    const id = Events.eventId(base)
    assert.match(id, /^[0-9a-f]{32}$/)
    assert.strictEqual(Events.eventId({ ...base }), id)
    assert.strictEqual(Events.eventId({ ...base, instanceId: "123" }), id)
    const variants = [
      { ...base, instanceId: 124 },
      { ...base, resource: "contacts" },
      { ...base, objectId: "43" },
      { ...base, version: "2026-11-22T10:00:01Z" },
      // No separator ambiguity between fields.
      { ...base, resource: "accounts|42", objectId: "" }
    ]
    const ids = new Set([id, ...variants.map(Events.eventId)])
    assert.strictEqual(ids.size, variants.length + 1)
  })

  it("contentHash ignores key order but not content", () => {
    const a = { id: 1, name: "Acme", address: { city: "Denver", zip: "80202" }, tags: ["x", "y"] }
    const b = { tags: ["x", "y"], address: { zip: "80202", city: "Denver" }, name: "Acme", id: 1 }
    assert.strictEqual(Events.contentHash(a), Events.contentHash(b))
    assert.match(Events.contentHash(a), /^[0-9a-f]{64}$/)
    assert.notStrictEqual(Events.contentHash(a), Events.contentHash({ ...a, tags: ["y", "x"] }))
    assert.notStrictEqual(Events.contentHash(a), Events.contentHash({ ...a, id: "1" }))
    assert.strictEqual(Events.contentHash({ ...a, gone: undefined }), Events.contentHash(a))
  })

  it("contentHash is stable under any key permutation (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const shuffled = JSON.parse(JSON.stringify(value), (_key, inner: unknown) =>
          inner !== null && typeof inner === "object" && !Array.isArray(inner)
            ? Object.fromEntries(Object.entries(inner).reverse())
            : inner
        ) as unknown
        assert.strictEqual(Events.contentHash(shuffled), Events.contentHash(value))
      }),
      { numRuns: 200 }
    )
  })

  it("canonicalJson sorts keys and survives odd values", () => {
    assert.strictEqual(
      Events.canonicalJson({ b: 1, a: [1, undefined, { d: null, c: true }] }),
      `{"a":[1,null,{"c":true,"d":null}],"b":1}`
    )
    assert.strictEqual(
      Events.canonicalJson({ n: Number.NaN, big: 10n, at: new Date(0) }),
      `{"at":"1970-01-01T00:00:00.000Z","big":"10","n":null}`
    )
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic["self"] = cyclic
    assert.strictEqual(Events.canonicalJson(cyclic), `{"a":1,"self":"[Circular]"}`)
  })
})

describe("Events.batchNotifications", () => {
  const identity = { instanceId: 123, elementKey: "sagecrm", hubKey: "crm", accountId: 1, userId: 7 }

  it("groups per object type, at most 10 events each, with raw records of that type", () => {
    const events = [
      ...Array.from({ length: 25 }, (_, index) => ({
        event: event("accounts", String(index)),
        record: { comp_companyid: index }
      })),
      ...Array.from({ length: 3 }, (_, index) => ({
        event: event("contacts", String(index)),
        record: { pers_personid: index }
      }))
    ]
    // Interleave so grouping is needed.
    const mixed = [events[0]!, events[25]!, ...events.slice(1, 25), events[26]!, events[27]!]
    const notifications = Events.batchNotifications({ ...identity, events: mixed })
    assert.deepStrictEqual(
      notifications.map((n) => [n.message.raw.objectType, n.message.events.length]),
      [
        ["accounts", 10],
        ["accounts", 10],
        ["accounts", 5],
        ["contacts", 3]
      ]
    )
    const first = notifications[0]!.message
    assert.strictEqual(first.instanceId, 123)
    assert.strictEqual(first.instance_id, 123)
    assert.strictEqual(first.elementKey, "sagecrm")
    assert.strictEqual(first.accountId, 1)
    assert.strictEqual(first.userId, 7)
    assert.deepStrictEqual(
      first.events.map((e) => e.objectId),
      ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]
    )
    assert.deepStrictEqual(
      first.raw["accounts"],
      Array.from({ length: 10 }, (_, index) => ({ comp_companyid: index }))
    )
    assert.strictEqual(first.events[0]!.hubKey, "crm")
    assert.strictEqual(first.events[0]!.elementKey, "sagecrm")
    const contacts = notifications[3]!.message
    assert.deepStrictEqual(Object.keys(contacts.raw).sort(), ["contacts", "objectType"])
    for (const notification of notifications) {
      assert.isTrue(Result.isSuccess(Schema.decodeUnknownResult(Events.Notification)(notification)))
    }
  })

  it("gives a retried batch the same notification id, a different batch a different one", () => {
    const entries = [0, 1, 2].map((index) => ({ event: event("accounts", String(index)), record: { index } }))
    const once = Events.batchNotifications({ ...identity, events: entries })[0]!.message.eventId
    const again = Events.batchNotifications({ ...identity, events: [...entries].reverse() })[0]!.message
      .eventId
    assert.strictEqual(once, again)
    assert.match(once, /^[0-9a-f]{32}$/)
    const changed = Events.batchNotifications({
      ...identity,
      events: [...entries.slice(0, 2), { event: event("accounts", "2", "2026-11-22T11:00:00Z"), record: {} }]
    })[0]!.message.eventId
    assert.notStrictEqual(once, changed)
  })

  it("honours maxPerNotification, keeps event keys it is given, and leaves out missing records", () => {
    const entries = [
      {
        event: {
          ...event("accounts", "1"),
          eventType: "DELETED" as const,
          elementKey: "other",
          hubKey: "crm2"
        }
      },
      { event: event("accounts", "2"), record: { id: 2 } }
    ]
    const single = Events.batchNotifications({ ...identity, events: entries, maxPerNotification: 1 })
    assert.strictEqual(single.length, 2)
    assert.deepStrictEqual(single[0]!.message.raw["accounts"], [])
    assert.strictEqual(single[0]!.message.events[0]!.elementKey, "other")
    assert.strictEqual(single[0]!.message.events[0]!.hubKey, "crm2")
    assert.strictEqual(
      Events.batchNotifications({ ...identity, events: entries, maxPerNotification: 0 }).length,
      2
    )
    assert.strictEqual(
      Events.batchNotifications({ ...identity, events: entries, maxPerNotification: 2.7 }).length,
      1
    )
    assert.deepStrictEqual(Events.batchNotifications({ ...identity, events: [] }), [])
  })

  it("encodes the body as exact JSON text", () => {
    const [notification] = Events.batchNotifications({
      ...identity,
      events: [{ event: event("accounts", "1"), record: { id: 1 } }]
    })
    const body = Events.encodeNotification(notification!)
    assert.deepStrictEqual(JSON.parse(body), notification)
  })
})

describe("Events retry policy", () => {
  it("has the Svix and legacy schedules", () => {
    assert.deepStrictEqual(
      Events.RetrySchedule.svix,
      [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]
    )
    assert.deepStrictEqual(
      Events.RetrySchedule.legacyElements,
      [0, 4_000, 16_000, 64_000, 256_000, 1_024_000, 4_096_000, 16_384_000, 65_536_000, 262_144_000]
    )
  })

  it("nextDelay applies ±20 % jitter and ends with the schedule", () => {
    const schedule = Events.RetrySchedule.svix
    assert.deepStrictEqual(Events.nextDelay(schedule, 0, 0.3), Option.some(0))
    assert.deepStrictEqual(Events.nextDelay(schedule, 1, 0), Option.some(4_000))
    assert.deepStrictEqual(Events.nextDelay(schedule, 1, 0.5), Option.some(5_000))
    assert.deepStrictEqual(Events.nextDelay(schedule, 1, 1), Option.some(6_000))
    assert.deepStrictEqual(Events.nextDelay(schedule, 2, 2), Option.some(360_000))
    assert.deepStrictEqual(Events.nextDelay(schedule, 8, 0.5), Option.none())
    assert.deepStrictEqual(Events.nextDelay(schedule, -1, 0.5), Option.none())
    assert.deepStrictEqual(Events.nextDelay(schedule, 1.5, 0.5), Option.none())
    assert.deepStrictEqual(
      Events.nextDelay(Events.RetrySchedule.legacyElements, 9, 0.5),
      Option.some(262_144_000)
    )
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, random) => {
          const base = schedule[attempt]!
          const delay = Option.getOrThrow(Events.nextDelay(schedule, attempt, random))
          assert.isAtLeast(delay, Math.floor(base * 0.8))
          assert.isAtMost(delay, Math.ceil(base * 1.2))
        }
      )
    )
  })

  it("honours Retry-After within 1×–2× of the schedule", () => {
    assert.strictEqual(Events.honourRetryAfter(5_000, undefined), 5_000)
    assert.strictEqual(Events.honourRetryAfter(5_000, 1_000), 5_000)
    assert.strictEqual(Events.honourRetryAfter(5_000, 7_000), 7_000)
    assert.strictEqual(Events.honourRetryAfter(5_000, 60_000), 10_000)
    assert.strictEqual(Events.honourRetryAfter(5_000, Number.NaN), 5_000)
    assert.strictEqual(Events.honourRetryAfter(5_000, -1), 5_000)
  })

  it("parses Retry-After seconds and dates", () => {
    const now = Date.UTC(2026, 10, 22, 10, 0, 0)
    assert.strictEqual(Events.parseRetryAfter("120", now), 120_000)
    assert.strictEqual(Events.parseRetryAfter("Sun, 22 Nov 2026 10:01:00 GMT", now), 60_000)
    assert.strictEqual(Events.parseRetryAfter("Sun, 22 Nov 2026 09:00:00 GMT", now), 0)
    assert.strictEqual(Events.parseRetryAfter("soon", now), undefined)
    assert.strictEqual(Events.parseRetryAfter(null, now), undefined)
  })

  it("classifies callback statuses", () => {
    const cases: Array<[number | undefined, Events.DeliveryOutcome]> = [
      [200, "delivered"],
      [202, "delivered"],
      [204, "delivered"],
      [299, "delivered"],
      [301, "retry"],
      [302, "retry"],
      [304, "retry"],
      [400, "retry"],
      [401, "retry"],
      [404, "retry"],
      [410, "disable"],
      [429, "retry"],
      [500, "retry"],
      [503, "retry"],
      [undefined, "retry"]
    ]
    for (const [status, outcome] of cases)
      assert.strictEqual(Events.classifyStatus(status), outcome, String(status))
    assert.isTrue(Events.isSuccess(200))
    assert.isFalse(Events.isSuccess(302))
    assert.isFalse(Events.isSuccess(199))
  })
})

describe("Events.deliveryHeaders", () => {
  it("sends every header when Basic auth and a signature key are configured", () => {
    const body = `{"test": 2432232314}`
    const headers = Events.deliveryHeaders({
      body,
      webhookId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestampSeconds: 1614265330,
      signatureKey: Redacted.make("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
      basic: { username: "CompanyName123", password: Redacted.make("P@$$w0rd") }
    })
    assert.deepStrictEqual(Object.keys(headers).sort(), [
      "Authorization",
      "Content-Type",
      "Elements-Webhook-Id",
      "Elements-Webhook-Signature",
      "webhook-id",
      "webhook-signature",
      "webhook-timestamp"
    ])
    assert.strictEqual(headers["Content-Type"], "application/json")
    assert.strictEqual(headers["Elements-Webhook-Id"], "msg_p5jXN8AQM9LWM0D4loKWxJek")
    assert.strictEqual(headers["webhook-id"], "msg_p5jXN8AQM9LWM0D4loKWxJek")
    assert.strictEqual(headers["webhook-timestamp"], "1614265330")
    assert.strictEqual(headers["webhook-signature"], "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    assert.strictEqual(
      headers["Authorization"],
      `Basic ${Buffer.from("CompanyName123:P@$$w0rd").toString("base64")}`
    )
    assert.isTrue(
      Result.isSuccess(
        WebhookSignature.verifyElements(
          "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
          body,
          headers["Elements-Webhook-Signature"]
        )
      )
    )
    assert.isTrue(
      Result.isSuccess(
        WebhookSignature.verify({
          headers,
          body,
          secrets: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
          now: 1614265330_000
        })
      )
    )
  })

  it("sends no signature or Authorization without their configuration", () => {
    const headers = Events.deliveryHeaders({ body: "{}", webhookId: "abc", timestampSeconds: 1 })
    assert.deepStrictEqual(headers, {
      "Content-Type": "application/json",
      "Elements-Webhook-Id": "abc",
      "webhook-id": "abc",
      "webhook-timestamp": "1"
    })
  })
})
