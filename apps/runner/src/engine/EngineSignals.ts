/**
 * The doorbells of this process's two claim loops. Whatever makes work due here rings the right
 * one: enabling or triggering a poll rings `polls`; a committed poll, a redelivery or a finished
 * delivery rings `deliveries`; gaining a partition rings both.
 */
import { Context, Effect, Layer } from "effect"
import * as Wakeup from "./Wakeup.js"

/** The two wake-up signals. */
export interface Signals {
  readonly polls: Wakeup.Wakeup
  readonly deliveries: Wakeup.Wakeup
}

/** The engine's wake-up signals as a service. */
export class EngineSignals extends Context.Service<EngineSignals, Signals>()(
  "@plugboard/runner/engine/EngineSignals"
) {
  static readonly layer: Layer.Layer<EngineSignals> = Layer.effect(
    EngineSignals,
    Effect.all({ polls: Wakeup.make, deliveries: Wakeup.make }).pipe(
      Effect.map((signals) => EngineSignals.of(signals))
    )
  )
}
