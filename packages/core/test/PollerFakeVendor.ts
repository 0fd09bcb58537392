/**
 * An in-memory vendor for the poller's property tests: records with ids, created and updated times
 * stamped at second resolution by a clock skewed from the runner's, an `updated >= since` filter
 * applied on those stamps, offset paging recomputed on every page (so records inserted, updated or
 * deleted between page fetches shift pages the way real vendors do), tombstones with an exclusive
 * `deleted_since`, and an oracle log of every change.
 */
import type { Poller } from "@plugboard/core"
import { type Clock, Duration, Effect, Option, Stream } from "effect"

/** How the vendor orders a listing. */
export type Order = "updatedAsc" | "updatedDesc" | "id"

/** A change applied to the vendor. `pick` chooses an existing record (modulo their number). */
export type Mutation =
  | { readonly _tag: "insert"; readonly undated: boolean }
  | { readonly _tag: "update"; readonly pick: number }
  | { readonly _tag: "delete"; readonly pick: number }

interface Row {
  readonly id: number
  rev: number
  readonly created: number
  updated: number
  readonly undated: boolean
}

/** One change as the oracle records it (runner time). */
export interface Change {
  readonly id: string
  readonly rev: number
  readonly at: number
  readonly deleted: boolean
}

export interface FakeVendorOptions {
  readonly start: number
  /** Vendor clock minus runner clock, ms. */
  readonly skew: number
  readonly order: Order
  readonly pageSize: number
  /** Whether deletions are reported as tombstones (else they are silent). */
  readonly tombstones: boolean
  /** Whether the `where` filter is honoured (a Diff-mode vendor has none). */
  readonly filters: boolean
  /** Runner time each page fetch takes, ms. */
  readonly pageMillis: number
}

const sinceInUrl = /'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)'/

export class FakeVendor {
  /** The runner's clock (ms); the vendor stamps with `time + skew`, truncated to the second. */
  time: number
  readonly changes: Array<Change> = []
  readonly urls: Array<string> = []
  private readonly rows = new Map<number, Row>()
  private readonly deletedRows: Array<{ readonly id: number; readonly deletedAt: number }> = []
  private nextId = 1
  /** Mutations to apply before each next page fetch (one batch per page boundary). */
  private betweenPages: Array<ReadonlyArray<Mutation>> = []

  constructor(readonly options: FakeVendorOptions) {
    this.time = options.start
  }

  /** The vendor's clock, second resolution. */
  vendorNow(): number {
    return Math.floor((this.time + this.options.skew) / 1000) * 1000
  }

  get size(): number {
    return this.rows.size
  }

  apply(mutation: Mutation): void {
    switch (mutation._tag) {
      case "insert": {
        const id = this.nextId++
        const stamp = this.vendorNow()
        this.rows.set(id, { id, rev: 1, created: stamp, updated: stamp, undated: mutation.undated })
        this.changes.push({ id: String(id), rev: 1, at: this.time, deleted: false })
        return
      }
      case "update": {
        const row = this.pick(mutation.pick)
        if (row === undefined) return
        row.rev += 1
        row.updated = this.vendorNow()
        this.changes.push({ id: String(row.id), rev: row.rev, at: this.time, deleted: false })
        return
      }
      case "delete": {
        const row = this.pick(mutation.pick)
        if (row === undefined) return
        this.rows.delete(row.id)
        this.deletedRows.push({ id: row.id, deletedAt: this.vendorNow() })
        this.changes.push({ id: String(row.id), rev: row.rev, at: this.time, deleted: true })
        return
      }
    }
  }

  /** Mutations to make while the next poll pages: batch `i` lands just before page `i + 2` is fetched. */
  duringNextListing(batches: ReadonlyArray<ReadonlyArray<Mutation>>): void {
    this.betweenPages = [...batches]
  }

  /** The ids of the records that exist now. */
  ids(): Set<string> {
    return new Set([...this.rows.keys()].map(String))
  }

  /** Current revision of a record, undefined once deleted. */
  revision(id: string): number | undefined {
    return this.rows.get(Number(id))?.rev
  }

  /** Whether an existing record carries created and updated dates (undefined once deleted). */
  dated(id: string): boolean | undefined {
    const row = this.rows.get(Number(id))
    return row === undefined ? undefined : !row.undated
  }

  private pick(pick: number): Row | undefined {
    if (this.rows.size === 0) return undefined
    const ids = [...this.rows.keys()]
    return this.rows.get(ids[pick % ids.length]!)
  }

  private view(row: Row): Record<string, unknown> {
    const iso = (millis: number) => new Date(millis).toISOString().replace(".000Z", "Z")
    return {
      id: row.id,
      name: `record ${row.id} v${row.rev}`,
      rev: row.rev,
      created_at: row.undated ? null : iso(row.created),
      updated_at: row.undated ? null : iso(row.updated)
    }
  }

  private listing(since: number | undefined): Array<Row> {
    const rows = [...this.rows.values()].filter((row) => since === undefined || row.updated >= since)
    const byUpdated = (a: Row, b: Row) => a.updated - b.updated || a.id - b.id
    switch (this.options.order) {
      case "updatedAsc":
        return rows.sort(byUpdated)
      case "updatedDesc":
        return rows.sort((a, b) => byUpdated(b, a))
      case "id":
        return rows.sort((a, b) => a.id - b.id)
    }
  }

  /** The poller's source: offset pages recomputed on every fetch, tombstones when enabled. */
  source(): Poller.Source {
    const query = (url: string): Stream.Stream<unknown> => {
      this.urls.push(url)
      const match = sinceInUrl.exec(url)
      const since = this.options.filters && match !== null ? Date.parse(match[1]!) : undefined
      const pageSize = this.options.pageSize
      return Stream.paginate(0, (offset: number) =>
        Effect.sync(() => {
          if (offset > 0) for (const mutation of this.betweenPages.shift() ?? []) this.apply(mutation)
          this.time += this.options.pageMillis
          const page = this.listing(since).slice(offset, offset + pageSize)
          const next = page.length < pageSize ? Option.none<number>() : Option.some(offset + pageSize)
          return [page.map((row) => this.view(row)), next] as const
        })
      )
    }
    if (!this.options.tombstones) return { query }
    return {
      query,
      tombstones: {
        deletedField: "deleted_at",
        since: (sinceMillis) =>
          Stream.fromEffect(
            Effect.sync(() => {
              this.time += this.options.pageMillis
              // Exclusive, like Sage's deleted_since, on a second-resolution parameter.
              const bound = Math.floor(sinceMillis / 1000) * 1000
              return this.deletedRows
                .filter((row) => row.deletedAt > bound)
                .map((row) => ({ id: row.id, deleted_at: new Date(row.deletedAt).toISOString() }))
            })
          ).pipe(Stream.flatMap((rows) => Stream.fromIterable(rows)))
      }
    }
  }

  /** A `Clock` reading this vendor's runner time, so the poller's end-of-poll reading follows the fake. */
  clock(): Clock.Clock {
    const now = () => this.time
    return {
      currentTimeMillisUnsafe: now,
      currentTimeMillis: Effect.sync(now),
      currentTimeNanosUnsafe: () => BigInt(now()) * 1_000_000n,
      currentTimeNanos: Effect.sync(() => BigInt(now()) * 1_000_000n),
      monotonicTimeNanosUnsafe: () => BigInt(now()) * 1_000_000n,
      monotonicTimeNanos: Effect.sync(() => BigInt(now()) * 1_000_000n),
      sleep: (duration) =>
        Effect.sync(() => {
          this.time += Duration.toMillis(duration)
        })
    }
  }
}
