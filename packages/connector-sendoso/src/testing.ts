/**
 * Test support for `@plugboard/connector-sendoso`: a fake Sendoso server (OAuth and Core API v3)
 * that the connector's own tests and the runner's tests run against, and sample record bodies.
 */
import { Effect, type Scope } from "effect"
import { type FakeSendoso, type FakeSendosoOptions, startFakeSendoso } from "./testing/FakeSendoso.js"

export type { FakeSendoso, FakeSendosoOptions, RecordedRequest } from "./testing/FakeSendoso.js"
export { startFakeSendoso } from "./testing/FakeSendoso.js"
export { defaultPerPage, maxPerPage } from "./testing/FakeSendosoApi.js"
export type { FakeClient, TokenRequest, TokenStatus } from "./testing/FakeSendosoOAuth.js"
export { FakeSendosoOAuth, scopes } from "./testing/FakeSendosoOAuth.js"
export type { RateLimit } from "./testing/FakeSendosoRateLimit.js"
export { FakeSendosoRateLimit, sendosoRateLimit } from "./testing/FakeSendosoRateLimit.js"
export * as FakeSendosoSamples from "./testing/FakeSendosoSamples.js"
export type { At, Collection, FakeRecord } from "./testing/FakeSendosoStore.js"
export { collectionNames, FakeSendosoStore, timestamp } from "./testing/FakeSendosoStore.js"

/** The fake server as a scoped resource: started on acquire, closed when the scope closes. */
export const fakeSendoso = (
  options: FakeSendosoOptions = {}
): Effect.Effect<FakeSendoso, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeSendoso(options)),
    (fake) => Effect.promise(() => fake.close())
  )
