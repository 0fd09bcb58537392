/**
 * Credentials that come straight from configuration: HTTP Basic, an API key in a header or the
 * query, and the element's configuration-filled headers. Values stay `Redacted` here; the HTTP layer
 * unwraps them only when it writes the request.
 */
import { Effect, Redacted } from "effect"
import type * as AuthSpec from "../../AuthSpec.js"
import type * as Configuration from "../../Configuration.js"
import * as ConnectorError from "../../ConnectorError.js"

/** Header and query values to add to a request, still redacted. */
export interface Additions {
  readonly headers: Record<string, Redacted.Redacted<string>>
  readonly query: Record<string, Redacted.Redacted<string>>
}

const unset = (key: string, operation: string): ConnectorError.ConnectorError =>
  ConnectorError.make(
    new ConnectorError.Authentication({ message: `the credential '${key}' is not set in the configuration` }),
    operation
  )

/**
 * The additions of a Basic or API key strategy plus the spec's configuration headers; OAuth bearer
 * tokens are added by the token manager. A header whose configuration key is unset is not sent.
 */
export const additions = (
  spec: AuthSpec.AuthSpec,
  configuration: Configuration.Configuration,
  operation: string
): Effect.Effect<Additions, ConnectorError.ConnectorError> =>
  Effect.suspend(() => {
    const headers: Record<string, Redacted.Redacted<string>> = {}
    const query: Record<string, Redacted.Redacted<string>> = {}
    for (const [name, key] of Object.entries(spec.headers)) {
      const value = configuration.secret(key)
      if (value !== undefined) headers[name] = value
    }
    const strategy = spec.strategy
    switch (strategy._tag) {
      case "Basic": {
        const username = configuration.secret(strategy.usernameKey)
        const password = configuration.secret(strategy.passwordKey)
        if (username === undefined) return Effect.fail(unset(strategy.usernameKey, operation))
        if (password === undefined) return Effect.fail(unset(strategy.passwordKey, operation))
        const pair = `${Redacted.value(username)}:${Redacted.value(password)}`
        headers.Authorization = Redacted.make(`Basic ${Buffer.from(pair, "utf8").toString("base64")}`)
        break
      }
      case "ApiKey": {
        const key = configuration.secret(strategy.key)
        if (key === undefined) return Effect.fail(unset(strategy.key, operation))
        if (strategy.in === "header") {
          headers[strategy.name] = Redacted.make(`${strategy.prefix ?? ""}${Redacted.value(key)}`)
        } else {
          query[strategy.name] = key
        }
        break
      }
      default:
        break
    }
    return Effect.succeed({ headers, query })
  })
