/**
 * Check 4, list and read, for one resource: with records seeded at the fake, a list call returns
 * records of that resource only (each with an id at the resource's id field); when the resource
 * can `get`, its first record reads back by id; and each child collection of that record lists.
 */
import { Connector } from "@plugboard/core"
import { Effect } from "effect"
import type { Harness } from "../Conformance.js"
import { ConformanceFailure, expectNone, expectThat, step } from "./ConformanceFailure.js"
import { describeIds, recordId } from "./RecordIds.js"
import { connectGood, withFake } from "./TestInstance.js"

const pageSize = 5

/** Check 4 for `name`. */
export const run = (harness: Harness, name: string): Promise<void> => {
  const check = `${name} lists and reads`
  const resource = Connector.resource(harness.connector, name)
  return withFake(harness, (fake) =>
    Effect.gen(function* () {
      if (resource === undefined) {
        return yield* new ConformanceFailure({ check, problems: [`'${name}' is not a resource`] })
      }
      const seeded = yield* step(
        check,
        `seeding ${name}`,
        Effect.promise(() => fake.seed(name, 1))
      )
      yield* expectThat(check, seeded.length >= 1, `the harness seeded no ${name}`)
      const { connection } = yield* step(check, "connecting", connectGood(harness.connector, fake))
      const page = yield* step(check, `listing ${name}`, connection.list({ resource: name, pageSize }))
      const problems: Array<string> = []
      if (page.records.length === 0)
        problems.push(`listing ${name} returned nothing, but the fake holds ${seeded.length}`)
      if (page.records.length > pageSize)
        problems.push(`listing ${name} with pageSize ${pageSize} returned ${page.records.length} records`)
      const ids = page.records.map((record) => recordId(record, resource.id))
      const withoutId = ids.filter((id) => id === undefined).length
      if (withoutId > 0) problems.push(`${withoutId} listed record(s) have no id at '${resource.id}'`)
      const known = new Set(seeded)
      const foreign = ids.filter((id): id is string => id !== undefined && !known.has(id))
      if (foreign.length > 0)
        problems.push(
          `listing ${name} returned records that are not ${name} at the fake: ${describeIds(foreign)}`
        )
      yield* expectNone(check, problems)

      const first = ids[0]
      if (first === undefined) return
      if (resource.verbs.includes("get")) {
        const record = yield* step(check, `reading ${name} '${first}'`, connection.get(name, first))
        const readId = recordId(record, resource.id)
        yield* expectThat(
          check,
          readId === first,
          `reading ${name} '${first}' returned a record with id ${readId === undefined ? "missing" : `'${readId}'`} at '${resource.id}'`
        )
      }
      for (const child of Object.keys(resource.children)) {
        yield* step(
          check,
          `listing the ${child} of ${name} '${first}'`,
          connection.children(name, first, child, { pageSize })
        )
      }
    })
  )
}
