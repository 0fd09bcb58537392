/**
 * Receives one request a vendor pushed: finds the element and the instance, verifies the vendor's
 * signature against the instance's configured secret, normalizes the body with the connector's
 * `normalize` and records the events through the same {@link EventRecorder} and outbox as polled
 * ones, in one transaction, then wakes the delivery loop. Event ids derive from the vendor's message
 * id, so a vendor's retry records nothing new and is answered like the first attempt.
 *
 * Answers, in the order they are checked (the signature before any state of the instance, so an
 * unauthenticated caller learns nothing beyond whether the instance exists):
 * 404 unknown element, element without webhooks, unknown instance or one of another element;
 * 409 the instance has no webhook secret configured; 401 the signature does not verify;
 * 403 the instance is disabled; 409 events are not enabled (`event.notification.enabled`);
 * 409 the instance polls instead (`event.vendor.type` is not `webhook`: taking pushes as well would
 * report each change twice); 400 the body is not JSON or not understood by the connector.
 */
import { Registry, Webhooks } from "@plugboard/core"
import { Clock, Context, Effect, Layer, Option, Result } from "effect"
import { SqlClient } from "effect/sql"
import { EngineSignals } from "../engine/EngineSignals.js"
import { EventRecorder } from "../engine/EventRecorder.js"
import * as Partition from "../engine/Partition.js"
import { BadRequest, Conflict, Forbidden, NotFound, Unauthorized } from "../http/ApiError.js"
import * as RunnerMetrics from "../metrics/RunnerMetrics.js"
import { Instances } from "../store/Instances.js"
import * as WebhookMetrics from "./WebhookMetrics.js"

/** One pushed request. */
export interface Delivery {
  readonly elementKey: string
  readonly instanceId: number
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The exact bytes received. */
  readonly body: Uint8Array
}

/** What a request added. */
export interface Outcome {
  readonly accepted: number
  readonly duplicates: number
}

/** Any answer other than success. */
export type Refusal = BadRequest | Unauthorized | Forbidden | NotFound | Conflict

/** The intake of vendor webhooks. */
export interface VendorWebhookIntakeService {
  readonly receive: (delivery: Delivery) => Effect.Effect<Outcome, Refusal>
}

/** The intake as a service. */
export class VendorWebhookIntake extends Context.Service<VendorWebhookIntake, VendorWebhookIntakeService>()(
  "@plugboard/runner/webhooks/VendorWebhookIntake"
) {
  static readonly layer: Layer.Layer<
    VendorWebhookIntake,
    never,
    Registry.Registry | Instances | EventRecorder | EngineSignals | SqlClient.SqlClient
  > = Layer.effect(
    VendorWebhookIntake,
    Effect.gen(function* () {
      const registry = yield* Registry.Registry
      const instances = yield* Instances
      const recorder = yield* EventRecorder
      const signals = yield* EngineSignals
      const sql = yield* SqlClient.SqlClient

      const receive = (delivery: Delivery) =>
        Effect.gen(function* () {
          const connector = registry.find(delivery.elementKey)
          if (connector === undefined) {
            return yield* new NotFound({ message: `no element '${delivery.elementKey}'` })
          }
          const webhooks = connector.webhooks
          if (webhooks === undefined) {
            return yield* new NotFound({
              message: `element '${connector.key}' does not receive webhooks; its events are polled`
            })
          }
          const found = yield* instances.find(delivery.instanceId)
          if (Option.isNone(found) || found.value.elementKey !== connector.key) {
            return yield* new NotFound({
              message: `no instance ${delivery.instanceId} of element '${connector.key}'`
            })
          }
          const instance = found.value
          const secrets = Webhooks.secretsOf(webhooks.scheme, instance.configuration)
          if (secrets === undefined) {
            return yield* new Conflict({
              message: `instance ${instance.id} has no webhook secret: set its configuration '${webhooks.scheme.configKey}' to the vendor's signing secret`
            })
          }
          const now = yield* Clock.currentTimeMillis
          const verified = Webhooks.verify({
            scheme: webhooks.scheme,
            headers: delivery.headers,
            body: delivery.body,
            secrets,
            now
          })
          if (Result.isFailure(verified)) {
            yield* WebhookMetrics.request(connector.key, "unauthorized")
            return yield* new Unauthorized({
              message: `the webhook signature did not verify: ${verified.failure.message}`
            })
          }
          if (instance.disabled) {
            return yield* new Forbidden({ message: `instance ${instance.id} is disabled` })
          }
          if (!instance.eventsEnabled) {
            return yield* new Conflict({
              message: `instance ${instance.id} does not have events enabled: set 'event.notification.enabled' to true and a callback URL`
            })
          }
          if (Webhooks.vendorTypeOf(connector, instance.configuration) !== "webhook") {
            return yield* new Conflict({
              message: `instance ${instance.id} polls for changes ('${Webhooks.VENDOR_TYPE_KEY}' is 'polling'), so it does not take webhooks: set '${Webhooks.VENDOR_TYPE_KEY}' to 'webhook' to receive them (the resources they cover are then no longer polled)`
            })
          }
          const messageId = verified.success.messageId
          const normalized = Webhooks.normalize(webhooks, delivery.body, {
            headers: Webhooks.contextHeaders(webhooks.scheme, delivery.headers),
            messageId
          })
          if (Result.isFailure(normalized)) {
            yield* WebhookMetrics.request(connector.key, "rejected")
            return yield* new BadRequest({ message: normalized.failure.message })
          }
          const events = Webhooks.toEvents({
            instanceId: instance.id,
            elementKey: connector.key,
            hubKey: connector.hub,
            messageId,
            receivedAt: now,
            events: normalized.success
          })
          // One recording per object type keeps each event's `resource` right; one transaction
          // keeps the message's events all stored or none.
          const byType = new Map<string, Array<(typeof events)[number]>>()
          for (const event of events) {
            const group = byType.get(event.event.objectType)
            if (group === undefined) byType.set(event.event.objectType, [event])
            else group.push(event)
          }
          const recorded = yield* sql
            .withTransaction(
              Effect.forEach([...byType], ([resource, group]) =>
                recorder.record({
                  instanceId: instance.id,
                  partition: Partition.of(instance.id),
                  elementKey: connector.key,
                  hubKey: connector.hub,
                  accountId: instance.organizationId,
                  userId: instance.userId,
                  resource,
                  events: group,
                  now
                })
              )
            )
            .pipe(Effect.orDie)
          const accepted = recorded.reduce((sum, one) => sum + one.count, 0)
          const counts: Record<string, number> = {}
          for (const one of recorded) {
            for (const [type, count] of Object.entries(one.byType)) counts[type] = (counts[type] ?? 0) + count
          }
          yield* RunnerMetrics.recorded(connector.key, counts)
          yield* WebhookMetrics.request(
            connector.key,
            accepted === 0 && events.length > 0 ? "duplicate" : "accepted"
          )
          if (accepted > 0) yield* signals.deliveries.ring
          return { accepted, duplicates: new Set(events.map((event) => event.event.id)).size - accepted }
        }).pipe(
          Effect.withSpan("VendorWebhookIntake.receive", {
            attributes: { elementKey: delivery.elementKey, instanceId: String(delivery.instanceId) }
          })
        )

      return VendorWebhookIntake.of({ receive })
    })
  )
}
