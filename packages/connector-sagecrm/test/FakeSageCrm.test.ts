import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { type FakeSageCrm, startFakeSageCrm } from "../src/testing.js"

const auth = (user = "admin", password = "secret") =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`

describe("fake Sage CRM", () => {
  let fake: FakeSageCrm

  const call = async (
    path: string,
    init: { method?: string; body?: unknown; authorization?: string } = {}
  ) => {
    const response = await fetch(`${fake.baseUrl}${path}`, {
      method: init.method ?? "GET",
      headers: {
        authorization: init.authorization ?? auth(),
        ...(init.body === undefined ? {} : { "content-type": "application/json" })
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) })
    })
    const text = await response.text()
    return {
      status: response.status,
      headers: response.headers,
      body: text === "" ? undefined : JSON.parse(text)
    }
  }

  // biome-ignore lint/suspicious/noExplicitAny: test reads of vendor JSON
  const keys = (body: any): Array<string> => body.$resources.map((entry: { $key: string }) => entry.$key)

  beforeAll(async () => {
    fake = await startFakeSageCrm({ now: "2024-03-01T10:00:00Z" })
    fake.store.insert("Company", { comp_name: "Acme", comp_type: "Customer" })
    fake.store.clock.advance(60_000)
    fake.store.insert("Company", { comp_name: "Globex", comp_type: "Prospect" })
    fake.store.clock.advance(60_000)
    fake.store.insert("Company", { comp_name: "Initech", comp_type: "Customer", comp_website: null })
    fake.store.insert("Person", { pers_lastname: "Smith", pers_firstname: "Ann", pers_companyid: 1 })
  })
  afterAll(() => fake.close())

  it("refuses missing and wrong credentials with 401 $diagnoses", async () => {
    const none = await fetch(`${fake.baseUrl}/Company`)
    assert.strictEqual(none.status, 401)
    assert.match(none.headers.get("www-authenticate") ?? "", /^Basic/)
    const wrong = await call("/Company", { authorization: auth("admin", "nope") })
    assert.strictEqual(wrong.status, 401)
    assert.strictEqual(wrong.body.$diagnoses[0].$severity, "error")
    assert.match(wrong.body.$diagnoses[0].$message, /Invalid username or password/)
  })

  it("refuses disabled and resource users", async () => {
    fake.store.addUser({ logon: "gone", password: "pw", disabled: true })
    fake.store.addUser({ logon: "room", password: "pw", resource: true })
    assert.strictEqual((await call("/Company", { authorization: auth("gone", "pw") })).status, 401)
    assert.strictEqual((await call("/Company", { authorization: auth("room", "pw") })).status, 401)
    assert.strictEqual((await call("/Company", { authorization: auth("ADMIN", "secret") })).status, 200)
  })

  it("serves a feed envelope with $key, $url and lower-case fields", async () => {
    const { status, body } = await call("/Company")
    assert.strictEqual(status, 200)
    assert.strictEqual(body.$totalResults, 3)
    assert.strictEqual(body.$startIndex, 1)
    assert.strictEqual(body.$itemsPerPage, 100)
    const first = body.$resources[0]
    assert.strictEqual(first.$key, "1")
    assert.strictEqual(first.$url, `${fake.baseUrl}/Company('1')`)
    assert.strictEqual(first.comp_companyid, 1)
    assert.strictEqual(first.comp_name, "Acme")
    assert.strictEqual(first.comp_createddate, "2024-03-01T10:00:00Z")
    assert.strictEqual(first.comp_updateddate, "2024-03-01T10:00:00Z")
  })

  it("reads one record as Company('n'), entity names case-insensitive", async () => {
    const { status, body } = await call("/company('2')")
    assert.strictEqual(status, 200)
    assert.strictEqual(body.comp_name, "Globex")
    assert.strictEqual((await call("/Company('99')")).status, 404)
    assert.strictEqual((await call("/Company(2)")).status, 400)
    assert.strictEqual((await call("/Widget")).status, 404)
  })

  it("filters with the documented where subset, field names in any case", async () => {
    assert.deepStrictEqual(keys((await call("/Company?where=Comp_Name eq 'Globex'")).body), ["2"])
    assert.deepStrictEqual(keys((await call("/Company?where=comp_name eq 'globex'")).body), ["2"])
    assert.deepStrictEqual(keys((await call("/Company?where=comp_type ne 'Customer'")).body), ["2"])
    assert.deepStrictEqual(keys((await call("/Company?where=COMP_COMPANYID gt 1")).body), ["2", "3"])
    assert.deepStrictEqual(keys((await call("/Company?where=comp_companyid le '2'")).body), ["1", "2"])
    assert.deepStrictEqual(keys((await call("/Company?where=comp_name like '%ni%'")).body), ["3"])
    assert.deepStrictEqual(keys((await call("/Company?where=comp_companyid in ('1', '3')")).body), ["1", "3"])
    assert.deepStrictEqual(
      keys((await call("/Company?where=comp_companyid between 2 and 3 and comp_type eq 'Customer'")).body),
      ["3"]
    )
    assert.deepStrictEqual(
      keys(
        (await call("/Company?where=(comp_name eq 'Acme' or comp_name eq 'Initech') and comp_companyid ge 2"))
          .body
      ),
      ["3"]
    )
    assert.deepStrictEqual(
      keys((await call("/Company?where=Comp_UpdatedDate ge '2024-03-01T10:01:00Z'")).body),
      ["2", "3"]
    )
    assert.deepStrictEqual(
      keys(
        (
          await call(
            "/Company?where=comp_updateddate ge '2024-03-01T10:00:30Z' and comp_updateddate lt '2024-03-01T10:02:00Z'"
          )
        ).body
      ),
      ["2"]
    )
    // NULL never matches a comparison, as in SQL.
    assert.deepStrictEqual(keys((await call("/Company?where=comp_website ne 'x'")).body), [])
  })

  it("selects a feed by a condition in the path, combined with where", async () => {
    const people = (await call("/Person(pers_companyid eq '1')")).body
    assert.deepStrictEqual(keys(people), ["1"])
    assert.strictEqual(people.$totalResults, 1)
    assert.deepStrictEqual(
      keys((await call("/Person(pers_companyid eq '1')?where=pers_lastname eq 'Jones'")).body),
      []
    )
    assert.deepStrictEqual(keys((await call("/Person(pers_companyid eq '2')")).body), [])
    assert.strictEqual((await call("/Person(pers_nosuch eq '1')")).status, 400)
    assert.strictEqual((await call("/Person(pers_companyid eq '1')", { method: "DELETE" })).status, 405)
  })

  it("rejects what it does not support with 400 $diagnoses", async () => {
    for (const where of [
      "not comp_name eq 'Acme'",
      "comp_name eq null",
      "comp_updateddate ge @2024-03-01@",
      "comp_nosuch eq 'x'",
      "comp_name = 'Acme'",
      "comp_name eq 'Acme",
      "comp_companyid eq 'abc'",
      "comp_updateddate ge 'yesterday'",
      "comp_name eq 'Acme' and"
    ]) {
      const { status, body } = await call(`/Company?where=${encodeURIComponent(where)}`)
      assert.strictEqual(status, 400, where)
      assert.isString(body.$diagnoses[0].$message, where)
    }
  })

  it("orders and pages with 1-based startIndex and count capped at 200", async () => {
    assert.deepStrictEqual(keys((await call("/Company?orderBy=comp_name desc")).body), ["3", "2", "1"])
    assert.deepStrictEqual(keys((await call("/Company?orderBy=Comp_Type asc, comp_name desc")).body), [
      "3",
      "1",
      "2"
    ])
    const page = (await call("/Company?startIndex=2&count=1")).body
    assert.deepStrictEqual(keys(page), ["2"])
    assert.strictEqual(page.$startIndex, 2)
    assert.strictEqual(page.$itemsPerPage, 1)
    assert.strictEqual(page.$totalResults, 3)
    assert.deepStrictEqual(keys((await call("/Company?startIndex=4&count=10")).body), [])
    assert.strictEqual((await call("/Company?count=500")).body.$itemsPerPage, 200)
    assert.strictEqual((await call("/Company?startIndex=0")).status, 400)
    assert.strictEqual((await call("/Company?count=x")).status, 400)
    assert.strictEqual((await call("/Company?orderBy=nosuch")).status, 400)
  })

  it("creates, updates (PUT and PATCH) and deletes, stamping dates from the clock", async () => {
    fake.store.clock.set("2024-03-02T09:00:00Z")
    const created = await call("/Company", { method: "POST", body: { Comp_Name: "Umbrella" } })
    assert.strictEqual(created.status, 201)
    const key = created.body.$key
    assert.strictEqual(created.headers.get("location"), `${fake.baseUrl}/Company('${key}')`)
    assert.strictEqual(created.body.comp_createddate, "2024-03-02T09:00:00Z")
    assert.strictEqual(created.body.comp_createdby, 1)

    fake.store.clock.advance(5_000)
    const patched = await call(`/Company('${key}')`, { method: "PATCH", body: { comp_type: "Partner" } })
    assert.strictEqual(patched.status, 200)
    assert.strictEqual(patched.body.comp_name, "Umbrella")
    assert.strictEqual(patched.body.comp_type, "Partner")
    assert.strictEqual(patched.body.comp_updateddate, "2024-03-02T09:00:05Z")
    assert.strictEqual(patched.body.comp_createddate, "2024-03-02T09:00:00Z")

    // A record read back and sent again ($key, $url, unchanged system columns) is accepted.
    const put = await call(`/Company('${key}')`, {
      method: "PUT",
      body: { ...patched.body, comp_website: "u.example" }
    })
    assert.strictEqual(put.status, 200)
    assert.strictEqual(put.body.comp_website, "u.example")

    assert.strictEqual((await call(`/Company('${key}')`, { method: "DELETE" })).status, 204)
    assert.strictEqual((await call(`/Company('${key}')`)).status, 404)
    assert.strictEqual((await call(`/Company('${key}')`, { method: "DELETE" })).status, 404)
  })

  it("refuses invalid writes", async () => {
    assert.strictEqual((await call("/Company", { method: "POST", body: {} })).status, 400)
    assert.strictEqual(
      (await call("/Company", { method: "POST", body: { comp_name: "X", nosuch: 1 } })).status,
      400
    )
    assert.strictEqual(
      (await call("/Company", { method: "POST", body: { comp_name: "X", comp_companyid: 9 } })).status,
      400
    )
    assert.strictEqual((await call("/Company", { method: "POST", body: [1] })).status, 400)
    assert.strictEqual(
      (await call("/Person", { method: "POST", body: { pers_lastname: "X", pers_companyid: "a" } })).status,
      400
    )
    assert.strictEqual(
      (await call("/Company('1')", { method: "PATCH", body: { comp_updateddate: "2020-01-01T00:00:00Z" } }))
        .status,
      400
    )
    assert.strictEqual(
      (await call("/Company('1')", { method: "POST", body: { comp_name: "X" } })).status,
      405
    )
    const users = await call("/Users", { method: "POST", body: { user_logon: "x", user_lastname: "x" } })
    assert.strictEqual(users.status, 405)
    assert.strictEqual((await call("/Users('1')", { method: "DELETE" })).status, 405)
    const text = await fetch(`${fake.baseUrl}/Company`, {
      method: "POST",
      headers: { authorization: auth(), "content-type": "text/plain" },
      body: "comp_name=X"
    })
    assert.strictEqual(text.status, 415)
  })

  it("exposes users, logs requests and injects faults", async () => {
    const users = (await call("/Users?where=user_logon eq 'admin'")).body
    assert.strictEqual(users.$resources[0].user_logon, "admin")
    assert.notProperty(users.$resources[0], "password")
    fake.store.clearRequests()
    fake.store.failNext({ status: 503, times: 2 })
    assert.strictEqual((await call("/Company")).status, 503)
    assert.strictEqual((await call("/Company")).status, 503)
    assert.strictEqual((await call("/Company?where=comp_name eq 'Acme'")).status, 200)
    const logged = fake.store.requests()
    assert.strictEqual(logged.length, 3)
    assert.strictEqual(logged[2]?.path, "/Company")
    assert.strictEqual(logged[2]?.query.where, "comp_name eq 'Acme'")
    assert.strictEqual(logged[2]?.username, "admin")
  })
})
