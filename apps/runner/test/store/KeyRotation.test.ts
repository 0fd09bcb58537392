/**
 * Key rotation end to end on SQLite and (when reachable) PostgreSQL: instances created over the API
 * with canary secrets under one key, rotated to another — first interrupted, then resumed — after
 * which every sealed value names the new key, a runner holding only the new key serves them all, no
 * canary is in the database, and a flipped ciphertext bit is refused rather than re-encrypted.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SageAccounting } from "@plugboard/connector-sage-accounting"
import {
  type FakeSageAccounting,
  startFakeSageAccounting
} from "@plugboard/connector-sage-accounting/testing"
import { SageCrm } from "@plugboard/connector-sagecrm"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import type { Settings } from "../../src/Settings.js"
import * as Cipher from "../../src/store/Cipher.js"
import { Instances } from "../../src/store/Instances.js"
import * as KeyRotation from "../../src/store/KeyRotation.js"
import { freshPostgres, postgresReachable } from "../support/Backends.js"
import { sageCrmBody, sageOneBody } from "../support/Seeds.js"
import {
  authorization,
  databaseLayer,
  dumpRows,
  keyBytes,
  newKey,
  onDatabase,
  sealedKeyIds,
  settingsFor,
  startRunner
} from "./RotationHarness.js"

type Backend = "sqlite" | "postgres"
const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

// API answers are read loosely: the assertions check the fields they need.
// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const CRM_PASSWORD = "crm-password-canary-rot-4d1c"
const CLIENT_SECRET = "client-secret-canary-rot-8e07"
const SIGNING_SECRET = "signing-secret-canary-rot-31f9"
const SUBSCRIPTION_KEY = "apim-key-canary-rot-6a52"
const CALLBACK_KEYS = [
  "callback-key-canary-rot-a1",
  "callback-key-canary-rot-b2",
  "callback-key-canary-rot-c3"
]

const connectors = [SageCrm, SageAccounting]

describe.each(backends)("key rotation on %s", (backend) => {
  const k1 = newKey()
  const k2 = newKey()
  const k3 = newKey()
  const id1 = Cipher.keyId(keyBytes(k1))
  const id2 = Cipher.keyId(keyBytes(k2))
  const id3 = Cipher.keyId(keyBytes(k3))
  let dataDir: string
  let databaseUrl: string | undefined
  let dropDatabase: () => Promise<void> = async () => {}
  let crm: FakeSageCrm
  let sage: FakeSageAccounting
  const instances: Array<{ readonly id: number; readonly token: string; readonly element: string }> = []

  const settings = (key: string, previous: ReadonlyArray<string> = []): Settings =>
    settingsFor({ dataDir, databaseUrl, key, previous })

  const databaseLayerFor = (key: string, previous: ReadonlyArray<string>) =>
    databaseLayer(settings(key, previous))

  const cipher = (key: string, previous: ReadonlyArray<string> = []) =>
    Cipher.make(keyBytes(key), previous.map(keyBytes))

  const rotate = (
    key: string,
    previous: ReadonlyArray<string>,
    options: KeyRotation.Options = {}
  ): Promise<KeyRotation.Report> =>
    onDatabase(settings(key, previous), KeyRotation.rotate(cipher(key, previous), options))

  /** Key ids of every sealed value, read through SQL. */
  const storedKeyIds = async () => sealedKeyIds(await dumpRows(settings(k1)))

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "plugboard-rotation-"))
    if (backend === "postgres") {
      const postgres = await freshPostgres()
      databaseUrl = postgres.url
      dropDatabase = postgres.drop
    }
    crm = await startFakeSageCrm({ username: "admin", password: CRM_PASSWORD })
    crm.store.insert("Company", { comp_name: "Acme Ltd", comp_type: "Customer" })
    sage = await startFakeSageAccounting({
      clients: [{ clientId: "client-1", clientSecret: CLIENT_SECRET }],
      subscriptionKey: SUBSCRIPTION_KEY
    })

    const runner = await startRunner(settings(k1), connectors)
    try {
      for (const callbackKey of CALLBACK_KEYS) {
        const body = sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password: CRM_PASSWORD })
        const response = await runner.call("/instances", {
          method: "POST",
          headers: { authorization: authorization() },
          json: {
            ...body,
            configuration: { ...body.configuration, "event.notification.signature.key": callbackKey }
          }
        })
        const instance = (await response.json()) as Json
        assert.strictEqual(response.status, 200, JSON.stringify(instance))
        instances.push({ id: instance.id, token: instance.token, element: "sagecrm" })
      }
      const code = sage.oauth.issueCode({ clientId: "client-1", redirectUri: "https://mycoolapp.com" })
      const body = sageOneBody({
        code,
        clientId: "client-1",
        clientSecret: CLIENT_SECRET,
        baseUrl: sage.baseUrl,
        tokenUrl: sage.tokenUrl,
        signingSecret: SIGNING_SECRET,
        subscriptionKey: SUBSCRIPTION_KEY
      })
      const response = await runner.call("/instances", {
        method: "POST",
        headers: { authorization: authorization() },
        // Events off: this suite is about what is stored, not about polling.
        json: { ...body, configuration: { ...body.configuration, "event.notification.enabled": false } }
      })
      const instance = (await response.json()) as Json
      assert.strictEqual(response.status, 200, JSON.stringify(instance))
      instances.push({ id: instance.id, token: instance.token, element: "sageone" })
    } finally {
      await runner.close()
    }
  })

  afterAll(async () => {
    await crm?.close()
    await sage?.close()
    await dropDatabase()
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  })

  it("starts with every sealed value under the first key, in every sealed table", async () => {
    const dump = await dumpRows(settings(k1))
    const ids = sealedKeyIds(dump)
    // 4 instance tokens, 3 × (password + callback key) + 4 Sage secrets, 1 OAuth token set.
    assert.isAtLeast(ids.length, 4 + 6 + 4 + 1)
    assert.deepStrictEqual([...new Set(ids)], [id1])
    const oauthTokens = dump.slice(dump.indexOf("oauth_tokens\n"))
    assert.include(oauthTokens.split("\n")[1], `pb1.${id1}.`, "the OAuth token set is sealed too")
    const census = await onDatabase(settings(k1), KeyRotation.census(id2))
    assert.deepStrictEqual(census, { [id1]: ids.length })
  })

  it("a dry run opens everything, counts, and writes nothing", async () => {
    const before = await storedKeyIds()
    const report = await rotate(k2, [k1], { dryRun: true })
    assert.isTrue(report.dryRun)
    assert.strictEqual(report.resealed, before.length)
    assert.lengthOf(report.failures, 0)
    assert.isFalse(report.complete)
    assert.deepStrictEqual(await storedKeyIds(), before)
  })

  it("without the old key, nothing is changed and the error names the missing key id", async () => {
    const before = await dumpRows(settings(k1))
    const report = await rotate(k2, [])
    assert.strictEqual(report.resealed, 0)
    assert.isAbove(report.failures.length, 0)
    for (const failure of report.failures) {
      assert.strictEqual(failure.keyId, id1)
      assert.include(failure.message, id1)
      assert.notInclude(failure.message, k1)
    }
    assert.deepStrictEqual(report.remaining, { [id1]: sealedKeyIds(before).length })
    assert.strictEqual(await dumpRows(settings(k1)), before)
  })

  it("an interrupted rotation keeps what it committed, and the next run completes it", async () => {
    const total = (await storedKeyIds()).length

    // Stopped by --limit after two rows.
    const limited = await rotate(k2, [k1], { batchSize: 1, limit: 2 })
    assert.isTrue(limited.limited)
    assert.isFalse(limited.complete)
    assert.strictEqual(limited.tables[0]?.rowsUpdated, 2)
    const afterLimit = await storedKeyIds()
    assert.include(afterLimit, id1)
    assert.include(afterLimit, id2)

    // Dies right after the first page it rewrites is committed (a crash): that page stays.
    const crashed = await Effect.runPromiseExit(
      KeyRotation.rotate(cipher(k2, [k1]), {
        batchSize: 1,
        onBatch: (progress) =>
          progress.rowsUpdated > 0 ? Effect.die(new Error("simulated crash")) : Effect.void
      }).pipe(Effect.provide(databaseLayerFor(k2, [k1])))
    )
    assert.isTrue(Exit.isFailure(crashed))
    const afterCrash = await storedKeyIds()
    assert.isAbove(afterCrash.filter((id) => id === id2).length, afterLimit.filter((id) => id === id2).length)
    assert.include(afterCrash, id1)

    const resumed = await rotate(k2, [k1], { batchSize: 1 })
    assert.isTrue(resumed.complete, JSON.stringify(resumed.remaining))
    assert.lengthOf(resumed.failures, 0)
    assert.strictEqual(resumed.conflicts, 0)
    assert.isAbove(resumed.alreadyCurrent, 0, "rows done before the interruption are skipped")
    assert.strictEqual(resumed.resealed + resumed.alreadyCurrent, total)
    const ids = await storedKeyIds()
    assert.lengthOf(ids, total)
    assert.deepStrictEqual([...new Set(ids)], [id2])

    // Running again is a no-op.
    const again = await rotate(k2, [k1])
    assert.strictEqual(again.resealed, 0)
    assert.strictEqual(again.alreadyCurrent, total)
    assert.isTrue(again.complete)
  })

  it("the old key alone opens nothing any more: the error names the new key id", async () => {
    const sealed = sealedKeyIds(await dumpRows(settings(k1)))
    assert.isAbove(sealed.length, 0)
    const report = await rotate(k1, [], { dryRun: true })
    assert.isAbove(report.failures.length, 0)
    for (const failure of report.failures) assert.strictEqual(failure.keyId, id2)
  })

  it("with the old key removed from the previous keys, every instance still works over the API", async () => {
    const runner = await startRunner(settings(k2), connectors)
    try {
      for (const instance of instances) {
        const read = await runner.call(`/instances/${instance.id}`, {
          headers: { authorization: authorization() }
        })
        const body = (await read.json()) as Json
        assert.strictEqual(read.status, 200, JSON.stringify(body))
        assert.strictEqual(body.token, instance.token)
        const hub = instance.element === "sagecrm" ? "/hubs/crm/accounts" : "/hubs/finance/customers"
        const call = await runner.call(hub, { headers: { authorization: authorization(instance.token) } })
        assert.strictEqual(call.status, 200, await call.clone().text())
      }
      const listed = await runner.call("/instances", { headers: { authorization: authorization() } })
      assert.strictEqual(listed.status, 200)
      assert.lengthOf((await listed.json()) as Json, instances.length)
    } finally {
      await runner.close()
    }
  })

  it("the database holds no canary secret", async () => {
    const canaries = [
      CRM_PASSWORD,
      CLIENT_SECRET,
      SIGNING_SECRET,
      SUBSCRIPTION_KEY,
      ...CALLBACK_KEYS,
      ...sage.oauth.liveRefreshTokens(),
      ...instances.map((instance) => instance.token),
      k1,
      k2
    ]
    let dump = await dumpRows(settings(k2))
    assert.include(dump, "sagecrm")
    if (backend === "sqlite") {
      // The files themselves too: freed pages and the WAL keep old row versions.
      dump += readdirSync(dataDir)
        .filter((name) => name.startsWith("plugboard.db"))
        .map((name) => readFileSync(join(dataDir, name)).toString("latin1"))
        .join("\n")
    }
    for (const canary of canaries) assert.notInclude(dump, canary, "a secret is stored in clear")
  })

  it("a flipped ciphertext bit fails decryption, and rotation leaves that value alone", async () => {
    const target = instances[0]!
    const flipped = await onDatabase(
      settings(k2),
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{
          token_sealed: string
        }>`SELECT token_sealed FROM instances WHERE id = ${target.id}`
        const [version, id, iv, body] = rows[0]!.token_sealed.split(".") as [string, string, string, string]
        const bytes = Buffer.from(body, "base64url")
        bytes[0] = bytes[0]! ^ 0x01
        const damaged = `${version}.${id}.${iv}.${bytes.toString("base64url")}`
        yield* sql`UPDATE instances SET token_sealed = ${damaged} WHERE id = ${target.id}`
        return damaged
      })
    )

    const opened = await Effect.runPromiseExit(cipher(k2).open(flipped))
    assert.isTrue(Exit.isFailure(opened))

    const found = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const store = yield* Instances
        return yield* store.find(target.id)
      }).pipe(
        Effect.provide(
          Instances.layer.pipe(
            Layer.provide(Cipher.SecretCipher.layerKey(keyBytes(k2))),
            Layer.provide(databaseLayerFor(k2, []))
          )
        )
      )
    )
    assert.isTrue(Exit.isFailure(found))
    assert.include(String(Exit.isFailure(found) ? found.cause : ""), "failed authentication")

    const report = await rotate(k3, [k2])
    assert.lengthOf(report.failures, 1)
    const failure = report.failures[0]!
    assert.strictEqual(failure.table, "instances")
    assert.strictEqual(failure.row, target.id)
    assert.strictEqual(failure.column, "token_sealed")
    assert.strictEqual(failure.keyId, id2)
    assert.include(failure.message, "failed authentication")
    assert.deepStrictEqual(report.remaining, { [id2]: 1 })
    assert.isFalse(report.complete)
    const ids = await storedKeyIds()
    assert.strictEqual(ids.filter((id) => id === id3).length, ids.length - 1)
    const still = await onDatabase(
      settings(k3),
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{
          token_sealed: string
        }>`SELECT token_sealed FROM instances WHERE id = ${target.id}`
      })
    )
    assert.strictEqual(Option.getOrUndefined(Option.fromNullishOr(still[0]?.token_sealed)), flipped)
  })
})
