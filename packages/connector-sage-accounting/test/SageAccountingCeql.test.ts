import { assert, describe, it } from "@effect/vitest"
import { Ceql } from "@plugboard/core"
import { Result } from "effect"
import { SageAccounting } from "../src/index.js"

const plan = (where: string, resource = "customers") => {
  const result = Ceql.planResult(where, SageAccounting.query, { resource })
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

/** The vendor parameters without the default `attributes=all`, which every query without attributes gets. */
const params = (where: string, resource = "customers") => {
  const { attributes, ...rest } = plan(where, resource).params
  return attributes === "all" ? rest : { ...rest, attributes }
}

const residual = (where: string, resource = "customers") => {
  const r = plan(where, resource).residual
  return r === undefined ? undefined : Ceql.print(r)
}

const planError = (where: string, resource = "customers") => {
  const result = Ceql.planResult(where, SageAccounting.query, { resource })
  return Result.isFailure(result) ? result.failure : undefined
}

describe("SageAccountingCeql", () => {
  it("asks for every attribute when the query names none", () => {
    assert.deepStrictEqual(plan("name = 'x'").params, { search: "x", attributes: "all" })
    const none = SageAccounting.query(undefined, { resource: "customers" })
    assert.isTrue(Result.isSuccess(none))
    if (Result.isSuccess(none)) assert.deepStrictEqual(none.success.params, { attributes: "all" })
  })

  it("translates the seed's poller where (with its closing quote) entirely into parameters", () => {
    const translation = plan(
      "lastModifiedDate>='2026-11-22T10:00:00Z' and attributes='created_at,updated_at'"
    )
    assert.deepStrictEqual(translation.params, {
      updated_or_created_since: "2026-11-22T10:00:00Z",
      attributes: "created_at,updated_at"
    })
    assert.isUndefined(translation.residual)
  })

  it("sends dates as UTC with Z and keeps a strict '>' in memory on updated_at", () => {
    assert.deepStrictEqual(params("lastModifiedDate > '2026-11-22T11:00:00+01:00'"), {
      updated_or_created_since: "2026-11-22T10:00:00Z"
    })
    assert.strictEqual(
      residual("lastModifiedDate > '2026-11-22T11:00:00+01:00'"),
      "updated_at > '2026-11-22T11:00:00+01:00'"
    )
    assert.deepStrictEqual(params("updated_at >= '2026-11-22'"), {
      updated_or_created_since: "2026-11-22T00:00:00Z"
    })
    assert.isUndefined(plan("updated_at >= '2026-11-22'").residual)
  })

  it("uses created_at as a superset and keeps it in memory", () => {
    assert.deepStrictEqual(params("created_at >= '2026-11-22T10:00:00Z'"), {
      updated_or_created_since: "2026-11-22T10:00:00Z"
    })
    assert.strictEqual(
      residual("created_at >= '2026-11-22T10:00:00Z'"),
      "created_at >= '2026-11-22T10:00:00Z'"
    )
  })

  it("keeps a date equality and a non-date value in memory", () => {
    assert.deepStrictEqual(params("updated_at = '2026-11-22T10:00:00Z'"), {})
    assert.deepStrictEqual(params("lastModifiedDate >= 'yesterday'"), {})
    assert.strictEqual(residual("lastModifiedDate >= 'yesterday'"), "updated_at >= 'yesterday'")
  })

  it("turns a plain LIKE or = on a searchable field into search, checked again in memory", () => {
    assert.deepStrictEqual(params("name LIKE '%acme%'"), { search: "acme" })
    assert.strictEqual(residual("name LIKE '%acme%'"), "name LIKE '%acme%'")
    assert.deepStrictEqual(params("reference = 'A-1'"), { search: "A-1" })
    assert.deepStrictEqual(params("name LIKE 'a%c'"), {})
    assert.deepStrictEqual(params("invoice_number LIKE 'SI-%'", "invoices"), { search: "SI-" })
    assert.deepStrictEqual(params("name LIKE 'x%'", "payments"), {})
  })

  it("offers contact_type_id on contacts and contact_id on documents", () => {
    assert.deepStrictEqual(params("contact_type_id = 'VENDOR'", "contacts"), { contact_type_id: "VENDOR" })
    assert.isUndefined(plan("contact_type_id = 'VENDOR'", "contacts").residual)
    assert.deepStrictEqual(params("contact_types.id = 'CUSTOMER'", "contacts"), {
      contact_type_id: "CUSTOMER"
    })
    assert.deepStrictEqual(params("contact_type_id = 'VENDOR'", "customers"), {})
    assert.deepStrictEqual(params("contact.id = 'abc'", "invoices"), { contact_id: "abc" })
    assert.deepStrictEqual(params("contact_id = 'abc'", "payments"), { contact_id: "abc" })
  })

  it("adds the fields the residual reads to a narrow attributes list", () => {
    const translation = plan("attributes = 'updated_at' and name = 'Acme' and balance > 10")
    assert.deepStrictEqual(translation.params, { attributes: "updated_at,name,balance", search: "Acme" })
    assert.deepStrictEqual(plan("attributes = 'all' and balance > 10").params, { attributes: "all" })
  })

  it("refuses pseudo-fields outside a top-level AND", () => {
    const error = planError("attributes = 'all' or name = 'x'")
    assert.isDefined(error)
    assert.match(error?.message ?? "", /'attributes' is a parameter of this resource/)
    assert.isDefined(planError("not search = 'x'"))
  })

  it("translates vendor objects by their own path", () => {
    assert.deepStrictEqual(params("updated_at >= '2026-01-01T00:00:00Z' and search = 'x'", "services"), {
      updated_or_created_since: "2026-01-01T00:00:00Z",
      search: "x"
    })
  })
})
