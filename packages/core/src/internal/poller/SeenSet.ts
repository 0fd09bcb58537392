import type { SeenEntry } from "./PollerState.js"

/**
 * The dedupe set of a poller: which (objectId, version) pairs were already emitted, each with the
 * vendor time until which it must be kept. Several versions per object may live here at once (a
 * vendor that answers from replicas can show an older version again; it must not be re-emitted).
 */
export class SeenSet {
  private readonly byId = new Map<string, Map<string, number>>()

  constructor(entries: ReadonlyArray<SeenEntry> = []) {
    for (const [id, version, keepUntil] of entries) this.add(id, version, keepUntil)
  }

  has(id: string, version: string): boolean {
    return this.byId.get(id)?.has(version) === true
  }

  /** Records a version, keeping the later `keepUntil` when it is there already. */
  add(id: string, version: string, keepUntil: number): void {
    let versions = this.byId.get(id)
    if (versions === undefined) {
      versions = new Map()
      this.byId.set(id, versions)
    }
    const current = versions.get(version)
    if (current === undefined || current < keepUntil) versions.set(version, keepUntil)
  }

  /** Drops what the vendor can no longer list at or after `since`. */
  prune(since: number): void {
    for (const [id, versions] of this.byId) {
      for (const [version, keepUntil] of versions) if (keepUntil < since) versions.delete(version)
      if (versions.size === 0) this.byId.delete(id)
    }
  }

  get size(): number {
    let count = 0
    for (const versions of this.byId.values()) count += versions.size
    return count
  }

  /** The entries in a stable order, so equal sets encode to equal JSON. */
  entries(): Array<SeenEntry> {
    const out: Array<SeenEntry> = []
    for (const [id, versions] of this.byId)
      for (const [version, keepUntil] of versions) out.push([id, version, keepUntil])
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
  }
}
