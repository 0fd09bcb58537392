/**
 * An instance of the connector against its fake vendor, connected the way the runner and library
 * mode connect one (`Client.connect`): the caller's configuration decoded against the element's
 * parameters, the OAuth code exchanged and the tokens stored when the fake gives `providerData`,
 * the real `VendorHttp` client and the hub `Connection` over it. Each check runs in its own services
 * (in-memory token store, fetch, a fresh table of per-instance guards) and with its own fake.
 */
import {
  Client,
  type Configuration,
  type ConnectorError,
  type Connector,
  TokenStore,
  VendorHttp
} from "@plugboard/core"
import { Effect, Layer, type Scope } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import type { FakeVendor, Harness, ProviderData } from "../Conformance.js"

/** Why an instance could not be connected. */
export type ConnectError =
  | ConnectorError.ConnectorError
  | Configuration.ConfigurationError
  | TokenStore.TokenStoreError

/** The services an instance needs. */
export type Services = TokenStore.TokenStore | HttpClient.HttpClient

let instances = 0

/**
 * Connects an instance with `configuration`, without the credential check (the checks run it
 * themselves). Calls are retried fast (the fake answers at once) and the element's rate limit gets
 * a large burst: the suite checks behaviour, not the vendor's pace.
 */
export const connect = (
  connector: Connector.Connector,
  configuration: Readonly<Record<string, unknown>>,
  providerData: (() => Promise<ProviderData>) | undefined
): Effect.Effect<Client.Client, ConnectError, Services> =>
  Effect.gen(function* () {
    const data = providerData === undefined ? undefined : yield* Effect.promise(providerData)
    instances += 1
    return yield* Client.connect({
      connector,
      configuration,
      providerData: data,
      instanceKey: `conformance-${connector.key}-${instances}`,
      vendor: { baseDelayMillis: 10, maxDelayMillis: 100, timeoutMillis: 10_000, burst: 1_000 },
      check: false
    })
  })

/** Connects with the fake's valid configuration. */
export const connectGood = (connector: Connector.Connector, fake: FakeVendor) =>
  connect(connector, fake.configuration, fake.providerData)

const services = Layer.mergeAll(TokenStore.TokenStore.layerMemory, FetchHttpClient.layer)

/**
 * Runs one check body with a fresh fake vendor (closed afterwards, whatever happens) and fresh
 * services. Rejects with the body's error as is.
 */
export const withFake = <E>(
  harness: Harness,
  body: (fake: FakeVendor) => Effect.Effect<void, E, Services | Scope.Scope>
): Promise<void> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.acquireRelease(
        Effect.promise(() => harness.start()),
        (fake) => Effect.promise(() => fake.close())
      ).pipe(Effect.flatMap(body))
    ).pipe(Effect.provideService(VendorHttp.Guards, VendorHttp.makeGuards()), Effect.provide(services))
  )

/** The fake's current time: its own clock when it has one, else this process's. */
export const vendorNow = (fake: FakeVendor): number => fake.now?.() ?? Date.now()
