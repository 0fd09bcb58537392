/**
 * A runner the end-to-end tests talk to over real HTTP, whichever way it was started (in this
 * process or as a child process running the real entry point): its origin, a `fetch` helper for the
 * API and a graceful stop.
 */

/** A request to the API, with an optional JSON body. */
export type ApiInit = RequestInit & { readonly json?: unknown }

/** A running runner. */
export interface RunnerHandle {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string
  /** Calls the API under `/elements/api-v2` (or an absolute path starting with `//`, e.g. `//readyz`). */
  readonly call: (path: string, init?: ApiInit) => Promise<Response>
  /** Stops it gracefully: in-flight requests, polls and deliveries finish first. */
  readonly stop: () => Promise<void>
}

/** The `call` of a runner at `origin`. */
export const apiCall =
  (origin: string) =>
  (path: string, init: ApiInit = {}): Promise<Response> => {
    const { json, ...rest } = init
    const headers = new Headers(rest.headers)
    if (json !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json")
    const url = path.startsWith("//") ? `${origin}${path.slice(1)}` : `${origin}/elements/api-v2${path}`
    return fetch(url, { ...rest, headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) })
  }
