import { assert, describe, it } from "@effect/vitest"
import { HubQuery } from "@plugboard/core"
import { Effect } from "effect"
import * as fc from "fast-check"

describe("HubQuery.fromParams", () => {
  it.effect("reads the known parameters and passes the rest to the vendor", () =>
    Effect.gen(function* () {
      const options = yield* HubQuery.fromParams({
        where: "a = 1",
        orderBy: "name desc",
        fields: "id,name",
        page: "2",
        pageSize: " 50 ",
        nextPage: "abc",
        returnCount: "TRUE",
        attributes: "created_at",
        empty: undefined
      })
      assert.deepStrictEqual(options, {
        where: "a = 1",
        orderBy: "name desc",
        fields: "id,name",
        page: 2,
        pageSize: 50,
        nextPage: "abc",
        returnCount: true,
        query: { attributes: "created_at" }
      })
      assert.deepStrictEqual(yield* HubQuery.fromParams({ where: "  ", pageSize: "" }), {})
    })
  )

  it.effect("names the parameter at fault", () =>
    Effect.gen(function* () {
      for (const [name, value] of [
        ["pageSize", "ten"],
        ["pageSize", "0"],
        ["page", "-1"],
        ["page", "1.5"],
        ["returnCount", "yes"]
      ] as const) {
        const error = yield* Effect.flip(HubQuery.fromParams({ [name]: value }))
        assert.strictEqual(error.parameter, name)
        assert.include(error.message, value)
      }
      const twice = yield* Effect.flip(
        HubQuery.fromParams([
          ["where", "a = 1"],
          ["where", "b = 2"]
        ])
      )
      assert.include(twice.message, "more than once")
    })
  )
})

describe("HubQuery.parseUrl", () => {
  it.effect("reads a seed poller URL with raw quotes, spaces and >=", () =>
    Effect.gen(function* () {
      const url = yield* HubQuery.parseUrl(
        "/hubs/finance/customers?where=lastModifiedDate>='2026-11-22T10:00:00Z' and attributes='created_at,updated_at'&pageSize=50"
      )
      assert.strictEqual(url.hub, "finance")
      assert.deepStrictEqual(url.segments, ["customers"])
      assert.deepStrictEqual(url.options, {
        where: "lastModifiedDate>='2026-11-22T10:00:00Z' and attributes='created_at,updated_at'",
        pageSize: 50
      })
    })
  )

  it.effect("decodes '+' as a space, inside quoted strings too, as form encoding writes it", () =>
    Effect.gen(function* () {
      const form = new URLSearchParams({ where: "comp_name = 'Acme Corp' and note = 'a + b'" }).toString()
      const url = yield* HubQuery.parseUrl(`/hubs/crm/accounts?${form}`)
      assert.strictEqual(url.options.where, "comp_name = 'Acme Corp' and note = 'a + b'")
      const plain = yield* HubQuery.parseUrl("/hubs/crm/accounts?where=comp_name+%3D+%27Acme+Corp%27")
      assert.strictEqual(plain.options.where, "comp_name = 'Acme Corp'")
    })
  )

  it.effect("keeps an unescaped '+' that starts a time zone offset inside a quoted date", () =>
    Effect.gen(function* () {
      for (const [raw, where] of [
        ["d>'2026-01-01T10:00:00+01:00'", "d>'2026-01-01T10:00:00+01:00'"],
        ["d>'2026-01-01T10:00:00.325+0100'", "d>'2026-01-01T10:00:00.325+0100'"],
        ["d>'2026-01-01T10:00+01'", "d>'2026-01-01T10:00+01'"],
        ["d>%272026-01-01T10%3A00%3A00+01%3A00%27", "d>'2026-01-01T10:00:00+01:00'"],
        ["t='10:00+ 1'", "t='10:00  1'"],
        ["t='10:00+01:00 later'", "t='10:00 01:00 later'"]
      ] as const) {
        const url = yield* HubQuery.parseUrl(`/hubs/crm/accounts?where=${raw}`)
        assert.strictEqual(url.options.where, where, raw)
      }
    })
  )

  it.effect("decodes escapes; '+' is a space outside quoted strings and an offset plus inside", () =>
    Effect.gen(function* () {
      const url = yield* HubQuery.parseUrl(
        "https://runner.example.com/elements/api-v2/hubs/crm/accounts?where=updated+%3E%3D+'2026-01-01T00:00:00+01:00'%20and%20name%3D%27Caf%C3%A9%20%2B%27&orderBy=name+desc"
      )
      assert.strictEqual(url.options.where, "updated >= '2026-01-01T00:00:00+01:00' and name='Café +'")
      assert.strictEqual(url.options.orderBy, "name desc")
    })
  )

  it.effect("keeps LIKE wildcards and raw '&' inside quoted strings", () =>
    Effect.gen(function* () {
      const url = yield* HubQuery.parseUrl(
        "/hubs/crm/accounts?where=name LIKE '%ab%' and note = 'A&B'&pageSize=5"
      )
      assert.strictEqual(url.options.where, "name LIKE '%ab%' and note = 'A&B'")
      assert.strictEqual(url.options.pageSize, 5)
      const encoded = yield* HubQuery.parseUrl("/hubs/crm/accounts?where=name%20LIKE%20%27%25ab%25%27")
      assert.strictEqual(encoded.options.where, "name LIKE '%ab%'")
    })
  )

  it.effect("takes child paths apart and decodes segments", () =>
    Effect.gen(function* () {
      const url = yield* HubQuery.parseUrl("/hubs/crm/accounts/a%2Fb/contacts")
      assert.deepStrictEqual(url.segments, ["accounts", "a/b", "contacts"])
      assert.deepStrictEqual(url.options, {})
    })
  )

  it.effect("refuses what is not a hub URL", () =>
    Effect.gen(function* () {
      for (const bad of ["/instances/1", "/hubs/crm", "hubs", "/hubs/crm/%E0%A4%A"]) {
        const error = yield* Effect.flip(HubQuery.parseUrl(bad))
        assert.strictEqual(error._tag, "HubRequestError")
        assert.strictEqual(error.parameter, "url")
      }
    })
  )

  it("decoding never throws and round-trips encodeURIComponent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (text) => {
        assert.strictEqual(HubQuery.decodeValue(encodeURIComponent(text)), text)
        HubQuery.decodeValue(text)
        HubQuery.decodeValue(text, { ceql: true })
      })
    )
  })
})
