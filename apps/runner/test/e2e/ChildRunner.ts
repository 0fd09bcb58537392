/**
 * The runner as an operating system process: `node src/main.ts` — the real entry point, reading its
 * settings from the environment — run from the TypeScript sources with Node's type stripping, so it
 * needs no build and always runs the code under test. A test can stop it gracefully (SIGTERM), kill
 * it outright (SIGKILL, no shutdown code runs), or freeze and thaw it (SIGSTOP/SIGCONT) to pick the
 * moment of the kill.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { type Deployment, freeStablePort, LOOPBACK_CIDR } from "./Deployment.js"
import { apiCall, type RunnerHandle } from "./RunnerHandle.js"

/** A runner in a child process. */
export interface ChildRunner extends RunnerHandle {
  readonly pid: number
  /** SIGKILL; resolves once the process is gone. */
  readonly kill: () => Promise<void>
  /** SIGSTOP: the process stops mid-whatever, holding its connections. */
  readonly freeze: () => void
  /** SIGCONT after {@link freeze}. */
  readonly thaw: () => void
  /** What the process wrote to stdout and stderr so far, for failure messages. */
  readonly output: () => string
  /** How the process ended: both null while it runs. */
  readonly exit: () => { readonly code: number | null; readonly signal: NodeJS.Signals | null }
}

const runnerDir = fileURLToPath(new URL("../../", import.meta.url))
const resolution = fileURLToPath(new URL("../support/SourceResolution.ts", import.meta.url))

const nodeFlags = [
  "--conditions=@plugboard/source",
  "--experimental-transform-types",
  "--no-warnings",
  "--import",
  resolution
]

const exitOf = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once("exit", () => resolve())
  })

/** How to start a child runner. */
export interface ChildOptions {
  /** How long it may take to answer `/readyz` with 200; default 60 s. */
  readonly timeoutMs?: number
  /**
   * Its cluster port (PostgreSQL mode), instead of the deployment's: every runner running at the
   * same time as another needs its own, as separate machines or containers would have.
   */
  readonly clusterPort?: number
}

/** Starts `src/main.ts` on a deployment and waits until `/readyz` answers 200. */
export const startChild = async (
  deployment: Deployment,
  options: ChildOptions = {}
): Promise<ChildRunner> => {
  const timeoutMs = options.timeoutMs ?? 60_000
  // The process binds it only once it has loaded (a second or more): a port outside the ephemeral
  // range cannot be handed to someone else meanwhile.
  const port = await freeStablePort()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? runnerDir,
    PORT: String(port),
    PLUGBOARD_DATA_DIR: deployment.dataDir,
    PLUGBOARD_ORGANIZATION_SECRET: deployment.organizationSecret,
    PLUGBOARD_USER_SECRET: deployment.userSecret,
    PLUGBOARD_ALLOW_PRIVATE_NETWORKS: LOOPBACK_CIDR,
    PLUGBOARD_CLUSTER_HOST: "127.0.0.1",
    PLUGBOARD_CLUSTER_PORT: String(options.clusterPort ?? deployment.clusterPort),
    LOG_LEVEL: "warn"
  }
  if (deployment.databaseUrl !== undefined) env.DATABASE_URL = deployment.databaseUrl
  if (deployment.encryptionKey !== undefined) env.PLUGBOARD_ENCRYPTION_KEY = deployment.encryptionKey
  const child = spawn(process.execPath, [...nodeFlags, "src/main.ts"], {
    cwd: runnerDir,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  const exited = exitOf(child)
  const origin = `http://127.0.0.1:${port}`
  const call = apiCall(origin)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the runner process exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`
      )
    }
    const ready = await call("//readyz").then(
      (response) => response.status === 200,
      () => false
    )
    if (ready) break
    if (Date.now() > deadline) {
      child.kill("SIGKILL")
      throw new Error(`the runner process was not ready after ${timeoutMs} ms:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const alive = () => child.exitCode === null && child.signalCode === null
  return {
    origin,
    call,
    pid: child.pid ?? 0,
    stop: async () => {
      if (!alive()) return
      child.kill("SIGCONT")
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 45_000)
      await exited
      clearTimeout(timer)
    },
    kill: async () => {
      if (alive()) child.kill("SIGKILL")
      await exited
    },
    freeze: () => {
      child.kill("SIGSTOP")
    },
    thaw: () => {
      child.kill("SIGCONT")
    },
    output: () => output,
    exit: () => ({ code: child.exitCode, signal: child.signalCode })
  }
}
