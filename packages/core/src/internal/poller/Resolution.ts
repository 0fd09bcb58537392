const letterUnits: ReadonlyArray<readonly [string, number]> = [
  ["S", 1],
  ["s", 1000],
  ["m", 60_000],
  ["H", 3_600_000],
  ["h", 3_600_000],
  ["k", 3_600_000],
  ["K", 3_600_000]
]

/**
 * The finest time unit a Java date pattern writes, in milliseconds: 1 with `S`, 1000 with `s`, a
 * minute with `m`, an hour with an hour letter, else a day. Quoted text is skipped. A vendor date
 * written at this resolution is truncated, so a change at or after an instant may carry a date up to
 * one unit before it; the poller's local window filter allows for that.
 */
export const resolutionMillis = (pattern: string): number => {
  let quoted = false
  const letters = new Set<string>()
  for (const char of pattern) {
    if (char === "'") quoted = !quoted
    else if (!quoted) letters.add(char)
  }
  for (const [letter, unit] of letterUnits) if (letters.has(letter)) return unit
  return 86_400_000
}
