/**
 * The runner's database: embedded SQLite under the data directory by default (WAL, `synchronous=
 * NORMAL`: about twice the write rate and still safe when the process crashes), PostgreSQL when
 * `DATABASE_URL` is a `postgres://` URL. Migrations run before anything else uses it. Both sit
 * behind effect/sql's `SqlClient`, so every repository is written once.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Cause, Context, Effect, Layer, Option, type Redacted } from "effect"
import { SqlClient } from "effect/sql"
import * as Migrator from "effect/sql/Migrator"
import { RunnerSettings, usesPostgres } from "../Settings.js"
import { StartupError } from "../StartupError.js"
import * as Migrations from "./Migrations.js"
import * as StartupLock from "./StartupLock.js"

/** File name of the embedded database inside the data directory. */
export const DATABASE_FILE = "plugboard.db"

/** Facts about the open database. */
export interface DatabaseInfo {
  readonly kind: "sqlite" | "postgres"
  /** A cheap query that proves the database answers (readiness). */
  readonly ping: Effect.Effect<boolean>
}

/** The open, migrated database. */
export class Database extends Context.Service<Database, DatabaseInfo>()("@plugboard/runner/store/Database") {}

const runMigrations = Migrator.make({})({ loader: Migrations.loader, table: Migrations.TABLE })

const sqlite = (dataDir: string): Layer.Layer<SqlClient.SqlClient, StartupError> =>
  Layer.unwrap(
    Effect.try({
      try: () => {
        mkdirSync(dataDir, { recursive: true, mode: 0o700 })
        return SqliteClient.layer({ filename: join(dataDir, DATABASE_FILE) })
      },
      catch: (cause) =>
        new StartupError({ message: `cannot create the data directory ${dataDir}: ${String(cause)}` })
    })
  )

const describe = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

const postgres = (url: Redacted.Redacted<string>): Layer.Layer<SqlClient.SqlClient, StartupError> =>
  PgClient.layer({ url }).pipe(
    Layer.catchCause((cause) =>
      Layer.effect(
        SqlClient.SqlClient,
        Effect.fail(
          new StartupError({ message: `cannot connect to DATABASE_URL (PostgreSQL): ${describe(cause)}` })
        )
      )
    )
  )

const connect: Layer.Layer<SqlClient.SqlClient, StartupError, RunnerSettings> = Layer.unwrap(
  Effect.gen(function* () {
    const settings = yield* RunnerSettings
    return usesPostgres(settings)
      ? postgres(Option.getOrThrow(settings.databaseUrl))
      : sqlite(settings.dataDir)
  })
)

const prepare = Layer.effect(
  Database,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const kind = sql.onDialectOrElse({ pg: () => "postgres" as const, orElse: () => "sqlite" as const })
    if (kind === "sqlite") {
      yield* sql`PRAGMA synchronous = NORMAL`
      yield* sql`PRAGMA foreign_keys = ON`
      yield* sql`PRAGMA busy_timeout = 5000`
    }
    // Runners starting together on one PostgreSQL database take turns (see StartupLock).
    yield* StartupLock.exclusive(Migrations.TABLE, "the store's migrations", runMigrations)
    return Database.of({
      kind,
      ping: sql`SELECT 1 AS ok`.pipe(
        Effect.as(true),
        Effect.catchCause(() => Effect.succeed(false))
      )
    })
  }).pipe(
    Effect.mapError((error) => new StartupError({ message: `database set-up failed: ${error.message}` }))
  )
)

/** The migrated database and its `SqlClient`, chosen from the settings. */
export const layer: Layer.Layer<Database | SqlClient.SqlClient, StartupError, RunnerSettings> = prepare.pipe(
  Layer.provideMerge(connect)
)
