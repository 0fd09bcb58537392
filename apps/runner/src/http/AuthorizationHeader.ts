/**
 * Reads the original platform's `Authorization` header:
 * `User <userSecret>, Organization <orgSecret>[, Element <instanceToken>]` (contract.md §1), parts in
 * any order, names case-insensitive. The secrets come out `Redacted`.
 */
import { Redacted } from "effect"

/** The credentials a header carries; any part may be missing. */
export interface Credentials {
  readonly user?: Redacted.Redacted<string>
  readonly organization?: Redacted.Redacted<string>
  readonly element?: Redacted.Redacted<string>
}

/** Why a header could not be read; the text never repeats a secret. */
export type Problem = { readonly problem: string }

const part = /^(user|organization|element)\s+(\S+)$/i

/** Parses a header value; fails on parts that are not `<Name> <value>` or names given twice. */
export const parse = (header: string | undefined): Credentials | Problem => {
  if (header === undefined || header.trim() === "") {
    return {
      problem:
        "missing Authorization header; expected 'User <user secret>, Organization <organization secret>'"
    }
  }
  const found: {
    user?: Redacted.Redacted<string>
    organization?: Redacted.Redacted<string>
    element?: Redacted.Redacted<string>
  } = {}
  for (const raw of header.split(",")) {
    const text = raw.trim()
    if (text === "") continue
    const match = part.exec(text)
    if (match === null) {
      const name = text.split(/\s+/)[0] ?? ""
      return {
        problem: `malformed Authorization header: part '${name}' is not one of 'User <secret>', 'Organization <secret>', 'Element <token>'`
      }
    }
    const name = match[1]!.toLowerCase() as "user" | "organization" | "element"
    if (found[name] !== undefined)
      return { problem: `malformed Authorization header: '${match[1]}' is given twice` }
    found[name] = Redacted.make(match[2]!)
  }
  return found
}
