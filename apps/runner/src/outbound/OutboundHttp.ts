/**
 * The `HttpClient` every outbound call of the runner uses — vendor APIs, OAuth token endpoints,
 * event callbacks: undici's pooled keep-alive client (the leanest per request of the Node clients,
 * which matters on the hub path), redirects never followed, with the address policy checked on the
 * resolved address when a socket connects (so DNS rebinding has no window) and on IP literals
 * before the request is made.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns"
import { isIP } from "node:net"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientError } from "effect/http"
import { RunnerSettings } from "../Settings.js"
import * as AddressPolicy from "./AddressPolicy.js"

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | ReadonlyArray<LookupAddress>,
  family?: number
) => void

/** A `lookup` for Node sockets (undici passes it to `net.connect`) that refuses names resolving to a disallowed address. */
export const guardedLookup =
  (policy: AddressPolicy.AddressPolicy) =>
  (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) return callback(error, [])
      const refused = addresses.find((entry) => !policy.allows(entry.address))
      if (refused !== undefined) {
        const denial: NodeJS.ErrnoException = new Error(`${hostname}: ${policy.describe(refused.address)}`)
        denial.code = "EADDRNOTALLOWED"
        return callback(denial, [])
      }
      if (options.all === true) return callback(null, addresses)
      const first = addresses[0]
      if (first === undefined) return callback(new Error(`${hostname}: no address`), [])
      return callback(null, first.address, first.family)
    })
  }

/** Strips IPv6 brackets from a URL host. */
const bareHost = (hostname: string) =>
  hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname

/** A guarded client for a policy. */
export const layerPolicy = (policy: AddressPolicy.AddressPolicy): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.map(Effect.service(HttpClient.HttpClient), (client) =>
      HttpClient.mapRequestEffect(client, (request) => {
        const host = bareHost(new URL(request.url).hostname)
        return isIP(host) !== 0 && !policy.allows(host)
          ? Effect.fail(
              new HttpClientError.HttpClientError({
                reason: new HttpClientError.TransportError({
                  request,
                  description: policy.describe(host),
                  cause: Object.assign(new Error(policy.describe(host)), { code: "EADDRNOTALLOWED" })
                })
              })
            )
          : Effect.succeed(request)
      })
    )
  ).pipe(
    Layer.provide(
      NodeHttpClient.layerUndiciOptions({
        connect: { lookup: guardedLookup(policy) as never }
      })
    )
  )

/** The runner's outbound client, with the policy from its settings. */
export const layer: Layer.Layer<HttpClient.HttpClient, never, RunnerSettings> = Layer.unwrap(
  Effect.gen(function* () {
    const settings = yield* RunnerSettings
    return layerPolicy(AddressPolicy.make(settings.allowPrivateNetworks))
  })
)
