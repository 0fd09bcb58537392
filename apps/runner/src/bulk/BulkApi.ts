/**
 * Bulk jobs (contract.md §8) as an HttpApi group: `POST /hubs/{hub}/bulk/query?q=…` starts a
 * download, `POST /hubs/{hub}/bulk/{objectName}` (multipart `file` + `metaData`) an upload; a job's
 * status, results (newline-delimited JSON or CSV), errors and cancel live under
 * `/hubs/{hub}/bulk/{id}/…`, and `GET /hubs/{hub}/bulk/jobs` lists the instance's jobs. Every route
 * is an instance route (`User …, Organization …, Element …`). The static `bulk` segment outranks
 * the hub routes' `/hubs/{hub}/{resource}/…` parameters in the router.
 */
import { Schema } from "effect"
import * as Multipart from "effect/http/Multipart"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import * as ApiError from "../http/ApiError.js"
import { Authorization } from "../http/Authorization.js"
import * as BulkJson from "./BulkJson.js"
import { BASE_PATH } from "../http/BasePath.js"

const errors = ApiError.all
const hub = { hub: Schema.String }
const job = { hub: Schema.String, id: Schema.String }

/** The multipart body of an upload. */
export const UploadBody = Schema.Struct({
  /** The records: CSV with a header row, a JSON array of objects, or newline-delimited JSON. */
  file: Multipart.SingleFileSchema,
  /** JSON: `{"identifierFieldName": "…"}` makes the upload an upsert on that field (a text part or a file). */
  metaData: Schema.optionalKey(Schema.Union([Schema.String, Multipart.SingleFileSchema]))
  // Every part with a file name is a file, whatever its type: a JSON file is records, not a field.
}).pipe(HttpApiSchema.asMultipart({ fieldMimeTypes: [] }))

/** The results of a query job: newline-delimited JSON (default) or CSV, by `Accept`. */
const Download = Schema.String.pipe(HttpApiSchema.asText({ contentType: "application/x-ndjson" }))

/** The `bulk` group. */
export class BulkGroup extends HttpApiGroup.make("bulk")
  .add(
    HttpApiEndpoint.post("query", "/hubs/:hub/bulk/query", {
      params: hub,
      query: { q: Schema.optionalKey(Schema.String) },
      success: BulkJson.Job,
      error: errors
    }).annotateMerge(
      OpenApi.annotations({
        description:
          "Starts a download: q = select * from <object> [where <CEQL>] [order by <field> asc|desc] [limit <n>]; optional header Elements-Async-Callback-Url"
      })
    ),
    HttpApiEndpoint.get("jobs", "/hubs/:hub/bulk/jobs", {
      params: hub,
      success: Schema.Array(BulkJson.Job),
      error: errors
    }),
    HttpApiEndpoint.get("status", "/hubs/:hub/bulk/:id/status", {
      params: job,
      success: BulkJson.Job,
      error: errors
    }),
    HttpApiEndpoint.get("errors", "/hubs/:hub/bulk/:id/errors", {
      params: job,
      success: Schema.Array(BulkJson.Failure),
      error: errors
    }),
    HttpApiEndpoint.put("cancel", "/hubs/:hub/bulk/:id/cancel", {
      params: job,
      success: BulkJson.Job,
      error: errors
    }),
    HttpApiEndpoint.get("download", "/hubs/:hub/bulk/:id/:objectName", {
      params: { ...job, objectName: Schema.String },
      success: Download,
      error: [...errors, ApiError.NotAcceptable]
    }).annotateMerge(
      OpenApi.annotations({
        description:
          "A query job's records: newline-delimited JSON, or CSV with Accept: text/csv; 406 when Accept takes neither"
      })
    ),
    HttpApiEndpoint.post("upload", "/hubs/:hub/bulk/:objectName", {
      params: { ...hub, objectName: Schema.String },
      payload: UploadBody,
      success: BulkJson.Job,
      error: errors
    })
  )
  .middleware(Authorization)
  .prefix(BASE_PATH)
  .annotateMerge(
    OpenApi.annotations({ title: "Bulk", description: "Bulk downloads and uploads of an instance's records" })
  ) {}
