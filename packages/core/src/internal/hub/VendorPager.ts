/**
 * One vendor list page at a time, in any paging style, addressed by a raw position: how many
 * vendor records precede it in the vendor's order. Offset paging starts exactly there; page-number
 * paging fetches the page holding it (`page = raw / size`) and drops the records before it; a
 * single-response vendor is fetched whole. Each fetch reports whether the vendor has more, from
 * the strongest signal it gave: a null "next" link, the total, an empty page, or a short page.
 */
import { Effect, Result } from "effect"
import * as ConnectorError from "../../ConnectorError.js"
import type { JsonRecord } from "../../HubQuery.js"
import type * as Paging from "../../Paging.js"
import type * as VendorClient from "../../VendorClient.js"
import * as ListBody from "./ListBody.js"

/** Where and how one listing reads its vendor pages. */
export interface Source {
  readonly client: VendorClient.VendorClient
  readonly paging: Paging.Paging
  /** Items and total paths (a resource's own envelope, or the connector's) plus the next-link path. */
  readonly envelope: Paging.Envelope & { readonly next?: string | undefined }
  readonly path: string
  /** Every query parameter but the paging ones. */
  readonly query: Readonly<Record<string, string>>
  readonly operation: string
  /** The largest page the vendor (and the instance's `pagination.max`) allows. */
  readonly maxSize: number
}

/** One fetched vendor page, cut to start at the asked position. */
export interface Fetched {
  /** Records from the asked position to the end of the vendor page; record i is at `firstRaw + i`. */
  readonly records: ReadonlyArray<JsonRecord>
  readonly firstRaw: number
  /** Position of the first record after this page. */
  readonly nextRaw: number
  /** The vendor has nothing after this page. */
  readonly end: boolean
  /** `end === false` is known for sure (the vendor gave a total or a next link), not guessed. */
  readonly certain: boolean
  readonly total: number | undefined
  /** How many records the whole vendor page held. */
  readonly pageLength: number
  /** Cheap identity of the page's content, to notice a vendor that ignores paging parameters. */
  readonly signature: string | undefined
}

const unexpected = (operation: string, message: string) =>
  ConnectorError.make(new ConnectorError.UnexpectedResponse({ message }), operation)

const signatureOf = (items: ReadonlyArray<JsonRecord>): string | undefined =>
  items.length === 0
    ? undefined
    : `${items.length}:${JSON.stringify(items[0])}:${JSON.stringify(items[items.length - 1])}`

/** Fetches the vendor page holding `raw`, asking for `size` records (capped at the source's maximum). */
export const fetch = (
  source: Source,
  raw: number,
  size: number
): Effect.Effect<Fetched, ConnectorError.ConnectorError> =>
  Effect.gen(function* () {
    const paging = source.paging
    const limit = Math.max(1, Math.min(Math.floor(size), source.maxSize))
    let query: Record<string, string> = { ...source.query }
    let pageStart = raw
    if (paging._tag === "Offset") {
      query = {
        ...query,
        [paging.offsetParam]: String(paging.firstOffset + raw),
        [paging.limitParam]: String(limit)
      }
    } else if (paging._tag === "PageNumber") {
      const index = Math.floor(raw / limit)
      pageStart = index * limit
      query = {
        ...query,
        [paging.pageParam]: String(paging.firstPage + index),
        [paging.sizeParam]: String(limit)
      }
    } else {
      pageStart = 0
    }
    const response = yield* source.client.request({
      method: "GET",
      path: source.path,
      query,
      operation: source.operation
    })
    const body = ListBody.read(response.body, source.envelope, source.operation)
    if (Result.isFailure(body)) return yield* body.failure
    const { items, total, next } = body.success
    const n = items.length
    const skip = raw - pageStart
    const records = skip === 0 ? items : items.slice(skip)
    const signature = signatureOf(items)
    if (paging._tag === "Single") {
      return { records, firstRaw: raw, nextRaw: n, end: true, certain: true, total, pageLength: n, signature }
    }
    if (paging._tag === "PageNumber" && n > limit) {
      return yield* unexpected(
        source.operation,
        `the vendor returned ${n} records for a page of ${limit}: it seems to ignore '${paging.sizeParam}', ` +
          "so pages would overlap"
      )
    }
    const signalled = next !== undefined || total !== undefined
    // Page-number positions count whole pages of `limit`, so a vendor page that came back short
    // still moves the position one full page on.
    const span = paging._tag === "PageNumber" ? limit : n
    const end =
      n === 0 ||
      next === null ||
      (total !== undefined && pageStart + span >= total) ||
      (!signalled && n < limit)
    return {
      records,
      firstRaw: raw,
      nextRaw: pageStart + span,
      end,
      certain: signalled,
      total,
      pageLength: n,
      signature
    }
  })

/**
 * Watches the pages of one listing for a vendor that never stops: more pages than `maxPages`, or
 * the same page content at two positions (paging parameters ignored). `check` fails with an
 * `UnexpectedResponse` naming the limit or the repeated position.
 */
export const guard = (source: Source, maxPages: number) => {
  let pages = 0
  let previous: { readonly signature: string; readonly raw: number } | undefined
  return (fetched: Fetched): Effect.Effect<void, ConnectorError.ConnectorError> => {
    pages += 1
    if (pages > maxPages) {
      return Effect.fail(
        unexpected(
          source.operation,
          `the vendor kept returning pages after ${maxPages} pages; stopped reading to protect the runner`
        )
      )
    }
    if (fetched.signature !== undefined) {
      if (
        previous !== undefined &&
        previous.signature === fetched.signature &&
        previous.raw !== fetched.firstRaw
      ) {
        return Effect.fail(
          unexpected(
            source.operation,
            `the vendor returned the same page at positions ${previous.raw} and ${fetched.firstRaw}: ` +
              "it seems to ignore the paging parameters"
          )
        )
      }
      previous = { signature: fetched.signature, raw: fetched.firstRaw }
    } else {
      previous = undefined
    }
    return Effect.void
  }
}
