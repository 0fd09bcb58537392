/**
 * `GET` of a fake Sage 200 collection with the vendor's OData options: `$filter`, `$orderby`,
 * `$select`, `$top` (default 500, at most 5000) and `$skip` (refused without `$orderby`, as the
 * vendor does). The body is a bare JSON array; there is no total and no next link.
 */
import type { FakeAnswer } from "@plugboard/testkit/fake-vendor"
import { compileFilter, ODataError, parseFilter, parseOrderBy, select } from "./FakeSage200OData.js"
import type { FakeRecord } from "./FakeSage200Store.js"

/** One HTTP answer of the fake (the testkit's fake answer). */
export type Answer = FakeAnswer

/** The vendor's error body. */
export const vendorError = (code: string, message: string): Readonly<Record<string, string>> => ({
  code,
  message
})

/** The default and the largest `$top`. */
export const defaultTop = 500
export const maxTop = 5000

const known = new Set(["$filter", "$orderby", "$select", "$top", "$skip", "$expand", "$count"])

const integer = (name: string, text: string, max: number): number => {
  if (!/^\d+$/.test(text) || Number(text) > max) {
    throw new ODataError(`${name} must be a whole number from 0 to ${max} (got '${text}')`)
  }
  return Number(text)
}

/** Lists `records` as the vendor would for these query parameters. */
export const listRecords = (records: ReadonlyArray<FakeRecord>, query: URLSearchParams): Answer => {
  try {
    for (const name of query.keys()) {
      if (name.startsWith("$") && !known.has(name)) throw new ODataError(`unknown query option '${name}'`)
    }
    const fields = new Set(records.flatMap((record) => Object.keys(record)))
    let selected = [...records]
    const filter = query.get("$filter")
    if (filter !== null && filter.trim() !== "") {
      const matches = compileFilter(parseFilter(filter), fields)
      selected = selected.filter(matches)
    }
    const orderBy = query.get("$orderby")
    if (orderBy !== null && orderBy.trim() !== "") selected.sort(parseOrderBy(orderBy, fields))
    const skipText = query.get("$skip")
    if (skipText !== null && (orderBy === null || orderBy.trim() === "")) {
      throw new ODataError("$skip can only be used together with $orderby")
    }
    const skip = skipText === null ? 0 : integer("$skip", skipText, Number.MAX_SAFE_INTEGER)
    const topText = query.get("$top")
    const top = topText === null ? defaultTop : integer("$top", topText, maxTop)
    const page = selected.slice(skip, skip + top)
    const selection = query.get("$select")
    const body =
      selection === null || selection.trim() === ""
        ? page
        : page.map((record) =>
            select(
              record,
              selection.split(",").map((f) => f.trim())
            )
          )
    return { status: 200, body }
  } catch (error) {
    if (error instanceof ODataError) return { status: 400, body: vendorError("InvalidQuery", error.message) }
    throw error
  }
}
