/**
 * Changes made in one fake Sage CRM while an instance polls it, each written down in the
 * {@link CallbackLedger} as the event it must produce: companies created (CREATED) or renamed
 * (UPDATED), one at a time or several stamped in the same second — the tied timestamps a cursor
 * saved in the middle of equal times would lose. A company is renamed only once it is more than the
 * pollers' created-check tolerance (1 s) old, so that the event is an UPDATED and not a second
 * CREATED.
 */
import type { FakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import type { CallbackLedger } from "./CallbackLedger.js"

const toleranceMillis = 1_000

/** Makes changes in one fake Sage CRM and writes down the event each must produce for one instance. */
export class CrmChanges {
  private readonly stamped = new Map<number, number>()
  private counter = 0

  constructor(
    readonly crm: FakeSageCrm,
    readonly ledger: CallbackLedger,
    readonly instanceId: number
  ) {}

  /** Every company created here, oldest first. */
  get companies(): ReadonlyArray<number> {
    return [...this.stamped.keys()]
  }

  /**
   * When a company may be renamed: a full second after the tolerance, counted from the whole second
   * it was last stamped (vendors stamp whole seconds).
   */
  private readyAt(id: number): number {
    const at = this.stamped.get(id)
    return at === undefined ? 0 : Math.floor(at / 1000) * 1000 + toleranceMillis + 1000
  }

  /** Whether a company may be renamed now without waiting. */
  ready(id: number, now = Date.now()): boolean {
    return this.readyAt(id) <= now
  }

  private expect(id: number, eventType: "CREATED" | "UPDATED"): void {
    this.stamped.set(id, Date.now())
    this.ledger.expect({
      instanceId: this.instanceId,
      objectType: "accounts",
      objectId: String(id),
      eventType
    })
  }

  /** Creates `count` companies stamped in the same second; CREATED each. */
  createTied(count: number): ReadonlyArray<number> {
    this.crm.store.clock.set(new Date())
    return Array.from({ length: count }, () => {
      const record = this.crm.store.insert("Company", { comp_name: `Changed Company ${++this.counter}` })
      const id = record.comp_companyid as number
      this.expect(id, "CREATED")
      return id
    })
  }

  /** Creates a company; CREATED. */
  create(): number {
    return this.createTied(1)[0]!
  }

  /** Renames companies, all stamped in the same second, once each is old enough; UPDATED each. */
  async updateTied(ids: ReadonlyArray<number>): Promise<void> {
    const wait = Math.max(0, ...ids.map((id) => this.readyAt(id))) - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    this.crm.store.clock.set(new Date())
    for (const id of ids) {
      this.crm.store.update("Company", id, { comp_name: `Renamed Company ${++this.counter}` })
      this.expect(id, "UPDATED")
    }
  }

  /** Renames a company once it is old enough; UPDATED. */
  update(id: number): Promise<void> {
    return this.updateTied([id])
  }
}
