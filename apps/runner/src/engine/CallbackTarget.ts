/**
 * Where and how an instance's notifications are sent, from its configuration (contract.md §7):
 * `event.notification.callback.url`, Basic credentials from `event.notification.basic.username` /
 * `.password` (both needed), and the signing key `event.notification.signature.key`. Secrets stay
 * `Redacted` until the headers are written.
 */
import type { Configuration } from "@plugboard/core"
import type { Redacted } from "effect"

/** A callback and its credentials. */
export interface CallbackTarget {
  readonly url: string
  readonly basic: { readonly username: string; readonly password: Redacted.Redacted<string> } | undefined
  readonly signatureKey: Redacted.Redacted<string> | undefined
}

/** The configuration keys read. */
export const Keys = {
  url: "event.notification.callback.url",
  username: "event.notification.basic.username",
  password: "event.notification.basic.password",
  signatureKey: "event.notification.signature.key"
} as const

/** The target of an instance, or why it has none. */
export const fromConfiguration = (
  configuration: Configuration.Configuration
): CallbackTarget | { readonly problem: string } => {
  const url = configuration.text(Keys.url)?.trim()
  if (url === undefined || url === "") return { problem: `'${Keys.url}' is not set` }
  const username = configuration.text(Keys.username)
  const password = configuration.secret(Keys.password)
  return {
    url,
    basic: username !== undefined && password !== undefined ? { username, password } : undefined,
    signatureKey: configuration.secret(Keys.signatureKey)
  }
}
