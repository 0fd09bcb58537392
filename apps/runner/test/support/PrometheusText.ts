/**
 * Reading a runner's `GET /metrics` (the Prometheus text format 0.0.4) in tests: one sample's value
 * by metric name and exact label set.
 */

/** One sample line: name, labels, value. */
export const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (\S+)$/

/** The value of the sample with exactly these labels (in any order), or undefined. */
export const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
  for (const line of text.split("\n")) {
    const match = SAMPLE.exec(line)
    if (match === null || match[1] !== name) continue
    const found: Record<string, string> = {}
    for (const [, key, value] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      found[key!] = value!
    if (JSON.stringify(Object.entries(found).sort()) === JSON.stringify(Object.entries(labels).sort()))
      return Number(match[3])
  }
  return undefined
}
