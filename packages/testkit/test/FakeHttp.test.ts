import { assert, describe, it } from "@effect/vitest"
import { FakeHttp } from "@plugboard/testkit/fake-vendor"

describe("FakeHttp", () => {
  it("serves answers on loopback: JSON bodies, empty bodies, headers and thrown errors", async () => {
    const server = await FakeHttp.startFakeServer(
      (request, url, text) => {
        if (url.pathname === "/echo") {
          return { status: 201, body: { method: request.method, text, q: url.searchParams.get("q") } }
        }
        if (url.pathname === "/empty") return { status: 204, body: undefined, headers: { "x-a": "1" } }
        throw new Error("boom")
      },
      (error) => ({ status: 500, body: { failed: String(error) } })
    )
    try {
      assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const echo = await fetch(`${server.url}/echo?q=x`, { method: "POST", body: "hello" })
      assert.strictEqual(echo.status, 201)
      assert.strictEqual(echo.headers.get("content-type"), "application/json; charset=utf-8")
      assert.deepStrictEqual(await echo.json(), { method: "POST", text: "hello", q: "x" })
      const empty = await fetch(`${server.url}/empty`)
      assert.strictEqual(empty.status, 204)
      assert.strictEqual(empty.headers.get("x-a"), "1")
      const failed = await fetch(`${server.url}/other`)
      assert.strictEqual(failed.status, 500)
      assert.deepStrictEqual(await failed.json(), { failed: "Error: boom" })
    } finally {
      await server.close()
    }
  })

  it("reads form and JSON fields, records headers, and says why a body is unreadable", async () => {
    const seen: Array<unknown> = []
    const server = await FakeHttp.startFakeServer((request, _url, text) => {
      seen.push({
        all: FakeHttp.readFields(request, text),
        formOnly: FakeHttp.readFields(request, text, ["form"]),
        header: FakeHttp.header(request, "X-Test"),
        headers: FakeHttp.headerMap(request)["x-test"]
      })
      return { status: 200, body: {} }
    })
    try {
      const post = (body: string, type: string) =>
        fetch(server.url, { method: "POST", body, headers: { "content-type": type, "x-test": "t" } })
      await post("a=1&b=two", "application/x-www-form-urlencoded")
      await post('{"a":1}', "application/json")
      await post("[1]", "application/json")
      await post("{", "application/json")
      await post("a", "text/plain")
      assert.deepStrictEqual(seen, [
        {
          all: { fields: { a: "1", b: "two" } },
          formOnly: { fields: { a: "1", b: "two" } },
          header: "t",
          headers: "t"
        },
        {
          all: { fields: { a: 1 } },
          formOnly: { unreadable: "unsupported-content-type" },
          header: "t",
          headers: "t"
        },
        {
          all: { unreadable: "malformed-json" },
          formOnly: { unreadable: "unsupported-content-type" },
          header: "t",
          headers: "t"
        },
        {
          all: { unreadable: "malformed-json" },
          formOnly: { unreadable: "unsupported-content-type" },
          header: "t",
          headers: "t"
        },
        {
          all: { unreadable: "unsupported-content-type" },
          formOnly: { unreadable: "unsupported-content-type" },
          header: "t",
          headers: "t"
        }
      ])
    } finally {
      await server.close()
    }
  })
})
