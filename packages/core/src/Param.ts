/**
 * Declarations of an element's configuration parameters: the keys a caller sends in
 * `POST /instances` `configuration`, with their kind, default and whether they are secret. A
 * connector declares them as data; the runner shows them at `/elements/{key}/configuration` and
 * `Configuration.decode` checks instances against them.
 */

/** How a parameter's value is read and shown. */
export type Kind = "text" | "secret" | "boolean" | "number" | "url" | "json" | "textarea"

/** One configuration parameter of an element. */
export interface Param {
  readonly kind: Kind
  /** Human label, shown in catalogs (the original platform's `name`). */
  readonly label: string
  readonly description: string
  readonly required: boolean
  /** Default value as the original platform stores it: always a string, or null for "unset". */
  readonly default: string | null
  /** Secret values are held as `Redacted`, encrypted at rest and shown as `********`. */
  readonly secret: boolean
  /** Kept out of consoles and catalogs' visible lists (`hideFromConsole`). */
  readonly hidden: boolean
  /** When set, the only values accepted. */
  readonly options?: ReadonlyArray<string>
}

/** What a connector writes for a parameter; everything but the kind has a default. */
export interface Options {
  readonly label?: string
  readonly description?: string
  readonly required?: boolean
  readonly default?: string | number | boolean | null
  readonly hidden?: boolean
  readonly options?: ReadonlyArray<string>
}

const make =
  (kind: Kind) =>
  (options: Options = {}): Param => ({
    kind,
    label: options.label ?? "",
    description: options.description ?? "",
    required: options.required ?? false,
    default: options.default === undefined || options.default === null ? null : String(options.default),
    secret: kind === "secret",
    hidden: options.hidden ?? false,
    ...(options.options === undefined ? {} : { options: options.options })
  })

/** A short text value (a subdomain, a user name, a country code). */
export const text = make("text")
/** A secret: password, client secret, API key, signing key. */
export const secret = make("secret")
/** `true`/`false`; the original platform sends strings or booleans. */
export const boolean = make("boolean")
/** A number; decimals are allowed (refresh intervals in minutes). */
export const number = make("number")
/** An absolute URL, possibly a template with `{otherKey}` placeholders (`https://{subdomain}/sdata`). */
export const url = make("url")
/** A JSON document, sent as an object or as a JSON string (`event.poller.configuration`). */
export const json = make("json")
/** A long free text. */
export const textarea = make("textarea")

/** The catalog type names of contract.md §3 for each kind. */
export const catalogType = (param: Param): string => {
  switch (param.kind) {
    case "secret":
      return "PASSWORD"
    case "boolean":
      return "BOOLEAN"
    case "number":
      return "TEXTFIELD_32"
    case "url":
      return "TEXTFIELD_1000"
    case "json":
      return "CODE_EDITOR"
    case "textarea":
      return "TEXTAREA"
    case "text":
      return "TEXTFIELD_128"
  }
}

// Keys the original platform masks even when an element does not declare them as secret.
const secretKeyPattern =
  /(^|\.)(password|secret|token|refresh_token|api\.key|apikey|signing\.key|signature\.key|subscription\.key|private\.key)$/i

/** Whether a configuration key holds a secret, by its declaration or, for undeclared keys, by its name. */
export const isSecretKey = (key: string, param: Param | undefined): boolean =>
  param === undefined ? secretKeyPattern.test(key) : param.secret
