/**
 * Library mode for code that does not use Effect: the `Client` of one connector instance behind
 * Promises and async iterables. `connect` returns an {@link AsyncClient} whose calls resolve with
 * plain records and reject with the same error values the Effect API fails with (`ConnectorError`,
 * `CeqlError`, `HubRequestError`, `ConfigurationError`, …), so `error.reason._tag` and
 * `error.problems` work in a `catch`. Tokens and poller state stay in memory unless the caller
 * passes stores of its own; each client runs on its own `ManagedRuntime`, released by `dispose`.
 */
import { Effect, Layer, ManagedRuntime, Stream } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import * as Client from "./Client.js"
import type * as Configuration from "./Configuration.js"
import type * as Connector from "./Connector.js"
import type * as HubQuery from "./HubQuery.js"
import * as AsyncStores from "./internal/client/AsyncStores.js"
import type * as Poller from "./Poller.js"
import { PollStateStore } from "./PollStateStore.js"
import { TokenStore } from "./TokenStore.js"

export type { AsyncPollStateStore, AsyncTokenStore, TokenJson } from "./internal/client/AsyncStores.js"

/** A hub record: a vendor JSON object. */
export type JsonRecord = HubQuery.JsonRecord

/** Options of {@link connect}: those of `Client.connect` plus where tokens and poller state live. */
export interface ConnectOptions extends Client.ConnectOptions {
  /** Where OAuth tokens are kept (rotated refresh tokens included); default in memory. */
  readonly tokenStore?: AsyncStores.AsyncTokenStore | undefined
  /** Where poller states are kept between polls; default in memory. */
  readonly pollStateStore?: AsyncStores.AsyncPollStateStore | undefined
}

/** What one poll found, and the state now stored for the next one. */
export interface PollOutcome {
  readonly events: ReadonlyArray<Poller.PolledEvent>
  readonly state: Poller.State
  readonly stats: Poller.PollStats
}

/** A connected instance for Promise-based code. Call `dispose` when done. */
export interface AsyncClient {
  readonly connector: Connector.Connector
  /** The decoded configuration (secrets redacted; `masked()` shows it as the API would). */
  readonly configuration: Configuration.Configuration
  readonly instanceKey: string
  /** The Effect client underneath, for code that mixes both styles. */
  readonly client: Client.Client
  /** One page of a resource: `{ records, nextPage?, total? }`; pass `nextPage` back for the next. */
  readonly list: (request: HubQuery.ListRequest) => Promise<HubQuery.ListResult>
  /** Every matching record across all pages, read from the vendor page by page as iteration goes. */
  readonly records: (request: HubQuery.ListRequest) => AsyncIterable<JsonRecord>
  /** Every record a hub URL lists (`/hubs/crm/accounts?where=…`), page by page as iteration goes. */
  readonly query: (hubUrl: string) => AsyncIterable<JsonRecord>
  /** One page of a child collection, `GET /hubs/{hub}/{resource}/{id}/{child}`. */
  readonly children: (
    resource: string,
    id: string,
    child: string,
    options?: HubQuery.ListOptions
  ) => Promise<HubQuery.ListResult>
  readonly get: (resource: string, id: string) => Promise<JsonRecord>
  readonly create: (resource: string, body: unknown) => Promise<JsonRecord>
  /** PATCH: the fields sent change, the rest stay. */
  readonly update: (resource: string, id: string, body: unknown) => Promise<JsonRecord>
  /** PUT. */
  readonly replace: (resource: string, id: string, body: unknown) => Promise<JsonRecord>
  readonly remove: (resource: string, id: string) => Promise<void>
  /** Proves the credentials still work. */
  readonly check: () => Promise<void>
  /** Polls one resource once (see `Client.Client.poll`); the new state is stored before this resolves. */
  readonly poll: (resource: string, options?: Client.PollOptions) => Promise<PollOutcome>
  /** Releases the client's runtime; calls made afterwards fail. */
  readonly dispose: () => Promise<void>
  readonly [Symbol.asyncDispose]: () => Promise<void>
}

type Services = TokenStore | PollStateStore | HttpClient.HttpClient

const servicesOf = (options: ConnectOptions): Layer.Layer<Services> => {
  const tokens =
    options.tokenStore === undefined
      ? TokenStore.layerMemory
      : Layer.succeed(TokenStore, AsyncStores.tokenStore(options.tokenStore))
  const states =
    options.pollStateStore === undefined
      ? PollStateStore.layerMemory
      : Layer.succeed(PollStateStore, AsyncStores.pollStateStore(options.pollStateStore))
  return Layer.mergeAll(tokens, states, FetchHttpClient.layer)
}

/**
 * Connects an instance (see `Client.connect`): decodes the configuration, exchanges
 * `providerData.code` for tokens, and checks the credentials unless `check` is false. Rejects with
 * a `ConfigurationError`, `ConnectorError` or `TokenStoreError`.
 */
export const connect = async (options: ConnectOptions): Promise<AsyncClient> => {
  const runtime = ManagedRuntime.make(servicesOf(options))
  let client: Client.Client
  try {
    client = await runtime.runPromise(Client.connect(options))
  } catch (error) {
    await runtime.dispose()
    throw error
  }
  const { connection } = client

  async function* iterate(stream: Stream.Stream<JsonRecord, unknown, never>): AsyncGenerator<JsonRecord> {
    // The stream is only built and run when iteration starts, and pulls the next vendor page when
    // the records read so far are used up; breaking out of the loop stops it.
    const context = await runtime.context()
    yield* Stream.toAsyncIterableWith(stream, context)
  }

  return {
    connector: client.connector,
    configuration: client.configuration,
    instanceKey: client.instanceKey,
    client,
    list: (request) => runtime.runPromise(connection.list(request)),
    records: (request) => iterate(connection.stream(request)),
    query: (hubUrl) => iterate(connection.query(hubUrl)),
    children: (resource, id, child, listOptions) =>
      runtime.runPromise(connection.children(resource, id, child, listOptions)),
    get: (resource, id) => runtime.runPromise(connection.get(resource, id)),
    create: (resource, body) => runtime.runPromise(connection.create(resource, body)),
    update: (resource, id, body) => runtime.runPromise(connection.update(resource, id, body)),
    replace: (resource, id, body) => runtime.runPromise(connection.replace(resource, id, body)),
    remove: (resource, id) => runtime.runPromise(connection.remove(resource, id)),
    check: () => runtime.runPromise(connection.check()),
    poll: (resource, pollOptions) =>
      runtime.runPromise(
        Effect.map(client.poll(resource, pollOptions), (result) => ({
          events: result.events,
          state: result.state,
          stats: result.stats
        }))
      ),
    dispose: () => runtime.dispose(),
    [Symbol.asyncDispose]: () => runtime.dispose()
  }
}

/** Options of {@link authorizeUrl}. */
export type AuthorizeOptions = Client.AuthorizeOptions

/**
 * The vendor's authorize URL for an OAuth authorization code connector (see `Client.authorizeUrl`).
 * Rejects with a `ConfigurationError` or `ConnectorError`.
 */
export const authorizeUrl = (options: AuthorizeOptions): Promise<string> =>
  Effect.runPromise(Client.authorizeUrl(options))
