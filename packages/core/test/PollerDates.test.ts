import { describe, expect, it } from "@effect/vitest"
import { DateTemplate } from "@plugboard/core"
import { Result } from "effect"
import * as fc from "fast-check"
import { isoFastPath } from "../src/internal/poller/IsoFastPath.js"

const pad = (value: number, width: number) => String(value).padStart(width, "0")

// Mostly valid ISO instants, with out-of-range fields, odd fractions and offsets mixed in.
const isoLike = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1970, max: 2100 }), fc.integer({ min: 0, max: 9999 })),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 60 }),
    fraction: fc.option(fc.stringMatching(/^\d{1,7}$/), { nil: undefined }),
    offset: fc.constantFrom("", "Z", "+00:00", "-07:00", "+05:30", "+0200", "+19:00", "-00:61")
  })
  .map(
    (parts) =>
      `${pad(parts.year, 4)}-${pad(parts.month, 2)}-${pad(parts.day, 2)}T${pad(parts.hour, 2)}:${pad(parts.minute, 2)}:${pad(parts.second, 2)}` +
      `${parts.fraction === undefined ? "" : `.${parts.fraction}`}${parts.offset}`
  )

const patterns = [
  "yyyy-MM-dd'T'HH:mm:ss",
  "yyyy-MM-dd'T'HH:mm:ss'Z'",
  "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
  "yyyy-MM-dd'T'HH:mm:ssXXX",
  "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
  "yyyy-MM-dd'T'HH:mm:ssX",
  "yyyy-MM-dd'T'HH:mm:ssZ"
]

describe("Poller date fast path", () => {
  it("agrees with DateTemplate.parseJava wherever it answers", () => {
    fc.assert(
      fc.property(
        isoLike,
        fc.constantFrom(...patterns),
        fc.constantFrom("GMT", "UTC", "Z", "Etc/UTC"),
        (text, pattern, zone) => {
          const fast = isoFastPath(pattern, zone)
          expect(fast).toBeDefined()
          const value = fast!(text)
          if (value === undefined) return
          const slow = DateTemplate.parseJava(text, pattern, zone)
          expect(Result.isSuccess(slow) ? slow.success : slow.failure.message).toBe(value)
        }
      ),
      { numRuns: 5000 }
    )
  })

  it("answers the common vendor texts and stays out of zones and patterns it does not cover", () => {
    const fast = isoFastPath("yyyy-MM-dd'T'HH:mm:ss'Z'", "GMT")!
    expect(fast("2026-11-22T10:00:05Z")).toBe(Date.UTC(2026, 10, 22, 10, 0, 5))
    expect(fast("2020-05-01T13:53:05.000-07:00")).toBe(Date.UTC(2020, 4, 1, 20, 53, 5))
    expect(fast("2026-02-29T00:00:00Z")).toBeUndefined()
    expect(fast("2019-12-16T09:03:10.3253456Z")).toBeUndefined()
    expect(isoFastPath("yyyy-MM-dd'T'HH:mm:ss'Z'", "America/Denver")).toBeUndefined()
    expect(isoFastPath("yyyy-MM-dd'T'HH:mm:ss'Z'", "Europe/London")).toBeUndefined()
    expect(isoFastPath("dd/MM/yyyy HH:mm", "UTC")).toBeUndefined()
    expect(isoFastPath("yyyy-dd-MM'T'HH:mm:ss", "UTC")).toBeUndefined()
  })
})
