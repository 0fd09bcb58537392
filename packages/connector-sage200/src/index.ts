/**
 * Plugboard connector for Sage 200 UK Standard and Professional (element key `sage200`, finance hub).
 * Load `Sage200` into the runner's registry; the fake vendor server for tests is at
 * `@plugboard/connector-sage200/testing`.
 */
export * as Sage200Errors from "./internal/errors.js"
export { editionKey, endpoints, Sage200 } from "./Sage200Connector.js"
export * as Sage200Ceql from "./Sage200Ceql.js"
export * as Sage200Resources from "./Sage200Resources.js"
export * as Sage200Session from "./Sage200Session.js"
