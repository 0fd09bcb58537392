/**
 * The vendor webhook routes (contract.md §7, "vendors that push") as an HttpApi group. They carry
 * no platform `Authorization` (a vendor cannot send one): the vendor's own signature, checked
 * against the instance's configured secret, is the authentication.
 * - `POST /events/{elementKey}/{instanceId}` (ours);
 * - `POST /events/{elementKey}` (the original's path), the instance named by the query parameter
 *   `instanceId` or the header `Elements-Instance-Id`.
 * The body is taken as raw bytes (`application/json`), because the signature covers the exact
 * bytes sent; it is parsed only after it verified. Answers 202 `{accepted, duplicates}`.
 */
import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import * as ApiError from "../http/ApiError.js"
import { BASE_PATH } from "../http/BasePath.js"

/** The header that may name the instance on `POST /events/{elementKey}`. */
export const INSTANCE_HEADER = "elements-instance-id"

/** The raw request body: exactly the bytes the vendor signed. */
export const RawJsonBody = Schema.Uint8Array.pipe(
  HttpApiSchema.asUint8Array({ contentType: "application/json" })
)

/** The answer: how many events were new, and how many the runner already had (a vendor's retry). */
export const Accepted = Schema.Struct({ accepted: Schema.Number, duplicates: Schema.Number })

/** The vendor webhooks group. */
export class VendorWebhooksGroup extends HttpApiGroup.make("vendorWebhooks")
  .add(
    HttpApiEndpoint.post("receive", "/events/:elementKey/:instanceId", {
      params: { elementKey: Schema.String, instanceId: Schema.Int },
      payload: RawJsonBody,
      success: Accepted.pipe(HttpApiSchema.status(202)),
      error: ApiError.all
    }),
    HttpApiEndpoint.post("receiveForElement", "/events/:elementKey", {
      params: { elementKey: Schema.String },
      query: { instanceId: Schema.optionalKey(Schema.String) },
      payload: RawJsonBody,
      success: Accepted.pipe(HttpApiSchema.status(202)),
      error: ApiError.all
    })
  )
  .prefix(BASE_PATH)
  .annotateMerge(
    OpenApi.annotations({
      title: "Vendor webhooks",
      description:
        "Changes a vendor pushes, verified with the vendor's signature against the instance's secret and delivered like polled events"
    })
  ) {}
