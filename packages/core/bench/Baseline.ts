/**
 * Benchmarks with a committed baseline: each measured benchmark is shown next to the figure
 * recorded in `bench/baselines/<slug>.json`, so a run says at a glance whether a change made things
 * faster or slower. `BENCH_WRITE_BASELINE=1 pnpm --filter @plugboard/core bench` records new
 * baselines (commit them with the machine they were taken on in the commit message).
 */
import { existsSync } from "node:fs"
import type { Bench, BenchFn } from "vitest"

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")

const file = (name: string) => `bench/baselines/${slug(name)}.json`

/** The benchmark `name`, plus its stored baseline when there is one; spread into `bench.compare`. */
export const withBaseline = (bench: Bench, name: string, fn: BenchFn) => {
  const path = file(name)
  const write = process.env["BENCH_WRITE_BASELINE"] === "1"
  const live = write ? bench(name, { writeResult: path }, fn) : bench(name, fn)
  return !write && existsSync(new URL(`../${path}`, import.meta.url))
    ? [live, bench.from(`${name} (baseline)`, path)]
    : [live]
}
