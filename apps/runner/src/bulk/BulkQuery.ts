/**
 * The `q` of `POST /hubs/{hub}/bulk/query`: `select * from accounts [where <CEQL>] [order by
 * <field> asc|desc, …] [limit <n>]`, keywords in any case. The `where` and `order by` parts are
 * checked with core's CEQL parsers; this module only finds where they start and end (outside quoted
 * strings, back-ticked names and parentheses, so `where name = 'limit 5'` stays one filter). Every
 * problem is a {@link BulkQueryError} naming the 0-based position in `q` and what was expected.
 */
import { Ceql } from "@plugboard/core"
import { Data, Result } from "effect"

/** A parsed bulk query. */
export interface BulkQuery {
  /** The hub resource or vendor object after `from`. */
  readonly objectName: string
  /** Comma-separated fields to keep, absent for `*`. */
  readonly fields?: string
  readonly where?: string
  readonly orderBy?: string
  /** At most this many records. */
  readonly limit?: number
}

/** A malformed `q`. */
export class BulkQueryError extends Data.TaggedError("BulkQueryError")<{
  readonly message: string
  readonly position: number
}> {}

const shown = (text: string): string => {
  if (text.length === 0) return "end of q"
  const cut = text.length > 30 ? `${text.slice(0, 30)}…` : text
  return `'${cut}'`
}

const expected = (q: string, position: number, what: string) =>
  new BulkQueryError({
    message: `q: expected ${what} at position ${position} but found ${shown(q.slice(position).trimEnd())}`,
    position
  })

const skipSpace = (q: string, at: number): number => {
  let index = at
  while (index < q.length && /\s/.test(q[index]!)) index += 1
  return index
}

/** Whether `q` has the keyword (words separated by spaces) at `at`, followed by a word boundary. */
const keywordAt = (q: string, at: number, words: ReadonlyArray<string>): number | undefined => {
  let index = at
  for (const [n, word] of words.entries()) {
    if (n > 0) {
      const after = skipSpace(q, index)
      if (after === index) return undefined
      index = after
    }
    if (q.slice(index, index + word.length).toLowerCase() !== word) return undefined
    index += word.length
  }
  return index < q.length && /[A-Za-z0-9_]/.test(q[index]!) ? undefined : index
}

/**
 * The first top-level occurrence of one of these keywords at or after `from`: outside `'…'`
 * strings (`''` escapes a quote), back-ticked names and parentheses, at a word start.
 */
const findKeyword = (
  q: string,
  from: number,
  keywords: ReadonlyArray<ReadonlyArray<string>>
): { readonly start: number; readonly end: number; readonly words: ReadonlyArray<string> } | undefined => {
  let depth = 0
  let index = from
  while (index < q.length) {
    const char = q[index]!
    if (char === "'") {
      index += 1
      while (index < q.length) {
        if (q[index] === "'" && q[index + 1] === "'") index += 2
        else if (q[index] === "'") break
        else index += 1
      }
      index += 1
      continue
    }
    if (char === "`") {
      const close = q.indexOf("`", index + 1)
      index = close === -1 ? q.length : close + 1
      continue
    }
    if (char === "(") depth += 1
    else if (char === ")") depth = Math.max(0, depth - 1)
    else if (depth === 0 && (index === 0 || !/[A-Za-z0-9_]/.test(q[index - 1]!))) {
      for (const words of keywords) {
        const end = keywordAt(q, index, words)
        if (end !== undefined) return { start: index, end, words }
      }
    }
    index += 1
  }
  return undefined
}

/** Moves a core CEQL error's position into `q`'s coordinates. */
const fromCeql = (part: string, offset: number, error: Ceql.CeqlError): BulkQueryError => {
  const position = offset + error.position
  const detail = error.message.replace(/^CEQL:\s*/, "").replace(/position \d+/, `position ${position}`)
  return new BulkQueryError({ message: `q (${part}): ${detail}`, position })
}

const objectNamePattern = /^[A-Za-z0-9_$~.-]+/

/** The largest `limit`: the job's `max_records` is an `INTEGER` column, 32 bits on PostgreSQL. */
export const MAX_LIMIT = 2_147_483_647

/** Parses `q`. */
export const parse = (q: string): Result.Result<BulkQuery, BulkQueryError> => {
  let at = skipSpace(q, 0)
  const afterSelect = keywordAt(q, at, ["select"])
  if (afterSelect === undefined) return Result.fail(expected(q, at, "'select'"))
  at = skipSpace(q, afterSelect)
  const from = findKeyword(q, at, [["from"]])
  if (from === undefined) return Result.fail(expected(q, q.length, "'from <object name>'"))
  const fieldsText = q.slice(at, from.start).trim()
  if (fieldsText === "") return Result.fail(expected(q, at, "'*' or a list of fields"))
  let fields: string | undefined
  if (fieldsText !== "*") {
    const parsed = Ceql.parseFieldsResult(fieldsText)
    if (Result.isFailure(parsed)) return Result.fail(fromCeql("fields", at, parsed.failure))
    fields = fieldsText
  }
  at = skipSpace(q, from.end)
  const name = objectNamePattern.exec(q.slice(at))
  if (name === null) return Result.fail(expected(q, at, "an object name after 'from'"))
  const objectName = name[0]
  at = skipSpace(q, at + objectName.length)

  let where: string | undefined
  let orderBy: string | undefined
  let limit: number | undefined

  const afterWhere = keywordAt(q, at, ["where"])
  if (afterWhere !== undefined) {
    const start = skipSpace(q, afterWhere)
    const next = findKeyword(q, start, [["order", "by"], ["limit"]])
    const end = next?.start ?? q.length
    const text = q.slice(start, end).trimEnd()
    if (text === "") return Result.fail(expected(q, start, "a CEQL condition after 'where'"))
    const parsed = Ceql.parseResult(text)
    if (Result.isFailure(parsed)) return Result.fail(fromCeql("where", start, parsed.failure))
    where = text
    at = end
  }

  const afterOrder = keywordAt(q, at, ["order", "by"])
  if (afterOrder !== undefined) {
    const start = skipSpace(q, afterOrder)
    const next = findKeyword(q, start, [["limit"]])
    const end = next?.start ?? q.length
    const text = q.slice(start, end).trimEnd()
    if (text === "") return Result.fail(expected(q, start, "'<field> [asc|desc]' after 'order by'"))
    const parsed = Ceql.parseOrderByResult(text)
    if (Result.isFailure(parsed)) return Result.fail(fromCeql("order by", start, parsed.failure))
    orderBy = text
    at = end
  }

  const afterLimit = keywordAt(q, at, ["limit"])
  if (afterLimit !== undefined) {
    const start = skipSpace(q, afterLimit)
    const digits = /^\d+/.exec(q.slice(start))
    const n = digits === null ? Number.NaN : Number(digits[0])
    if (digits === null || !Number.isSafeInteger(n) || n < 1 || n > MAX_LIMIT) {
      return Result.fail(expected(q, start, `a positive integer up to ${MAX_LIMIT} after 'limit'`))
    }
    limit = n
    at = skipSpace(q, start + digits[0].length)
  }

  if (at < q.length) {
    const what =
      limit !== undefined
        ? "end of q"
        : orderBy !== undefined
          ? "'limit' or end of q"
          : where !== undefined
            ? "'order by', 'limit' or end of q"
            : "'where', 'order by', 'limit' or end of q"
    return Result.fail(expected(q, at, what))
  }

  return Result.succeed({
    objectName,
    ...(fields === undefined ? {} : { fields }),
    ...(where === undefined ? {} : { where }),
    ...(orderBy === undefined ? {} : { orderBy }),
    ...(limit === undefined ? {} : { limit })
  })
}
