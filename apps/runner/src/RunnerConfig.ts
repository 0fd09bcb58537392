/**
 * The shape of `plugboard.config.ts`: the deployment's choices that are code rather than
 * environment — for now, which connector packages to load.
 */

/** A deployment's configuration file. */
export interface RunnerConfig {
  /** npm package names of the connectors to load, in catalog order. */
  readonly connectors: ReadonlyArray<string>
}
