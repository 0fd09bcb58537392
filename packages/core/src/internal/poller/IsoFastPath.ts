import { Result } from "effect"
import * as DateTemplate from "../../DateTemplate.js"

// The ISO-8601 family of Java patterns vendors use: date, `T`, time to the second, optional `.SSS`,
// optional offset (a literal 'Z' or an offset letter).
const isoPatterns = /^yyyy-MM-dd'T'HH:mm:ss(?:\.SSS)?(?:'Z'|X{1,3}|Z)?$/
const utcIds = new Set(["UTC", "GMT", "Etc/UTC", "Etc/GMT", "+00:00"])
// No fraction or exactly three digits: there Java's `SSS` (a millisecond count) and ISO (a decimal
// fraction) agree.
const isoText = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{3}))?(Z|[+-]\d\d:\d\d)?$/

/**
 * A fast reader for the common case, exactly equal to `DateTemplate.parseJava` where it answers:
 * an ISO-pattern field in a UTC zone, whose text is an ISO instant. Both readings then come to the
 * same instant whichever of parseJava's paths (strict pattern or ISO fallback) would apply; any
 * other text returns `undefined` and goes the general way. Returns `undefined` for settings it does
 * not cover.
 */
export const isoFastPath = (
  pattern: string,
  zone: string
): ((text: string) => number | undefined) | undefined => {
  if (!isoPatterns.test(pattern)) return undefined
  const resolved = DateTemplate.resolveZone(zone)
  if (Result.isFailure(resolved) || !utcIds.has(resolved.success.id)) return undefined
  return (text) => {
    const match = isoText.exec(text)
    if (match === null) return undefined
    const [, y, mo, d, h, mi, s, ms, offset] = match
    const year = Number(y)
    const month = Number(mo)
    const day = Number(d)
    const hour = Number(h)
    const minute = Number(mi)
    const second = Number(s)
    if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
    // Date.UTC(year, month, 0) is the last day of `month`.
    if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined
    let offsetMinutes = 0
    if (offset !== undefined && offset !== "Z") {
      const digits = offset.replace(":", "")
      const hours = Number(digits.slice(1, 3))
      const minutes = Number(digits.slice(3, 5))
      if (hours > 18 || minutes > 59) return undefined
      offsetMinutes = (offset.startsWith("-") ? -1 : 1) * (hours * 60 + minutes)
    }
    const local = Date.UTC(year, month - 1, day, hour, minute, second, ms === undefined ? 0 : Number(ms))
    // Date.UTC maps years 0–99 to 1900–1999; such texts take the general path.
    if (year < 100) return undefined
    return local - offsetMinutes * 60_000
  }
}
