import { Ceql } from "@plugboard/core"
import { Result } from "effect"
import { test } from "vitest"
import { withBaseline } from "./Baseline.js"

// A realistic poller/client query: five conjuncts mixing dates, strings, numbers, LIKE and IN.
const query =
  "Comp_UpdatedDate >= '2026-11-22T10:00:00Z' AND Comp_Status = 'Active' AND Comp_Revenue > 1000.50 " +
  "AND Comp_Name LIKE 'Ac%' AND Comp_Type IN ('Customer', 'Prospect')"

const parsed = Ceql.parseResult(query)
if (Result.isFailure(parsed)) throw new Error(parsed.failure.message)
const expr = parsed.success

const statuses = ["Active", "Inactive", "Archived"]
const types = ["Customer", "Prospect", "Supplier", "Partner"]
const records = Array.from({ length: 10_000 }, (_, i) => ({
  comp_companyid: i,
  comp_name: i % 7 === 0 ? `Acme ${i}` : `Company ${i}`,
  comp_status: statuses[i % statuses.length],
  comp_type: types[i % types.length],
  comp_revenue: (i * 37) % 5000,
  comp_updateddate: new Date(Date.UTC(2026, 10, 20) + i * 60_000).toISOString(),
  address: { city: "Leeds", zip: "LS1" }
}))

// Vitest 5 benchmarks are registered from a test through its `bench` fixture.
test("CEQL parse, evaluate and translate", async ({ bench }) => {
  await bench.compare(
    ...withBaseline(bench, "parse a 5-conjunct query", () => {
      Ceql.parseResult(query)
    }),
    ...withBaseline(bench, "evaluate the query over 10,000 records (compiled once)", () => {
      const predicate = Ceql.compile(expr)
      let n = 0
      for (const record of records) if (predicate(record)) n++
      if (n < 0) throw new Error("unreachable")
    }),
    ...withBaseline(bench, "translate the query to SData", () => {
      Ceql.Translate.sdata()(expr, { resource: "accounts" })
    })
  )
})
