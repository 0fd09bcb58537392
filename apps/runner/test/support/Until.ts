/**
 * Waiting in end-to-end tests for something the runner does in the background (a poll, a
 * delivery, a metric): read until the check passes, or fail naming what was awaited and what was
 * last seen.
 */

/** Resolves after `millis`. */
export const sleep = (millis: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, millis))

/** Reads every 50 ms until `check` holds; fails after `timeoutMs` with the last value read. */
export const until = async <A>(
  what: string,
  read: () => Promise<A>,
  check: (value: A) => boolean,
  timeoutMs = 15_000
): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  let last: A | undefined
  while (Date.now() < deadline) {
    last = await read()
    if (check(last)) return last
    await sleep(50)
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
}
