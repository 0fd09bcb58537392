/**
 * What the key rotation suites need around the code under test: runners started and stopped on one
 * database that outlives them (each start may hold other keys; the refresh lock suite starts two at
 * once), the stores opened with a chosen cipher, and a dump of every row of every table, to search
 * for key ids and canaries.
 */
import { randomBytes } from "node:crypto"
import { Auth, type Connector, VendorHttp } from "@plugboard/core"
import { ConfigProvider, Context, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { HttpServer } from "effect/http"
import { SqlClient } from "effect/sql"
import * as Runner from "../../src/Runner.js"
import { RunnerSettings, type Settings } from "../../src/Settings.js"
import * as Database from "../../src/store/Database.js"
import { useFreeClusterAddress } from "../support/Backends.js"

/** A fresh random key, as base64. */
export const newKey = (): string => randomBytes(32).toString("base64")

/** The key bytes of a base64 key. */
export const keyBytes = (key: string): Uint8Array => new Uint8Array(Buffer.from(key, "base64"))

/** Settings for a test database: `databaseUrl` for PostgreSQL, else SQLite in `dataDir`. */
export const settingsFor = (options: {
  readonly dataDir: string
  readonly databaseUrl: string | undefined
  readonly key: string | undefined
  readonly previous?: ReadonlyArray<string>
}): Settings => ({
  port: 0,
  dataDir: options.dataDir,
  databaseUrl:
    options.databaseUrl === undefined ? Option.none() : Option.some(Redacted.make(options.databaseUrl)),
  encryptionKey: options.key === undefined ? Option.none() : Option.some(Redacted.make(options.key)),
  previousEncryptionKeys: (options.previous ?? []).map((key) => Redacted.make(key)),
  organizationSecret: Option.some(Redacted.make("org-canary-rotation-0b1e")),
  userSecret: Option.some(Redacted.make("user-canary-rotation-77d2")),
  connectors: Option.none(),
  allowPrivateNetworks: { _tag: "All" },
  logLevel: "error",
  maxBodyBytes: 64 * 1024
})

/** The `Authorization` header of the first tenant of {@link settingsFor}, optionally with an instance token. */
export const authorization = (elementToken?: string): string =>
  `User user-canary-rotation-77d2, Organization org-canary-rotation-0b1e${elementToken === undefined ? "" : `, Element ${elementToken}`}`

/** A runner started on existing storage. */
export interface StartedRunner {
  readonly call: (path: string, init?: RequestInit & { readonly json?: unknown }) => Promise<Response>
  readonly close: () => Promise<void>
}

/**
 * What a runner gets as if it were a process of its own, beside others of this process: the cluster
 * port chosen just before it starts (the default config provider is a snapshot of the environment
 * taken once, so two runners of one process would otherwise both take the first one's), and its own
 * defaults of core's per-process state — the in-process refresh lock and the vendor request budgets
 * — which two runners of one process would otherwise share: they would exclude each other even
 * without the database lock, and the shared budget would let their calls out one by one.
 */
const asOwnProcess = <A, E, R>(layer: Layer.Layer<A, E, R>) =>
  layer.pipe(
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv())),
    Layer.provide(Layer.succeed(Auth.RefreshLock, Auth.makeLocalLock())),
    Layer.provide(Layer.succeed(VendorHttp.Guards, VendorHttp.makeGuards()))
  )

/**
 * Starts the whole runner with these settings on loopback; `close` leaves the database in place.
 * With `ownProcess`, several may run at once on one database (see {@link asOwnProcess}).
 */
export const startRunner = async (
  settings: Settings,
  connectors: ReadonlyArray<Connector.Connector>,
  options: { readonly ownProcess?: boolean } = {}
): Promise<StartedRunner> => {
  if (Option.isSome(settings.databaseUrl)) await useFreeClusterAddress()
  const scope = Effect.runSync(Scope.make())
  const runner = Runner.make(settings, { connectors, host: "127.0.0.1" })
  const context = await Effect.runPromise(
    Layer.buildWithScope(options.ownProcess === true ? asOwnProcess(runner) : runner, scope)
  )
  const address = Context.get(context, HttpServer.HttpServer).address
  const origin = `http://127.0.0.1:${address._tag === "UnixPathAddress" ? 0 : address.port}`
  return {
    call: (path, init = {}) => {
      const { json, ...rest } = init
      const headers = new Headers(rest.headers)
      if (json !== undefined) headers.set("content-type", "application/json")
      return fetch(`${origin}/elements/api-v2${path}`, {
        ...rest,
        headers,
        ...(json === undefined ? {} : { body: JSON.stringify(json) })
      })
    },
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

/** The migrated database of these settings, with the settings themselves. */
export const databaseLayer = (settings: Settings) =>
  Database.layer.pipe(Layer.provideMerge(RunnerSettings.layerValue(settings)), Layer.orDie)

/** Runs an effect against the database of these settings. */
export const onDatabase = <A, E>(
  settings: Settings,
  effect: Effect.Effect<A, E, SqlClient.SqlClient | Database.Database | RunnerSettings>
): Promise<A> => Effect.runPromise(effect.pipe(Effect.provide(databaseLayer(settings))))

/** Every row of every table as JSON text, read through SQL (what a `pg_dump` or `.dump` would show). */
export const dumpRows = (settings: Settings): Promise<string> =>
  onDatabase(
    settings,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tables = yield* sql.onDialectOrElse({
        pg: () => sql<{ name: string }>`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`,
        orElse: () =>
          sql<{
            name: string
          }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
      })
      let text = ""
      for (const { name } of tables) {
        // SQLite's driver refuses integers beyond 2^53 (the cluster's ids): every column is read as text there.
        const columns = yield* sql.onDialectOrElse({
          pg: () => Effect.succeed("*"),
          orElse: () =>
            sql
              .unsafe<{ name: string }>(`PRAGMA table_info("${name}")`)
              .pipe(
                Effect.map((info) =>
                  info.map((column) => `CAST("${column.name}" AS TEXT) AS "${column.name}"`).join(", ")
                )
              )
        })
        const rows = yield* sql.unsafe(`SELECT ${columns} FROM "${name}"`)
        text += `${name}\n${JSON.stringify(rows, (_key, value) => (typeof value === "bigint" ? String(value) : value))}\n`
      }
      return text
    })
  )

/** The key id of every sealed value in a dump, in order of appearance. */
export const sealedKeyIds = (dump: string): ReadonlyArray<string> =>
  [...dump.matchAll(/pb1\.([0-9a-f]{16})\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g)].map((match) => match[1]!)
