/**
 * The OData query options the fake Sage 200 understands, strict as the vendor is: `$filter` with
 * `eq ne gt ge lt le`, `and`/`or`/`not`, parentheses, `contains`/`startswith`/`endswith`, string,
 * number, boolean, `null` and date-time literals (unquoted, with the trailing `Z` the vendor needs),
 * `a/b` paths; `$orderby` (`a asc, b desc`); `$select`. Bad input throws {@link ODataError}, which
 * the server answers with 400.
 */

/** A query the vendor refuses; answered with 400. */
export class ODataError extends Error {}

type Value = string | number | boolean | null | { readonly instant: number }

type Node =
  | {
      readonly _tag: "Compare"
      readonly path: ReadonlyArray<string>
      readonly op: string
      readonly value: Value
    }
  | {
      readonly _tag: "Call"
      readonly fn: string
      readonly path: ReadonlyArray<string>
      readonly text: string
    }
  | { readonly _tag: "Bool"; readonly op: "and" | "or"; readonly left: Node; readonly right: Node }
  | { readonly _tag: "Not"; readonly node: Node }

const dateTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d{1,7})?)?(?:Z|[+-]\d\d:\d\d)?/
const number = /^-?\d+(?:\.\d+)?/
const word = /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z_][A-Za-z0-9_]*)*/
const operators = new Set(["eq", "ne", "gt", "ge", "lt", "le"])
const functions = new Set(["contains", "startswith", "endswith"])

type Token =
  | { readonly kind: "word"; readonly text: string }
  | { readonly kind: "value"; readonly value: Value }
  | { readonly kind: "punct"; readonly text: "(" | ")" | "," }

const tokenize = (input: string): Array<Token> => {
  const tokens: Array<Token> = []
  let rest = input
  while (rest.length > 0) {
    const space = /^\s+/.exec(rest)
    if (space !== null) {
      rest = rest.slice(space[0].length)
      continue
    }
    const head = rest[0]!
    if (head === "(" || head === ")" || head === ",") {
      tokens.push({ kind: "punct", text: head })
      rest = rest.slice(1)
      continue
    }
    if (head === "'") {
      let i = 1
      let text = ""
      for (;;) {
        if (i >= rest.length) throw new ODataError("unterminated string literal in $filter")
        if (rest[i] === "'") {
          if (rest[i + 1] === "'") {
            text += "'"
            i += 2
            continue
          }
          break
        }
        text += rest[i]
        i += 1
      }
      tokens.push({ kind: "value", value: text })
      rest = rest.slice(i + 1)
      continue
    }
    const date = dateTime.exec(rest)
    if (date !== null) {
      const text = date[0]
      if (!/(?:Z|[+-]\d\d:\d\d)$/.test(text)) {
        throw new ODataError(`the date-time literal '${text}' in $filter needs a time zone: add a trailing Z`)
      }
      const instant = Date.parse(text)
      if (Number.isNaN(instant)) throw new ODataError(`'${text}' is not a valid date-time`)
      tokens.push({ kind: "value", value: { instant } })
      rest = rest.slice(text.length)
      continue
    }
    const num = number.exec(rest)
    if (num !== null) {
      tokens.push({ kind: "value", value: Number(num[0]) })
      rest = rest.slice(num[0].length)
      continue
    }
    const name = word.exec(rest)
    if (name !== null) {
      const text = name[0]
      if (text === "true" || text === "false") tokens.push({ kind: "value", value: text === "true" })
      else if (text === "null") tokens.push({ kind: "value", value: null })
      else tokens.push({ kind: "word", text })
      rest = rest.slice(text.length)
      continue
    }
    throw new ODataError(`syntax error in $filter at '${rest.slice(0, 20)}'`)
  }
  return tokens
}

/** Parses a `$filter` value. */
export const parseFilter = (input: string): Node => {
  const tokens = tokenize(input)
  let at = 0
  const peek = () => tokens[at]
  const isWord = (text: string) => {
    const t = peek()
    return t?.kind === "word" && t.text.toLowerCase() === text
  }
  const expect = (text: "(" | ")" | ",") => {
    const t = tokens[at++]
    if (t?.kind !== "punct" || t.text !== text)
      throw new ODataError(`syntax error in $filter: expected '${text}'`)
  }
  const path = (): ReadonlyArray<string> => {
    const t = tokens[at++]
    if (t?.kind !== "word") throw new ODataError("syntax error in $filter: expected a property name")
    return t.text.split("/")
  }
  const primary = (): Node => {
    const t = peek()
    if (t?.kind === "punct" && t.text === "(") {
      at += 1
      const inner = or()
      expect(")")
      return inner
    }
    if (isWord("not")) {
      at += 1
      return { _tag: "Not", node: primary() }
    }
    if (t?.kind === "word" && functions.has(t.text.toLowerCase()) && tokens[at + 1]?.kind === "punct") {
      at += 1
      expect("(")
      const p = path()
      expect(",")
      const literal = tokens[at++]
      if (literal?.kind !== "value" || typeof literal.value !== "string") {
        throw new ODataError(`${t.text} needs a string literal`)
      }
      expect(")")
      return { _tag: "Call", fn: t.text.toLowerCase(), path: p, text: literal.value }
    }
    const p = path()
    const op = tokens[at++]
    if (op?.kind !== "word" || !operators.has(op.text.toLowerCase())) {
      throw new ODataError(`syntax error in $filter: expected an operator after '${p.join("/")}'`)
    }
    const value = tokens[at++]
    if (value?.kind !== "value") throw new ODataError("syntax error in $filter: expected a literal")
    return { _tag: "Compare", path: p, op: op.text.toLowerCase(), value: value.value }
  }
  const and = (): Node => {
    let left = primary()
    while (isWord("and")) {
      at += 1
      left = { _tag: "Bool", op: "and", left, right: primary() }
    }
    return left
  }
  const or = (): Node => {
    let left = and()
    while (isWord("or")) {
      at += 1
      left = { _tag: "Bool", op: "or", left, right: and() }
    }
    return left
  }
  const node = or()
  if (at !== tokens.length)
    throw new ODataError("syntax error in $filter: unexpected text after the expression")
  return node
}

const read = (record: unknown, path: ReadonlyArray<string>, known: ReadonlySet<string>): unknown => {
  const [first] = path
  if (first !== undefined && known.size > 0 && !known.has(first)) {
    throw new ODataError(`Could not find a property named '${first}'`)
  }
  let current: unknown = record
  for (const part of path) {
    if (typeof current !== "object" || current === null) return null
    current = (current as Record<string, unknown>)[part]
  }
  return current ?? null
}

const edm = (value: unknown): string =>
  typeof value === "number" ? "Edm.Int64" : typeof value === "boolean" ? "Edm.Boolean" : "Edm.String"

const order = (op: string, c: number): boolean =>
  op === "eq"
    ? c === 0
    : op === "ne"
      ? c !== 0
      : op === "gt"
        ? c > 0
        : op === "ge"
          ? c >= 0
          : op === "lt"
            ? c < 0
            : c <= 0

const compare = (actual: unknown, op: string, value: Value, name: string): boolean => {
  if (value === null || actual === null) {
    if (op !== "eq" && op !== "ne") return false
    return (actual === value) === (op === "eq")
  }
  if (typeof value === "object") {
    const instant = typeof actual === "string" ? Date.parse(actual) : Number.NaN
    if (Number.isNaN(instant)) {
      throw new ODataError(
        `operator '${op}' is not defined for ${edm(actual)} '${name}' and Edm.DateTimeOffset`
      )
    }
    return order(op, instant - value.instant)
  }
  if (typeof actual !== typeof value) {
    throw new ODataError(
      `operator '${op}' is not defined for ${edm(actual)} '${name}' and ${edm(value)}: no implicit conversion`
    )
  }
  if (typeof value === "number") return order(op, (actual as number) - value)
  if (typeof value === "boolean") {
    if (op !== "eq" && op !== "ne") throw new ODataError(`operator '${op}' is not defined for Edm.Boolean`)
    return (actual === value) === (op === "eq")
  }
  // SQL Server's default collation compares text ignoring case.
  const a = String(actual).toLowerCase()
  const b = value.toLowerCase()
  return order(op, a < b ? -1 : a > b ? 1 : 0)
}

/** Compiles a parsed filter over records whose top-level properties are `known` (empty: any). */
export const compileFilter =
  (node: Node, known: ReadonlySet<string>) =>
  (record: unknown): boolean => {
    switch (node._tag) {
      case "Compare":
        return compare(read(record, node.path, known), node.op, node.value, node.path.join("/"))
      case "Call": {
        const actual = read(record, node.path, known)
        if (actual === null) return false
        if (typeof actual !== "string") throw new ODataError(`${node.fn} needs an Edm.String property`)
        const a = actual.toLowerCase()
        const b = node.text.toLowerCase()
        return node.fn === "contains"
          ? a.includes(b)
          : node.fn === "startswith"
            ? a.startsWith(b)
            : a.endsWith(b)
      }
      case "Bool":
        return node.op === "and"
          ? compileFilter(node.left, known)(record) && compileFilter(node.right, known)(record)
          : compileFilter(node.left, known)(record) || compileFilter(node.right, known)(record)
      case "Not":
        return !compileFilter(node.node, known)(record)
    }
  }

/** A comparator from an `$orderby` value. */
export const parseOrderBy = (
  input: string,
  known: ReadonlySet<string>
): ((a: unknown, b: unknown) => number) => {
  const keys = input.split(",").map((part) => {
    const [name, direction, ...extra] = part.trim().split(/\s+/)
    const dir = (direction ?? "asc").toLowerCase()
    if (
      name === undefined ||
      name === "" ||
      !word.test(name) ||
      extra.length > 0 ||
      (dir !== "asc" && dir !== "desc")
    ) {
      throw new ODataError(`'${part.trim()}' is not a valid $orderby clause`)
    }
    return { path: name.split("/"), sign: dir === "asc" ? 1 : -1 }
  })
  return (a, b) => {
    for (const key of keys) {
      const x = read(a, key.path, known)
      const y = read(b, key.path, known)
      if (x === y) continue
      if (x === null) return -key.sign
      if (y === null) return key.sign
      const c =
        typeof x === "number" && typeof y === "number"
          ? x - y
          : String(x).toLowerCase() < String(y).toLowerCase()
            ? -1
            : String(x).toLowerCase() > String(y).toLowerCase()
              ? 1
              : 0
      if (c !== 0) return c * key.sign
    }
    return 0
  }
}

/** Projects a record onto a `$select` list (top-level properties). */
export const select = (record: Readonly<Record<string, unknown>>, fields: ReadonlyArray<string>): unknown =>
  Object.fromEntries(fields.filter((f) => Object.hasOwn(record, f)).map((f) => [f, record[f]]))
