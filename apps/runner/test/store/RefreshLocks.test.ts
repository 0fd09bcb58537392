/**
 * The token refresh lock across runners (reliability.md "Credentials"). On PostgreSQL: the lease
 * itself (exclusion across two connection pools, take-over of a dead holder's lease, renewal while a
 * refresh outlasts the lease, release on failure and interruption); then 50 concurrent calls with an
 * expired access token split over two runners that share one database, against the fake Sage OAuth
 * server, which rotates refresh tokens and revokes the whole family when a rotated one is presented
 * again. Token calls are held back 150 ms, so both runners have read the old refresh token before
 * either saves the new one: with only in-process locks the family is revoked (the test would catch
 * a missing cross-runner lock), with the runner's lock there is exactly one token request. Last,
 * the same through two whole runners and their hub API (with a proxy holding token calls back). On
 * SQLite the lock stays in-process.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SageAccounting } from "@plugboard/connector-sage-accounting"
import {
  type FakeSageAccounting,
  startFakeSageAccounting
} from "@plugboard/connector-sage-accounting/testing"
import { Auth, Configuration, TokenStore, VendorHttp } from "@plugboard/core"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Option, Redacted, Scope } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { SqlClient } from "effect/sql"
import * as Runner from "../../src/Runner.js"
import { RunnerSettings, type Settings } from "../../src/Settings.js"
import { Instances } from "../../src/store/Instances.js"
import * as RefreshLease from "../../src/store/RefreshLease.js"
import { RefreshLocks } from "../../src/store/RefreshLocks.js"
import { Tenants } from "../../src/store/Tenants.js"
import { freshPostgres, postgresReachable } from "../support/Backends.js"
import { fakeOAuthConfiguration } from "../support/FakeOAuthVendor.js"
import { authorization, newKey, settingsFor, startRunner } from "./RotationHarness.js"

// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const reachable = await postgresReachable()

const TOKEN_DELAY_MILLIS = 150
const CALLS = 50
/**
 * Hub calls through whole runners pass Sage's request budget (3 a second per instance and runner,
 * and a hub call may take two vendor calls): fewer of them keep the test short, and the race that
 * matters — each runner's first call refreshing — is the same.
 */
const HUB_CALLS = 20

/** The runner's storage services on one database, as each runner process builds them. */
const storage = (settings: Settings) =>
  Runner.services.pipe(Layer.provideMerge(RunnerSettings.layerValue(settings)), Layer.orDie)

type Storage = Layer.Success<ReturnType<typeof storage>>

interface Opened {
  readonly run: <A, E>(effect: Effect.Effect<A, E, Storage>) => Promise<A>
  readonly context: Context.Context<Storage>
  readonly close: () => Promise<void>
}

const open = async (settings: Settings): Promise<Opened> => {
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(Layer.buildWithScope(storage(settings), scope))
  return {
    context,
    run: (effect) => Effect.runPromise(effect.pipe(Effect.provideContext(context))),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** A loopback proxy to `target` that holds every request back `delayMillis` before passing it on. */
const slowProxy = async (target: string, delayMillis: number) => {
  const server = createServer(async (request, response) => {
    const chunks: Array<Buffer> = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    await new Promise((resolve) => setTimeout(resolve, delayMillis))
    const headers = new Headers()
    for (const name of ["content-type", "authorization", "accept"]) {
      const value = request.headers[name]
      if (typeof value === "string") headers.set(name, value)
    }
    const answer = await fetch(target, {
      method: request.method ?? "POST",
      headers,
      ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks) })
    })
    response.writeHead(answer.status, {
      "content-type": answer.headers.get("content-type") ?? "application/json"
    })
    response.end(await answer.text())
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/token`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const refreshRequests = (fake: FakeSageAccounting) =>
  fake.oauth.tokenRequests.filter((request) => request.grantType === "refresh_token")

describe.skipIf(!reachable)("token refresh lock on PostgreSQL", () => {
  let database: Awaited<ReturnType<typeof freshPostgres>>
  let dataDir: string
  let settings: Settings
  let fake: FakeSageAccounting
  let first: Opened
  let second: Opened

  beforeAll(async () => {
    database = await freshPostgres()
    dataDir = mkdtempSync(join(tmpdir(), "plugboard-refresh-lock-"))
    settings = settingsFor({ dataDir, databaseUrl: database.url, key: newKey() })
    fake = await startFakeSageAccounting()
    // Two runners' worth of storage: each its own connection pool, one database. Built one after
    // the other so that their migrations do not race.
    first = await open(settings)
    second = await open(settings)
  })

  afterAll(async () => {
    await first?.close()
    await second?.close()
    await fake?.close()
    await database?.drop()
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  })

  const sqlOf = (opened: Opened) => Context.get(opened.context, SqlClient.SqlClient)

  /** Short timings, so that expiry and renewal happen within a test. */
  const quick: RefreshLease.LeaseOptions = {
    ...RefreshLease.defaults,
    leaseMillis: 800,
    renewMillis: 150
  }

  const leaseRows = (key: string) =>
    first.run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        return yield* sql<{ holder: string }>`SELECT holder FROM oauth_refresh_locks WHERE lock_key = ${key}`
      })
    )

  describe("the lease", () => {
    it("lets one holder in at a time across two connection pools", async () => {
      const locks = [RefreshLease.make(sqlOf(first)), RefreshLease.make(sqlOf(second))]
      const key = `exclusion-${randomBytes(4).toString("hex")}`
      let inside = 0
      let most = 0
      let entered = 0
      const section = Effect.gen(function* () {
        inside += 1
        entered += 1
        most = Math.max(most, inside)
        yield* Effect.sleep(5)
        inside -= 1
      })
      await Effect.runPromise(
        Effect.all(
          Array.from({ length: 20 }, (_, index) => locks[index % 2]!.withLock(key)(section)),
          { concurrency: "unbounded", discard: true }
        )
      )
      assert.strictEqual(entered, 20)
      assert.strictEqual(most, 1)
      assert.lengthOf(await leaseRows(key), 0, "every lease was released")
    })

    it("takes over the lease of a holder that died once it runs out", async () => {
      const key = `dead-${randomBytes(4).toString("hex")}`
      await first.run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO oauth_refresh_locks (lock_key, holder, expires_at)
            VALUES (${key}, 'a-runner-that-died', clock_timestamp() + interval '400 milliseconds')`
        })
      )
      const started = Date.now()
      await Effect.runPromise(RefreshLease.make(sqlOf(second), quick).withLock(key)(Effect.void))
      const waited = Date.now() - started
      assert.isAtLeast(waited, 250, `waited ${waited} ms for the dead holder's lease`)
      assert.isBelow(waited, 5_000)
      assert.lengthOf(await leaseRows(key), 0)
    })

    it("renews its lease while the guarded work outlasts it", async () => {
      const key = `renewed-${randomBytes(4).toString("hex")}`
      const holder = RefreshLease.make(sqlOf(first), quick)
      const waiter = RefreshLease.make(sqlOf(second), quick)
      const order: Array<string> = []
      await Effect.runPromise(
        Effect.gen(function* () {
          const long = yield* Effect.forkChild(
            holder.withLock(key)(
              Effect.gen(function* () {
                order.push("holder in")
                // Two and a half leases long: without renewal the waiter would take over in the middle.
                yield* Effect.sleep(2_000)
                order.push("holder out")
              })
            )
          )
          yield* Effect.sleep(50)
          yield* waiter.withLock(key)(Effect.sync(() => order.push("waiter in")))
          yield* Fiber.join(long)
        })
      )
      assert.deepStrictEqual(order, ["holder in", "holder out", "waiter in"])
    })

    it("releases the lease when the guarded work fails or is interrupted", async () => {
      const key = `released-${randomBytes(4).toString("hex")}`
      const lock = RefreshLease.make(sqlOf(first), quick)
      const failed = await Effect.runPromise(Effect.exit(lock.withLock(key)(Effect.fail("vendor down"))))
      assert.isTrue(Exit.isFailure(failed))
      assert.lengthOf(await leaseRows(key), 0)
      await Effect.runPromise(
        Effect.gen(function* () {
          const fiber = yield* Effect.forkChild(lock.withLock(key)(Effect.never))
          yield* Effect.sleep(100)
          assert.lengthOf(yield* Effect.promise(() => leaseRows(key)), 1, "held while working")
          yield* Fiber.interrupt(fiber)
        })
      )
      // Gone at once, not left to run out: the other pool takes it on its first attempt.
      assert.lengthOf(await leaseRows(key), 0)
      await Effect.runPromise(RefreshLease.make(sqlOf(second), quick).withLock(key)(Effect.void))
    })
  })

  describe(`${CALLS} concurrent calls with an expired access token, split over two runners`, () => {
    /** An instance whose stored tokens (a fresh family at the fake) are already due for refresh. */
    const expiredInstance = () =>
      first.run(
        Effect.gen(function* () {
          const tenants = yield* Tenants
          const organization = yield* tenants.createOrganization(`lock-${randomBytes(4).toString("hex")}`)
          const user = yield* tenants.createUser(organization.id, "lock@example.test")
          const configuration = yield* Configuration.decode(
            SageAccounting.configuration,
            fakeOAuthConfiguration(fake)
          )
          const instance = yield* (yield* Instances).insert({
            owner: { organizationId: organization.id, userId: user.id },
            elementKey: SageAccounting.key,
            name: "refresh lock",
            tags: [],
            configuration,
            eventsEnabled: false
          })
          const issued = yield* Auth.exchangeCode(SageAccounting, configuration, {
            code: fake.oauth.issueCode({ clientId: "test-client" }),
            redirectUri: "https://mycoolapp.com/callback"
          })
          const now = Date.now()
          yield* (yield* TokenStore.TokenStore).set(
            String(instance.id),
            new TokenStore.TokenSet({
              accessToken: issued.accessToken,
              ...(issued.refreshToken === undefined ? {} : { refreshToken: issued.refreshToken }),
              tokenType: issued.tokenType,
              obtainedAt: now - 600_000,
              expiresAt: now - 1_000
            })
          )
          fake.oauth.expireAccessTokens()
          return { id: String(instance.id), configuration }
        })
      )

    /** Token calls held back, so that both runners read the old refresh token before either saves a new one. */
    const slowTokenCalls = Layer.effect(
      HttpClient.HttpClient,
      Effect.gen(function* () {
        const client = yield* HttpClient.HttpClient
        return client.pipe(
          HttpClient.tapRequest((request) =>
            request.url.startsWith(fake.tokenUrl) ? Effect.sleep(TOKEN_DELAY_MILLIS) : Effect.void
          )
        )
      })
    ).pipe(Layer.provide(FetchHttpClient.layer))

    /**
     * Sage's request budget (3 a second per instance) would let the calls through two at a time; the
     * refresh lock is what is under test, so all 50 go at once.
     */
    const { rateLimit: _budget, ...unthrottled } = SageAccounting

    /** One runner's vendor client for the instance: its own caches and guards, its own lock. */
    const clientOn = (
      opened: Opened,
      instance: { readonly id: string; readonly configuration: Configuration.Configuration },
      lock: Auth.KeyedLock
    ) =>
      VendorHttp.make({
        connector: unthrottled,
        configuration: instance.configuration,
        instanceKey: instance.id
      }).pipe(
        Effect.provideService(Auth.RefreshLock, lock),
        Effect.provideService(VendorHttp.Guards, VendorHttp.makeGuards()),
        Effect.provideService(TokenStore.TokenStore, Context.get(opened.context, TokenStore.TokenStore)),
        Effect.provide(slowTokenCalls)
      )

    const storm = async (locks: readonly [Auth.KeyedLock, Auth.KeyedLock]) => {
      const instance = await expiredInstance()
      const before = refreshRequests(fake).length
      const revokedBefore = fake.oauth.revokedFamilies
      const outcomes = await Effect.runPromise(
        Effect.gen(function* () {
          const clients = [
            yield* clientOn(first, instance, locks[0]),
            yield* clientOn(second, instance, locks[1])
          ]
          return yield* Effect.all(
            Array.from({ length: CALLS }, (_, index) =>
              Effect.exit(
                clients[index % 2]!.request({ method: "GET", path: "/contacts", operation: "list contacts" })
              )
            ),
            { concurrency: "unbounded" }
          )
        })
      )
      return {
        instance,
        refreshes: refreshRequests(fake).length - before,
        revoked: fake.oauth.revokedFamilies - revokedBefore,
        succeeded: outcomes.filter(Exit.isSuccess).length
      }
    }

    it("with the runners' database lock: one token request, no revoked family, every call succeeds", async () => {
      const lock = (opened: Opened) => Context.get(opened.context, RefreshLocks)
      const result = await storm([lock(first), lock(second)])
      assert.strictEqual(result.refreshes, 1, "exactly one refresh_token request")
      assert.strictEqual(result.revoked, 0, "no token family revoked")
      assert.strictEqual(result.succeeded, CALLS)
      // The refresh token saved for both runners is the one the fake considers live.
      const saved = await second.run(
        Effect.gen(function* () {
          return yield* (yield* TokenStore.TokenStore).get(result.instance.id)
        })
      )
      const refreshToken = Option.getOrThrow(saved).refreshToken
      assert.include(fake.oauth.liveRefreshTokens(), refreshToken && Redacted.value(refreshToken))
    })

    it("with in-process locks only (what the runner had before): the replayed refresh token revokes the family", async () => {
      const result = await storm([Auth.makeLocalLock(), Auth.makeLocalLock()])
      assert.isAtLeast(result.refreshes, 2, "each runner refreshed")
      assert.isAtLeast(result.revoked, 1, "the vendor revoked the family")
      assert.isBelow(result.succeeded, CALLS, "calls failed once the grant was gone")
    })
  })

  it(`two whole runners on one database: ${HUB_CALLS} hub calls after the access token expired, one token request`, async () => {
    const proxy = await slowProxy(fake.tokenUrl, TOKEN_DELAY_MILLIS)
    const runnerDir = mkdtempSync(join(tmpdir(), "plugboard-refresh-runners-"))
    const runnerSettings = settingsFor({ dataDir: runnerDir, databaseUrl: database.url, key: newKey() })
    const runners = [
      await startRunner(runnerSettings, [SageAccounting], { ownProcess: true }),
      await startRunner(runnerSettings, [SageAccounting], { ownProcess: true })
    ]
    try {
      const created = await runners[0]!.call("/instances", {
        method: "POST",
        headers: { authorization: authorization() },
        json: {
          element: { key: SageAccounting.key },
          providerData: { code: fake.oauth.issueCode({ clientId: "test-client" }) },
          configuration: fakeOAuthConfiguration(fake, proxy.url),
          name: "two runners"
        }
      })
      const instance: Json = await created.json()
      assert.strictEqual(created.status, 200, JSON.stringify(instance))
      fake.oauth.expireAccessTokens()
      const before = refreshRequests(fake).length
      const revokedBefore = fake.oauth.revokedFamilies
      const answers = await Promise.all(
        Array.from({ length: HUB_CALLS }, (_, index) =>
          runners[index % 2]!.call("/hubs/finance/customers", {
            headers: { authorization: authorization(instance.token) }
          }).then(async (response) => ({ status: response.status, body: await response.text() }))
        )
      )
      const failed = answers.filter((answer) => answer.status !== 200)
      assert.lengthOf(failed, 0, JSON.stringify(failed.slice(0, 3)))
      assert.strictEqual(refreshRequests(fake).length - before, 1, "exactly one refresh_token request")
      assert.strictEqual(fake.oauth.revokedFamilies - revokedBefore, 0, "no token family revoked")
    } finally {
      for (const runner of runners) await runner.close()
      await proxy.close()
      rmSync(runnerDir, { recursive: true, force: true })
    }
  }, 60_000)
})

describe("token refresh lock on SQLite", () => {
  it("is the in-process lock, with no lease table", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "plugboard-refresh-lock-sqlite-"))
    const opened = await open(settingsFor({ dataDir, databaseUrl: undefined, key: undefined }))
    try {
      const tables = await opened.run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          return yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`
        })
      )
      assert.notInclude(
        tables.map((table) => table.name),
        RefreshLease.TABLE
      )
      const lock = Context.get(opened.context, RefreshLocks)
      let inside = 0
      let most = 0
      await Effect.runPromise(
        Effect.all(
          Array.from({ length: 10 }, () =>
            lock.withLock("1")(
              Effect.gen(function* () {
                inside += 1
                most = Math.max(most, inside)
                yield* Effect.sleep(2)
                inside -= 1
              })
            )
          ),
          { concurrency: "unbounded", discard: true }
        )
      )
      assert.strictEqual(most, 1)
    } finally {
      await opened.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
