/**
 * The runner's settings (contract.md §10), read once at start from the environment through Effect
 * `Config`. Secrets stay `Redacted`; nothing here is logged in clear.
 */
import { Config, ConfigProvider, Context, Effect, Layer, Option, Redacted, Schema } from "effect"

/** Log levels the runner accepts in `LOG_LEVEL`, lower-case as documented. */
export const LogLevelName = Schema.Literals(["debug", "info", "warn", "error"])
export type LogLevelName = typeof LogLevelName.Type

/** Which addresses outbound requests may reach besides public ones. */
export type PrivateNetworks =
  | { readonly _tag: "None" }
  | { readonly _tag: "All" }
  | { readonly _tag: "Cidrs"; readonly cidrs: ReadonlyArray<string> }

/** The runner's settings. */
export interface Settings {
  readonly port: number
  /** Where the embedded database and the generated key file live. */
  readonly dataDir: string
  /** `postgres://…` switches storage to PostgreSQL; unset means embedded SQLite. */
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  /** Base64 of 32 bytes; required with PostgreSQL, generated into the data dir otherwise. */
  readonly encryptionKey: Option.Option<Redacted.Redacted<string>>
  /**
   * Keys that sealed values before a rotation (`PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS`, comma-separated
   * base64): still used to open values, never to seal. Absent means none.
   */
  readonly previousEncryptionKeys?: ReadonlyArray<Redacted.Redacted<string>>
  readonly organizationSecret: Option.Option<Redacted.Redacted<string>>
  readonly userSecret: Option.Option<Redacted.Redacted<string>>
  /** Connector packages to load; `None` means those named in `plugboard.config.ts`. */
  readonly connectors: Option.Option<ReadonlyArray<string>>
  readonly allowPrivateNetworks: PrivateNetworks
  readonly logLevel: LogLevelName
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes: number
  /**
   * Where clients and vendors reach the runner (`PLUGBOARD_PUBLIC_URL`, e.g.
   * `https://plugboard.example.com`, no trailing slash): the origin of its own OAuth callback URL.
   * Absent means the origin each request arrived at (Host, or a proxy's X-Forwarded-Proto/Host).
   */
  readonly publicUrl?: string | undefined
  /**
   * Browser origins allowed to call the API (`PLUGBOARD_CORS_ORIGINS`, comma-separated
   * `https://app.example.com` origins, or `*`); empty means no CORS headers and no preflight answers.
   */
  readonly corsOrigins?: ReadonlyArray<string> | undefined
}

const optionalSecret = (name: string) =>
  Config.Redacted(name).pipe(
    Config.option,
    Config.map(Option.filter((value) => Redacted.value(value).trim() !== ""))
  )

const privateNetworks = (raw: string | undefined): PrivateNetworks => {
  const text = raw?.trim() ?? ""
  if (text === "" || /^(false|0|off|no)$/i.test(text)) return { _tag: "None" }
  if (/^(true|1|on|yes|\*)$/i.test(text)) return { _tag: "All" }
  return {
    _tag: "Cidrs",
    cidrs: text
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "")
  }
}

const configError = (message: string) => new Config.ConfigError(new ConfigProvider.SourceError({ message }))

/**
 * `PLUGBOARD_PUBLIC_URL`: an absolute http(s) URL, optionally with a path prefix a proxy adds, without
 * query or fragment; a trailing slash is dropped so paths can be appended.
 */
const publicUrl = (raw: string): Effect.Effect<string | undefined, Config.ConfigError> => {
  const text = raw.trim()
  if (text === "") return Effect.succeed(undefined)
  const problem = `PLUGBOARD_PUBLIC_URL must be an absolute http(s) URL without query or fragment, such as https://plugboard.example.com (got '${text}')`
  if (!URL.canParse(text)) return Effect.fail(configError(problem))
  const url = new URL(text)
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || text.includes("#")) {
    return Effect.fail(configError(problem))
  }
  return Effect.succeed(text.replace(/\/+$/, ""))
}

/** `PLUGBOARD_CORS_ORIGINS`: `*`, or origins (scheme, host and optional port, nothing else). */
const corsOrigins = (raw: string): Effect.Effect<ReadonlyArray<string>, Config.ConfigError> => {
  const entries = raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
  for (const entry of entries) {
    if (entry === "*") continue
    const origin = URL.canParse(entry) ? new URL(entry).origin : "null"
    if (origin === "null" || origin !== entry.replace(/\/+$/, "")) {
      return Effect.fail(
        configError(
          `PLUGBOARD_CORS_ORIGINS must be '*' or comma-separated origins such as https://app.example.com (got '${entry}')`
        )
      )
    }
  }
  return Effect.succeed(entries.map((entry) => entry.replace(/\/+$/, "")))
}

/** The settings as a `Config`, so tests can feed them from any `ConfigProvider`. */
export const config: Config.Config<Settings> = Config.all({
  port: Config.Port("PORT").pipe(Config.withDefault(8080)),
  dataDir: Config.String("PLUGBOARD_DATA_DIR").pipe(Config.withDefault("./.plugboard")),
  databaseUrl: optionalSecret("DATABASE_URL"),
  encryptionKey: optionalSecret("PLUGBOARD_ENCRYPTION_KEY"),
  previousEncryptionKeys: optionalSecret("PLUGBOARD_ENCRYPTION_KEYS_PREVIOUS").pipe(
    Config.map((list) =>
      Option.match(list, {
        onNone: () => [],
        onSome: (text) =>
          Redacted.value(text)
            .split(/[\s,]+/)
            .filter((key) => key !== "")
            .map((key) => Redacted.make(key))
      })
    )
  ),
  organizationSecret: optionalSecret("PLUGBOARD_ORGANIZATION_SECRET"),
  userSecret: optionalSecret("PLUGBOARD_USER_SECRET"),
  connectors: Config.String("PLUGBOARD_CONNECTORS").pipe(
    Config.option,
    Config.map(
      Option.flatMap((text) => {
        const names = text
          .split(",")
          .map((name) => name.trim())
          .filter((name) => name !== "")
        return names.length === 0 ? Option.none() : Option.some(names)
      })
    )
  ),
  allowPrivateNetworks: Config.String("PLUGBOARD_ALLOW_PRIVATE_NETWORKS").pipe(
    Config.option,
    Config.map((value) => privateNetworks(Option.getOrUndefined(value)))
  ),
  logLevel: Config.String("LOG_LEVEL").pipe(
    Config.withDefault("info"),
    Config.map((value) => value.trim().toLowerCase()),
    Config.mapEffect((value) =>
      Schema.decodeUnknownEffect(LogLevelName)(value === "warning" ? "warn" : value).pipe(
        Effect.mapError(() =>
          configError(`LOG_LEVEL must be one of debug, info, warn, error (got '${value}')`)
        )
      )
    )
  ),
  maxBodyBytes: Config.Int("PLUGBOARD_MAX_BODY_BYTES").pipe(Config.withDefault(5 * 1024 * 1024)),
  publicUrl: Config.String("PLUGBOARD_PUBLIC_URL").pipe(Config.withDefault(""), Config.mapEffect(publicUrl)),
  corsOrigins: Config.String("PLUGBOARD_CORS_ORIGINS").pipe(
    Config.withDefault(""),
    Config.mapEffect(corsOrigins)
  )
})

/** Whether storage is PostgreSQL (a `postgres://` or `postgresql://` URL) rather than embedded SQLite. */
export const usesPostgres = (settings: Settings): boolean =>
  Option.isSome(settings.databaseUrl) &&
  /^postgres(ql)?:\/\//i.test(Redacted.value(settings.databaseUrl.value))

/** The settings as a service. */
export class RunnerSettings extends Context.Service<RunnerSettings, Settings>()(
  "@plugboard/runner/Settings"
) {
  /** Reads the settings from the current `ConfigProvider` (the environment by default). */
  static readonly layer: Layer.Layer<RunnerSettings, Config.ConfigError> = Layer.effect(
    RunnerSettings,
    Effect.map(config, (settings) => RunnerSettings.of(settings))
  )

  /** Fixed settings, for tests and embedding. */
  static readonly layerValue = (settings: Settings): Layer.Layer<RunnerSettings> =>
    Layer.succeed(RunnerSettings, RunnerSettings.of(settings))
}
