import { DateTemplate, Events } from "@plugboard/core"
import { test } from "vitest"

const records = Array.from({ length: 1000 }, (_, index) => ({
  id: index,
  name: `Company ${index}`,
  updated_at: "2026-11-22T10:00:05Z",
  address: { city: "Denver", zip: "80202", lines: ["1 Main St", "Suite 2"] }
}))

const entries = records.map((record) => ({
  event: {
    id: Events.eventId({
      instanceId: 1,
      resource: "customers",
      objectId: String(record.id),
      version: record.updated_at
    }),
    eventType: "UPDATED" as const,
    objectType: "customers",
    objectId: String(record.id),
    date: record.updated_at
  },
  record
}))

// Vitest 5 benchmarks are registered from a test through its `bench` fixture.
test("events for 1000 records", async ({ bench }) => {
  await bench.compare(
    bench("contentHash", () => {
      for (const record of records) Events.contentHash(record)
    }),
    bench("eventId", () => {
      for (const record of records) {
        Events.eventId({
          instanceId: 1,
          resource: "customers",
          objectId: String(record.id),
          version: record.updated_at
        })
      }
    }),
    bench("batchNotifications + encode + headers", () => {
      for (const notification of Events.batchNotifications({
        instanceId: 1,
        elementKey: "sage200",
        hubKey: "finance",
        accountId: 1,
        userId: 1,
        events: entries
      })) {
        const body = Events.encodeNotification(notification)
        Events.deliveryHeaders({
          body,
          webhookId: notification.message.eventId,
          timestampSeconds: 1_795_341_605
        })
      }
    }),
    bench("parseJava updated_at", () => {
      for (const record of records)
        DateTemplate.parseJava(record.updated_at, "yyyy-MM-dd'T'HH:mm:ss'Z'", "GMT")
    })
  )
})
