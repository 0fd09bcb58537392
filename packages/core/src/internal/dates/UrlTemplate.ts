import { DateTemplateError, dateTemplateError } from "./DateTemplateError.js"
import { formatTokens } from "./JavaFormat.js"
import { compilePattern } from "./JavaPattern.js"
import { type ResolvedZone, resolveZone } from "./ResolvedZone.js"

// The placeholder syntax itself, listed in error messages.
const knownPlaceholders =
  "${date:FMT}, ${gmtDate:FMT}, ${dateTimeZone:ZONE:FMT}, ${epoch}, ${epoch:s}, ${epoch:us}"

/**
 * Finds the `}` closing the placeholder opened at `start`. A `}` inside a quoted run of the pattern
 * (`'…'`) does not close it, so patterns may quote any text; in the usual case (no quoted braces)
 * this is simply the first `}`.
 */
const closingBrace = (url: string, start: number): number => {
  let quoted = false
  for (let index = start + 2; index < url.length; index += 1) {
    const char = url[index]
    if (char === "'") quoted = !quoted
    else if (char === "}" && !quoted) return index
  }
  return -1
}

const formatIn = (
  instantMillis: number,
  pattern: string,
  zone: ResolvedZone,
  placeholder: string,
  position: number
): string | DateTemplateError => {
  if (pattern.length === 0) {
    return dateTemplateError(
      "bad-placeholder",
      `placeholder "${placeholder}" at position ${position} has no date pattern`,
      placeholder,
      position
    )
  }
  const tokens = compilePattern(pattern)
  if (!(tokens instanceof DateTemplateError)) return formatTokens(instantMillis, tokens, zone)
  // Keep the pattern and the position inside it, and say which placeholder of the URL it came from.
  return dateTemplateError(
    tokens.reason,
    `placeholder "${placeholder}" at position ${position}: ${tokens.message}`,
    tokens.input,
    tokens.position
  )
}

/**
 * `ZONE:FMT` where both halves may contain colons (`-6:00`, `HH:mm`): the zone is the longest prefix
 * ending before a colon that names a zone.
 */
const splitZone = (argument: string): { zone: ResolvedZone; pattern: string } | undefined => {
  for (let colon = argument.lastIndexOf(":"); colon > 0; colon = argument.lastIndexOf(":", colon - 1)) {
    const zone = resolveZone(argument.slice(0, colon))
    if (!(zone instanceof DateTemplateError)) return { zone, pattern: argument.slice(colon + 1) }
  }
  return undefined
}

const expand = (
  name: string,
  argument: string | undefined,
  instantMillis: number,
  defaultZone: ResolvedZone,
  placeholder: string,
  position: number
): string | DateTemplateError => {
  switch (name) {
    case "date":
      return formatIn(instantMillis, argument ?? "", defaultZone, placeholder, position)
    case "gmtDate": {
      const gmt = resolveZone("GMT") as ResolvedZone
      return formatIn(instantMillis, argument ?? "", gmt, placeholder, position)
    }
    case "dateTimeZone": {
      const split = argument === undefined ? undefined : splitZone(argument)
      if (split === undefined) {
        return dateTemplateError(
          "unknown-zone",
          `placeholder "${placeholder}" at position ${position} needs ZONE:FMT with a known zone (America/Denver, MST, -6:00)`,
          placeholder,
          position
        )
      }
      return formatIn(instantMillis, split.pattern, split.zone, placeholder, position)
    }
    case "epoch":
      switch (argument) {
        case undefined:
        case "ms":
          return String(instantMillis)
        case "s":
          return String(Math.floor(instantMillis / 1000))
        case "us":
          // Microseconds pass 2^53 for far-future instants; BigInt keeps every digit.
          return String(BigInt(instantMillis) * 1000n)
        default:
          return dateTemplateError(
            "bad-placeholder",
            `placeholder "${placeholder}" at position ${position}: epoch unit must be ms, s or us`,
            placeholder,
            position
          )
      }
    default:
      return dateTemplateError(
        "unknown-placeholder",
        `unknown placeholder "${placeholder}" at position ${position}; known: ${knownPlaceholders}`,
        placeholder,
        position
      )
  }
}

/**
 * Replaces every `${…}` in `url` with the instant written as the placeholder asks. Text outside
 * placeholders, including a lone `$`, is copied unchanged and nothing is URL-encoded.
 */
export const fillTemplate = (
  url: string,
  instantMillis: number,
  defaultZone: ResolvedZone
): string | DateTemplateError => {
  let out = ""
  let cursor = 0
  for (;;) {
    const start = url.indexOf("${", cursor)
    if (start < 0) return out + url.slice(cursor)
    const end = closingBrace(url, start)
    if (end < 0) {
      return dateTemplateError(
        "bad-placeholder",
        `placeholder at position ${start} is never closed with "}"`,
        url,
        start
      )
    }
    const placeholder = url.slice(start, end + 1)
    const body = url.slice(start + 2, end)
    const colon = body.indexOf(":")
    const name = colon < 0 ? body : body.slice(0, colon)
    const argument = colon < 0 ? undefined : body.slice(colon + 1)
    const value = expand(name, argument, instantMillis, defaultZone, placeholder, start)
    if (value instanceof DateTemplateError) return value
    out += url.slice(cursor, start) + value
    cursor = end + 1
  }
}
