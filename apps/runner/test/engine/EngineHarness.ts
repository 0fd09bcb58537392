/**
 * The engine on a real database for tests: the runner's store schema and the engine's tables on
 * SQLite (a temporary data directory) or a fresh PostgreSQL database, the real cluster (a
 * `SingleRunner` on SQLite, a socket runner on Postgres), the real claim loops and callback client,
 * and in-memory stand-ins for the two seams: a vendor polled through core's `Poller`, and a
 * directory of instances whose configuration a test sets.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AuthSpec, Configuration, Connector, Paging, Param, Poller, Resource } from "@plugboard/core"
import { ConfigProvider, Effect, Exit, Layer, Logger, Option, Redacted, Scope, Stream } from "effect"
import { SqlClient } from "effect/sql"
import { CallbackClient } from "../../src/engine/CallbackClient.js"
import type { Deliveries } from "../../src/engine/Deliveries.js"
import * as EngineLayer from "../../src/engine/EngineLayer.js"
import * as EngineOptions from "../../src/engine/EngineOptions.js"
import type { EventStore } from "../../src/engine/EventStore.js"
import { type EventInstance, InstanceDirectory } from "../../src/engine/InstanceDirectory.js"
import type { Outbox } from "../../src/engine/Outbox.js"
import { PartitionOwnership } from "../../src/engine/PartitionOwnership.js"
import { PollFailure } from "../../src/engine/PollFailure.js"
import { PollRunner } from "../../src/engine/PollRunner.js"
import { PollScheduler } from "../../src/engine/PollScheduler.js"
import type { ScheduleStore } from "../../src/engine/ScheduleStore.js"
import type { Subscriptions } from "../../src/engine/Subscriptions.js"
import * as OutboundHttp from "../../src/outbound/OutboundHttp.js"
import { type PrivateNetworks, RunnerSettings, type Settings } from "../../src/Settings.js"
import * as Database from "../../src/store/Database.js"
import { freshPostgres, useFreeClusterAddress } from "../support/Backends.js"

/** Which database the engine runs on. */
export type Backend = "sqlite" | "postgres"

/** A vendor record of the fake vendor. */
export interface VendorRecord {
  readonly id: string
  readonly name: string
  readonly created_at: string
  readonly updated_at: string
}

/** The in-memory vendor every instance of a harness polls. */
export class FakeVendor {
  records: Array<VendorRecord> = []
  /** Fail the next polls with this message (count down). */
  failures = 0
  /** Make the next poll die after reading, as a process killed before its commit would. */
  crashNext = false
  /** How long each poll takes after reading (a slow vendor). */
  delayMillis = 0
  /** Event ids of every poll result, committed or not. */
  readonly results: Array<ReadonlyArray<string>> = []
  polls = 0

  /** Adds records created and updated now. */
  add(count: number, prefix = "r"): ReadonlyArray<VendorRecord> {
    const added: Array<VendorRecord> = []
    for (let index = 0; index < count; index++) {
      const at = new Date().toISOString()
      added.push({
        id: `${prefix}${this.records.length + index}`,
        name: `Record ${index}`,
        created_at: at,
        updated_at: at
      })
    }
    this.records.push(...added)
    return added
  }

  /** Changes a record's name and moves its update time on (by at least a millisecond). */
  touch(id: string): void {
    this.records = this.records.map((record) => {
      if (record.id !== id) return record
      const updated = Math.max(Date.now(), Date.parse(record.updated_at) + 1)
      return { ...record, name: `${record.name}*`, updated_at: new Date(updated).toISOString() }
    })
  }
}

/** A connector for the fake vendor: hub `crm`, resource `accounts`. */
export const connector = Connector.make({
  key: "fakecrm",
  id: 9001,
  name: "Fake CRM",
  description: "A fake vendor for engine tests",
  hub: "crm",
  baseUrl: "https://fake.example.com/api",
  auth: AuthSpec.basic(),
  configuration: { subdomain: Param.text({}) },
  paging: Paging.pageNumber({ pageParam: "page", sizeParam: "per_page", maxPageSize: 50, items: "items" }),
  query: (() => ({ params: {}, residual: undefined })) as never,
  resources: {
    accounts: Resource.make({ path: "/accounts", id: "id", verbs: ["list", "get"] })
  }
})

/**
 * The poller entry every test instance uses: the overlap window off, so only changes after enabling
 * count, and CREATED only when created and updated times are equal.
 */
export const accountsEntry = {
  url: "/hubs/crm/accounts?where=updated_at >= '${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
  idField: "id",
  pollDelay: 0,
  createdCheckTolerance: 0,
  datesConfiguration: {
    updatedDateField: "updated_at",
    updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
    createdDateField: "created_at",
    createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"
  }
}

/** Callback settings of a test instance. */
export interface CallbackSettings {
  readonly url: string
  readonly signatureKey?: string
  readonly basic?: { readonly username: string; readonly password: string }
}

const configurationOf = (callback: CallbackSettings, refreshMinutes: string) => {
  const values = new Map<string, Configuration.Value>([
    ["event.notification.enabled", "true"],
    ["event.notification.callback.url", callback.url],
    ["event.poller.refresh_interval", refreshMinutes],
    ["event.poller.configuration", JSON.stringify({ accounts: accountsEntry })]
  ])
  if (callback.signatureKey !== undefined) {
    values.set("event.notification.signature.key", Redacted.make(callback.signatureKey))
  }
  if (callback.basic !== undefined) {
    values.set("event.notification.basic.username", callback.basic.username)
    values.set("event.notification.basic.password", Redacted.make(callback.basic.password))
  }
  return new Configuration.Configuration(values)
}

/** Short timings, so retries and leases play out within a test. */
export const testOptions: EngineOptions.Options = {
  ...EngineOptions.defaults,
  idleCheck: 200,
  pollLease: 1_500,
  deliveryLease: 5_000,
  leaseRenewal: 300,
  callbackTimeout: 2_000,
  retrySchedule: [0, 40, 40, 40],
  shutdownGrace: 2_000
}

/** The services a test may use. */
export type Services =
  | SqlClient.SqlClient
  | PollScheduler
  | Deliveries
  | EventStore
  | Outbox
  | ScheduleStore
  | Subscriptions

/** A running engine. */
export interface Harness {
  readonly backend: Backend
  readonly vendor: FakeVendor
  readonly settings: Settings
  /** Runs an effect against the engine's services. */
  readonly run: <A, E>(effect: Effect.Effect<A, E, Services>) => Promise<A>
  /** Stores an instance (with its owner) and registers it with the engine's directory; returns its id. */
  readonly addInstance: (
    callback: CallbackSettings,
    options?: { readonly refreshMinutes?: string }
  ) => Promise<number>
  /** Replaces an instance's callback settings. */
  readonly setCallback: (instanceId: number, callback: CallbackSettings) => void
  /** Enables polling of an instance with its configuration. */
  readonly enable: (instanceId: number) => Promise<ReadonlyArray<string>>
  /** Polls until `check` holds, or fails after `timeoutMs`. */
  readonly waitFor: <A>(
    what: string,
    effect: Effect.Effect<A, unknown, Services>,
    check: (value: A) => boolean,
    timeoutMs?: number
  ) => Promise<A>
  /** Stops the engine (drains in-flight work); the database stays for {@link restart}. */
  readonly close: () => Promise<void>
  /** Starts a new engine over the same database, as a restarted process would. */
  readonly restart: () => Promise<Harness>
  /**
   * Starts another runner on the same database (Postgres: a second cluster member on a port of its
   * own), sharing this one's vendor and instances.
   */
  readonly peer: () => Promise<Harness>
  /** The partitions this runner owns right now. */
  readonly owned: () => Promise<ReadonlyArray<number>>
  /** Every message this runner's engine (and the effects given to `run`) logged, with its level, oldest first. */
  readonly logs: ReadonlyArray<{ readonly level: string; readonly message: string }>
  /** Drops the database (Postgres). */
  readonly dispose: () => Promise<void>
}

interface Shared {
  readonly backend: Backend
  readonly settings: Settings
  readonly vendor: FakeVendor
  readonly directory: Map<number, EventInstance>
  readonly options: EngineOptions.Options
  /** Whether the claim loops run; without them only the schema, stores and services exist. */
  readonly loops: boolean
  readonly dispose: () => Promise<void>
}

const fakeRunner = (vendor: FakeVendor) =>
  PollRunner.of({
    poll: (request) =>
      Effect.gen(function* () {
        vendor.polls += 1
        if (vendor.failures > 0) {
          vendor.failures -= 1
          return yield* new PollFailure({ message: "the vendor answered 503" })
        }
        const result = yield* Poller.poll({
          source: { query: () => Stream.fromIterable(vendor.records) },
          instanceId: request.instanceId,
          elementKey: request.elementKey,
          hubKey: request.hubKey,
          resource: request.resource,
          entry: request.entry,
          state: request.state,
          now: request.now
        }).pipe(Effect.mapError((error) => new PollFailure({ message: error.message })))
        vendor.results.push(result.events.map((polled) => polled.event.id))
        if (vendor.delayMillis > 0) yield* Effect.sleep(vendor.delayMillis)
        if (vendor.crashNext) {
          vendor.crashNext = false
          return yield* Effect.die(new Error("simulated crash before the commit"))
        }
        return result
      })
  })

const launch = async (shared: Shared): Promise<Harness> => {
  const scope = Effect.runSync(Scope.make())
  const logs: Array<{ readonly level: string; readonly message: string }> = []
  const capture = Logger.make<unknown, void>(({ logLevel, message }) => {
    const parts = Array.isArray(message) ? message : [message]
    logs.push({ level: logLevel, message: parts.map(String).join(" ") })
  })
  const core = EngineLayer.core.pipe(Layer.provideMerge(Database.layer))
  const engine = (shared.loops ? EngineLayer.loops : PartitionOwnership.layer).pipe(
    Layer.provideMerge(core),
    Layer.provide(
      Layer.mergeAll(
        Layer.succeed(PollRunner, fakeRunner(shared.vendor)),
        Layer.succeed(
          InstanceDirectory,
          InstanceDirectory.of({
            lookup: (id) => Effect.sync(() => Option.fromNullishOr(shared.directory.get(id)))
          })
        ),
        CallbackClient.layer.pipe(Layer.provide(OutboundHttp.layer))
      )
    ),
    Layer.provideMerge(RunnerSettings.layerValue(shared.settings)),
    Layer.provide(Layer.succeed(EngineOptions.EngineOptions, shared.options)),
    // The default provider is a snapshot of the environment; a peer needs its own cluster port.
    Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv())),
    Layer.provide(Logger.layer([capture], { mergeWithExisting: true }))
  )
  const context = await Effect.runPromise(Layer.buildWithScope(engine, scope))
  // A test's own effects (the scheduler's, say) log into `logs` too.
  const capturing = Logger.layer([capture], { mergeWithExisting: true })
  const run: Harness["run"] = (effect) =>
    Effect.runPromise(effect.pipe(Effect.provide(context), Effect.provide(capturing)))

  const addInstance: Harness["addInstance"] = (callback, options = {}) =>
    run(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const now = new Date().toISOString()
        const tag = randomBytes(8).toString("hex")
        const [org] = yield* sql<{ id: number }>`INSERT INTO organizations (name, secret_hash, created_at)
          VALUES (${`org-${tag}`}, ${`org-${tag}`}, ${now}) RETURNING id`
        const [user] = yield* sql<{
          id: number
        }>`INSERT INTO users (organization_id, email, secret_hash, created_at)
          VALUES (${org!.id}, ${`user-${tag}@example.com`}, ${`user-${tag}`}, ${now}) RETURNING id`
        const [instance] = yield* sql<{ id: number }>`INSERT INTO instances
          (organization_id, user_id, element_key, name, token_hash, token_sealed, tags, configuration,
           disabled, events_enabled, created_at, updated_at)
          VALUES (${org!.id}, ${user!.id}, ${connector.key}, ${`instance-${tag}`}, ${`token-${tag}`}, ${"sealed"},
           ${"[]"}, ${"{}"}, 0, 1, ${now}, ${now}) RETURNING id`
        const id = Number(instance!.id)
        shared.directory.set(id, {
          id,
          elementKey: connector.key,
          connector,
          accountId: Number(org!.id),
          userId: Number(user!.id),
          configuration: configurationOf(callback, options.refreshMinutes ?? "15"),
          disabled: false
        })
        return id
      })
    )

  const setCallback: Harness["setCallback"] = (instanceId, callback) => {
    const current = shared.directory.get(instanceId)
    if (current === undefined) throw new Error(`no test instance ${instanceId}`)
    const refresh = current.configuration.text("event.poller.refresh_interval") ?? "15"
    shared.directory.set(instanceId, { ...current, configuration: configurationOf(callback, refresh) })
  }

  const enable: Harness["enable"] = (instanceId) => {
    const instance = shared.directory.get(instanceId)
    if (instance === undefined) throw new Error(`no test instance ${instanceId}`)
    return run(
      Effect.gen(function* () {
        const scheduler = yield* PollScheduler
        return yield* scheduler.enable({ instanceId, connector, configuration: instance.configuration })
      })
    )
  }

  const waitFor: Harness["waitFor"] = async (what, effect, check, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs
    let last: unknown
    while (Date.now() < deadline) {
      last = await run(effect)
      if (check(last as never)) return last as never
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`)
  }

  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await Effect.runPromise(Scope.close(scope, Exit.void))
  }

  return {
    backend: shared.backend,
    vendor: shared.vendor,
    settings: shared.settings,
    run,
    addInstance,
    setCallback,
    enable,
    waitFor,
    close,
    logs,
    peer: async () => {
      if (shared.backend === "postgres") await useFreeClusterAddress()
      return launch({ ...shared, dispose: async () => {} })
    },
    owned: () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const ownership = yield* PartitionOwnership
          return yield* ownership.owned
        }).pipe(Effect.provide(context))
      ),
    restart: async () => {
      await close()
      return launch(shared)
    },
    dispose: async () => {
      await close()
      await shared.dispose()
    }
  }
}

/** Starts an engine on a backend. */
export const startEngine = async (
  backend: Backend,
  options: {
    readonly allowPrivateNetworks?: PrivateNetworks
    readonly engine?: Partial<EngineOptions.Options>
    /** `false` for the stores alone, without claim loops and cluster. */
    readonly loops?: boolean
  } = {}
): Promise<Harness> => {
  const dataDir = mkdtempSync(join(tmpdir(), "plugboard-engine-"))
  const postgres = backend === "postgres" ? await freshPostgres() : undefined
  if (postgres !== undefined) await useFreeClusterAddress()
  const settings: Settings = {
    port: 0,
    dataDir,
    databaseUrl: postgres === undefined ? Option.none() : Option.some(Redacted.make(postgres.url)),
    encryptionKey: Option.none(),
    organizationSecret: Option.none(),
    userSecret: Option.none(),
    connectors: Option.none(),
    allowPrivateNetworks: options.allowPrivateNetworks ?? { _tag: "All" },
    logLevel: "error",
    maxBodyBytes: 64 * 1024
  }
  return launch({
    backend,
    settings,
    vendor: new FakeVendor(),
    directory: new Map(),
    options: { ...testOptions, ...options.engine },
    loops: options.loops ?? true,
    dispose: async () => {
      await postgres?.drop()
    }
  })
}
