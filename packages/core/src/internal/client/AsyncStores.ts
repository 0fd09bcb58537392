/**
 * The Promise-based stores of `AsyncClient` turned into the core's services: tokens as plain JSON
 * (secrets in clear, for the caller's own encrypted storage) and poller states as JSON text. What
 * the caller's store returns is checked; a throw or a rejection becomes the store's typed error,
 * carrying the caller's message.
 */
import { Effect, Option, Redacted, Result, Schema, SchemaIssue } from "effect"
import * as PollStateStore from "../../PollStateStore.js"
import { TokenSet, TokenStore, TokenStoreError } from "../../TokenStore.js"

/** An instance's OAuth tokens as plain JSON: what an `AsyncClient` token store reads and writes. */
export interface TokenJson {
  readonly accessToken: string
  readonly refreshToken?: string | undefined
  /** As the vendor named it, lower case (`bearer`). */
  readonly tokenType: string
  /** When the access token stops working, epoch milliseconds. */
  readonly expiresAt?: number | undefined
  /** When the access token was issued, epoch milliseconds. */
  readonly obtainedAt?: number | undefined
  readonly scope?: string | undefined
  /** Other primitive fields of the token response (`refresh_token_expires_in`, …). */
  readonly extra?: Readonly<Record<string, string | number | boolean>> | undefined
}

/** A caller's token store. Keep it private: it holds refresh tokens in clear. */
export interface AsyncTokenStore {
  readonly get: (instanceKey: string) => Promise<TokenJson | undefined>
  readonly set: (instanceKey: string, tokens: TokenJson) => Promise<void>
  readonly delete?: ((instanceKey: string) => Promise<void>) | undefined
}

/** A caller's poller state store, over the state's JSON text. */
export interface AsyncPollStateStore {
  readonly get: (instanceKey: string, resource: string) => Promise<string | undefined>
  readonly set: (instanceKey: string, resource: string, state: string) => Promise<void>
}

const TokenJsonSchema = Schema.Struct({
  accessToken: Schema.String,
  refreshToken: Schema.optional(Schema.String),
  tokenType: Schema.String,
  expiresAt: Schema.optional(Schema.Finite),
  obtainedAt: Schema.optional(Schema.Finite),
  scope: Schema.optional(Schema.String),
  extra: Schema.optional(
    Schema.Record(Schema.String, Schema.Union([Schema.String, Schema.Number, Schema.Boolean]))
  )
})

const decodeTokenJson = Schema.decodeUnknownResult(TokenJsonSchema)
const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** The JSON form of a token set: secrets revealed, absent fields left out. */
export const toJson = (tokens: TokenSet): TokenJson => ({
  accessToken: Redacted.value(tokens.accessToken),
  tokenType: tokens.tokenType,
  ...(tokens.refreshToken === undefined ? {} : { refreshToken: Redacted.value(tokens.refreshToken) }),
  ...(tokens.expiresAt === undefined ? {} : { expiresAt: tokens.expiresAt }),
  ...(tokens.obtainedAt === undefined ? {} : { obtainedAt: tokens.obtainedAt }),
  ...(tokens.scope === undefined ? {} : { scope: tokens.scope }),
  ...(tokens.extra === undefined ? {} : { extra: { ...tokens.extra } })
})

/** Reads a caller's token JSON; what does not fit fails naming the field (never its value). */
export const fromJson = (instanceKey: string, value: unknown): Effect.Effect<TokenSet, TokenStoreError> => {
  const decoded = decodeTokenJson(value, { errors: "all" })
  if (Result.isFailure(decoded)) {
    const problems = formatter(decoded.failure.issue).issues.map((item) => {
      const path = (item.path ?? [])
        .map((segment) => String(typeof segment === "object" && segment !== null ? segment.key : segment))
        .join(".")
      return path === "" ? item.message : `'${path}' ${item.message}`
    })
    return Effect.fail(
      new TokenStoreError({
        instanceKey,
        message: `the token store returned tokens that do not read: ${problems.join("; ")}`
      })
    )
  }
  const json = decoded.success
  return Effect.succeed(
    new TokenSet({
      accessToken: Redacted.make(json.accessToken),
      tokenType: json.tokenType,
      ...(json.refreshToken === undefined ? {} : { refreshToken: Redacted.make(json.refreshToken) }),
      ...(json.expiresAt === undefined ? {} : { expiresAt: json.expiresAt }),
      ...(json.obtainedAt === undefined ? {} : { obtainedAt: json.obtainedAt }),
      ...(json.scope === undefined ? {} : { scope: json.scope }),
      ...(json.extra === undefined ? {} : { extra: json.extra })
    })
  )
}

const tokenCall = <A>(instanceKey: string, what: string, call: () => Promise<A>) =>
  Effect.tryPromise({
    try: call,
    catch: (cause) =>
      new TokenStoreError({ instanceKey, message: `the token store failed to ${what}: ${describe(cause)}` })
  })

/** The core `TokenStore` over a caller's Promise-based one. */
export const tokenStore = (store: AsyncTokenStore): TokenStore["Service"] =>
  TokenStore.of({
    get: (instanceKey) =>
      Effect.flatMap(
        tokenCall(instanceKey, "read tokens", () => store.get(instanceKey)),
        (found) =>
          found === undefined || found === null
            ? Effect.succeed(Option.none())
            : Effect.map(fromJson(instanceKey, found), Option.some)
      ),
    set: (instanceKey, tokens) =>
      tokenCall(instanceKey, "save tokens", () => store.set(instanceKey, toJson(tokens))),
    delete: (instanceKey) => {
      const remove = store.delete
      return remove === undefined
        ? Effect.void
        : tokenCall(instanceKey, "delete tokens", () => remove.call(store, instanceKey))
    }
  })

/** The core `PollStateStore` over a caller's Promise-based store of JSON text. */
export const pollStateStore = (store: AsyncPollStateStore): PollStateStore.PollStateStore["Service"] => {
  const call = <A>(instanceKey: string, resource: string, what: string, run: () => Promise<A>) =>
    Effect.tryPromise({
      try: run,
      catch: (cause) =>
        new PollStateStore.PollStateStoreError({
          instanceKey,
          resource,
          message: `the poll state store failed to ${what}: ${describe(cause)}`
        })
    })
  return PollStateStore.makeText({
    get: (instanceKey, resource) =>
      Effect.flatMap(
        call(instanceKey, resource, "read a state", () => store.get(instanceKey, resource)),
        (text) =>
          typeof text === "string"
            ? Effect.succeed(Option.some(text))
            : text === undefined || text === null
              ? Effect.succeed(Option.none())
              : Effect.fail(
                  new PollStateStore.PollStateStoreError({
                    instanceKey,
                    resource,
                    message: `the poll state store returned ${typeof text}; expected the state's JSON text or undefined`
                  })
                )
      ),
    set: (instanceKey, resource, text) =>
      call(instanceKey, resource, "save a state", () => store.set(instanceKey, resource, text))
  })
}
