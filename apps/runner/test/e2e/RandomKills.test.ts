/**
 * kill -9 of the runner at random points, against an oracle: 0 lost (reliability.md "Polling: lose
 * nothing, duplicate little"). On embedded SQLite and on PostgreSQL, the real entry point runs as a
 * child process and is killed with SIGKILL a random 0–3 s after it became ready, then started
 * again on the same data, over and over, while records keep changing in fake Sage CRMs — several
 * stamped in the same second (tied timestamps) — before, during and between the runners' lives.
 * At the end the {@link CallbackLedger} has every change reported: none missing, none extra, a
 * repeat only as a resend of the same notification (same `webhook-id`, same bytes).
 */
import { CallbackReceiver } from "@plugboard/testkit"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { postgresReachable } from "../support/Backends.js"
import { sample } from "../support/PrometheusText.js"
import type { Backend } from "../support/TestRunner.js"
import { sleep } from "../support/Until.js"
import { CallbackLedger } from "./CallbackLedger.js"
import { type ChildRunner, startChild } from "./ChildRunner.js"
import { type Churn, type CrmFleet, seededRandom, startCrmFleet, testSeed } from "./CrmFleet.js"
import { type Deployment, makeDeployment } from "./Deployment.js"

const backends: ReadonlyArray<Backend> = (await postgresReachable()) ? ["sqlite", "postgres"] : ["sqlite"]

/** How many runner lives end in a SIGKILL. */
const kills = 6

/**
 * After the last kill, until every change is reported: on PostgreSQL a claim the killed runner held
 * lapses 30 s after its last renewal (the next runner then takes it); on SQLite the next runner
 * releases them at start.
 */
const recoveryBound = 60_000

/** How many partitions a runner owns, from its `/metrics`. */
const owned = async (runner: ChildRunner): Promise<number> =>
  sample(await (await runner.call("//metrics")).text(), "plugboard_engine_partitions_owned", {}) ?? 0

describe.each(backends)("kill -9 at random points on %s", (backend) => {
  const seed = testSeed()
  const random = seededRandom(seed)
  const ledger = new CallbackLedger()
  let receiver: CallbackReceiver.CallbackReceiver
  let deployment: Deployment
  let runner: ChildRunner | undefined
  let fleet: CrmFleet
  let churn: Churn | undefined
  const outputs: Array<string> = []

  /** Failure messages carry the seed and the output of every runner's life. */
  const context = () =>
    `seed ${seed} (PLUGBOARD_TEST_SEED repeats the kill points and the churn's choices)\n${outputs
      .map((output, index) => `--- runner life ${index + 1} ---\n${output}`)
      .join("\n")}${runner === undefined ? "" : `\n--- the last runner ---\n${runner.output()}`}`

  beforeAll(async () => {
    receiver = await CallbackReceiver.start()
    deployment = await makeDeployment(backend)
    runner = await startChild(deployment)
    fleet = await startCrmFleet({ count: 6, runner, deployment, receiver, ledger, refreshMinutes: "0.02" })
  }, 60_000)

  afterAll(async () => {
    await churn?.stop().catch(() => undefined)
    await runner?.kill()
    await receiver?.close()
    await fleet?.close()
    await deployment?.dispose()
  }, 60_000)

  it(`loses nothing over ${kills} SIGKILLs, each 0–3 s into a runner's life`, async () => {
    const startedAt = Date.now()
    churn = fleet.churn({ everyMs: 200, random })
    const killPoints: Array<number> = []
    const ownedAtKill: Array<number> = []
    for (let life = 0; life < kills; life++) {
      runner ??= await startChild(deployment)
      // Not a wait for an outcome: the moment of the kill, which lands wherever the runner is —
      // mid-poll, mid-commit, mid-delivery, or idle.
      const killAfter = Math.floor(random() * 3_000)
      killPoints.push(killAfter)
      await sleep(killAfter)
      ownedAtKill.push(await owned(runner))
      await runner.kill()
      assert.strictEqual(runner.exit().signal, "SIGKILL", runner.output())
      outputs.push(runner.output())
      runner = undefined
    }
    // A kill that found the runner owning no partition would have interrupted no poll or delivery.
    assert.isTrue(
      ownedAtKill.some((count) => count > 0),
      `no runner owned a partition when killed: ${ownedAtKill.join(", ")}`
    )
    const lastKillAt = Date.now()
    runner = await startChild(deployment)
    // A few more changes made with the last runner up, then the churn stops.
    await sleep(1_000)
    await churn.stop()
    churn = undefined
    await ledger
      .waitForAll(receiver, recoveryBound - (Date.now() - lastKillAt))
      .catch((error: unknown) => assert.fail(`${String(error)}\n${context()}`))
    const reportedAfter = Date.now() - lastKillAt
    // Nothing more may arrive once everything has: a few more polling rounds.
    await sleep(2_000)
    assert.deepStrictEqual(ledger.compare(receiver), { missing: [], extra: [] }, context())
    const delivered = ledger.delivered(receiver)
    console.info(
      `${backend}: ${kills} kills at ${killPoints.join(", ")} ms into each life, owning ${ownedAtKill.join(", ")} partitions; ${ledger.expected.length} ` +
        `changes, all reported ${reportedAfter} ms after the last kill, in ${delivered.length} notifications ` +
        `(${delivered.filter((entry) => entry.attempts > 1).length} resent with the same webhook-id); ` +
        `${Date.now() - startedAt} ms in all; seed ${seed}`
    )
  }, 150_000)
})
