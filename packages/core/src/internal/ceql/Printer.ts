/**
 * Writes an expression back as CEQL text in a canonical form (upper-case keywords, single spaces,
 * parentheses only where the tree needs them), such that parsing the text gives the same tree.
 */
import type * as Ast from "./Ast.js"
import { isBareIdentifier } from "./Lexer.js"

/** A string literal: single quotes, with `''` for a quote inside. */
export const printString = (value: string): string => `'${value.replaceAll("'", "''")}'`

/**
 * A field reference. Quoted fields keep their back-ticks; a bare name that would not read back as
 * one identifier (a keyword, a space) is back-ticked too.
 */
export const printField = (field: Ast.Field): string =>
  !field.quoted && isBareIdentifier(field.name) ? field.name : `\`${field.name.replaceAll("`", "``")}\``

/** A literal value. */
export const printLiteral = (value: Ast.Literal): string => {
  switch (value._tag) {
    case "String":
      return printString(value.value)
    case "Number":
      return value.text
    case "Boolean":
      return value.value ? "true" : "false"
  }
}

/** Prints an expression as CEQL. */
export const print = (expr: Ast.Expr): string => {
  switch (expr._tag) {
    case "Comparison":
      return `${printField(expr.field)} ${expr.operator} ${printLiteral(expr.value)}`
    case "Like":
      return `${printField(expr.field)} ${expr.negated ? "NOT LIKE" : "LIKE"} ${printString(expr.pattern.value)}`
    case "In":
      return `${printField(expr.field)} ${expr.negated ? "NOT IN" : "IN"} (${expr.values.map(printLiteral).join(", ")})`
    case "IsNull":
      return `${printField(expr.field)} ${expr.negated ? "IS NOT NULL" : "IS NULL"}`
    case "Not":
      return `NOT ${expr.expr._tag === "And" || expr.expr._tag === "Or" ? `(${print(expr.expr)})` : print(expr.expr)}`
    case "And":
      // A nested AND was written in parentheses (a flat chain is one node), so keep them.
      return expr.operands
        .map((operand) =>
          operand._tag === "And" || operand._tag === "Or" ? `(${print(operand)})` : print(operand)
        )
        .join(" AND ")
    case "Or":
      return expr.operands
        .map((operand) => (operand._tag === "Or" ? `(${print(operand)})` : print(operand)))
        .join(" OR ")
  }
}
