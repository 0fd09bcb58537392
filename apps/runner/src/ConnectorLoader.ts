/**
 * Loads connector packages by name into the core `Registry`: each package is imported and its
 * connector taken from the `default` export, else the `connector` export, else its only export that
 * is a connector. A package that cannot be imported or exports no connector stops the start with an
 * error naming it.
 */
import { type Connector, Registry } from "@plugboard/core"
import { Effect, Layer, Predicate } from "effect"
import { StartupError } from "./StartupError.js"

/** Whether a value has the shape of a built connector. */
export const isConnector = (value: unknown): value is Connector.Connector =>
  Predicate.isObject(value) &&
  typeof (value as { key?: unknown }).key === "string" &&
  typeof (value as { id?: unknown }).id === "number" &&
  typeof (value as { hub?: unknown }).hub === "string" &&
  Predicate.isObject((value as { configuration?: unknown }).configuration) &&
  Predicate.isObject((value as { resources?: unknown }).resources) &&
  Predicate.isObject((value as { auth?: unknown }).auth)

/** The connector a package module exports. */
export const fromModule = (
  name: string,
  module: Record<string, unknown>
): Effect.Effect<Connector.Connector, StartupError> => {
  if (isConnector(module.default)) return Effect.succeed(module.default)
  if (isConnector(module.connector)) return Effect.succeed(module.connector)
  const candidates = Object.entries(module).filter(([, value]) => isConnector(value))
  if (candidates.length === 1) return Effect.succeed(candidates[0]![1] as Connector.Connector)
  return Effect.fail(
    new StartupError({
      message:
        candidates.length === 0
          ? `connector package '${name}' exports no connector (expected a 'default' or 'connector' export)`
          : `connector package '${name}' exports several connectors (${candidates.map(([key]) => key).join(", ")}); export the one to load as 'default' or 'connector'`
    })
  )
}

/** Imports one package and finds its connector. */
export const loadPackage = (name: string): Effect.Effect<Connector.Connector, StartupError> =>
  Effect.tryPromise({
    try: () => import(name) as Promise<Record<string, unknown>>,
    catch: (cause) =>
      new StartupError({
        message: `cannot load connector package '${name}': ${cause instanceof Error ? cause.message.split("\n")[0] : String(cause)}`
      })
  }).pipe(Effect.flatMap((module) => fromModule(name, module)))

/** Loads every package, in order. */
export const load = (
  names: ReadonlyArray<string>
): Effect.Effect<ReadonlyArray<Connector.Connector>, StartupError> => Effect.forEach(names, loadPackage)

/** The registry of these connectors; duplicate keys or ids stop the start. */
export const registryLayer = (
  connectors: ReadonlyArray<Connector.Connector>
): Layer.Layer<Registry.Registry, StartupError> =>
  Layer.effect(
    Registry.Registry,
    Registry.make(connectors).pipe(Effect.mapError((error) => new StartupError({ message: error.message })))
  )

/** The registry of the named packages. */
export const layer = (names: ReadonlyArray<string>): Layer.Layer<Registry.Registry, StartupError> =>
  Layer.unwrap(Effect.map(load(names), registryLayer))
