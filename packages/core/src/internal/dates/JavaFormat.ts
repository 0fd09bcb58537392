import { DateTime } from "luxon"
import { dayNames, monthNames } from "./EnglishNames.js"
import type { PatternToken } from "./JavaPattern.js"
import type { ResolvedZone } from "./ResolvedZone.js"

const pad = (value: number, width: number): string => {
  const digits = String(Math.abs(value)).padStart(width, "0")
  return value < 0 ? `-${digits}` : digits
}

const isoOffset = (minutes: number, count: number): string => {
  if (minutes === 0) return "Z"
  const sign = minutes < 0 ? "-" : "+"
  const hours = pad(Math.floor(Math.abs(minutes) / 60), 2)
  const rest = pad(Math.abs(minutes) % 60, 2)
  // Java's single X prints hours only and drops the minutes of a +05:30 offset.
  if (count === 1) return `${sign}${hours}`
  return count === 2 ? `${sign}${hours}${rest}` : `${sign}${hours}:${rest}`
}

const rfc822Offset = (minutes: number): string => {
  const sign = minutes < 0 ? "-" : "+"
  return `${sign}${pad(Math.floor(Math.abs(minutes) / 60), 2)}${pad(Math.abs(minutes) % 60, 2)}`
}

/**
 * Prints an instant with compiled `SimpleDateFormat` tokens in a zone, English names, following
 * Java's counts: `yy` is two digits, other numbers pad to the letter count, `MMM`/`EEE` are short
 * names and four or more letters the full names, `S` is the millisecond number padded (Java's rule,
 * not a decimal fraction).
 */
export const formatTokens = (
  instantMillis: number,
  tokens: ReadonlyArray<PatternToken>,
  zone: ResolvedZone
): string => {
  const local = DateTime.fromMillis(instantMillis, { zone: zone.zone })
  let out = ""
  for (const token of tokens) {
    if (token.kind === "literal") {
      out += token.text
      continue
    }
    const { count } = token
    switch (token.letter) {
      case "y":
        out += count === 2 ? pad(((local.year % 100) + 100) % 100, 2) : pad(local.year, count)
        break
      case "M":
        if (count >= 4) out += monthNames[local.month - 1]
        else if (count === 3) out += monthNames[local.month - 1]!.slice(0, 3)
        else out += pad(local.month, count)
        break
      case "d":
        out += pad(local.day, count)
        break
      case "H":
        out += pad(local.hour, count)
        break
      case "h":
        out += pad(local.hour % 12 === 0 ? 12 : local.hour % 12, count)
        break
      case "m":
        out += pad(local.minute, count)
        break
      case "s":
        out += pad(local.second, count)
        break
      case "S":
        out += pad(local.millisecond, count)
        break
      case "a":
        out += local.hour < 12 ? "AM" : "PM"
        break
      case "E":
        out += count >= 4 ? dayNames[local.weekday - 1] : dayNames[local.weekday - 1]!.slice(0, 3)
        break
      case "D":
        out += pad(local.ordinal, count)
        break
      case "X":
        out += isoOffset(local.offset, count)
        break
      case "Z":
        out += rfc822Offset(local.offset)
        break
      case "z":
        out += count >= 4 ? zone.longName(instantMillis) : zone.shortName(instantMillis)
        break
    }
  }
  return out
}
