/**
 * Builds what the runner builds for an instance — decoded configuration, the real `VendorHttp`
 * client, the hub `Connection` — against a fake Sage CRM on loopback.
 */
import { Configuration, Connection, TokenStore, VendorHttp } from "@plugboard/core"
import { Effect, Layer, type Scope } from "effect"
import { FetchHttpClient } from "effect/http"
import { SageCrm } from "../src/index.js"
import { type FakeSageCrm, type FakeSageCrmOptions, fakeSageCrm } from "../src/testing.js"

/** The services `VendorHttp.make` needs. */
export const layer = Layer.mergeAll(TokenStore.TokenStore.layerMemory, FetchHttpClient.layer)

let instances = 0

/** An instance's connection to the fake, configured as a caller of `POST /instances` would. */
export const connect = (fake: FakeSageCrm, configuration: Readonly<Record<string, unknown>> = {}) =>
  Effect.gen(function* () {
    const decoded = yield* Configuration.decode(SageCrm.configuration, {
      subdomain: fake.host,
      username: "admin",
      password: "secret",
      "base.url": fake.baseUrl,
      ...configuration
    })
    instances += 1
    const client = yield* VendorHttp.make({
      connector: SageCrm,
      configuration: decoded,
      instanceKey: `sagecrm-test-${instances}`,
      options: { baseDelayMillis: 10, maxDelayMillis: 50 }
    })
    return Connection.make({ connector: SageCrm, configuration: decoded, client, instanceId: instances })
  })

/** Runs a test body with a fresh fake (closed afterwards) and the services the client needs. */
export const withFake = <A, E>(
  body: (fake: FakeSageCrm) => Effect.Effect<A, E, Scope.Scope | Layer.Success<typeof layer>>,
  options: FakeSageCrmOptions = { now: "2024-05-01T12:00:00Z" }
): Effect.Effect<A, E> =>
  Effect.scoped(Effect.flatMap(fakeSageCrm(options), body)).pipe(Effect.provide(layer))
