/**
 * The runner's HTTP API as one schema-first definition (effect/http-api): the catalog, OAuth helpers,
 * instances, hubs, events, health and metrics. The OpenAPI document at `/elements/api-v2/openapi.json` is derived from
 * it. Paths, parameters and shapes follow contract.md; every error answers with the body of
 * {@link ApiError}.
 */
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import * as ApiError from "./ApiError.js"
import { BASE_PATH } from "./BasePath.js"
import { Authorization } from "./Authorization.js"
import * as ElementJson from "./ElementJson.js"
import * as InstanceJson from "./InstanceJson.js"
import { EventsGroup } from "../engine/EventsApi.js"
import { BulkGroup } from "../bulk/BulkApi.js"
import { VendorWebhooksGroup } from "../webhooks/VendorWebhooksApi.js"

export { BASE_PATH } from "./BasePath.js"

const keyOrId = { keyOrId: Schema.String }
const instanceId = { id: Schema.Int }
const errors = ApiError.all

/** The body of `POST /instances` (and of `PUT`/`PATCH`, where every field is optional anyway). */
export const InstanceBody = Schema.Struct({
  element: Schema.optionalKey(
    Schema.Struct({
      key: Schema.optionalKey(Schema.String),
      id: Schema.optionalKey(Schema.Union([Schema.Number, Schema.String]))
    })
  ),
  providerData: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  configuration: Schema.optionalKey(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  tags: Schema.optionalKey(Schema.NullOr(Schema.Array(Schema.String))),
  name: Schema.optionalKey(Schema.NullOr(Schema.String)),
  disabled: Schema.optionalKey(Schema.Boolean)
})
export type InstanceBody = typeof InstanceBody.Type

/** The fields of an OAuth authorize-URL request, as query parameters or a JSON body. */
export const OAuthUrlRequest = Schema.Struct({
  apiKey: Schema.optionalKey(Schema.String),
  apiSecret: Schema.optionalKey(Schema.String),
  callbackUrl: Schema.optionalKey(Schema.String),
  scope: Schema.optionalKey(Schema.String),
  state: Schema.optionalKey(Schema.String),
  siteAddress: Schema.optionalKey(Schema.String)
})
export type OAuthUrlRequest = typeof OAuthUrlRequest.Type

/** The answer of the authorize-URL endpoints. */
export const OAuthUrl = Schema.Struct({ element: Schema.String, oauthUrl: Schema.String })

/** The catalog: elements and hubs; no credentials needed. */
export class ElementsGroup extends HttpApiGroup.make("elements")
  .add(
    HttpApiEndpoint.get("list", "/elements", { success: Schema.Array(ElementJson.Element), error: errors }),
    HttpApiEndpoint.get("keys", "/elements/keys", { success: Schema.Array(Schema.String), error: errors }),
    HttpApiEndpoint.get("get", "/elements/:keyOrId", {
      params: keyOrId,
      success: ElementJson.Element,
      error: errors
    }),
    HttpApiEndpoint.get("metadata", "/elements/:keyOrId/metadata", {
      params: keyOrId,
      success: ElementJson.Metadata,
      error: errors
    }),
    HttpApiEndpoint.get("configuration", "/elements/:keyOrId/configuration", {
      params: keyOrId,
      success: Schema.Array(ElementJson.ConfigurationItem),
      error: errors
    }),
    HttpApiEndpoint.get("hubs", "/hubs", { success: Schema.Array(ElementJson.Hub), error: errors })
  )
  .prefix(BASE_PATH)
  .annotateMerge(OpenApi.annotations({ title: "Elements", description: "The connector catalog" })) {}

/** OAuth 2.0 helpers: the vendor's authorize URL, and the page the vendor redirects the user back to. */
export class OAuthGroup extends HttpApiGroup.make("oauth")
  .add(
    HttpApiEndpoint.get("url", "/elements/:keyOrId/oauth/url", {
      params: keyOrId,
      query: OAuthUrlRequest,
      success: OAuthUrl,
      error: errors
    }),
    HttpApiEndpoint.post("urlPost", "/elements/:keyOrId/oauth/url", {
      params: keyOrId,
      payload: OAuthUrlRequest,
      success: OAuthUrl,
      error: errors
    }),
    HttpApiEndpoint.get("callback", "/oauth/callback", {
      query: {
        code: Schema.optionalKey(Schema.String),
        state: Schema.optionalKey(Schema.String),
        error: Schema.optionalKey(Schema.String),
        error_description: Schema.optionalKey(Schema.String)
      },
      success: Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/html" })),
      error: errors
    })
  )
  .prefix(BASE_PATH)
  .annotateMerge(
    OpenApi.annotations({ title: "OAuth", description: "OAuth 2.0 authorization code helpers" })
  ) {}

/** Instances: authenticated connections to an element. */
export class InstancesGroup extends HttpApiGroup.make("instances")
  .add(
    HttpApiEndpoint.post("create", "/instances", {
      payload: InstanceBody,
      success: InstanceJson.Instance,
      error: errors
    }),
    HttpApiEndpoint.post("createForElement", "/elements/:keyOrId/instances", {
      params: keyOrId,
      payload: InstanceBody,
      success: InstanceJson.Instance,
      error: errors
    }),
    HttpApiEndpoint.get("list", "/instances", {
      query: { "tags[]": Schema.optionalKey(Schema.Array(Schema.String)) },
      success: Schema.Union([Schema.Array(InstanceJson.Instance), InstanceJson.Instance]),
      error: errors
    }),
    HttpApiEndpoint.get("get", "/instances/:id", {
      params: instanceId,
      success: InstanceJson.Instance,
      error: errors
    }),
    HttpApiEndpoint.put("replace", "/instances/:id", {
      params: instanceId,
      payload: InstanceBody,
      success: InstanceJson.Instance,
      error: errors
    }),
    HttpApiEndpoint.patch("update", "/instances/:id", {
      params: instanceId,
      payload: InstanceBody,
      success: InstanceJson.Instance,
      error: errors
    }),
    HttpApiEndpoint.delete("remove", "/instances/:id", {
      params: instanceId,
      success: HttpApiSchema.Empty(200),
      error: errors
    }),
    HttpApiEndpoint.put("replaceByToken", "/instances", {
      payload: InstanceBody,
      success: InstanceJson.Instance,
      error: errors
    }),
    HttpApiEndpoint.patch("updateByToken", "/instances", {
      payload: InstanceBody,
      success: InstanceJson.Instance,
      error: errors
    }),
    HttpApiEndpoint.delete("removeByToken", "/instances", {
      success: HttpApiSchema.Empty(200),
      error: errors
    }),
    HttpApiEndpoint.get("configuration", "/instances/:id/configuration", {
      params: instanceId,
      success: Schema.Array(InstanceJson.InstanceConfigurationItem),
      error: errors
    }),
    HttpApiEndpoint.patch("configure", "/instances/:id/configuration/:configId", {
      params: { ...instanceId, configId: Schema.String },
      payload: Schema.Struct({ propertyValue: Schema.NullOr(Schema.Unknown) }),
      success: InstanceJson.InstanceConfigurationItem,
      error: errors
    }),
    HttpApiEndpoint.put("enable", "/instances/:id/enabled", {
      params: instanceId,
      success: InstanceJson.Instance,
      error: errors
    }),
    HttpApiEndpoint.delete("disable", "/instances/:id/enabled", {
      params: instanceId,
      success: InstanceJson.Instance,
      error: errors
    })
  )
  .middleware(Authorization)
  .prefix(BASE_PATH)
  .annotateMerge(OpenApi.annotations({ title: "Instances", description: "Connections to an element" })) {}

const hubPath = { hub: Schema.String, resource: Schema.String }
const listQuery = {
  where: Schema.optionalKey(Schema.String),
  fields: Schema.optionalKey(Schema.String),
  orderBy: Schema.optionalKey(Schema.String),
  page: Schema.optionalKey(Schema.String),
  pageSize: Schema.optionalKey(Schema.String),
  nextPage: Schema.optionalKey(Schema.String),
  returnCount: Schema.optionalKey(Schema.String)
}
const Record = Schema.Record(Schema.String, Schema.Unknown)

/** Hub calls on the instance named by the `Element` token. */
export class HubsGroup extends HttpApiGroup.make("hubs")
  .add(
    HttpApiEndpoint.get("list", "/hubs/:hub/:resource", {
      params: hubPath,
      query: listQuery,
      success: Schema.Array(Record),
      error: errors
    }),
    HttpApiEndpoint.post("create", "/hubs/:hub/:resource", {
      params: hubPath,
      payload: Schema.Unknown,
      success: Record,
      error: errors
    }),
    HttpApiEndpoint.get("get", "/hubs/:hub/:resource/:id", {
      params: { ...hubPath, id: Schema.String },
      query: { fields: Schema.optionalKey(Schema.String) },
      success: Record,
      error: errors
    }),
    HttpApiEndpoint.patch("update", "/hubs/:hub/:resource/:id", {
      params: { ...hubPath, id: Schema.String },
      payload: Schema.Unknown,
      success: Record,
      error: errors
    }),
    HttpApiEndpoint.put("replace", "/hubs/:hub/:resource/:id", {
      params: { ...hubPath, id: Schema.String },
      payload: Schema.Unknown,
      success: Record,
      error: errors
    }),
    HttpApiEndpoint.delete("remove", "/hubs/:hub/:resource/:id", {
      params: { ...hubPath, id: Schema.String },
      success: HttpApiSchema.Empty(200),
      error: errors
    }),
    HttpApiEndpoint.get("children", "/hubs/:hub/:resource/:id/:child", {
      params: { ...hubPath, id: Schema.String, child: Schema.String },
      query: listQuery,
      success: Schema.Array(Record),
      error: errors
    })
  )
  .middleware(Authorization)
  .prefix(BASE_PATH)
  .annotateMerge(
    OpenApi.annotations({ title: "Hubs", description: "Normalized resources of an instance" })
  ) {}

/** Liveness and readiness, outside the API base path. */
export class HealthGroup extends HttpApiGroup.make("health", { topLevel: true }).add(
  HttpApiEndpoint.get("healthz", "/healthz", { success: Schema.Struct({ status: Schema.Literal("ok") }) }),
  HttpApiEndpoint.get("readyz", "/readyz", {
    success: Schema.Struct({ status: Schema.Literal("ready") }),
    error: Schema.Struct({ requestId: Schema.String, message: Schema.String }).pipe(HttpApiSchema.status(503))
  })
) {}

/** Prometheus metrics, outside the API base path like the health checks. */
export class MetricsGroup extends HttpApiGroup.make("metrics", { topLevel: true }).add(
  HttpApiEndpoint.get("metrics", "/metrics", {
    success: Schema.String.pipe(
      HttpApiSchema.asText({ contentType: "text/plain; version=0.0.4; charset=utf-8" })
    )
  }).annotateMerge(
    OpenApi.annotations({
      description:
        "Prometheus text exposition format 0.0.4: HTTP requests, polls, events, deliveries, vendor calls, their latencies and the outbox backlog"
    })
  )
) {}

/** The whole API. */
export class Api extends HttpApi.make("plugboard")
  .add(ElementsGroup)
  .add(OAuthGroup)
  .add(InstancesGroup)
  .add(HubsGroup)
  .add(EventsGroup)
  .add(BulkGroup)
  .add(VendorWebhooksGroup)
  .add(HealthGroup)
  .add(MetricsGroup)
  .annotateMerge(
    OpenApi.annotations({
      title: "Plugboard runner",
      description:
        "A Cloud Elements–compatible API over pluggable connectors. Errors answer {requestId, message, providerMessage?}; every response carries Elements-Request-Id."
    })
  ) {}
