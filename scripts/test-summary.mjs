// Sums the vitest JSON reports of every workspace package into one closing line,
// "Tests: N passed, N failed, N skipped", and fails when no test ran at all.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
let passed = 0
let failed = 0
let skipped = 0
for (const group of ["packages", "apps", "examples"]) {
  const dir = join(root, group)
  if (!existsSync(dir)) continue
  for (const name of readdirSync(dir)) {
    const report = join(dir, name, ".vitest-report.json")
    if (!existsSync(report)) continue
    const json = JSON.parse(readFileSync(report, "utf8"))
    passed += json.numPassedTests ?? 0
    failed += json.numFailedTests ?? 0
    skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0)
  }
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
