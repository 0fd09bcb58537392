/**
 * The handlers of the events group ({@link EventsGroup}): every route first finds the instance
 * among the caller's own (another tenant's instance is a 404, never data), then reads or acts
 * through the engine's services.
 */
import { Registry, Webhooks } from "@plugboard/core"
import { Effect, Option, Schema } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../http/Api.js"
import { BadRequest, Conflict, NotFound } from "../http/ApiError.js"
import { Caller } from "../http/Caller.js"
import { tokenInstance } from "../http/HubInstance.js"
import { Instances } from "../store/Instances.js"
import { Deliveries } from "./Deliveries.js"
import * as EventJson from "./EventJson.js"
import { EventStatus, EventStore } from "./EventStore.js"
import { PollScheduler } from "./PollScheduler.js"

/** Events per page when the caller gives no `pageSize`, and the most it may ask for. */
export const DEFAULT_PAGE_SIZE = 200
export const MAX_PAGE_SIZE = 1000

const isStatus = Schema.is(EventStatus)

const positive = (name: string, text: string | undefined, fallback: number, max: number) => {
  if (text === undefined || text.trim() === "") return Effect.succeed(fallback)
  const value = Number(text.trim())
  return Number.isSafeInteger(value) && value >= 1 && value <= max
    ? Effect.succeed(value)
    : Effect.fail(
        new BadRequest({ message: `'${name}' must be a whole number from 1 to ${max} (got '${text}')` })
      )
}

/** Reads `status`, `page` and `pageSize`. */
const listing = (query: { readonly status?: string; readonly page?: string; readonly pageSize?: string }) =>
  Effect.gen(function* () {
    const statuses = (query.status ?? "")
      .split(",")
      .map((status) => status.trim().toUpperCase())
      .filter((status) => status !== "")
    const unknown = statuses.find((status) => !isStatus(status))
    if (unknown !== undefined) {
      return yield* new BadRequest({
        message: `'status' must be a comma-separated list of ${EventStatus.literals.join(", ")} (got '${unknown}')`
      })
    }
    const page = yield* positive("page", query.page, 1, Number.MAX_SAFE_INTEGER)
    const pageSize = yield* positive("pageSize", query.pageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    return { statuses: statuses.filter(isStatus), offset: (page - 1) * pageSize, limit: pageSize }
  })

/** The handlers of the `events` group. */
export const EventsHandlers = HttpApiBuilder.group(
  Api,
  "events",
  Effect.fn(function* (handlers) {
    const instances = yield* Instances
    const events = yield* EventStore
    const scheduler = yield* PollScheduler
    const deliveries = yield* Deliveries
    const registry = yield* Registry.Registry

    const owned = (id: number) =>
      Effect.gen(function* () {
        const caller = yield* Caller
        const found = yield* instances.get(caller.principal, id)
        if (Option.isNone(found)) return yield* new NotFound({ message: `no instance ${id}` })
        return found.value
      })

    const list = (instanceIds: ReadonlyArray<number>, query: Parameters<typeof listing>[0]) =>
      Effect.gen(function* () {
        const { statuses, offset, limit } = yield* listing(query)
        const found = yield* events.list({ instanceIds, statuses, offset, limit }).pipe(Effect.orDie)
        return found.map(EventJson.present)
      })

    return handlers.handleAll({
      listAll: ({ query }) =>
        Effect.gen(function* () {
          const caller = yield* Caller
          if (Option.isSome(caller.elementToken)) {
            // An unknown or deleted token is 401, as on every instance route.
            const instance = yield* tokenInstance(caller.elementToken.value, { cached: false })
            return yield* list([instance.id], query)
          }
          const mine = yield* instances.list(caller.principal)
          return yield* list(
            mine.map((instance) => instance.id),
            query
          )
        }),
      list: ({ params, query }) => Effect.flatMap(owned(params.id), (instance) => list([instance.id], query)),
      status: ({ params }) =>
        Effect.gen(function* () {
          const instance = yield* owned(params.id)
          const delivery = yield* deliveries.status(instance.id)
          const schedules = yield* scheduler.schedules(instance.id)
          return EventJson.presentStatus(instance.id, delivery, schedules)
        }),
      get: ({ params }) =>
        Effect.gen(function* () {
          const instance = yield* owned(params.id)
          const found = yield* events.get(instance.id, params.eventId).pipe(Effect.orDie)
          if (Option.isNone(found)) {
            return yield* new NotFound({
              message: `instance ${instance.id} has no event '${params.eventId}'`
            })
          }
          return EventJson.present(found.value)
        }),
      poll: ({ params, query }) =>
        Effect.gen(function* () {
          const instance = yield* owned(params.id)
          const connector = registry.find(instance.elementKey)
          const webhook =
            connector !== undefined && Webhooks.vendorTypeOf(connector, instance.configuration) === "webhook"
          // Not a plain 404: the resource is the instance's, only its changes arrive another way.
          if (
            connector !== undefined &&
            query.resource !== undefined &&
            Webhooks.isPushed(connector, instance.configuration, query.resource)
          ) {
            return yield* new Conflict({
              message: `instance ${instance.id} does not poll '${query.resource}': its changes are pushed by the vendor (${Webhooks.VENDOR_TYPE_KEY} is 'webhook'); set it to 'polling' to poll them`
            })
          }
          const resources = yield* scheduler.pollNow(instance.id, query.resource)
          if (resources.length === 0) {
            return yield* new NotFound({
              message:
                query.resource !== undefined
                  ? `instance ${instance.id} does not poll '${query.resource}'`
                  : webhook
                    ? `instance ${instance.id} polls nothing: its changes are pushed by the vendor (${Webhooks.VENDOR_TYPE_KEY} is 'webhook'), or events are not enabled (event.notification.enabled)`
                    : `instance ${instance.id} polls nothing; enable events (event.notification.enabled) first`
            })
          }
          return { instanceId: instance.id, resources }
        }),
      redeliver: ({ params, payload }) =>
        Effect.gen(function* () {
          const instance = yield* owned(params.id)
          const notifications = yield* deliveries.redeliver(instance.id, payload?.eventIds)
          return { instanceId: instance.id, notifications }
        })
    })
  })
)
