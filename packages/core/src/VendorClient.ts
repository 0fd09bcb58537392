/**
 * The narrow interface between the hub engine and the wire: one authenticated request to the
 * instance's vendor, with retries, rate budget, circuit breaker, timeouts and error mapping already
 * applied. `VendorHttp.make` builds the real one; tests may supply their own.
 */
import type { Effect } from "effect"
import type * as ConnectorError from "./ConnectorError.js"

/** HTTP methods vendors are called with. */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** One request to the vendor. */
export interface VendorRequest {
  readonly method: Method
  /**
   * Path relative to the instance's `base.url` (`/Company`), or an absolute URL on the same host
   * (a vendor's own `$next` link).
   */
  readonly path: string
  /** Query parameters; arrays repeat the parameter. Values are encoded by the client. */
  readonly query?: Readonly<Record<string, string | ReadonlyArray<string>>>
  readonly headers?: Readonly<Record<string, string>>
  /** A JSON body. */
  readonly body?: unknown
  /** What this call is for, in words (`list accounts`); used in errors, logs and metrics. */
  readonly operation: string
}

/** A successful (2xx) vendor answer. */
export interface VendorResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** Parsed JSON, or the text when the body is not JSON, or undefined when empty. */
  readonly body: unknown
}

/** An authenticated client for one instance's vendor. Non-2xx answers fail with `ConnectorError`. */
export interface VendorClient {
  readonly request: (request: VendorRequest) => Effect.Effect<VendorResponse, ConnectorError.ConnectorError>
}
