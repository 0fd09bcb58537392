/**
 * A real runner for tests: the full server on a free loopback port with the connectors given, on
 * SQLite in a temporary data directory or on a fresh PostgreSQL database, with fixed canary secrets
 * for the first tenant and private networks allowed (the fake vendors listen on 127.0.0.1).
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Connector } from "@plugboard/core"
import { Context, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { HttpServer } from "effect/http"
import * as Runner from "../../src/Runner.js"
import type { Settings } from "../../src/Settings.js"
import { Tenants } from "../../src/store/Tenants.js"
import { freshPostgres, useFreeClusterAddress } from "./Backends.js"

/** Which database a test runner uses. */
export type Backend = "sqlite" | "postgres"

/** A running test runner. */
export interface TestRunner {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  readonly backend: Backend
  readonly dataDir: string
  readonly databaseUrl: string | undefined
  readonly organizationSecret: string
  readonly userSecret: string
  /** `User …, Organization …`, optionally with `, Element <token>`. */
  readonly authorization: (elementToken?: string) => string
  /** Calls the API under `/elements/api-v2` (or an absolute path starting with `//`). */
  readonly call: (path: string, init?: RequestInit & { readonly json?: unknown }) => Promise<Response>
  /** Adds a second organization with one user, through the runner's own tenant store. */
  readonly addTenant: () => Promise<{ readonly organizationSecret: string; readonly userSecret: string }>
  readonly close: () => Promise<void>
}

/** Starts a runner. */
export const startRunner = async (options: {
  readonly backend: Backend
  readonly connectors: ReadonlyArray<Connector.Connector>
  readonly settings?: Partial<Settings>
}): Promise<TestRunner> => {
  const dataDir = mkdtempSync(join(tmpdir(), "plugboard-runner-"))
  const postgres = options.backend === "postgres" ? await freshPostgres() : undefined
  if (postgres !== undefined) await useFreeClusterAddress()
  const organizationSecret = `org-canary-${randomBytes(12).toString("hex")}`
  const userSecret = `user-canary-${randomBytes(12).toString("hex")}`
  const settings: Settings = {
    port: 0,
    dataDir,
    databaseUrl: postgres === undefined ? Option.none() : Option.some(Redacted.make(postgres.url)),
    encryptionKey:
      postgres === undefined ? Option.none() : Option.some(Redacted.make(randomBytes(32).toString("base64"))),
    organizationSecret: Option.some(Redacted.make(organizationSecret)),
    userSecret: Option.some(Redacted.make(userSecret)),
    connectors: Option.none(),
    allowPrivateNetworks: { _tag: "All" },
    logLevel: "error",
    maxBodyBytes: 64 * 1024,
    ...options.settings
  }
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(Runner.make(settings, { connectors: options.connectors, host: "127.0.0.1" }), scope)
  )
  const address = Context.get(context, HttpServer.HttpServer).address
  const port = address._tag === "UnixPathAddress" ? 0 : address.port
  const origin = `http://127.0.0.1:${port}`
  const authorization = (elementToken?: string) =>
    `User ${userSecret}, Organization ${organizationSecret}${elementToken === undefined ? "" : `, Element ${elementToken}`}`
  const call = (path: string, init: RequestInit & { readonly json?: unknown } = {}) => {
    const { json, ...rest } = init
    const headers = new Headers(rest.headers)
    if (json !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json")
    const url = path.startsWith("//") ? `${origin}${path.slice(1)}` : `${origin}/elements/api-v2${path}`
    return fetch(url, { ...rest, headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) })
  }
  return {
    origin,
    backend: options.backend,
    dataDir,
    databaseUrl: postgres?.url,
    organizationSecret,
    userSecret,
    authorization,
    call,
    addTenant: () =>
      Effect.runPromise(
        Effect.gen(function* () {
          const tenants = yield* Tenants
          const organization = yield* tenants.createOrganization(`other-${randomBytes(4).toString("hex")}`)
          const user = yield* tenants.createUser(organization.id, "other@example.test")
          return {
            organizationSecret: Redacted.value(organization.secret),
            userSecret: Redacted.value(user.secret)
          }
        }).pipe(Effect.provideContext(context), Effect.orDie)
      ),
    close: async () => {
      await Effect.runPromise(Scope.close(scope, Exit.void))
      await postgres?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
