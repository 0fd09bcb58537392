/**
 * The life of an instance (architecture.md data flow 1): the element found in the registry, the
 * caller's configuration decoded against it (defaults merged, secrets `Redacted`), the credentials
 * proved — an OAuth code exchanged, a client-credentials grant, or the connector's cheap credential
 * check — before anything is stored, then the instance and its sealed tokens written and the
 * events engine told (`InstanceLifecycle`). Updates merge (PATCH) or replace (PUT) the same way and prove the credentials again when
 * they change. Also gives the hub `Connection` of a stored instance, kept per instance between
 * calls ({@link ConnectionCache}) and dropped whenever this service changes the instance; every
 * vendor call through it is metered.
 */
import { randomUUID } from "node:crypto"
import {
  Auth,
  Configuration,
  Connection,
  type Connector,
  type ConnectorError,
  PollerConfiguration,
  Registry,
  TokenStore,
  VendorHttp
} from "@plugboard/core"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import type { HttpClient } from "effect/http"
import * as ConnectionCache from "./ConnectionCache.js"
import * as CallbackTarget from "./engine/CallbackTarget.js"
import * as PollPlan from "./engine/PollPlan.js"
import type { InstanceBody } from "./http/Api.js"
import * as ApiError from "./http/ApiError.js"
import { InstanceLifecycle } from "./InstanceLifecycle.js"
import * as MeteredVendorClient from "./metrics/MeteredVendorClient.js"
import { type Instance, Instances } from "./store/Instances.js"
import { RefreshLocks } from "./store/RefreshLocks.js"
import type { Principal } from "./store/Tenants.js"

/** How an update treats configuration keys the caller did not send. */
export type UpdateMode = "merge" | "replace"

/** What the HTTP request adds to a create or an update. */
export interface RequestContext {
  /**
   * The runner's own OAuth callback URL as this request reached it (`OAuthCallback.current`): the
   * redirect URI of a code exchange when the instance has no `oauth.callback.url`, as it was the
   * authorize URL's when `/oauth/url` got no `callbackUrl`.
   */
  readonly callbackUrl: string
}

/** The instance operations of the API. */
export interface ProvisioningService {
  /** Creates an instance; `elementKeyOrId` comes from the path of `POST /elements/{keyOrId}/instances`. */
  readonly create: (
    owner: Principal,
    body: InstanceBody,
    request: RequestContext,
    elementKeyOrId?: string
  ) => Effect.Effect<
    { readonly instance: Instance; readonly connector: Connector.Connector },
    ApiError.ApiError
  >
  readonly update: (
    instance: Instance,
    body: InstanceBody,
    mode: UpdateMode,
    request: RequestContext
  ) => Effect.Effect<Instance, ApiError.ApiError>
  /** Sets one configuration value (`PATCH /instances/{id}/configuration/{configId}`). */
  readonly configure: (
    instance: Instance,
    key: string,
    value: unknown
  ) => Effect.Effect<Instance, ApiError.ApiError>
  readonly setEnabled: (instance: Instance, enabled: boolean) => Effect.Effect<Instance, ApiError.ApiError>
  /** Deletes the instance with its credentials and tokens (and, through the engine, its schedule). */
  readonly remove: (instance: Instance) => Effect.Effect<void>
  /** The element of a stored instance; 404 when its connector is no longer loaded. */
  readonly connectorOf: (instance: Instance) => Effect.Effect<Connector.Connector, ApiError.NotFound>
  /**
   * The hub engine of a stored instance, over the runner's token store and outbound client; kept
   * between calls while the instance's configuration stays the same (see `ConnectionCache`).
   */
  readonly connection: (instance: Instance) => Effect.Effect<Connection.Connection, ApiError.NotFound>
}

const credentialError = (error: ConnectorError.ConnectorError): ApiError.ApiError => {
  const text = `${error.message} ${error.providerMessage ?? ""}`
  // A refused address is the caller's base URL, not a vendor failure.
  if (error.reason._tag === "Transport" && /PLUGBOARD_ALLOW_PRIVATE_NETWORKS|EADDRNOTALLOWED/.test(text)) {
    return new ApiError.BadRequest({
      message: `${error.message}: the vendor URL (base.url or an OAuth URL) is a private, loopback or reserved address; set PLUGBOARD_ALLOW_PRIVATE_NETWORKS (true or a CIDR list) to allow it`
    })
  }
  if (error.reason._tag === "Authentication" || error.reason._tag === "Forbidden") {
    return new ApiError.BadRequest({
      message: `the vendor rejected the credentials: ${error.message}`,
      ...(error.providerMessage === undefined ? {} : { providerMessage: error.providerMessage })
    })
  }
  return ApiError.fromConnectorError(error)
}

/** The configuration key an entry problem belongs to: the JSON entries, or else the legacy lines. */
const entriesKey = (configuration: Configuration.Configuration): string => {
  const text = configuration.text(PollerConfiguration.CONFIGURATION_KEY)?.trim() ?? ""
  return text === "" || /^\{\s*\}$/.test(text)
    ? PollerConfiguration.LEGACY_URLS_KEY
    : PollerConfiguration.CONFIGURATION_KEY
}

/**
 * A 400 naming, for each problem, the configuration key and — for an entry — the resource and the
 * field at fault: `event.poller.configuration: resource 'accounts', field 'url': must be …`.
 */
export const pollerError = (
  error: PollerConfiguration.PollerConfigurationError,
  configuration: Configuration.Configuration
): ApiError.BadRequest => {
  const parts = error.problems.map((problem) => {
    const field = problem.field === "" ? "" : `, field '${problem.field}'`
    if (problem.resource.startsWith("event.poller.")) {
      // A whole key at fault (the interval, unreadable JSON, a legacy line).
      const [key, ...rest] = problem.resource.split(" ")
      return `${key}${rest.length > 0 ? ` ${rest.join(" ")}` : ""}${field}: ${problem.message}`
    }
    return `${entriesKey(configuration)}: resource '${problem.resource}'${field}: ${problem.message}`
  })
  return new ApiError.BadRequest({ message: `invalid event polling settings: ${parts.join("; ")}` })
}

const cleanTags = (tags: ReadonlyArray<string> | null | undefined): ReadonlyArray<string> => [
  ...new Set((tags ?? []).map((tag) => tag.trim()).filter((tag) => tag !== ""))
]

const elementOf = (body: InstanceBody, fromPath: string | undefined): string | undefined => {
  if (fromPath !== undefined) return fromPath
  const element = body.element
  if (element?.key !== undefined && element.key.trim() !== "") return element.key.trim()
  if (element?.id !== undefined) return String(element.id)
  return undefined
}

const codeOf = (body: InstanceBody): Effect.Effect<string | undefined, ApiError.BadRequest> => {
  const code = body.providerData?.code
  if (code === undefined || code === null) return Effect.succeed(undefined)
  return typeof code === "string" && code.trim() !== ""
    ? Effect.succeed(code.trim())
    : Effect.fail(new ApiError.BadRequest({ message: "'providerData.code' must be a non-empty string" }))
}

/**
 * Events go to the instance's callback, whether polled or pushed by the vendor: with
 * `event.notification.enabled` on, `event.notification.callback.url` is required (else notifications
 * would pile up with nowhere to go).
 */
const requireEventCallback = (
  configuration: Configuration.Configuration
): Effect.Effect<void, ApiError.BadRequest> =>
  configuration.flag("event.notification.enabled") &&
  configuration.text(CallbackTarget.Keys.url) === undefined
    ? Effect.fail(
        new ApiError.BadRequest({
          message: `'${CallbackTarget.Keys.url}' is required when events are enabled (event.notification.enabled is true): it is where the events are sent`
        })
      )
    : Effect.void

/** Configuration values that were sent masked and must keep their stored secret on PUT. */
const secretsOnly = (configuration: Configuration.Configuration) =>
  new Configuration.Configuration(
    new Map([...configuration.values].filter(([, value]) => Redacted.isRedacted(value)))
  )

/** The provisioning service. */
export class Provisioning extends Context.Service<Provisioning, ProvisioningService>()(
  "@plugboard/runner/Provisioning"
) {
  static readonly layer: Layer.Layer<
    Provisioning,
    never,
    Registry.Registry | Instances | TokenStore.TokenStore | RefreshLocks | HttpClient.HttpClient
  > = Layer.effect(
    Provisioning,
    Effect.gen(function* () {
      const registry = yield* Registry.Registry
      const instances = yield* Instances
      const lifecycle = yield* InstanceLifecycle
      const store = yield* TokenStore.TokenStore
      const services = yield* Effect.context<TokenStore.TokenStore | HttpClient.HttpClient>()
      const guards = yield* VendorHttp.Guards
      const refreshLock = yield* RefreshLocks

      const findConnector = (keyOrId: string) => {
        const connector = registry.find(keyOrId)
        return connector === undefined
          ? Effect.fail(
              new ApiError.NotFound({
                message: `no element '${keyOrId}'; loaded elements: ${registry.all.map((c) => c.key).join(", ") || "none"}`
              })
            )
          : Effect.succeed(connector)
      }

      const decode = (
        connector: Connector.Connector,
        input: unknown,
        previous: Configuration.Configuration | undefined
      ) =>
        Configuration.decode(connector.configuration, input, previous === undefined ? {} : { previous }).pipe(
          Effect.mapError(ApiError.fromConfigurationError),
          Effect.tap(requireEventCallback),
          Effect.tap((configuration) =>
            Effect.mapError(
              // With events on, the whole plan the engine will follow is checked before anything
              // is stored: entries, their hub URLs, the legacy lines, the interval.
              configuration.flag("event.notification.enabled")
                ? Effect.asVoid(PollPlan.make(connector, configuration))
                : Effect.asVoid(
                    PollerConfiguration.decode(configuration.text(PollerConfiguration.CONFIGURATION_KEY))
                  ),
              (error) => pollerError(error, configuration)
            )
          )
        )

      /**
       * Proves a configuration works before it is stored: OAuth tokens obtained (code exchange or
       * client credentials) when there are new ones to get, then the connector's credential check,
       * run under a throwaway key so nothing of a failed attempt stays behind.
       */
      const prove = (
        connector: Connector.Connector,
        configuration: Configuration.Configuration,
        options: {
          readonly code: string | undefined
          readonly existing: Option.Option<TokenStore.TokenSet>
          readonly request: RequestContext
        }
      ) =>
        Effect.gen(function* () {
          const strategy = connector.auth.strategy
          let tokens = options.existing
          if (options.code !== undefined) {
            // The instance's own callback URL, else the runner's: what the authorize URL carried.
            const ownCallback =
              strategy._tag === "OAuth2Code" && configuration.resolve(strategy.redirectUriKey) !== undefined
            tokens = Option.some(
              yield* Auth.exchangeCode(connector, configuration, {
                code: options.code,
                ...(ownCallback ? {} : { redirectUri: options.request.callbackUrl })
              }).pipe(Effect.mapError(credentialError))
            )
          } else if (strategy._tag === "OAuth2ClientCredentials") {
            tokens = Option.some(
              yield* Auth.clientCredentials(connector, configuration).pipe(Effect.mapError(credentialError))
            )
          } else if (
            strategy._tag === "OAuth2Code" &&
            Option.isNone(tokens) &&
            configuration.secret("oauth.user.token") === undefined
          ) {
            return yield* new ApiError.BadRequest({
              message: `element '${connector.key}' uses OAuth 2.0: send the authorization code as 'providerData.code' (get the authorize URL from GET /elements/${connector.key}/oauth/url)`
            })
          }
          // A key and a token store of this attempt alone: no other runner can refresh them, so
          // core's in-process refresh lock is enough here.
          const key = `pending-${randomUUID()}`
          const scratch = yield* TokenStore.makeMemory()
          if (Option.isSome(tokens)) yield* scratch.set(key, tokens.value)
          yield* Effect.gen(function* () {
            // A person waits for this answer: one retry at most, not the full schedule of a hub call.
            const client = MeteredVendorClient.make(
              connector.key,
              yield* VendorHttp.make({
                connector,
                configuration,
                instanceKey: key,
                options: { maxAttempts: 2 }
              })
            )
            yield* Connection.make({ connector, configuration, client }).check()
          }).pipe(
            Effect.provideService(TokenStore.TokenStore, scratch),
            Effect.provideContext(services),
            Effect.mapError(credentialError),
            Effect.ensuring(Effect.sync(() => guards.forget(key)))
          )
          return yield* scratch.get(key).pipe(Effect.orDie)
        })

      const saveTokens = (instance: Instance, tokens: Option.Option<TokenStore.TokenSet>) =>
        Option.isNone(tokens) ? Effect.void : store.set(String(instance.id), tokens.value).pipe(Effect.orDie)

      const notifySaved = (instance: Instance, connector: Connector.Connector) =>
        lifecycle.saved(instance, connector)

      const create: ProvisioningService["create"] = (owner, body, request, elementKeyOrId) =>
        Effect.gen(function* () {
          const keyOrId = elementOf(body, elementKeyOrId)
          if (keyOrId === undefined) {
            return yield* new ApiError.BadRequest({
              message: "'element.key' is required: which element is this an instance of?"
            })
          }
          const connector = yield* findConnector(keyOrId)
          const configuration = yield* decode(connector, body.configuration, undefined)
          const code = yield* codeOf(body)
          const tokens = yield* prove(connector, configuration, { code, existing: Option.none(), request })
          const name = body.name?.trim()
          const instance = yield* instances.insert({
            owner,
            elementKey: connector.key,
            name: name === undefined || name === "" ? connector.name : name,
            tags: cleanTags(body.tags),
            configuration,
            eventsEnabled: configuration.flag("event.notification.enabled")
          })
          yield* Effect.gen(function* () {
            yield* saveTokens(instance, tokens)
            yield* notifySaved(instance, connector)
          }).pipe(Effect.onError(() => instances.remove(instance.id)))
          return { instance, connector }
        })

      const connectorOf = (instance: Instance) => findConnector(instance.elementKey)

      const connections = yield* ConnectionCache.make({
        build: (instance: Instance) =>
          Effect.gen(function* () {
            const connector = yield* connectorOf(instance)
            // Refreshes of a stored instance's tokens are one at a time across every runner on the
            // database; a vendor that rotates refresh tokens revokes the grant when one is replayed.
            const client = yield* VendorHttp.make({
              connector,
              configuration: instance.configuration,
              instanceKey: String(instance.id)
            }).pipe(Effect.provideService(Auth.RefreshLock, refreshLock), Effect.provideContext(services))
            return Connection.make({
              connector,
              configuration: instance.configuration,
              client: MeteredVendorClient.make(connector.key, client),
              instanceId: instance.id
            })
          })
      })

      /** Forgets what is kept for an instance: its connection, its budget and breaker. */
      const forget = (instanceId: number) =>
        Effect.andThen(
          connections.invalidate(instanceId),
          Effect.sync(() => guards.forget(String(instanceId)))
        )

      const update: ProvisioningService["update"] = (instance, body, mode, request) =>
        Effect.gen(function* () {
          const connector = yield* connectorOf(instance)
          const code = yield* codeOf(body)
          const sentConfiguration = body.configuration !== undefined && body.configuration !== null
          const configuration = sentConfiguration
            ? yield* decode(
                connector,
                body.configuration,
                mode === "merge" ? instance.configuration : secretsOnly(instance.configuration)
              )
            : instance.configuration
          let tokens = Option.none<TokenStore.TokenSet>()
          if (sentConfiguration || code !== undefined) {
            const existing = yield* store.get(String(instance.id)).pipe(Effect.orDie)
            tokens = yield* prove(connector, configuration, { code, existing, request })
          }
          const name = body.name?.trim()
          const next = yield* instances.update(instance, {
            configuration,
            eventsEnabled: configuration.flag("event.notification.enabled"),
            ...(name === undefined || name === "" ? {} : { name }),
            ...(body.tags === undefined || body.tags === null ? {} : { tags: cleanTags(body.tags) }),
            ...(body.disabled === undefined ? {} : { disabled: body.disabled })
          })
          if (code !== undefined || sentConfiguration) yield* saveTokens(next, tokens)
          yield* forget(instance.id)
          yield* notifySaved(next, connector)
          return next
        })

      const configure: ProvisioningService["configure"] = (instance, key, value) =>
        Effect.gen(function* () {
          const connector = yield* connectorOf(instance)
          const configuration = yield* decode(connector, { [key]: value }, instance.configuration)
          const next = yield* instances.update(instance, {
            configuration,
            eventsEnabled: configuration.flag("event.notification.enabled")
          })
          yield* forget(instance.id)
          yield* notifySaved(next, connector)
          return next
        })

      const setEnabled: ProvisioningService["setEnabled"] = (instance, enabled) =>
        Effect.gen(function* () {
          const connector = yield* connectorOf(instance)
          const next = yield* instances.update(instance, { disabled: !enabled })
          yield* notifySaved(next, connector)
          return next
        })

      const remove = (instance: Instance) =>
        Effect.gen(function* () {
          yield* lifecycle.removed(instance.id)
          yield* store.delete(String(instance.id)).pipe(Effect.ignore)
          yield* instances.remove(instance.id)
          yield* forget(instance.id)
        })

      return Provisioning.of({
        create,
        update,
        configure,
        setEnabled,
        remove,
        connectorOf,
        connection: connections.get
      })
    })
  )
}
