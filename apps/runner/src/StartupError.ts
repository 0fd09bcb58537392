/**
 * A problem that stops the runner from starting: a connector package that does not load, an
 * unusable encryption key, a database that cannot be reached. The message says what to fix.
 */
import { Schema } from "effect"

/** The runner cannot start; `message` names the setting, package or file at fault. */
export class StartupError extends Schema.TaggedError<StartupError>()("StartupError", {
  message: Schema.String
}) {}
