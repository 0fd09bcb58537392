import { Schema } from "effect"

/**
 * A CEQL text that cannot be used: a syntax error, or a condition the connector cannot accept (a
 * pseudo-field used outside a top-level `AND … = …`). `position` is the 0-based offset in `input`
 * the problem was found at (between 0 and `input.length`), `expected` lists what would have been
 * accepted there. The runner answers 400 with `message`.
 */
export class CeqlError extends Schema.TaggedError<CeqlError>()("CeqlError", {
  message: Schema.String,
  position: Schema.Number,
  expected: Schema.Array(Schema.String),
  input: Schema.String
}) {}

const maxShown = 30

/** How a piece of input is named in messages: quoted and cut short, or "end of input". */
export const describeFound = (text: string | undefined): string => {
  if (text === undefined || text.length === 0) return "end of input"
  const shown = text.length > maxShown ? `${text.slice(0, maxShown)}…` : text
  return `'${shown}'`
}

/** The usual error shape: "CEQL: expected <what> at position <n> but found <found>". */
export const expectedError = (
  input: string,
  position: number,
  what: string,
  expected: ReadonlyArray<string>,
  found: string | undefined
): CeqlError =>
  new CeqlError({
    message: `CEQL: expected ${what} at position ${position} but found ${describeFound(found)}`,
    position,
    expected: [...expected],
    input
  })
