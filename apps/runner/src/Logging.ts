/**
 * The runner's logs: one JSON object per line on stdout, filtered by `LOG_LEVEL`. Request logs carry
 * the request id (see the response envelope); no log line carries a secret — configuration values
 * are `Redacted`, query strings and headers are never logged.
 */
import { Layer, Logger, type LogLevel, References } from "effect"
import type { LogLevelName } from "./Settings.js"

const levels: Record<LogLevelName, LogLevel.LogLevel> = {
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  error: "Error"
}

/** JSON logs at the given level. */
export const layer = (level: LogLevelName): Layer.Layer<never> =>
  Layer.mergeAll(Logger.layer([Logger.consoleJson]), Layer.succeed(References.MinimumLogLevel, levels[level]))
