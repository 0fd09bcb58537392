/**
 * Starts the whole runner (`Runner.make`, the layer `main.ts` launches) inside the test process on a
 * deployment's storage, listening on a free loopback port, with both Sage connectors and outbound
 * requests allowed to loopback only. Stopping it closes its scope: the graceful shutdown path.
 */
import { SageAccounting } from "@plugboard/connector-sage-accounting"
import { SageCrm } from "@plugboard/connector-sagecrm"
import { Context, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { HttpServer } from "effect/http"
import * as Runner from "../../src/Runner.js"
import type { Settings } from "../../src/Settings.js"
import { type Deployment, LOOPBACK_CIDR } from "./Deployment.js"
import { apiCall, type RunnerHandle } from "./RunnerHandle.js"

/** Starts a runner in this process; resolves once it listens. */
export const startInProcess = async (deployment: Deployment): Promise<RunnerHandle> => {
  // The engine reads its cluster address from the environment (PostgreSQL mode); every runner of a
  // deployment takes the same one, as a restarted service would.
  process.env.PLUGBOARD_CLUSTER_HOST = "127.0.0.1"
  process.env.PLUGBOARD_CLUSTER_PORT = String(deployment.clusterPort)
  const settings: Settings = {
    port: 0,
    dataDir: deployment.dataDir,
    databaseUrl:
      deployment.databaseUrl === undefined
        ? Option.none()
        : Option.some(Redacted.make(deployment.databaseUrl)),
    encryptionKey:
      deployment.encryptionKey === undefined
        ? Option.none()
        : Option.some(Redacted.make(deployment.encryptionKey)),
    organizationSecret: Option.some(Redacted.make(deployment.organizationSecret)),
    userSecret: Option.some(Redacted.make(deployment.userSecret)),
    connectors: Option.none(),
    allowPrivateNetworks: { _tag: "Cidrs", cidrs: [LOOPBACK_CIDR] },
    logLevel: "error",
    maxBodyBytes: 1024 * 1024
  }
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(
      Runner.make(settings, { connectors: [SageCrm, SageAccounting], host: "127.0.0.1" }),
      scope
    )
  )
  const address = Context.get(context, HttpServer.HttpServer).address
  const origin = `http://127.0.0.1:${address._tag === "UnixPathAddress" ? 0 : address.port}`
  let stopped: Promise<void> | undefined
  return {
    origin,
    call: apiCall(origin),
    stop: () => {
      stopped ??= Effect.runPromise(Scope.close(scope, Exit.void))
      return stopped
    }
  }
}
