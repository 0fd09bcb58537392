/**
 * Runs a query job: the hub list of its object through the instance's connection, page by page
 * with the hub's `nextPage` tokens — so the CEQL is split between the vendor and memory, and sorted
 * and projected, exactly as a `GET /hubs/{hub}/{object}` call does — saving each page's records with
 * the token of the next page. A resumed job continues from the saved token; a job cut off by its
 * `limit` or at the last page saves {@link END}.
 */
import type { Connection } from "@plugboard/core"
import { Clock, Effect } from "effect"
import type { BulkJob, BulkStoreService, Saved } from "./BulkStore.js"

/** The cursor of a query job that has read everything it should. */
export const END = "#end"

/** Reads the job's remaining pages; `lost` when its claim or `RUNNING` status went away meanwhile. */
export const run = (options: {
  readonly job: BulkJob
  readonly token: string
  readonly connection: Connection.Connection
  readonly store: BulkStoreService
  readonly pageSize: number
}): Effect.Effect<Saved, Connection.HubError | unknown> =>
  Effect.gen(function* () {
    const { job, token, connection, store } = options
    let cursor = job.cursor
    let count = job.recordsCount
    while (cursor !== END) {
      const remaining = job.maxRecords === undefined ? undefined : job.maxRecords - count
      if (remaining !== undefined && remaining <= 0) {
        return yield* store.savePage({
          id: job.id,
          token,
          records: [],
          cursor: END,
          now: yield* Clock.currentTimeMillis
        })
      }
      const page = yield* connection.list({
        resource: job.objectName,
        pageSize: options.pageSize,
        ...(job.where === undefined ? {} : { where: job.where }),
        ...(job.orderBy === undefined ? {} : { orderBy: job.orderBy }),
        ...(job.fields === undefined ? {} : { fields: job.fields }),
        ...(cursor === undefined ? {} : { nextPage: cursor })
      })
      const records = remaining === undefined ? page.records : page.records.slice(0, remaining)
      const next =
        page.nextPage === undefined || (remaining !== undefined && records.length >= remaining)
          ? END
          : page.nextPage
      const saved = yield* store.savePage({
        id: job.id,
        token,
        records: records.map((record) => JSON.stringify(record)),
        cursor: next,
        now: yield* Clock.currentTimeMillis
      })
      if (saved === "lost") return saved
      count += records.length
      cursor = next
    }
    return "saved" as const
  })
