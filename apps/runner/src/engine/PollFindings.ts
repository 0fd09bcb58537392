/**
 * What a successful poll listed but could not fully handle, made visible instead of passing in
 * silence (reliability.md: records are never dropped in silence): records without an id (they
 * cannot be tracked, so they are not emitted), date values that could not be read (those records
 * are tracked by content hash instead), and a listing that changed under the poll (the watermark
 * stayed, so the next poll re-reads the window; growing `heldPolls` means it never settles, e.g. an
 * `idField` that is not unique). Each poll with a finding logs one warning naming the instance and
 * resource (`<instance>/<resource>`, and as annotations with the element and the counts), and counts
 * in the runner's metrics by element and resource.
 */
import { type Poller, PollerConfiguration } from "@plugboard/core"
import { Effect } from "effect"
import * as RunnerMetrics from "../metrics/RunnerMetrics.js"

/** The poll to report on. */
export interface Input {
  readonly instanceId: number
  readonly element: string
  readonly resource: string
  readonly entry: PollerConfiguration.Entry
  readonly result: Poller.PollResult
}

/** The warning's text for a poll's findings, or `undefined` when there is nothing to say. */
export const describe = (input: Input): string | undefined => {
  const { stats, state } = input.result
  const findings: Array<string> = []
  if (stats.withoutId > 0) {
    const idField = PollerConfiguration.settings(input.entry).idField
    findings.push(
      `${stats.withoutId} record(s) without an id at idField '${idField}' were not emitted (they cannot be tracked)`
    )
  }
  if (stats.unreadableDates > 0) {
    findings.push(
      `${stats.unreadableDates} date value(s) could not be read` +
        (stats.firstUnreadableDate === undefined ? "" : ` (first: ${stats.firstUnreadableDate})`) +
        "; those records are tracked by content hash"
    )
  }
  if (stats.listingChanged) {
    findings.push(
      `the listing changed during the poll, so the watermark stayed (${state.heldPolls} poll(s) in a row)`
    )
  }
  return findings.length === 0
    ? undefined
    : `poll of ${input.instanceId}/${input.resource}: ${findings.join("; ")}`
}

/** Logs a warning and counts the findings of one successful poll; nothing when there are none. */
export const report = (input: Input): Effect.Effect<void> => {
  const message = describe(input)
  if (message === undefined) return Effect.void
  const { stats } = input.result
  return Effect.andThen(
    Effect.logWarning(message).pipe(
      Effect.annotateLogs({
        instanceId: input.instanceId,
        resource: input.resource,
        element: input.element,
        withoutId: stats.withoutId,
        unreadableDates: stats.unreadableDates,
        heldPolls: input.result.state.heldPolls
      })
    ),
    RunnerMetrics.pollFindings({
      element: input.element,
      resource: input.resource,
      withoutId: stats.withoutId,
      unreadableDates: stats.unreadableDates,
      held: stats.listingChanged
    })
  )
}
