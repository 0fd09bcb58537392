/**
 * Test support for `@plugboard/connector-sage-accounting`: a fake Sage Business Cloud Accounting
 * v3.1 server (OAuth and API) that the connector's own tests and the runner's tests run against.
 */
import { Effect, type Scope } from "effect"
import {
  type FakeSageAccounting,
  type FakeSageAccountingOptions,
  startFakeSageAccounting
} from "./testing/FakeSageAccounting.js"

export type {
  FakeSageAccounting,
  FakeSageAccountingOptions,
  RecordedRequest
} from "./testing/FakeSageAccounting.js"
export { startFakeSageAccounting } from "./testing/FakeSageAccounting.js"
export type { CollectionSpec } from "./testing/FakeSageCollections.js"
export { collections } from "./testing/FakeSageCollections.js"
export type { SageErrorEntry } from "./testing/FakeSageErrors.js"
export type { Authorization, FakeClient } from "./testing/FakeSageOAuth.js"
export { FakeSageOAuth } from "./testing/FakeSageOAuth.js"
export type { At, FakeRecord, Tombstone } from "./testing/FakeSageStore.js"
export { FakeSageStore, timestamp } from "./testing/FakeSageStore.js"

/** The fake server as a scoped resource: started on acquire, closed when the scope closes. */
export const fakeSageAccounting = (
  options: FakeSageAccountingOptions = {}
): Effect.Effect<FakeSageAccounting, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeSageAccounting(options)),
    (fake) => Effect.promise(() => fake.close())
  )
