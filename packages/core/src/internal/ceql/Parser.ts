/**
 * Recursive-descent parser for CEQL. Precedence: NOT binds tighter than AND, AND tighter than OR.
 * Never throws to its caller: every problem becomes a `CeqlError` naming the position and what was
 * expected there.
 */
import { Result } from "effect"
import type * as Ast from "./Ast.js"
import { CeqlError, describeFound, expectedError } from "./CeqlError.js"
import { readToken, type Token } from "./Lexer.js"

/** Deepest nesting of parentheses and NOTs accepted; keeps recursion far from the stack limit. */
export const maxDepth = 256

const operatorNames = [
  "=",
  "!=",
  "<>",
  "<",
  ">",
  "<=",
  ">=",
  "LIKE",
  "NOT LIKE",
  "IN",
  "NOT IN",
  "IS NULL",
  "IS NOT NULL"
] as const
const valueNames = ["a string", "a number", "true", "false"] as const

// Thrown inside the parser only, and always caught in `parseResult`.
class Failure {
  constructor(readonly error: CeqlError) {}
}

/** Parses CEQL text into an expression, or describes the first problem. */
export const parseResult = (input: string): Result.Result<Ast.Expr, CeqlError> => {
  try {
    const parser = new Parser(input)
    return Result.succeed(parser.parseQuery())
  } catch (e) {
    if (e instanceof Failure) return Result.fail(e.error)
    throw e
  }
}

/** The error for an unreadable or unexpected token, worded after what the parser needed. */
export const unexpected = (
  input: string,
  token: Token,
  what: string,
  expected: ReadonlyArray<string>
): CeqlError => {
  if (token.kind === "Bad") {
    switch (token.problem) {
      case "unclosedString":
        return new CeqlError({
          message:
            `CEQL: expected a closing ' for the string that starts at position ${token.position} ` +
            `at position ${input.length} but found end of input`,
          position: input.length,
          expected: ["'"],
          input
        })
      case "unclosedName":
        return new CeqlError({
          message:
            `CEQL: expected a closing \` for the column name that starts at position ${token.position} ` +
            `at position ${input.length} but found end of input`,
          position: input.length,
          expected: ["`"],
          input
        })
      case "emptyName":
        return expectedError(
          input,
          token.position,
          "a column name between back-ticks",
          ["a column name"],
          token.text
        )
      case "char":
        break
    }
  }
  return expectedError(input, token.position, what, expected, token.text)
}

class Parser {
  private token: Token
  private depth = 0

  constructor(private readonly input: string) {
    this.token = readToken(input, 0)
  }

  parseQuery(): Ast.Expr {
    const expr = this.parseOr()
    if (this.token.kind !== "End") {
      this.fail("AND, OR or end of input", ["AND", "OR", "end of input"])
    }
    return expr
  }

  private advance(): Token {
    const current = this.token
    this.token = readToken(this.input, current.position + current.text.length)
    return current
  }

  private current(): Token {
    return this.token
  }

  private fail(what: string, expected: ReadonlyArray<string>): never {
    throw new Failure(unexpected(this.input, this.token, what, expected))
  }

  private isKeyword(keyword: string): boolean {
    return this.token.kind === "Keyword" && this.token.keyword === keyword
  }

  private enter(): void {
    this.depth++
    if (this.depth > maxDepth) {
      throw new Failure(
        new CeqlError({
          message:
            `CEQL: expected at most ${maxDepth} nested parentheses or NOTs at position ` +
            `${this.token.position} but found ${describeFound(this.token.text)}`,
          position: this.token.position,
          expected: [`at most ${maxDepth} nesting levels`],
          input: this.input
        })
      )
    }
  }

  private parseOr(): Ast.Expr {
    const first = this.parseAnd()
    if (!this.isKeyword("OR")) return first
    const operands: Array<Ast.Expr> = [first]
    while (this.isKeyword("OR")) {
      this.advance()
      operands.push(this.parseAnd())
    }
    return { _tag: "Or", operands: operands as unknown as Ast.Or["operands"], position: first.position }
  }

  private parseAnd(): Ast.Expr {
    const first = this.parseUnary()
    if (!this.isKeyword("AND")) return first
    const operands: Array<Ast.Expr> = [first]
    while (this.isKeyword("AND")) {
      this.advance()
      operands.push(this.parseUnary())
    }
    return { _tag: "And", operands: operands as unknown as Ast.And["operands"], position: first.position }
  }

  private parseUnary(): Ast.Expr {
    if (!this.isKeyword("NOT")) return this.parsePrimary()
    const position = this.advance().position
    this.enter()
    const expr = this.parseUnary()
    this.depth--
    return { _tag: "Not", expr, position }
  }

  private parsePrimary(): Ast.Expr {
    const token = this.token
    if (token.kind === "LParen") {
      this.advance()
      this.enter()
      const expr = this.parseOr()
      if (this.token.kind !== "RParen") this.fail("AND, OR or ')'", ["AND", "OR", "')'"])
      this.advance()
      this.depth--
      return expr
    }
    if (token.kind === "Ident" || token.kind === "Quoted") {
      this.advance()
      return this.parsePredicate({
        _tag: "Field",
        name: token.name,
        quoted: token.kind === "Quoted",
        position: token.position
      })
    }
    return this.fail("a field name", ["a field name", "'('", "NOT"])
  }

  private parsePredicate(field: Ast.Field): Ast.Condition {
    const token = this.token
    const position = field.position
    if (token.kind === "Operator") {
      this.advance()
      return { _tag: "Comparison", field, operator: token.operator, value: this.parseValue(), position }
    }
    if (token.kind === "Keyword") {
      switch (token.keyword) {
        case "LIKE":
          this.advance()
          return { _tag: "Like", field, pattern: this.parsePattern(), negated: false, position }
        case "IN":
          this.advance()
          return { _tag: "In", field, values: this.parseList(), negated: false, position }
        case "NOT":
          this.advance()
          if (this.isKeyword("LIKE")) {
            this.advance()
            return { _tag: "Like", field, pattern: this.parsePattern(), negated: true, position }
          }
          if (this.isKeyword("IN")) {
            this.advance()
            return { _tag: "In", field, values: this.parseList(), negated: true, position }
          }
          return this.fail("LIKE or IN after NOT", ["LIKE", "IN"])
        case "IS": {
          this.advance()
          const negated = this.isKeyword("NOT")
          if (negated) this.advance()
          if (!this.isKeyword("NULL")) this.fail("NULL", ["NULL"])
          this.advance()
          return { _tag: "IsNull", field, negated, position }
        }
      }
    }
    return this.fail("an operator", operatorNames)
  }

  private parseValue(): Ast.Literal {
    const token = this.token
    switch (token.kind) {
      case "String":
        this.advance()
        return { _tag: "String", value: token.value, position: token.position }
      case "Number":
        this.advance()
        return { _tag: "Number", text: token.text, value: Number(token.text), position: token.position }
      case "Keyword":
        if (token.keyword === "TRUE" || token.keyword === "FALSE") {
          this.advance()
          return { _tag: "Boolean", value: token.keyword === "TRUE", position: token.position }
        }
        if (token.keyword === "NULL") {
          throw new Failure(
            new CeqlError({
              message:
                `CEQL: expected a value at position ${token.position} but found ${describeFound(token.text)} ` +
                "(test for null with IS NULL or IS NOT NULL)",
              position: token.position,
              expected: [...valueNames],
              input: this.input
            })
          )
        }
    }
    return this.fail("a value", valueNames)
  }

  private parsePattern(): Ast.StringLiteral {
    const token = this.token
    if (token.kind !== "String") return this.fail("a quoted pattern", ["a string"])
    this.advance()
    return { _tag: "String", value: token.value, position: token.position }
  }

  private parseList(): Ast.In["values"] {
    if (this.token.kind !== "LParen") this.fail("'(' to open the list", ["'('"])
    this.advance()
    const values: Array<Ast.Literal> = [this.parseValue()]
    // Read through current(): TypeScript would keep `this.token` narrowed across advance().
    while (this.current().kind === "Comma") {
      this.advance()
      values.push(this.parseValue())
    }
    if (this.current().kind !== "RParen") this.fail("',' or ')'", ["','", "')'"])
    this.advance()
    return values as unknown as Ast.In["values"]
  }
}
