/**
 * The runner's command line: `serve` (the default) starts the service; `create-organization` and
 * `create-user` add tenants to the database the settings name and print their new secrets — the
 * only time those are shown.
 */
import { Console, Effect, Layer, Option, Redacted } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import * as Runner from "./Runner.js"
import { RunnerSettings } from "./Settings.js"
import * as Database from "./store/Database.js"
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

/** The root command: serves when given no subcommand. */
export const command = Command.make("plugboard-runner", {}, () => serveRunner).pipe(
  Command.withDescription("Plugboard runner: a Cloud Elements-compatible API over pluggable connectors"),
  Command.withSubcommands([serve, createOrganization, createUser])
)
