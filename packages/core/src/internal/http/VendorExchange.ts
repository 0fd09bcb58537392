/**
 * One request on the wire and its answer read: builds the HTTP request from an authorized vendor
 * request (secrets unwrapped only here, and their header names added to the names the HttpClient
 * redacts in traces), sends it within the attempt timeout, and turns what came back — an answer, a
 * transport failure, a timeout — into an attempt result with a `ConnectorError` where it failed.
 */
import { Clock, Duration, Effect, Redacted } from "effect"
import { FetchHttpClient, Headers, HttpClient, type HttpClientError, HttpClientRequest } from "effect/http"
import type * as Auth from "../../Auth.js"
import type * as Connector from "../../Connector.js"
import * as ConnectorError from "../../ConnectorError.js"
import type * as VendorClient from "../../VendorClient.js"
import * as ProviderMessage from "./ProviderMessage.js"
import * as ResponseBody from "./ResponseBody.js"
import { retryAfterMillis } from "./RetryAfter.js"
import type * as RetryPolicy from "./RetryPolicy.js"
import * as TransportFailure from "./TransportFailure.js"

/** One attempt's result: an answer, or a failure with what the retry policy and the 401 rule need. */
export type Attempt =
  | { readonly _tag: "Ok"; readonly response: VendorClient.VendorResponse }
  | {
      readonly _tag: "Failed"
      readonly failure: RetryPolicy.Failure
      /** The request as sent; undefined when it failed before credentials were attached. */
      readonly authorized: Auth.AuthorizedRequest | undefined
    }

/** A failed attempt. */
export const failed = (
  error: ConnectorError.ConnectorError,
  authorized?: Auth.AuthorizedRequest,
  beforeSend = false
): Attempt => ({ _tag: "Failed", failure: { error, beforeSend }, authorized })

interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
}

/** What an exchange needs from its client. */
export interface Options {
  readonly http: HttpClient.HttpClient
  /** The fetch settings the runner provided (an agent, a dispatcher), kept under ours. */
  readonly requestInit: globalThis.RequestInit | undefined
  readonly timeoutMillis: number
  readonly readError: Connector.Hooks["readError"]
  /** The header names redacted in traces before this client added its secret ones. */
  readonly redactedNames: ReadonlyArray<string | RegExp>
  /**
   * The instance's secret values. A vendor that echoes a credential in its error text must not
   * carry it into `providerMessage`, which callers show and log.
   */
  readonly secrets: ReadonlyArray<string>
}

/** Sends `authorized` to `url` with the session headers; never fails, the result says how it went. */
export type Exchange = (
  authorized: Auth.AuthorizedRequest,
  url: URL,
  session: Readonly<Record<string, string>>
) => Effect.Effect<Attempt>

/** Builds the exchange of one client. */
export const make = (options: Options): Exchange => {
  const { http, timeoutMillis, readError } = options

  // Longest first, so a secret that contains another is masked whole.
  const secrets = options.secrets.filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length)
  const scrub = (message: string | undefined): string | undefined =>
    message === undefined
      ? undefined
      : secrets.reduce((text, secret) => text.replaceAll(secret, "********"), message)

  const providerMessage = (status: number, body: unknown): string | undefined => {
    if (readError !== undefined) {
      try {
        const message = readError(status, body)
        if (message !== undefined) return scrub(message)
      } catch {
        // A hook that cannot read an unexpected body must not hide the vendor's status.
      }
    }
    return scrub(ProviderMessage.read(body))
  }

  const toHttpRequest = (
    authorized: Auth.AuthorizedRequest,
    url: URL,
    session: Readonly<Record<string, string>>
  ) => {
    const urlParams: Array<readonly [string, string | Redacted.Redacted<string>]> = [...url.searchParams]
    for (const [name, value] of Object.entries(authorized.query ?? {})) {
      for (const item of typeof value === "string" ? [value] : value) urlParams.push([name, item])
    }
    // Redacted values are written on the wire but shown as <redacted> in traces.
    for (const [name, value] of Object.entries(authorized.secretQuery)) urlParams.push([name, value])
    const target = new URL(url)
    target.search = ""
    target.hash = ""
    const headers: Record<string, string> = { ...session, ...authorized.headers }
    for (const [name, value] of Object.entries(authorized.secretHeaders))
      headers[name] = Redacted.value(value)
    const request = HttpClientRequest.make(authorized.method)(target.href, {
      urlParams,
      headers,
      acceptJson: true
    })
    if (authorized.body === undefined) return Effect.succeed(request)
    return HttpClientRequest.bodyJson(request, authorized.body).pipe(
      Effect.mapError(() =>
        ConnectorError.make(
          new ConnectorError.InvalidRequest({
            message: "the request body cannot be sent as JSON",
            field: "body"
          }),
          authorized.operation
        )
      )
    )
  }

  const transportFailure = (
    error: HttpClientError.HttpClientError,
    authorized: Auth.AuthorizedRequest
  ): Attempt => {
    const reason = error.reason
    if (reason._tag === "TransportError") {
      // The error's own message holds the URL (and so any API key in its query): never used.
      const failure = TransportFailure.classify(reason.cause)
      if (failure.refused) {
        return failed(
          ConnectorError.make(
            new ConnectorError.Forbidden({ message: failure.description }),
            authorized.operation
          ),
          authorized
        )
      }
      return failed(
        ConnectorError.make(
          new ConnectorError.Transport({ message: failure.description }),
          authorized.operation
        ),
        authorized,
        failure.beforeSend
      )
    }
    if (reason._tag === "InvalidUrlError" || reason._tag === "EncodeError") {
      return failed(
        ConnectorError.make(
          new ConnectorError.InvalidRequest({ message: "the request could not be encoded" }),
          authorized.operation
        ),
        authorized
      )
    }
    return failed(
      ConnectorError.make(
        new ConnectorError.Transport({ message: "the vendor's answer could not be read to the end" }),
        authorized.operation
      ),
      authorized
    )
  }

  const timedOut = (authorized: Auth.AuthorizedRequest): Attempt =>
    failed(
      ConnectorError.make(
        new ConnectorError.Transport({
          message: `the vendor did not answer within ${timeoutMillis} ms`,
          timeout: true
        }),
        authorized.operation
      ),
      authorized
    )

  const interpret = (answer: Answer, authorized: Auth.AuthorizedRequest): Effect.Effect<Attempt> =>
    Effect.map(Clock.currentTimeMillis, (now): Attempt => {
      const parsed = ResponseBody.parse(answer.text, answer.headers["content-type"])
      if (answer.status >= 300 && answer.status < 400) {
        return failed(
          ConnectorError.make(
            new ConnectorError.UnexpectedResponse({
              status: answer.status,
              message: `the vendor answered with a redirect (${answer.status}), which is not followed`
            }),
            authorized.operation
          ),
          authorized
        )
      }
      if (answer.status >= 200 && answer.status < 300) {
        if (parsed._tag === "InvalidJson") {
          return failed(
            ConnectorError.make(
              new ConnectorError.UnexpectedResponse({
                status: answer.status,
                message: "the vendor declared a JSON answer that does not parse"
              }),
              authorized.operation
            ),
            authorized
          )
        }
        return { _tag: "Ok", response: { status: answer.status, headers: answer.headers, body: parsed.body } }
      }
      const body = parsed._tag === "Body" ? parsed.body : answer.text
      const reason = ConnectorError.fromStatus(answer.status, {
        providerMessage: providerMessage(answer.status, body),
        retryAfterMillis:
          answer.status === 429 || answer.status >= 500
            ? retryAfterMillis((name) => answer.headers[name], now)
            : undefined
      })
      return failed(ConnectorError.make(reason, authorized.operation), authorized)
    })

  return (authorized, url, session) =>
    Effect.gen(function* () {
      const built = yield* Effect.result(toHttpRequest(authorized, url, session))
      if (built._tag === "Failure") return failed(built.failure, authorized)
      const secretNames = Object.keys(authorized.secretHeaders).map((name) => name.toLowerCase())
      return yield* http.execute(built.success).pipe(
        Effect.flatMap((response) =>
          Effect.map(
            response.text,
            (text): Answer => ({
              status: response.status,
              headers: response.headers as Record<string, string>,
              text
            })
          )
        ),
        Effect.provideService(Headers.CurrentRedactedNames, [...options.redactedNames, ...secretNames]),
        // A redirect would carry the credentials to wherever the vendor points; it is reported instead.
        Effect.provideService(FetchHttpClient.RequestInit, { ...options.requestInit, redirect: "manual" }),
        // Vendors are third parties: our trace context is not theirs to see.
        Effect.provideService(HttpClient.TracerPropagationEnabled, false),
        Effect.matchEffect({
          onSuccess: (answer) => interpret(answer, authorized),
          onFailure: (error) => Effect.succeed(transportFailure(error, authorized))
        }),
        Effect.timeoutOrElse({
          duration: Duration.millis(timeoutMillis),
          orElse: () => Effect.succeed(timedOut(authorized))
        })
      )
    })
}
