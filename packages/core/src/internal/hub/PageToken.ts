/**
 * `nextPage` tokens: base64url JSON holding where the next page starts and a fingerprint of the
 * query it belongs to, so that a token reused with another resource, `where`, `orderBy` or vendor
 * parameters is refused instead of silently skipping or repeating records. Tokens carry no secrets
 * and need no signature: a forged position only reads the caller's own data.
 */
import { createHash } from "node:crypto"
import { Effect, Option, Schema } from "effect"
import * as HubRequestError from "../../HubRequestError.js"

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Size = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

/**
 * A position in the vendor's own order: `raw` counts vendor records before it (for page-number
 * paging, in units of `size`-record pages: page = raw / size, index = raw % size), `size` is the
 * vendor page size the position was taken with, `matched` counts matching records before it when
 * that count is known exactly.
 */
const VendorPosition = Schema.Struct({
  v: Schema.Literal(1),
  k: Schema.Literal("v"),
  f: Schema.String,
  raw: Count,
  size: Size,
  matched: Schema.optionalKey(Count)
})

/** A position in a result sorted in memory: the index of the next record. */
const SortedPosition = Schema.Struct({
  v: Schema.Literal(1),
  k: Schema.Literal("s"),
  f: Schema.String,
  index: Count
})

const Token = Schema.Union([VendorPosition, SortedPosition])

/** A decoded token. */
export type Token = typeof Token.Type

const decodeToken = Schema.decodeUnknownOption(Token)

/** The fingerprint of a query: what must not change between the pages of one listing. */
export const fingerprint = (parts: ReadonlyArray<unknown>): string =>
  createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 16)

/** Writes a token. */
export const encode = (token: Token): string =>
  Buffer.from(JSON.stringify(token), "utf8").toString("base64url")

/**
 * Reads a token and checks it belongs to the query with this fingerprint; anything else is a
 * {@link HubRequestError.HubRequestError} on `nextPage`.
 */
export const decode = (
  text: string,
  expected: string
): Effect.Effect<Token, HubRequestError.HubRequestError> =>
  Effect.suspend(() => {
    const invalid = HubRequestError.make(
      "nextPage",
      "nextPage is not a token this API issued; pass the Elements-Next-Page-Token of a previous page unchanged"
    )
    if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text) || text.length > 2048) return Effect.fail(invalid)
    let json: unknown
    try {
      json = JSON.parse(Buffer.from(text, "base64url").toString("utf8"))
    } catch {
      return Effect.fail(invalid)
    }
    const token = decodeToken(json)
    if (Option.isNone(token)) return Effect.fail(invalid)
    if (token.value.f !== expected) {
      return Effect.fail(
        HubRequestError.make(
          "nextPage",
          "nextPage belongs to a different query: the resource, where, orderBy or vendor parameters changed " +
            "since the token was issued; send the same query with the token, or start again without nextPage"
        )
      )
    }
    return Effect.succeed(token.value)
  })
