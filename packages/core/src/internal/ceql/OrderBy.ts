/**
 * The `orderBy=` and `fields=` query parameters: parsing them, and sorting and projecting records
 * with the same field lookup and value comparison as CEQL's evaluator.
 */
import { Result } from "effect"
import type * as Ast from "./Ast.js"
import { CeqlError, expectedError } from "./CeqlError.js"
import { accessor } from "./FieldPath.js"
import { readToken } from "./Lexer.js"
import { unexpected } from "./Parser.js"
import { compareScalars, isScalar } from "./Values.js"

/** Sort direction of one `orderBy` key. */
export type Direction = "asc" | "desc"

/** One key of an `orderBy` parameter. */
export interface OrderByKey {
  readonly field: Ast.Field
  readonly direction: Direction
}

/** A parsed `orderBy` parameter, most significant key first. */
export type OrderBy = ReadonlyArray<OrderByKey>

/**
 * Parses `Name asc, created desc` (direction optional, default `asc`, case-insensitive; back-ticks
 * for names with spaces or dots). An empty or blank text is no ordering.
 */
export const parseOrderByResult = (input: string): Result.Result<OrderBy, CeqlError> => {
  const keys: Array<OrderByKey> = []
  let token = readToken(input, 0)
  if (token.kind === "End") return Result.succeed(keys)
  for (;;) {
    if (token.kind !== "Ident" && token.kind !== "Quoted") {
      return Result.fail(unexpected(input, token, "a field name", ["a field name"]))
    }
    const field: Ast.Field = {
      _tag: "Field",
      name: token.name,
      quoted: token.kind === "Quoted",
      position: token.position
    }
    token = readToken(input, token.position + token.text.length)
    let direction: Direction = "asc"
    if (token.kind === "Ident" && /^(?:asc|desc)$/i.test(token.name)) {
      direction = token.name.toLowerCase() as Direction
      token = readToken(input, token.position + token.text.length)
    }
    keys.push({ field, direction })
    if (token.kind === "End") return Result.succeed(keys)
    if (token.kind !== "Comma") {
      return Result.fail(
        unexpected(input, token, "asc, desc, ',' or end of input", ["asc", "desc", "','", "end of input"])
      )
    }
    token = readToken(input, token.position + 1)
  }
}

const unusable = /[\s'"`]/

/**
 * Parses `a, b.c, \`odd name\``: comma-separated field paths. A name with spaces or quotes must be
 * back-ticked; empty entries are errors. An empty or blank text is no selection.
 */
export const parseFieldsResult = (input: string): Result.Result<ReadonlyArray<Ast.Field>, CeqlError> => {
  const fields: Array<Ast.Field> = []
  if (input.trim() === "") return Result.succeed(fields)
  let i = 0
  for (;;) {
    while (i < input.length && /\s/.test(input[i]!)) i++
    const start = i
    let field: Ast.Field
    if (input[i] === "`") {
      const token = readToken(input, i)
      if (token.kind !== "Quoted")
        return Result.fail(unexpected(input, token, "a field name", ["a field name"]))
      field = { _tag: "Field", name: token.name, quoted: true, position: start }
      i = start + token.text.length
    } else {
      while (i < input.length && input[i] !== ",") i++
      const name = input.slice(start, i).trimEnd()
      if (name === "")
        return Result.fail(expectedError(input, start, "a field name", ["a field name"], input[start]))
      const bad = unusable.exec(name)
      if (bad !== null) {
        const at = start + bad.index
        return Result.fail(
          new CeqlError({
            message:
              `CEQL: expected ',' or end of input at position ${at} but found '${bad[0]}' ` +
              "(back-tick field names that contain spaces or quotes)",
            position: at,
            expected: ["','", "end of input"],
            input
          })
        )
      }
      field = { _tag: "Field", name, quoted: false, position: start }
    }
    fields.push(field)
    while (i < input.length && /\s/.test(input[i]!)) i++
    if (i >= input.length) return Result.succeed(fields)
    if (input[i] !== ",") {
      return Result.fail(expectedError(input, i, "',' or end of input", ["','", "end of input"], input[i]))
    }
    i++
  }
}

const firstValue = (values: ReadonlyArray<unknown>): unknown => values[0]

/** Orders any two values for sorting: scalars as CEQL compares them, nulls last, objects by JSON text. */
const compareForSort = (a: unknown, b: unknown): number => {
  if (a === undefined) return b === undefined ? 0 : 1
  if (b === undefined) return -1
  if (isScalar(a) && isScalar(b)) return compareScalars(a, b)
  if (isScalar(a)) return -1
  if (isScalar(b)) return 1
  const x = JSON.stringify(a)
  const y = JSON.stringify(b)
  return x < y ? -1 : x > y ? 1 : 0
}

const keysOf = (orderBy: OrderBy) =>
  orderBy.map((key) => ({ read: accessor(key.field), sign: key.direction === "desc" ? -1 : 1 }))

/**
 * A comparator for `Array.prototype.sort` that orders records by the keys in turn. A list-valued
 * field sorts by its first element. Missing and null values sort last in ascending order and first
 * in descending order.
 */
export const compareBy = (orderBy: OrderBy): ((a: unknown, b: unknown) => number) => {
  const keys = keysOf(orderBy)
  return (a, b) => {
    for (const key of keys) {
      const result = compareForSort(firstValue(key.read(a)), firstValue(key.read(b)))
      if (result !== 0) return key.sign * result
    }
    return 0
  }
}

/**
 * Sorts records as {@link compareBy} orders them (stably), reading each record's key values once
 * rather than on every comparison: what an in-memory `orderBy` over thousands of records needs.
 */
export const sortBy = (orderBy: OrderBy): (<A>(records: ReadonlyArray<A>) => Array<A>) => {
  const keys = keysOf(orderBy)
  return (records) => {
    const decorated = records.map((record) => ({
      record,
      values: keys.map((key) => firstValue(key.read(record)))
    }))
    decorated.sort((a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const result = compareForSort(a.values[i], b.values[i])
        if (result !== 0) return keys[i]!.sign * result
      }
      return 0
    })
    return decorated.map((entry) => entry.record)
  }
}
