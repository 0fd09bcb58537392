/**
 * Test support for `@plugboard/connector-sagecrm`: a fake Sage CRM REST (SData) server on loopback,
 * faithful to the vendor's documented behaviour, for this package's tests and the runner's.
 */
export * as FakeSageCrmEntities from "./testing/FakeSageCrmEntities.js"
export type {
  FakeClock,
  FakeRecord,
  FakeSageCrmStore,
  FakeUser,
  Fault,
  LoggedRequest
} from "./testing/FakeSageCrmStore.js"
export { formatDate } from "./testing/FakeSageCrmStore.js"
export {
  type FakeSageCrm,
  type FakeSageCrmOptions,
  fakeSageCrm,
  startFakeSageCrm
} from "./testing/FakeSageCrm.js"
