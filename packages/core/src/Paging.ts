/**
 * How a vendor pages its lists, as data. Core turns these into vendor requests and turns vendor
 * positions into opaque `nextPage` tokens, so every connector pages the same way to the caller.
 */

/** Where the records and the total sit in a list response; `null` items means a bare JSON array. */
export interface Envelope {
  /** Dotted path of the record array in the body, or null when the body is the array. */
  readonly items: string | null
  /** Dotted path of the total count, when the vendor gives one. */
  readonly total?: string
}

/** Offset paging: `startIndex`/`count` (SData, 1-based) or `$skip`/`$top` (OData, 0-based). */
export interface Offset extends Envelope {
  readonly _tag: "Offset"
  readonly offsetParam: string
  readonly limitParam: string
  /** The offset of the first record: 1 for SData, 0 for OData. */
  readonly firstOffset: number
  readonly maxPageSize: number
  readonly defaultPageSize: number
}

/** Page-number paging: `page`/`items_per_page` (Sage Accounting), `page`/`per_page` (Sendoso). */
export interface PageNumber extends Envelope {
  readonly _tag: "PageNumber"
  readonly pageParam: string
  readonly sizeParam: string
  readonly firstPage: number
  readonly maxPageSize: number
  readonly defaultPageSize: number
  /** Dotted path of a "next page" link that is null on the last page (`$next`), when there is one. */
  readonly next?: string
}

/** A vendor that returns everything in one response. */
export interface Single extends Envelope {
  readonly _tag: "Single"
}

/** Every paging style. */
export type Paging = Offset | PageNumber | Single

/** Offset paging with the given parameter names. */
export const offset = (
  options: Omit<Offset, "_tag" | "defaultPageSize"> & { readonly defaultPageSize?: number }
): Paging => ({
  _tag: "Offset",
  defaultPageSize: Math.min(options.maxPageSize, 100),
  ...options
})

/** Page-number paging with the given parameter names. */
export const pageNumber = (
  options: Omit<PageNumber, "_tag" | "defaultPageSize" | "firstPage"> & {
    readonly defaultPageSize?: number
    readonly firstPage?: number
  }
): Paging => ({
  _tag: "PageNumber",
  firstPage: 1,
  defaultPageSize: Math.min(options.maxPageSize, 100),
  ...options
})

/** One response holds every record. */
export const single = (envelope: Envelope = { items: null }): Paging => ({ _tag: "Single", ...envelope })
