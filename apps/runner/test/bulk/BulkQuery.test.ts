/**
 * The `q` parser of bulk query jobs: the parts it finds, keywords inside strings and back-ticks left
 * alone, and errors that name the position in `q`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import * as BulkQuery from "../../src/bulk/BulkQuery.js"

const ok = (q: string) => {
  const parsed = BulkQuery.parse(q)
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message)
  return parsed.success
}

const fails = (q: string) => {
  const parsed = BulkQuery.parse(q)
  if (Result.isSuccess(parsed)) throw new Error(`parsed: ${JSON.stringify(parsed.success)}`)
  return parsed.failure
}

describe("BulkQuery.parse", () => {
  it("refuses a limit past a 32-bit integer, which PostgreSQL's INTEGER column cannot hold", () => {
    assert.deepStrictEqual(ok("select * from accounts limit 2147483647"), {
      objectName: "accounts",
      limit: 2147483647
    })
    const tooBig = fails("select * from accounts limit 3000000000")
    assert.strictEqual(tooBig.position, 29)
    assert.match(tooBig.message, /limit/)
  })

  it("reads select, from, where, order by and limit in any case", () => {
    assert.deepStrictEqual(ok("select * from accounts"), { objectName: "accounts" })
    assert.deepStrictEqual(
      ok("SELECT id, `metaData.name` FROM contacts WHERE name = 'x' ORDER BY name desc, id LIMIT 10"),
      {
        objectName: "contacts",
        fields: "id, `metaData.name`",
        where: "name = 'x'",
        orderBy: "name desc, id",
        limit: 10
      }
    )
    assert.deepStrictEqual(ok("  select * from accounts   limit 3  "), { objectName: "accounts", limit: 3 })
  })

  it("keeps keywords inside strings, back-ticks and parentheses in the where part", () => {
    const parsed = ok(
      "select * from accounts where name = 'order by limit 5' and (`limit` = 1 or note like '%it''s from%')"
    )
    assert.strictEqual(
      parsed.where,
      "name = 'order by limit 5' and (`limit` = 1 or note like '%it''s from%')"
    )
    assert.isUndefined(parsed.limit)
    assert.isUndefined(parsed.orderBy)
  })

  it("names the position of what is wrong", () => {
    assert.deepStrictEqual(
      [fails("selct * from accounts").position, fails("selct * from accounts").message],
      [0, "q: expected 'select' at position 0 but found 'selct * from accounts'"]
    )
    assert.strictEqual(fails("select * form accounts").position, 22)
    assert.strictEqual(fails("select * from ").position, 14)
    const where = fails("select * from accounts where name = ")
    assert.strictEqual(where.position, 35)
    assert.match(where.message, /^q \(where\): expected .* at position 35/)
    const inWhere = fails("select * from accounts where name == 'x'")
    assert.strictEqual(inWhere.position, 35)
    assert.match(fails("select * from accounts order by").message, /'<field> \[asc\|desc\]' after 'order by'/)
    assert.match(fails("select * from accounts order by name sideways").message, /order by/)
    assert.strictEqual(fails("select * from accounts limit 0").position, 29)
    assert.strictEqual(fails("select * from accounts limit 5 extra").position, 31)
    assert.match(fails("select * from accounts where a = 1 garbage").message, /position/)
    assert.match(fails("select from accounts").message, /'\*' or a list of fields/)
  })
})
