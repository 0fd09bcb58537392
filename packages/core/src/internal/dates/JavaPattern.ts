import { type DateTemplateError, dateTemplateError } from "./DateTemplateError.js"

/** The `SimpleDateFormat` letters this module formats and parses. */
export type FieldLetter = "y" | "M" | "d" | "H" | "h" | "m" | "s" | "S" | "a" | "E" | "D" | "X" | "Z" | "z"

/** One piece of a compiled pattern: literal text, or a run of one pattern letter at `position`. */
export type PatternToken =
  | { readonly kind: "literal"; readonly text: string }
  | {
      readonly kind: "field"
      readonly letter: FieldLetter
      readonly count: number
      readonly position: number
    }

const supported: ReadonlySet<string> = new Set<FieldLetter>([
  "y",
  "M",
  "d",
  "H",
  "h",
  "m",
  "s",
  "S",
  "a",
  "E",
  "D",
  "X",
  "Z",
  "z"
])

const isAsciiLetter = (char: string): boolean => (char >= "a" && char <= "z") || (char >= "A" && char <= "Z")

const compiled = new Map<string, ReadonlyArray<PatternToken>>()
const cacheLimit = 512

/**
 * Splits a Java `SimpleDateFormat` pattern into tokens. Quoting follows Java: `'…'` is literal text,
 * `''` is one quote inside or outside a quoted run, and every unquoted ASCII letter is a pattern
 * letter — so an unsupported or unknown letter is an error naming it, as Java would throw.
 */
export const compilePattern = (pattern: string): ReadonlyArray<PatternToken> | DateTemplateError => {
  const cached = compiled.get(pattern)
  if (cached !== undefined) return cached
  const tokens: Array<PatternToken> = []
  let literal = ""
  const flush = () => {
    if (literal.length > 0) tokens.push({ kind: "literal", text: literal })
    literal = ""
  }
  let index = 0
  while (index < pattern.length) {
    const char = pattern[index]!
    if (char === "'") {
      if (pattern[index + 1] === "'") {
        literal += "'"
        index += 2
        continue
      }
      const start = index
      index += 1
      let closed = false
      while (index < pattern.length) {
        if (pattern[index] === "'") {
          if (pattern[index + 1] === "'") {
            literal += "'"
            index += 2
            continue
          }
          closed = true
          index += 1
          break
        }
        literal += pattern[index]
        index += 1
      }
      if (!closed) {
        return dateTemplateError(
          "unterminated-quote",
          `date pattern "${pattern}" has a quote at position ${start} that is never closed`,
          pattern,
          start
        )
      }
      continue
    }
    if (isAsciiLetter(char)) {
      if (!supported.has(char)) {
        return dateTemplateError(
          "unsupported-letter",
          `date pattern "${pattern}" uses the letter '${char}' at position ${index}, which is not supported (quote literal text, e.g. 'T')`,
          pattern,
          index
        )
      }
      let end = index + 1
      while (pattern[end] === char) end += 1
      const count = end - index
      if (char === "X" && count > 3) {
        return dateTemplateError(
          "unsupported-letter",
          `date pattern "${pattern}" uses ${count} 'X' letters at position ${index}; ISO offsets take X, XX or XXX`,
          pattern,
          index
        )
      }
      flush()
      tokens.push({ kind: "field", letter: char as FieldLetter, count, position: index })
      index = end
      continue
    }
    literal += char
    index += 1
  }
  flush()
  if (compiled.size >= cacheLimit) compiled.clear()
  compiled.set(pattern, tokens)
  return tokens
}
