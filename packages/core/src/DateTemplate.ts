/**
 * Dates as the poller configuration writes them: Java `SimpleDateFormat` patterns
 * (`yyyy-MM-dd'T'HH:mm:ss'Z'`), zone names (GMT, MST, America/Denver, -6:00) and the URL
 * placeholders filled with the last poll time (`${date:FMT}`, `${gmtDate:FMT}`,
 * `${dateTimeZone:ZONE:FMT}`, `${epoch}`, `${epoch:s}`, `${epoch:us}`). Everything here is pure and
 * returns a `Result`; in Effect code lift it with `Effect.fromResult`.
 *
 * Supported pattern letters: `y M d H h m s S a E D X Z z` and quoted literals (`'T'`, `''` for a
 * quote). Names are English. Zones resolve in this order: UTC aliases (Z, UTC, GMT, UT), offsets
 * (`-6:00`, `+05:30`, `-0600`, `GMT-6`, up to ±18:00), abbreviations, then IANA names. The
 * abbreviation table follows Java's legacy three-letter IDs: EST = -05:00, MST = -07:00 and
 * HST = -10:00 fixed; PST = America/Los_Angeles, CST = America/Chicago, IST = Asia/Kolkata,
 * BST = Asia/Dhaka (Java's meaning, not British Summer Time), JST = Asia/Tokyo, ECT = Europe/Paris,
 * AST = America/Anchorage, CET/MET = Europe/Brussels, EET = Europe/Athens, WET = Europe/Lisbon, and
 * Java's other short IDs (ACT AET AGT ART BET CAT CNT CTT EAT IET MIT NET NST PLT PNT PRT SST VST).
 * Daylight abbreviations Java does not know are fixed offsets: EDT -04:00, CDT -05:00, MDT -06:00,
 * PDT -07:00, AKST -09:00, AKDT -08:00, HDT -09:00, CEST +02:00, EEST +03:00, WEST +01:00,
 * AEST +10:00, AEDT +11:00.
 */
import { Result } from "effect"
import { DateTime } from "luxon"
import { DateTemplateError, dateTemplateError } from "./internal/dates/DateTemplateError.js"
import { formatTokens } from "./internal/dates/JavaFormat.js"
import { parseTokens } from "./internal/dates/JavaParse.js"
import { compilePattern, type PatternToken } from "./internal/dates/JavaPattern.js"
import { type ResolvedZone, resolveZone as resolveZoneName } from "./internal/dates/ResolvedZone.js"
import { fillTemplate } from "./internal/dates/UrlTemplate.js"

export { DateTemplateError, DateTemplateErrorReason } from "./internal/dates/DateTemplateError.js"

/**
 * A resolved zone: its canonical `id` (an IANA name, `UTC`, `EST`-style fixed IDs, or `+05:30`), its
 * offset from UTC at an instant, and the short (`z`) and long (`zzzz`) names printed for it.
 */
export interface TimeZone {
  readonly id: string
  readonly offsetMinutes: (instantMillis: number) => number
  readonly shortName: (instantMillis: number) => string
  readonly longName: (instantMillis: number) => string
}

// Luxon's DateTime range is ±100,000,000 days around the epoch.
const maxInstant = 8.64e15

const checkInstant = (instantMillis: number, what: string): Result.Result<number, DateTemplateError> =>
  Number.isFinite(instantMillis) && Math.abs(instantMillis) <= maxInstant
    ? Result.succeed(Math.floor(instantMillis))
    : Result.fail(
        dateTemplateError(
          "invalid-instant",
          `${what} must be a finite epoch-millisecond number within ±8.64e15, got ${instantMillis}`,
          String(instantMillis)
        )
      )

const zoneResult = (name: string): Result.Result<ResolvedZone, DateTemplateError> => {
  const zone = resolveZoneName(name)
  return zone instanceof DateTemplateError ? Result.fail(zone) : Result.succeed(zone)
}

const patternResult = (pattern: string): Result.Result<ReadonlyArray<PatternToken>, DateTemplateError> => {
  const tokens = compilePattern(pattern)
  return tokens instanceof DateTemplateError ? Result.fail(tokens) : Result.succeed(tokens)
}

/**
 * Resolves a zone name (`America/Denver`, `GMT`, `MST`, `-6:00`, `GMT-6`) by the rules in the module
 * description; an unknown name is a `DateTemplateError` with reason `unknown-zone`. Use it to check
 * `updatedDateTimezone` and friends when a configuration is saved.
 */
export const resolveZone = (name: string): Result.Result<TimeZone, DateTemplateError> => zoneResult(name)

/**
 * Checks a `SimpleDateFormat` pattern without using it: succeeds with the pattern, or fails naming
 * the unsupported letter (`unsupported-letter`) or the unclosed quote (`unterminated-quote`) and its
 * position.
 */
export const validatePattern = (pattern: string): Result.Result<string, DateTemplateError> =>
  Result.map(patternResult(pattern), () => pattern)

/**
 * Writes an instant (epoch milliseconds) with a Java `SimpleDateFormat` pattern in a zone (default
 * UTC), e.g. `formatJava(t, "yyyy-MM-dd'T'HH:mm:ssXXX", "America/Denver")` →
 * `2026-11-22T03:00:00-07:00`. `X` prints `Z` for a zero offset, `Z` prints `-0700`, `S` is the
 * millisecond count padded to the letter count, as in Java.
 */
export const formatJava = (
  instantMillis: number,
  pattern: string,
  zone = "UTC"
): Result.Result<string, DateTemplateError> =>
  Result.gen(function* () {
    const instant = yield* checkInstant(instantMillis, "the instant")
    const tokens = yield* patternResult(pattern)
    const resolved = yield* zoneResult(zone)
    return formatTokens(instant, tokens, resolved)
  })

/** Options of {@link parseJava}. */
export interface ParseOptions {
  /** Only the pattern itself: no ISO-8601 or epoch fallback. */
  readonly strict?: boolean | undefined
}

const epochText = /^[+-]?\d+(?:\.\d+)?$/

// Numbers below 1e11 are seconds (1e11 s is the year 5138; 1e11 ms is March 1973).
const fromEpoch = (value: number): number => (Math.abs(value) < 1e11 ? value * 1000 : value)

/**
 * Reads a vendor's date field (per `datesConfiguration`: `updatedDateFormat`,
 * `updatedDateTimezone`) into epoch milliseconds. The pattern is tried first, strictly (the whole
 * text, fields in range); text without its own offset is read in `zone` (default UTC).
 *
 * Lenient in one documented way, because vendors often send more than their documented format: when
 * the strict reading fails, a text of digits is an epoch number (seconds when its magnitude is below
 * 1e11, otherwise milliseconds) and any other text is tried as ISO-8601 (with or without
 * milliseconds and offset; no offset means `zone`). A number argument is always an epoch number.
 * `{ strict: true }` turns the fallback off. A wall time in a daylight-saving gap moves forward and an
 * ambiguous one takes the standard-time offset, as Java's lenient calendar does. The error (`unparseable`) names the position where the
 * pattern stopped matching and what it expected there.
 */
export const parseJava = (
  text: string | number,
  pattern: string,
  zone = "UTC",
  options: ParseOptions = {}
): Result.Result<number, DateTemplateError> =>
  Result.gen(function* () {
    const tokens = yield* patternResult(pattern)
    const resolved = yield* zoneResult(zone)
    if (typeof text === "number") return yield* checkInstant(fromEpoch(text), "the epoch value")
    const strict = parseTokens(text, tokens, resolved)
    if (typeof strict === "number") return strict
    if (options.strict !== true) {
      const trimmed = text.trim()
      if (epochText.test(trimmed)) return yield* checkInstant(fromEpoch(Number(trimmed)), "the epoch value")
      const iso = isoMillis(trimmed, resolved)
      if (iso !== undefined) return iso
    }
    return yield* Result.fail(
      dateTemplateError(
        "unparseable",
        `date "${text}" does not match "${pattern}" at position ${strict.position} (expected ${strict.expected})` +
          (options.strict === true ? "" : " and is neither ISO-8601 nor an epoch number"),
        text,
        strict.position
      )
    )
  })

const isoMillis = (text: string, zone: ResolvedZone): number | undefined => {
  const parsed = DateTime.fromISO(text, { zone: zone.zone })
  return parsed.isValid ? parsed.toMillis() : undefined
}

/** Options of {@link fill}. */
export interface FillOptions {
  /** The runner's zone, used by `${date:FMT}`; UTC when absent. */
  readonly defaultZone?: string | undefined
}

/**
 * Fills the date placeholders of a poller URL with the last poll time (epoch milliseconds):
 * `${date:FMT}` in the runner's zone (`defaultZone`, UTC by default), `${gmtDate:FMT}` in GMT,
 * `${dateTimeZone:ZONE:FMT}` in ZONE (the longest prefix before a colon that names a zone, so
 * `${dateTimeZone:-6:00:HH:mm}` works), `${epoch}` / `${epoch:ms}` milliseconds, `${epoch:s}` seconds,
 * `${epoch:us}` microseconds. FMT may contain quotes, colons and `'T'`; the first `}` outside a quoted
 * run closes the placeholder. The result is NOT URL-encoded: the caller encodes the query when it
 * builds the request. Unknown names fail with `unknown-placeholder`; a malformed one with
 * `bad-placeholder`, both naming the placeholder and its position. `fill(url, 0)` checks a URL when a
 * configuration is saved.
 */
export const fill = (
  url: string,
  lastPollMillis: number,
  options: FillOptions = {}
): Result.Result<string, DateTemplateError> =>
  Result.gen(function* () {
    const instant = yield* checkInstant(lastPollMillis, "the last poll time")
    const zone = yield* zoneResult(options.defaultZone ?? "UTC")
    const filled = fillTemplate(url, instant, zone)
    return filled instanceof DateTemplateError ? yield* Result.fail(filled) : filled
  })
