/**
 * `@plugboard/connector-sagecrm`: the Sage CRM connector (element key `sagecrm`, hub `crm`) for
 * Plugboard. Load `SageCrm` into a runner's registry; the fake vendor server for tests is at
 * `@plugboard/connector-sagecrm/testing`.
 */
export { SageCrm } from "./SageCrmConnector.js"
export * as SageCrmConfiguration from "./SageCrmConfiguration.js"
export * as SageCrmQuery from "./SageCrmQuery.js"
export * as SageCrmResources from "./SageCrmResources.js"
