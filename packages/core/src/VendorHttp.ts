/**
 * HTTP to vendors: the one `VendorClient` implementation. Every call is authenticated (`Auth`),
 * spaced by the instance's request budget, guarded by the instance's circuit breaker, timed out,
 * retried when that is safe, and every failure becomes a `ConnectorError`. Connectors never
 * implement any of this.
 */
import { Context, Duration, Effect, Option, Random, Redacted } from "effect"
import { FetchHttpClient, Headers, HttpClient } from "effect/http"
import * as Auth from "./Auth.js"
import type * as Configuration from "./Configuration.js"
import type * as Connector from "./Connector.js"
import * as ConnectorError from "./ConnectorError.js"
import type * as CircuitBreaker from "./internal/http/CircuitBreaker.js"
import * as InstanceGuards from "./internal/http/InstanceGuards.js"
import * as RetryPolicy from "./internal/http/RetryPolicy.js"
import * as SessionHeaders from "./internal/http/SessionHeaders.js"
import * as VendorExchange from "./internal/http/VendorExchange.js"
import * as VendorUrl from "./internal/http/VendorUrl.js"
import type { TokenStore } from "./TokenStore.js"
import type * as VendorClient from "./VendorClient.js"

/** Tuning of a client; every field has a default suited to SaaS APIs. */
export interface Options {
  /** Attempts per call including the first (default 4). */
  readonly maxAttempts?: number
  /** First backoff delay (default 500 ms); doubles per attempt. */
  readonly baseDelayMillis?: number
  /** Longest backoff delay (default 30 s). */
  readonly maxDelayMillis?: number
  /** Longest `Retry-After` waited for inside a call (default 60 s); longer waits go back to the caller. */
  readonly maxRetryAfterMillis?: number
  /** Time allowed for one attempt, answer body included (default {@link defaultTimeoutMillis}, 30 s). */
  readonly timeoutMillis?: number
  /** Consecutive failures (5xx, transport) that open the circuit breaker (default 5). */
  readonly breakerThreshold?: number
  /** How long an open breaker fails calls before letting one probe through (default 30 s). */
  readonly breakerCooldownMillis?: number
  /** Requests that may go at once under `connector.rateLimit` after a quiet spell (default 1). */
  readonly burst?: number
}

/** Options of {@link make}. */
export interface MakeOptions {
  readonly connector: Connector.Connector
  readonly configuration: Configuration.Configuration
  /** The instance's key: tokens, budget and breaker are kept per key. */
  readonly instanceKey: string
  readonly options?: Options | undefined
}

/**
 * The per-instance budgets and breakers. The default is one table for this process, so every client
 * of an instance shares them; provide a fresh {@link makeGuards} table to isolate (tests), and call
 * `forget` when an instance is deleted.
 */
export const Guards: Context.Reference<InstanceGuards.InstanceGuards> =
  Context.Reference<InstanceGuards.InstanceGuards>("@plugboard/core/VendorHttp/Guards", {
    defaultValue: () => InstanceGuards.make()
  })

/** A fresh, empty table of per-instance guards, to provide as {@link Guards} (tests, isolated runners). */
export const makeGuards: () => InstanceGuards.InstanceGuards = InstanceGuards.make

/** The default time allowed for one attempt of a vendor call, answer body included (reliability.md: 15–30 s). */
export const defaultTimeoutMillis = 30_000

interface Settings extends RetryPolicy.Settings, CircuitBreaker.Settings {
  readonly timeoutMillis: number
  readonly burst: number
}

const atLeast = (value: number | undefined, fallback: number, minimum: number): number =>
  value === undefined || !Number.isFinite(value) ? fallback : Math.max(minimum, value)

const settingsOf = (options: Options = {}): Settings => ({
  maxAttempts: Math.floor(atLeast(options.maxAttempts, 4, 1)),
  baseDelayMillis: atLeast(options.baseDelayMillis, 500, 0),
  maxDelayMillis: atLeast(options.maxDelayMillis, 30_000, 0),
  maxRetryAfterMillis: atLeast(options.maxRetryAfterMillis, 60_000, 0),
  timeoutMillis: atLeast(options.timeoutMillis, defaultTimeoutMillis, 1),
  threshold: Math.floor(atLeast(options.breakerThreshold, 5, 1)),
  cooldownMillis: atLeast(options.breakerCooldownMillis, 30_000, 0),
  burst: Math.floor(atLeast(options.burst, 1, 1))
})

const breakerFailureStatuses: ReadonlySet<number> = new Set([500, 502, 503, 504])

/** What one attempt showed about the vendor's health, for the circuit breaker. */
const outcomeOf = (attempt: VendorExchange.Attempt): CircuitBreaker.Outcome => {
  if (attempt._tag === "Ok") return "success"
  // Failures before the request went out (credentials, encoding) say nothing about the vendor's API.
  if (attempt.authorized === undefined) return "ignored"
  const reason = attempt.failure.error.reason
  if (reason._tag === "Transport" && reason.status === undefined) return "failure"
  if (reason.status === undefined) return "ignored"
  if (breakerFailureStatuses.has(reason.status)) return "failure"
  return reason.status === 429 ? "ignored" : "success"
}

const describeFailure = (failure: RetryPolicy.Failure): string => {
  const reason = failure.error.reason
  if (reason.status !== undefined) return `answered ${reason.status}`
  return reason._tag === "Transport" && reason.timeout === true ? "timed out" : "could not be reached"
}

/**
 * Builds the client of one instance. Requests go to `base.url` (placeholders filled) joined with the
 * request path; absolute URLs are accepted for the same origin only (vendor `$next` links). JSON
 * bodies are sent as JSON; answers are parsed as JSON when they are JSON, kept as text otherwise.
 *
 * Retries (see the rule in full in `internal/http/RetryPolicy.ts`): 429 for every method, honouring
 * `Retry-After` and rate-limit reset headers; 500/502/503/504/408 and transport failures for GET,
 * PUT and DELETE only, because a repeated POST or PATCH may act twice — except when the connection
 * failed before anything was sent. Other 4xx are not retried. A 401 makes `Auth` refresh the token
 * (or notice a refresh made meanwhile) and the call is repeated once; a second 401 fails with reason
 * `Authentication`. Waits use the Effect clock, so tests drive them with `TestClock`.
 *
 * Per instance: a request budget from `connector.rateLimit.requestsPerSecond` (calls wait for their
 * slot, they are not refused) and a circuit breaker (after `breakerThreshold` consecutive 5xx or
 * transport failures, calls fail at once with `VendorUnavailable` for `breakerCooldownMillis`, then
 * one probe decides). `connector.hooks.sessionHeaders` runs once per client, on first use, and its
 * headers go on every later call. Logs name the method and path only: no query, no header, no body.
 */
export const make = (
  args: MakeOptions
): Effect.Effect<VendorClient.VendorClient, never, TokenStore | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { connector, configuration, instanceKey } = args
    const settings = settingsOf(args.options)
    const http = yield* HttpClient.HttpClient
    const credentials = yield* Auth.make({ connector, configuration, instanceKey })
    const guards = (yield* Guards).of(instanceKey)
    const requestsPerSecond = connector.rateLimit?.requestsPerSecond
    const checkedBase = VendorUrl.checkBase(configuration)
    const exchange = VendorExchange.make({
      http,
      requestInit: Option.getOrUndefined(yield* Effect.serviceOption(FetchHttpClient.RequestInit)),
      timeoutMillis: settings.timeoutMillis,
      readError: connector.hooks.readError,
      redactedNames: yield* Headers.CurrentRedactedNames,
      secrets: Array.from(configuration.values.values()).flatMap((value) =>
        Redacted.isRedacted(value) ? [Redacted.value(value)] : []
      )
    })

    /** One attempt: breaker, budget, credentials, exchange, outcome recorded. */
    const attemptOnce = (
      request: VendorClient.VendorRequest,
      url: URL,
      session: Readonly<Record<string, string>>
    ) =>
      Effect.gen(function* () {
        const admission = yield* guards.breaker.admit(settings)
        if (admission._tag === "Rejected") {
          const seconds = Math.ceil(admission.retryAfterMillis / 1000)
          return VendorExchange.failed(
            ConnectorError.make(
              new ConnectorError.VendorUnavailable({
                message: `the vendor kept failing; calls are paused for ${seconds} s (circuit breaker open)`,
                retryAfterMillis: admission.retryAfterMillis
              }),
              request.operation
            )
          )
        }
        const attempt = yield* Effect.gen(function* () {
          if (requestsPerSecond !== undefined) yield* guards.budget.take(requestsPerSecond, settings.burst)
          const authorized = yield* Effect.result(credentials.authenticate(request))
          if (authorized._tag === "Failure") return VendorExchange.failed(authorized.failure)
          yield* Effect.logDebug(`${request.method} ${url.pathname}`)
          return yield* exchange(authorized.success, url, session)
        }).pipe(Effect.onInterrupt(() => guards.breaker.record(admission, "ignored", settings)))
        const opened = yield* guards.breaker.record(admission, outcomeOf(attempt), settings)
        if (opened) {
          yield* Effect.logWarning(
            `circuit breaker opened after repeated failures; calls paused for ${settings.cooldownMillis} ms`
          )
        }
        return attempt
      })

    const send = (
      request: VendorClient.VendorRequest,
      session: SessionHeaders.SessionHeaders
    ): Effect.Effect<VendorClient.VendorResponse, ConnectorError.ConnectorError> =>
      Effect.gen(function* () {
        const baseUrl = yield* VendorUrl.base(checkedBase, request.operation)
        const url = yield* VendorUrl.resolve(baseUrl, request.path, request.operation)
        const headers = yield* session
        let attempt = 1
        let refreshed = false
        while (true) {
          const result = yield* attemptOnce(request, url, headers)
          if (result._tag === "Ok") return result.response
          const { failure, authorized } = result
          const reason = failure.error.reason
          if (
            reason._tag === "Authentication" &&
            reason.status === 401 &&
            authorized !== undefined &&
            !refreshed
          ) {
            refreshed = true
            if (yield* credentials.onUnauthorized(authorized)) {
              yield* Effect.logInfo(
                `${request.method} ${url.pathname} answered 401; repeating with new credentials`
              )
              continue
            }
          }
          const random = yield* Random.next
          const delay = RetryPolicy.delayBefore(request.method, failure, attempt, settings, random)
          if (delay === undefined) return yield* Effect.fail(failure.error)
          attempt += 1
          yield* Effect.logWarning(
            `${request.method} ${url.pathname} ${describeFailure(failure)}; retrying in ${delay} ms (attempt ${attempt} of ${settings.maxAttempts})`
          )
          yield* Effect.sleep(Duration.millis(delay))
        }
      }).pipe(
        Effect.annotateLogs({ instance: instanceKey, operation: request.operation }),
        Effect.withSpan(
          "VendorHttp.request",
          {
            attributes: { "plugboard.operation": request.operation, "http.request.method": request.method }
          },
          // Every vendor call opens this span; a stack trace per call costs more than it tells.
          { captureStackTrace: false }
        )
      )

    // The hook calls the vendor through a client without session headers (it is how they are found).
    const bare: VendorClient.VendorClient = { request: (request) => send(request, SessionHeaders.none) }
    const session = yield* SessionHeaders.make(connector.hooks.sessionHeaders, bare, configuration)

    return { request: (request) => send(request, session) }
  })
