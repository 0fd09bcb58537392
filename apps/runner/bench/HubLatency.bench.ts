/**
 * What the runner adds to a hub call: `GET /hubs/crm/accounts?pageSize=50` through a runner on
 * embedded SQLite against the fake Sage CRM, compared with the very vendor request the runner makes
 * for it (same page, same Basic credentials) sent straight to the fake. The runner and the fake are
 * processes of their own, so both paths cross process boundaries as with a real vendor; the runner
 * runs as deployed (`LOG_LEVEL=info`, its JSON logs written to a file). Sequential calls are
 * interleaved runner/direct so both see the same machine; then throughput with 16 calls in flight.
 * Target: ≤ 2 ms added at p50. Prints a table and writes `bench/results/hub-latency.json`.
 * `PLUGBOARD_BENCH_CPU_PROF=<dir>` writes a CPU profile of the runner there;
 * `PLUGBOARD_BENCH_KEEP_LOG=<file>` keeps its log (each request line has its `durationMs`);
 * `PLUGBOARD_BENCH_LOG_LEVEL` runs it at another `LOG_LEVEL`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync
} from "node:fs"
import { createServer } from "node:net"
import { cpus, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { test } from "vitest"
import { concurrent, get, interleaved } from "./support/Load.js"

const RECORDS = 200
const WARMUP = 500
const SEQUENTIAL = 2_000
const CONCURRENT_TOTAL = 4_000
const IN_FLIGHT = 16
const TARGET_ADDED_P50_MS = 2

const runnerDir = fileURLToPath(new URL("../", import.meta.url))
const hooks = fileURLToPath(new URL("../test/support/SourceResolution.ts", import.meta.url))
const fakeScript = fileURLToPath(new URL("./support/FakeSageCrmProcess.ts", import.meta.url))
const PASSWORD = "bench-password"

/** Node flags that run the TypeScript sources (workspace packages through their source condition). */
const sourceFlags = [
  "--conditions=@plugboard/source",
  "--experimental-transform-types",
  "--no-warnings",
  "--import",
  hooks
]

interface FakeVendor {
  readonly baseUrl: string
  readonly host: string
  readonly lastRequest: () => Promise<{ method: string; path: string; query: Record<string, string> }>
  readonly clear: () => Promise<void>
  readonly stop: () => Promise<void>
}

/** Starts the fake Sage CRM process and waits for its addresses. */
const startFake = (): Promise<FakeVendor> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...sourceFlags, fakeScript], {
      cwd: runnerDir,
      env: {
        PATH: process.env.PATH ?? "",
        PLUGBOARD_BENCH_PASSWORD: PASSWORD,
        PLUGBOARD_BENCH_RECORDS: String(RECORDS)
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    const ask = <A>(type: string, answer: string) =>
      new Promise<A>((done) => {
        const listener = (message: { type: string }) => {
          if (message.type !== answer) return
          child.off("message", listener)
          done(message as A)
        }
        child.on("message", listener)
        child.send({ type })
      })
    child.once("exit", (code) => reject(new Error(`the fake vendor exited (${code})`)))
    child.once("message", (ready: { type: string; baseUrl: string; host: string }) =>
      resolve({
        baseUrl: ready.baseUrl,
        host: ready.host,
        lastRequest: () =>
          ask<{ request: { method: string; path: string; query: Record<string, string> } }>(
            "lastRequest",
            "lastRequest"
          ).then((answer) => answer.request),
        clear: () => ask("clear", "cleared").then(() => undefined),
        stop: () =>
          new Promise((stopped) => {
            child.removeAllListeners("exit")
            child.once("exit", () => stopped())
            child.kill("SIGTERM")
          })
      })
    )
  })
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url))

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const waitReady = async (origin: string, child: ChildProcess, logFile: string) => {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the runner exited: ${readFileSync(logFile, "utf8")}`)
    try {
      if ((await fetch(`${origin}/readyz`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the runner did not become ready: ${readFileSync(logFile, "utf8")}`)
}

/**
 * CPU time (user + system) a process has used, from Linux's `/proc/<pid>/stat`; the part of the
 * added latency that is the runner's own work, which other load on the machine does not inflate.
 */
const processCpuMillis = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    // utime and stime are fields 14 and 15 of the line, 11 and 12 after the command name.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND
  } catch {
    return undefined
  }
}
/** Linux's USER_HZ, fixed at 100 on every architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100

const cell = (value: string) => value.padStart(12)

/** A table row: direct, runner, and what the runner adds (or, for throughput, runner/direct). */
const row = (label: string, direct: number, runner: number, last: string) =>
  `${label.padEnd(24)}${cell(direct.toFixed(2))}${cell(runner.toFixed(2))}${cell(last)}`

test("hub GET through the runner vs straight to the vendor (Sage CRM fake, SQLite)", async () => {
  const crm = await startFake()
  const dataDir = mkdtempSync(join(tmpdir(), "plugboard-bench-"))
  const logFile = join(dataDir, "runner.log")
  const log = openSync(logFile, "a")
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const organizationSecret = "bench-organization-secret"
  const userSecret = "bench-user-secret"
  const child = spawn(
    process.execPath,
    [
      ...sourceFlags,
      ...(process.env.PLUGBOARD_BENCH_CPU_PROF === undefined
        ? []
        : ["--cpu-prof", `--cpu-prof-dir=${process.env.PLUGBOARD_BENCH_CPU_PROF}`]),
      "src/main.ts"
    ],
    {
      cwd: runnerDir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? runnerDir,
        PORT: String(port),
        PLUGBOARD_DATA_DIR: dataDir,
        PLUGBOARD_CONNECTORS: "@plugboard/connector-sagecrm",
        PLUGBOARD_ORGANIZATION_SECRET: organizationSecret,
        PLUGBOARD_USER_SECRET: userSecret,
        PLUGBOARD_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8",
        LOG_LEVEL: process.env.PLUGBOARD_BENCH_LOG_LEVEL ?? "info"
      },
      stdio: ["ignore", log, log]
    }
  )
  try {
    await waitReady(origin, child, logFile)
    const created = await fetch(`${origin}/elements/api-v2/instances`, {
      method: "POST",
      headers: {
        authorization: `User ${userSecret}, Organization ${organizationSecret}`,
        "content-type": "application/json"
      },
      body: JSON.stringify({
        element: { key: "sagecrm" },
        name: "bench",
        configuration: {
          subdomain: crm.host,
          username: "admin",
          password: PASSWORD,
          "base.url": crm.baseUrl
        }
      })
    })
    const instance = (await created.json()) as { token: string }
    if (!created.ok) throw new Error(`instance not created: ${JSON.stringify(instance)}`)

    const throughRunner = get(`${origin}/elements/api-v2/hubs/crm/accounts?pageSize=50`, {
      authorization: `User ${userSecret}, Organization ${organizationSecret}, Element ${instance.token}`
    })
    // The vendor request the runner sends for that page, replayed as it was sent.
    await throughRunner()
    const sent = await crm.lastRequest()
    if (sent === undefined || sent.method !== "GET") throw new Error("the runner sent no vendor request")
    const direct = get(`${crm.baseUrl}${sent.path}?${new URLSearchParams(sent.query).toString()}`, {
      authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString("base64")}`,
      accept: "application/json"
    })

    await interleaved(WARMUP, direct, throughRunner)
    await crm.clear()
    const cpuBefore = processCpuMillis(child.pid)
    const sequential = await interleaved(SEQUENTIAL, direct, throughRunner)
    const cpuAfter = processCpuMillis(child.pid)
    const runnerCpuPerCall =
      cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / SEQUENTIAL
    const directConcurrent = await concurrent(CONCURRENT_TOTAL, IN_FLIGHT, direct)
    const runnerConcurrent = await concurrent(CONCURRENT_TOTAL, IN_FLIGHT, throughRunner)

    const added = {
      p50: sequential.b.p50 - sequential.a.p50,
      p90: sequential.b.p90 - sequential.a.p90,
      p99: sequential.b.p99 - sequential.a.p99,
      mean: sequential.b.mean - sequential.a.mean
    }
    const result = {
      benchmark: "hub-latency",
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      request: "GET /hubs/crm/accounts?pageSize=50",
      vendorRequest: `${sent.method} ${sent.path}?${new URLSearchParams(sent.query).toString()}`,
      storage: "sqlite",
      logLevel: process.env.PLUGBOARD_BENCH_LOG_LEVEL ?? "info",
      processes: "load generator, runner and fake vendor each in a process of their own",
      sequential: {
        calls: SEQUENTIAL,
        warmup: WARMUP,
        direct: sequential.a,
        runner: sequential.b,
        added,
        addedPaired: sequential.added
      },
      concurrent: {
        calls: CONCURRENT_TOTAL,
        inFlight: IN_FLIGHT,
        directPerSecond: directConcurrent,
        runnerPerSecond: runnerConcurrent,
        ratio: runnerConcurrent / directConcurrent
      },
      sequentialThroughputRatio: sequential.b.perSecond / sequential.a.perSecond,
      runnerCpuMsPerCall: runnerCpuPerCall ?? null,
      target: { addedP50Ms: TARGET_ADDED_P50_MS, met: added.p50 <= TARGET_ADDED_P50_MS }
    }
    mkdirSync(resultsDir, { recursive: true })
    writeFileSync(join(resultsDir, "hub-latency.json"), `${JSON.stringify(result, null, 2)}\n`)

    const latencyRows = (name: "p50" | "p90" | "p99" | "mean") =>
      row(`${name} (ms)`, sequential.a[name], sequential.b[name], `+${added[name].toFixed(2)}`)
    console.log(
      [
        "",
        `hub GET through the runner vs direct — ${SEQUENTIAL} sequential calls each (after ${WARMUP} warm-up), ${RECORDS} records, pages of 50`,
        `${"".padEnd(24)}${cell("direct")}${cell("runner")}${cell("added/ratio")}`,
        latencyRows("p50"),
        latencyRows("p90"),
        latencyRows("p99"),
        latencyRows("mean"),
        row(
          "calls/s, 1 in flight",
          sequential.a.perSecond,
          sequential.b.perSecond,
          `×${result.sequentialThroughputRatio.toFixed(2)}`
        ),
        row(
          `calls/s, ${IN_FLIGHT} in flight`,
          directConcurrent,
          runnerConcurrent,
          `×${result.concurrent.ratio.toFixed(2)}`
        ),
        `added per call, paired (runner − direct of the same turn): p50 ${sequential.added.p50.toFixed(2)} ms, p90 ${sequential.added.p90.toFixed(2)} ms, p99 ${sequential.added.p99.toFixed(2)} ms`,
        `runner CPU per call (user + system, sequential phase): ${runnerCpuPerCall === undefined ? "not measurable here" : `${runnerCpuPerCall.toFixed(2)} ms`}`,
        `throughput ratio runner/direct: ${result.sequentialThroughputRatio.toFixed(2)} (1 in flight), ${result.concurrent.ratio.toFixed(2)} (${IN_FLIGHT} in flight)`,
        `target ≤ ${TARGET_ADDED_P50_MS} ms added at p50: ${result.target.met ? "met" : "MISSED"} (${added.p50.toFixed(2)} ms)`,
        `written to bench/results/hub-latency.json`
      ].join("\n")
    )
  } finally {
    child.kill("SIGTERM")
    await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve(null)))
    closeSync(log)
    await crm.stop()
    if (process.env.PLUGBOARD_BENCH_KEEP_LOG !== undefined)
      copyFileSync(logFile, process.env.PLUGBOARD_BENCH_KEEP_LOG)
    rmSync(dataDir, { recursive: true, force: true })
  }
}, 600_000)
