/**
 * The fake Sage 200's records of one company: collections of JSON records with int64-style numeric
 * ids given in order, and `date_time_created`/`date_time_updated` stamped from the fake's clock in the
 * vendor's form (`2026-11-22T10:00:00.123Z`).
 */

/** A stored record. */
export type FakeRecord = Record<string, unknown> & { readonly id: number }

/** The vendor's timestamp text for an instant. */
export const timestamp = (millis: number): string => new Date(millis).toISOString()

/** One company's data. */
export class FakeSage200Store {
  private readonly collections = new Map<string, Map<number, FakeRecord>>()
  private nextId = 1000

  constructor(private readonly now: () => number) {}

  private collection(name: string): Map<number, FakeRecord> {
    let found = this.collections.get(name)
    if (found === undefined) {
      found = new Map()
      this.collections.set(name, found)
    }
    return found
  }

  /** Every record of a collection, in id order. */
  list(name: string): ReadonlyArray<FakeRecord> {
    return [...this.collection(name).values()].sort((a, b) => a.id - b.id)
  }

  /** One record by id (number or its text). */
  get(name: string, id: number | string): FakeRecord | undefined {
    return this.collection(name).get(Number(id))
  }

  /** Adds a record with a fresh id and both dates set to now (or to `at`). */
  insert(name: string, fields: Readonly<Record<string, unknown>>, at?: number): FakeRecord {
    const stamp = timestamp(at ?? this.now())
    const id = this.nextId++
    const record: FakeRecord = { ...fields, id, date_time_created: stamp, date_time_updated: stamp }
    this.collection(name).set(id, record)
    return record
  }

  /** Merges fields into a record and moves its updated date to now (or to `at`). */
  update(
    name: string,
    id: number | string,
    fields: Readonly<Record<string, unknown>>,
    at?: number
  ): FakeRecord | undefined {
    const current = this.get(name, id)
    if (current === undefined) return undefined
    const record: FakeRecord = {
      ...current,
      ...fields,
      id: current.id,
      date_time_created: current["date_time_created"],
      date_time_updated: timestamp(at ?? this.now())
    }
    this.collection(name).set(current.id, record)
    return record
  }

  /** Deletes a record; false when it did not exist. */
  remove(name: string, id: number | string): boolean {
    return this.collection(name).delete(Number(id))
  }
}
