/**
 * The HTTP side of the runner: the API's routes with their handlers, the OpenAPI document
 * (`/elements/api-v2/openapi.json`) and its docs page (`/elements/api-v2/docs`), `/healthz`,
 * `/readyz` and the Prometheus `/metrics`, the response envelope, all served by Node's HTTP server
 * (with JSON answers for requests its parser refuses) and a graceful shutdown.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { ByteSize, Layer } from "effect"
import type { Registry } from "@plugboard/core"
import { HttpIncomingMessage, HttpRouter, type HttpServer } from "effect/http"
import type { ServeError } from "effect/http/HttpServerError"
import type { SqlClient } from "effect/sql"
import type { Provisioning } from "../Provisioning.js"
import type { RunnerSettings } from "../Settings.js"
import type { SecretCipher } from "../store/Cipher.js"
import type { Database } from "../store/Database.js"
import type { Instances } from "../store/Instances.js"
import type { Tenants } from "../store/Tenants.js"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import { Api, BASE_PATH } from "./Api.js"
import { Authorization } from "./Authorization.js"
import { ElementsHandlers } from "./ElementsHandlers.js"
import { HealthHandlers } from "./HealthHandlers.js"
import { HubsHandlers } from "./HubsHandlers.js"
import { InstancesHandlers } from "./InstancesHandlers.js"
import { OAuthHandlers } from "./OAuthHandlers.js"
import type * as EngineLayer from "../engine/EngineLayer.js"
import { EventsHandlers } from "../engine/EventsHandlers.js"
import { BulkHandlers } from "../bulk/BulkHandlers.js"
import { MetricsHandlers } from "../metrics/MetricsHandlers.js"
import { VendorWebhooksHandlers } from "../webhooks/VendorWebhooksHandlers.js"
import * as ClientErrors from "./ClientErrors.js"
import * as ResponseEnvelope from "./ResponseEnvelope.js"

/** Where the OpenAPI document is served. */
export const OPENAPI_PATH = `${BASE_PATH}/openapi.json` as const
/** Where the API docs page is served. */
export const DOCS_PATH = `${BASE_PATH}/docs` as const

/** Every method and path the API serves, for telling 405 from 404. */
export const routeTable = (): ResponseEnvelope.RouteTable => {
  const routes: Array<{ method: string; path: string }> = [
    { method: "GET", path: OPENAPI_PATH },
    { method: "GET", path: DOCS_PATH }
  ]
  for (const group of Object.values(Api.groups)) {
    for (const endpoint of Object.values(group.endpoints))
      routes.push({ method: endpoint.method, path: endpoint.path })
  }
  return { routes }
}

/** Response headers a browser script may read (the paging and request id headers of the contract). */
const exposedHeaders = [
  "Elements-Request-Id",
  "Elements-Returned-Count",
  "Elements-Total-Count",
  "Elements-Next-Page-Token",
  "Elements-Element-Instance-Id",
  "Retry-After"
]

/**
 * CORS for the configured browser origins: preflights answered, the contract's headers readable by
 * scripts. Credentials are headers (`Authorization`), never cookies, so no `credentials` flag.
 */
const cors = (origins: ReadonlyArray<string>) =>
  origins.length === 0
    ? Layer.empty
    : HttpRouter.cors({
        allowedOrigins: origins,
        allowedMethods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
        allowedHeaders: ["Authorization", "Content-Type", "Accept", "Elements-Async-Callback-Url"],
        exposedHeaders,
        maxAge: 600
      })

/** The routes, handlers and envelope, before a server is attached. */
const routes = (options: { readonly maxBodyBytes: number; readonly corsOrigins: ReadonlyArray<string> }) =>
  Layer.mergeAll(
    cors(options.corsOrigins),
    HttpApiBuilder.layer(Api, { openapiPath: OPENAPI_PATH }).pipe(
      Layer.provide([
        ElementsHandlers,
        OAuthHandlers,
        InstancesHandlers,
        HubsHandlers,
        EventsHandlers,
        BulkHandlers,
        VendorWebhooksHandlers,
        HealthHandlers,
        MetricsHandlers
      ]),
      Layer.provide(Authorization.layer),
      // Handlers run in the context their layers were built in, so the body limit is set there.
      Layer.provide(Layer.succeed(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(options.maxBodyBytes)))
    ),
    HttpApiScalar.layer(Api, { path: DOCS_PATH }),
    ResponseEnvelope.layer(routeTable())
  )

/** Serves the API on a port (0 picks a free one). */
export const layer = (options: {
  readonly port: number
  readonly host?: string
  readonly maxBodyBytes: number
  readonly corsOrigins?: ReadonlyArray<string> | undefined
}): Layer.Layer<
  HttpServer.HttpServer,
  ServeError,
  | Registry.Registry
  | Provisioning
  | Instances
  | Tenants
  | SecretCipher
  | Database
  | SqlClient.SqlClient
  | EngineLayer.CoreServices
  | RunnerSettings
> =>
  HttpRouter.serve(routes({ ...options, corsOrigins: options.corsOrigins ?? [] }), {
    disableLogger: true
  }).pipe(
    Layer.provideMerge(
      NodeHttpServer.layer(ClientErrors.makeServer, {
        port: options.port,
        ...(options.host === undefined ? {} : { host: options.host }),
        gracefulShutdownTimeout: "10 seconds"
      })
    )
  )
