/**
 * Where a vendor request goes: the instance's `base.url` (placeholders filled from configuration)
 * joined with the request's path, or an absolute URL the vendor itself handed out (`$next` links) as
 * long as it points at the same origin — credentials are never sent to another host.
 */
import { Effect } from "effect"
import type * as Configuration from "../../Configuration.js"
import * as ConnectorError from "../../ConnectorError.js"

const BASE_KEY = "base.url"

const invalid = (message: string, operation: string, field?: string): ConnectorError.ConnectorError =>
  ConnectorError.make(
    new ConnectorError.InvalidRequest(field === undefined ? { message } : { message, field }),
    operation
  )

/** The instance's base URL, checked: set, placeholders filled, absolute http(s). */
export const base = (
  configuration: Configuration.Configuration,
  operation: string
): Effect.Effect<URL, ConnectorError.ConnectorError> => {
  const value = configuration.resolve(BASE_KEY)
  if (value === undefined) return Effect.fail(invalid(`'${BASE_KEY}' is not set`, operation, BASE_KEY))
  const unfilled = /\{([A-Za-z0-9_.-]+)\}/.exec(value)
  if (unfilled !== null) {
    const key = unfilled[1] ?? BASE_KEY
    return Effect.fail(invalid(`'${BASE_KEY}' needs '${key}', which is not set`, operation, key))
  }
  if (!URL.canParse(value))
    return Effect.fail(invalid(`'${BASE_KEY}' must be an absolute URL`, operation, BASE_KEY))
  const url = new URL(value)
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return Effect.fail(invalid(`'${BASE_KEY}' must be an http(s) URL`, operation, BASE_KEY))
  }
  return Effect.succeed(url)
}

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
