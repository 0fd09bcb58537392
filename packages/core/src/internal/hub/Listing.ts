/**
 * Pages and streams of a prepared list call. In the vendor's order, a page is filled with exactly
 * `pageSize` matching records, reading as many vendor pages as the residual filter needs, and its
 * token points at the first record of the next page. When the order must be applied in memory,
 * every matching record is read (up to a cap), sorted, and paged by index.
 */
import { Effect, Option, Stream } from "effect"
import type { Limits } from "../../Connection.js"
import type * as ConnectorError from "../../ConnectorError.js"
import type { JsonRecord, ListOptions, ListResult } from "../../HubQuery.js"
import * as HubRequestError from "../../HubRequestError.js"
import type { ListPlan } from "./ListPlan.js"
import * as PageToken from "./PageToken.js"
import * as VendorPager from "./VendorPager.js"

type Failure = ConnectorError.ConnectorError | HubRequestError.HubRequestError

/** Where a vendor-order listing starts. */
interface Start {
  readonly raw: number
  /** Vendor page size of a page-number position, when a token fixed it. */
  readonly size: number | undefined
  /** Matching records before `raw`, when known exactly. */
  readonly matched: number | undefined
  /** Matching records to pass over before collecting (a `page` with a residual filter). */
  readonly skip: number
}

const pageSizeOf = (options: ListOptions, limits: Limits) => {
  const size = options.pageSize ?? limits.defaultPageSize
  return Number.isInteger(size) && size >= 1 && size <= limits.maxPageSize
    ? Effect.succeed(size)
    : Effect.fail(
        HubRequestError.make(
          "pageSize",
          `pageSize must be an integer from 1 to ${limits.maxPageSize}, got ${size}`
        )
      )
}

const pageOf = (options: ListOptions) => {
  const page = options.page ?? 1
  return Number.isSafeInteger(page) && page >= 1
    ? Effect.succeed(page)
    : Effect.fail(HubRequestError.make("page", `page must be a positive integer, got ${page}`))
}

const foreignToken = () =>
  HubRequestError.make("nextPage", "nextPage is not a token of this query; start again without nextPage")

const tokenOf = (plan: ListPlan, options: ListOptions) =>
  options.nextPage === undefined
    ? Effect.succeed(undefined)
    : PageToken.decode(options.nextPage, plan.fingerprint)

const startOf = (plan: ListPlan, options: ListOptions, pageSize: number) =>
  Effect.gen(function* () {
    const token = yield* tokenOf(plan, options)
    if (token !== undefined) {
      if (token.k !== "v") return yield* foreignToken()
      return { raw: token.raw, size: token.size, matched: token.matched, skip: 0 } satisfies Start
    }
    const before = ((yield* pageOf(options)) - 1) * pageSize
    if (!Number.isSafeInteger(before)) {
      return yield* HubRequestError.make("page", "page × pageSize is too large")
    }
    // Without a residual every vendor record matches, so a page is a vendor position; with one,
    // the matches before the page have to be read and counted.
    return plan.matches === undefined
      ? ({ raw: before, size: undefined, matched: before === 0 ? 0 : undefined, skip: 0 } satisfies Start)
      : ({ raw: 0, size: undefined, matched: 0, skip: before } satisfies Start)
  })

/** Page-number vendors need one page size per listing; offset vendors are asked what is needed. */
const fixedSize = (plan: ListPlan, start: Start, pageSize: number): number | undefined => {
  if (plan.source.paging._tag !== "PageNumber") return undefined
  if (start.size !== undefined) return start.size
  return plan.matches === undefined ? Math.min(plan.source.maxSize, pageSize) : plan.source.maxSize
}

const vendorPage = (plan: ListPlan, start: Start, pageSize: number, limits: Limits, returnCount: boolean) =>
  Effect.gen(function* () {
    const check = VendorPager.guard(plan.source, limits.maxVendorPages)
    const fixed = fixedSize(plan, start, pageSize)
    const records: Array<JsonRecord> = []
    let position = start.raw
    let skip = start.skip
    let seen = 0
    let next: number | undefined
    let ended = false
    let total: number | undefined
    let lookahead = 0
    let lastAsk = 0
    for (;;) {
      // One record more than needed, so a full page already shows whether another follows.
      const need = skip + (pageSize - records.length) + 1
      const ask =
        fixed ??
        (plan.matches === undefined
          ? Math.min(plan.source.maxSize, need)
          : Math.min(plan.source.maxSize, Math.max(need * 2, lastAsk * 2)))
      lastAsk = ask
      const fetched = yield* VendorPager.fetch(plan.source, position, ask)
      yield* check(fetched)
      if (fetched.total !== undefined) total = fetched.total
      const page = fetched.records
      for (let i = 0; i < page.length; i++) {
        const record = page[i]!
        if (plan.matches !== undefined && !plan.matches(record)) continue
        if (skip > 0) {
          skip -= 1
          seen += 1
        } else if (records.length < pageSize) {
          records.push(record)
          seen += 1
        } else {
          next = fetched.firstRaw + i
          break
        }
      }
      // The record after a full page was found: it is where the next page starts.
      if (next !== undefined) break
      position = fetched.nextRaw
      if (fetched.end) {
        ended = true
        break
      }
      if (records.length === pageSize) {
        // Full page, vendor not finished: without a residual the next record surely matches; with
        // one, look a little further so the last page does not carry a token to an empty page.
        if ((plan.matches === undefined && fetched.certain) || lookahead >= limits.lookaheadPages) {
          next = position
          break
        }
        lookahead += 1
      }
    }
    const matchedAfter = start.matched === undefined ? undefined : start.matched + seen
    const result: { records: Array<JsonRecord>; nextPage?: string; total?: number } = {
      records: records.map(plan.project)
    }
    if (!ended && next !== undefined) {
      result.nextPage = PageToken.encode({
        v: 1,
        k: "v",
        f: plan.fingerprint,
        raw: next,
        size: fixed ?? lastAsk,
        ...(matchedAfter === undefined ? {} : { matched: matchedAfter })
      })
    }
    if (returnCount) {
      if (plan.matches === undefined && total !== undefined) result.total = total
      else if (ended && matchedAfter !== undefined) result.total = matchedAfter
    }
    return result satisfies ListResult
  })

/** Reads every matching record in the vendor's order, failing past `maxSortRecords`. */
const readAll = (plan: ListPlan, limits: Limits, parameter: string) =>
  Effect.gen(function* () {
    const check = VendorPager.guard(plan.source, limits.maxVendorPages)
    const all: Array<JsonRecord> = []
    let position = 0
    for (;;) {
      const fetched = yield* VendorPager.fetch(plan.source, position, plan.source.maxSize)
      yield* check(fetched)
      for (const record of fetched.records) {
        if (plan.matches !== undefined && !plan.matches(record)) continue
        if (all.length >= limits.maxSortRecords) {
          return yield* HubRequestError.make(
            parameter,
            `${parameter} sorts in memory here, and this query matches more than ${limits.maxSortRecords} records; ` +
              "narrow it with where, or leave out orderBy"
          )
        }
        all.push(record)
      }
      if (fetched.end) return all
      position = fetched.nextRaw
    }
  })

/** Where a listing sorted in memory starts: the token's index, else the first record of `page`. */
const sortedStart = (plan: ListPlan, options: ListOptions, pageSize: number) =>
  Effect.gen(function* () {
    const token = yield* tokenOf(plan, options)
    if (token === undefined) return ((yield* pageOf(options)) - 1) * pageSize
    return token.k === "s" ? token.index : yield* foreignToken()
  })

type Sort = (records: ReadonlyArray<JsonRecord>) => Array<JsonRecord>

const sorted = (plan: ListPlan, sort: Sort, limits: Limits) =>
  Effect.map(readAll(plan, limits, "orderBy"), sort)

const memoryPage = (plan: ListPlan, sort: Sort, options: ListOptions, pageSize: number, limits: Limits) =>
  Effect.gen(function* () {
    const start = yield* sortedStart(plan, options, pageSize)
    const all = yield* sorted(plan, sort, limits)
    const end = start + pageSize
    const result: { records: Array<JsonRecord>; nextPage?: string; total?: number } = {
      records: all.slice(start, end).map(plan.project)
    }
    if (end < all.length) {
      result.nextPage = PageToken.encode({ v: 1, k: "s", f: plan.fingerprint, index: end })
    }
    if (options.returnCount === true) result.total = all.length
    return result satisfies ListResult
  })

/** One page of a prepared list call. */
export const page = (
  plan: ListPlan,
  options: ListOptions,
  limits: Limits
): Effect.Effect<ListResult, Failure> =>
  Effect.gen(function* () {
    const pageSize = yield* pageSizeOf(options, limits)
    if (plan.memoryOrder !== undefined)
      return yield* memoryPage(plan, plan.memoryOrder, options, pageSize, limits)
    const start = yield* startOf(plan, options, pageSize)
    return yield* vendorPage(plan, start, pageSize, limits, options.returnCount === true)
  })

/**
 * Every matching record of a prepared list call, from the `nextPage` token or `page` when given.
 * `pageSize` only sets the vendor page size here (capped at the vendor's maximum).
 */
export const stream = (
  plan: ListPlan,
  options: ListOptions,
  limits: Limits
): Stream.Stream<JsonRecord, Failure> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const pageSize = yield* pageSizeOf(options, limits)
      const sort = plan.memoryOrder
      if (sort !== undefined) {
        const from = yield* sortedStart(plan, options, pageSize)
        const all = yield* sorted(plan, sort, limits)
        return Stream.fromIterable(all.slice(from)).pipe(Stream.map(plan.project))
      }
      const start = yield* startOf(plan, options, pageSize)
      const size =
        plan.source.paging._tag === "PageNumber" && start.size !== undefined
          ? start.size
          : options.pageSize === undefined
            ? plan.source.maxSize
            : Math.min(plan.source.maxSize, options.pageSize)
      const check = VendorPager.guard(plan.source, limits.maxVendorPages)
      const matches = plan.matches
      const records = Stream.paginate(start.raw, (position: number) =>
        VendorPager.fetch(plan.source, position, size).pipe(
          Effect.tap(check),
          Effect.map(
            (fetched) =>
              [
                matches === undefined ? fetched.records : fetched.records.filter(matches),
                fetched.end ? Option.none<number>() : Option.some(fetched.nextRaw)
              ] as const
          )
        )
      )
      return (start.skip > 0 ? Stream.drop(records, start.skip) : records).pipe(Stream.map(plan.project))
    })
  )
