#!/usr/bin/env node
/**
 * The runner's entry point: `node dist/main.js [serve | create-organization | create-user | rotate-key]`. Reads its
 * settings from the environment (contract.md §10), runs until SIGINT/SIGTERM, then shuts down
 * gracefully (in-flight requests finish, the database closes).
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { command } from "./Cli.js"
import { version } from "./Version.js"

command.pipe(
  Command.run({ version }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain({ disableErrorReporting: false })
)
