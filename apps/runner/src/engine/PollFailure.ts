/**
 * Why one poll failed: the vendor, the connection or the poller configuration. The message is
 * stored on the schedule row and shown by the API, so it must never carry a secret (connector errors
 * are written that way).
 */
import { Schema } from "effect"

/** A poll failed; the poller's state is kept and the poll is retried after a backoff. */
export class PollFailure extends Schema.TaggedError<PollFailure>()("PollFailure", {
  message: Schema.String
}) {}
