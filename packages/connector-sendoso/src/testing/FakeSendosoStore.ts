/**
 * The records of the fake Sendoso server: one ordered table per collection with integer ids, and the
 * dates Sendoso stamps (groups `created_at`/`updated_at`; campaigns, sends and return addresses
 * `created_at` only; users none). Tests add, change and delete records here directly — with explicit
 * times when they need them — and the HTTP side reads and writes the same tables.
 */

/** The collections of the fake, named as Sendoso's list envelopes name their record arrays. */
export type Collection = "groups" | "users" | "touches" | "sends" | "return_addresses"

/** Every collection, in a fixed order. */
export const collectionNames: ReadonlyArray<Collection> = [
  "groups",
  "users",
  "touches",
  "sends",
  "return_addresses"
]

/** A stored record, shaped as Sendoso lists it. */
export type FakeRecord = Readonly<Record<string, unknown>> & { readonly id: number }

/** When a change happens: an ISO time or epoch milliseconds; default the server's clock. */
export interface At {
  readonly at?: string | number | Date
}

/** Which dates each collection's records carry. */
const dates: Readonly<Record<Collection, { readonly created: boolean; readonly updated: boolean }>> = {
  groups: { created: true, updated: true },
  users: { created: false, updated: false },
  touches: { created: true, updated: false },
  sends: { created: true, updated: false },
  return_addresses: { created: true, updated: false }
}

const pad = (n: number, width = 2): string => String(Math.trunc(Math.abs(n))).padStart(width, "0")

/**
 * Sendoso's timestamp form: ISO 8601 with milliseconds and the account's UTC offset
 * (`2020-05-01T13:53:05.000-07:00`); `offsetMinutes` east of UTC.
 */
export const timestamp = (millis: number, offsetMinutes = -420): string => {
  const local = new Date(millis + offsetMinutes * 60_000)
  const sign = offsetMinutes < 0 ? "-" : "+"
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `.${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(offsetMinutes / 60)}:${pad(offsetMinutes % 60)}`
  )
}

/** The tables of every collection. */
export class FakeSendosoStore {
  private readonly tables = new Map<Collection, Map<number, FakeRecord>>()
  private nextId = 1001

  /**
   * @param now the server's clock in epoch milliseconds
   * @param offsetMinutes the UTC offset of the timestamps the fake writes (default −07:00)
   */
  constructor(
    private readonly now: () => number,
    readonly offsetMinutes = -420
  ) {
    for (const name of collectionNames) this.tables.set(name, new Map())
  }

  /** Every record of a collection in id order, as Sendoso lists them. */
  list(collection: Collection): ReadonlyArray<FakeRecord> {
    return [...this.table(collection).values()].sort((a, b) => a.id - b.id)
  }

  /** One record, or undefined. */
  get(collection: Collection, id: number | string): FakeRecord | undefined {
    return this.table(collection).get(Number(id))
  }

  /**
   * Adds a record with the next id (or the numeric `id` in `fields`) and the collection's dates at
   * `options.at` (default now); dates given in `fields` are kept.
   */
  add(collection: Collection, fields: Readonly<Record<string, unknown>>, options: At = {}): FakeRecord {
    const given = typeof fields["id"] === "number" ? fields["id"] : undefined
    const id = given ?? this.nextId++
    if (given !== undefined) this.nextId = Math.max(this.nextId, given + 1)
    const when = this.stamp(options)
    const kinds = dates[collection]
    const record: FakeRecord = {
      ...fields,
      id,
      ...(kinds.created
        ? { created_at: typeof fields["created_at"] === "string" ? fields["created_at"] : when }
        : {}),
      ...(kinds.updated
        ? { updated_at: typeof fields["updated_at"] === "string" ? fields["updated_at"] : when }
        : {})
    }
    this.table(collection).set(id, record)
    return record
  }

  /** Merges fields into a record and moves its `updated_at` where it has one; undefined when absent. */
  change(
    collection: Collection,
    id: number | string,
    fields: Readonly<Record<string, unknown>>,
    options: At = {}
  ): FakeRecord | undefined {
    const current = this.get(collection, id)
    if (current === undefined) return undefined
    const record: FakeRecord = {
      ...current,
      ...fields,
      id: current.id,
      ...(dates[collection].updated ? { updated_at: this.stamp(options) } : {})
    }
    this.table(collection).set(current.id, record)
    return record
  }

  /** Deletes a record (an archived campaign, a removed group); whether it existed. */
  delete(collection: Collection, id: number | string): boolean {
    return this.table(collection).delete(Number(id))
  }

  /** The fake's current time as a Sendoso timestamp. */
  timestampNow(): string {
    return timestamp(this.now(), this.offsetMinutes)
  }

  private stamp(options: At): string {
    const at = options.at
    const millis =
      at === undefined
        ? this.now()
        : at instanceof Date
          ? at.getTime()
          : typeof at === "number"
            ? at
            : Date.parse(at)
    return timestamp(millis, this.offsetMinutes)
  }

  private table(collection: Collection): Map<number, FakeRecord> {
    const table = this.tables.get(collection)
    if (table === undefined) throw new TypeError(`the fake Sendoso has no collection '${collection}'`)
    return table
  }
}
