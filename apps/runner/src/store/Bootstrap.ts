/**
 * The first tenant: at start, the organization and user named by `PLUGBOARD_ORGANIZATION_SECRET` and
 * `PLUGBOARD_USER_SECRET` are created if no organization or user holds those secrets yet; on a fresh
 * database without them, both secrets are generated once, stored (as hashes) and printed — the only
 * time they are ever shown.
 */
import { Console, Effect, Option, Redacted } from "effect"
import { RunnerSettings } from "../Settings.js"
import * as SecretHash from "./SecretHash.js"
import { Tenants } from "./Tenants.js"

/** Name given to the organization created at first start. */
export const FIRST_ORGANIZATION = "default"

/** Ensures the first organization and user exist. */
export const ensureFirstTenant: Effect.Effect<void, never, RunnerSettings | Tenants> = Effect.gen(
  function* () {
    const settings = yield* RunnerSettings
    const tenants = yield* Tenants
    const organizationCount = yield* tenants.organizationCount
    const orgGiven = Option.isSome(settings.organizationSecret)
    const userGiven = Option.isSome(settings.userSecret)
    if (organizationCount > 0 && !orgGiven && !userGiven) return

    const orgSecret = Option.getOrElse(settings.organizationSecret, SecretHash.generate)
    let organizationId = Option.getOrUndefined(yield* tenants.findOrganization(orgSecret))
    let printedOrg = false
    if (organizationId === undefined) {
      if (organizationCount > 0 && !orgGiven) return
      const created = yield* tenants.createOrganization(FIRST_ORGANIZATION, orgSecret).pipe(Effect.orDie)
      organizationId = created.id
      printedOrg = !orgGiven
      yield* Effect.logInfo("created the first organization").pipe(Effect.annotateLogs({ organizationId }))
    }

    const userSecret = Option.getOrElse(settings.userSecret, SecretHash.generate)
    let printedUser = false
    if (!(yield* tenants.userExists(userSecret))) {
      if (!userGiven && !printedOrg) return
      const created = yield* tenants
        .createUser(organizationId, "admin@localhost", userSecret)
        .pipe(Effect.orDie)
      printedUser = !userGiven
      yield* Effect.logInfo("created the first user").pipe(
        Effect.annotateLogs({ organizationId, userId: created.id })
      )
    }

    if (printedOrg || printedUser) {
      // Printed, not logged: this is the one time a generated secret is shown, to the operator's terminal.
      const lines = [
        "",
        "Plugboard: generated credentials for the first organization and user (shown once; store them now):",
        ...(printedOrg ? [`  PLUGBOARD_ORGANIZATION_SECRET=${Redacted.value(orgSecret)}`] : []),
        ...(printedUser ? [`  PLUGBOARD_USER_SECRET=${Redacted.value(userSecret)}`] : []),
        `  Authorization: User ${printedUser ? Redacted.value(userSecret) : "<user secret>"}, Organization ${printedOrg ? Redacted.value(orgSecret) : "<organization secret>"}`,
        ""
      ]
      yield* Console.error(lines.join("\n"))
    }
  }
)
