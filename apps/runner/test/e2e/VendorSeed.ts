/**
 * History in the fake vendors before any instance exists: records dated a day back, one minute
 * apart — far outside the poller's first window (enabling events replays at most `pollDelay`, two
 * minutes) — for the CEQL and paging checks, and as old records to update and delete later.
 */
import type { FakeSageAccounting } from "@plugboard/connector-sage-accounting/testing"
import type { FakeSageCrm } from "@plugboard/connector-sagecrm/testing"

/** A seeded record: its id and when it was stamped. */
export interface Seeded<Id> {
  readonly id: Id
  readonly name: string
  /** ISO time, whole seconds, UTC. */
  readonly at: string
  /** Sage CRM: `comp_type`; Sage Accounting: `reference`. */
  readonly group: string
}

const minute = 60_000

const isoSeconds = (millis: number): string => `${new Date(millis).toISOString().slice(0, 19)}Z`

/** The start of the seeded history: a day ago, on a whole minute. */
export const historyStart = (): number => Math.floor((Date.now() - 24 * 60 * minute) / minute) * minute

/** 24 Sage CRM companies, every third a `Customer`, the others `Prospect`s. */
export const seedCrm = (crm: FakeSageCrm, start: number): ReadonlyArray<Seeded<number>> => {
  const seeded: Array<Seeded<number>> = []
  for (let index = 0; index < 24; index++) {
    const at = start + index * minute
    crm.store.clock.set(new Date(at))
    const group = index % 3 === 0 ? "Customer" : "Prospect"
    const name = `Seeded Company ${index}`
    const record = crm.store.insert("Company", { comp_name: name, comp_type: group })
    seeded.push({ id: record.comp_companyid as number, name, at: isoSeconds(at), group })
  }
  crm.store.clock.set(new Date())
  return seeded
}

/**
 * 22 Sage Accounting customers, every fourth with reference `GOLD`, one `GOLDEN` (which an
 * equality on `GOLD` must not match, though Sage's `search` would), and 3 suppliers the
 * `customers` resource must leave out.
 */
export const seedSage = (
  sage: FakeSageAccounting,
  start: number
): { readonly customers: ReadonlyArray<Seeded<string>>; readonly vendors: ReadonlyArray<string> } => {
  const customers: Array<Seeded<string>> = []
  for (let index = 0; index < 22; index++) {
    const at = start + index * minute
    const group = index === 21 ? "GOLDEN" : index % 4 === 0 ? "GOLD" : `REF-${index}`
    const name = `Seeded Customer ${index}`
    const record = sage.store.insert(
      "contacts",
      { name, reference: group, contact_type_ids: ["CUSTOMER"] },
      { at }
    )
    customers.push({ id: record.id, name, at: isoSeconds(at), group })
  }
  const vendors = [0, 1, 2].map(
    (index) =>
      sage.store.insert(
        "contacts",
        { name: `Seeded Supplier ${index}`, reference: "GOLD", contact_type_ids: ["VENDOR"] },
        { at: start + (index * 7 + 3) * minute + 30_000 }
      ).id
  )
  return { customers, vendors }
}
