import { assert, describe, it } from "@effect/vitest"
import { Ceql } from "@plugboard/core"
import { Effect, Result } from "effect"
import * as fc from "fast-check"
import { poolExpr, poolRecord } from "./CeqlArbitraries.js"

const context = { resource: "accounts" }

const translate = (translator: Ceql.Translator, where: string): Ceql.Translation => {
  const result = Ceql.planResult(where, translator, context)
  if (Result.isFailure(result)) assert.fail(result.failure.message)
  return result.success
}

const residualText = (translation: Ceql.Translation): string | undefined =>
  translation.residual === undefined ? undefined : Ceql.print(translation.residual)

const translationError = (translator: Ceql.Translator, where: string): Ceql.CeqlError => {
  const result = Ceql.planResult(where, translator, context)
  if (Result.isSuccess(result)) assert.fail(`expected an error for ${where}`)
  return result.failure
}

describe("Ceql.Translate.sdata (Sage CRM where)", () => {
  const sdata = Ceql.Translate.sdata()

  it("translates the vendors.md example", () => {
    const t = translate(sdata, "Comp_Name = 'Acme' and Comp_UpdatedDate >= '2026-01-01T00:00:00Z'")
    assert.deepStrictEqual(t.params, {
      where: "Comp_Name eq 'Acme' and Comp_UpdatedDate ge '2026-01-01T00:00:00Z'"
    })
    // Strings are checked again in memory by default (vendor collations may ignore case).
    assert.strictEqual(residualText(t), "Comp_Name = 'Acme' AND Comp_UpdatedDate >= '2026-01-01T00:00:00Z'")
    const trusting = translate(
      Ceql.Translate.sdata({ recheck: "text" }),
      "Comp_Name = 'Acme' and Comp_UpdatedDate >= '2026-01-01T00:00:00Z'"
    )
    assert.strictEqual(residualText(trusting), "Comp_Name = 'Acme'")
  })

  it("writes each operator in SData syntax", () => {
    const cases: Array<[string, string | undefined, string | undefined]> = [
      ["Comp_CompanyId = 42", "Comp_CompanyId eq 42", undefined],
      ["Comp_CompanyId != 42", "Comp_CompanyId ne 42", undefined],
      ["amount < 1.5 and amount > -2", "amount lt 1.5 and amount gt -2", undefined],
      ["amount <= 10 and amount >= 1", "amount between 1 and 10", undefined],
      [
        "Comp_UpdatedDate >= '2026-01-01T00:00:00Z' and Comp_UpdatedDate <= '2026-02-01T00:00:00Z'",
        "Comp_UpdatedDate between '2026-01-01T00:00:00Z' and '2026-02-01T00:00:00Z'",
        "Comp_UpdatedDate >= '2026-01-01T00:00:00Z' AND Comp_UpdatedDate <= '2026-02-01T00:00:00Z'"
      ],
      ["Comp_CompanyId in (1, 2, 3)", "Comp_CompanyId in (1, 2, 3)", undefined],
      ["Comp_Name in ('A', 'B''s')", "Comp_Name in ('A', 'B''s')", "Comp_Name IN ('A', 'B''s')"],
      ["Comp_Name like 'Ac%'", "Comp_Name like 'Ac%'", "Comp_Name LIKE 'Ac%'"],
      ["Comp_Name = 'O''Brien'", "Comp_Name eq 'O''Brien'", "Comp_Name = 'O''Brien'"],
      ["flag = true", "flag eq true", undefined],
      ["a = 1 or b = 2", "a eq 1 or b eq 2", undefined],
      ["(a = 1 or b = 2) and c > 5", "(a eq 1 or b eq 2) and c gt 5", undefined],
      [
        "Comp_UpdatedDate > '2015-01-06T09:31:38-07:00'",
        "Comp_UpdatedDate gt '2015-01-06T16:31:38Z'",
        "Comp_UpdatedDate > '2015-01-06T09:31:38-07:00'"
      ],
      [
        "Comp_UpdatedDate >= '2026-11-22T10:00:00.250'",
        "Comp_UpdatedDate ge '2026-11-22T10:00:00.250Z'",
        "Comp_UpdatedDate >= '2026-11-22T10:00:00.250'"
      ]
    ]
    for (const [where, native, residual] of cases) {
      const t = translate(sdata, where)
      assert.deepStrictEqual(t.params, native === undefined ? {} : { where: native }, where)
      assert.strictEqual(residualText(t), residual, where)
    }
  })

  it("keeps boolean conditions in memory when told the vendor has no boolean literals", () => {
    const t = translate(Ceql.Translate.sdata({ booleans: false }), "flag = true and Comp_CompanyId = 42")
    assert.deepStrictEqual(t.params, { where: "Comp_CompanyId eq 42" })
    assert.strictEqual(residualText(t), "flag = true")
  })

  it("keeps in memory what the vendor cannot filter without losing records", () => {
    for (const where of [
      "a = 1 or b is null",
      "not a = 1",
      "a != 'x'",
      "a > 'x'",
      "a not like 'x%'",
      "a like 'a_c'",
      "a not in (1)",
      "a is not null",
      "`odd name` = 1",
      "Comp_UpdatedDate > '2026-01-01T00:00:00.0001Z'"
    ]) {
      const t = translate(sdata, where)
      assert.deepStrictEqual(t.params, {}, where)
      assert.strictEqual(residualText(t), Ceql.print(Ceql.stripPositions(t.residual!)), where)
      assert.isDefined(t.residual, where)
    }
    const partial = translate(sdata, "a = 1 and (b = 2 or c is null) and d like '%x%'")
    assert.deepStrictEqual(partial.params, { where: "a eq 1 and d like '%x%'" })
    assert.strictEqual(residualText(partial), "(b = 2 OR c IS NULL) AND d LIKE '%x%'")
    // An OR inside an AND that only partly translates is sent as a superset and kept entirely.
    const inner = translate(sdata, "(a = 1 and b is null) or c = 2")
    assert.deepStrictEqual(inner.params, { where: "a eq 1 or c eq 2" })
    assert.strictEqual(residualText(inner), "a = 1 AND b IS NULL OR c = 2")
  })

  it("honours filterable fields, renames (vendor names in the residual too) and per-resource options", () => {
    const limited = Ceql.Translate.sdata({ fields: ["comp_name"] })
    assert.deepStrictEqual(translate(limited, "Comp_Name = 'a' and other = 1").params, {
      where: "comp_name eq 'a'"
    })
    assert.deepStrictEqual(translate(Ceql.Translate.sdata(), "`a.b` = 1 and a.b = 2").params, {
      where: "a.b eq 2"
    })
    const renamed = Ceql.Translate.sdata({
      rename: { lastModifiedDate: "Comp_UpdatedDate" },
      recheck: "none"
    })
    const t = translate(
      renamed,
      "LastModifiedDate >= '2026-01-01T00:00:00Z' and lastModifiedDate is not null"
    )
    assert.deepStrictEqual(t.params, { where: "Comp_UpdatedDate ge '2026-01-01T00:00:00Z'" })
    assert.strictEqual(residualText(t), "Comp_UpdatedDate IS NOT NULL")
    const perResource = Ceql.Translate.sdata((ctx) => ({
      fields: ctx.resource === "accounts" ? ["a"] : ["b"]
    }))
    assert.deepStrictEqual(translate(perResource, "a = 1 and b = 2").params, { where: "a eq 1" })
    const noLike = Ceql.Translate.sdata({ like: false })
    assert.deepStrictEqual(translate(noLike, "a like 'x%'").params, {})
    const legacyDates = Ceql.Translate.sdata({
      formatDate: (instant) => `@${instant.toISOString().slice(0, 10)}@`,
      dates: ["Comp_UpdatedDate"]
    })
    assert.deepStrictEqual(translate(legacyDates, "Comp_UpdatedDate >= '2014-03-14'").params, {
      where: "Comp_UpdatedDate ge @2014-03-14@"
    })
  })

  it("keeps the whole query when nothing was sent, and passes absent queries through", () => {
    const where = Ceql.stripPositions(Ceql.comparison("a", "!=", "x"))
    const t = sdata(where, context)
    assert(Result.isSuccess(t))
    assert.strictEqual(t.success.residual, where)
    assert.deepStrictEqual(translate(sdata, "  "), { params: {}, residual: undefined, native: undefined })
  })
})

describe("Ceql.Translate.odata (Sage 200 $filter)", () => {
  const odata = Ceql.Translate.odata()

  it("writes date-times unquoted in UTC with Z", () => {
    const t = translate(odata, "date_time_updated>='2026-11-22T10:00:00'")
    assert.deepStrictEqual(t.params, { $filter: "date_time_updated ge 2026-11-22T10:00:00Z" })
    assert.deepStrictEqual(translate(odata, "date_time_updated > '2019-12-16T09:03:10.325Z'").params, {
      $filter: "date_time_updated gt 2019-12-16T09:03:10.325Z"
    })
    assert.deepStrictEqual(translate(odata, "date_time_updated > '2019-12-16T10:03:10.325+01:00'").params, {
      $filter: "date_time_updated gt 2019-12-16T09:03:10.325Z"
    })
  })

  it("writes each operator in OData syntax", () => {
    const cases: Array<[string, string | undefined, string | undefined]> = [
      [
        "name = 'O''Brien' and balance >= 100.50",
        "name eq 'O''Brien' and balance ge 100.50",
        "name = 'O''Brien'"
      ],
      ["id = 1", "id eq 1", undefined],
      ["id != 1", "id ne 1", "id != 1"],
      ["id < 1 or id > 9 or id <= 0 or id >= 10", "id lt 1 or id gt 9 or id le 0 or id ge 10", undefined],
      ["id in (1, 2)", "id eq 1 or id eq 2", undefined],
      ["id in (1, 2) and on_hold = false", "(id eq 1 or id eq 2) and on_hold eq false", undefined],
      ["id in (7)", "id eq 7", undefined],
      ["name like '%acme%'", "contains(name,'acme')", "name LIKE '%acme%'"],
      ["name like 'ac''me%'", "startswith(name,'ac''me')", "name LIKE 'ac''me%'"],
      ["name like '%corp'", "endswith(name,'corp')", "name LIKE '%corp'"],
      ["name like 'acme'", "name eq 'acme'", "name LIKE 'acme'"],
      ["name like 'a%b'", undefined, "name LIKE 'a%b'"],
      ["name like '%'", undefined, "name LIKE '%'"],
      ["name like '%%'", undefined, "name LIKE '%%'"],
      ["address.city = 'Leeds'", "address/city eq 'Leeds'", "address.city = 'Leeds'"],
      ["x is null", undefined, "x IS NULL"]
    ]
    for (const [where, native, residual] of cases) {
      const t = translate(odata, where)
      assert.deepStrictEqual(t.params, native === undefined ? {} : { $filter: native }, where)
      assert.strictEqual(residualText(t), residual, where)
    }
  })

  it("can lower-case LIKE for case-sensitive services, or keep LIKE in memory", () => {
    assert.deepStrictEqual(
      translate(Ceql.Translate.odata({ like: "tolower" }), "name like '%ACME%'").params,
      {
        $filter: "contains(tolower(name),'acme')"
      }
    )
    assert.deepStrictEqual(translate(Ceql.Translate.odata({ like: "none" }), "name like '%ACME%'").params, {})
    assert.deepStrictEqual(
      translate(
        Ceql.Translate.odata({ fields: ["date_time_updated"] }),
        "date_time_updated > '2020-01-01T00:00:00Z' and x = 1"
      ).params,
      { $filter: "date_time_updated gt 2020-01-01T00:00:00Z" }
    )
  })
})

describe("Ceql.Translate.params (plain parameters)", () => {
  const sageAccounting = Ceql.Translate.params(
    {
      lastModifiedDate: {
        ">=": "updated_or_created_since",
        ">": "updated_or_created_since",
        field: "updated_at"
      },
      attributes: { "=": "attributes", pseudo: true },
      contact_type_id: { "=": "contact_type_id", in: "contact_type_id" }
    },
    { format: Ceql.Translate.formatIsoDates }
  )

  it("translates the contract example and the seed poller", () => {
    for (const date of ["2026-01-01T00:00:00Z", "2026-11-22T10:00:00Z"]) {
      const t = translate(
        sageAccounting,
        `lastModifiedDate>='${date}' and attributes='created_at,updated_at'`
      )
      assert.deepStrictEqual(t.params, {
        updated_or_created_since: date,
        attributes: "created_at,updated_at"
      })
      assert.strictEqual(t.residual, undefined)
    }
  })

  it("sends strict comparisons as the inclusive parameter and checks them again on the record field", () => {
    const t = translate(sageAccounting, "lastModifiedDate > '2026-01-01T00:00:00+01:00' and name like 'A%'")
    assert.deepStrictEqual(t.params, { updated_or_created_since: "2025-12-31T23:00:00Z" })
    assert.strictEqual(residualText(t), "updated_at > '2026-01-01T00:00:00+01:00' AND name LIKE 'A%'")
    assert.strictEqual(
      t.native === undefined ? undefined : Ceql.print(t.native),
      "updated_at >= '2026-01-01T00:00:00+01:00'"
    )
  })

  it("maps data-driven rules, IN lists and leaves the rest in memory", () => {
    const t = translate(
      sageAccounting,
      "contact_type_id in ('CUSTOMER', 'VENDOR') and lastModifiedDate < '2026-01-01'"
    )
    assert.deepStrictEqual(t.params, { contact_type_id: "CUSTOMER,VENDOR" })
    assert.strictEqual(residualText(t), "updated_at < '2026-01-01'")
    // One parameter carries one value: a second condition on it stays in memory.
    const twice = translate(sageAccounting, "contact_type_id = 'A' and contact_type_id = 'B'")
    assert.deepStrictEqual(twice.params, { contact_type_id: "A" })
    assert.strictEqual(residualText(twice), "contact_type_id = 'B'")
    assert.deepStrictEqual(translate(sageAccounting, "contact_type_id = 'A' or x = 1").params, {})
  })

  it("refuses pseudo-fields anywhere but a top-level AND with =, with the position", () => {
    const cases: Array<[string, number]> = [
      ["attributes = 'x' or a = 1", 0],
      ["a = 1 and attributes != 'x'", 10],
      ["not attributes = 'x'", 4],
      ["a = 1 and (b = 2 or ATTRIBUTES = 'x')", 20],
      ["attributes in ('x')", 0],
      ["attributes is null", 0]
    ]
    for (const [where, position] of cases) {
      const error = translationError(sageAccounting, where)
      assert.strictEqual(error._tag, "CeqlError")
      assert.strictEqual(error.position, position, where)
      assert.strictEqual(error.input, where)
      assert.include(error.message, `'`)
      assert.include(error.message, "is a parameter of this resource, not a field")
      assert.include(error.message, `position ${position}`)
    }
    const twice = translationError(sageAccounting, "attributes = 'a' and attributes = 'b'")
    assert.include(twice.message, "more than once")
    assert.strictEqual(twice.position, 21)
    // Nested ANDs at the top level are still top-level conjuncts.
    assert.deepStrictEqual(translate(sageAccounting, "(a = 1 and attributes = 'x') and b = 2").params, {
      attributes: "x"
    })
  })

  it("offers a plain value format and honours per-rule formats", () => {
    const rules = Ceql.Translate.params({
      n: { "=": "n" },
      d: {
        ">=": "since",
        format: (value) => (value._tag === "String" ? value.value.slice(0, 10) : undefined)
      },
      b: { "=": "b" }
    })
    const t = translate(rules, "n = -1.50 and d >= '2026-01-01T10:00:00Z' and b = true")
    assert.deepStrictEqual(t.params, { n: "-1.50", since: "2026-01-01", b: "true" })
    const refused = translate(rules, "d >= 5")
    assert.deepStrictEqual(refused.params, {})
    assert.strictEqual(residualText(refused), "d >= 5")
  })
})

describe("Ceql.plan", () => {
  it.effect("parses and translates, failing with the parse error's position", () =>
    Effect.gen(function* () {
      const t = yield* Ceql.plan("a = 1", Ceql.Translate.sdata(), context)
      assert.deepStrictEqual(t.params, { where: "a eq 1" })
      const none = yield* Ceql.plan(undefined, Ceql.Translate.none, context)
      assert.deepStrictEqual(none, { params: {}, residual: undefined, native: undefined })
      const error = yield* Effect.flip(Ceql.plan("a = ", Ceql.Translate.sdata(), context))
      assert.strictEqual(error.position, 4)
      const all = yield* Ceql.plan("a = 1", Ceql.Translate.none, context)
      assert.strictEqual(residualText(all), "a = 1")
    })
  )
})

// ---- Soundness: vendor filter (simulated) then residual equals the full query ----

const matchesAll = (expr: Ceql.Expr | undefined, record: unknown) =>
  expr === undefined || Ceql.evaluate(expr, record)

const lowerStrings = (value: unknown): unknown =>
  typeof value === "string"
    ? value.toLowerCase()
    : Array.isArray(value)
      ? value.map(lowerStrings)
      : typeof value === "object" && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lowerStrings(v)]))
        : value

const lowerLiterals = (expr: Ceql.Expr): Ceql.Expr => {
  const lower = (literal: Ceql.Literal): Ceql.Literal =>
    literal._tag === "String" ? { ...literal, value: literal.value.toLowerCase() } : literal
  switch (expr._tag) {
    case "Comparison":
      return { ...expr, value: lower(expr.value) }
    case "Like":
      return expr
    case "In":
      return { ...expr, values: expr.values.map(lower) as unknown as Ceql.In["values"] }
    case "IsNull":
      return expr
    case "Not":
      return { ...expr, expr: lowerLiterals(expr.expr) }
    case "And":
    case "Or":
      return { ...expr, operands: expr.operands.map(lowerLiterals) as unknown as Ceql.And["operands"] }
  }
}

const translators: ReadonlyArray<[string, Ceql.Translator, { caseInsensitiveVendor: boolean }]> = [
  ["sdata", Ceql.Translate.sdata(), { caseInsensitiveVendor: true }],
  ["sdata recheck=text", Ceql.Translate.sdata({ recheck: "text" }), { caseInsensitiveVendor: false }],
  ["sdata recheck=all", Ceql.Translate.sdata({ recheck: "all" }), { caseInsensitiveVendor: true }],
  [
    "sdata limited fields",
    Ceql.Translate.sdata({ fields: ["name", "amount", "meta.updated"] }),
    { caseInsensitiveVendor: true }
  ],
  ["odata", Ceql.Translate.odata(), { caseInsensitiveVendor: true }],
  [
    "odata tolower",
    Ceql.Translate.odata({ like: "tolower", recheck: "text" }),
    { caseInsensitiveVendor: false }
  ],
  [
    "odata dates by field",
    Ceql.Translate.odata({ dates: ["created", "meta.updated"] }),
    { caseInsensitiveVendor: true }
  ],
  [
    "params",
    Ceql.Translate.params({
      amount: {
        ">=": "min",
        ">": "min",
        "<=": "max",
        "<": "below",
        "=": "amount",
        in: "amounts",
        "!=": "not"
      },
      name: { "=": "name", like: "q" },
      created: { ">": "since", field: "CREATED" },
      tags: { "=": "tag" }
    }),
    { caseInsensitiveVendor: false }
  ],
  ["none", Ceql.Translate.none, { caseInsensitiveVendor: false }]
]

describe("translation soundness", () => {
  it("native filter then residual gives exactly the records the full query matches", () => {
    for (const [name, translator, { caseInsensitiveVendor }] of translators) {
      fc.assert(
        fc.property(poolExpr, fc.array(poolRecord, { minLength: 1, maxLength: 10 }), (expr, records) => {
          const result = translator(expr, context)
          if (Result.isFailure(result)) throw new Error(`${name}: ${result.failure.message}`)
          const { native, residual } = result.success
          const expected = records.filter((r) => Ceql.evaluate(expr, r))
          const actual = records.filter((r) => matchesAll(native, r) && matchesAll(residual, r))
          assert.deepStrictEqual(actual, expected, `${name}: ${Ceql.print(expr)}`)
          if (caseInsensitiveVendor && native !== undefined) {
            // A vendor that compares strings ignoring case must still return a superset.
            const loose = lowerLiterals(native)
            const vendor = records.filter((r) => Ceql.evaluate(loose, lowerStrings(r)))
            for (const record of expected)
              assert.include(vendor, record, `${name} (case-insensitive vendor): ${Ceql.print(expr)}`)
            const final = vendor.filter((r) => matchesAll(residual, r))
            assert.deepStrictEqual(final, expected, `${name} (case-insensitive vendor): ${Ceql.print(expr)}`)
          }
        }),
        { numRuns: 1000 }
      )
    }
  })

  it("pseudo-field conditions are sent and never filter in memory", () => {
    const translator = Ceql.Translate.params({
      attributes: { "=": "attributes", pseudo: true },
      amount: { ">=": "min" }
    })
    fc.assert(
      fc.property(poolExpr, fc.array(poolRecord, { minLength: 1, maxLength: 10 }), (expr, records) => {
        const where = Ceql.and([Ceql.comparison("attributes", "=", "x"), expr])!
        const result = translator(where, context)
        if (Result.isFailure(result)) throw new Error(result.failure.message)
        assert.strictEqual(result.success.params.attributes, "x")
        const actual = records.filter(
          (r) => matchesAll(result.success.native, r) && matchesAll(result.success.residual, r)
        )
        assert.deepStrictEqual(
          actual,
          records.filter((r) => Ceql.evaluate(expr, r))
        )
      }),
      { numRuns: 500 }
    )
  })
})
