/**
 * Where a vendor request goes: the instance's `base.url` (placeholders filled from configuration)
 * joined with the request's path, or an absolute URL the vendor itself handed out (`$next` links) as
 * long as it points at the same origin — credentials are never sent to another host. Also the one
 * reading of URL-valued configuration keys, which the OAuth endpoints use too.
 */
import { Effect, Result } from "effect"
import type * as Configuration from "../../Configuration.js"
import * as ConnectorError from "../../ConnectorError.js"

const BASE_KEY = "base.url"

const invalid = (message: string, operation: string, field?: string): ConnectorError.ConnectorError =>
  ConnectorError.make(
    new ConnectorError.InvalidRequest(field === undefined ? { message } : { message, field }),
    operation
  )

/** Why a configured URL cannot be used: what is wrong with its key, and the key to fix. */
export interface UrlProblem {
  /** Completes `'<key>' …`: `is not set`, `must be an absolute URL`, … */
  readonly what: string
  /** The key at fault: the one a placeholder needs, else the URL's own key. */
  readonly field: string
}

/**
 * The URL a configuration key holds (`base.url`, `oauth.token.url`), checked: set, placeholders
 * filled, absolute http(s). Shared by the API client and the OAuth endpoints so both refuse the same
 * values with the same words.
 */
export const configuredUrl = (
  configuration: Configuration.Configuration,
  key: string
): Result.Result<URL, UrlProblem> => {
  const value = configuration.resolve(key)
  if (value === undefined) return Result.fail({ what: "is not set", field: key })
  const unfilled = /\{([A-Za-z0-9_.-]+)\}/.exec(value)
  if (unfilled !== null) {
    const needed = unfilled[1] ?? key
    return Result.fail({ what: `needs '${needed}', which is not set`, field: needed })
  }
  if (!URL.canParse(value)) return Result.fail({ what: "must be an absolute URL", field: key })
  const url = new URL(value)
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Result.fail({ what: "must be an http(s) URL", field: key })
  }
  return Result.succeed(url)
}

/** The instance's `base.url` checked once, for {@link base}; configuration does not change under a client. */
export const checkBase = (configuration: Configuration.Configuration): Result.Result<URL, UrlProblem> =>
  configuredUrl(configuration, BASE_KEY)

/** The checked base URL for one request; a problem fails the request naming the key to fix. */
export const base = (
  checked: Result.Result<URL, UrlProblem>,
  operation: string
): Effect.Effect<URL, ConnectorError.ConnectorError> =>
  Result.isSuccess(checked)
    ? Effect.succeed(checked.success)
    : Effect.fail(invalid(`'${BASE_KEY}' ${checked.failure.what}`, operation, checked.failure.field))

/**
 * The full URL of `path` against `baseUrl`. Relative paths are appended to the base path whether or
 * not either side has a slash at the seam; absolute URLs must share the base's origin.
 */
export const resolve = (
  baseUrl: URL,
  path: string,
  operation: string
): Effect.Effect<URL, ConnectorError.ConnectorError> => {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith("//")) {
    const absolute = URL.canParse(path, baseUrl.href) ? new URL(path, baseUrl) : undefined
    if (absolute === undefined)
      return Effect.fail(invalid("the request URL is not a valid URL", operation, "path"))
    if (absolute.origin !== baseUrl.origin) {
      return Effect.fail(
        invalid(`refusing to send credentials to another host (${absolute.host})`, operation, "path")
      )
    }
    return Effect.succeed(absolute)
  }
  const joined = `${baseUrl.origin}${baseUrl.pathname.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`
  return URL.canParse(joined)
    ? Effect.succeed(new URL(joined))
    : Effect.fail(invalid("the request path is not a valid URL path", operation, "path"))
}
