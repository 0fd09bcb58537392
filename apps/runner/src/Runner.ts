/**
 * The whole runner as layers: settings → database and cipher → tenants, instances, tokens →
 * outbound HTTP → provisioning → the HTTP server, with the first tenant ensured before the server
 * listens. `layer` is what `main.ts` launches; tests build the same thing with their own settings
 * and connectors.
 */
import type { Connector, Registry, TokenStore } from "@plugboard/core"
import { type Config, Effect, Layer, Option, References } from "effect"
import { HttpClient, type HttpServer } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import type { SqlClient } from "effect/sql"
import runnerConfig from "../plugboard.config.js"
import * as ConnectorLoader from "./ConnectorLoader.js"
import * as EngineLayer from "./engine/EngineLayer.js"
import * as Server from "./http/Server.js"
import * as Logging from "./Logging.js"
import * as RunnerMetrics from "./metrics/RunnerMetrics.js"
import * as OutboundHttp from "./outbound/OutboundHttp.js"
import { Provisioning } from "./Provisioning.js"
import { RunnerSettings, type Settings } from "./Settings.js"
import type { StartupError } from "./StartupError.js"
import type { SecretCipher } from "./store/Cipher.js"
import * as Bootstrap from "./store/Bootstrap.js"
import * as Database from "./store/Database.js"
import * as EncryptionKey from "./store/EncryptionKey.js"
import { Instances } from "./store/Instances.js"
import * as OAuthTokens from "./store/OAuthTokens.js"
import { RefreshLocks } from "./store/RefreshLocks.js"
import { Tenants } from "./store/Tenants.js"

/** The connector packages to load: `PLUGBOARD_CONNECTORS` when set, else `plugboard.config.ts`. */
export const connectorPackages = (settings: Settings): ReadonlyArray<string> =>
  Option.getOrElse(settings.connectors, () => runnerConfig.connectors)

/**
 * Everything but the registry and the HTTP server: storage, tenants, instances, tokens and the lock
 * that keeps their refreshes one at a time (across runners on PostgreSQL).
 */
export const services: Layer.Layer<
  | Tenants
  | Instances
  | TokenStore.TokenStore
  | RefreshLocks
  | SecretCipher
  | Database.Database
  | SqlClient.SqlClient,
  StartupError,
  RunnerSettings
> = Layer.mergeAll(Tenants.layer, Instances.layer, OAuthTokens.layer, RefreshLocks.layer).pipe(
  Layer.provideMerge(EncryptionKey.layer),
  Layer.provideMerge(Database.layer)
)

/** The services of a running runner, for tests and embedders that reach into it. */
export type Running =
  | HttpServer.HttpServer
  | Registry.Registry
  | Provisioning
  | Tenants
  | Instances
  | TokenStore.TokenStore
  | SecretCipher
  | Database.Database
  | SqlClient.SqlClient
  | RunnerSettings

/** Options of {@link make}. */
export interface MakeOptions {
  /** Connectors to serve; when absent, the packages of the settings are imported. */
  readonly connectors?: ReadonlyArray<Connector.Connector>
  /** Interface to listen on; all interfaces when absent. */
  readonly host?: string
}

/** The runner for these settings: server, API and storage, ready to launch. */
export const make = (
  settings: Settings,
  options: MakeOptions = {}
): Layer.Layer<Running, StartupError | ServeError> => {
  const registry =
    options.connectors === undefined
      ? ConnectorLoader.layer(connectorPackages(settings))
      : ConnectorLoader.registryLayer(options.connectors)
  const app = Server.layer({
    port: settings.port,
    maxBodyBytes: settings.maxBodyBytes,
    corsOrigins: settings.corsOrigins ?? [],
    ...(options.host === undefined ? {} : { host: options.host })
  }).pipe(
    Layer.provideMerge(EngineLayer.workers),
    Layer.provideMerge(Layer.effectDiscard(Bootstrap.ensureFirstTenant)),
    Layer.provideMerge(Provisioning.layer),
    Layer.provideMerge(EngineLayer.core),
    Layer.provideMerge(OutboundHttp.layer),
    Layer.provideMerge(services),
    Layer.provideMerge(registry),
    Layer.provideMerge(RunnerSettings.layerValue(settings))
  )
  return app.pipe(
    Layer.provide(
      Layer.mergeAll(
        Logging.layer(settings.logLevel),
        RunnerMetrics.layer,
        // No span exporter is configured: building spans (and capturing their stack traces) on
        // every request and vendor call would cost time for nothing. The HTTP client would still
        // fill a (no-op) span's URL and header attributes on every vendor call unless told not to.
        Layer.succeed(References.TracerEnabled, false),
        Layer.succeed(HttpClient.TracerDisabledWhen, () => true)
      )
    )
  )
}

/** The runner configured from the environment (`PORT`, `DATABASE_URL`, …). */
export const layer: Layer.Layer<Running, StartupError | ServeError | Config.ConfigError> = Layer.unwrap(
  Effect.gen(function* () {
    return make(yield* RunnerSettings)
  })
).pipe(Layer.provide(RunnerSettings.layer))
