/**
 * The seam between instances and the events engine: the API tells the engine when an instance was
 * saved (created, reconfigured, enabled, disabled) or is about to be deleted, and the engine keeps
 * its own tables — poll schedule, cursors, outbox — in step. Without an engine the runner serves
 * the API alone and these calls do nothing; the engine's layer replaces {@link InstanceLifecycle}.
 */
import type { Connector } from "@plugboard/core"
import { Context, Effect } from "effect"
import type { Instance } from "./store/Instances.js"

/** What the engine is told about instances. */
export interface Lifecycle {
  /** The instance was stored with these settings; schedule (or stop) its polling accordingly. */
  readonly saved: (instance: Instance, connector: Connector.Connector) => Effect.Effect<void>
  /** The instance is being deleted; drop everything kept for it. Runs before the instance row goes. */
  readonly removed: (instanceId: number) => Effect.Effect<void>
}

/** The lifecycle hooks; by default they do nothing (no engine loaded). */
export const InstanceLifecycle = Context.Reference<Lifecycle>("@plugboard/runner/InstanceLifecycle", {
  defaultValue: () => ({ saved: () => Effect.void, removed: () => Effect.void })
})
