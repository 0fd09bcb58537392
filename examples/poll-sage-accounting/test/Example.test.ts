import { execFile } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const script = `${root}dist/main.js`
const run = promisify(execFile)

/** The first `text` block under "## What it prints" in the README: what the script must print. */
const promised = (): string => {
  const readme = readFileSync(`${root}README.md`, "utf8")
  const section = readme.slice(readme.indexOf("## What it prints"))
  const block = /```text\n([\s\S]*?)```/.exec(section)
  if (block?.[1] === undefined) throw new Error("README.md has no text block under '## What it prints'")
  return block[1]
}

const requireBuild = () =>
  assert.isTrue(
    existsSync(script),
    "dist/main.js is missing: run `pnpm turbo run build --filter @plugboard/example-poll-sage-accounting...` first"
  )

describe("the poll-sage-accounting example", () => {
  it("prints exactly what its README says", async () => {
    requireBuild()
    const { stdout, stderr } = await run(process.execPath, [script], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, POLL_INTERVAL_SECONDS: "0.2" }
    })
    assert.strictEqual(stdout, promised())
    assert.strictEqual(stderr, "")
  })

  it("refuses an interval that is not a number of seconds", async () => {
    requireBuild()
    const failure = await run(process.execPath, [script, "--interval", "soon"], {
      cwd: root,
      timeout: 60_000
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error
    )
    assert.strictEqual(failure?.code, 2)
    assert.include(failure?.stderr, "--interval")
    assert.include(failure?.stderr, "'soon'")
  })
})
