/**
 * When an access token is refreshed ahead of its expiry: at most half its lifetime early and never
 * more than five minutes early (contract.md §5), so an hour-long token is refreshed five minutes
 * before it ends and a five-minute token after two and a half minutes, not on every call.
 */
import type { TokenSet } from "../../TokenStore.js"

const FIVE_MINUTES = 5 * 60 * 1000

/** The moment from which `tokens` should be refreshed; undefined when the vendor gave no expiry. */
export const refreshAt = (tokens: TokenSet): number | undefined => {
  if (tokens.expiresAt === undefined) return undefined
  // Tokens obtained elsewhere (seeded, or stored by an older runner) have no known lifetime.
  const lifetime =
    tokens.obtainedAt === undefined ? 2 * FIVE_MINUTES : Math.max(0, tokens.expiresAt - tokens.obtainedAt)
  return tokens.expiresAt - Math.min(lifetime / 2, FIVE_MINUTES)
}

/** Whether `tokens` should be refreshed at `now` (epoch milliseconds). */
export const isDue = (tokens: TokenSet, now: number): boolean => {
  const at = refreshAt(tokens)
  return at !== undefined && now >= at
}
