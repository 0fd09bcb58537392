/**
 * Plugboard connector for Sage Business Cloud Accounting v3.1 (element key `sageone`, finance hub).
 * Load `SageAccounting` into the runner's registry; the fake vendor server for tests is at
 * `@plugboard/connector-sage-accounting/testing`.
 */
export { endpoints, SageAccounting } from "./SageAccountingConnector.js"
export * as SageAccountingCeql from "./SageAccountingCeql.js"
export * as SageAccountingErrors from "./internal/errors.js"
export * as SageAccountingResources from "./SageAccountingResources.js"
