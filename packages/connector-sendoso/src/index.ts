/**
 * Plugboard connector for the Sendoso Core API v3 (element key `sendoso`, rewards hub). Load
 * `Sendoso` into the runner's registry; the fake vendor server for tests is at
 * `@plugboard/connector-sendoso/testing`.
 */
export { endpoints, requestsPerSecond, Sendoso } from "./SendosoConnector.js"
export * as SendosoCeql from "./SendosoCeql.js"
export * as SendosoErrors from "./internal/errors.js"
export * as SendosoResources from "./SendosoResources.js"
export * as SendosoWebhooks from "./SendosoWebhooks.js"
