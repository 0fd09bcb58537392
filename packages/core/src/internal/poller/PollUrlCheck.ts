/**
 * Checks a poller entry's URL when the configuration is saved, not at the first poll: it must be a
 * hub URL and its `where` must be CEQL. One repair is made, for compatibility with the original
 * platform's published examples: the Sage Business Cloud Accounting events page writes its poller
 * URL as `…and attributes='created_at,updated_at` with the closing quote missing at the very end.
 * When the `where` is the URL's last parameter and adding that one quote makes it parse, the quote
 * is added; anything else that does not parse is an error naming the URL.
 */
import { Effect, Result } from "effect"
import * as Ceql from "../../Ceql.js"
import * as DateTemplate from "../../DateTemplate.js"
import * as HubQuery from "../../HubQuery.js"

/** The URL to keep (possibly repaired), or why it is unusable. */
export type Checked = { readonly url: string } | { readonly problem: string }

const whereOf = (url: string): { readonly where: string | undefined } | { readonly problem: string } => {
  const filled = DateTemplate.fill(url, 0)
  if (Result.isFailure(filled)) return { problem: filled.failure.message }
  // parseUrl is pure; running it here keeps configuration checks synchronous.
  const parsed = Effect.runSync(Effect.result(HubQuery.parseUrl(filled.success)))
  if (Result.isFailure(parsed)) return { problem: parsed.failure.message }
  return { where: parsed.success.options.where }
}

/** Checks (and, in the one documented case, repairs) a poller entry URL. */
export const check = (url: string): Checked => {
  const found = whereOf(url)
  if ("problem" in found) return found
  if (found.where === undefined) return { url }
  const parsed = Ceql.parseResult(found.where)
  if (Result.isSuccess(parsed)) return { url }
  const lastParameterIsWhere = /[?&]where=[^&]*$/.test(url)
  if (lastParameterIsWhere && parsed.failure.position >= found.where.length - 1) {
    const repaired = `${url}'`
    const again = whereOf(repaired)
    if ("where" in again && again.where !== undefined && Result.isSuccess(Ceql.parseResult(again.where))) {
      return { url: repaired }
    }
  }
  return { problem: `has a where that is not valid CEQL: ${parsed.failure.message}` }
}
