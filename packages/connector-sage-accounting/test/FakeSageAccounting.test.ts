import { afterEach, assert, describe, it } from "@effect/vitest"
import {
  type FakeSageAccounting,
  type FakeSageAccountingOptions,
  startFakeSageAccounting
} from "../src/testing.js"

const started: Array<FakeSageAccounting> = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((fake) => fake.close()))
})

const T0 = Date.parse("2026-11-22T10:00:00Z")

const start = async (options: FakeSageAccountingOptions = {}) => {
  const clock = { now: T0 }
  const fake = await startFakeSageAccounting({ now: () => clock.now, ...options })
  started.push(fake)
  return { fake, clock }
}

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString()
})

const exchange = async (fake: FakeSageAccounting, code: string, redirectUri = "https://app.example/cb") => {
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
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const refresh = async (fake: FakeSageAccounting, refreshToken: string) => {
  const response = await fetch(
    fake.tokenUrl,
    form({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: "test-client",
      client_secret: "test-secret"
    })
  )
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

const login = async (fake: FakeSageAccounting): Promise<string> => {
  const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri: "https://app.example/cb" })
  const { body } = await exchange(fake, code)
  return String(body["access_token"])
}

const api = async (fake: FakeSageAccounting, token: string, path: string, init: RequestInit = {}) => {
  const response = await fetch(`${fake.baseUrl}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
      ...(init.headers as Record<string, string> | undefined)
    }
  })
  const text = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? undefined : JSON.parse(text)
  }
}

describe("fake Sage Accounting: OAuth", () => {
  it("authorize redirects back with a code, the state and the country", async () => {
    const { fake } = await start()
    const url = new URL(fake.authorizationUrl)
    url.searchParams.set("client_id", "test-client")
    url.searchParams.set("response_type", "code")
    url.searchParams.set("redirect_uri", "https://app.example/cb")
    url.searchParams.set("scope", "full_access")
    url.searchParams.set("state", "xyz")
    url.searchParams.set("country", "US")
    const response = await fetch(url, { redirect: "manual" })
    assert.strictEqual(response.status, 302)
    const location = new URL(response.headers.get("location") ?? "")
    assert.strictEqual(location.origin + location.pathname, "https://app.example/cb")
    assert.strictEqual(location.searchParams.get("state"), "xyz")
    assert.strictEqual(location.searchParams.get("country"), "US")
    const code = location.searchParams.get("code") ?? ""
    const { status, body } = await exchange(fake, code)
    assert.strictEqual(status, 200)
    assert.strictEqual(body["token_type"], "bearer")
    assert.strictEqual(body["expires_in"], 300)
    assert.isString(body["refresh_token"])
  })

  it("authorize refuses a missing filter, a bad scope and an unknown client", async () => {
    const { fake } = await start({
      clients: [{ clientId: "c", clientSecret: "s", redirectUris: ["https://app.example/cb"] }]
    })
    const base = `${fake.url}/oauth2/auth/central?client_id=c&response_type=code&redirect_uri=${encodeURIComponent("https://app.example/cb")}`
    const noFilter = await fetch(base, { redirect: "manual" })
    assert.strictEqual(
      new URL(noFilter.headers.get("location") ?? "").searchParams.get("error"),
      "invalid_request"
    )
    const badScope = await fetch(`${base}&filter=apiv3.1&scope=everything`, { redirect: "manual" })
    assert.strictEqual(
      new URL(badScope.headers.get("location") ?? "").searchParams.get("error"),
      "invalid_scope"
    )
    const unknown = await fetch(base.replace("client_id=c", "client_id=nobody"), { redirect: "manual" })
    assert.strictEqual(unknown.status, 400)
    const otherRedirect = await fetch(
      `${fake.url}/oauth2/auth/central?filter=apiv3.1&client_id=c&response_type=code&redirect_uri=https%3A%2F%2Fevil.example%2Fcb`,
      { redirect: "manual" }
    )
    assert.strictEqual(otherRedirect.status, 400)
  })

  it("codes are single use, expire after 60 s and must match the redirect URI", async () => {
    const { fake, clock } = await start()
    const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri: "https://app.example/cb" })
    assert.strictEqual((await exchange(fake, code)).status, 200)
    const again = await exchange(fake, code)
    assert.strictEqual(again.status, 400)
    assert.strictEqual(again.body["error"], "invalid_grant")
    assert.strictEqual(fake.oauth.revokedFamilies, 1)

    const other = fake.oauth.issueCode({ clientId: "test-client", redirectUri: "https://app.example/cb" })
    assert.strictEqual(
      (await exchange(fake, other, "https://app.example/other")).body["error"],
      "invalid_grant"
    )

    const late = fake.oauth.issueCode({ clientId: "test-client", redirectUri: "https://app.example/cb" })
    clock.now += 61_000
    assert.strictEqual((await exchange(fake, late)).body["error"], "invalid_grant")
    assert.strictEqual((await exchange(fake, "not-a-code")).body["error"], "invalid_grant")
  })

  it("the token endpoint wants a form body and the client's credentials (post or basic)", async () => {
    const { fake } = await start()
    const json = await fetch(fake.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "authorization_code" })
    })
    assert.strictEqual(json.status, 400)
    const wrong = await fetch(
      fake.tokenUrl,
      form({
        grant_type: "refresh_token",
        refresh_token: "x",
        client_id: "test-client",
        client_secret: "nope"
      })
    )
    assert.strictEqual(wrong.status, 401)
    assert.deepStrictEqual(await wrong.json(), {
      error: "invalid_client",
      error_description: "client authentication failed"
    })
    const code = fake.oauth.issueCode({ clientId: "test-client" })
    const basic = await fetch(fake.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from("test-client:test-secret").toString("base64")}`
      },
      body: new URLSearchParams({ grant_type: "authorization_code", code }).toString()
    })
    assert.strictEqual(basic.status, 200)
  })

  it("refresh tokens rotate; reusing an old one revokes the whole family", async () => {
    const { fake } = await start()
    const code = fake.oauth.issueCode({ clientId: "test-client", redirectUri: "https://app.example/cb" })
    const first = (await exchange(fake, code)).body
    const second = await refresh(fake, String(first["refresh_token"]))
    assert.strictEqual(second.status, 200)
    assert.notStrictEqual(second.body["refresh_token"], first["refresh_token"])
    assert.deepStrictEqual(fake.oauth.liveRefreshTokens(), [String(second.body["refresh_token"])])

    const reuse = await refresh(fake, String(first["refresh_token"]))
    assert.strictEqual(reuse.status, 400)
    assert.strictEqual(reuse.body["error"], "invalid_grant")
    assert.strictEqual(
      (await refresh(fake, String(second.body["refresh_token"]))).body["error"],
      "invalid_grant"
    )
    assert.strictEqual((await api(fake, String(second.body["access_token"]), "/contacts")).status, 401)
  })

  it("refuses missing and expired bearer tokens with 401", async () => {
    const { fake, clock } = await start({ accessTokenSeconds: 120 })
    const token = await login(fake)
    assert.strictEqual((await api(fake, token, "/contacts")).status, 200)
    assert.strictEqual((await fetch(`${fake.baseUrl}/contacts`)).status, 401)
    clock.now += 120_000
    const expired = await api(fake, token, "/contacts")
    assert.strictEqual(expired.status, 401)
    assert.strictEqual(expired.body[0].$dataCode, "Unauthorized")
  })
})

describe("fake Sage Accounting: API", () => {
  it("pages in the $items envelope and $next links walk every record once", async () => {
    const { fake } = await start()
    const token = await login(fake)
    for (let i = 0; i < 45; i++)
      fake.store.insert("contacts", { name: `C${i}`, contact_type_ids: ["CUSTOMER"] })
    const first = await api(fake, token, "/contacts?items_per_page=20")
    assert.strictEqual(first.body.$total, 45)
    assert.strictEqual(first.body.$page, 1)
    assert.strictEqual(first.body.$itemsPerPage, 20)
    assert.strictEqual(first.body.$back, null)
    assert.deepStrictEqual(Object.keys(first.body.$items[0]).sort(), ["$path", "displayed_as", "id"])
    const seen: Array<string> = []
    let next: string | null = "/contacts?items_per_page=20"
    while (next !== null) {
      const page = await api(fake, token, next)
      for (const item of page.body.$items) seen.push(item.id)
      next = page.body.$next
    }
    assert.strictEqual(seen.length, 45)
    assert.strictEqual(new Set(seen).size, 45)
    const last = await api(fake, token, "/contacts?items_per_page=20&page=3")
    assert.strictEqual(last.body.$items.length, 5)
    assert.strictEqual(last.body.$next, null)
    assert.isString(last.body.$back)

    const tooMany = await api(fake, token, "/contacts?items_per_page=201")
    assert.strictEqual(tooMany.status, 422)
    assert.strictEqual(tooMany.body[0].$source, "items_per_page")
    assert.strictEqual((await api(fake, token, "/contacts")).body.$itemsPerPage, 20)
  })

  it("attributes adds fields to list items; 'all' shows everything", async () => {
    const { fake } = await start()
    const token = await login(fake)
    fake.store.insert("contacts", { name: "Acme", reference: "ACME", contact_type_ids: ["CUSTOMER"] })
    const some = await api(fake, token, "/contacts?attributes=created_at,updated_at")
    assert.deepStrictEqual(Object.keys(some.body.$items[0]).sort(), [
      "$path",
      "created_at",
      "displayed_as",
      "id",
      "updated_at"
    ])
    const all = await api(fake, token, "/contacts?attributes=all")
    assert.strictEqual(all.body.$items[0].reference, "ACME")
    assert.strictEqual(all.body.$items[0].contact_types[0].id, "CUSTOMER")
    assert.strictEqual(all.body.$items[0].contact_types[0].displayed_as, "Customer")
  })

  it("updated_or_created_since is inclusive, deleted_since exclusive", async () => {
    const { fake } = await start()
    const token = await login(fake)
    const a = fake.store.insert(
      "contacts",
      { name: "A", contact_type_ids: ["CUSTOMER"] },
      { at: "2026-11-22T09:00:00Z" }
    )
    fake.store.insert(
      "contacts",
      { name: "B", contact_type_ids: ["CUSTOMER"] },
      { at: "2026-11-22T09:30:00Z" }
    )
    fake.store.update("contacts", a.id, { notes: "x" }, { at: "2026-11-22T09:45:00Z" })
    const since = await api(
      fake,
      token,
      `/contacts?updated_or_created_since=${encodeURIComponent("2026-11-22T09:30:00Z")}`
    )
    assert.deepStrictEqual(
      since.body.$items.map((i: { displayed_as: string }) => i.displayed_as),
      ["A", "B"]
    )
    const later = await api(fake, token, "/contacts?updated_or_created_since=2026-11-22T09:30:01Z")
    assert.deepStrictEqual(
      later.body.$items.map((i: { displayed_as: string }) => i.displayed_as),
      ["A"]
    )
    const offset = await api(
      fake,
      token,
      `/contacts?updated_or_created_since=${encodeURIComponent("2026-11-22T10:40:00+01:00")}`
    )
    assert.strictEqual(offset.body.$total, 1)

    fake.store.remove("contacts", a.id, { at: "2026-11-22T09:50:00Z" })
    const exclusive = await api(fake, token, "/contacts?deleted_since=2026-11-22T09:50:00Z")
    assert.strictEqual(exclusive.body.$total, 0)
    const deleted = await api(fake, token, "/contacts?deleted_since=2026-11-22T09:49:59Z")
    assert.deepStrictEqual(deleted.body.$items, [
      { id: a.id, displayed_as: "A", $path: `/contacts/${a.id}`, deleted_at: "2026-11-22T09:50:00Z" }
    ])

    // An unencoded '+' arrives as a space; the vendor refuses the value rather than guessing.
    const unencoded = await api(fake, token, "/contacts?updated_or_created_since=2026-11-22T10:40:00+01:00")
    assert.strictEqual(unencoded.status, 422)
    assert.strictEqual(unencoded.body[0].$source, "updated_or_created_since")
  })

  it("ledger_accounts ignores deleted_since, as the vendor does", async () => {
    const { fake } = await start()
    const token = await login(fake)
    fake.store.insert("ledger_accounts", { name: "Sales", display_name: "Sales", nominal_code: 4000 })
    const answer = await api(fake, token, "/ledger_accounts?deleted_since=2020-01-01T00:00:00Z")
    assert.strictEqual(answer.body.$total, 1)
  })

  it("filters by search and contact_type_id", async () => {
    const { fake } = await start()
    const token = await login(fake)
    fake.store.insert("contacts", { name: "Acme Ltd", contact_type_ids: ["CUSTOMER"] })
    fake.store.insert("contacts", { name: "Bolt Supplies", reference: "ACM-2", contact_type_ids: ["VENDOR"] })
    fake.store.insert("contacts", { name: "Both", contact_type_ids: ["CUSTOMER", "VENDOR"] })
    const names = async (query: string) =>
      (await api(fake, token, `/contacts?${query}`)).body.$items.map(
        (i: { displayed_as: string }) => i.displayed_as
      )
    assert.deepStrictEqual(await names("search=acm"), ["Acme Ltd", "Bolt Supplies"])
    assert.deepStrictEqual(await names("contact_type_id=CUSTOMER"), ["Acme Ltd", "Both"])
    assert.deepStrictEqual(await names("contact_type_id=VENDOR&search=bo"), ["Bolt Supplies", "Both"])
  })

  it("creates, reads, updates and deletes with wrapped bodies", async () => {
    const { fake } = await start()
    const token = await login(fake)
    const created = await api(fake, token, "/contacts", {
      method: "POST",
      body: JSON.stringify({ contact: { name: "Acme", contact_type_ids: ["CUSTOMER"], reference: "A1" } })
    })
    assert.strictEqual(created.status, 201)
    assert.match(created.body.id, /^[0-9a-f]{32}$/)
    assert.strictEqual(created.body.created_at, "2026-11-22T10:00:00Z")
    const id = created.body.id
    const updated = await api(fake, token, `/contacts/${id}`, {
      method: "PUT",
      body: JSON.stringify({ contact: { notes: "good payer" } })
    })
    assert.strictEqual(updated.status, 200)
    assert.strictEqual(updated.body.name, "Acme")
    assert.strictEqual(updated.body.notes, "good payer")
    assert.strictEqual((await api(fake, token, `/contacts/${id}`)).body.reference, "A1")
    assert.strictEqual((await api(fake, token, `/contacts/${id}`, { method: "DELETE" })).status, 204)
    assert.strictEqual((await api(fake, token, `/contacts/${id}`)).status, 404)
    assert.strictEqual((await api(fake, token, `/contacts/${id}`, { method: "DELETE" })).status, 404)
  })

  it("answers invalid bodies with 422 error arrays naming the field", async () => {
    const { fake } = await start()
    const token = await login(fake)
    const unwrapped = await api(fake, token, "/contacts", {
      method: "POST",
      body: JSON.stringify({ name: "Acme", contact_type_ids: ["CUSTOMER"] })
    })
    assert.strictEqual(unwrapped.status, 422)
    assert.deepStrictEqual(unwrapped.body[0], {
      $severity: "error",
      $dataCode: "RecordInvalid",
      $message: "the body must be an object under the key 'contact'",
      $source: "contact"
    })
    const blank = await api(fake, token, "/contacts", {
      method: "POST",
      body: JSON.stringify({ contact: { contact_type_ids: ["PARTNER"] } })
    })
    assert.strictEqual(blank.status, 422)
    assert.deepStrictEqual(
      blank.body.map((e: { $source: string }) => e.$source),
      ["name", "contact_type_ids"]
    )
    const invoice = await api(fake, token, "/sales_invoices", {
      method: "POST",
      body: JSON.stringify({
        sales_invoice: {
          contact_id: "0".repeat(32),
          date: "2026-11-22",
          invoice_lines: [{ description: "x" }]
        }
      })
    })
    assert.deepStrictEqual(
      invoice.body.map((e: { $source: string }) => e.$source),
      ["invoice_lines[0].ledger_account_id", "invoice_lines[0].unit_price", "contact_id"]
    )
    const notJson = await api(fake, token, "/contacts", { method: "POST", body: "{" })
    assert.strictEqual(notJson.status, 400)
    const journalPut = await api(fake, token, "/journals/abc", { method: "PUT", body: "{}" })
    assert.strictEqual(journalPut.status, 405)
    assert.strictEqual((await api(fake, token, "/no_such_things")).status, 404)
  })

  it("answers 429 with Retry-After once the budget is spent", async () => {
    const { fake, clock } = await start({ rateLimit: { requests: 3, windowSeconds: 60 } })
    const token = await login(fake)
    for (let i = 0; i < 3; i++) assert.strictEqual((await api(fake, token, "/contacts")).status, 200)
    const limited = await api(fake, token, "/contacts")
    assert.strictEqual(limited.status, 429)
    assert.strictEqual(limited.headers.get("retry-after"), "60")
    clock.now += 60_000
    assert.strictEqual((await api(fake, token, "/contacts")).status, 200)
  })

  it("checks the APIM subscription key and X-Business when configured, and records headers", async () => {
    const { fake } = await start({ subscriptionKey: "sub-1", businesses: ["b1", "b2"] })
    const token = await login(fake)
    assert.strictEqual((await api(fake, token, "/contacts")).status, 401)
    const ok = await api(fake, token, "/contacts", {
      headers: { "ocp-apim-subscription-key": "sub-1", "x-business": "b2" }
    })
    assert.strictEqual(ok.status, 200)
    assert.strictEqual(fake.requests.at(-1)?.headers["x-business"], "b2")
    const other = await api(fake, token, "/contacts", {
      headers: { "ocp-apim-subscription-key": "sub-1", "x-business": "b3" }
    })
    assert.strictEqual(other.status, 404)
  })

  it("failNext injects vendor failures", async () => {
    const { fake } = await start()
    const token = await login(fake)
    fake.failNext(503, 2)
    assert.strictEqual((await api(fake, token, "/contacts")).status, 503)
    assert.strictEqual((await api(fake, token, "/contacts")).status, 503)
    assert.strictEqual((await api(fake, token, "/contacts")).status, 200)
  })
})
