/**
 * The instance handlers (contract.md §4): create from the seed documents' bodies, list by tags,
 * read, replace, merge, delete, per-key configuration, enable/disable — by id, or without an id for
 * the instance named by the `Element` token.
 */
import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { Provisioning, type UpdateMode } from "../Provisioning.js"
import { type Instance, Instances } from "../store/Instances.js"
import { Api, type InstanceBody } from "./Api.js"
import { BadRequest, NotFound } from "./ApiError.js"
import { Caller } from "./Caller.js"
import * as ElementJson from "./ElementJson.js"
import { tokenInstance } from "./HubInstance.js"
import * as InstanceJson from "./InstanceJson.js"
import * as OAuthCallback from "./OAuthCallback.js"

/** The handlers of the `instances` group. */
export const InstancesHandlers = HttpApiBuilder.group(
  Api,
  "instances",
  Effect.fn(function* (handlers) {
    const provisioning = yield* Provisioning
    const instances = yield* Instances

    const present = (instance: Instance) =>
      Effect.map(provisioning.connectorOf(instance), (connector) => InstanceJson.present(instance, connector))

    const byId = (id: number) =>
      Effect.gen(function* () {
        const caller = yield* Caller
        const found = yield* instances.get(caller.principal, id)
        if (Option.isNone(found)) return yield* new NotFound({ message: `no instance ${id}` })
        return found.value
      })

    const byToken = Effect.gen(function* () {
      const caller = yield* Caller
      if (Option.isNone(caller.elementToken)) {
        return yield* new BadRequest({
          message:
            "name the instance: use /instances/{id}, or send 'Element <instance token>' in Authorization"
        })
      }
      // An unknown or deleted token is 401, as on every instance route.
      return yield* tokenInstance(caller.elementToken.value, { cached: false })
    })

    /** The request's part of a create or update: the runner's OAuth callback URL as reached. */
    const requestContext = Effect.map(OAuthCallback.current, (callbackUrl) => ({ callbackUrl }))

    const update = (instance: Instance, payload: InstanceBody, mode: UpdateMode) =>
      Effect.flatMap(requestContext, (request) => provisioning.update(instance, payload, mode, request))

    return handlers.handleAll({
      create: ({ payload }) =>
        Effect.gen(function* () {
          const caller = yield* Caller
          const created = yield* provisioning.create(caller.principal, payload, yield* requestContext)
          return InstanceJson.present(created.instance, created.connector)
        }),
      createForElement: ({ params, payload }) =>
        Effect.gen(function* () {
          const caller = yield* Caller
          const created = yield* provisioning.create(
            caller.principal,
            payload,
            yield* requestContext,
            params.keyOrId
          )
          return InstanceJson.present(created.instance, created.connector)
        }),
      list: ({ query }) =>
        Effect.gen(function* () {
          const caller = yield* Caller
          if (Option.isSome(caller.elementToken)) return yield* Effect.flatMap(byToken, present)
          const wanted = (query["tags[]"] ?? []).filter((tag) => tag !== "")
          const all = yield* instances.list(caller.principal)
          const matching =
            wanted.length === 0
              ? all
              : all.filter((instance) => wanted.every((tag) => instance.tags.includes(tag)))
          const shown = yield* Effect.forEach(matching, (instance) =>
            // An instance whose connector is no longer loaded is left out rather than failing the list.
            present(instance).pipe(
              Effect.map(Option.some),
              Effect.catch(() => Effect.succeedNone)
            )
          )
          return shown.flatMap((entry) => (Option.isSome(entry) ? [entry.value] : []))
        }),
      get: ({ params }) => Effect.flatMap(byId(params.id), present),
      replace: ({ params, payload }) =>
        byId(params.id).pipe(
          Effect.flatMap((instance) => update(instance, payload, "replace")),
          Effect.flatMap(present)
        ),
      update: ({ params, payload }) =>
        byId(params.id).pipe(
          Effect.flatMap((instance) => update(instance, payload, "merge")),
          Effect.flatMap(present)
        ),
      remove: ({ params }) => byId(params.id).pipe(Effect.flatMap(provisioning.remove)),
      replaceByToken: ({ payload }) =>
        byToken.pipe(
          Effect.flatMap((instance) => update(instance, payload, "replace")),
          Effect.flatMap(present)
        ),
      updateByToken: ({ payload }) =>
        byToken.pipe(
          Effect.flatMap((instance) => update(instance, payload, "merge")),
          Effect.flatMap(present)
        ),
      removeByToken: () => byToken.pipe(Effect.flatMap(provisioning.remove)),
      configuration: ({ params }) =>
        Effect.gen(function* () {
          const instance = yield* byId(params.id)
          const connector = yield* provisioning.connectorOf(instance)
          return InstanceJson.configuration(instance, connector)
        }),
      configure: ({ params, payload }) =>
        Effect.gen(function* () {
          const instance = yield* byId(params.id)
          const connector = yield* provisioning.connectorOf(instance)
          const keys = [
            ...new Set([...Object.keys(connector.configuration), ...instance.configuration.values.keys()])
          ]
          const key = keys.find(
            (candidate) =>
              candidate === params.configId ||
              String(ElementJson.configurationId(candidate)) === params.configId
          )
          if (key === undefined) {
            return yield* new NotFound({
              message: `instance ${instance.id} has no configuration '${params.configId}' (use a key or an id from GET /instances/${instance.id}/configuration)`
            })
          }
          const next = yield* provisioning.configure(instance, key, payload.propertyValue)
          const item = InstanceJson.configuration(next, connector).find((entry) => entry.key === key)
          return item!
        }),
      enable: ({ params }) =>
        byId(params.id).pipe(
          Effect.flatMap((instance) => provisioning.setEnabled(instance, true)),
          Effect.flatMap(present)
        ),
      disable: ({ params }) =>
        byId(params.id).pipe(
          Effect.flatMap((instance) => provisioning.setEnabled(instance, false)),
          Effect.flatMap(present)
        )
    })
  })
)
