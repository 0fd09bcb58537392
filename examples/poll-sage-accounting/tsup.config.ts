import { defineConfig } from "tsup"

// A script, not a library: one ESM entry for `node dist/main.js`; the workspace packages it imports
// stay external and load from their own builds, as they would from npm.
export default defineConfig({
  entry: ["src/main.ts"],
  format: ["esm"],
  clean: true,
  sourcemap: true,
  target: "node20"
})
