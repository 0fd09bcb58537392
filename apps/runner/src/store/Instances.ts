/**
 * Instances — authenticated connections to one element — as stored: the owner, the element key,
 * tags, flags, the configuration with every secret value sealed by {@link SecretCipher}, and the
 * instance token kept twice: as a SHA-256 hash to find the instance by it, and sealed so that the
 * owner can read it back. Nothing secret is ever written in clear. Hub calls find their instance
 * through a short-lived cache ({@link InstanceStore.byTokenCached}), so the row is not read and its
 * secrets not decrypted on every call.
 */
import { randomBytes } from "node:crypto"
import { Configuration } from "@plugboard/core"
import { Cache, Context, Duration, Effect, Exit, Layer, Option, Predicate, Redacted, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { SecretCipher } from "./Cipher.js"
import * as SecretHash from "./SecretHash.js"
import type { Principal } from "./Tenants.js"

/** A stored instance, secrets decrypted but still `Redacted`. */
export interface Instance {
  readonly id: number
  readonly organizationId: number
  readonly userId: number
  readonly elementKey: string
  readonly name: string
  readonly token: Redacted.Redacted<string>
  readonly tags: ReadonlyArray<string>
  readonly configuration: Configuration.Configuration
  readonly disabled: boolean
  readonly eventsEnabled: boolean
  /** ISO-8601, UTC, second precision (`2017-06-12T14:09:00Z`). */
  readonly createdDate: string
}

/** What a new instance is made of; the id, token and dates are assigned on insert. */
export interface Draft {
  readonly owner: Principal
  readonly elementKey: string
  readonly name: string
  readonly tags: ReadonlyArray<string>
  readonly configuration: Configuration.Configuration
  readonly eventsEnabled: boolean
}

/** The fields an update may change. */
export type Changes = Partial<
  Pick<Instance, "name" | "tags" | "configuration" | "disabled" | "eventsEnabled">
>

const Row = Schema.Struct({
  id: Schema.Number,
  organization_id: Schema.Number,
  user_id: Schema.Number,
  element_key: Schema.String,
  name: Schema.String,
  token_sealed: Schema.String,
  tags: Schema.String,
  configuration: Schema.String,
  disabled: Schema.Number,
  events_enabled: Schema.Number,
  created_at: Schema.String
})
type Row = typeof Row.Type

const columns =
  "id, organization_id, user_id, element_key, name, token_sealed, tags, configuration, disabled, events_enabled, created_at"

/** A stored secret value: `{"sealed": "pb1.…"}`; plain values are stored as they are. */
const isSealed = (value: unknown): value is { readonly sealed: string } =>
  Predicate.isObject(value) && typeof (value as { sealed?: unknown }).sealed === "string"

const secondPrecision = (date: Date) => `${date.toISOString().slice(0, 19)}Z`

/** The instance repository. */
export interface InstanceStore {
  readonly insert: (draft: Draft) => Effect.Effect<Instance>
  /** The instance with this id if the principal's user owns it. */
  readonly get: (owner: Principal, id: number) => Effect.Effect<Option.Option<Instance>>
  /** The instance holding this token if it belongs to the organization. */
  readonly byToken: (
    organizationId: number,
    token: Redacted.Redacted<string>
  ) => Effect.Effect<Option.Option<Instance>>
  /**
   * {@link byToken} for hub calls: answers from a cache for up to {@link TOKEN_CACHE_TTL} (a change
   * made by this runner drops the cache at once; one made by another runner on the same database
   * is seen within that time). Reads that lead to a write use `byToken`.
   */
  readonly byTokenCached: (
    organizationId: number,
    token: Redacted.Redacted<string>
  ) => Effect.Effect<Option.Option<Instance>>
  /** The instance with this id, whoever owns it (engine use). */
  readonly find: (id: number) => Effect.Effect<Option.Option<Instance>>
  /** The user's instances, oldest first. */
  readonly list: (owner: Principal) => Effect.Effect<ReadonlyArray<Instance>>
  readonly update: (instance: Instance, changes: Changes) => Effect.Effect<Instance>
  /** Deletes the instance with its OAuth tokens. */
  readonly remove: (id: number) => Effect.Effect<void>
}

/** How long {@link InstanceStore.byTokenCached} may answer from its cache. */
export const TOKEN_CACHE_TTL = Duration.seconds(5)

/** Instance tokens the cache holds at most. */
const TOKEN_CACHE_CAPACITY = 10_000

/** The instances as a service, over the runner's database. */
export class Instances extends Context.Service<Instances, InstanceStore>()(
  "@plugboard/runner/store/Instances"
) {
  static readonly layer: Layer.Layer<Instances, never, SqlClient.SqlClient | SecretCipher> = Layer.effect(
    Instances,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const cipher = yield* SecretCipher

      const encodeConfiguration = (configuration: Configuration.Configuration): string => {
        const out: Record<string, string | null | { readonly sealed: string }> = {}
        for (const [key, value] of configuration.values) {
          out[key] = Redacted.isRedacted(value) ? { sealed: cipher.seal(value) } : value
        }
        return JSON.stringify(out)
      }

      const decodeConfiguration = (text: string) =>
        Effect.gen(function* () {
          const raw = JSON.parse(text) as Record<string, unknown>
          const values = new Map<string, Configuration.Value>()
          for (const [key, value] of Object.entries(raw)) {
            if (isSealed(value)) values.set(key, yield* cipher.open(value.sealed))
            else values.set(key, typeof value === "string" ? value : null)
          }
          return new Configuration.Configuration(values)
        })

      const toInstance = (row: Row) =>
        Effect.gen(function* () {
          const tags = JSON.parse(row.tags) as unknown
          return {
            id: row.id,
            organizationId: row.organization_id,
            userId: row.user_id,
            elementKey: row.element_key,
            name: row.name,
            token: yield* cipher.open(row.token_sealed),
            tags: Array.isArray(tags) ? tags.filter(Predicate.isString) : [],
            configuration: yield* decodeConfiguration(row.configuration),
            disabled: row.disabled !== 0,
            eventsEnabled: row.events_enabled !== 0,
            createdDate: row.created_at
          } satisfies Instance
        }).pipe(
          Effect.catchTag("DecryptionError", (error) =>
            Effect.die(new Error(`instance ${row.id}: ${error.message}`))
          )
        )

      const one = (rows: ReadonlyArray<unknown>) =>
        rows.length === 0
          ? Effect.succeed(Option.none<Instance>())
          : Schema.decodeUnknownEffect(Row)(rows[0]).pipe(Effect.flatMap(toInstance), Effect.map(Option.some))

      const findAll = SqlSchema.findAll({
        Request: Schema.Struct({ organization: Schema.Number, user: Schema.Number }),
        Result: Row,
        execute: ({ organization, user }) =>
          sql`SELECT ${sql.literal(columns)} FROM instances
              WHERE organization_id = ${organization} AND user_id = ${user} ORDER BY id`
      })

      const insert = (draft: Draft) =>
        Effect.gen(function* () {
          const token = Redacted.make(randomBytes(32).toString("base64url"))
          const created = secondPrecision(new Date())
          const rows = yield* sql`INSERT INTO instances
            (organization_id, user_id, element_key, name, token_hash, token_sealed, tags, configuration,
             disabled, events_enabled, created_at, updated_at)
            VALUES (${draft.owner.organizationId}, ${draft.owner.userId}, ${draft.elementKey}, ${draft.name},
             ${SecretHash.hash(token)}, ${cipher.seal(token)}, ${JSON.stringify(draft.tags)},
             ${encodeConfiguration(draft.configuration)}, 0, ${draft.eventsEnabled ? 1 : 0}, ${created}, ${created})
            RETURNING id`
          const id = (yield* Schema.decodeUnknownEffect(Schema.Struct({ id: Schema.Number }))(rows[0])).id
          return {
            id,
            organizationId: draft.owner.organizationId,
            userId: draft.owner.userId,
            elementKey: draft.elementKey,
            name: draft.name,
            token,
            tags: draft.tags,
            configuration: draft.configuration,
            disabled: false,
            eventsEnabled: draft.eventsEnabled,
            createdDate: created
          } satisfies Instance
        }).pipe(Effect.orDie)

      const get = (owner: Principal, id: number) =>
        sql`SELECT ${sql.literal(columns)} FROM instances
            WHERE id = ${id} AND organization_id = ${owner.organizationId} AND user_id = ${owner.userId}`.pipe(
          Effect.flatMap(one),
          Effect.orDie
        )

      /** The instance of the organization whose token hashes to `tokenHash`. */
      const byTokenHash = (organizationId: number, tokenHash: string) =>
        sql`SELECT ${sql.literal(columns)}, token_hash FROM instances WHERE token_hash = ${tokenHash}`.pipe(
          Effect.map((rows) =>
            rows.filter((row) => {
              const candidate = row as { organization_id?: unknown; token_hash?: unknown }
              return (
                Number(candidate.organization_id) === organizationId &&
                typeof candidate.token_hash === "string" &&
                SecretHash.sameHash(candidate.token_hash, tokenHash)
              )
            })
          ),
          Effect.flatMap(one),
          Effect.orDie
        )

      const byToken = (organizationId: number, token: Redacted.Redacted<string>) =>
        byTokenHash(organizationId, SecretHash.hash(token))

      // Keyed by organization and token hash, never by the token itself; misses are not kept.
      const tokens = yield* Cache.makeWith(
        (key: string) => {
          const separator = key.indexOf(":")
          return byTokenHash(Number(key.slice(0, separator)), key.slice(separator + 1))
        },
        {
          capacity: TOKEN_CACHE_CAPACITY,
          timeToLive: (exit) =>
            Exit.isSuccess(exit) && Option.isSome(exit.value) ? TOKEN_CACHE_TTL : Duration.zero
        }
      )
      const byTokenCached = (organizationId: number, token: Redacted.Redacted<string>) =>
        Cache.get(tokens, `${organizationId}:${SecretHash.hash(token)}`)
      // Changes are rare next to hub calls: dropping every cached token keeps this exact and simple.
      const forgetTokens = Cache.invalidateAll(tokens)

      const find = (id: number) =>
        sql`SELECT ${sql.literal(columns)} FROM instances WHERE id = ${id}`.pipe(
          Effect.flatMap(one),
          Effect.orDie
        )

      const list = (owner: Principal) =>
        findAll({ organization: owner.organizationId, user: owner.userId }).pipe(
          Effect.flatMap(Effect.forEach(toInstance)),
          Effect.orDie
        )

      const update = (instance: Instance, changes: Changes) =>
        Effect.gen(function* () {
          const next: Instance = { ...instance, ...changes }
          yield* sql`UPDATE instances SET
              name = ${next.name},
              tags = ${JSON.stringify(next.tags)},
              configuration = ${encodeConfiguration(next.configuration)},
              disabled = ${next.disabled ? 1 : 0},
              events_enabled = ${next.eventsEnabled ? 1 : 0},
              updated_at = ${new Date().toISOString()}
            WHERE id = ${instance.id}`
          yield* forgetTokens
          return next
        }).pipe(Effect.orDie)

      const remove = (id: number) =>
        sql
          .withTransaction(
            Effect.gen(function* () {
              yield* sql`DELETE FROM oauth_tokens WHERE instance_id = ${id}`
              yield* sql`DELETE FROM instances WHERE id = ${id}`
            })
          )
          .pipe(Effect.andThen(forgetTokens), Effect.orDie)

      return Instances.of({ insert, get, byToken, byTokenCached, find, list, update, remove })
    })
  )
}
