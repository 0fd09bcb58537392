import { defineConfig } from "tsup"

/** The build every publishable package uses: ESM with bundled declarations, dependencies external. */
export const packageBuild = (entry: Array<string> = ["src/index.ts"]) =>
  defineConfig({
    entry,
    format: ["esm"],
    dts: true,
    clean: true,
    sourcemap: true,
    target: "node20",
    tsconfig: "tsconfig.build.json"
  })
