/**
 * The runner's command line: `serve` (the default) starts the service; `create-organization` and
 * `create-user` add tenants to the database the settings name and print their new secrets — the
 * only time those are shown; `rotate-key` re-encrypts every stored secret under the current key.
 */
import { Console, Effect, Layer, Option, Redacted } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import * as Runner from "./Runner.js"
import { RunnerSettings } from "./Settings.js"
import * as Cipher from "./store/Cipher.js"
import * as Database from "./store/Database.js"
import * as EncryptionKey from "./store/EncryptionKey.js"
import * as KeyRotation from "./store/KeyRotation.js"
import { Tenants } from "./store/Tenants.js"

const serveRunner = Layer.launch(Runner.layer)

/** The database and tenants alone, for the tenant commands (no cipher, no server). */
const tenantsLayer = Tenants.layer.pipe(Layer.provide(Database.layer), Layer.provide(RunnerSettings.layer))

/** Tenant problems are the operator's to fix: shown as a plain message, without a stack. */
const toUserError = (error: { readonly message: string }) =>
  Effect.fail(new CliError.UserError({ cause: error, userMessage: error.message }))

const secretFlag = Flag.String("secret").pipe(
  Flag.withDescription("Use this secret instead of a generated one"),
  Flag.optional
)

const serve = Command.make("serve", {}, () => serveRunner).pipe(
  Command.withDescription("Start the runner (the default when no command is given)")
)

const createOrganization = Command.make(
  "create-organization",
  { name: Flag.String("name").pipe(Flag.withDescription("Name of the organization")), secret: secretFlag },
  Effect.fn(
    function* ({ name, secret }) {
      const tenants = yield* Tenants
      const created = yield* tenants.createOrganization(
        name,
        Option.getOrUndefined(Option.map(secret, Redacted.make))
      )
      yield* Console.log(`organization ${created.id} '${name}'`)
      yield* Console.log(`  organization secret: ${Redacted.value(created.secret)}`)
    },
    Effect.catchTag("SecretInUse", toUserError),
    Effect.provide(tenantsLayer)
  )
).pipe(Command.withDescription("Add an organization and print its secret"))

const createUser = Command.make(
  "create-user",
  {
    org: Flag.String("org").pipe(Flag.withDescription("Organization id or name")),
    email: Flag.String("email").pipe(Flag.withDescription("The user's e-mail address")),
    secret: secretFlag
  },
  Effect.fn(
    function* ({ org, email, secret }) {
      const tenants = yield* Tenants
      const organization = /^\d+$/.test(org) ? Number(org) : org
      const created = yield* tenants.createUser(
        organization,
        email,
        Option.getOrUndefined(Option.map(secret, Redacted.make))
      )
      yield* Console.log(`user ${created.id} <${email}> in organization ${org}`)
      yield* Console.log(`  user secret: ${Redacted.value(created.secret)}`)
    },
    Effect.catchTag(["UnknownOrganization", "SecretInUse"], toUserError),
    Effect.provide(tenantsLayer)
  )
).pipe(Command.withDescription("Add a user to an organization and print its secret"))

/** The database and the settings alone, for key rotation (the cipher is built by the command itself). */
const rotationLayer = Database.layer.pipe(Layer.provideMerge(RunnerSettings.layer))

/** Failures printed one by one up to this many; the rest are counted. */
const SHOWN_FAILURES = 20

const describeRemaining = (remaining: Readonly<Record<string, number>>): string =>
  Object.entries(remaining)
    .map(([keyId, count]) => `${count} under ${keyId === "damaged" ? "no readable key id" : `key ${keyId}`}`)
    .join(", ")

const rotateKey = Command.make(
  "rotate-key",
  {
    generate: Flag.Boolean("generate").pipe(
      Flag.withDescription(
        "Embedded mode: replace the generated key file with a new key, keep the old one as a previous key, then re-encrypt"
      ),
      Flag.withDefault(false)
    ),
    batchSize: Flag.Int("batch-size").pipe(
      Flag.withDescription("Rows per page, each page written in one transaction"),
      Flag.withDefault(KeyRotation.DEFAULT_BATCH_SIZE)
    ),
    limit: Flag.Int("limit").pipe(
      Flag.withDescription("Stop after re-encrypting this many rows; run again to go on"),
      Flag.optional
    ),
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Open every stored secret and count what would change, writing nothing"),
      Flag.withDefault(false)
    )
  },
  Effect.fn(
    function* ({ generate, batchSize, limit, dryRun }) {
      if (generate && dryRun) {
        return yield* toUserError({ message: "--generate and --dry-run cannot be combined" })
      }
      if (batchSize < 1) return yield* toUserError({ message: "--batch-size must be at least 1" })
      if (Option.isSome(limit) && limit.value < 1) {
        return yield* toUserError({ message: "--limit must be at least 1" })
      }
      const settings = yield* RunnerSettings
      if (generate) {
        const generated = yield* EncryptionKey.generateNext(settings)
        yield* Console.log(
          `new key ${generated.newKeyId} written to ${generated.keyFile}; the old key ${generated.previousKeyId} is kept in ${generated.previousKeysFile}`
        )
      }
      const keyring = yield* EncryptionKey.resolveKeyring(settings)
      const cipher = Cipher.make(keyring.current, keyring.previous)
      const previousIds = keyring.previous.map(Cipher.keyId)
      yield* Console.log(
        `current key ${cipher.keyId}; previous keys: ${previousIds.length === 0 ? "none" : previousIds.join(", ")}`
      )
      const report = yield* KeyRotation.rotate(cipher, {
        batchSize,
        dryRun,
        ...(Option.isSome(limit) ? { limit: limit.value } : {}),
        onBatch: (progress) =>
          Console.log(
            `  ${progress.table}: ${progress.rows} rows read, ${progress.rowsUpdated} ${dryRun ? "to rewrite" : "rewritten"}`
          )
      })
      for (const table of report.tables) {
        yield* Console.log(
          `${table.table}: ${table.rows} rows, ${table.resealed} values ${dryRun ? "to re-encrypt" : "re-encrypted"}, ${table.alreadyCurrent} already under the current key${table.conflicts > 0 ? `, ${table.conflicts} changed meanwhile` : ""}`
        )
      }
      for (const failure of report.failures.slice(0, SHOWN_FAILURES)) {
        yield* Console.error(
          `  cannot re-encrypt ${failure.table} ${failure.row} ${failure.column}${failure.entry === undefined ? "" : ` '${failure.entry}'`}: ${failure.message}`
        )
      }
      if (report.failures.length > SHOWN_FAILURES) {
        yield* Console.error(`  … and ${report.failures.length - SHOWN_FAILURES} more`)
      }
      const remaining = describeRemaining(report.remaining)
      if (report.failures.length > 0) {
        return yield* toUserError({
          message: `${report.failures.length} stored value(s) could not be opened and were left as they were (${remaining}); give the missing key(s) in PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS and run rotate-key again`
        })
      }
      if (report.complete) {
        yield* Console.log(
          `every stored secret is under key ${report.keyId}${previousIds.length > 0 ? "; the previous keys are no longer needed by this database" : ""}`
        )
      } else if (dryRun) {
        yield* Console.log(`to re-encrypt: ${remaining}`)
      } else if (report.limited) {
        yield* Console.log(
          `stopped at --limit; still to re-encrypt: ${remaining}; run rotate-key again to go on`
        )
      } else {
        return yield* toUserError({
          message: `still under other keys: ${remaining} (rows changed while rotating); run rotate-key again`
        })
      }
    },
    Effect.provide(rotationLayer),
    Effect.catchTag("StartupError", toUserError)
  )
).pipe(Command.withDescription("Re-encrypt every stored secret under the current encryption key"))

/** The root command: serves when given no subcommand. */
export const command = Command.make("plugboard-runner", {}, () => serveRunner).pipe(
  Command.withDescription("Plugboard runner: a Cloud Elements-compatible API over pluggable connectors"),
  Command.withSubcommands([serve, createOrganization, createUser, rotateKey])
)
