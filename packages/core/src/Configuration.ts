/**
 * An instance's configuration decoded against its element's parameters: the element's defaults
 * merged with what the caller sent, every value a string as the original platform stores it, secrets
 * held as `Redacted`. Decoding accepts what the original platform accepted (booleans and numbers as
 * JSON values or strings, `event.poller.configuration` as an object or a JSON string) and reports
 * every missing or ill-typed key at once.
 */
import { Effect, Redacted, Schema } from "effect"
import * as Param from "./Param.js"

/** A stored configuration value: plain text, a secret, or unset. */
export type Value = string | Redacted.Redacted<string> | null

/** One problem with one key. */
export class Problem extends Schema.Class<Problem>("@plugboard/core/Configuration/Problem")({
  key: Schema.String,
  message: Schema.String
}) {}

/** The configuration did not decode; `problems` names every key at fault. */
export class ConfigurationError extends Schema.TaggedError<ConfigurationError>()("ConfigurationError", {
  problems: Schema.Array(Problem)
}) {
  override get message(): string {
    return `invalid configuration: ${this.problems.map((p) => `'${p.key}' ${p.message}`).join("; ")}`
  }
}

/** The shown form of a secret value, as the original platform masks it. */
export const MASK = "********"

/** A decoded configuration. Values are read by key; secrets must be asked for as secrets. */
export class Configuration {
  constructor(
    /** Every key, declared or not, with its stored value. */
    readonly values: ReadonlyMap<string, Value>
  ) {}

  /** The plain value of a key; `undefined` when unset, empty, or a secret (use {@link secret}). */
  text(key: string): string | undefined {
    const value = this.values.get(key)
    return typeof value === "string" && value !== "" ? value : undefined
  }

  /** A secret value, still redacted. Plain values of a key are returned redacted too. */
  secret(key: string): Redacted.Redacted<string> | undefined {
    const value = this.values.get(key)
    if (value === null || value === undefined) return undefined
    if (Redacted.isRedacted(value)) return Redacted.value(value) === "" ? undefined : value
    return value === "" ? undefined : Redacted.make(value)
  }

  /** A boolean key; unset reads as `fallback`. */
  flag(key: string, fallback = false): boolean {
    const value = this.text(key)
    return value === undefined ? fallback : value.toLowerCase() === "true"
  }

  /** A numeric key; unset or unreadable reads as `undefined`. */
  number(key: string): number | undefined {
    const value = this.text(key)
    if (value === undefined) return undefined
    const parsed = Number(value)
    return Number.isFinite(parsed) ? parsed : undefined
  }

  /** A JSON key parsed; unset reads as `undefined`. Decoding already checked that it parses. */
  json(key: string): unknown {
    const value = this.text(key)
    return value === undefined ? undefined : JSON.parse(value)
  }

  /**
   * A template value with `{otherKey}` placeholders filled from this configuration, e.g. the
   * `base.url` default `https://{subdomain}/sdata/crmj/sagecrm2/-`. Placeholders naming unset keys stay.
   */
  resolve(key: string): string | undefined {
    const value = this.text(key)
    return value === undefined ? undefined : this.fill(value)
  }

  /** Fills `{key}` placeholders of any template from this configuration's plain values. */
  fill(template: string): string {
    return template.replace(/\{([A-Za-z0-9_.-]+)\}/g, (whole, name: string) => this.text(name) ?? whole)
  }

  /** A copy with some keys replaced (values already decoded). */
  with(entries: Iterable<readonly [string, Value]>): Configuration {
    const next = new Map(this.values)
    for (const [key, value] of entries) next.set(key, value)
    return new Configuration(next)
  }

  /** The configuration as the API shows it: strings, nulls, and secrets masked. */
  masked(): Record<string, string | null> {
    const out: Record<string, string | null> = {}
    for (const [key, value] of this.values) {
      out[key] = Redacted.isRedacted(value) ? MASK : value
    }
    return out
  }

  /** Every value in clear text, for encryption at rest; never log or return this. */
  reveal(): Record<string, string | null> {
    const out: Record<string, string | null> = {}
    for (const [key, value] of this.values) {
      out[key] = Redacted.isRedacted(value) ? Redacted.value(value) : value
    }
    return out
  }
}

/** Options of {@link decode}. */
export interface DecodeOptions {
  /**
   * The configuration being updated (PATCH/PUT): its values stay unless the input replaces them,
   * and a secret sent back as `********` keeps the stored secret.
   */
  readonly previous?: Configuration
}

/**
 * Decodes a caller's `configuration` object against an element's parameters. Declared keys get
 * their defaults when absent; undeclared keys are kept as strings (the original platform accepted
 * arbitrary keys). Fails with every problem at once.
 */
export const decode = (
  params: Readonly<Record<string, Param.Param>>,
  input: unknown,
  options: DecodeOptions = {}
): Effect.Effect<Configuration, ConfigurationError> =>
  Effect.suspend(() => {
    if (input !== undefined && input !== null && (typeof input !== "object" || Array.isArray(input))) {
      return Effect.fail(
        new ConfigurationError({
          problems: [new Problem({ key: "configuration", message: "must be an object" })]
        })
      )
    }
    const given: Record<string, unknown> = input === undefined || input === null ? {} : { ...input }
    const problems: Array<Problem> = []
    const values = new Map<string, Value>()

    for (const [key, param] of Object.entries(params)) {
      const previous = options.previous?.values.get(key)
      const raw = key in given ? given[key] : undefined
      const result =
        raw === undefined
          ? previous !== undefined
            ? { value: previous }
            : {
                value:
                  param.default === null ? null : param.secret ? Redacted.make(param.default) : param.default
              }
          : readValue(key, param, raw, previous)
      if ("problem" in result) {
        problems.push(new Problem({ key, message: result.problem }))
        continue
      }
      if (param.required && isEmpty(result.value)) {
        problems.push(new Problem({ key, message: "is required" }))
        continue
      }
      values.set(key, result.value)
    }

    for (const [key, value] of options.previous?.values ?? []) {
      if (!(key in params) && !(key in given)) values.set(key, value)
    }
    for (const [key, raw] of Object.entries(given)) {
      if (key in params) continue
      const previous = options.previous?.values.get(key)
      const result = readValue(key, undefined, raw, previous)
      if ("problem" in result) problems.push(new Problem({ key, message: result.problem }))
      else values.set(key, result.value)
    }

    return problems.length > 0
      ? Effect.fail(new ConfigurationError({ problems }))
      : Effect.succeed(new Configuration(values))
  })

const isEmpty = (value: Value): boolean =>
  value === null || (Redacted.isRedacted(value) ? Redacted.value(value) === "" : value.trim() === "")

type Read = { readonly value: Value } | { readonly problem: string }

const readValue = (
  key: string,
  param: Param.Param | undefined,
  raw: unknown,
  previous: Value | undefined
): Read => {
  const secret = Param.isSecretKey(key, param)
  const text = toText(param?.kind ?? "text", raw)
  if ("problem" in text) return text
  if (text.value === null) return { value: null }
  if (secret) {
    // Clients echo back what GET returned; a mask must not overwrite the stored secret.
    if (text.value === MASK && previous !== undefined) return { value: previous }
    return { value: Redacted.make(text.value) }
  }
  if (param?.options !== undefined && text.value !== "" && !param.options.includes(text.value)) {
    return { problem: `must be one of ${param.options.join(", ")} (got '${text.value}')` }
  }
  return text
}

const toText = (
  kind: Param.Kind,
  raw: unknown
): { readonly value: string | null } | { readonly problem: string } => {
  if (raw === null) return { value: null }
  switch (kind) {
    case "boolean": {
      if (typeof raw === "boolean") return { value: String(raw) }
      if (typeof raw === "string" && /^(true|false)$/i.test(raw.trim()))
        return { value: raw.trim().toLowerCase() }
      if (raw === "") return { value: null }
      return { problem: "must be true or false" }
    }
    case "number": {
      if (typeof raw === "number" && Number.isFinite(raw)) return { value: String(raw) }
      if (typeof raw === "string" && raw.trim() === "") return { value: null }
      if (typeof raw === "string" && Number.isFinite(Number(raw.trim()))) return { value: raw.trim() }
      return { problem: "must be a number" }
    }
    case "json": {
      if (typeof raw === "string") {
        if (raw.trim() === "") return { value: null }
        try {
          JSON.parse(raw)
          return { value: raw }
        } catch (error) {
          return { problem: `must be JSON (${error instanceof Error ? error.message : "unreadable"})` }
        }
      }
      return { value: JSON.stringify(raw) }
    }
    case "url": {
      if (typeof raw !== "string") return { problem: "must be a URL string" }
      if (raw.trim() === "") return { value: null }
      // Templates such as https://{subdomain}/x are checked once their placeholders are filled.
      const probe = raw.replace(/\{[A-Za-z0-9_.-]+\}/g, "placeholder")
      return URL.canParse(probe) ? { value: raw.trim() } : { problem: "must be an absolute URL" }
    }
    default: {
      if (typeof raw === "string") return { value: raw }
      if (typeof raw === "number" || typeof raw === "boolean") return { value: String(raw) }
      return { value: JSON.stringify(raw) }
    }
  }
}
