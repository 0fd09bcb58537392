/**
 * Check 7, polling, for one resource with a poll strategy, with the entry the instance polls with
 * (its configured one, else the connector's default) over the instance's connection, as the runner
 * polls:
 * - sequential polls: records added at the fake after the poller was enabled are all emitted by
 *   the first poll (a diff poller is primed with one listing before they are added); the state is
 *   saved (encoded to JSON text) and read back; a record changed after
 *   that is emitted by the second poll exactly once, and nothing else is emitted again (no event id
 *   repeats, no unchanged record comes back); a third poll with no change gives nothing;
 * - future cursor: a poll whose watermark is a day after the fake's clock gives no event, and for an
 *   updated-since poll the vendor lists nothing (its change filter is applied, not ignored).
 */
import { type Connection, Connector, Poller, PollerConfiguration } from "@plugboard/core"
import { Effect } from "effect"
import type { FakeVendor, Harness } from "../Conformance.js"
import { ConformanceFailure, expectNone, step } from "./ConformanceFailure.js"
import { describeIds, duplicates } from "./RecordIds.js"
import { connectGood, vendorNow, withFake } from "./TestInstance.js"

const hour = 3_600_000
const day = 24 * hour

interface Setup {
  readonly entry: PollerConfiguration.Entry
  readonly input: (state: Poller.State, now: number) => Poller.PollInput<Connection.HubError>
}

const setUp = (harness: Harness, fake: FakeVendor, name: string, check: string) =>
  Effect.gen(function* () {
    const { connector } = harness
    const resource = Connector.resource(connector, name)
    if (
      resource === undefined ||
      PollerConfiguration.defaultEntry(connector.hub, name, resource) === undefined
    ) {
      return yield* new ConformanceFailure({ check, problems: [`'${name}' has no default poller entry`] })
    }
    const client = yield* step(check, "connecting", connectGood(connector, fake))
    // The entry the runner would poll with: the instance's own, else the connector's default.
    const entry = yield* step(check, `resolving the poller entry of ${name}`, client.pollEntry(name))
    const source = Poller.fromConnection(client.connection, name)
    const setup: Setup = {
      entry,
      input: (state, now) => ({
        source,
        instanceId: client.instanceKey,
        elementKey: connector.key,
        hubKey: connector.hub,
        resource: name,
        entry,
        state,
        now
      })
    }
    return setup
  })

/** Saves a state as the runner's store does (JSON text) and reads it back. */
const saved = (check: string, state: Poller.State) =>
  step(check, "reading back the saved poller state", Poller.decodeState(Poller.encodeState(state)))

const eventIds = (result: Poller.PollResult): ReadonlyArray<string> => result.events.map((e) => e.event.id)
const objectIds = (result: Poller.PollResult): ReadonlyArray<string> =>
  result.events.map((e) => e.event.objectId)

/** Check 7a for `name`. */
export const sequentialPolls = (harness: Harness, name: string): Promise<void> => {
  const check = `${name}: sequential polls`
  return withFake(harness, (fake) =>
    Effect.gen(function* () {
      const { entry, input } = yield* setUp(harness, fake, name, check)
      let enabled = Poller.initialState(vendorNow(fake) - hour)
      if (PollerConfiguration.settings(entry).strategy === "diff") {
        // A diff poller's first listing is its baseline (only records created since enabling are
        // reported on it): prime it before seeding, as an instance enabled earlier would have been.
        const primed = yield* step(check, "the priming poll", Poller.poll(input(enabled, vendorNow(fake))))
        enabled = yield* saved(check, primed.state)
      }
      const before = yield* step(
        check,
        `reading the ${name} the fake holds`,
        Effect.promise(() => fake.seed(name, 0))
      )
      const all = yield* step(
        check,
        `seeding ${name}`,
        Effect.promise(() => fake.seed(name, before.length + 3))
      )
      const existing = new Set(before)
      const added = all.filter((id) => !existing.has(id))
      const problems: Array<string> = []
      if (added.length === 0) problems.push(`seeding ${name} added no record`)

      const first = yield* step(check, "the first poll", Poller.poll(input(enabled, vendorNow(fake))))
      const firstObjects = new Set(objectIds(first))
      const lost = added.filter((id) => !firstObjects.has(id))
      if (lost.length > 0)
        problems.push(`the first poll did not emit records added after enabling: ${describeIds(lost)}`)
      const firstRepeated = duplicates(eventIds(first))
      if (firstRepeated.length > 0)
        problems.push(`the first poll emitted event ids twice: ${describeIds(firstRepeated)}`)

      const afterFirst = yield* saved(check, first.state)
      if (fake.advance !== undefined) {
        const advance = fake.advance
        yield* Effect.promise(async () => advance(1_000))
      }
      const touched = fake.touch === undefined ? undefined : added[0]
      if (touched !== undefined && fake.touch !== undefined) {
        const touch = fake.touch
        yield* step(
          check,
          `changing ${name} '${touched}'`,
          Effect.promise(() => touch(name, touched))
        )
      }

      const second = yield* step(check, "the second poll", Poller.poll(input(afterFirst, vendorNow(fake))))
      const firstEvents = new Set(eventIds(first))
      const repeated = eventIds(second).filter((id) => firstEvents.has(id))
      if (repeated.length > 0)
        problems.push(`the second poll repeated event ids of the first: ${describeIds(repeated)}`)
      const secondRepeated = duplicates(eventIds(second))
      if (secondRepeated.length > 0)
        problems.push(`the second poll emitted event ids twice: ${describeIds(secondRepeated)}`)
      const secondObjects = objectIds(second)
      const unchanged = new Set(added.filter((id) => id !== touched))
      const again = secondObjects.filter((id) => unchanged.has(id))
      if (again.length > 0)
        problems.push(`the second poll emitted unchanged records again: ${describeIds(again)}`)
      if (touched !== undefined) {
        const changes = secondObjects.filter((id) => id === touched).length
        if (changes !== 1)
          problems.push(
            `the second poll emitted the record changed after the first ${changes} times, expected once ('${touched}')`
          )
      }

      const afterSecond = yield* saved(check, second.state)
      const third = yield* step(check, "the third poll", Poller.poll(input(afterSecond, vendorNow(fake))))
      if (third.events.length > 0)
        problems.push(`a third poll with no change emitted ${describeIds(objectIds(third))}`)
      yield* expectNone(check, problems)
    })
  )
}

/** Check 7b for `name`. */
export const futureCursor = (harness: Harness, name: string): Promise<void> => {
  const check = `${name}: future cursor`
  return withFake(harness, (fake) =>
    Effect.gen(function* () {
      const { entry, input } = yield* setUp(harness, fake, name, check)
      yield* step(
        check,
        `seeding ${name}`,
        Effect.promise(() => fake.seed(name, 3))
      )
      const future = vendorNow(fake) + day
      const problems: Array<string> = []
      if (PollerConfiguration.settings(entry).strategy === "diff") {
        // A diff poller has no cursor: its first listing is the baseline, after which nothing changed.
        const primed = yield* step(
          check,
          "the priming poll",
          Poller.poll(input(Poller.initialState(future), future))
        )
        const repeat = yield* saved(check, primed.state)
        const result = yield* step(check, "the poll after priming", Poller.poll(input(repeat, future)))
        if (result.events.length > 0)
          problems.push(`a poll with nothing changed emitted ${describeIds(objectIds(result))}`)
        return yield* expectNone(check, problems)
      }
      const state = yield* saved(check, Poller.initialState(future))
      const result = yield* step(check, "the poll from a future cursor", Poller.poll(input(state, future)))
      if (result.events.length > 0)
        problems.push(`a poll from a cursor a day ahead emitted ${describeIds(objectIds(result))}`)
      if (result.stats.records > 0) {
        problems.push(
          `the vendor listed ${result.stats.records} record(s) for a window starting a day ahead (${result.stats.url}): the change filter was not applied`
        )
      }
      yield* expectNone(check, problems)
    })
  )
}
