/**
 * Splits CEQL text into tokens on demand. It never fails: anything it cannot read becomes a `Bad`
 * token, so the parser can say what it expected at that spot.
 */
import type { ComparisonOperator } from "./Ast.js"

export type Keyword = "AND" | "OR" | "NOT" | "LIKE" | "IN" | "IS" | "NULL" | "TRUE" | "FALSE"

const keywords: ReadonlySet<string> = new Set([
  "AND",
  "OR",
  "NOT",
  "LIKE",
  "IN",
  "IS",
  "NULL",
  "TRUE",
  "FALSE"
])

/** Whether a word is reserved (case-insensitive) and so cannot be a bare field name. */
export const isKeyword = (word: string): boolean => keywords.has(word.toUpperCase())

interface Base {
  /** The source text of the token. */
  readonly text: string
  readonly position: number
}

export type Token =
  | (Base & { readonly kind: "Ident"; readonly name: string })
  | (Base & { readonly kind: "Quoted"; readonly name: string })
  | (Base & { readonly kind: "Keyword"; readonly keyword: Keyword })
  | (Base & { readonly kind: "String"; readonly value: string })
  | (Base & { readonly kind: "Number" })
  | (Base & { readonly kind: "Operator"; readonly operator: ComparisonOperator })
  | (Base & { readonly kind: "LParen" | "RParen" | "Comma" | "End" })
  | (Base & {
      readonly kind: "Bad"
      /** Why the text is unreadable: a stray character, or a quote that never closes. */
      readonly problem: "char" | "unclosedString" | "unclosedName" | "emptyName"
    })

// Field names: a letter, `_` or `$` first, then letters, digits, `_`, `$`; dots join segments, and a
// segment after a dot may start with a digit (`lines.0.amount`).
const identifier = /[\p{L}_$][\p{L}\p{N}_$]*(?:\.[\p{L}\p{N}_$]+)*/uy
const numberPattern = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const whitespace = /\s+/y

/** Whether `name` can be written without back-ticks and read back as the same field. */
export const isBareIdentifier = (name: string): boolean => {
  identifier.lastIndex = 0
  const match = identifier.exec(name)
  return match !== null && match[0].length === name.length && !isKeyword(name)
}

const isAsciiWordChar = (code: number): boolean =>
  (code >= 97 && code <= 122) ||
  (code >= 65 && code <= 90) ||
  (code >= 48 && code <= 57) ||
  code === 95 ||
  code === 36

/**
 * The end of the identifier starting at `start`. ASCII names (nearly all of them) are scanned by
 * character codes; a name that reaches a non-ASCII character is read again with the Unicode pattern.
 */
const identifierEnd = (input: string, start: number): number | undefined => {
  const first = input.charCodeAt(start)
  if (first > 127 || (first >= 48 && first <= 57)) {
    identifier.lastIndex = start
    const match = identifier.exec(input)
    return match === null ? undefined : start + match[0].length
  }
  if (!isAsciiWordChar(first)) return undefined
  let i = start + 1
  for (;;) {
    while (i < input.length && isAsciiWordChar(input.charCodeAt(i))) i++
    const next = input.charCodeAt(i)
    if (next === 46 && i + 1 < input.length) {
      const after = input.charCodeAt(i + 1)
      if (isAsciiWordChar(after)) {
        i += 2
        continue
      }
      if (after <= 127) return i
    } else if (next <= 127 || Number.isNaN(next)) {
      return i
    }
    identifier.lastIndex = start
    return start + identifier.exec(input)![0].length
  }
}

const skipSpace = (input: string, offset: number): number => {
  let i = offset
  for (;;) {
    const code = input.charCodeAt(i)
    if (code === 32 || (code >= 9 && code <= 13)) i++
    else if (code > 127) {
      whitespace.lastIndex = i
      const space = whitespace.exec(input)
      if (space === null) return i
      i += space[0].length
    } else return i
  }
}

/** Reads the token that starts at or after `offset` (skipping whitespace). */
export const readToken = (input: string, offset: number): Token => {
  const start = skipSpace(input, offset)
  if (start >= input.length) return { kind: "End", text: "", position: input.length }
  const char = input[start]!
  switch (char) {
    case "(":
      return { kind: "LParen", text: char, position: start }
    case ")":
      return { kind: "RParen", text: char, position: start }
    case ",":
      return { kind: "Comma", text: char, position: start }
    case "'":
      return readString(input, start)
    case "`":
      return readQuotedName(input, start)
    case "=":
      return { kind: "Operator", operator: "=", text: char, position: start }
    case "!":
      return input[start + 1] === "="
        ? { kind: "Operator", operator: "!=", text: "!=", position: start }
        : { kind: "Bad", problem: "char", text: char, position: start }
    case "<": {
      const next = input[start + 1]
      if (next === "=") return { kind: "Operator", operator: "<=", text: "<=", position: start }
      if (next === ">") return { kind: "Operator", operator: "!=", text: "<>", position: start }
      return { kind: "Operator", operator: "<", text: char, position: start }
    }
    case ">":
      return input[start + 1] === "="
        ? { kind: "Operator", operator: ">=", text: ">=", position: start }
        : { kind: "Operator", operator: ">", text: char, position: start }
  }
  if (char === "-" || (char >= "0" && char <= "9")) {
    numberPattern.lastIndex = start
    const num = numberPattern.exec(input)
    if (num !== null) return { kind: "Number", text: num[0], position: start }
  }
  const end = identifierEnd(input, start)
  if (end !== undefined) {
    const text = input.slice(start, end)
    const upper = text.toUpperCase()
    return keywords.has(upper)
      ? { kind: "Keyword", keyword: upper as Keyword, text, position: start }
      : { kind: "Ident", name: text, text, position: start }
  }
  // One whole code point, so that messages never show half a surrogate pair.
  const codePoint = String.fromCodePoint(input.codePointAt(start)!)
  return { kind: "Bad", problem: "char", text: codePoint, position: start }
}

/** Reads a `'…'` string where `''` stands for one quote. */
const readString = (input: string, start: number): Token => {
  let value = ""
  let i = start + 1
  for (;;) {
    const close = input.indexOf("'", i)
    if (close === -1)
      return { kind: "Bad", problem: "unclosedString", text: input.slice(start), position: start }
    value += input.slice(i, close)
    if (input[close + 1] === "'") {
      value += "'"
      i = close + 2
      continue
    }
    return { kind: "String", value, text: input.slice(start, close + 1), position: start }
  }
}

/** Reads a back-ticked column name where two back-ticks stand for one. */
const readQuotedName = (input: string, start: number): Token => {
  let name = ""
  let i = start + 1
  for (;;) {
    const close = input.indexOf("`", i)
    if (close === -1)
      return { kind: "Bad", problem: "unclosedName", text: input.slice(start), position: start }
    name += input.slice(i, close)
    if (input[close + 1] === "`") {
      name += "`"
      i = close + 2
      continue
    }
    const text = input.slice(start, close + 1)
    return name === ""
      ? { kind: "Bad", problem: "emptyName", text, position: start }
      : { kind: "Quoted", name, text, position: start }
  }
}
