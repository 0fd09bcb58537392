/**
 * Sendoso's answer shapes for the fake Sendoso server; the HTTP plumbing itself (reading bodies,
 * writing answers, the loopback server) is the testkit's.
 */
import type { FakeAnswer } from "@plugboard/testkit/fake-vendor"

/** One HTTP answer of the fake (the testkit's fake answer). */
export type Answer = FakeAnswer

/** Sendoso's usual error body, `{"success": false, "message": "…"}`. */
export const failure = (
  status: number,
  message: string,
  headers?: Readonly<Record<string, string>>
): Answer => ({
  status,
  body: { success: false, message },
  ...(headers === undefined ? {} : { headers })
})

/** The web framework's answer for a path with no route: no Sendoso message at all. */
export const noRoute: Answer = { status: 404, body: { status: 404, error: "Not Found" } }
