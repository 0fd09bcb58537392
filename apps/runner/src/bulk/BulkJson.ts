/**
 * How a bulk job is shown: the answer of `POST …/bulk/query` and uploads, `GET …/bulk/{id}/status`,
 * the entries of `GET …/bulk/jobs`, and the body POSTed to the job's async callback when it ends.
 * The API's view adds `callbackStatus` (ours, beyond the contract's fields) once a job with a
 * callback has ended: `PENDING` while it is being sent or retried, then `DELIVERED` or `FAILED`.
 * The callback's own body leaves it out, so every attempt POSTs the same bytes.
 */
import { Schema } from "effect"
import { type BulkFailure, type BulkJob, BulkStatus } from "./BulkStore.js"

/** A job as the API shows it. */
export const Job = Schema.Struct({
  id: Schema.String,
  status: BulkStatus,
  recordsCount: Schema.Number,
  recordsFailedCount: Schema.Number,
  objectName: Schema.String,
  jobType: Schema.Literals(["query", "upload"]),
  instanceId: Schema.Number,
  query: Schema.optionalKey(Schema.String),
  identifierFieldName: Schema.optionalKey(Schema.String),
  message: Schema.optionalKey(Schema.String),
  createdDate: Schema.String,
  startedDate: Schema.optionalKey(Schema.String),
  completedDate: Schema.optionalKey(Schema.String),
  callbackStatus: Schema.optionalKey(Schema.Literals(["PENDING", "DELIVERED", "FAILED"]))
})
export type Job = typeof Job.Type

/** A failure as `GET …/bulk/{id}/errors` shows it. */
export const Failure = Schema.Struct({
  rowNumber: Schema.optionalKey(Schema.Number),
  message: Schema.String,
  providerMessage: Schema.optionalKey(Schema.String),
  record: Schema.optionalKey(Schema.Unknown)
})
export type Failure = typeof Failure.Type

const iso = (millis: number) => new Date(millis).toISOString()

/** The body POSTed to a job's async callback: its final status, without the callback's own state. */
export const callbackBody = (job: BulkJob): Job => ({
  id: String(job.id),
  status: job.status,
  recordsCount: job.recordsCount,
  recordsFailedCount: job.recordsFailedCount,
  objectName: job.objectName,
  jobType: job.kind,
  instanceId: job.instanceId,
  ...(job.queryText === undefined ? {} : { query: job.queryText }),
  ...(job.identifierField === undefined ? {} : { identifierFieldName: job.identifierField }),
  ...(job.message === undefined ? {} : { message: job.message }),
  createdDate: iso(job.createdAt),
  ...(job.startedAt === undefined ? {} : { startedDate: iso(job.startedAt) }),
  ...(job.finishedAt === undefined ? {} : { completedDate: iso(job.finishedAt) })
})

/** The API's view of a job. */
export const job = (job: BulkJob): Job => ({
  ...callbackBody(job),
  ...(job.callbackStatus === undefined ? {} : { callbackStatus: job.callbackStatus })
})

const parseRecord = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** The API's view of a failure. */
export const failure = (failure: BulkFailure): Failure => ({
  ...(failure.rowNumber === undefined ? {} : { rowNumber: failure.rowNumber }),
  message: failure.message,
  ...(failure.providerMessage === undefined ? {} : { providerMessage: failure.providerMessage }),
  ...(failure.record === undefined ? {} : { record: parseRecord(failure.record) })
})
