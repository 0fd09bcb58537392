/**
 * The load the hub benchmark puts on an endpoint: one request at a time (latency of each, in
 * milliseconds) or a fixed number in flight (throughput), every body read to the end.
 */

/** One HTTP call, resolved when its whole body has been read; fails on a non-2xx answer. */
export type Call = () => Promise<void>

/** Makes a {@link Call} for a GET with these headers. */
export const get =
  (url: string, headers: Record<string, string>): Call =>
  async () => {
    const response = await fetch(url, { headers })
    await response.arrayBuffer()
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`)
  }

/** Percentile (nearest rank) of sorted values. */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN

/** Summary of latencies in milliseconds. */
export interface Latency {
  readonly count: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly mean: number
  /** Calls per second, one at a time. */
  readonly perSecond: number
}

export const summarize = (samples: ReadonlyArray<number>, elapsedMillis: number): Latency => {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    count: samples.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean: samples.reduce((sum, value) => sum + value, 0) / samples.length,
    perSecond: (samples.length / elapsedMillis) * 1000
  }
}

/**
 * Sequential calls of two endpoints, interleaved (a, b, a, b, …) so that drift of the machine
 * touches both alike; returns each one's latencies.
 */
export const interleaved = async (
  count: number,
  a: Call,
  b: Call
): Promise<{
  readonly a: Latency
  readonly b: Latency
  /** Percentiles of b − a over the pairs: what b adds, with the machine's drift cancelled. */
  readonly added: { readonly p50: number; readonly p90: number; readonly p99: number }
}> => {
  const samplesA: Array<number> = []
  const samplesB: Array<number> = []
  let elapsedA = 0
  let elapsedB = 0
  for (let index = 0; index < count; index++) {
    let started = performance.now()
    await a()
    let took = performance.now() - started
    samplesA.push(took)
    elapsedA += took
    started = performance.now()
    await b()
    took = performance.now() - started
    samplesB.push(took)
    elapsedB += took
  }
  const differences = samplesB.map((took, index) => took - (samplesA[index] ?? 0)).sort((x, y) => x - y)
  return {
    a: summarize(samplesA, elapsedA),
    b: summarize(samplesB, elapsedB),
    added: {
      p50: percentile(differences, 50),
      p90: percentile(differences, 90),
      p99: percentile(differences, 99)
    }
  }
}

/** `total` calls with `inFlight` at a time; returns calls per second. */
export const concurrent = async (total: number, inFlight: number, call: Call): Promise<number> => {
  let next = 0
  const started = performance.now()
  const worker = async () => {
    while (next < total) {
      next += 1
      await call()
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  return (total / (performance.now() - started)) * 1000
}
