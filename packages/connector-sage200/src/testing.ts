/**
 * Test support for `@plugboard/connector-sage200`: a fake Sage 200 server (Sage ID OAuth and the
 * API) that the connector's own tests and the runner's tests run against.
 */
import { Effect, type Scope } from "effect"
import { type FakeSage200, type FakeSage200Options, startFakeSage200 } from "./testing/FakeSage200.js"

export type { FakeCompany, FakeSage200, FakeSage200Options, RecordedRequest } from "./testing/FakeSage200.js"
export { startFakeSage200 } from "./testing/FakeSage200.js"
export type { CollectionSpec } from "./testing/FakeSage200Collections.js"
export { children, collections } from "./testing/FakeSage200Collections.js"
export type { Answer } from "./testing/FakeSage200List.js"
export { defaultTop, listRecords, maxTop } from "./testing/FakeSage200List.js"
export type { FakeClient } from "./testing/FakeSage200OAuth.js"
export { FakeSage200OAuth } from "./testing/FakeSage200OAuth.js"
export { compileFilter, ODataError, parseFilter, parseOrderBy } from "./testing/FakeSage200OData.js"
export type { FakeRecord } from "./testing/FakeSage200Store.js"
export { FakeSage200Store, timestamp } from "./testing/FakeSage200Store.js"

/** The fake server as a scoped resource: started on acquire, closed when the scope closes. */
export const fakeSage200 = (
  options: FakeSage200Options = {}
): Effect.Effect<FakeSage200, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => startFakeSage200(options)),
    (fake) => Effect.promise(() => fake.close())
  )
