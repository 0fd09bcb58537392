/**
 * The `fetch` openid-client uses for token endpoint calls. It goes through the Effect `HttpClient`
 * when one is provided (so the runner's outbound rules — address checks, proxies, tracing — apply to
 * token calls too) and through global `fetch` otherwise. It also smooths two vendor habits that
 * openid-client would reject although they do not matter for calling APIs: a missing `token_type`
 * (read as `bearer`) and an `id_token` (Plugboard signs nobody in, and checking one would need the
 * vendor's issuer metadata, which many vendors do not publish), which is dropped.
 */
import { Context, Effect, Option, Predicate } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import type * as client from "openid-client"

const nullBodyStatuses = new Set([101, 204, 205, 304])

/** Builds the fetch function for openid-client from the services of the calling fiber. */
export const make =
  (services: Context.Context<never>): client.CustomFetch =>
  async (url, options) => {
    const http = Context.getOption(services, HttpClient.HttpClient)
    const response = Option.isSome(http)
      ? await viaHttpClient(services, http.value, url, options)
      : await fetch(url, options as RequestInit)
    return normalize(response)
  }

const viaHttpClient = (
  services: Context.Context<never>,
  http: HttpClient.HttpClient,
  url: string,
  options: client.CustomFetchOptions
): Promise<Response> => {
  const contentType = options.headers["content-type"] ?? "application/x-www-form-urlencoded"
  const base = HttpClientRequest.make(options.method.toUpperCase() as "POST")(url, {
    headers: options.headers
  })
  const request =
    options.body === undefined || options.body === null
      ? base
      : HttpClientRequest.bodyText(base, bodyText(options.body), contentType)
  const init = Option.getOrUndefined(Context.getOption(services, FetchHttpClient.RequestInit))
  return Effect.runPromiseWith(services)(
    http.execute(request).pipe(
      // As openid-client asks: redirects are not followed; and no trace context goes to the vendor.
      Effect.provideService(FetchHttpClient.RequestInit, { ...init, redirect: "manual" }),
      Effect.provideService(HttpClient.TracerPropagationEnabled, false),
      Effect.flatMap((response) =>
        response.text.pipe(
          Effect.map(
            (text) =>
              new Response(nullBodyStatuses.has(response.status) ? null : text, {
                status: response.status,
                headers: response.headers as Record<string, string>
              })
          )
        )
      )
    ),
    { signal: options.signal }
  )
}

const bodyText = (body: NonNullable<client.CustomFetchOptions["body"]>): string => {
  if (typeof body === "string" || body instanceof URLSearchParams) return body.toString()
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return new TextDecoder().decode(body)
  // openid-client sends forms only; a stream here would be a change in the library.
  throw new TypeError("streamed token request bodies are not supported")
}

const normalize = async (response: Response): Promise<Response> => {
  const contentType = response.headers.get("content-type") ?? ""
  if (response.status !== 200 || !/json/i.test(contentType)) return response
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return rebuild(response, text)
  }
  if (!Predicate.isObject(body) || Array.isArray(body)) return rebuild(response, text)
  const { id_token: _idToken, ...rest } = body as Record<string, unknown>
  if (rest.token_type === undefined) rest.token_type = "bearer"
  return rebuild(response, JSON.stringify(rest))
}

const rebuild = (response: Response, text: string): Response => {
  const headers = new Headers(response.headers)
  headers.delete("content-length")
  headers.delete("content-encoding")
  return new Response(text, { status: response.status, statusText: response.statusText, headers })
}
