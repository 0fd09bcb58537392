import { defineConfig } from "vitest/config"

// Workspace packages export their TypeScript sources under the "@plugboard/source" condition, so
// tests run against src without a build; published packages resolve dist instead.
export default defineConfig({
  resolve: { conditions: ["@plugboard/source"] },
  ssr: { resolve: { conditions: ["@plugboard/source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    benchmark: { include: ["bench/**/*.bench.ts"] },
    testTimeout: 30_000,
    // The JSON report feeds scripts/test-summary.mjs, which prints the one closing line CI reads.
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]]
  }
})
