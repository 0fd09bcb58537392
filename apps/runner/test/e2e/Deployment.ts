/**
 * What outlives a runner process in the end-to-end tests: the database (SQLite in a temporary data
 * directory, or a fresh PostgreSQL database), the encryption key, the first tenant's secrets and the
 * cluster address. Every runner started on one deployment — in this process or as a child process
 * — sees the same instances, cursors and outbox, which is what a restart must preserve.
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freshPostgres } from "../support/Backends.js"
import type { Backend } from "../support/TestRunner.js"

/** The loopback range the fake vendors and the callback receiver listen in. */
export const LOOPBACK_CIDR = "127.0.0.0/8"

/** One deployment's storage and secrets. */
export interface Deployment {
  readonly backend: Backend
  readonly dataDir: string
  /** The PostgreSQL database of this deployment; undefined on SQLite. */
  readonly databaseUrl: string | undefined
  /** Base64 of 32 bytes, given to every runner on PostgreSQL; on SQLite the runner keeps its own in `dataDir`. */
  readonly encryptionKey: string | undefined
  readonly organizationSecret: string
  readonly userSecret: string
  /** The cluster socket every runner of this deployment uses (PostgreSQL mode), so a restarted runner has the same address. */
  readonly clusterPort: number
  /** `User …, Organization …`, optionally with `, Element <token>`. */
  readonly authorization: (elementToken?: string) => string
  /** Drops the database and removes the data directory. */
  readonly dispose: () => Promise<void>
}

/** A free TCP port on loopback. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const listens = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })

/**
 * A free loopback port below the kernels' ephemeral ranges (Linux 32768–60999, macOS 49152–65535),
 * for a port a deployment keeps across runner lives: between a kill and the restart nobody listens
 * on it, and a port in the ephemeral range could meanwhile be handed to whoever asks for port 0
 * (another test's server, even an outgoing connection), failing the restart or the other test.
 */
export const freeStablePort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (await listens(port)) return port
  }
  return freePort()
}

/** Creates a deployment on a backend: an empty data directory, and on PostgreSQL a database of its own. */
export const makeDeployment = async (backend: Backend): Promise<Deployment> => {
  const dataDir = mkdtempSync(join(tmpdir(), "plugboard-e2e-"))
  const postgres = backend === "postgres" ? await freshPostgres() : undefined
  const organizationSecret = `org-e2e-${randomBytes(12).toString("hex")}`
  const userSecret = `user-e2e-${randomBytes(12).toString("hex")}`
  return {
    backend,
    dataDir,
    databaseUrl: postgres?.url,
    encryptionKey: postgres === undefined ? undefined : randomBytes(32).toString("base64"),
    organizationSecret,
    userSecret,
    clusterPort: await freeStablePort(),
    authorization: (elementToken) =>
      `User ${userSecret}, Organization ${organizationSecret}${elementToken === undefined ? "" : `, Element ${elementToken}`}`,
    dispose: async () => {
      await postgres?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
