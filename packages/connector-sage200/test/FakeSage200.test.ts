import { afterEach, assert, describe, it } from "@effect/vitest"
import { type FakeSage200, startFakeSage200 } from "../src/testing.js"

let fake: FakeSage200 | undefined

afterEach(async () => {
  await fake?.close()
  fake = undefined
})

const start = async (options: Parameters<typeof startFakeSage200>[0] = {}) => {
  fake = await startFakeSage200(options)
  return fake
}

const tokenFor = async (server: FakeSage200): Promise<{ access: string; refresh: string }> => {
  const code = server.oauth.issueCode({ clientId: "test-client", redirectUri: "https://app/cb" })
  const response = await fetch(server.tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: "https://app/cb",
      client_id: "test-client",
      client_secret: "test-secret"
    })
  })
  assert.strictEqual(response.status, 200)
  const body = (await response.json()) as Record<string, string>
  return { access: body["access_token"]!, refresh: body["refresh_token"]! }
}

const headersFor = (server: FakeSage200, access: string) => ({
  authorization: `Bearer ${access}`,
  "x-site": server.companies[0]!.siteId,
  "x-company": String(server.companies[0]!.companyId)
})

const get = async (server: FakeSage200, access: string, path: string) => {
  const response = await fetch(`${server.baseUrl}${path}`, { headers: headersFor(server, access) })
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown }
}

describe("the fake Sage 200 server", () => {
  it("redirects the authorize endpoint with a code only for the Sage 200 audience", async () => {
    const server = await start()
    const good = await fetch(
      `${server.authorizationUrl}&client_id=test-client&response_type=code&redirect_uri=https://app/cb&state=s1`,
      { redirect: "manual" }
    )
    assert.strictEqual(good.status, 302)
    const location = new URL(good.headers.get("location")!)
    assert.isNotNull(location.searchParams.get("code"))
    assert.strictEqual(location.searchParams.get("state"), "s1")
    const wrong = await fetch(
      `${server.url}/authorize?client_id=test-client&response_type=code&redirect_uri=https://app/cb`,
      { redirect: "manual" }
    )
    assert.strictEqual(new URL(wrong.headers.get("location")!).searchParams.get("error"), "invalid_request")
  })

  it("rotates refresh tokens and revokes the family on reuse", async () => {
    const server = await start()
    const { refresh } = await tokenFor(server)
    const refreshWith = (token: string) =>
      fetch(server.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          grant_type: "refresh_token",
          refresh_token: token,
          client_id: "test-client",
          client_secret: "test-secret"
        })
      })
    const first = await refreshWith(refresh)
    assert.strictEqual(first.status, 200)
    const rotated = ((await first.json()) as Record<string, string>)["refresh_token"]!
    assert.notStrictEqual(rotated, refresh)
    const replay = await refreshWith(refresh)
    assert.strictEqual(replay.status, 403)
    assert.strictEqual(((await replay.json()) as Record<string, string>)["error"], "invalid_grant")
    assert.strictEqual((await refreshWith(rotated)).status, 403)
    assert.strictEqual(server.oauth.revokedFamilies, 1)
  })

  it("answers 401 without a valid bearer and 400 without the site and company", async () => {
    const server = await start()
    const anonymous = await fetch(`${server.baseUrl}/customers`)
    assert.strictEqual(anonymous.status, 401)
    const { access } = await tokenFor(server)
    const sites = await fetch(`${server.baseUrl}/sites`, { headers: { authorization: `Bearer ${access}` } })
    assert.deepStrictEqual(await sites.json(), [
      {
        site_id: server.companies[0]!.siteId,
        site_name: "Demo site",
        company_id: 7,
        company_name: "Cloud-Elements Demodata"
      }
    ])
    const noCompany = await fetch(`${server.baseUrl}/customers`, {
      headers: { authorization: `Bearer ${access}` }
    })
    assert.strictEqual(noCompany.status, 400)
  })

  it("filters, orders and pages with OData options over bare arrays", async () => {
    const server = await start({ now: () => Date.parse("2026-11-22T10:00:00Z") })
    for (const [n, name] of ["Delta", "alpha", "Charlie", "bravo"].entries()) {
      server.store.insert(
        "customers",
        { reference: `C${n}`, name, balance: n * 10 },
        Date.parse(`2026-11-22T0${n}:00:00Z`)
      )
    }
    const { access } = await tokenFor(server)
    const names = (body: unknown) => (body as ReadonlyArray<Record<string, unknown>>).map((r) => r["name"])

    const ordered = await get(server, access, "/customers?$orderby=name%20desc")
    assert.deepStrictEqual(names(ordered.body), ["Delta", "Charlie", "bravo", "alpha"])
    const filtered = await get(
      server,
      access,
      `/customers?$filter=${encodeURIComponent("date_time_updated ge 2026-11-22T01:00:00Z and (balance lt 30 or contains(name,'ELT'))")}&$orderby=id`
    )
    assert.deepStrictEqual(names(filtered.body), ["alpha", "Charlie"])
    const page = await get(server, access, "/customers?$orderby=id&$skip=1&$top=2")
    assert.deepStrictEqual(names(page.body), ["alpha", "Charlie"])
    const selected = await get(server, access, "/customers?$select=name&$top=1")
    assert.deepStrictEqual(selected.body, [{ name: "Delta" }])
  })

  it("refuses what the vendor refuses with 400", async () => {
    const server = await start()
    server.store.insert("customers", { reference: "C1", name: "One" })
    const { access } = await tokenFor(server)
    const refused = async (query: string) => (await get(server, access, `/customers?${query}`)).status
    assert.strictEqual(await refused("$skip=1"), 400)
    assert.strictEqual(await refused("$top=5001"), 400)
    assert.strictEqual(
      await refused(`$filter=${encodeURIComponent("date_time_updated gt 2026-01-01T00:00:00")}`),
      400
    )
    assert.strictEqual(await refused(`$filter=${encodeURIComponent("id eq '1000'")}`), 400)
    assert.strictEqual(await refused(`$filter=${encodeURIComponent("nonsense eq 1")}`), 400)
    assert.strictEqual(await refused("$orderby=name%20sideways"), 400)
    const body = (await get(server, access, "/customers?$skip=1")).body as Record<string, string>
    assert.match(body["message"]!, /\$orderby/)
  })

  it("answers 429 with Retry-After past its rate limit", async () => {
    const server = await start({ rateLimit: { requests: 2, windowSeconds: 60 } })
    const { access } = await tokenFor(server)
    assert.strictEqual((await get(server, access, "/customers")).status, 200)
    assert.strictEqual((await get(server, access, "/customers")).status, 200)
    const limited = await get(server, access, "/customers")
    assert.strictEqual(limited.status, 429)
    assert.strictEqual(limited.headers.get("retry-after"), "60")
  })

  it("lists sales order lines under their order", async () => {
    const server = await start()
    const order = server.store.insert("sop_orders", { customer_id: 1, document_no: "SO1" })
    server.store.insert("sop_order_lines", { sop_order_id: order.id, line_quantity: 2 })
    server.store.insert("sop_order_lines", { sop_order_id: order.id + 99, line_quantity: 5 })
    const { access } = await tokenFor(server)
    const lines = await get(server, access, `/sop_orders/${order.id}/sop_order_lines`)
    assert.deepStrictEqual(
      (lines.body as ReadonlyArray<Record<string, unknown>>).map((l) => l["line_quantity"]),
      [2]
    )
  })
})
