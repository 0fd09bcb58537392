/**
 * The instance an instance route works on (hub calls, bulk jobs): the `Element` token of the
 * Authorization header must name an instance of the caller's organization (401 otherwise), the
 * instance must be enabled (403), and the hub in the path must be its element's (or `general`, 404
 * otherwise). One rule, so every instance route answers alike; the token-addressed instance and
 * event routes share the 401 ({@link tokenInstance}).
 */
import type { Connector } from "@plugboard/core"
import { Effect, Option, type Redacted } from "effect"
import { type Instance, Instances } from "../store/Instances.js"
import * as ApiError from "./ApiError.js"
import { Caller } from "./Caller.js"

/**
 * The instance of the caller's organization that `token` names, enabled or not; 401 when none does
 * (never did, or was deleted: contract.md §1). `cached` answers from the short-lived token cache
 * (hub calls); reads that lead to a write or show the instance read the store.
 */
export const tokenInstance = (token: Redacted.Redacted<string>, options: { readonly cached: boolean }) =>
  Effect.gen(function* () {
    const caller = yield* Caller
    const instances = yield* Instances
    const found = options.cached
      ? yield* instances.byTokenCached(caller.principal.organizationId, token)
      : yield* instances.byToken(caller.principal.organizationId, token)
    if (Option.isNone(found)) {
      return yield* new ApiError.Unauthorized({
        message: "the Element token names no instance of this organization"
      })
    }
    const instance: Instance = found.value
    return instance
  })

/** The enabled instance named by the caller's `Element` token; `calls` names the routes in the 401. */
export const callerInstance = (calls: string) =>
  Effect.gen(function* () {
    const caller = yield* Caller
    if (Option.isNone(caller.elementToken)) {
      return yield* new ApiError.Unauthorized({
        message: `${calls} need 'Element <instance token>' in the Authorization header`
      })
    }
    const instance = yield* tokenInstance(caller.elementToken.value, { cached: true })
    if (instance.disabled) {
      return yield* new ApiError.Forbidden({ message: `instance ${instance.id} is disabled` })
    }
    return instance
  })

/** Fails with 404 unless `hub` is the element's hub or `general`. */
export const checkHub = (
  instance: Instance,
  connector: Connector.Connector,
  hub: string
): Effect.Effect<void, ApiError.NotFound> =>
  hub === connector.hub || hub === "general"
    ? Effect.void
    : Effect.fail(
        new ApiError.NotFound({
          message: `instance ${instance.id} is a '${connector.key}' element in hub '${connector.hub}'; there is no hub '${hub}' for it`
        })
      )
