/**
 * The records of the fake Sage Accounting server: one ordered map per collection plus the tombstones
 * of deleted records. Tests seed and change data here directly (with explicit times when they need
 * ties or history) and the HTTP side reads and writes the same maps.
 */
import { randomBytes } from "node:crypto"
import { collections } from "./FakeSageCollections.js"

/** A stored vendor record, shaped as the vendor returns it from `GET /{collection}/{id}`. */
export type FakeRecord = Readonly<Record<string, unknown>> & {
  readonly id: string
  readonly displayed_as: string
  readonly $path: string
  readonly created_at: string
  readonly updated_at: string
}

/** What the vendor keeps of a deleted record, returned by lists with `deleted_since`. */
export interface Tombstone {
  readonly id: string
  readonly displayed_as: string
  readonly $path: string
  readonly deleted_at: string
}

/** When a change happens: an ISO time or epoch milliseconds; default the server's clock. */
export interface At {
  readonly at?: string | number | Date
}

/** The vendor's timestamp form: ISO 8601 UTC with whole seconds and `Z`. */
export const timestamp = (millis: number): string => new Date(millis).toISOString().replace(/\.\d{3}Z$/, "Z")

const plural = (noun: string): string =>
  noun.endsWith("y") ? `${noun.slice(0, -1)}ies` : noun.endsWith("s") ? `${noun}es` : `${noun}s`

/** The records and tombstones of every collection. */
export class FakeSageStore {
  private readonly records = new Map<string, Map<string, FakeRecord>>()
  private readonly graves = new Map<string, Array<Tombstone>>()

  constructor(private readonly now: () => number) {
    for (const spec of Object.values(collections)) {
      for (const seed of spec.seed ?? []) this.insert(spec.name, seed)
    }
  }

  /**
   * Adds a record from a vendor write body (`contact_id` becomes a `contact` link,
   * `contact_type_ids` becomes `contact_types`); an `id` in the fields is kept.
   */
  insert(collection: string, fields: Readonly<Record<string, unknown>>, options: At = {}): FakeRecord {
    const when = timestamp(this.millis(options))
    const id = typeof fields["id"] === "string" ? fields["id"] : randomBytes(16).toString("hex")
    const body = this.materialize(fields)
    const record = this.finish(collection, {
      ...body,
      id,
      $path: `/${collection}/${id}`,
      created_at: typeof fields["created_at"] === "string" ? fields["created_at"] : when,
      updated_at: typeof fields["updated_at"] === "string" ? fields["updated_at"] : when,
      deleted_at: null
    })
    this.table(collection).set(id, record)
    return record
  }

  /** Merges write-body fields into a record and moves its `updated_at`; undefined when absent. */
  update(
    collection: string,
    id: string,
    fields: Readonly<Record<string, unknown>>,
    options: At = {}
  ): FakeRecord | undefined {
    const current = this.table(collection).get(id)
    if (current === undefined) return undefined
    const record = this.finish(collection, {
      ...current,
      ...this.materialize(fields),
      id,
      $path: current.$path,
      created_at: current.created_at,
      updated_at: timestamp(this.millis(options))
    })
    this.table(collection).set(id, record)
    return record
  }

  /** Deletes a record, leaving a tombstone; false when absent. */
  remove(collection: string, id: string, options: At = {}): boolean {
    const current = this.table(collection).get(id)
    if (current === undefined) return false
    this.table(collection).delete(id)
    const graves = this.graves.get(collection) ?? []
    graves.push({
      id,
      displayed_as: current.displayed_as,
      $path: current.$path,
      deleted_at: timestamp(this.millis(options))
    })
    this.graves.set(collection, graves)
    return true
  }

  /** One record, or undefined. */
  get(collection: string, id: string): FakeRecord | undefined {
    return this.table(collection).get(id)
  }

  /** Every live record of a collection, in creation order. */
  list(collection: string): ReadonlyArray<FakeRecord> {
    return [...this.table(collection).values()]
  }

  /** Every tombstone of a collection, in deletion order. */
  deleted(collection: string): ReadonlyArray<Tombstone> {
    return this.graves.get(collection) ?? []
  }

  private table(collection: string): Map<string, FakeRecord> {
    let table = this.records.get(collection)
    if (table === undefined) {
      table = new Map()
      this.records.set(collection, table)
    }
    return table
  }

  private millis(options: At): number {
    if (options.at === undefined) return this.now()
    return options.at instanceof Date ? options.at.getTime() : new Date(options.at).getTime()
  }

  private link(noun: string, id: string): Record<string, unknown> {
    const target = plural(noun)
    const found = this.records.get(target)?.get(id)
    return { id, displayed_as: found?.displayed_as ?? id, $path: `/${target}/${id}` }
  }

  // Write bodies name related records by id; the vendor answers with link objects instead.
  private materialize(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(fields)) {
      if (key === "id" || key === "created_at" || key === "updated_at") continue
      if (key.endsWith("_ids") && Array.isArray(value)) {
        const noun = key.slice(0, -4)
        out[plural(noun)] = value.map((id) => this.link(noun, String(id)))
      } else if (key.endsWith("_id") && typeof value === "string") {
        const noun = key.slice(0, -3)
        out[noun] = this.link(noun, value)
        const named = this.records.get(plural(noun))?.get(value)
        if (noun === "contact" && named !== undefined) out["contact_name"] = named["name"]
      } else {
        out[key] = value
      }
    }
    return out
  }

  private finish(collection: string, record: Record<string, unknown>): FakeRecord {
    const field = collections[collection]?.displayField ?? "name"
    const shown = record[field]
    return {
      ...record,
      displayed_as:
        typeof shown === "string" || typeof shown === "number" ? String(shown) : String(record["id"])
    } as FakeRecord
  }
}
