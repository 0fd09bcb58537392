/**
 * Scaling out and failing over with real processes (architecture.md "The engine"): two runners — the
 * real entry point, each its own operating system process with its own HTTP and cluster ports — on
 * one PostgreSQL database split the 64 partitions between them, and both poll and deliver. While
 * records keep changing in 16 fake Sage CRMs (tied timestamps included), runner B is killed with
 * SIGKILL: runner A takes over every partition, and every change made before and after the kill
 * reaches its callback within a bound — none missing, none extra, a repeat only as a resend of the
 * same notification (same `webhook-id`, same bytes).
 */
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Partition from "../../src/engine/Partition.js"
import { postgresReachable } from "../support/Backends.js"
import { sample } from "../support/PrometheusText.js"
import { sleep, until } from "../support/Until.js"
import { CallbackLedger } from "./CallbackLedger.js"
import { type ChildRunner, startChild } from "./ChildRunner.js"
import { type Churn, type CrmFleet, seededRandom, startCrmFleet, testSeed } from "./CrmFleet.js"
import { type Deployment, freeStablePort, makeDeployment } from "./Deployment.js"

const reachable = await postgresReachable()

/** From the SIGKILL to the last change reported: the dead runner's claims lapse within 30 s. */
const recoveryBound = 60_000

/** What a runner's `/metrics` says about its share of the work. */
interface Share {
  readonly partitions: number | undefined
  readonly polls: number
  readonly delivered: number
}

const share = async (runner: ChildRunner): Promise<Share> => {
  const text = await (await runner.call("//metrics")).text()
  return {
    partitions: sample(text, "plugboard_engine_partitions_owned", {}),
    polls:
      sample(text, "plugboard_polls_total", {
        element: "sagecrm",
        resource: "accounts",
        outcome: "success"
      }) ?? 0,
    delivered: sample(text, "plugboard_deliveries_total", { outcome: "delivered" }) ?? 0
  }
}

describe.skipIf(!reachable)("two runner processes on one PostgreSQL database", () => {
  const seed = testSeed()
  const random = seededRandom(seed)
  const ledger = new CallbackLedger()
  let receiver: CallbackReceiver.CallbackReceiver
  let deployment: Deployment
  let a: ChildRunner
  let b: ChildRunner
  let fleet: CrmFleet
  let churn: Churn | undefined

  /** Failure messages carry the seed and both processes' output. */
  const context = () =>
    `seed ${seed} (PLUGBOARD_TEST_SEED repeats the churn's choices)\n--- runner A ---\n${a?.output()}\n--- runner B ---\n${b?.output()}`

  beforeAll(async () => {
    receiver = await CallbackReceiver.start()
    deployment = await makeDeployment("postgres")
    // A first, then B: B joining takes its share of the partitions over from A, as adding a
    // process to a running deployment does.
    a = await startChild(deployment)
    b = await startChild(deployment, { clusterPort: await freeStablePort() })
    fleet = await startCrmFleet({
      count: 16,
      runner: a,
      deployment,
      receiver,
      ledger,
      refreshMinutes: "0.02"
    })
  }, 90_000)

  afterAll(async () => {
    await churn?.stop().catch(() => undefined)
    await b?.kill()
    await a?.stop()
    await receiver?.close()
    await fleet?.close()
    await deployment?.dispose()
  }, 90_000)

  it("split the 64 partitions between them, and both poll and deliver", async () => {
    const split = await until(
      "the partitions split between A and B",
      async () => [await share(a), await share(b)] as const,
      ([first, second]) =>
        (first.partitions ?? 0) > 0 &&
        (second.partitions ?? 0) > 0 &&
        (first.partitions ?? 0) + (second.partitions ?? 0) === Partition.COUNT,
      60_000
    )
    churn = fleet.churn({ everyMs: 250, random })
    // The 16 instances hash into partitions of both runners: each runner polls and delivers some.
    const busy = await until(
      "polls and deliveries on both runners",
      async () => [await share(a), await share(b)] as const,
      ([first, second]) => first.polls > 0 && second.polls > 0 && first.delivered > 0 && second.delivered > 0,
      30_000
    )
    assert.isAbove(busy[1].delivered, 0, context())
    console.info(`partitions: A ${split[0].partitions}, B ${split[1].partitions}; seed ${seed}`)
  }, 100_000)

  it("lose nothing when B is killed with SIGKILL: A takes over all its partitions within the bound", async () => {
    // Killed mid-work: the churn keeps changing records in instances of both runners.
    await until(
      "B delivering again",
      async () => (await share(b)).delivered,
      (delivered) => delivered >= 3,
      20_000
    )
    const ownedBefore = (await share(a)).partitions ?? 0
    assert.isBelow(ownedBefore, Partition.COUNT, "B still owned partitions when it was killed")
    const changesBefore = ledger.expected.length
    const killedAt = Date.now()
    await b.kill()
    assert.strictEqual(b.exit().signal, "SIGKILL", context())

    const takeover = await until(
      "A owning all 64 partitions",
      async () => (await share(a)).partitions,
      (partitions) => partitions === Partition.COUNT,
      recoveryBound
    )
    const tookOverAfter = Date.now() - killedAt
    // Changes keep coming for a few seconds after the takeover, then the churn stops.
    await sleep(3_000)
    await churn!.stop()
    churn = undefined
    const changesAfter = ledger.expected.length - changesBefore
    assert.isAbove(changesAfter, 0)
    await ledger
      .waitForAll(receiver, Math.max(1_000, killedAt + recoveryBound - Date.now()))
      .catch((error: unknown) => assert.fail(`${String(error)}\n${context()}`))
    const allReportedAfter = Date.now() - killedAt
    assert.strictEqual(takeover, Partition.COUNT)
    // Nothing more may arrive once everything has: a few more polling rounds.
    await sleep(2_500)
    assert.deepStrictEqual(ledger.compare(receiver), { missing: [], extra: [] }, context())
    const delivered = ledger.delivered(receiver)
    const resent = delivered.filter((entry) => entry.attempts > 1).length
    console.info(
      `A owned ${ownedBefore} partitions before the kill and all ${takeover} ${tookOverAfter} ms after it; all ${ledger.expected.length} changes ` +
        `(${changesAfter} after the kill) reported ${allReportedAfter} ms after it, in ${delivered.length} ` +
        `notifications (${resent} resent with the same webhook-id); seed ${seed}`
    )
  }, 120_000)
})
