import type { Options } from "tsup"
import { packageBuild } from "../../tsup.shared.js"

// The SQLite driver is bundled: the published @effect/sql-sqlite-node beta imports effect's old
// `effect/unstable/...` paths, which this repository patches (patches/); a user's npm install would
// get the unpatched copy. Bundled, the patched code ships inside dist and imports the user's effect.
export default {
  ...(packageBuild(["src/index.ts", "src/main.ts"]) as Options),
  noExternal: ["@effect/sql-sqlite-node"],
  // `node:sqlite` has no unprefixed name; the prefix must survive bundling.
  removeNodeProtocol: false
} satisfies Options
