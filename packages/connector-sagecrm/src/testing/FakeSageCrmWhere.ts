/**
 * The SData `where` subset Sage CRM documents — `eq ne gt ge lt le`, `like` with `%`, `in (…)`,
 * `between … and …`, `and`, `or`, parentheses — parsed against an entity's columns and evaluated
 * the way SQL Server would: column names case-insensitive, text compared case-insensitively (the
 * default collation), literals converted to the column's type (a failed conversion is an error),
 * NULL never matching a comparison. Anything else (`not`, `null`, `@date@` literals, functions) is a
 * 400 `BadWhereSyntax`, so a connector that sends more than the vendor supports fails its tests.
 */
import { type EntitySchema, type FieldType, fieldType } from "./FakeSageCrmEntities.js"
import { fault, type SDataFault } from "./FakeSageCrmFault.js"

/** A stored column value. */
export type Value = string | number | null

/** A comparison operator of the subset. */
export type Operator = "eq" | "ne" | "gt" | "ge" | "lt" | "le"

/** A parsed `where` expression; literals are already converted to their column's type. */
export type Where =
  | { readonly _tag: "And"; readonly left: Where; readonly right: Where }
  | { readonly _tag: "Or"; readonly left: Where; readonly right: Where }
  | {
      readonly _tag: "Compare"
      readonly field: string
      readonly op: Operator
      readonly value: number | string
    }
  | { readonly _tag: "Like"; readonly field: string; readonly pattern: RegExp }
  | { readonly _tag: "In"; readonly field: string; readonly values: ReadonlyArray<number | string> }
  | {
      readonly _tag: "Between"
      readonly field: string
      readonly low: number | string
      readonly high: number | string
    }

type Token =
  | { readonly kind: "word"; readonly text: string; readonly at: number }
  | { readonly kind: "string"; readonly text: string; readonly at: number }
  | { readonly kind: "number"; readonly text: string; readonly at: number }
  | { readonly kind: "punct"; readonly text: "(" | ")" | ","; readonly at: number }

const operators: ReadonlySet<string> = new Set(["eq", "ne", "gt", "ge", "lt", "le"])
const keywords: ReadonlySet<string> = new Set([
  ...operators,
  "and",
  "or",
  "like",
  "in",
  "between",
  "not",
  "null"
])

class Stop {
  constructor(readonly failure: SDataFault) {}
}

const syntax = (message: string): Stop => new Stop(fault(400, "BadWhereSyntax", `where: ${message}`))

const tokenize = (input: string): Array<Token> => {
  const tokens: Array<Token> = []
  let i = 0
  while (i < input.length) {
    const char = input[i]!
    if (/\s/.test(char)) {
      i++
    } else if (char === "(" || char === ")" || char === ",") {
      tokens.push({ kind: "punct", text: char, at: i })
      i++
    } else if (char === "'") {
      const start = i
      let text = ""
      i++
      for (;;) {
        if (i >= input.length) throw syntax(`unterminated string starting at position ${start}`)
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            text += "'"
            i += 2
            continue
          }
          i++
          break
        }
        text += input[i]
        i++
      }
      tokens.push({ kind: "string", text, at: start })
    } else if (/[-0-9]/.test(char)) {
      const match = /^-?\d+(\.\d+)?/.exec(input.slice(i))
      if (match === null) throw syntax(`unexpected '${char}' at position ${i}`)
      tokens.push({ kind: "number", text: match[0], at: i })
      i += match[0].length
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i))!
      tokens.push({ kind: "word", text: match[0], at: i })
      i += match[0].length
    } else {
      throw syntax(`unexpected '${char}' at position ${i}`)
    }
  }
  return tokens
}

const convertDate = (text: string): number | undefined => {
  // SQL Server reads ISO 8601 dates with or without time and zone; the server's zone is UTC.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(text))
    return undefined
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(text) && text.length > 10
  const iso =
    text.length === 10 ? `${text}T00:00:00Z` : hasZone ? text.replace(" ", "T") : `${text.replace(" ", "T")}Z`
  const ms = Date.parse(iso.replace(/(\.\d{3})\d+/, "$1"))
  return Number.isNaN(ms) ? undefined : ms
}

/** Converts a literal to the comparable form of a column type, or explains why it cannot. */
const convert = (type: FieldType, token: Token, field: string): number | string => {
  if (token.kind !== "string" && token.kind !== "number") {
    throw syntax(`expected a quoted string or a number at position ${token.at}, found '${token.text}'`)
  }
  switch (type) {
    case "id":
    case "integer":
    case "decimal": {
      const n = Number(token.text)
      if (token.text.trim() === "" || !Number.isFinite(n) || (type !== "decimal" && !Number.isInteger(n))) {
        throw new Stop(
          fault(
            400,
            "ApplicationDiagnosis",
            `Conversion failed converting '${token.text}' for column ${field}`
          )
        )
      }
      return n
    }
    case "date": {
      const ms = token.kind === "string" ? convertDate(token.text) : undefined
      if (ms === undefined) {
        throw new Stop(
          fault(
            400,
            "ApplicationDiagnosis",
            `Conversion failed converting '${token.text}' to a date for column ${field}`
          )
        )
      }
      return ms
    }
    case "text":
      return token.text.toLowerCase()
  }
}

/** The comparable form of a stored value, or null (which no comparison matches). */
export const comparable = (type: FieldType, value: Value): number | string | null => {
  if (value === null) return null
  switch (type) {
    case "date":
      return typeof value === "string" ? Date.parse(value) : value
    case "text":
      return String(value).toLowerCase()
    default:
      return typeof value === "number" ? value : Number(value)
  }
}

const likePattern = (pattern: string): RegExp => {
  let source = ""
  for (const char of pattern) {
    if (char === "%") source += "[\\s\\S]*"
    else if (char === "_") source += "[\\s\\S]"
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  }
  return new RegExp(`^${source}$`, "i")
}

class Parser {
  private i = 0
  constructor(
    private readonly tokens: ReadonlyArray<Token>,
    private readonly schema: EntitySchema
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.i]
  }

  private next(what: string): Token {
    const token = this.tokens[this.i]
    if (token === undefined) throw syntax(`expected ${what} at the end of the expression`)
    this.i++
    return token
  }

  private isWord(token: Token | undefined, word: string): boolean {
    return token?.kind === "word" && token.text.toLowerCase() === word
  }

  parse(): Where {
    if (this.tokens.length === 0) throw syntax("the expression is empty")
    const where = this.or()
    const rest = this.peek()
    if (rest !== undefined) throw syntax(`unexpected '${rest.text}' at position ${rest.at}`)
    return where
  }

  private or(): Where {
    let left = this.and()
    while (this.isWord(this.peek(), "or")) {
      this.i++
      left = { _tag: "Or", left, right: this.and() }
    }
    return left
  }

  private and(): Where {
    let left = this.primary()
    while (this.isWord(this.peek(), "and")) {
      this.i++
      left = { _tag: "And", left, right: this.primary() }
    }
    return left
  }

  private primary(): Where {
    const token = this.next("a condition")
    if (token.kind === "punct" && token.text === "(") {
      const inner = this.or()
      const close = this.next("')'")
      if (close.kind !== "punct" || close.text !== ")") {
        throw syntax(`expected ')' at position ${close.at}, found '${close.text}'`)
      }
      return inner
    }
    if (token.kind !== "word" || keywords.has(token.text.toLowerCase())) {
      throw syntax(`expected a field name at position ${token.at}, found '${token.text}'`)
    }
    const field = token.text.toLowerCase()
    const type = fieldType(this.schema, field)
    if (type === undefined) {
      throw new Stop(
        fault(400, "BadWhereSyntax", `where: unknown field '${token.text}' on ${this.schema.name}`)
      )
    }
    const opToken = this.next("an operator")
    const op = opToken.kind === "word" ? opToken.text.toLowerCase() : ""
    if (operators.has(op)) {
      return { _tag: "Compare", field, op: op as Operator, value: convert(type, this.next("a value"), field) }
    }
    if (op === "like") {
      const pattern = this.next("a pattern")
      if (pattern.kind !== "string") throw syntax(`like needs a quoted pattern at position ${pattern.at}`)
      return { _tag: "Like", field, pattern: likePattern(pattern.text) }
    }
    if (op === "in") {
      const open = this.next("'('")
      if (open.kind !== "punct" || open.text !== "(")
        throw syntax(`expected '(' after in at position ${open.at}`)
      const values: Array<number | string> = [convert(type, this.next("a value"), field)]
      for (;;) {
        const sep = this.next("',' or ')'")
        if (sep.kind === "punct" && sep.text === ")") break
        if (sep.kind !== "punct" || sep.text !== ",")
          throw syntax(`expected ',' or ')' at position ${sep.at}`)
        values.push(convert(type, this.next("a value"), field))
      }
      return { _tag: "In", field, values }
    }
    if (op === "between") {
      const low = convert(type, this.next("a value"), field)
      const and = this.next("'and'")
      if (!this.isWord(and, "and")) throw syntax(`expected 'and' in between at position ${and.at}`)
      return { _tag: "Between", field, low, high: convert(type, this.next("a value"), field) }
    }
    throw syntax(`unsupported operator '${opToken.text}' at position ${opToken.at}`)
  }
}

/** Parses a `where` value against an entity, or returns the 400 the vendor would answer. */
export const parseWhere = (input: string, schema: EntitySchema): Where | SDataFault => {
  try {
    return new Parser(tokenize(input), schema).parse()
  } catch (error) {
    if (error instanceof Stop) return error.failure
    throw error
  }
}

const compare = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Whether a record satisfies a parsed `where`. */
export const matches = (
  where: Where,
  record: Readonly<Record<string, Value>>,
  schema: EntitySchema
): boolean => {
  switch (where._tag) {
    case "And":
      return matches(where.left, record, schema) && matches(where.right, record, schema)
    case "Or":
      return matches(where.left, record, schema) || matches(where.right, record, schema)
    default: {
      const value = comparable(schema.fields[where.field]!, record[where.field] ?? null)
      if (value === null || (typeof value === "number" && Number.isNaN(value))) return false
      switch (where._tag) {
        case "Compare": {
          const c = compare(value, where.value)
          switch (where.op) {
            case "eq":
              return c === 0
            case "ne":
              return c !== 0
            case "gt":
              return c > 0
            case "ge":
              return c >= 0
            case "lt":
              return c < 0
            case "le":
              return c <= 0
          }
          return false
        }
        case "Like":
          return where.pattern.test(String(record[where.field]))
        case "In":
          return where.values.some((candidate) => compare(value, candidate) === 0)
        case "Between":
          return compare(value, where.low) >= 0 && compare(value, where.high) <= 0
      }
    }
  }
}

/** One `orderBy` key. */
export interface OrderKey {
  readonly field: string
  readonly descending: boolean
}

/** Parses `orderBy=comp_name desc, comp_companyid` against an entity. */
export const parseOrderBy = (input: string, schema: EntitySchema): ReadonlyArray<OrderKey> | SDataFault => {
  const keys: Array<OrderKey> = []
  for (const part of input.split(",")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/i.exec(part)
    if (match === null) return fault(400, "BadQueryParameter", `orderBy: cannot read '${part.trim()}'`)
    const field = match[1]!.toLowerCase()
    if (fieldType(schema, field) === undefined) {
      return fault(400, "BadQueryParameter", `orderBy: unknown field '${match[1]}' on ${schema.name}`)
    }
    keys.push({ field, descending: match[2]?.toLowerCase() === "desc" })
  }
  return keys
}

/** Sorts like SQL Server: NULLs first ascending, text case-insensitive; ties broken by id for stable pages. */
export const sortRecords = <R extends Readonly<Record<string, Value>>>(
  records: ReadonlyArray<R>,
  keys: ReadonlyArray<OrderKey>,
  schema: EntitySchema
): Array<R> => {
  const all = [...keys, { field: schema.idField, descending: false }]
  return [...records].sort((a, b) => {
    for (const key of all) {
      const type = schema.fields[key.field]!
      const x = comparable(type, a[key.field] ?? null)
      const y = comparable(type, b[key.field] ?? null)
      const c = x === null ? (y === null ? 0 : -1) : y === null ? 1 : compare(x, y)
      if (c !== 0) return key.descending ? -c : c
    }
    return 0
  })
}
