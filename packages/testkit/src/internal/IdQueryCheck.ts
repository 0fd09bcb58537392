/**
 * Check 6, CEQL equality on the id field: on the first listable resource, `where <idField> = <id>`
 * (a number literal when the vendor's id is a number, a string otherwise) returns exactly the record
 * with that id and no further page, and the same query with an id the fake does not hold returns
 * nothing.
 */
import { Ceql } from "@plugboard/core"
import { Effect, Stream } from "effect"
import type { Harness } from "../Conformance.js"
import { ConformanceFailure, expectNone, expectThat, step } from "./ConformanceFailure.js"
import { describeIds, idText, readPath, recordId } from "./RecordIds.js"
import { requireListable } from "./FirstListable.js"
import { connectGood, withFake } from "./TestInstance.js"

const CHECK = "CEQL id equality"

/** An id of the same type as `value` that no record has: past the largest number, or an unlikely text. */
const absentId = (value: string | number, ids: ReadonlyArray<string>): string | number =>
  typeof value === "number"
    ? Math.max(0, ...ids.map(Number).filter(Number.isFinite)) + 1_000_000
    : "plugboard-conformance-absent-id"

/** Check 6. */
export const run = (harness: Harness): Promise<void> =>
  withFake(harness, (fake) =>
    Effect.gen(function* () {
      const { connector } = harness
      const [name, resource] = yield* requireListable(CHECK, connector)
      const seeded = yield* step(
        CHECK,
        `seeding ${name}`,
        Effect.promise(() => fake.seed(name, 3))
      )
      const { connection } = yield* step(CHECK, "connecting", connectGood(connector, fake))
      const records = yield* step(
        CHECK,
        `listing every ${name}`,
        Stream.runCollect(connection.stream({ resource: name }))
      )
      const target = records[Math.floor(records.length / 2)]
      const targetId = recordId(target, resource.id)
      const raw = readPath(target, resource.id)
      if (targetId === undefined || (typeof raw !== "string" && typeof raw !== "number")) {
        return yield* new ConformanceFailure({
          check: CHECK,
          problems: [`no listed ${name} has an id at '${resource.id}' to query by (${records.length} listed)`]
        })
      }
      const query = (value: string | number) =>
        Ceql.print(Ceql.comparison(Ceql.field(resource.id), "=", value))

      const where = query(raw)
      const page = yield* step(
        CHECK,
        `listing ${name} where ${where}`,
        connection.list({ resource: name, where })
      )
      const found = page.records.map((record) => recordId(record, resource.id) ?? "(no id)")
      const problems: Array<string> = []
      if (found.length !== 1 || found[0] !== targetId)
        problems.push(
          `where ${where} returned ${found.length === 0 ? "nothing" : describeIds(found)}, expected only '${targetId}'`
        )
      if (page.nextPage !== undefined)
        problems.push(`where ${where} gave a nextPage token after the only match`)

      const absent = absentId(raw, [...seeded, ...records.map((r) => idText(readPath(r, resource.id)) ?? "")])
      const none = query(absent)
      const empty = yield* step(
        CHECK,
        `listing ${name} where ${none}`,
        connection.list({ resource: name, where: none })
      )
      if (empty.records.length > 0) {
        problems.push(
          `where ${none} returned ${describeIds(empty.records.map((r) => recordId(r, resource.id) ?? "(no id)"))}, expected nothing`
        )
      }
      yield* expectThat(CHECK, seeded.length >= 3, `the harness seeded ${seeded.length} ${name}, asked for 3`)
      yield* expectNone(CHECK, problems)
    })
  )
