/**
 * A query job's stored records as a response body, read from the database in pages of
 * {@link PAGE} so that a large job is never held in memory: newline-delimited JSON (each line the
 * record as it was stored), or CSV (csv-stringify does the quoting) whose columns are every
 * record's flattened fields — nested objects as dotted names (`address.city`), arrays as JSON text
 * — in order of first appearance. CSV needs its header first, so its records are read twice: once
 * for the column names, once for the rows.
 *
 * Every read stops at `count`, the job's record count read when the download was asked for: a
 * running job keeps saving pages meanwhile, and without that bound the body could hold more records
 * than the `Elements-Returned-Count` header says, or CSV rows with columns the header lacks.
 */
import { stringify } from "csv-stringify/sync"
import { Effect, Option, Stream } from "effect"
import type { SqlError } from "effect/sql"
import type { BulkStoreService } from "./BulkStore.js"

/** Records read per database round trip. */
export const PAGE = 500

/** The job's first `count` stored records, in order, a page at a time. */
const pages = (
  store: BulkStoreService,
  id: number,
  count: number
): Stream.Stream<ReadonlyArray<string>, SqlError.SqlError> =>
  Stream.paginate(0, (after: number) =>
    Effect.map(store.records(id, after, PAGE, count), (rows) => {
      const last = rows[rows.length - 1]
      return [
        [rows.map((row) => row.record)],
        rows.length < PAGE || last === undefined ? Option.none<number>() : Option.some(last.seq)
      ] as const
    })
  )

/** The job's first `count` records as newline-delimited JSON. */
export const ndjson = (
  store: BulkStoreService,
  id: number,
  count: number
): Stream.Stream<Uint8Array, SqlError.SqlError> =>
  pages(store, id, count).pipe(
    Stream.filter((page) => page.length > 0),
    Stream.map((page) => `${page.join("\n")}\n`),
    Stream.encodeText
  )

/** A record's fields as flat `dotted.name → text` cells. */
export const flatten = (value: unknown): Map<string, string> => {
  const cells = new Map<string, string>()
  const walk = (prefix: string, current: unknown) => {
    if (current === null || current === undefined) {
      if (prefix !== "") cells.set(prefix, "")
      return
    }
    if (Array.isArray(current)) {
      cells.set(prefix, JSON.stringify(current))
      return
    }
    if (typeof current === "object") {
      const entries = Object.entries(current as Record<string, unknown>)
      if (entries.length === 0 && prefix !== "") cells.set(prefix, "")
      for (const [key, inner] of entries) walk(prefix === "" ? key : `${prefix}.${key}`, inner)
      return
    }
    cells.set(prefix === "" ? "value" : prefix, String(current))
  }
  walk("", value)
  return cells
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** The job's first `count` records as CSV with a header row. */
export const csv = (
  store: BulkStoreService,
  id: number,
  count: number
): Stream.Stream<Uint8Array, SqlError.SqlError> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const columns = new Set<string>()
      yield* Stream.runForEach(pages(store, id, count), (page) =>
        Effect.sync(() => {
          for (const text of page) for (const column of flatten(parse(text)).keys()) columns.add(column)
        })
      )
      const header = [...columns]
      if (header.length === 0) return Stream.empty
      let first = true
      return pages(store, id, count).pipe(
        Stream.filter((page) => page.length > 0),
        Stream.map((page) => {
          const rows = page.map((text) => {
            const cells = flatten(parse(text))
            return header.map((column) => cells.get(column) ?? "")
          })
          const out = stringify(first ? [header, ...rows] : rows)
          first = false
          return out
        }),
        Stream.encodeText
      )
    })
  )
