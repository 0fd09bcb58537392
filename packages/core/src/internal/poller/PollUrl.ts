import { Result } from "effect"
import * as DateTemplate from "../../DateTemplate.js"
import { PollerConfigurationError, Problem } from "../../PollerConfiguration.js"

/**
 * The hub URL of one poll: the entry's URL with its date placeholders filled with `since`, and the
 * entry's `pageSize` added when the URL does not set one itself.
 */
export const pollUrl = (
  resource: string,
  url: string,
  since: number,
  pageSize: number | undefined,
  defaultZone: string | undefined
): Result.Result<string, PollerConfigurationError> => {
  const filled = DateTemplate.fill(url, since, { defaultZone })
  if (Result.isFailure(filled)) {
    return Result.fail(
      new PollerConfigurationError({
        problems: [new Problem({ resource, field: "url", message: filled.failure.message })]
      })
    )
  }
  const text = filled.success
  if (pageSize === undefined || /[?&]pageSize=/.test(text)) return Result.succeed(text)
  return Result.succeed(`${text}${text.includes("?") ? "&" : "?"}pageSize=${pageSize}`)
}
