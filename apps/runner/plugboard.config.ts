/**
 * Which connector packages this deployment loads. `PLUGBOARD_CONNECTORS` (comma-separated package
 * names) overrides the list at start-up; every package must be installed next to the runner and
 * export its connector as `default` or `connector` (or as its only connector export).
 */
import type { RunnerConfig } from "./src/RunnerConfig.js"

export default {
  connectors: [
    "@plugboard/connector-sagecrm",
    "@plugboard/connector-sage-accounting",
    "@plugboard/connector-sage200",
    "@plugboard/connector-sendoso"
  ]
} satisfies RunnerConfig
