/**
 * The runner's logs: one JSON object per line on stdout, filtered by `LOG_LEVEL`. Request logs carry
 * the request id (see the response envelope); no log line carries a secret — configuration values
 * are `Redacted`, query strings and headers are never logged.
 */
import { Cause, Layer, Logger, type LogLevel, References } from "effect"
import type { LogLevelName } from "./Settings.js"

const levels: Record<LogLevelName, LogLevel.LogLevel> = {
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  error: "Error"
}

const isPlain = (value: unknown): value is string | number | boolean | null | undefined =>
  value === null ||
  value === undefined ||
  typeof value === "string" ||
  typeof value === "number" ||
  typeof value === "boolean"

const allPlain = (values: ReadonlyArray<unknown>): boolean => {
  for (const value of values) if (!isPlain(value)) return false
  return true
}

/**
 * One JSON line per log entry, in the shape of Effect's `Logger.formatJson` (`message`, `level`,
 * `timestamp`, `cause`, `annotations`, `spans`, `fiberId`). Every request writes an access line,
 * so the usual entry — plain messages and annotations — is serialized with a bare
 * `JSON.stringify`; anything else (objects that may hold `Redacted` values, errors, bigints) goes
 * through Effect's redacting formatter, which is safe for any value but several times slower.
 */
export const jsonLines: Logger.Logger<unknown, void> = Logger.make((options) => {
  const messages: ReadonlyArray<unknown> = Array.isArray(options.message)
    ? options.message
    : [options.message]
  const annotations = options.fiber.getRef(References.CurrentLogAnnotations)
  let line: string
  if (allPlain(messages) && allPlain(Object.values(annotations))) {
    const now = options.date.getTime()
    const spans: Record<string, number> = {}
    for (const [label, started] of options.fiber.getRef(References.CurrentLogSpans))
      spans[label] = now - started
    line = JSON.stringify({
      message: messages.length === 1 ? messages[0] : messages,
      level: options.logLevel.toUpperCase(),
      timestamp: options.date.toISOString(),
      cause: options.cause.reasons.length > 0 ? Cause.pretty(options.cause) : undefined,
      annotations,
      spans,
      fiberId: `#${options.fiber.id}`
    })
  } else {
    line = Logger.formatJson.log(options)
  }
  process.stdout.write(`${line}\n`)
})

/** JSON logs at the given level. */
export const layer = (level: LogLevelName): Layer.Layer<never> =>
  Layer.mergeAll(Logger.layer([jsonLines]), Layer.succeed(References.MinimumLogLevel, levels[level]))
