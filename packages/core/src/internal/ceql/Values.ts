/**
 * How CEQL compares a record's value with a literal: numbers as numbers (a numeric string against a
 * number too), ISO-8601 date strings as instants when both sides are dates, booleans as booleans,
 * everything else as strings. Shared by the evaluator and by `compareBy`, so filtering and sorting
 * agree.
 */

const numeric = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/

const daysInMonth = (year: number, month: number): number =>
  month === 2
    ? year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
      ? 29
      : 28
    : [4, 6, 9, 11].includes(month)
      ? 30
      : 31

const digitAt = (text: string, i: number): number => {
  const d = text.charCodeAt(i) - 48
  return d >= 0 && d <= 9 ? d : -1
}

const twoDigits = (text: string, i: number): number => {
  const a = digitAt(text, i)
  const b = digitAt(text, i + 1)
  return a < 0 || b < 0 ? -1 : a * 10 + b
}

const isSpace = (code: number): boolean =>
  code === 32 || (code >= 9 && code <= 13) || (code > 127 && /\s/.test(String.fromCharCode(code)))

/**
 * The instant (milliseconds since the epoch, with sub-millisecond fraction) of an ISO-8601-like date
 * or date-time: `2026-01-01`, `2026-01-01T10:00`, `2026-01-01 10:00:00.123`, with `Z`, `±hh:mm`,
 * `±hhmm` or `±hh`. A time without an offset is read as UTC (the vendors here keep their servers on UTC).
 * Anything else, including impossible dates, gives `undefined`. Hand-written rather than a regular
 * expression because the evaluator calls it for every string value it compares.
 */
export const parseInstant = (text: string): number | undefined => {
  const length = text.length
  if (length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined
  const century = twoDigits(text, 0)
  const yy = twoDigits(text, 2)
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  if (century < 0 || yy < 0 || month < 1 || month > 12 || day < 1) return undefined
  const year = century * 100 + yy
  if (day > daysInMonth(year, month)) return undefined
  let hour = 0
  let minute = 0
  let second = 0
  let fraction = 0
  let i = 10
  const separator = text.charCodeAt(i)
  // "T", "t" or a space followed by a digit starts the time.
  if ((separator === 84 || separator === 116 || separator === 32) && digitAt(text, i + 1) >= 0) {
    hour = twoDigits(text, i + 1)
    minute = twoDigits(text, i + 4)
    if (hour < 0 || hour > 23 || text.charCodeAt(i + 3) !== 58 || minute < 0 || minute > 59) return undefined
    i += 6
    if (text.charCodeAt(i) === 58) {
      second = twoDigits(text, i + 1)
      if (second < 0 || second > 59) return undefined
      i += 3
      const dot = text.charCodeAt(i)
      if (dot === 46 || dot === 44) {
        const start = i + 1
        let end = start
        while (end < length && end - start < 9 && digitAt(text, end) >= 0) end++
        if (end === start) return undefined
        fraction = Number(`0.${text.slice(start, end)}`) * 1000
        i = end
      }
    }
  }
  while (i < length && isSpace(text.charCodeAt(i))) i++
  let offsetMinutes = 0
  const zone = text.charCodeAt(i)
  if (zone === 90 || zone === 122) {
    i++
  } else if (zone === 43 || zone === 45) {
    const hours = twoDigits(text, i + 1)
    if (hours < 0 || hours > 23) return undefined
    i += 3
    let minutes = 0
    const colon = text.charCodeAt(i) === 58
    if (colon || digitAt(text, i) >= 0) {
      minutes = twoDigits(text, colon ? i + 1 : i)
      if (minutes < 0 || minutes > 59) return undefined
      i += colon ? 3 : 2
    }
    offsetMinutes = (zone === 45 ? -1 : 1) * (hours * 60 + minutes)
  }
  if (i !== length) return undefined
  let time = Date.UTC(year, month - 1, day, hour, minute, second)
  // Date.UTC maps years 0–99 to 1900–1999.
  if (year < 100) time = new Date(time).setUTCFullYear(year)
  return time + fraction - offsetMinutes * 60_000
}

/** The number a string spells (`"42"`, `" -1.5e3 "`), or `undefined`. */
export const parseNumeric = (text: string): number | undefined =>
  numeric.test(text) ? Number(text) : undefined

const order = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0)

const booleanOf = (text: string): boolean | undefined => {
  const lower = text.toLowerCase()
  return lower === "true" ? true : lower === "false" ? false : undefined
}

/** A scalar JSON value. */
export type Scalar = string | number | boolean

/** Whether a record value is a scalar that CEQL can compare. */
export const isScalar = (value: unknown): value is Scalar =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean"

/**
 * Orders two scalars: negative, zero or positive. Numbers (and a numeric string against a number)
 * compare numerically; two date strings compare as instants; a boolean against a boolean or
 * `"true"`/`"false"` as booleans; anything else as strings by UTF-16 code units.
 */
export const compareScalars = (a: Scalar, b: Scalar): number => {
  if (typeof a === "number") {
    if (typeof b === "number") return order(a, b)
    if (typeof b === "string") {
      const n = parseNumeric(b)
      if (n !== undefined) return order(a, n)
    }
  } else if (typeof a === "string") {
    if (typeof b === "string") {
      const x = parseInstant(a)
      if (x !== undefined) {
        const y = parseInstant(b)
        if (y !== undefined) return order(x, y)
      }
      return order(a, b)
    }
    if (typeof b === "number") {
      const n = parseNumeric(a)
      if (n !== undefined) return order(n, b)
    } else {
      const x = booleanOf(a)
      if (x !== undefined) return Number(x) - Number(b)
    }
  } else {
    if (typeof b === "boolean") return Number(a) - Number(b)
    if (typeof b === "string") {
      const y = booleanOf(b)
      if (y !== undefined) return Number(a) - Number(y)
    }
  }
  return order(String(a), String(b))
}
