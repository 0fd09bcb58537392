/**
 * Many Sage CRM instances at once for the scale-out and crash tests: a fake Sage CRM per instance
 * (so each change belongs to exactly one instance), the instances created through a runner's API
 * from the seed body with events on and a short poll interval, each callback registered with the
 * {@link CallbackLedger}; and a churn that keeps changing records in the fakes while runners come
 * and go.
 */
import { randomBytes } from "node:crypto"
import { type FakeSageCrm, startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import type { CallbackReceiver } from "@plugboard/testkit"
import { assert } from "@effect/vitest"
import { sageCrmBody } from "../support/Seeds.js"
import type { CallbackLedger } from "./CallbackLedger.js"
import { CrmChanges } from "./CrmChanges.js"
import type { Deployment } from "./Deployment.js"
import type { RunnerHandle } from "./RunnerHandle.js"

/** The seed's date placeholder for Sage CRM's poller URL (text for the runner to fill). */
const gmtPlaceholder = "$" + "{gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}"

/** A source of numbers in [0, 1) that a seed reproduces (mulberry32). */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * The seed of a test's random choices: `PLUGBOARD_TEST_SEED` repeats a run's choices (kill points,
 * which records change; the timing of runners and polls still varies), else a fresh one.
 */
export const testSeed = (): number =>
  process.env.PLUGBOARD_TEST_SEED === undefined
    ? randomBytes(4).readUInt32BE(0)
    : Number(process.env.PLUGBOARD_TEST_SEED)

/** A churn running in the background. */
export interface Churn {
  /** Rounds made so far. */
  readonly rounds: () => number
  /** Stops after the round in progress; fails with what went wrong in a round, if anything did. */
  readonly stop: () => Promise<void>
}

/** The instances of a fleet and the changes made in their fakes. */
export interface CrmFleet {
  readonly instanceIds: ReadonlyArray<number>
  readonly changes: ReadonlyArray<CrmChanges>
  /**
   * Starts changing records every `everyMs`: each round picks a few instances and in each creates
   * one to three companies in one second, or renames up to three companies in one second — only
   * companies whose last change has already been reported, because a record changed twice between
   * two polls is reported once, in its latest version (the poller's documented guarantee).
   */
  readonly churn: (options: { readonly everyMs: number; readonly random: () => number }) => Churn
  readonly close: () => Promise<void>
}

/**
 * Starts `count` fake Sage CRMs and creates an instance on each through `runner`, polling every
 * `refreshMinutes` (decimals allowed) and delivering to `/hooks/crm-<n>` on the receiver.
 */
export const startCrmFleet = async (options: {
  readonly count: number
  readonly runner: RunnerHandle
  readonly deployment: Deployment
  readonly receiver: CallbackReceiver.CallbackReceiver
  readonly ledger: CallbackLedger
  readonly refreshMinutes: string
}): Promise<CrmFleet> => {
  const { ledger, receiver } = options
  const password = `crm-password-${randomBytes(6).toString("hex")}`
  const signatureKey = `crm-signing-key-${randomBytes(6).toString("hex")}`
  const basic = { username: "crm-hook", password: `crm-hook-${randomBytes(6).toString("hex")}` }
  const fakes: Array<FakeSageCrm> = []
  const changes: Array<CrmChanges> = []
  for (let index = 0; index < options.count; index++) {
    const crm = await startFakeSageCrm({ username: "admin", password })
    fakes.push(crm)
    const seed = sageCrmBody({ baseUrl: crm.baseUrl, username: "admin", password })
    const path = `/hooks/crm-${index}`
    const response = await options.runner.call("/instances", {
      method: "POST",
      headers: { authorization: options.deployment.authorization() },
      json: {
        ...seed,
        name: `SageCRM ${index}`,
        configuration: {
          ...seed.configuration,
          "event.notification.enabled": true,
          "event.notification.callback.url": `${receiver.url}${path}`,
          "event.notification.basic.username": basic.username,
          "event.notification.basic.password": basic.password,
          "event.notification.signature.key": signatureKey,
          "event.poller.refresh_interval": options.refreshMinutes,
          "event.poller.configuration": {
            accounts: { url: `/hubs/crm/accounts?where=Comp_UpdatedDate >= '${gmtPlaceholder}'` }
          }
        }
      }
    })
    const instance = JSON.parse(await response.text())
    assert.strictEqual(response.status, 200, JSON.stringify(instance))
    ledger.subscribe({
      instanceId: instance.id,
      userId: instance.user.id,
      path,
      elementKey: "sagecrm",
      hubKey: "crm",
      objectType: "accounts",
      idField: "comp_companyid",
      signatureKey,
      basic
    })
    changes.push(new CrmChanges(crm, ledger, instance.id))
  }

  const churn = ({ everyMs, random }: { readonly everyMs: number; readonly random: () => number }): Churn => {
    let running = true
    let rounds = 0
    const pick = <A>(items: ReadonlyArray<A>, most: number): Array<A> => {
      const left = [...items]
      const picked: Array<A> = []
      while (left.length > 0 && picked.length < most)
        picked.push(left.splice(Math.floor(random() * left.length), 1)[0]!)
      return picked
    }
    const round = async () => {
      // Objects (`instanceId|objectId`) with a change not yet reported: not to be changed again yet.
      const unreported = new Set(
        ledger.compare(receiver).missing.map((key) => {
          const [instanceId, , objectId] = key.split("|")
          return `${instanceId}|${objectId}`
        })
      )
      const now = Date.now()
      for (const target of pick(changes, Math.max(1, Math.ceil(changes.length / 4)))) {
        const renamable = target.companies.filter(
          (id) => target.ready(id, now) && !unreported.has(`${target.instanceId}|${id}`)
        )
        if (renamable.length > 0 && random() < 0.6) {
          await target.updateTied(pick(renamable, 1 + Math.floor(random() * 3)))
        } else {
          target.createTied(1 + Math.floor(random() * 3))
        }
      }
    }
    let failure: { readonly error: unknown } | undefined
    const loop = (async () => {
      try {
        while (running) {
          await round()
          rounds++
          await new Promise((resolve) => setTimeout(resolve, everyMs))
        }
      } catch (error) {
        failure = { error }
      }
    })()
    return {
      rounds: () => rounds,
      stop: async () => {
        running = false
        await loop
        if (failure !== undefined) throw failure.error
      }
    }
  }

  return {
    instanceIds: changes.map((target) => target.instanceId),
    changes,
    churn,
    close: async () => {
      await Promise.all(fakes.map((crm) => crm.close()))
    }
  }
}
