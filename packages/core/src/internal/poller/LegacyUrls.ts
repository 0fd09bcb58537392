import { normalizePath } from "./RecordPath.js"

/** One legacy line read: the resource and an entry object still to be decoded, or why it is unusable. */
export type LegacyLine =
  | { readonly line: number; readonly resource: string; readonly entry: Record<string, unknown> }
  | { readonly line: number; readonly problem: string }

const dateKeys = [
  "updatedDateField",
  "updatedDateFormat",
  "updatedDateTimezone",
  "createdDateField",
  "createdDateFormat",
  "createdDateTimezone"
] as const

/**
 * Splits `event.poller.urls` text into lines (real newlines or the two characters `\n`, which is how
 * the value looks after passing through a JSON string twice) and each line at `|` into
 * `<resource>|<url>|<xPath>|<updField>|<updFmt>|<updTz>|<crtField>|<crtFmt>|<crtTz>`. A URL holds no
 * `|` in practice (CEQL has no such operator), so the split is plain. Blank lines are skipped.
 */
export const parseLegacyLines = (text: string): ReadonlyArray<LegacyLine> => {
  const out: Array<LegacyLine> = []
  const lines = text.split(/\r?\n|\\n/)
  for (const [index, raw] of lines.entries()) {
    const line = index + 1
    if (raw.trim() === "") continue
    const fields = raw.split("|").map((field) => field.trim())
    const [resource = "", url = "", xPath = "", ...dates] = fields
    if (resource === "") {
      out.push({ line, problem: "has no resource name before the first '|'" })
      continue
    }
    if (url === "") {
      out.push({ line, problem: `resource '${resource}' has no URL after the first '|'` })
      continue
    }
    if (fields.length > 9) {
      out.push({ line, problem: `has ${fields.length} '|'-separated fields; at most 9 are known` })
      continue
    }
    const entry: Record<string, unknown> = { url }
    const idField = normalizePath(xPath)
    if (idField !== "") entry.idField = idField
    const datesConfiguration: Record<string, string> = {}
    for (const [position, key] of dateKeys.entries()) {
      const value = dates[position]
      if (value !== undefined && value !== "") datesConfiguration[key] = value
    }
    if (Object.keys(datesConfiguration).length > 0) entry.datesConfiguration = datesConfiguration
    out.push({ line, resource, entry })
  }
  return out
}
