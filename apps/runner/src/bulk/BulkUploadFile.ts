/**
 * Reads an upload's `file` into records: CSV with a header row (csv-parse; a dotted header such as
 * `address.city` becomes a nested object, an empty cell is left out), a JSON array of objects, or
 * newline-delimited JSON. Which one is told by the part's content type or file name, else by the
 * first character. Each record is kept as JSON text, in file order. Problems are messages naming
 * the `file` part and the row or line at fault.
 */
import { parse as parseCsv } from "csv-parse/sync"
import { Result } from "effect"

/** The records of a file, as JSON texts. */
export type Rows = ReadonlyArray<string>

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Sets `a.b.c` in a record as nested objects (a plain key is kept as is). */
const setPath = (target: Record<string, unknown>, path: string, value: unknown) => {
  const parts = path.split(".")
  if (parts.some((part) => part === "")) {
    target[path] = value
    return
  }
  let current = target
  for (const part of parts.slice(0, -1)) {
    const next = current[part]
    if (isRecord(next)) current = next
    else {
      const created: Record<string, unknown> = {}
      current[part] = created
      current = created
    }
  }
  current[parts[parts.length - 1]!] = value
}

const csvRows = (text: string): Result.Result<Rows, string> => {
  let parsed: Array<Record<string, string>>
  try {
    parsed = parseCsv(text, { columns: true, skip_empty_lines: true, bom: true, trim: true })
  } catch (error) {
    return Result.fail(`file: not readable as CSV: ${error instanceof Error ? error.message : String(error)}`)
  }
  return Result.succeed(
    parsed.map((row) => {
      const record: Record<string, unknown> = {}
      for (const [column, value] of Object.entries(row)) {
        if (column !== "" && value !== "") setPath(record, column, value)
      }
      return JSON.stringify(record)
    })
  )
}

const jsonArray = (text: string): Result.Result<Rows, string> => {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    return Result.fail(`file: not valid JSON: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (!Array.isArray(parsed)) return Result.fail("file: a JSON file must hold an array of objects")
  const rows: Array<string> = []
  for (const [index, item] of parsed.entries()) {
    if (!isRecord(item)) return Result.fail(`file: item ${index + 1} of the JSON array is not an object`)
    rows.push(JSON.stringify(item))
  }
  return Result.succeed(rows)
}

const ndjson = (text: string): Result.Result<Rows, string> => {
  const rows: Array<string> = []
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === "") continue
    let item: unknown
    try {
      item = JSON.parse(line)
    } catch {
      return Result.fail(`file: line ${index + 1} is not valid JSON`)
    }
    if (!isRecord(item)) return Result.fail(`file: line ${index + 1} is not a JSON object`)
    rows.push(JSON.stringify(item))
  }
  return Result.succeed(rows)
}

/** Reads a file's records; fails with a message naming the part and the place at fault. */
export const read = (
  text: string,
  options: { readonly name?: string; readonly contentType?: string }
): Result.Result<Rows, string> => {
  const name = (options.name ?? "").toLowerCase()
  const type = (options.contentType ?? "").toLowerCase()
  const start = text.replace(/^\uFEFF/, "").trimStart()
  const result =
    /ndjson|jsonl|x-json-stream/.test(type) || /\.(ndjson|jsonl)$/.test(name)
      ? ndjson(text)
      : type.includes("csv") || name.endsWith(".csv")
        ? csvRows(text)
        : start.startsWith("[")
          ? jsonArray(start)
          : start.startsWith("{")
            ? ndjson(start)
            : csvRows(text)
  if (Result.isSuccess(result) && result.success.length === 0) return Result.fail("file: holds no records")
  return result
}
