import { DateTime, FixedOffsetZone, type Zone } from "luxon"
import { DateTemplateError } from "./DateTemplateError.js"
import { dayNames, monthNames } from "./EnglishNames.js"
import type { PatternToken } from "./JavaPattern.js"
import { type ResolvedZone, resolveZone } from "./ResolvedZone.js"

/** Where strict parsing stopped and what the pattern wanted there. */
export interface ParseMismatch {
  readonly position: number
  readonly expected: string
}

interface Fields {
  year?: number
  month?: number
  day?: number
  hour24?: number
  hour12?: number
  pm?: boolean
  minute?: number
  second?: number
  millisecond?: number
  ordinal?: number
  offset?: number
  zone?: Zone
}

const isNumeric = (token: PatternToken | undefined): boolean =>
  token !== undefined &&
  token.kind === "field" &&
  (token.letter === "M" ? token.count <= 2 : "ydHhmsSD".includes(token.letter))

const digitsAt = (text: string, position: number, width: number | undefined): string => {
  let end = position
  // Ten digits is more than any field needs and keeps Number() exact.
  const limit = width ?? 10
  while (end < text.length && end - position < limit && text[end]! >= "0" && text[end]! <= "9") end += 1
  const digits = text.slice(position, end)
  return width !== undefined && digits.length !== width ? "" : digits
}

const matchName = (
  text: string,
  position: number,
  names: ReadonlyArray<string>
): { index: number; length: number } | undefined => {
  const rest = text.slice(position).toLowerCase()
  for (const [index, name] of names.entries()) {
    if (rest.startsWith(name.toLowerCase())) return { index, length: name.length }
  }
  for (const [index, name] of names.entries()) {
    if (rest.startsWith(name.slice(0, 3).toLowerCase())) return { index, length: 3 }
  }
  return undefined
}

const offsetText = /^(?:GMT|UTC)?([+-])(\d{2})(?::?(\d{2}))?/
const zoneText = /^[A-Za-z][A-Za-z_/]*(?:[+-]\d{1,2}(?::?\d{2})?)?/

// Two-digit years land in 1950–2049. Java slides its window with the current date (80 years back,
// 20 ahead); a fixed window keeps parsing pure and agrees with Java for every year that matters here.
const twoDigitYear = (value: number): number => (value < 50 ? 2000 + value : 1900 + value)

/**
 * Parses `text` with compiled `SimpleDateFormat` tokens. Strict: literals must match exactly, numbers
 * are in range, and the whole text must be used (Java ignores trailing text; we refuse it so that a
 * value carrying more precision or an offset falls through to the ISO reading instead of losing it).
 * Fields without their own zone (`X`, `Z`, `z`) are read in `zone`. `S` follows Java (a millisecond
 * count) up to three digits; longer runs are read as a decimal fraction, which is what vendors mean.
 */
export const parseTokens = (
  text: string,
  tokens: ReadonlyArray<PatternToken>,
  zone: ResolvedZone
): number | ParseMismatch => {
  const fields: Fields = {}
  let position = 0
  for (const [index, token] of tokens.entries()) {
    if (token.kind === "literal") {
      if (!text.startsWith(token.text, position)) return { position, expected: `"${token.text}"` }
      position += token.text.length
      continue
    }
    const { letter, count } = token
    const label = `'${letter.repeat(count)}'`
    if (isNumeric(token)) {
      const width = isNumeric(tokens[index + 1]) ? count : undefined
      const digits = digitsAt(text, position, width)
      if (digits.length === 0) {
        return {
          position,
          expected: width === undefined ? `digits for ${label}` : `${width} digits for ${label}`
        }
      }
      const value = Number(digits)
      switch (letter) {
        case "y":
          fields.year = count <= 2 && digits.length === 2 ? twoDigitYear(value) : value
          break
        case "M":
          fields.month = value
          break
        case "d":
          fields.day = value
          break
        case "H":
          fields.hour24 = value
          break
        case "h":
          if (value > 12) return { position, expected: `an hour 1–12 for ${label}` }
          fields.hour12 = value
          break
        case "m":
          fields.minute = value
          break
        case "s":
          fields.second = value
          break
        case "S":
          fields.millisecond = digits.length > 3 ? Number(digits.slice(0, 3)) : value
          break
        case "D":
          fields.ordinal = value
          break
      }
      position += digits.length
      continue
    }
    switch (letter) {
      case "M": {
        const found = matchName(text, position, monthNames)
        if (found === undefined) return { position, expected: `a month name for ${label}` }
        fields.month = found.index + 1
        position += found.length
        break
      }
      case "E": {
        const found = matchName(text, position, dayNames)
        if (found === undefined) return { position, expected: `a day name for ${label}` }
        position += found.length
        break
      }
      case "a": {
        const marker = text.slice(position, position + 2).toUpperCase()
        if (marker !== "AM" && marker !== "PM") return { position, expected: `AM or PM for ${label}` }
        fields.pm = marker === "PM"
        position += 2
        break
      }
      case "X":
      case "Z": {
        if (text[position] === "Z" || text[position] === "z") {
          fields.offset = 0
          position += 1
          break
        }
        const match = offsetText.exec(text.slice(position))
        const hours = Number(match?.[2])
        const minutes = match?.[3] === undefined ? 0 : Number(match[3])
        if (match === null || hours > 18 || minutes > 59) {
          return { position, expected: `a UTC offset (Z, -07, -0700, -07:00) for ${label}` }
        }
        fields.offset = (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes)
        position += match[0].length
        break
      }
      case "z": {
        const match = zoneText.exec(text.slice(position))
        const resolved = match === null ? undefined : resolveZone(match[0])
        if (match === null || resolved === undefined || resolved instanceof DateTemplateError) {
          return { position, expected: `a time zone for ${label}` }
        }
        fields.zone = resolved.zone
        position += match[0].length
        break
      }
    }
  }
  if (position !== text.length) return { position, expected: "the end of the text" }
  return assemble(fields, zone)
}

const assemble = (fields: Fields, zone: ResolvedZone): number | ParseMismatch => {
  const hour =
    fields.hour24 ?? (fields.hour12 === undefined ? 0 : fields.hour12 % 12) + (fields.pm === true ? 12 : 0)
  const time = {
    hour,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
    millisecond: fields.millisecond ?? 0
  }
  const options = {
    zone: fields.offset === undefined ? (fields.zone ?? zone.zone) : FixedOffsetZone.instance(fields.offset)
  }
  const year = fields.year ?? 1970
  const local =
    fields.ordinal !== undefined && fields.month === undefined && fields.day === undefined
      ? DateTime.fromObject({ year, ordinal: fields.ordinal, ...time }, options)
      : DateTime.fromObject({ year, month: fields.month ?? 1, day: fields.day ?? 1, ...time }, options)
  if (!local.isValid) {
    return { position: 0, expected: `a real date and time (${local.invalidExplanation ?? "out of range"})` }
  }
  return local.toMillis()
}
