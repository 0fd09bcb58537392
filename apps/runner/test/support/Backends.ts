/**
 * The databases the runner's suites run on: embedded SQLite always, PostgreSQL when it answers on
 * 127.0.0.1:5432 (or at `DATABASE_URL`). Each Postgres run gets a database of its own, created
 * fresh and dropped afterwards, so runs never see each other's rows.
 */
import { randomBytes } from "node:crypto"
import { connect, createServer } from "node:net"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"

/** Where the administrative connection goes; a fresh database is created next to it. */
export const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"

/**
 * Whether PostgreSQL accepts TCP connections at {@link adminUrl}. Developers without PostgreSQL run
 * the SQLite half of each suite; under CI (`CI=true`, where `.ci/run` starts PostgreSQL) an
 * unreachable server fails the suite instead, so the PostgreSQL half is never skipped in silence.
 */
export const postgresReachable = async (): Promise<boolean> => {
  const reachable = await answers()
  if (!reachable && process.env.CI === "true") {
    throw new Error(`PostgreSQL is required under CI but does not answer at ${new URL(adminUrl).host}`)
  }
  return reachable
}

const answers = (): Promise<boolean> =>
  new Promise((resolve) => {
    const url = new URL(adminUrl)
    const socket = connect({ host: url.hostname, port: Number(url.port || 5432) })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

const admin = (statement: (sql: SqlClient.SqlClient) => Effect.Effect<unknown, unknown>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* statement(sql)
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(adminUrl) }).pipe(Layer.orDie)), Effect.orDie)
  )

/** A database of its own for one run: its URL and a function that drops it. */
export const freshPostgres = async (): Promise<{
  readonly url: string
  readonly drop: () => Promise<void>
}> => {
  const name = `plugboard_runner_${process.pid}_${randomBytes(4).toString("hex")}`
  await admin((sql) => sql.unsafe(`CREATE DATABASE ${name}`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => admin((sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  }
}

/** Every row of every runner table, as JSON text, to search for secrets. */
export const dumpPostgres = async (url: string): Promise<string> => {
  let text = ""
  await Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const tables = yield* sql<{
        tablename: string
      }>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`
      for (const { tablename } of tables) {
        const rows = yield* sql.unsafe(`SELECT * FROM "${tablename}"`)
        text += `${tablename}\n${JSON.stringify(rows, (_key, value) => (typeof value === "bigint" ? String(value) : value))}\n`
      }
    }).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(url) }).pipe(Layer.orDie)), Effect.orDie)
  )
  return text
}

/** A free TCP port on loopback. */
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/**
 * Points the next runner's cluster socket (Postgres mode, see `engine/EngineCluster.ts`) at a free
 * loopback port, so runners of parallel test files never share one.
 */
export const useFreeClusterAddress = async (): Promise<void> => {
  process.env.PLUGBOARD_CLUSTER_HOST = "127.0.0.1"
  process.env.PLUGBOARD_CLUSTER_PORT = String(await freePort())
}
