/**
 * Posts notifications to event callbacks through the runner's outbound `HttpClient`
 * (`outbound/OutboundHttp`): a callback URL is user input, and that client refuses private,
 * loopback and reserved addresses unless `PLUGBOARD_ALLOW_PRIVATE_NETWORKS` allows them, checked on
 * the address the socket connects to, and never follows a redirect (a 3xx is an answer, and a
 * failure). Here: one deadline for connect, answer and body (reliability.md: 15–30 s), at most
 * 64 KiB of the answer read (and dropped), and every outcome turned into a value — the delivery
 * loop decides what a failure means.
 */
import { Context, Effect, Layer, Option, Stream } from "effect"
import { HttpClient, type HttpClientError, HttpClientRequest } from "effect/http"

/** One callback POST. */
export interface CallbackRequest {
  readonly url: string
  readonly headers: Readonly<Record<string, string>>
  /** The exact body that was signed. */
  readonly body: string
  readonly timeoutMillis: number
}

/** How a POST ended. */
export type CallbackResult =
  /** The receiver answered (any status; a 3xx is not followed). */
  | { readonly _tag: "Answered"; readonly status: number; readonly retryAfter: string | undefined }
  /** Not sent: the URL is unusable or its address is refused by the policy. */
  | { readonly _tag: "Refused"; readonly message: string }
  /** Sent or attempted, but no answer: connection error, reset, timeout. */
  | { readonly _tag: "Failed"; readonly message: string }

/** Posts notifications to callbacks. */
export interface CallbackClientService {
  readonly post: (request: CallbackRequest) => Effect.Effect<CallbackResult>
}

const MAX_ANSWER_BYTES = 64 * 1024

interface ErrorLike {
  readonly code?: unknown
  readonly message?: unknown
  readonly cause?: ErrorLike
}

/**
 * Why the outbound client refused the address, when it did (its policy marks refusals
 * `EADDRNOTALLOWED`, with a message saying how to allow the address).
 */
const refusal = (error: HttpClientError.HttpClientError): string | undefined => {
  const reason = error.reason
  if (reason._tag !== "TransportError") return undefined
  for (let cause = reason.cause as ErrorLike | undefined; cause !== undefined; cause = cause.cause) {
    if (cause.code === "EADDRNOTALLOWED")
      return typeof cause.message === "string" ? cause.message : reason.description
  }
  return undefined
}

/** Builds the poster over an outbound client. */
export const make = (client: HttpClient.HttpClient): CallbackClientService => ({
  post: (request) => {
    if (!URL.canParse(request.url)) {
      return Effect.succeed({ _tag: "Refused", message: "the callback URL is not an absolute URL" })
    }
    const protocol = new URL(request.url).protocol
    if (protocol !== "http:" && protocol !== "https:") {
      return Effect.succeed({ _tag: "Refused", message: `the callback URL must be http(s), not ${protocol}` })
    }
    const outgoing = HttpClientRequest.post(request.url).pipe(
      HttpClientRequest.setHeaders(request.headers),
      HttpClientRequest.bodyText(request.body, "application/json")
    )
    return client.execute(outgoing).pipe(
      Effect.flatMap((response) => {
        let read = 0
        return response.stream.pipe(
          Stream.takeUntil((chunk) => {
            read += chunk.length
            return read >= MAX_ANSWER_BYTES
          }),
          Stream.runDrain,
          // The status decides; a body cut short after it does not change the outcome.
          Effect.ignore,
          Effect.as<CallbackResult>({
            _tag: "Answered",
            status: response.status,
            retryAfter: response.headers["retry-after"]
          })
        )
      }),
      Effect.timeoutOption(request.timeoutMillis),
      Effect.map(
        Option.getOrElse(
          (): CallbackResult => ({ _tag: "Failed", message: `no answer within ${request.timeoutMillis} ms` })
        )
      ),
      Effect.catch((error) => {
        const refused = refusal(error)
        return Effect.succeed<CallbackResult>(
          refused === undefined
            ? { _tag: "Failed", message: error.message }
            : { _tag: "Refused", message: `refused: ${refused}` }
        )
      })
    )
  }
})

/** The client that sends callbacks. */
export class CallbackClient extends Context.Service<CallbackClient, CallbackClientService>()(
  "@plugboard/runner/engine/CallbackClient"
) {
  /** Over the runner's guarded outbound `HttpClient`. */
  static readonly layer: Layer.Layer<CallbackClient, never, HttpClient.HttpClient> = Layer.effect(
    CallbackClient,
    Effect.gen(function* () {
      return CallbackClient.of(make(yield* HttpClient.HttpClient))
    })
  )
}
