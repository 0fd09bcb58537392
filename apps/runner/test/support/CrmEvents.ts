/**
 * A Sage CRM instance with events, for the suites that need real events through a whole runner:
 * the seed 004 body with its accounts polled by update date and notified to a callback URL, and the
 * wait for the instance's first (empty) poll, after which a new record is the next poll's event.
 */
import { sageCrmBody } from "./Seeds.js"
import type { TestRunner } from "./TestRunner.js"
import { until } from "./Until.js"

/** Seed 004 with events on: `notification` adds settings (a signature key, Basic credentials, …). */
export const sageCrmEventsBody = (options: {
  readonly baseUrl: string
  readonly username: string
  readonly password: string
  readonly callbackUrl: string
  readonly notification?: Record<string, unknown>
}) => {
  const body = sageCrmBody(options)
  return {
    ...body,
    configuration: {
      ...body.configuration,
      "event.notification.enabled": true,
      "event.notification.callback.url": options.callbackUrl,
      ...options.notification,
      "event.poller.configuration": {
        accounts: {
          url: "/hubs/crm/accounts?where=Comp_UpdatedDate >= '${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'"
        }
      }
    }
  }
}

/** Waits until the instance's events status shows its first poll done. */
export const untilFirstPoll = (runner: TestRunner, instanceId: number) =>
  until(
    "the first poll",
    async () => {
      const response = await runner.call(`/instances/${instanceId}/events/status`, {
        headers: { authorization: runner.authorization() }
      })
      return JSON.parse(await response.text())
    },
    (status) => status.pollers?.[0]?.lastSuccessDate !== null
  )
