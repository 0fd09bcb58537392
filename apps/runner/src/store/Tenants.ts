/**
 * Organizations and their users — the tenants of the runner (contract.md §1). Their secrets are
 * stored only as SHA-256 hashes; a request proves itself by presenting both secrets, and every
 * instance belongs to one user of one organization. A pair of secrets once proved is remembered
 * (by hash) for a while, so a request does not cost two database reads.
 */
import { Cache, Context, Duration, Effect, Exit, Layer, Option, type Redacted, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import * as SecretHash from "./SecretHash.js"

/** Who is calling: a user of an organization, proven by both secrets. */
export interface Principal {
  readonly organizationId: number
  readonly userId: number
}

/** A created organization or user, with its secret in clear for the one time it is shown. */
export interface Created {
  readonly id: number
  readonly secret: Redacted.Redacted<string>
}

/** The organization named does not exist. */
export class UnknownOrganization extends Schema.TaggedError<UnknownOrganization>()("UnknownOrganization", {
  organization: Schema.String,
  message: Schema.String
}) {}

/** A secret is already in use (secrets must be unique, as they identify their owner). */
export class SecretInUse extends Schema.TaggedError<SecretInUse>()("SecretInUse", {
  message: Schema.String
}) {}

const IdRow = Schema.Struct({ id: Schema.Number })
const UserRow = Schema.Struct({
  id: Schema.Number,
  organization_id: Schema.Number,
  secret_hash: Schema.String
})
const OrgRow = Schema.Struct({ id: Schema.Number, secret_hash: Schema.String })

/** The tenant repository. */
export interface TenantStore {
  /** The principal for a pair of secrets; `None` when either is wrong or they belong to different organizations. */
  readonly authenticate: (
    userSecret: Redacted.Redacted<string>,
    organizationSecret: Redacted.Redacted<string>
  ) => Effect.Effect<Option.Option<Principal>>
  readonly createOrganization: (
    name: string,
    secret?: Redacted.Redacted<string>
  ) => Effect.Effect<Created, SecretInUse>
  /** Adds a user to an organization given by numeric id or by name. */
  readonly createUser: (
    organization: number | string,
    email: string,
    secret?: Redacted.Redacted<string>
  ) => Effect.Effect<Created, UnknownOrganization | SecretInUse>
  readonly organizationCount: Effect.Effect<number>
  /** The organization holding this secret, if any. */
  readonly findOrganization: (secret: Redacted.Redacted<string>) => Effect.Effect<Option.Option<number>>
  /** Whether a user holds this secret. */
  readonly userExists: (secret: Redacted.Redacted<string>) => Effect.Effect<boolean>
  /** The user holding this secret, with the organization it belongs to. */
  readonly user: (secret: Redacted.Redacted<string>) => Effect.Effect<Option.Option<Principal>>
}

/** The tenants as a service, over the runner's database. */
export class Tenants extends Context.Service<Tenants, TenantStore>()("@plugboard/runner/store/Tenants") {
  static readonly layer: Layer.Layer<Tenants, never, SqlClient.SqlClient> = Layer.effect(
    Tenants,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const now = () => new Date().toISOString()

      const orgByHash = SqlSchema.findOneOption({
        Request: Schema.String,
        Result: OrgRow,
        execute: (hash) => sql`SELECT id, secret_hash FROM organizations WHERE secret_hash = ${hash}`
      })
      const userByHash = SqlSchema.findOneOption({
        Request: Schema.String,
        Result: UserRow,
        execute: (hash) => sql`SELECT id, organization_id, secret_hash FROM users WHERE secret_hash = ${hash}`
      })
      const orgByName = SqlSchema.findAll({
        Request: Schema.String,
        Result: IdRow,
        execute: (name) => sql`SELECT id FROM organizations WHERE name = ${name} ORDER BY id`
      })
      const orgById = SqlSchema.findOneOption({
        Request: Schema.Number,
        Result: IdRow,
        execute: (id) => sql`SELECT id FROM organizations WHERE id = ${id}`
      })
      const insertedId = (rows: ReadonlyArray<unknown>) => Schema.decodeUnknownEffect(IdRow)(rows[0])

      /** The principal of a pair of secret hashes (`<user hash>:<organization hash>`). */
      const principalOf = (key: string) =>
        Effect.gen(function* () {
          const [userHash = "", organizationHash = ""] = key.split(":")
          const org = yield* orgByHash(organizationHash)
          const user = yield* userByHash(userHash)
          if (Option.isNone(org) || Option.isNone(user)) return Option.none<Principal>()
          const valid =
            SecretHash.sameHash(org.value.secret_hash, organizationHash) &&
            SecretHash.sameHash(user.value.secret_hash, userHash) &&
            user.value.organization_id === org.value.id
          return valid ? Option.some({ organizationId: org.value.id, userId: user.value.id }) : Option.none()
        }).pipe(Effect.orDie)

      // Every request authenticates; secrets never change and tenants are never deleted, so a pair
      // once proved stays proved. Kept by hash, never in clear; wrong pairs are not kept.
      const proved = yield* Cache.makeWith(principalOf, {
        capacity: 10_000,
        timeToLive: (exit) =>
          Exit.isSuccess(exit) && Option.isSome(exit.value) ? Duration.minutes(10) : Duration.zero
      })

      const authenticate = (
        userSecret: Redacted.Redacted<string>,
        organizationSecret: Redacted.Redacted<string>
      ) => Cache.get(proved, `${SecretHash.hash(userSecret)}:${SecretHash.hash(organizationSecret)}`)

      const createOrganization = (name: string, secret: Redacted.Redacted<string> = SecretHash.generate()) =>
        Effect.gen(function* () {
          const hash = SecretHash.hash(secret)
          if (Option.isSome(yield* orgByHash(hash))) {
            return yield* new SecretInUse({ message: "that organization secret is already in use" })
          }
          const rows = yield* sql`INSERT INTO organizations (name, secret_hash, created_at)
            VALUES (${name}, ${hash}, ${now()}) RETURNING id`
          const row = yield* insertedId(rows)
          return { id: row.id, secret }
        }).pipe(Effect.catchTag(["SqlError", "SchemaError"], Effect.die))

      const createUser = (
        organization: number | string,
        email: string,
        secret: Redacted.Redacted<string> = SecretHash.generate()
      ) =>
        Effect.gen(function* () {
          const org =
            typeof organization === "number"
              ? Option.map(yield* orgById(organization), (row) => row.id)
              : Option.map(Option.fromNullishOr((yield* orgByName(organization))[0]), (row) => row.id)
          if (Option.isNone(org)) {
            return yield* new UnknownOrganization({
              organization: String(organization),
              message: `no organization '${organization}'`
            })
          }
          const hash = SecretHash.hash(secret)
          if (Option.isSome(yield* userByHash(hash))) {
            return yield* new SecretInUse({ message: "that user secret is already in use" })
          }
          const rows = yield* sql`INSERT INTO users (organization_id, email, secret_hash, created_at)
            VALUES (${org.value}, ${email}, ${hash}, ${now()}) RETURNING id`
          const row = yield* insertedId(rows)
          return { id: row.id, secret }
        }).pipe(Effect.catchTag(["SqlError", "SchemaError"], Effect.die))

      const organizationCount = sql`SELECT COUNT(*) AS n FROM organizations`.pipe(
        Effect.map((rows) => Number((rows[0] as { n: unknown } | undefined)?.n ?? 0)),
        Effect.orDie
      )

      const findOrganization = (secret: Redacted.Redacted<string>) =>
        orgByHash(SecretHash.hash(secret)).pipe(Effect.map(Option.map((row) => row.id)), Effect.orDie)

      const userExists = (secret: Redacted.Redacted<string>) =>
        userByHash(SecretHash.hash(secret)).pipe(Effect.map(Option.isSome), Effect.orDie)

      const user = (secret: Redacted.Redacted<string>) =>
        userByHash(SecretHash.hash(secret)).pipe(
          Effect.map((found) =>
            Option.isSome(found) && SecretHash.matches(found.value.secret_hash, secret)
              ? Option.some<Principal>({
                  organizationId: found.value.organization_id,
                  userId: found.value.id
                })
              : Option.none<Principal>()
          ),
          Effect.orDie
        )

      return Tenants.of({
        user,
        authenticate,
        createOrganization,
        createUser,
        organizationCount,
        findOrganization,
        userExists
      })
    })
  )
}
