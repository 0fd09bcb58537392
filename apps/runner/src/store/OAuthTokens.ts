/**
 * The runner's `TokenStore`: every instance's OAuth tokens in the `oauth_tokens` table, the whole
 * token set sealed as one value by {@link SecretCipher} (access and refresh tokens never touch the
 * disk in clear). Shared by every runner on the same database, so a refresh done by one is seen by
 * all.
 */
import { TokenStore } from "@plugboard/core"
import { Effect, Layer, Option, Predicate, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { SecretCipher } from "./Cipher.js"

type Plain = {
  readonly accessToken: string
  readonly refreshToken?: string
  readonly tokenType: string
  readonly expiresAt?: number
  readonly obtainedAt?: number
  readonly scope?: string
  readonly extra?: Record<string, string | number | boolean>
}

const toPlain = (tokens: TokenStore.TokenSet): Plain => ({
  accessToken: Redacted.value(tokens.accessToken),
  ...(tokens.refreshToken === undefined ? {} : { refreshToken: Redacted.value(tokens.refreshToken) }),
  tokenType: tokens.tokenType,
  ...(tokens.expiresAt === undefined ? {} : { expiresAt: tokens.expiresAt }),
  ...(tokens.obtainedAt === undefined ? {} : { obtainedAt: tokens.obtainedAt }),
  ...(tokens.scope === undefined ? {} : { scope: tokens.scope }),
  ...(tokens.extra === undefined ? {} : { extra: { ...tokens.extra } })
})

const fromPlain = (plain: Plain): TokenStore.TokenSet =>
  new TokenStore.TokenSet({
    accessToken: Redacted.make(plain.accessToken),
    ...(plain.refreshToken === undefined ? {} : { refreshToken: Redacted.make(plain.refreshToken) }),
    tokenType: plain.tokenType,
    ...(plain.expiresAt === undefined ? {} : { expiresAt: plain.expiresAt }),
    ...(plain.obtainedAt === undefined ? {} : { obtainedAt: plain.obtainedAt }),
    ...(plain.scope === undefined ? {} : { scope: plain.scope }),
    ...(plain.extra === undefined ? {} : { extra: plain.extra })
  })

const isPlain = (value: unknown): value is Plain =>
  Predicate.isObject(value) &&
  typeof (value as { accessToken?: unknown }).accessToken === "string" &&
  typeof (value as { tokenType?: unknown }).tokenType === "string"

/** The persistent, encrypted token store. Instance keys are instance ids. */
export const layer: Layer.Layer<TokenStore.TokenStore, never, SqlClient.SqlClient | SecretCipher> =
  Layer.effect(
    TokenStore.TokenStore,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const cipher = yield* SecretCipher

      const failure = (instanceKey: string, message: string) =>
        new TokenStore.TokenStoreError({ instanceKey, message })

      const idOf = (instanceKey: string) =>
        /^\d+$/.test(instanceKey)
          ? Effect.succeed(Number(instanceKey))
          : Effect.fail(failure(instanceKey, "instance keys of this store are instance ids"))

      const get = (instanceKey: string) =>
        Effect.gen(function* () {
          const id = yield* idOf(instanceKey)
          const rows = yield* sql`SELECT token_sealed FROM oauth_tokens WHERE instance_id = ${id}`.pipe(
            Effect.mapError(() => failure(instanceKey, "the token store could not be read"))
          )
          const sealed = (rows[0] as { token_sealed?: unknown } | undefined)?.token_sealed
          if (typeof sealed !== "string") return Option.none<TokenStore.TokenSet>()
          const opened = yield* cipher
            .open(sealed)
            .pipe(
              Effect.mapError((error) =>
                failure(instanceKey, `stored tokens cannot be opened: ${error.message}`)
              )
            )
          const parsed: unknown = yield* Effect.try({
            try: () => JSON.parse(Redacted.value(opened)),
            catch: () => failure(instanceKey, "stored tokens are damaged")
          })
          if (!isPlain(parsed)) return yield* failure(instanceKey, "stored tokens are damaged")
          return Option.some(fromPlain(parsed))
        })

      const set = (instanceKey: string, tokens: TokenStore.TokenSet) =>
        Effect.gen(function* () {
          const id = yield* idOf(instanceKey)
          const sealed = cipher.seal(JSON.stringify(toPlain(tokens)))
          const now = new Date().toISOString()
          yield* sql`INSERT INTO oauth_tokens (instance_id, token_sealed, version, updated_at)
          VALUES (${id}, ${sealed}, 1, ${now})
          ON CONFLICT (instance_id) DO UPDATE SET
            token_sealed = excluded.token_sealed,
            version = oauth_tokens.version + 1,
            updated_at = excluded.updated_at`.pipe(
            Effect.mapError(() => failure(instanceKey, "the token store could not be written"))
          )
        })

      const remove = (instanceKey: string) =>
        Effect.gen(function* () {
          const id = yield* idOf(instanceKey)
          yield* sql`DELETE FROM oauth_tokens WHERE instance_id = ${id}`.pipe(
            Effect.mapError(() => failure(instanceKey, "the token store could not be written"))
          )
        })

      return TokenStore.TokenStore.of({ get, set, delete: remove })
    })
  )
