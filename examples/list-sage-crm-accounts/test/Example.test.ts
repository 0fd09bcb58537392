import { execFile } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const script = `${root}dist/main.js`

/** The first `text` block under "## What it prints" in the README: what the script must print. */
const promised = (): string => {
  const readme = readFileSync(`${root}README.md`, "utf8")
  const section = readme.slice(readme.indexOf("## What it prints"))
  const block = /```text\n([\s\S]*?)```/.exec(section)
  if (block?.[1] === undefined) throw new Error("README.md has no text block under '## What it prints'")
  return block[1]
}

describe("the list-sage-crm-accounts example", () => {
  it("prints exactly what its README says", async () => {
    assert.isTrue(
      existsSync(script),
      "dist/main.js is missing: run `pnpm turbo run build --filter @plugboard/example-list-sage-crm-accounts...` first"
    )
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [script], {
      cwd: root,
      timeout: 60_000
    })
    assert.strictEqual(stdout, promised())
    assert.strictEqual(stderr, "")
  })
})
