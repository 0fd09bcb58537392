import { type ChangeEvent, eventId } from "../../Events.js"
import { isoDate } from "./RecordDates.js"

/** Who the events of one poll are about. */
export interface EventOrigin {
  readonly instanceId: string | number
  readonly elementKey: string
  readonly hubKey: string
  readonly resource: string
}

/**
 * A change event with its deterministic id: the same instance, resource, object and version give
 * the same id on any run, so a poll repeated from an uncommitted state repeats ids, not events.
 */
export const changeEvent = (
  origin: EventOrigin,
  change: {
    readonly objectId: string
    readonly eventType: ChangeEvent["eventType"]
    readonly version: string
    readonly date: number
    readonly updated?: number | undefined
  }
): ChangeEvent => ({
  id: eventId({
    instanceId: origin.instanceId,
    resource: origin.resource,
    objectId: change.objectId,
    version: change.version
  }),
  eventType: change.eventType,
  objectType: origin.resource,
  objectId: change.objectId,
  elementKey: origin.elementKey,
  hubKey: origin.hubKey,
  date: isoDate(change.date),
  ...(change.updated === undefined ? {} : { updatedDate: isoDate(change.updated) })
})
