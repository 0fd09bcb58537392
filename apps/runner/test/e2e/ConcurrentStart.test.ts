/**
 * Scaling out from nothing (architecture.md "The engine"): runners started at the same moment on an
 * empty PostgreSQL database, as a deployment of several replicas is. Each runs every migration at
 * start — the store's, the token refresh locks', the events engine's, bulk's and effect/cluster's
 * own — and ensures the first tenant. They must take turns (`store/StartupLock.ts`; effect/sql's
 * migrator also locks its own table): before they did, runners given the same first-tenant secrets
 * all found no organization, all inserted it, and all but one crashed on the unique secret hash;
 * given none, each could create (and print the secrets of) a first organization of its own.
 *
 * First the start-up steps of several runners at once, in this process but each on a connection
 * pool of its own (cheap, and the first tenant step alone, where they all arrive together). Then
 * three real runner processes (the entry point, `src/main.ts`) launched together: all three become
 * ready, the schema and its migration histories equal those of a database one runner set up alone,
 * and each runner creates instances and serves hub calls.
 */
import { randomBytes } from "node:crypto"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { Console, Effect, Layer, Option, Redacted, References } from "effect"
import { SqlMessageStorage, SqlRunnerStorage } from "effect/cluster"
import { SqlClient } from "effect/sql"
import * as BulkSchema from "../../src/bulk/BulkSchema.js"
import * as EngineSchema from "../../src/engine/EngineSchema.js"
import * as Runner from "../../src/Runner.js"
import { RunnerSettings, type Settings } from "../../src/Settings.js"
import * as Bootstrap from "../../src/store/Bootstrap.js"
import * as Database from "../../src/store/Database.js"
import * as Migrations from "../../src/store/Migrations.js"
import * as RefreshLocks from "../../src/store/RefreshLocks.js"
import { Tenants } from "../../src/store/Tenants.js"
import { freshPostgres, postgresReachable } from "../support/Backends.js"
import { sageCrmBody } from "../support/Seeds.js"
import { startRunner } from "../support/TestRunner.js"
import { type ChildRunner, startChild } from "./ChildRunner.js"
import { type Deployment, freeStablePort, makeDeployment } from "./Deployment.js"

const reachable = await postgresReachable()

/**
 * Start-ups run at once in this process: few enough for the test server's connections, which other
 * suites share (each start-up holds one per part while it waits for the others).
 */
const STARTUPS = 5

/** Runs statements on a database through a connection pool of its own. */
const query = <A>(url: string, run: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>): Promise<A> =>
  Effect.runPromise(
    Effect.gen(function* () {
      return yield* run(yield* SqlClient.SqlClient)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url) }).pipe(Layer.orDie)), Effect.orDie)
  )

/** The tenants in a database: one organization and one user after any number of first starts. */
const tenantCounts = (url: string) =>
  query(url, (sql) =>
    Effect.map(
      sql<{
        organizations: string
        users: string
      }>`SELECT (SELECT COUNT(*) FROM organizations) AS organizations, (SELECT COUNT(*) FROM users) AS users`,
      ([row]) => ({ organizations: Number(row?.organizations), users: Number(row?.users) })
    )
  )

/**
 * What the runners' start-up made of a database: every column, index and constraint of the public
 * schema, and every migration history (`…migrations` tables) row by row.
 */
const schemaOf = (url: string) =>
  query(url, (sql) =>
    Effect.gen(function* () {
      const columns = yield* sql`SELECT table_name, column_name, data_type, is_nullable, column_default
        FROM information_schema.columns WHERE table_schema = 'public'
        ORDER BY table_name, ordinal_position`
      const indexes = yield* sql`SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' ORDER BY tablename, indexname`
      const constraints = yield* sql`SELECT c.conrelid::regclass::text AS table_name, c.conname,
          pg_get_constraintdef(c.oid) AS definition
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' ORDER BY 1, 2`
      const historyTables = yield* sql<{ tablename: string }>`SELECT tablename FROM pg_tables
        WHERE schemaname = 'public' AND tablename LIKE '%migrations' ORDER BY tablename`
      const histories: Record<string, unknown> = {}
      for (const { tablename } of historyTables) {
        histories[tablename] =
          yield* sql`SELECT migration_id, name FROM ${sql(tablename)} ORDER BY migration_id`
      }
      return { columns, indexes, constraints, histories }
    })
  )

/** First-tenant secrets and encryption key given to the runners of a test. */
interface Secrets {
  readonly organization: string | undefined
  readonly user: string | undefined
  readonly key: string
}

const givenSecrets = (): Secrets => ({
  organization: `org-${randomBytes(12).toString("hex")}`,
  user: `user-${randomBytes(12).toString("hex")}`,
  key: randomBytes(32).toString("base64")
})

const secret = (value: string | undefined) => Option.map(Option.fromNullishOr(value), Redacted.make)

/** Settings of a runner on `databaseUrl`. */
const settingsFor = (databaseUrl: string, secrets: Secrets): Settings => ({
  port: 0,
  dataDir: "/nonexistent",
  databaseUrl: Option.some(Redacted.make(databaseUrl)),
  encryptionKey: Option.some(Redacted.make(secrets.key)),
  organizationSecret: secret(secrets.organization),
  userSecret: secret(secrets.user),
  connectors: Option.none(),
  allowPrivateNetworks: { _tag: "None" },
  logLevel: "error",
  maxBodyBytes: 1024
})

/**
 * A runner's start-up steps on the database — the store, every part's migrations (the cluster's
 * included) and the first tenant — without the HTTP server and the engine's loops.
 */
const startup = (settings: Settings) =>
  Layer.mergeAll(
    EngineSchema.layer,
    BulkSchema.layer,
    SqlMessageStorage.layerMigrations({}),
    SqlRunnerStorage.layerMigrations({}),
    Layer.effectDiscard(Bootstrap.ensureFirstTenant)
  ).pipe(Layer.provideMerge(Runner.services), Layer.provide(RunnerSettings.layerValue(settings)))

/** Only the first tenant step (and the database it needs), printing to `printed`. */
const firstTenant = (settings: Settings, printed: Array<string>) => {
  const console = {
    ...globalThis.console,
    error: (...args: ReadonlyArray<unknown>) => printed.push(args.join(" "))
  }
  return Layer.effectDiscard(
    Bootstrap.ensureFirstTenant.pipe(Effect.provideService(Console.Console, console as never))
  ).pipe(
    Layer.provide(Tenants.layer),
    Layer.provideMerge(Database.layer),
    Layer.provide(RunnerSettings.layerValue(settings))
  )
}

/**
 * Builds {@link STARTUPS} copies of a layer at once, each with layers (and so a connection pool) of
 * its own, as separate processes would; returns the failures.
 */
const together = async <A, E>(layer: () => Layer.Layer<A, E>): Promise<ReadonlyArray<string>> => {
  const exits = await Effect.runPromise(
    Effect.all(
      Array.from({ length: STARTUPS }, () => Effect.exit(Effect.scoped(Layer.build(layer())))),
      { concurrency: "unbounded" }
    ).pipe(Effect.provideService(References.MinimumLogLevel, "Error"))
  )
  return exits.filter((exit) => exit._tag === "Failure").map(String)
}

describe.skipIf(!reachable)("runners starting at once on an empty PostgreSQL database", () => {
  it(`${STARTUPS} start-ups at once, each on its own connection pool, all succeed and create one tenant`, async () => {
    const database = await freshPostgres()
    try {
      const settings = settingsFor(database.url, givenSecrets())
      const failures = await together(() => startup(settings))
      assert.deepStrictEqual(failures, [])
      assert.deepStrictEqual(await tenantCounts(database.url), { organizations: 1, users: 1 })
    } finally {
      await database.drop()
    }
  }, 30_000)

  // The first tenant alone, on a migrated database: every start-up reaches it at the same moment.
  for (const given of [true, false]) {
    it(`${STARTUPS} runners ensuring the first tenant at once create it once (secrets ${given ? "given" : "generated"})`, async () => {
      const database = await freshPostgres()
      try {
        const secrets = given
          ? givenSecrets()
          : { ...givenSecrets(), organization: undefined, user: undefined }
        const settings = settingsFor(database.url, secrets)
        await Effect.runPromise(
          Effect.scoped(Layer.build(Database.layer.pipe(Layer.provide(RunnerSettings.layerValue(settings)))))
        )
        const printed: Array<string> = []
        const failures = await together(() => firstTenant(settings, printed))
        assert.deepStrictEqual(failures, [])
        assert.deepStrictEqual(await tenantCounts(database.url), { organizations: 1, users: 1 })
        // Generated secrets are printed once, by the runner that stored them.
        assert.strictEqual(printed.length, given ? 0 : 1, printed.join("\n"))
      } finally {
        await database.drop()
      }
    }, 30_000)
  }

  describe("three runner processes", () => {
    let deployment: Deployment
    let crm: FakeSageCrm
    const runners: Array<ChildRunner> = []
    const password = `crm-password-${randomBytes(6).toString("hex")}`

    beforeAll(async () => {
      deployment = await makeDeployment("postgres")
      crm = await startFakeSageCrm({ username: "admin", password })
    })

    afterAll(async () => {
      await Promise.all(runners.map((runner) => runner.stop()))
      await crm?.close()
      await deployment?.dispose()
    }, 60_000)

    const outputs = () =>
      runners.map((runner, index) => `--- runner ${index} ---\n${runner.output()}`).join("\n")

    it("launched together, all become ready", async () => {
      // Each its own cluster port, as separate machines or containers would have.
      const clusterPorts = await Promise.all([0, 1, 2].map(() => freeStablePort()))
      const started = await Promise.allSettled(
        clusterPorts.map((clusterPort) => startChild(deployment, { clusterPort, timeoutMs: 60_000 }))
      )
      for (const result of started) if (result.status === "fulfilled") runners.push(result.value)
      const failures = started.flatMap((result) =>
        result.status === "rejected" ? [String(result.reason)] : []
      )
      assert.deepStrictEqual(failures, [])
      for (const runner of runners) {
        assert.strictEqual((await runner.call("//readyz")).status, 200, outputs())
        assert.deepStrictEqual(runner.exit(), { code: null, signal: null }, outputs())
      }
    }, 90_000)

    it("left the schema complete, every migration recorded once, and one first tenant", async () => {
      assert.strictEqual(runners.length, 3)
      // The reference: a database that one runner, alone, set up.
      const alone = await startRunner({ backend: "postgres", connectors: [] })
      const expected = await schemaOf(alone.databaseUrl!).finally(() => alone.close())
      const actual = await schemaOf(deployment.databaseUrl!)
      assert.includeMembers(Object.keys(expected.histories), [
        Migrations.TABLE,
        RefreshLocks.MIGRATIONS_TABLE,
        EngineSchema.TABLE,
        BulkSchema.TABLE,
        "cluster_migrations",
        "cluster_runner_migrations"
      ])
      assert.deepStrictEqual(actual, expected)
      assert.deepStrictEqual(await tenantCounts(deployment.databaseUrl!), { organizations: 1, users: 1 })
    }, 30_000)

    it("each creates instances and serves hub calls, on the one shared store", async () => {
      assert.strictEqual(runners.length, 3)
      const tokens: Array<string> = []
      for (const [index, runner] of runners.entries()) {
        const response = await runner.call("/instances", {
          method: "POST",
          headers: { authorization: deployment.authorization() },
          json: {
            ...sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password }),
            name: `CRM ${index}`
          }
        })
        const instance = (await response.json()) as { readonly token: string }
        assert.strictEqual(response.status, 200, JSON.stringify(instance))
        tokens.push(instance.token)
      }
      for (const [index, runner] of runners.entries()) {
        const listed = (await (
          await runner.call("/instances", { headers: { authorization: deployment.authorization() } })
        ).json()) as ReadonlyArray<unknown>
        assert.strictEqual(listed.length, 3)
        // Its own instance and the one the next runner created.
        for (const token of [tokens[index]!, tokens[(index + 1) % 3]!]) {
          const hub = await runner.call("/hubs/crm/accounts?pageSize=1", {
            headers: { authorization: deployment.authorization(token) }
          })
          assert.strictEqual(hub.status, 200, await hub.text())
        }
      }
    }, 30_000)
  })
})
