/**
 * Plugboard test kit: the conformance suite every connector package runs against its fake vendor,
 * a fake callback receiver for event tests, and the helpers fake vendors are built from (HTTP
 * plumbing and a fake OAuth 2.0 authorization server; also at `@plugboard/testkit/fake-vendor`).
 */
export * as CallbackReceiver from "./CallbackReceiver.js"
export * as Conformance from "./Conformance.js"
export * from "./FakeVendor.js"
