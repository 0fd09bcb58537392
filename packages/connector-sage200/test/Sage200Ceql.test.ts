import { assert, describe, it } from "@effect/vitest"
import { Ceql } from "@plugboard/core"
import { Result } from "effect"
import { Sage200 } from "../src/index.js"

const plan = (where: string | undefined, resource = "customers") => {
  const result = Ceql.planResult(where, Sage200.query, { resource })
  if (Result.isFailure(result)) throw result.failure
  return result.success
}

describe("Sage 200 CEQL translation", () => {
  it("orders every list by id so that $skip is accepted", () => {
    assert.deepStrictEqual(plan(undefined).params, { $orderby: "id" })
    assert.strictEqual(plan(undefined).residual, undefined)
  })

  it("sends the seed's poll filter as an OData date-time with the trailing Z", () => {
    const translation = plan("date_time_updated>='2026-11-22T10:00:00'")
    assert.strictEqual(translation.params["$filter"], "date_time_updated ge 2026-11-22T10:00:00Z")
  })

  it("keeps milliseconds and converts offsets to UTC", () => {
    assert.strictEqual(
      plan("date_time_updated > '2019-12-16T09:03:10.325Z'").params["$filter"],
      "date_time_updated gt 2019-12-16T09:03:10.325Z"
    )
    assert.strictEqual(
      plan("date_time_created < '2026-01-01T01:00:00+01:00'").params["$filter"],
      "date_time_created lt 2026-01-01T00:00:00Z"
    )
  })

  it("sends numeric ids as numbers, also when written as strings", () => {
    const byNumber = plan("id = 1002")
    assert.strictEqual(byNumber.params["$filter"], "id eq 1002")
    assert.strictEqual(byNumber.residual, undefined)
    assert.strictEqual(plan("id = '1002'").params["$filter"], "id eq 1002")
    assert.strictEqual(
      plan("customer_id IN ('7', '8')").params["$filter"],
      "customer_id eq 7 or customer_id eq 8"
    )
    // A non-numeric reference stays a string.
    assert.strictEqual(plan("reference = 'ABC01'").params["$filter"], "reference eq 'ABC01'")
  })

  it("translates and/or, LIKE and paths; keeps the rest in memory", () => {
    const translation = plan(
      "(name LIKE '%acme%' OR reference = 'X') AND credit_limit >= 500 AND NOT on_hold = true"
    )
    assert.strictEqual(
      translation.params["$filter"],
      "(contains(name,'acme') or reference eq 'X') and credit_limit ge 500"
    )
    assert.isDefined(translation.residual)
    assert.strictEqual(plan("address.city = 'Leeds'").params["$filter"], "address/city eq 'Leeds'")
    assert.deepStrictEqual(plan("name IS NULL").params, { $orderby: "id" })
  })

  it("sorts natively with $orderby, the id breaking ties", () => {
    assert.deepStrictEqual(Sage200.sort, { param: "$orderby", style: "words" })
  })

  it("refuses malformed CEQL with a position", () => {
    const result = Ceql.planResult("name = ", Sage200.query, { resource: "customers" })
    assert.isTrue(Result.isFailure(result))
  })
})
