/**
 * `@plugboard/runner` as a library: build the runner's layers with your own settings and connectors
 * (embedding, tests), or reuse its parts — the API definition, the settings, the stores.
 */
export * as Api from "./http/Api.js"
export * as ApiError from "./http/ApiError.js"
export * as Cipher from "./store/Cipher.js"
export * as ConnectorLoader from "./ConnectorLoader.js"
export * as Database from "./store/Database.js"
export * as InstanceLifecycle from "./InstanceLifecycle.js"
export * as Instances from "./store/Instances.js"
export * as KeyRotation from "./store/KeyRotation.js"
export * as Provisioning from "./Provisioning.js"
export * as Runner from "./Runner.js"
export type { RunnerConfig } from "./RunnerConfig.js"
export * as Settings from "./Settings.js"
export * as StartupError from "./StartupError.js"
export * as Tenants from "./store/Tenants.js"
