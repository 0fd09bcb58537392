/**
 * Library mode: one connector instance used straight from code, with no runner and no database.
 * `connect` takes a connector and the `configuration` object a caller would send to
 * `POST /instances` (plus `providerData.code` for OAuth), and gives a {@link Client}: the instance's
 * hub `Connection` (list, stream, CRUD, CEQL, paging) and `poll`, whose state lives in a
 * `PollStateStore` the caller provides. OAuth tokens live in the `TokenStore` the caller provides,
 * so rotated refresh tokens land wherever the caller keeps them. {@link layer} provides in-memory
 * stores and the fetch HTTP client; `AsyncClient` wraps all of this for code that does not use
 * Effect.
 */
import { randomUUID } from "node:crypto"
import { Clock, Effect, Layer, Option } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import * as Auth from "./Auth.js"
import * as Configuration from "./Configuration.js"
import * as Connection from "./Connection.js"
import type * as Connector from "./Connector.js"
import * as ConnectorError from "./ConnectorError.js"
import * as KeyedLock from "./internal/auth/KeyedLock.js"
import * as Poller from "./Poller.js"
import * as PollerConfiguration from "./PollerConfiguration.js"
import { PollStateStore, type PollStateStoreError } from "./PollStateStore.js"
import { TokenStore, type TokenStoreError } from "./TokenStore.js"
import * as VendorHttp from "./VendorHttp.js"

/** What an OAuth authorization code flow sent back, as `providerData` of `POST /instances`. */
export interface ProviderData {
  /** The `code` the vendor sent to the callback; exchanged for tokens by {@link connect}. */
  readonly code?: string | undefined
  /** The PKCE verifier whose challenge went into the authorize URL (PKCE connectors only). */
  readonly codeVerifier?: string | undefined
  /** The redirect URI of the authorize URL; default the `oauth.callback.url` configuration key. */
  readonly redirectUri?: string | undefined
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  readonly connector: Connector.Connector
  /** The instance's configuration, with the keys of `POST /instances` (`username`, `oauth.api.key`, …). */
  readonly configuration: Readonly<Record<string, unknown>>
  readonly providerData?: ProviderData | undefined
  /**
   * The key tokens, poll state, rate budget and circuit breaker are kept under. Reuse it to pick up
   * tokens and poll state stored by an earlier run; default a random UUID.
   */
  readonly instanceKey?: string | undefined
  /** Tuning of vendor calls: retries, timeouts, breaker, burst. */
  readonly vendor?: VendorHttp.Options | undefined
  /**
   * Whether to prove the credentials before returning (default true): runs the connector's cheap
   * credential check. A `providerData.code` is always exchanged, which proves them already.
   */
  readonly check?: boolean | undefined
  /** Bounds of list calls (page sizes, in-memory sort size). */
  readonly limits?: Partial<Connection.Limits> | undefined
}

/** Options of {@link Client.poll}. */
export interface PollOptions {
  /**
   * The poller entry to use (`url`, `idField`, `datesConfiguration`, …), checked and completed
   * like a configured one; default the instance's `event.poller.configuration` (or legacy
   * `event.poller.urls`) entry for the resource, else the connector's default for it.
   */
  readonly entry?: PollerConfiguration.Entry | undefined
}

/** Every way {@link Client.poll} can fail. */
export type PollError =
  | Connection.HubError
  | PollerConfiguration.PollerConfigurationError
  | PollStateStoreError

/** A connected instance. */
export interface Client {
  readonly connector: Connector.Connector
  /** The decoded configuration: the connector's defaults merged with what was given. */
  readonly configuration: Configuration.Configuration
  readonly instanceKey: string
  /** The hub operations: `list`, `stream`, `get`, `create`, `update`, `replace`, `remove`, `query`, … */
  readonly connection: Connection.Connection
  /** The poller entry {@link poll} would use for a resource, defaults applied. */
  readonly pollEntry: (
    resource: string,
    options?: PollOptions
  ) => Effect.Effect<PollerConfiguration.Entry, PollerConfiguration.PollerConfigurationError>
  /**
   * Polls one resource once and returns its change events. The state comes from the
   * `PollStateStore` and the new state is stored before the events are returned; a resource
   * without stored state starts from now (no history is replayed), as when the runner enables
   * events. A failed poll keeps the cursor (the failure is counted in the stored state) and fails
   * with the error, so the next poll reads the same changes again; when to try again is the
   * caller's choice (`Poller.isDue` reads the backoff the state suggests). Polls of one resource through
   * one client run one at a time. The events are the caller's to deliver: a crash after this
   * returns and before they are handled loses them. A caller that must not lose any runs
   * `Poller.poll` itself (with `pollEntry` and `Poller.fromConnection`) and commits the events and
   * the returned state together, as the runner does.
   */
  readonly poll: (
    resource: string,
    options?: PollOptions
  ) => Effect.Effect<Poller.PollResult, PollError, PollStateStore>
}

/** The services {@link connect} and `poll` need together. */
export type Services = TokenStore | PollStateStore | HttpClient.HttpClient

/** The services {@link connect} and `poll` need, in memory: tokens, poll state, and the fetch HTTP client. */
export const layer: Layer.Layer<Services> = Layer.mergeAll(
  TokenStore.layerMemory,
  PollStateStore.layerMemory,
  FetchHttpClient.layer
)

const invalidKey = (message: string) =>
  ConnectorError.make(new ConnectorError.InvalidRequest({ message, field: "instanceKey" }), "connect")

/**
 * Connects an instance: decodes the configuration against the connector's parameters (every
 * problem named at once), exchanges `providerData.code` for tokens and stores them in the
 * `TokenStore`, builds the vendor client (auth, retries, rate budget, circuit breaker) and the hub
 * connection, and runs the credential check unless `check` is false.
 */
export const connect = (
  options: ConnectOptions
): Effect.Effect<
  Client,
  Configuration.ConfigurationError | ConnectorError.ConnectorError | TokenStoreError,
  TokenStore | HttpClient.HttpClient
> =>
  Effect.gen(function* () {
    const { connector } = options
    const configuration = yield* Configuration.decode(connector.configuration, options.configuration)
    const instanceKey = options.instanceKey ?? randomUUID()
    if (instanceKey.trim() === "") return yield* invalidKey("instanceKey must not be empty")

    const code = options.providerData?.code
    if (code !== undefined) {
      const tokens = yield* Auth.exchangeCode(connector, configuration, {
        code,
        redirectUri: options.providerData?.redirectUri,
        codeVerifier: options.providerData?.codeVerifier
      })
      yield* (yield* TokenStore).set(instanceKey, tokens)
    }

    const vendor = yield* VendorHttp.make({ connector, configuration, instanceKey, options: options.vendor })
    const connection = Connection.make({
      connector,
      configuration,
      client: vendor,
      instanceId: instanceKey,
      ...(options.limits === undefined ? {} : { limits: options.limits })
    })
    if (code === undefined && options.check !== false) yield* connection.check()
    return fromConnection({ configuration, instanceKey, connection })
  }).pipe(Effect.withSpan("Client.connect", { attributes: { element: options.connector.key } }))

/**
 * A client over a connection built elsewhere (a `Connection` over a fake vendor client in tests,
 * or one the caller assembled by hand): adds `poll` and `pollEntry`.
 */
export const fromConnection = (options: {
  readonly configuration: Configuration.Configuration
  readonly instanceKey: string
  readonly connection: Connection.Connection
}): Client => {
  const { configuration, instanceKey, connection } = options
  const connector = connection.connector
  const lock = KeyedLock.make()

  const resolved = (resource: string, pollOptions: PollOptions) =>
    PollerConfiguration.resolve(connector, configuration, resource, pollOptions.entry)

  const pollEntry: Client["pollEntry"] = (resource, pollOptions = {}) =>
    Effect.map(resolved(resource, pollOptions), (found) => found.entry)

  const poll: Client["poll"] = (resource, pollOptions = {}) =>
    lock
      .withLock(resource)(
        Effect.gen(function* () {
          const { entry, listed } = yield* resolved(resource, pollOptions)
          const store = yield* PollStateStore
          const now = yield* Clock.currentTimeMillis
          const stored = yield* store.get(instanceKey, resource)
          const state = Option.getOrElse(stored, () => Poller.initialState(now))
          // The moment polling started is kept before the first poll, so a first poll that fails
          // does not move the start to the retry's time and skip what changed in between.
          if (Option.isNone(stored)) yield* store.set(instanceKey, resource, state)
          const outcome = yield* Effect.result(
            Poller.poll({
              source: Poller.fromConnection(connection, listed),
              instanceId: instanceKey,
              elementKey: connector.key,
              hubKey: connector.hub,
              resource,
              entry,
              state,
              now
            })
          )
          if (outcome._tag === "Failure") {
            const error = outcome.failure
            yield* store
              .set(instanceKey, resource, Poller.failed(state, { now, message: error.message }))
              .pipe(
                Effect.catch((storeError) =>
                  Effect.logWarning(
                    `could not record the failed poll of '${resource}': ${storeError.message}`
                  )
                )
              )
            return yield* Effect.fail(error)
          }
          yield* store.set(instanceKey, resource, outcome.success.state)
          return outcome.success
        })
      )
      .pipe(Effect.withSpan("Client.poll", { attributes: { element: connector.key, resource } }))

  return { connector, configuration, instanceKey, connection, pollEntry, poll }
}

/** Options of {@link authorizeUrl}. */
export interface AuthorizeOptions extends Auth.AuthorizeOptions {
  readonly connector: Connector.Connector
  /** The configuration the instance will be connected with (client id, callback URL, endpoints). */
  readonly configuration: Readonly<Record<string, unknown>>
}

/**
 * The vendor's authorize URL for an OAuth authorization code connector, to send the user to before
 * {@link connect}: the vendor redirects back with the `code` to pass as `providerData.code`. Keep
 * `state` to check on the callback, and the `codeVerifier` for PKCE connectors
 * (`Auth.randomCodeVerifier()`).
 */
export const authorizeUrl = (
  options: AuthorizeOptions
): Effect.Effect<string, Configuration.ConfigurationError | ConnectorError.ConnectorError> =>
  Effect.flatMap(
    Configuration.decode(options.connector.configuration, options.configuration),
    (configuration) =>
      Auth.authorizeUrl(options.connector, configuration, {
        state: options.state,
        redirectUri: options.redirectUri,
        scope: options.scope,
        codeVerifier: options.codeVerifier
      })
  )
