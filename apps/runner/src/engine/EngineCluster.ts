/**
 * The cluster the partition singletons run on (effect/cluster). Embedded mode (SQLite): a
 * `SingleRunner`, one process owning every shard, with its mailbox tables in the same database and
 * runner state in memory (only one process can open the embedded database anyway). With
 * `DATABASE_URL=postgres://…`: socket runners sharing the Postgres database, so that more runner
 * processes split the partitions between them and take over those of a runner that stops or dies
 * (after the shard lock expires, ≈35 s). Each runner advertises `PLUGBOARD_CLUSTER_HOST`
 * (default: the machine's host name) and listens on `PLUGBOARD_CLUSTER_PORT` (default 34431) of
 * that address; the port must be reachable by the other runners and by no one else.
 */
import { hostname } from "node:os"
import { NodeClusterSocket, NodeCrypto } from "@effect/platform-node"
import { Cause, Config, Effect, Layer, Option } from "effect"
import { RunnerAddress, Sharding, SingleRunner } from "effect/cluster"
import type { SqlClient } from "effect/sql"
import { RunnerSettings, usesPostgres } from "../Settings.js"
import { StartupError } from "../StartupError.js"

/** The default port of the cluster protocol between runners. */
export const DEFAULT_PORT = 34431

const socketAddress = Config.all({
  host: Config.String("PLUGBOARD_CLUSTER_HOST").pipe(Config.withDefault(hostname())),
  port: Config.Port("PLUGBOARD_CLUSTER_PORT").pipe(Config.withDefault(DEFAULT_PORT))
})

/** Whether the engine runs alone (embedded SQLite) rather than among other runners (Postgres). */
export const isEmbedded: Effect.Effect<boolean, never, RunnerSettings> = Effect.map(
  RunnerSettings,
  (settings) => !usesPostgres(settings)
)

const describe = (cause: Cause.Cause<unknown>): string => {
  const parts: Array<string> = []
  for (let error: unknown = Cause.squash(cause); error !== undefined && parts.length < 4; ) {
    parts.push(error instanceof Error ? error.message : String(error))
    error = error instanceof Error ? error.cause : undefined
  }
  return parts.join(": ")
}

/** The cluster for the runner's storage. */
export const layer: Layer.Layer<Sharding.Sharding, StartupError, SqlClient.SqlClient | RunnerSettings> =
  Layer.unwrap(
    Effect.gen(function* () {
      const settings = yield* RunnerSettings
      if (!usesPostgres(settings)) {
        return SingleRunner.layer({
          runnerStorage: "memory",
          shardingConfig: { runnerAddress: Option.some(RunnerAddress.make("localhost", DEFAULT_PORT)) }
        }).pipe(Layer.provide(NodeCrypto.layerDigest))
      }
      const address = yield* socketAddress
      const runner = RunnerAddress.make(address.host, address.port)
      return NodeClusterSocket.layer({
        storage: "sql",
        shardingConfig: { runnerAddress: Option.some(runner), runnerListenAddress: Option.some(runner) }
      }).pipe(Layer.provide(NodeCrypto.layerDigest))
    })
  ).pipe(
    Layer.catchCause((cause) =>
      Layer.effect(
        Sharding.Sharding,
        Effect.fail(
          new StartupError({ message: `the event engine's cluster could not start: ${describe(cause)}` })
        )
      )
    )
  )
