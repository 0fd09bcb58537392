/**
 * The migrations of a part of the runner that owns tables of its own (the events engine, bulk
 * jobs): run once the store's schema is in place, and recorded in a migrations table of their own
 * so their numbering never collides with the store's or another part's.
 */
import { Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import * as Migrator from "effect/sql/Migrator"
import { StartupError } from "../StartupError.js"
import { Database } from "./Database.js"
import * as StartupLock from "./StartupLock.js"

/** The layer running `migrations` (keyed `<id>_<name>`) recorded in `table`; `what` names the part in errors. */
export const layer = (options: {
  readonly what: string
  readonly table: string
  readonly migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>>
}): Layer.Layer<never, StartupError, Database | SqlClient.SqlClient> => {
  const migrate = Migrator.make({})({ loader: Migrator.fromRecord(options.migrations), table: options.table })
  return Layer.effectDiscard(
    Effect.gen(function* () {
      yield* Database
      // One runner at a time on a shared PostgreSQL database (see StartupLock).
      yield* StartupLock.exclusive(options.table, `the ${options.what} migrations`, migrate)
    }).pipe(
      Effect.mapError(
        (error) => new StartupError({ message: `${options.what} schema set-up failed: ${error.message}` })
      )
    )
  )
}
