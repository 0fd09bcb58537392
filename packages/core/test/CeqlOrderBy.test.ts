import { assert, describe, it } from "@effect/vitest"
import { Ceql } from "@plugboard/core"
import { Effect, Result } from "effect"

const orderBy = (input: string): Ceql.OrderBy => {
  const result = Ceql.parseOrderByResult(input)
  if (Result.isFailure(result)) assert.fail(result.failure.message)
  return result.success
}

const fields = (input: string): ReadonlyArray<Ceql.Field> => {
  const result = Ceql.parseFieldsResult(input)
  if (Result.isFailure(result)) assert.fail(result.failure.message)
  return result.success
}

describe("Ceql.parseOrderBy", () => {
  it("reads keys with optional, case-insensitive directions", () => {
    const keys = orderBy("Name asc, created DESC,  `odd name`,x.y")
    assert.deepStrictEqual(
      keys.map((k) => [k.field.name, k.field.quoted, k.direction]),
      [
        ["Name", false, "asc"],
        ["created", false, "desc"],
        ["odd name", true, "asc"],
        ["x.y", false, "asc"]
      ]
    )
    assert.deepStrictEqual(orderBy(""), [])
    assert.deepStrictEqual(orderBy("   "), [])
  })

  it("fails with positions on bad input", () => {
    const cases: Array<[string, number, string]> = [
      ["Name asc,", 9, "CEQL: expected a field name at position 9 but found end of input"],
      ["Name up", 5, "CEQL: expected asc, desc, ',' or end of input at position 5 but found 'up'"],
      ["Name asc desc", 9, "CEQL: expected asc, desc, ',' or end of input at position 9 but found 'desc'"],
      [", Name", 0, "CEQL: expected a field name at position 0 but found ','"],
      ["'Name'", 0, "CEQL: expected a field name at position 0 but found ''Name''"]
    ]
    for (const [input, position, message] of cases) {
      const result = Ceql.parseOrderByResult(input)
      assert(Result.isFailure(result), input)
      assert.strictEqual(result.failure.position, position, input)
      assert.strictEqual(result.failure.message, message)
    }
  })

  it.effect("has an Effect form", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* Ceql.parseOrderBy("a desc"))[0]?.direction, "desc")
      const error = yield* Effect.flip(Ceql.parseOrderBy("a,,b"))
      assert.strictEqual(error.position, 2)
    })
  )
})

describe("Ceql.compareBy", () => {
  it("sorts with the evaluator's comparison, nulls last ascending and first descending", () => {
    const records = [
      { id: 1, name: "b", n: "10", d: "2026-01-01T10:00:00+02:00" },
      { id: 2, name: "a", n: 9, d: "2026-01-01T09:00:00Z" },
      { id: 3, NAME: "a", n: null, d: "2026-01-01T07:00:00Z" },
      { id: 4, name: "c" }
    ]
    const ids = (key: string) => [...records].sort(Ceql.compareBy(orderBy(key))).map((r) => r.id)
    assert.deepStrictEqual(ids("n asc"), [2, 1, 3, 4])
    assert.deepStrictEqual(ids("n desc"), [3, 4, 1, 2])
    assert.deepStrictEqual(ids("d"), [3, 1, 2, 4])
    assert.deepStrictEqual(ids("name, id desc"), [3, 2, 1, 4])
    assert.deepStrictEqual(ids("name desc, id"), [4, 1, 2, 3])
  })
})

describe("Ceql.parseFields / project", () => {
  it("parses comma-separated paths", () => {
    assert.deepStrictEqual(
      fields(" a , b.c,`x.y`, $key ,in").map((f) => [f.name, f.quoted, f.position]),
      [
        ["a", false, 1],
        ["b.c", false, 5],
        ["x.y", true, 9],
        ["$key", false, 16],
        ["in", false, 22]
      ]
    )
    assert.deepStrictEqual(fields(""), [])
  })

  it("fails on empty entries and unquoted spaces", () => {
    const cases: Array<[string, number]> = [
      ["a,,b", 2],
      ["a,", 2],
      ["a b", 1],
      ["`a", 2],
      ["`a` b", 4]
    ]
    for (const [input, position] of cases) {
      const result = Ceql.parseFieldsResult(input)
      assert(Result.isFailure(result), input)
      assert.strictEqual(result.failure.position, position, input)
    }
  })

  it("keeps only the given paths, with their nesting and the record's key spelling", () => {
    const record = {
      id: 1,
      Name: "Acme",
      address: { city: "Paris", zip: "75001", geo: { lat: 1 } },
      lines: [{ qty: 1, sku: "a" }, { qty: 2 }, 5],
      "x.y": "literal",
      x: { y: "path" },
      secret: "s"
    }
    assert.deepStrictEqual(Ceql.project(record, fields("id, name, address.city, lines.qty, missing")), {
      id: 1,
      Name: "Acme",
      address: { city: "Paris" },
      lines: [{ qty: 1 }, { qty: 2 }]
    })
    assert.deepStrictEqual(Ceql.project(record, fields("`x.y`")), { "x.y": "literal" })
    assert.deepStrictEqual(Ceql.project(record, fields("x.y")), { x: { y: "path" } })
    assert.deepStrictEqual(Ceql.project(record, ["address", "address.city"]), { address: record.address })
    assert.deepStrictEqual(Ceql.project("scalar", ["a"]), "scalar")
    const withProto = JSON.parse('{"__proto__": {"a": 1}, "b": 2}')
    const projected = Ceql.project(withProto, ["__proto__"]) as Record<string, unknown>
    assert.deepStrictEqual(Object.keys(projected), ["__proto__"])
    assert.strictEqual(Object.getPrototypeOf(projected), Object.prototype)
  })
})
