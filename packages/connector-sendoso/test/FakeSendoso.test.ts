import { afterEach, assert, beforeEach, describe, it } from "@effect/vitest"
import {
  type FakeSendoso,
  FakeSendosoRateLimit,
  FakeSendosoSamples,
  startFakeSendoso,
  timestamp
} from "../src/testing.js"

const redirectUri = "https://mycoolapp.com/oauth/callback"

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString()
})

const json = (body: unknown, token?: string) => ({
  method: "POST",
  headers: {
    "content-type": "application/json",
    ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
  },
  body: JSON.stringify(body)
})

const tokens = async (fake: FakeSendoso) => {
  const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri })
  const response = await fetch(
    fake.tokenUrl,
    form({
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      client_id: "test-client",
      client_secret: "test-secret"
    })
  )
  assert.strictEqual(response.status, 200)
  return (await response.json()) as { access_token: string; refresh_token: string; expires_in: number }
}

const get = (fake: FakeSendoso, path: string, token: string | undefined) =>
  fetch(`${fake.baseUrl}${path}`, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` }
  })

describe("fake Sendoso OAuth", () => {
  let fake: FakeSendoso
  beforeEach(async () => {
    fake = await startFakeSendoso({ rateLimit: false })
  })
  afterEach(() => fake.close())

  it("redirects an authorization with a code and the state, and refuses unknown scopes", async () => {
    const url = new URL(fake.authorizationUrl)
    url.search = new URLSearchParams({
      client_id: "test-client",
      redirect_uri: redirectUri,
      response_type: "code",
      scope: "public write update marketplace smartsend",
      state: "s1"
    }).toString()
    const response = await fetch(url, { redirect: "manual" })
    assert.strictEqual(response.status, 302)
    const back = new URL(response.headers.get("location")!)
    assert.strictEqual(`${back.origin}${back.pathname}`, redirectUri)
    assert.strictEqual(back.searchParams.get("state"), "s1")
    assert.isNotNull(back.searchParams.get("code"))

    url.searchParams.set("scope", "public admin")
    const refused = new URL((await fetch(url, { redirect: "manual" })).headers.get("location")!)
    assert.strictEqual(refused.searchParams.get("error"), "invalid_scope")
    assert.isNull(refused.searchParams.get("code"))
  })

  it("exchanges a code once, for two-hour tokens", async () => {
    const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri })
    const fields = {
      grant_type: "authorization_code",
      code,
      redirect_uri: redirectUri,
      client_id: "test-client",
      client_secret: "test-secret"
    }
    const first = await fetch(fake.tokenUrl, form(fields))
    const body = (await first.json()) as Record<string, unknown>
    assert.strictEqual(first.status, 200)
    assert.strictEqual(body["token_type"], "Bearer")
    assert.strictEqual(body["expires_in"], 7200)
    assert.strictEqual(body["scope"], "public write update marketplace smartsend")
    const again = await fetch(fake.tokenUrl, form(fields))
    assert.strictEqual(again.status, 400)
    assert.strictEqual(((await again.json()) as Record<string, unknown>)["error"], "invalid_grant")
  })

  it("refuses a wrong client secret and a redirect URI other than the authorization's", async () => {
    const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri })
    const wrongSecret = await fetch(
      fake.tokenUrl,
      form({
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        client_id: "test-client",
        client_secret: "nope"
      })
    )
    assert.strictEqual(wrongSecret.status, 401)
    assert.strictEqual(((await wrongSecret.json()) as Record<string, unknown>)["error"], "invalid_client")
    const otherRedirect = await fetch(
      fake.tokenUrl,
      json({
        grant_type: "authorization_code",
        code,
        redirect_uri: "https://elsewhere.example/cb",
        client_id: "test-client",
        client_secret: "test-secret"
      })
    )
    assert.strictEqual(otherRedirect.status, 400)
  })

  it("rotates refresh tokens: the new one works, the old one no longer does (JSON bodies too)", async () => {
    const first = await tokens(fake)
    const refresh = (token: string) =>
      fetch(
        fake.tokenUrl,
        json({
          grant_type: "refresh_token",
          refresh_token: token,
          client_id: "test-client",
          client_secret: "test-secret"
        })
      )
    const rotated = await refresh(first.refresh_token)
    assert.strictEqual(rotated.status, 200)
    const next = (await rotated.json()) as { access_token: string; refresh_token: string }
    assert.notStrictEqual(next.refresh_token, first.refresh_token)
    assert.strictEqual((await refresh(first.refresh_token)).status, 400)
    assert.strictEqual((await refresh(next.refresh_token)).status, 200)
    assert.strictEqual(fake.oauth.liveRefreshTokens().length, 1)
  })

  it("revokes tokens", async () => {
    const { access_token } = await tokens(fake)
    assert.strictEqual((await get(fake, "/me", access_token)).status, 200)
    const revoked = await fetch(`${fake.url}/oauth/revoke`, form({ token: access_token }))
    assert.strictEqual(revoked.status, 200)
    assert.strictEqual((await get(fake, "/me", access_token)).status, 401)
  })
})

describe("fake Sendoso API", () => {
  let fake: FakeSendoso
  let clock = Date.parse("2026-11-22T17:00:00Z")
  beforeEach(async () => {
    clock = Date.parse("2026-11-22T17:00:00Z")
    fake = await startFakeSendoso({ rateLimit: false, now: () => clock })
  })
  afterEach(() => fake.close())

  it("answers 401 in both of Sendoso's body shapes", async () => {
    const missing = await get(fake, "/groups", undefined)
    assert.strictEqual(missing.status, 401)
    assert.deepStrictEqual(await missing.json(), { success: false, message: "The access token is invalid" })
    const unknown = await get(fake, "/groups", "not-a-token")
    assert.deepStrictEqual(await unknown.json(), {
      description: "The access token is invalid",
      expired: false
    })
    const { access_token } = await tokens(fake)
    clock += 7200 * 1000
    const expired = await get(fake, "/groups", access_token)
    assert.strictEqual(expired.status, 401)
    assert.deepStrictEqual(await expired.json(), { description: "The access token expired", expired: true })
  })

  it("pages lists in Sendoso's envelope, capping per_page at 100", async () => {
    for (let n = 0; n < 7; n++) fake.store.add("groups", FakeSendosoSamples.group(n))
    const { access_token } = await tokens(fake)
    const body = (await (await get(fake, "/groups?page=2&per_page=3", access_token)).json()) as Record<
      string,
      unknown
    >
    assert.strictEqual(body["current_page"], 2)
    assert.strictEqual(body["per_page"], 3)
    assert.strictEqual(body["total_groups"], 7)
    assert.deepStrictEqual(
      (body["groups"] as Array<{ name: string }>).map((g) => g.name),
      ["Team 3", "Team 4", "Team 5"]
    )
    const capped = (await (await get(fake, "/groups?per_page=500", access_token)).json()) as Record<
      string,
      unknown
    >
    assert.strictEqual(capped["per_page"], 100)
    const bad = await get(fake, "/groups?page=0", access_token)
    assert.strictEqual(bad.status, 400)
    assert.deepStrictEqual(await bad.json(), { success: false, message: "page must be a positive integer" })
  })

  it("names each list's total as Sendoso does", async () => {
    const group = fake.store.add("groups", FakeSendosoSamples.group(1))
    const touch = fake.store.add("touches", FakeSendosoSamples.touch(1))
    fake.store.add("users", FakeSendosoSamples.user(1, group.id))
    fake.store.add("sends", FakeSendosoSamples.send(1, touch.id))
    const { access_token } = await tokens(fake)
    const keys = async (path: string) =>
      Object.keys((await (await get(fake, path, access_token)).json()) as object)
    assert.deepStrictEqual(await keys("/users"), ["current_page", "per_page", "total_users", "users"])
    assert.deepStrictEqual(await keys("/touches"), ["current_page", "per_page", "total_posts", "touches"])
    assert.deepStrictEqual(await keys("/send"), ["current_page", "per_page", "total_count", "sends"])
    const users = (await (await get(fake, "/users", access_token)).json()) as { users: Array<object> }
    assert.deepStrictEqual(Object.keys(users.users[0]!), [
      "id",
      "first_name",
      "last_name",
      "email",
      "team_group_id"
    ])
  })

  it("stamps records with Sendoso's offset timestamps and moves updated_at on change", () => {
    assert.strictEqual(timestamp(Date.parse("2020-05-01T20:53:05Z")), "2020-05-01T13:53:05.000-07:00")
    assert.strictEqual(timestamp(Date.parse("2020-05-01T20:53:05Z"), 60), "2020-05-01T21:53:05.000+01:00")
    const group = fake.store.add("groups", FakeSendosoSamples.group(1))
    assert.strictEqual(group["created_at"], "2026-11-22T10:00:00.000-07:00")
    assert.strictEqual(group["updated_at"], "2026-11-22T10:00:00.000-07:00")
    clock += 60_000
    const changed = fake.store.change("groups", group.id, { name: "Renamed" })
    assert.strictEqual(changed?.["updated_at"], "2026-11-22T10:01:00.000-07:00")
    assert.strictEqual(changed?.["created_at"], "2026-11-22T10:00:00.000-07:00")
    const touch = fake.store.add("touches", FakeSendosoSamples.touch(2))
    assert.isUndefined(fake.store.change("touches", touch.id, { name: "x" })?.["updated_at"])
    assert.isTrue(fake.store.delete("touches", touch.id))
    assert.isFalse(fake.store.delete("touches", touch.id))
  })

  it("lists a group's members as a bare array and reads campaigns one by one", async () => {
    const group = fake.store.add("groups", FakeSendosoSamples.group(1))
    const other = fake.store.add("groups", FakeSendosoSamples.group(2))
    const member = fake.store.add("users", FakeSendosoSamples.user(1, group.id))
    fake.store.add("users", FakeSendosoSamples.user(2, other.id))
    const touch = fake.store.add("touches", FakeSendosoSamples.touch(1))
    const { access_token } = await tokens(fake)
    const members = (await (await get(fake, `/groups/${group.id}/members`, access_token)).json()) as Array<{
      id: number
      key: string
    }>
    assert.deepStrictEqual(
      members.map((m) => m.id),
      [member.id]
    )
    assert.strictEqual(members[0]?.key, "invite-1")
    const noGroup = await get(fake, "/groups/999999/members", access_token)
    assert.strictEqual(noGroup.status, 404)
    assert.deepStrictEqual(await noGroup.json(), { message: "Group not found!" })
    const one = (await (await get(fake, `/touches/${touch.id}`, access_token)).json()) as { name: string }
    assert.strictEqual(one.name, "Campaign 1")
    const none = await get(fake, "/touches/999999", access_token)
    assert.deepStrictEqual(await none.json(), { success: false, message: "Touch not found" })
  })

  it("filters campaigns by delivery_type", async () => {
    for (let n = 1; n <= 4; n++) fake.store.add("touches", FakeSendosoSamples.touch(n))
    const { access_token } = await tokens(fake)
    const list = async (type: string) =>
      (
        (await (await get(fake, `/touches?delivery_type=${type}`, access_token)).json()) as {
          touches: Array<{ delivery_type: string }>
        }
      ).touches.map((t) => t.delivery_type)
    assert.deepStrictEqual(await list("email"), ["email", "email"])
    assert.deepStrictEqual(await list("mail"), ["mail", "mail"])
    assert.strictEqual((await get(fake, "/touches?delivery_type=fax", access_token)).status, 400)
  })

  it("creates sends from {send:{…}}, checking the campaign and the recipient", async () => {
    const touch = fake.store.add("touches", FakeSendosoSamples.touch(1))
    const { access_token } = await tokens(fake)
    const post = (path: string, body: unknown) => fetch(`${fake.baseUrl}${path}`, json(body, access_token))
    const egift = await post("/send", {
      send: { touch_id: touch.id, email: "r@example.com", via: "single_email_address", via_from: "Plugboard" }
    })
    assert.strictEqual(egift.status, 200)
    const created = (await egift.json()) as Record<string, unknown>
    assert.strictEqual(created["success"], true)
    assert.isString(created["tracking_code"])
    assert.isString(created["tracking_url"])
    assert.strictEqual(fake.store.list("sends").length, 1)

    const noEmail = await post("/send", {
      send: { touch_id: touch.id, via: "single_email_address", via_from: "x" }
    })
    assert.deepStrictEqual(await noEmail.json(), { success: false, message: "email can't be blank" })
    const noTouch = await post("/send", {
      send: { touch_id: 1, email: "r@example.com", via: "single_email_address", via_from: "x" }
    })
    assert.strictEqual(noTouch.status, 404)
    const physical = await post("/send", {
      send: {
        touch_id: touch.id,
        email: "r@example.com",
        via: "single_person_or_company",
        via_from: "x",
        name: "R"
      }
    })
    assert.strictEqual(physical.status, 400)
    assert.include(((await physical.json()) as { message: string }).message, "address can't be blank")
    const unwrapped = await post("/send", { touch_id: touch.id })
    assert.deepStrictEqual(await unwrapped.json(), {
      success: false,
      message: "param is missing or the value is empty: send"
    })

    const links = await post("/send/generate_egift_links", {
      send: {
        touch_id: touch.id,
        via: "generate_egift_links",
        via_from: "Plugboard",
        recipient_users: [{ email: "a@example.com" }, { email: "b@example.com" }]
      }
    })
    const linkBody = (await links.json()) as {
      egift_links: Array<{ recipient_email_or_phone_number: string }>
    }
    assert.deepStrictEqual(
      linkBody.egift_links.map((l) => l.recipient_email_or_phone_number),
      ["a@example.com", "b@example.com"]
    )
  })

  it("invites users to a team group", async () => {
    const group = fake.store.add("groups", FakeSendosoSamples.group(1))
    const { access_token } = await tokens(fake)
    const invite = (user: Record<string, unknown>) =>
      fetch(`${fake.baseUrl}/users`, json({ user }, access_token))
    const ok = await invite({
      first_name: "A",
      last_name: "B",
      email: "a@example.com",
      role: "manager",
      team_group_id: group.id
    })
    assert.strictEqual(ok.status, 201)
    assert.strictEqual(((await ok.json()) as Record<string, unknown>)["invitation_status"], "pending")
    const badRole = await invite({
      first_name: "A",
      last_name: "B",
      email: "a@example.com",
      role: "admin",
      team_group_id: group.id
    })
    assert.deepStrictEqual(await badRole.json(), {
      success: false,
      message: "Role can be one of these: manager,regular"
    })
  })

  it("has no return-address endpoint unless asked to serve one", async () => {
    const { access_token } = await tokens(fake)
    const missing = await get(fake, "/return_addresses", access_token)
    assert.strictEqual(missing.status, 404)
    assert.deepStrictEqual(await missing.json(), { status: 404, error: "Not Found" })
    const serving = await startFakeSendoso({ rateLimit: false, returnAddresses: true })
    try {
      serving.store.add("return_addresses", FakeSendosoSamples.returnAddress(1))
      const t = await tokens(serving)
      const body = (await (await get(serving, "/return_addresses", t.access_token)).json()) as Record<
        string,
        unknown
      >
      assert.strictEqual(body["total_return_addresses"], 1)
    } finally {
      await serving.close()
    }
  })

  it("injects outages", async () => {
    const { access_token } = await tokens(fake)
    fake.failNext(503)
    assert.strictEqual((await get(fake, "/me", access_token)).status, 503)
    assert.strictEqual((await get(fake, "/me", access_token)).status, 200)
    assert.deepStrictEqual(
      fake.requests.map((r) => [r.path, r.status]),
      [
        ["/me", 503],
        ["/me", 200]
      ]
    )
  })
})

describe("fake Sendoso throttle", () => {
  it("refuses the 11th call within a second with 429 and X-Rate-Limit-Reset", async () => {
    let clock = 1_000_000
    const fake = await startFakeSendoso({ rateClock: () => clock })
    try {
      const { access_token } = await tokens(fake)
      for (let i = 0; i < 10; i++) assert.strictEqual((await get(fake, "/me", access_token)).status, 200)
      const refused = await get(fake, "/me", access_token)
      assert.strictEqual(refused.status, 429)
      assert.strictEqual(refused.headers.get("x-rate-limit-reset"), "1")
      assert.strictEqual(((await refused.json()) as { success: boolean }).success, false)
      clock += 1000
      assert.strictEqual((await get(fake, "/me", access_token)).status, 200)
      assert.strictEqual(fake.rateLimit?.refused, 1)
    } finally {
      await fake.close()
    }
  })

  it("counts per client", () => {
    const limit = new FakeSendosoRateLimit({ requests: 1, windowMillis: 1000 }, () => 0)
    assert.isUndefined(limit.admit("a"))
    assert.isUndefined(limit.admit("b"))
    assert.strictEqual(limit.admit("a")?.status, 429)
  })
})
