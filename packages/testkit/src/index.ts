/**
 * Plugboard test kit: the conformance suite every connector package runs against its fake vendor,
 * and a fake callback receiver for event tests.
 */
export * as CallbackReceiver from "./CallbackReceiver.js"
export * as Conformance from "./Conformance.js"
