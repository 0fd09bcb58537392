import type { ChangeEvent, Notification, NotificationId } from "../../Events.js"
import { notificationId } from "./EventIds.js"

/** An event waiting for delivery; `elementKey` and `hubKey` default to the batch's. */
export type PendingEvent = Omit<ChangeEvent, "elementKey" | "hubKey"> & {
  readonly elementKey?: string | undefined
  readonly hubKey?: string | undefined
}

/** What {@link batchNotifications} groups: the instance's identity and its events with their records. */
export interface BatchInput {
  readonly instanceId: NotificationId
  readonly elementKey: string
  readonly hubKey: string
  readonly accountId: NotificationId
  readonly userId: NotificationId
  /** In delivery order; `record` is the vendor record that goes into `raw` (absent for tombstones). */
  readonly events: ReadonlyArray<{ readonly event: PendingEvent; readonly record?: unknown }>
  /** At most this many events per notification; 10 (the contract's limit for polling) by default. */
  readonly maxPerNotification?: number | undefined
}

/**
 * Packs events into callback notifications: grouped by `objectType` (in order of first appearance,
 * input order kept inside a group, so per-object order survives) and cut into chunks of at most
 * `maxPerNotification` (a non-integer is floored, anything below 1 counts as 1), each with
 * `raw = { objectType, [objectType]: records }`. The notification `eventId` derives from its
 * events' ids.
 */
export const batchNotifications = (input: BatchInput): ReadonlyArray<Notification> => {
  const size = Math.max(
    1,
    Math.floor(Number.isFinite(input.maxPerNotification) ? input.maxPerNotification! : 10)
  )
  const groups = new Map<string, Array<BatchInput["events"][number]>>()
  for (const entry of input.events) {
    const group = groups.get(entry.event.objectType)
    if (group === undefined) groups.set(entry.event.objectType, [entry])
    else group.push(entry)
  }
  const notifications: Array<Notification> = []
  for (const [objectType, entries] of groups) {
    for (let start = 0; start < entries.length; start += size) {
      const chunk = entries.slice(start, start + size)
      const events: Array<ChangeEvent> = chunk.map(({ event }) => ({
        ...event,
        elementKey: event.elementKey ?? input.elementKey,
        hubKey: event.hubKey ?? input.hubKey
      }))
      const records = chunk.filter((entry) => entry.record !== undefined).map((entry) => entry.record)
      notifications.push({
        message: {
          eventId: notificationId(events.map((event) => event.id)),
          instanceId: input.instanceId,
          instance_id: input.instanceId,
          elementKey: input.elementKey,
          accountId: input.accountId,
          userId: input.userId,
          events,
          raw: { objectType, [objectType]: records }
        }
      })
    }
  }
  return notifications
}
