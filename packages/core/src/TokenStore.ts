/**
 * Where an instance's OAuth tokens live between calls. `Auth` reads and writes them; the runner
 * provides a persistent, encrypted store shared by every runner process, tests and embedded tools use
 * {@link TokenStore.layerMemory}. Tokens stay `Redacted` in memory; only the store's own encryption
 * and the wire ever see them in clear.
 */
import { Context, Effect, Layer, Option, Ref, Schema } from "effect"

/** A primitive extra field of a token response (`refresh_token_expires_in`, `resource_owner_id`). */
const ExtraValue = Schema.Union([Schema.String, Schema.Number, Schema.Boolean])

/**
 * The tokens of one instance as the vendor last issued them. Times are epoch milliseconds;
 * `obtainedAt` and `expiresAt` together give the token's lifetime, which decides how early it is
 * refreshed. `extra` keeps the response's other primitive fields, never a token.
 */
export class TokenSet extends Schema.Class<TokenSet>("@plugboard/core/TokenStore/TokenSet")({
  accessToken: Schema.Redacted(Schema.String),
  refreshToken: Schema.optionalKey(Schema.Redacted(Schema.String)),
  /** As the vendor named it, lower case (`bearer`). */
  tokenType: Schema.String,
  /** When the access token stops working; unknown when the vendor did not say (`expires_in` absent). */
  expiresAt: Schema.optionalKey(Schema.Number),
  /** When the access token was issued, as seen by this runner. */
  obtainedAt: Schema.optionalKey(Schema.Number),
  scope: Schema.optionalKey(Schema.String),
  extra: Schema.optionalKey(Schema.Record(Schema.String, ExtraValue))
}) {}

/** The token store failed (storage unreachable, undecryptable row); never carries a token. */
export class TokenStoreError extends Schema.TaggedError<TokenStoreError>()("TokenStoreError", {
  instanceKey: Schema.String,
  message: Schema.String
}) {}

/** Storage of OAuth tokens keyed by instance; the runner's implementation encrypts at rest. */
export class TokenStore extends Context.Service<
  TokenStore,
  {
    readonly get: (instanceKey: string) => Effect.Effect<Option.Option<TokenSet>, TokenStoreError>
    readonly set: (instanceKey: string, tokens: TokenSet) => Effect.Effect<void, TokenStoreError>
    readonly delete: (instanceKey: string) => Effect.Effect<void, TokenStoreError>
  }
>()("@plugboard/core/TokenStore") {
  /** A store held in this process's memory; lost on restart, shared by everything using the layer. */
  static readonly layerMemory: Layer.Layer<TokenStore> = Layer.effect(
    TokenStore,
    Effect.suspend(() => makeMemory())
  )
}

/** Builds an in-memory store; {@link TokenStore.layerMemory} provides one as a layer. */
export const makeMemory = Effect.fnUntraced(function* () {
  const tokens = yield* Ref.make(new Map<string, TokenSet>())
  return TokenStore.of({
    get: (instanceKey) =>
      Ref.get(tokens).pipe(Effect.map((map) => Option.fromNullishOr(map.get(instanceKey)))),
    set: (instanceKey, value) =>
      Ref.update(tokens, (map) => {
        const next = new Map(map)
        next.set(instanceKey, value)
        return next
      }),
    delete: (instanceKey) =>
      Ref.update(tokens, (map) => {
        const next = new Map(map)
        next.delete(instanceKey)
        return next
      })
  })
})
