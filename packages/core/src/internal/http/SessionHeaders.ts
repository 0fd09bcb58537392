/**
 * The headers a connector's `sessionHeaders` hook finds (Sage 200's `X-Site`/`X-Company`), fetched
 * once per client on first use. Concurrent first calls wait for one run of the hook; a failed run is
 * not remembered, so the next call tries again.
 */
import { Effect, Option, Ref, Semaphore } from "effect"
import type * as Configuration from "../../Configuration.js"
import type * as Connector from "../../Connector.js"
import type * as ConnectorError from "../../ConnectorError.js"
import type * as VendorClient from "../../VendorClient.js"

/** Session headers as an effect: the cached headers, or the hook's run. */
export type SessionHeaders = Effect.Effect<Readonly<Record<string, string>>, ConnectorError.ConnectorError>

/** No session headers. */
export const none: SessionHeaders = Effect.succeed({})

/** Caches the hook's headers; `bare` is the client the hook calls the vendor with. */
export const make = (
  hook: Connector.Hooks["sessionHeaders"],
  bare: VendorClient.VendorClient,
  configuration: Configuration.Configuration
): Effect.Effect<SessionHeaders> =>
  Effect.gen(function* () {
    if (hook === undefined) return none
    const cache = yield* Ref.make(Option.none<Readonly<Record<string, string>>>())
    const lock = yield* Semaphore.make(1)
    const cached = Effect.map(Ref.get(cache), Option.getOrUndefined)
    return Effect.flatMap(cached, (headers) =>
      headers !== undefined
        ? Effect.succeed(headers)
        : lock.withPermits(1)(
            Effect.flatMap(cached, (again) =>
              again !== undefined
                ? Effect.succeed(again)
                : hook(bare, configuration).pipe(Effect.tap((found) => Ref.set(cache, Option.some(found))))
            )
          )
    )
  })
