/**
 * Plugboard core: the contracts every connector implements and the engines the runner composes.
 */
export * as ConnectorError from "./ConnectorError.js"
