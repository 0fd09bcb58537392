/**
 * The runner's own OAuth callback URL, the default `oauth.callback.url` (contract.md §5). One rule
 * serves the authorize URL (`/elements/{key}/oauth/url` without `callbackUrl`) and the code exchange
 * (`POST /instances`, or PUT/PATCH with `providerData.code`, for an instance without
 * `oauth.callback.url`): vendors refuse a code whose token request names another redirect URI than
 * its authorize request did (RFC 6749 §4.1.3).
 */
import { Effect } from "effect"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import { RunnerSettings } from "../Settings.js"
import { BASE_PATH } from "./BasePath.js"

/** The path of the callback page. */
export const CALLBACK_PATH = `${BASE_PATH}/oauth/callback` as const

/**
 * The callback URL under `publicUrl` (`PLUGBOARD_PUBLIC_URL`) when the runner has one, else under
 * the origin the request arrived at, honouring a proxy's X-Forwarded-Proto and X-Forwarded-Host.
 */
export const callbackUrl = (publicUrl: string | undefined, request: HttpServerRequest): string => {
  if (publicUrl !== undefined) return `${publicUrl}${CALLBACK_PATH}`
  const forwardedProto = request.headers["x-forwarded-proto"]?.split(",")[0]?.trim()
  const forwardedHost = request.headers["x-forwarded-host"]?.split(",")[0]?.trim()
  const host = forwardedHost || request.headers.host || "localhost"
  return `${forwardedProto || "http"}://${host}${CALLBACK_PATH}`
}

/** The callback URL for the request being handled. */
export const current: Effect.Effect<string, never, HttpServerRequest | RunnerSettings> = Effect.gen(
  function* () {
    const settings = yield* RunnerSettings
    const request = yield* HttpServerRequest
    return callbackUrl(settings.publicUrl, request)
  }
)
