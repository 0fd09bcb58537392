/**
 * Check 5, paging: with two and a half pages of records of the first listable resource at the fake,
 * walking `nextPage` tokens with a small page size returns every record exactly once, in exact pages
 * (every page but the last full), ends with a page without a token, and a `returnCount` total, when
 * given, counts every record.
 */
import { Effect } from "effect"
import type { Harness } from "../Conformance.js"
import { expectNone, step } from "./ConformanceFailure.js"
import { describeIds, duplicates, recordId } from "./RecordIds.js"
import { requireListable } from "./FirstListable.js"
import { connectGood, withFake } from "./TestInstance.js"

const CHECK = "paging"

/** Check 5. */
export const run = (harness: Harness): Promise<void> =>
  withFake(harness, (fake) =>
    Effect.gen(function* () {
      const { connector } = harness
      const [name, resource] = yield* requireListable(CHECK, connector)
      const pageSize = harness.pageSize ?? 4
      const wanted = Math.ceil(pageSize * 2.5)
      const seeded = yield* step(
        CHECK,
        `seeding ${wanted} ${name}`,
        Effect.promise(() => fake.seed(name, wanted))
      )
      const { connection } = yield* step(CHECK, "connecting", connectGood(connector, fake))

      const problems: Array<string> = []
      const walked: Array<string> = []
      const sizes: Array<number> = []
      let total: number | undefined
      let token: string | undefined
      // A walk longer than this never ends: the token does not move past the last page.
      const maxPages = Math.ceil(seeded.length / pageSize) + 3
      for (let index = 0; index < maxPages; index++) {
        const page = yield* step(
          CHECK,
          `reading page ${index + 1} of ${name}`,
          connection.list(
            token === undefined
              ? { resource: name, pageSize, returnCount: true }
              : { resource: name, pageSize, nextPage: token }
          )
        )
        if (index === 0) total = page.total
        sizes.push(page.records.length)
        for (const record of page.records) {
          const id = recordId(record, resource.id)
          if (id === undefined)
            problems.push(`page ${index + 1} holds a record without an id at '${resource.id}'`)
          else walked.push(id)
        }
        token = page.nextPage
        if (token === undefined) break
      }
      if (token !== undefined) problems.push(`nextPage was still given after ${maxPages} pages`)
      const oversized = sizes.findIndex((size) => size > pageSize)
      if (oversized >= 0)
        problems.push(
          `page ${oversized + 1} holds ${sizes[oversized]} records, more than pageSize ${pageSize}`
        )
      const short = sizes.slice(0, -1).findIndex((size) => size < pageSize)
      if (short >= 0)
        problems.push(
          `page ${short + 1} of ${sizes.length} holds ${sizes[short]} records, fewer than pageSize ${pageSize}`
        )
      const repeated = duplicates(walked)
      if (repeated.length > 0) problems.push(`records returned more than once: ${describeIds(repeated)}`)
      const seen = new Set(walked)
      const missing = seeded.filter((id) => !seen.has(id))
      if (missing.length > 0)
        problems.push(
          `records of the fake never returned (${missing.length} of ${seeded.length}): ${describeIds(missing)}`
        )
      const known = new Set(seeded)
      const foreign = [...seen].filter((id) => !known.has(id))
      if (foreign.length > 0)
        problems.push(`records returned that the fake does not hold as ${name}: ${describeIds(foreign)}`)
      if (total !== undefined && total !== seeded.length)
        problems.push(`returnCount gave a total of ${total}, but the fake holds ${seeded.length} ${name}`)
      yield* expectNone(CHECK, problems)
    })
  )
