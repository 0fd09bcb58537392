import { assert, describe, it } from "@effect/vitest"
import { ConnectorError } from "@plugboard/core"
import { Effect, Stream } from "effect"
import { fakeSendoso, FakeSendosoSamples } from "../src/testing.js"
import { connect, services } from "./SendosoConnect.js"

describe("Sendoso through a connection", () => {
  it.live("exchanges the code with the seed's keys and proves the credentials on /me", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      const { connection } = yield* connect(fake)
      yield* connection.check()
      assert.deepStrictEqual(fake.oauth.tokenRequests, [
        { grantType: "authorization_code", redirectUri: "https://mycoolapp.com/oauth/callback", status: 200 }
      ])
      const me = fake.requests.find((r) => r.path === "/me")
      assert.match(me?.headers["authorization"] ?? "", /^Bearer .+/)
    }).pipe(Effect.provide(services))
  )

  it.live("pages with page/per_page and stops when page × per_page reaches the total", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      for (let n = 0; n < 7; n++) fake.store.add("groups", FakeSendosoSamples.group(n))
      const { connection } = yield* connect(fake)
      const first = yield* connection.list({ resource: "groups", pageSize: 3, returnCount: true })
      assert.strictEqual(first.records.length, 3)
      assert.strictEqual(first.total, 7)
      assert.isDefined(first.nextPage)
      const all = yield* Stream.runCollect(connection.stream({ resource: "groups", pageSize: 3 }))
      assert.strictEqual(all.length, 7)
      const calls = fake.requests.filter((r) => r.path === "/groups").map((r) => r.query.toString())
      // The streamed walk asks pages 1, 2 and 3 only: the third reaches the total of 7.
      assert.deepStrictEqual(calls.slice(-3), ["page=1&per_page=3", "page=2&per_page=3", "page=3&per_page=3"])
    }).pipe(Effect.provide(services))
  )

  it.live("lists a group's members, reads a campaign and filters campaigns by delivery_type at Sendoso", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      const group = fake.store.add("groups", FakeSendosoSamples.group(1))
      fake.store.add("users", FakeSendosoSamples.user(1, group.id))
      fake.store.add("users", FakeSendosoSamples.user(2, group.id))
      for (let n = 1; n <= 4; n++) fake.store.add("touches", FakeSendosoSamples.touch(n))
      const { connection } = yield* connect(fake)

      const members = yield* connection.children("groups", String(group.id), "members")
      assert.deepStrictEqual(
        members.records.map((m) => m["email"]),
        ["user1@example.com", "user2@example.com"]
      )
      const touch = fake.store.list("touches")[0]!
      const read = yield* connection.get("touches", String(touch.id))
      assert.strictEqual(read["name"], "Campaign 1")

      const egifts = yield* connection.list({ resource: "touches", where: "delivery_type = 'email'" })
      assert.deepStrictEqual(
        egifts.records.map((t) => t["name"]),
        ["Campaign 1", "Campaign 3"]
      )
      const call = fake.requests.filter((r) => r.path === "/touches").at(-1)
      assert.strictEqual(call?.query.get("delivery_type"), "email")

      const named = yield* connection.list({ resource: "touches", where: "name = 'Campaign 2'" })
      assert.deepStrictEqual(
        named.records.map((t) => t["id"]),
        [fake.store.list("touches")[1]!.id]
      )
    }).pipe(Effect.provide(services))
  )

  it.live("lists members, an unpaged array, whole at the default page size", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      const group = fake.store.add("groups", FakeSendosoSamples.group(1))
      for (let n = 0; n < 30; n++) fake.store.add("users", FakeSendosoSamples.user(n, group.id))
      const { connection } = yield* connect(fake)
      const members = yield* connection.children("groups", String(group.id), "members")
      assert.strictEqual(members.records.length, 30)
      assert.isUndefined(members.nextPage)
      // A smaller page than the array: Sendoso ignores per_page here, and core says so.
      const small = yield* Effect.flip(
        connection.children("groups", String(group.id), "members", { pageSize: 5 })
      )
      assert.include(small.message, "seems to ignore 'per_page'")
      const missing = yield* Effect.flip(connection.children("groups", "999999", "members"))
      assert.strictEqual(
        missing instanceof ConnectorError.ConnectorError ? missing.providerMessage : undefined,
        "Group not found!"
      )
    }).pipe(Effect.provide(services))
  )

  it.live("creates a gift with POST /send wrapped in send, and refuses other verbs", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      const touch = fake.store.add("touches", FakeSendosoSamples.touch(1))
      const { connection } = yield* connect(fake)
      const created = yield* connection.create("gifts", {
        touch_id: touch.id,
        email: "someone@example.com",
        via: "single_email_address",
        via_from: "Plugboard"
      })
      assert.strictEqual(created["success"], true)
      assert.isString(created["tracking_code"])
      const post = fake.requests.find((r) => r.method === "POST")
      assert.strictEqual(post?.path, "/send")
      assert.deepStrictEqual(Object.keys(post?.body as object), ["send"])
      const gifts = yield* connection.list({ resource: "gifts" })
      assert.strictEqual(gifts.records[0]?.["tracking_code"], created["tracking_code"])

      const update = yield* Effect.flip(connection.update("gifts", "1", { status: "x" }))
      assert.strictEqual(update.message, "update gifts: gifts does not allow update; it allows list, create")
    }).pipe(Effect.provide(services))
  )

  it.live(
    "refreshes an expired token on Sendoso's 401 {description, expired} and keeps the rotated refresh token",
    () =>
      Effect.gen(function* () {
        let clock = Date.now()
        const fake = yield* fakeSendoso({ rateLimit: false, now: () => clock })
        fake.store.add("groups", FakeSendosoSamples.group(1))
        const { connection } = yield* connect(fake)
        yield* connection.list({ resource: "groups" })
        clock += 7200 * 1000 + 1000
        const afterExpiry = yield* connection.list({ resource: "groups" })
        assert.strictEqual(afterExpiry.records.length, 1)
        assert.deepStrictEqual(
          fake.oauth.tokenRequests.map((r) => [r.grantType, r.status]),
          [
            ["authorization_code", 200],
            ["refresh_token", 200]
          ]
        )
        // Once more, with the refresh token Sendoso rotated in.
        clock += 7200 * 1000 + 1000
        yield* connection.list({ resource: "groups" })
        assert.deepStrictEqual(
          fake.oauth.tokenRequests.map((r) => r.status),
          [200, 200, 200]
        )
        assert.strictEqual(fake.oauth.liveRefreshTokens().length, 1)
      }).pipe(Effect.provide(services))
  )

  it.live("waits out a 429 for the seconds of X-Rate-Limit-Reset and repeats the call", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      fake.store.add("groups", FakeSendosoSamples.group(1))
      const { connection } = yield* connect(fake)
      fake.failNext(429)
      const started = Date.now()
      const page = yield* connection.list({ resource: "groups" })
      assert.strictEqual(page.records.length, 1)
      assert.isAtLeast(Date.now() - started, 900)
      assert.deepStrictEqual(
        fake.requests.filter((r) => r.path === "/groups").map((r) => r.status),
        [429, 200]
      )
    }).pipe(Effect.provide(services))
  )

  it.live("paces calls to Sendoso's 10 requests per second", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso()
      for (let n = 0; n < 24; n++) fake.store.add("touches", FakeSendosoSamples.touch(n))
      // The connector's own pace: no test burst.
      const { connection } = yield* connect(fake, {}, { baseDelayMillis: 10 })
      const started = Date.now()
      const all = yield* Stream.runCollect(connection.stream({ resource: "touches", pageSize: 1 }))
      assert.strictEqual(all.length, 24)
      // 24 list calls spaced 100 ms apart take at least 2.3 s.
      assert.isAtLeast(Date.now() - started, 2200)
      // Evenly spaced calls can still meet the strict window when network delays bunch them up; such a
      // 429 is waited out and repeated, and it stays rare.
      assert.isAtMost(fake.rateLimit?.refused ?? 0, 2)
    }).pipe(Effect.provide(services))
  )
})
