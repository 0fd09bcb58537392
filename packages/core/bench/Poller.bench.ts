// biome-ignore-all lint/suspicious/noTemplateCurlyInString: poller URLs are written with ${…} placeholders
/**
 * Poller throughput over one poll of 10,000 records (records/s = 10,000 ÷ mean time):
 * - classify: reading ids and dates, the window filter, CREATED/UPDATED and the content hash;
 * - first poll: classification plus dedupe, event ids and events, through `Poller.poll`;
 * - overlap re-read: the same 10,000 versions listed again, all dropped by the dedupe set;
 * - diff poll: a Diff-mode listing with 10 % of the records changed.
 * Run: `pnpm --filter @plugboard/core bench`.
 */
import { Poller, PollerConfiguration } from "@plugboard/core"
import { Effect, Stream } from "effect"
import { test } from "vitest"
import { makeClassifier } from "../src/internal/poller/Classify.js"
import { withBaseline } from "./Baseline.js"

const count = 10_000
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0)
const iso = (millis: number) => new Date(millis).toISOString().replace(".000Z", "Z")

const records = Array.from({ length: count }, (_, index) => {
  // Ten records share each second; every seventh was created earlier (an UPDATED).
  const updated = T0 - 600_000 + Math.floor(index / 10) * 1000
  return {
    id: index + 1,
    name: `Account ${index + 1}`,
    email: `account${index + 1}@example.com`,
    balance: index * 3.25,
    tags: ["a", "b"],
    updated_at: iso(updated),
    created_at: iso(index % 7 === 0 ? updated - 86_400_000 : updated)
  }
})

const entry: PollerConfiguration.Entry = {
  url: "/hubs/crm/accounts?where=updated>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
  idField: "id",
  datesConfiguration: {
    updatedDateField: "updated_at",
    updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
    updatedDateTimezone: "GMT",
    createdDateField: "created_at",
    createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss'Z'",
    createdDateTimezone: "GMT"
  },
  pollDelay: 900
}
const source: Poller.Source = { query: () => Stream.fromIterable(records) }
const now = T0
const initial = Poller.initialState(T0 - 600_000)

const runPoll = (
  state: Poller.State,
  pollEntry: PollerConfiguration.Entry,
  pollSource: Poller.Source = source
) =>
  Effect.runSync(
    Poller.poll({
      source: pollSource,
      instanceId: 1,
      elementKey: "sagecrm",
      hubKey: "crm",
      resource: "accounts",
      entry: pollEntry,
      state,
      now
    })
  )

const afterFirst = runPoll(initial, entry).state
const diffEntry: PollerConfiguration.Entry = { ...entry, strategy: "diff" }
const diffPrimed = runPoll(initial, diffEntry).state
const changed = records.map((row, index) =>
  index % 10 === 0 ? { ...row, name: `${row.name} (edited)` } : row
)
const changedSource: Poller.Source = { query: () => Stream.fromIterable(changed) }

// Vitest 5 benchmarks are registered from a test through its `bench` fixture.
test(`Poller, ${count} records per poll`, { timeout: 300_000 }, async ({ bench }) => {
  await bench.compare(
    ...withBaseline(bench, "classify", () => {
      const classifier = makeClassifier(PollerConfiguration.settings(entry), T0 - 1_500_000, now)
      for (const record of records) classifier.classify(record)
    }),
    ...withBaseline(bench, "first poll (classify + dedupe + events)", () => {
      runPoll(initial, entry)
    }),
    ...withBaseline(bench, "overlap re-read (all duplicates)", () => {
      runPoll(afterFirst, entry)
    }),
    ...withBaseline(bench, "diff poll (10 % changed)", () => {
      runPoll(diffPrimed, diffEntry, changedSource)
    }),
    // A poll takes tens of milliseconds: a few seconds of samples each is plenty.
    { time: 3_000, warmupIterations: 3 }
  )
})
