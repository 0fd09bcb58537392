/**
 * The handlers of the `bulk` group. Each opens the caller's instance the way hub calls do (the
 * `Element` token must name an instance of the caller's organization, 401 otherwise; a disabled one
 * is 403; the hub must be the element's), and a job id answers only for a job of that instance —
 * another instance's or organization's job is 404, like one that never existed.
 */
import { readFile } from "node:fs/promises"
import { type Connector, Registry } from "@plugboard/core"
import { Clock, Effect, Option, Result } from "effect"
import { HttpServerRequest } from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { HttpApiBuilder } from "effect/http-api"
import { Api } from "../http/Api.js"
import * as ApiError from "../http/ApiError.js"
import * as HubInstance from "../http/HubInstance.js"
import type { Instance } from "../store/Instances.js"
import * as BulkExport from "./BulkExport.js"
import * as DownloadFormat from "./DownloadFormat.js"
import * as BulkJson from "./BulkJson.js"
import * as BulkQuery from "./BulkQuery.js"
import { BulkStore } from "./BulkStore.js"
import * as BulkUploadFile from "./BulkUploadFile.js"

/** The request header naming where a job's outcome is POSTed. */
export const CALLBACK_HEADER = "elements-async-callback-url"

/** Most jobs `GET …/bulk/jobs` lists. */
const JOBS_LISTED = 200

const orInternal = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.orDie(effect)

/** The handlers of the `bulk` group. */
export const BulkHandlers = HttpApiBuilder.group(
  Api,
  "bulk",
  Effect.fn(function* (handlers) {
    const registry = yield* Registry.Registry
    const store = yield* BulkStore

    /** The caller's instance and its element, checking the hub name against the element's. */
    const open = (hub: string) =>
      Effect.gen(function* () {
        const instance = yield* HubInstance.callerInstance("bulk calls")
        const connector = registry.find(instance.elementKey)
        if (connector === undefined) {
          return yield* new ApiError.NotFound({
            message: `element '${instance.elementKey}' of instance ${instance.id} is not loaded by this runner`
          })
        }
        yield* HubInstance.checkHub(instance, connector, hub)
        return { instance, connector }
      })

    /** The job with this id, when it belongs to the instance. */
    const jobOf = (instance: Instance, id: string) =>
      Effect.gen(function* () {
        const notFound = new ApiError.NotFound({ message: `no bulk job '${id}' for instance ${instance.id}` })
        if (!/^\d{1,15}$/.test(id)) return yield* notFound
        const found = yield* orInternal(store.find(Number(id)))
        if (
          Option.isNone(found) ||
          found.value.instanceId !== instance.id ||
          found.value.organizationId !== instance.organizationId
        ) {
          return yield* notFound
        }
        return found.value
      })

    /** Checks an object name against the element's resources (any name, when it has vendor objects). */
    const checkObject = (connector: Connector.Connector, objectName: string) => {
      if (Object.hasOwn(connector.resources, objectName) || connector.objects !== undefined)
        return Effect.void
      const names = Object.keys(connector.resources)
      return Effect.fail(
        new ApiError.NotFound({
          message: `element '${connector.key}' has no resource '${objectName}'; its resources are: ${names.length === 0 ? "none" : names.join(", ")}`
        })
      )
    }

    const callbackUrl = Effect.gen(function* () {
      const request = yield* HttpServerRequest
      const raw = request.headers[CALLBACK_HEADER]?.trim()
      if (raw === undefined || raw === "") return undefined
      const protocol = URL.canParse(raw) ? new URL(raw).protocol : undefined
      if (protocol !== "http:" && protocol !== "https:") {
        return yield* new ApiError.BadRequest({
          message: `header Elements-Async-Callback-Url: '${raw}' is not an absolute http(s) URL`
        })
      }
      return raw
    })

    const readPart = (path: string, part: string) =>
      Effect.tryPromise({
        try: () => readFile(path, "utf8"),
        catch: () => new ApiError.BadRequest({ message: `${part}: the uploaded part could not be read` })
      })

    const created = (job: Parameters<typeof BulkJson.job>[0]) =>
      Effect.as(store.wakeup.ring, BulkJson.job(job))

    return handlers.handleAll({
      query: ({ params, query }) =>
        Effect.gen(function* () {
          const { instance, connector } = yield* open(params.hub)
          const q = query.q?.trim() ?? ""
          if (q === "") {
            return yield* new ApiError.BadRequest({
              message: "q: the query parameter q is required, e.g. q=select * from accounts where …"
            })
          }
          const parsed = BulkQuery.parse(q)
          if (Result.isFailure(parsed))
            return yield* new ApiError.BadRequest({ message: parsed.failure.message })
          if (!connector.bulk.download) {
            return yield* new ApiError.BadRequest({
              message: `element '${connector.key}' does not support bulk downloads`
            })
          }
          yield* checkObject(connector, parsed.success.objectName)
          const url = yield* callbackUrl
          const job = yield* orInternal(
            store.create({
              organizationId: instance.organizationId,
              instanceId: instance.id,
              kind: "query",
              objectName: parsed.success.objectName,
              queryText: q,
              ...(parsed.success.where === undefined ? {} : { where: parsed.success.where }),
              ...(parsed.success.orderBy === undefined ? {} : { orderBy: parsed.success.orderBy }),
              ...(parsed.success.fields === undefined ? {} : { fields: parsed.success.fields }),
              ...(parsed.success.limit === undefined ? {} : { maxRecords: parsed.success.limit }),
              ...(url === undefined ? {} : { callbackUrl: url }),
              now: yield* Clock.currentTimeMillis
            })
          )
          return yield* created(job)
        }),
      upload: ({ params, payload }) =>
        Effect.gen(function* () {
          const { instance, connector } = yield* open(params.hub)
          if (!connector.bulk.upload) {
            return yield* new ApiError.BadRequest({
              message: `element '${connector.key}' does not support bulk uploads`
            })
          }
          yield* checkObject(connector, params.objectName)
          let identifierField: string | undefined
          const metaText =
            payload.metaData === undefined || typeof payload.metaData === "string"
              ? payload.metaData
              : yield* readPart(payload.metaData.path, "metaData")
          if (metaText !== undefined && metaText.trim() !== "") {
            let meta: unknown
            try {
              meta = JSON.parse(metaText)
            } catch {
              return yield* new ApiError.BadRequest({ message: "metaData: not valid JSON" })
            }
            if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
              return yield* new ApiError.BadRequest({ message: "metaData: must be a JSON object" })
            }
            const field = (meta as { identifierFieldName?: unknown }).identifierFieldName
            if (field !== undefined && field !== null && (typeof field !== "string" || field.trim() === "")) {
              return yield* new ApiError.BadRequest({
                message: "metaData.identifierFieldName: must be a non-empty field name"
              })
            }
            // CEQL back-ticks a column name with no escape for a back-tick inside it.
            if (typeof field === "string" && field.includes("`")) {
              return yield* new ApiError.BadRequest({
                message: "metaData.identifierFieldName: must not contain a back-tick (`)"
              })
            }
            if (typeof field === "string") identifierField = field.trim()
          }
          const text = yield* readPart(payload.file.path, "file")
          const rows = BulkUploadFile.read(text, {
            name: payload.file.name,
            contentType: payload.file.contentType
          })
          if (Result.isFailure(rows)) return yield* new ApiError.BadRequest({ message: rows.failure })
          const url = yield* callbackUrl
          const job = yield* orInternal(
            store.create({
              organizationId: instance.organizationId,
              instanceId: instance.id,
              kind: "upload",
              objectName: params.objectName,
              inputs: rows.success,
              ...(identifierField === undefined ? {} : { identifierField }),
              ...(url === undefined ? {} : { callbackUrl: url }),
              now: yield* Clock.currentTimeMillis
            })
          )
          return yield* created(job)
        }),
      jobs: ({ params }) =>
        Effect.gen(function* () {
          const { instance } = yield* open(params.hub)
          const jobs = yield* orInternal(store.list(instance.id, JOBS_LISTED))
          return jobs.filter((job) => job.organizationId === instance.organizationId).map(BulkJson.job)
        }),
      status: ({ params }) =>
        Effect.gen(function* () {
          const { instance } = yield* open(params.hub)
          return BulkJson.job(yield* jobOf(instance, params.id))
        }),
      errors: ({ params }) =>
        Effect.gen(function* () {
          const { instance } = yield* open(params.hub)
          const job = yield* jobOf(instance, params.id)
          return (yield* orInternal(store.failures(job.id))).map(BulkJson.failure)
        }),
      cancel: ({ params }) =>
        Effect.gen(function* () {
          const { instance } = yield* open(params.hub)
          const job = yield* jobOf(instance, params.id)
          const cancelled = yield* orInternal(store.cancel(job.id, yield* Clock.currentTimeMillis))
          if (Option.isNone(cancelled)) {
            // The job may have ended since it was read above: name the status it has now.
            const now = yield* orInternal(store.find(job.id))
            const status = Option.isSome(now) ? now.value.status : job.status
            return yield* new ApiError.Conflict({
              message: `bulk job ${job.id} is ${status} and can no longer be cancelled`
            })
          }
          yield* store.wakeup.ring
          return BulkJson.job(cancelled.value)
        }),
      download: ({ params }) =>
        Effect.gen(function* () {
          const { instance } = yield* open(params.hub)
          const job = yield* jobOf(instance, params.id)
          if (job.kind !== "query") {
            return yield* new ApiError.BadRequest({
              message: `bulk job ${job.id} is an upload; its outcome is in /status and /errors`
            })
          }
          if (params.objectName !== job.objectName) {
            return yield* new ApiError.NotFound({
              message: `bulk job ${job.id} holds '${job.objectName}' records, not '${params.objectName}'`
            })
          }
          const request = yield* HttpServerRequest
          const format = DownloadFormat.negotiate(request.headers.accept)
          if (format === undefined) {
            return yield* new ApiError.NotAcceptable({
              message: `bulk results are sent as ${DownloadFormat.mediaTypes.join(", ")}; the Accept header '${request.headers.accept}' takes none of them`
            })
          }
          // The count read with the job bounds every read of the body, so a running job's later
          // pages never make the body disagree with the header.
          const count = job.recordsCount
          const headers = { "Elements-Returned-Count": String(count) }
          return HttpServerResponse.stream(
            format.encoding === "csv"
              ? BulkExport.csv(store, job.id, count)
              : BulkExport.ndjson(store, job.id, count),
            { contentType: format.contentType, headers }
          )
        })
    })
  })
)
