/**
 * The engine's side of the runner's {@link InstanceLifecycle} seam: a saved instance with events
 * enabled (`event.notification.enabled`) and not disabled is scheduled with its current poller
 * configuration, any other saved instance stops polling (its cursors and events are kept), and a
 * deleted instance's schedule, events and notifications are dropped.
 */
import { Effect, Layer } from "effect"
import { InstanceLifecycle } from "../InstanceLifecycle.js"
import { PollScheduler } from "./PollScheduler.js"

/** The lifecycle hooks backed by the engine. */
export const layer: Layer.Layer<never, never, PollScheduler> = Layer.effect(
  InstanceLifecycle,
  Effect.gen(function* () {
    const scheduler = yield* PollScheduler
    return {
      saved: (instance, connector) =>
        instance.eventsEnabled && !instance.disabled
          ? scheduler
              .enable({ instanceId: instance.id, connector, configuration: instance.configuration })
              .pipe(
                Effect.asVoid,
                // Provisioning refuses an invalid poller configuration before saving; this only
                // guards against one that became invalid in another way.
                Effect.catchTag("PollerConfigurationError", (error) =>
                  Effect.logWarning(`instance ${instance.id}: events not scheduled: ${error.message}`)
                )
              )
          : scheduler.disable(instance.id),
      removed: (instanceId) => scheduler.remove(instanceId)
    }
  })
)
