/**
 * Changes made in the fake vendors while the runner polls them, each written down in the
 * {@link CallbackLedger} as the event it must produce: a Sage CRM company created (CREATED) or
 * updated (UPDATED), through {@link CrmChanges}; a Sage Accounting customer created, updated, or
 * deleted (DELETED, from the vendor's tombstones). An update waits until the record is more than the
 * pollers' created-check tolerance (1 s) old, so that it is an UPDATED and not a second CREATED.
 */
import type { FakeSageAccounting } from "@plugboard/connector-sage-accounting/testing"
import type { FakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import type { CallbackLedger } from "./CallbackLedger.js"
import { CrmChanges } from "./CrmChanges.js"

/** Where the events of each vendor's changes go. */
export interface Targets {
  readonly crmInstanceId: number
  readonly sageInstanceId: number
}

const toleranceMillis = 1_000

/** Makes changes in both fakes and writes down the event each must produce. */
export class VendorChanges {
  private readonly stamped = new Map<string, number>()
  private counter = 0
  private readonly crmChanges: CrmChanges

  constructor(
    readonly crm: FakeSageCrm,
    readonly sage: FakeSageAccounting,
    readonly ledger: CallbackLedger,
    readonly targets: Targets
  ) {
    this.crmChanges = new CrmChanges(crm, ledger, targets.crmInstanceId)
  }

  // Vendors stamp whole seconds: a record is old enough once a full second separates the stamps.
  private async olderThanTolerance(key: string): Promise<void> {
    const at = this.stamped.get(key)
    if (at === undefined) return
    const wait = Math.floor(at / 1000) * 1000 + toleranceMillis + 1000 - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  }

  /** Creates a Sage CRM company; CREATED. */
  crmCreate(): number {
    return this.crmChanges.create()
  }

  /** Renames a Sage CRM company; UPDATED. */
  crmUpdate(id: number): Promise<void> {
    return this.crmChanges.update(id)
  }

  /** Creates a Sage Accounting customer; CREATED. */
  sageCreate(): string {
    const record = this.sage.store.insert("contacts", {
      name: `Changed Customer ${++this.counter}`,
      contact_type_ids: ["CUSTOMER"]
    })
    this.stamped.set(`sage:${record.id}`, Date.now())
    this.ledger.expect({
      instanceId: this.targets.sageInstanceId,
      objectType: "customers",
      objectId: record.id,
      eventType: "CREATED"
    })
    return record.id
  }

  /** Renames a Sage Accounting customer; UPDATED. */
  async sageUpdate(id: string): Promise<void> {
    await this.olderThanTolerance(`sage:${id}`)
    const updated = this.sage.store.update("contacts", id, { name: `Renamed Customer ${++this.counter}` })
    if (updated === undefined) throw new Error(`fake Sage Accounting has no contact ${id}`)
    this.stamped.set(`sage:${id}`, Date.now())
    this.ledger.expect({
      instanceId: this.targets.sageInstanceId,
      objectType: "customers",
      objectId: id,
      eventType: "UPDATED"
    })
  }

  /** Deletes a Sage Accounting customer, leaving a tombstone; DELETED. */
  sageDelete(id: string): void {
    if (!this.sage.store.remove("contacts", id)) throw new Error(`fake Sage Accounting has no contact ${id}`)
    this.ledger.expect({
      instanceId: this.targets.sageInstanceId,
      objectType: "customers",
      objectId: id,
      eventType: "DELETED"
    })
  }
}
