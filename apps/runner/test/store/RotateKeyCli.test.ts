/**
 * `plugboard-runner rotate-key` as an operator runs it, in process, on an embedded runner whose key
 * was generated into the data directory: `--generate` replaces the key file and keeps the old key
 * as a previous one, the runner keeps serving, the previous-keys file can then go, an explicit
 * `PLUGBOARD_ENCRYPTION_KEY` can take over from the generated file, and a missing key is reported
 * by its id with a failing exit.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeServices } from "@effect/platform-node"
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ConfigProvider, Console, Effect, Exit } from "effect"
import { Command } from "effect/cli"
import { command } from "../../src/Cli.js"
import * as Cipher from "../../src/store/Cipher.js"
import * as EncryptionKey from "../../src/store/EncryptionKey.js"
import { sageCrmBody } from "../support/Seeds.js"
import {
  authorization,
  dumpRows,
  keyBytes,
  newKey,
  sealedKeyIds,
  settingsFor,
  startRunner
} from "./RotationHarness.js"

// API answers are read loosely: the assertions check the fields they need.
// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const CRM_PASSWORD = "crm-password-canary-cli-90ab"

describe("rotate-key command (embedded)", () => {
  let dataDir: string
  let crm: FakeSageCrm
  let token: string

  /** Runs the CLI with these arguments and environment; its output lines and exit. */
  const cli = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
    const lines: Array<string> = []
    const capture = (...parts: ReadonlyArray<unknown>) => {
      lines.push(parts.map(String).join(" "))
    }
    const exit = await Effect.runPromiseExit(
      Command.runWith(command, { version: "test" })(args).pipe(
        Effect.provideService(Console.Console, { ...globalThis.console, log: capture, error: capture }),
        Effect.provideService(
          ConfigProvider.ConfigProvider,
          ConfigProvider.fromEnv({ env: { PLUGBOARD_DATA_DIR: dataDir, LOG_LEVEL: "error", ...env } })
        ),
        Effect.provide(NodeServices.layer)
      )
    )
    return { output: lines.join("\n"), exit }
  }

  const keyFile = () => join(dataDir, EncryptionKey.KEY_FILE)
  const previousFile = () => join(dataDir, EncryptionKey.PREVIOUS_KEYS_FILE)
  const fileKeyId = (path: string) => Cipher.keyId(keyBytes(readFileSync(path, "utf8").trim()))
  const embedded = (key?: string) => settingsFor({ dataDir, databaseUrl: undefined, key })
  const storedIds = async () => [...new Set(sealedKeyIds(await dumpRows(embedded())))]

  /** The instance answers over the API with the runner's own keys. */
  const usable = async (key?: string) => {
    const runner = await startRunner(embedded(key), [SageCrm])
    try {
      const response = await runner.call("/hubs/crm/accounts", {
        headers: { authorization: authorization(token) }
      })
      assert.strictEqual(response.status, 200, await response.clone().text())
    } finally {
      await runner.close()
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "plugboard-rotate-cli-"))
    crm = await startFakeSageCrm({ username: "admin", password: CRM_PASSWORD })
    const runner = await startRunner(embedded(), [SageCrm])
    try {
      const response = await runner.call("/instances", {
        method: "POST",
        headers: { authorization: authorization() },
        json: sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: CRM_PASSWORD })
      })
      const instance = (await response.json()) as Json
      assert.strictEqual(response.status, 200, JSON.stringify(instance))
      token = instance.token
    } finally {
      await runner.close()
    }
  })

  afterAll(async () => {
    await crm?.close()
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  })

  it("--generate writes a new 0600 key file, keeps the old key as previous, and re-encrypts", async () => {
    const oldId = fileKeyId(keyFile())
    assert.deepStrictEqual(await storedIds(), [oldId])

    const { output, exit } = await cli(["rotate-key", "--generate", "--batch-size", "1"])
    assert.isTrue(Exit.isSuccess(exit), output)
    const newId = fileKeyId(keyFile())
    assert.notStrictEqual(newId, oldId)
    assert.strictEqual(statSync(keyFile()).mode & 0o777, 0o600)
    assert.strictEqual(statSync(previousFile()).mode & 0o777, 0o600)
    assert.strictEqual(fileKeyId(previousFile()), oldId)
    assert.include(output, `new key ${newId}`)
    assert.include(output, "instances: 1 rows, 2 values re-encrypted, 0 already under the current key")
    assert.include(output, `every stored secret is under key ${newId}`)
    assert.notInclude(output, readFileSync(keyFile(), "utf8").trim(), "the key itself is never printed")
    assert.deepStrictEqual(await storedIds(), [newId])

    await usable()
  })

  it("a dry run afterwards finds nothing to do; the previous-keys file can then go", async () => {
    const { output, exit } = await cli(["rotate-key", "--dry-run"])
    assert.isTrue(Exit.isSuccess(exit), output)
    assert.include(output, "instances: 1 rows, 0 values to re-encrypt, 2 already under the current key")
    rmSync(previousFile())
    await usable()
  })

  it("an explicit PLUGBOARD_ENCRYPTION_KEY takes over: the generated file still opens the old values", async () => {
    const explicit = newKey()
    const refused = await cli(["rotate-key", "--generate"], { PLUGBOARD_ENCRYPTION_KEY: explicit })
    assert.isTrue(Exit.isFailure(refused.exit))
    assert.include(String(Exit.isFailure(refused.exit) ? refused.exit.cause : ""), "PLUGBOARD_ENCRYPTION_KEY")

    const { output, exit } = await cli(["rotate-key"], { PLUGBOARD_ENCRYPTION_KEY: explicit })
    assert.isTrue(Exit.isSuccess(exit), output)
    const explicitId = Cipher.keyId(keyBytes(explicit))
    assert.deepStrictEqual(await storedIds(), [explicitId])
    await usable(explicit)

    // A key nobody holds any more: nothing changes, the exit fails and names the key id needed.
    const missing = await cli(["rotate-key"], { PLUGBOARD_ENCRYPTION_KEY: newKey() })
    assert.isTrue(Exit.isFailure(missing.exit))
    assert.include(missing.output, `sealed with key ${explicitId}`)
    assert.notInclude(missing.output, explicit)
    assert.deepStrictEqual(await storedIds(), [explicitId])
    assert.isTrue(existsSync(keyFile()))
  })
})
