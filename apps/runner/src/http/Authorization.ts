/**
 * The `Authorization: User …, Organization …[, Element …]` scheme as an HttpApi middleware
 * (contract.md §1): both secrets must match one user of one organization, or the user secret alone
 * when an `Element` token is given (the original accepted `User …, Element …`; the instance must
 * then belong to that user's organization). Anything else is 401 before the request is read.
 */
import { Effect, Layer, Option, Redacted } from "effect"
import { HttpApiMiddleware, HttpApiSecurity } from "effect/http-api"
import { type Principal, Tenants } from "../store/Tenants.js"
import { Unauthorized } from "./ApiError.js"
import * as AuthorizationHeader from "./AuthorizationHeader.js"
import { Caller } from "./Caller.js"

/** The middleware's declaration, shared by the API definition. */
export class Authorization extends HttpApiMiddleware.Service<Authorization, { provides: Caller }>()(
  "@plugboard/runner/http/Authorization",
  {
    error: Unauthorized,
    security: { header: HttpApiSecurity.apiKey({ key: "Authorization", in: "header" }) }
  }
) {
  /** The middleware over the runner's tenants. */
  static readonly layer: Layer.Layer<Authorization, never, Tenants> = Layer.effect(
    Authorization,
    Effect.gen(function* () {
      const tenants = yield* Tenants
      return Authorization.of({
        header: (httpEffect, { credential }) =>
          Effect.gen(function* () {
            // The header is read whole; its parts are wrapped back into Redacted as they are split.
            const parsed = AuthorizationHeader.parse(Redacted.value(credential))
            if ("problem" in parsed) return yield* new Unauthorized({ message: parsed.problem })
            if (parsed.user === undefined) {
              return yield* new Unauthorized({
                message: "the Authorization header needs 'User <user secret>'"
              })
            }
            let principal = Option.none<Principal>()
            if (parsed.organization !== undefined) {
              principal = yield* tenants.authenticate(parsed.user, parsed.organization)
            } else if (parsed.element !== undefined) {
              principal = yield* tenants.user(parsed.user)
            } else {
              return yield* new Unauthorized({
                message:
                  "the Authorization header needs 'Organization <organization secret>' after the User secret"
              })
            }
            if (Option.isNone(principal)) {
              return yield* new Unauthorized({ message: "the User or Organization secret is wrong" })
            }
            return yield* Effect.provideService(httpEffect, Caller, {
              principal: principal.value,
              elementToken: Option.fromNullishOr(parsed.element)
            })
          })
      })
    })
  )
}
