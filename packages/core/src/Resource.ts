/**
 * A normalized hub resource (`accounts`, `customers`, …) mapped onto a vendor endpoint, as data:
 * its path, id field, dates, verbs, children, and how the poller watches it by default.
 */
import type { Envelope } from "./Paging.js"

/** The operations a resource may allow. `update` is PATCH, `replace` is PUT. */
export type Verb = "list" | "get" | "create" | "update" | "replace" | "delete"

/** A date field of vendor records and how to read it (a Java `SimpleDateFormat` pattern and zone). */
export interface DateField {
  readonly field: string
  readonly format: string
  readonly zone: string
}

/** A child collection: `GET /hubs/{hub}/{resource}/{id}/{child}` → the vendor path with `{id}` filled. */
export interface Child {
  readonly path: string
  readonly envelope?: Envelope
  readonly id?: string
}

/**
 * How the poller finds changes of this resource by default, the basis of the element's default
 * `event.poller.configuration` entry:
 * - `UpdatedSince`: a CEQL condition on the updated field, filled with the last poll time;
 * - `Diff`: the vendor has no change filter; every poll lists everything and compares content hashes.
 */
export type PollStrategy =
  | {
      readonly _tag: "UpdatedSince"
      /** CEQL condition with a date placeholder, e.g. `Comp_UpdatedDate >= '${gmtDate:yyyy-MM-dd'T'HH:mm:ss}'`. */
      readonly where: string
    }
  | { readonly _tag: "Diff" }

/** Vendor tombstones: a list query that returns objects deleted since a time. */
export interface Tombstones {
  /** Query parameter taking the time (`deleted_since`). */
  readonly param: string
  /** Java pattern of the parameter's value. */
  readonly format: string
  /** Path to query, when it is not the resource's own path. */
  readonly path?: string
  /** Dotted path of the deletion time in a tombstone record. */
  readonly deletedField?: string
}

/** One hub resource. */
export interface Resource {
  readonly description: string
  /** Vendor path of the collection, relative to `base.url` (`/Company`, `/contacts`). */
  readonly path: string
  /** Vendor path of one object; `{id}` is replaced by the URL-encoded id. Default `{path}/{id}`. */
  readonly itemPath: string
  /** Dotted path of the id in vendor records. */
  readonly id: string
  readonly created?: DateField
  readonly updated?: DateField
  readonly verbs: ReadonlyArray<Verb>
  /** Fixed query parameters of every list call (`contact_type_id=CUSTOMER` for customers). */
  readonly query: Readonly<Record<string, string>>
  /** Fixed fields merged into create bodies (`contact_type_ids: ["CUSTOMER"]`). */
  readonly createDefaults: Readonly<Record<string, unknown>>
  /**
   * The vendor method behind a hub PATCH. Most vendors PATCH; some (Sage Accounting) have only a
   * PUT that merges the fields sent, so a hub PATCH must become that PUT.
   */
  readonly updateMethod: "PATCH" | "PUT"
  /** Create/update bodies are wrapped in this key (`{"contact": {…}}`) when the vendor wants it. */
  readonly bodyKey?: string
  /** Where records sit in this resource's list responses, when it differs from the connector's paging. */
  readonly envelope?: Envelope
  readonly children: Readonly<Record<string, Child>>
  readonly poll?: PollStrategy
  readonly tombstones?: Tombstones
}

/** What a connector writes for a resource; everything but path and id has a default. */
export type Options = Partial<Omit<Resource, "path" | "id">> & { readonly path: string; readonly id: string }

/** Declares a resource. */
export const make = (options: Options): Resource => ({
  description: "",
  itemPath: `${options.path}/{id}`,
  verbs: ["list", "get"],
  updateMethod: "PATCH",
  query: {},
  createDefaults: {},
  children: {},
  ...options
})
