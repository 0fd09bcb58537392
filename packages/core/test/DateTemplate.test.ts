// biome-ignore-all lint/suspicious/noTemplateCurlyInString: poller URLs are written with ${…} placeholders
import { assert, describe, it } from "@effect/vitest"
import { DateTemplate } from "@plugboard/core"
import { Result } from "effect"
import * as fc from "fast-check"

// 2026-11-22T10:00:05.007Z, a Sunday, day 326 of the year.
const instant = Date.UTC(2026, 10, 22, 10, 0, 5, 7)
const wholeSecond = Date.UTC(2026, 10, 22, 10, 0, 5)
const july = Date.UTC(2026, 6, 15, 12, 0, 0)

const ok = <A>(result: Result.Result<A, DateTemplate.DateTemplateError>): A => {
  if (Result.isFailure(result)) assert.fail(`unexpected failure: ${result.failure.message}`)
  return result.success
}

const failure = <A>(
  result: Result.Result<A, DateTemplate.DateTemplateError>
): DateTemplate.DateTemplateError => {
  if (Result.isSuccess(result)) assert.fail(`expected a failure, got ${String(result.success)}`)
  return result.failure
}

describe("DateTemplate.formatJava", () => {
  it("formats the seed and contract patterns in GMT, MST and -6:00", () => {
    const cases: Array<[string, string, string]> = [
      ["yyyy-MM-dd'T'HH:mm:ss", "GMT", "2026-11-22T10:00:05"],
      ["yyyy-MM-dd'T'HH:mm:ss'Z'", "GMT", "2026-11-22T10:00:05Z"],
      ["yyyy-MM-dd'T'HH:mm:ssXXX", "GMT", "2026-11-22T10:00:05Z"],
      ["yyyy-MM-dd HH:mm:ss", "GMT", "2026-11-22 10:00:05"],
      ["yyyy-MM-dd'T'HH:mm:ss", "MST", "2026-11-22T03:00:05"],
      ["yyyy-MM-dd'T'HH:mm:ss'Z'", "MST", "2026-11-22T03:00:05Z"],
      ["yyyy-MM-dd'T'HH:mm:ssXXX", "MST", "2026-11-22T03:00:05-07:00"],
      ["yyyy-MM-dd HH:mm:ss", "MST", "2026-11-22 03:00:05"],
      ["yyyy-MM-dd'T'HH:mm:ss", "-6:00", "2026-11-22T04:00:05"],
      ["yyyy-MM-dd'T'HH:mm:ss'Z'", "-6:00", "2026-11-22T04:00:05Z"],
      ["yyyy-MM-dd'T'HH:mm:ssXXX", "-6:00", "2026-11-22T04:00:05-06:00"],
      ["yyyy-MM-dd HH:mm:ss", "-6:00", "2026-11-22 04:00:05"]
    ]
    for (const [pattern, zone, expected] of cases) {
      assert.strictEqual(
        ok(DateTemplate.formatJava(instant, pattern, zone)),
        expected,
        `${pattern} in ${zone}`
      )
    }
  })

  it("follows Java for every supported letter", () => {
    const cases: Array<[string, string, string]> = [
      ["y", "UTC", "2026"],
      ["yy", "UTC", "26"],
      ["yyyy", "UTC", "2026"],
      ["yyyyy", "UTC", "02026"],
      ["M MM MMM MMMM", "UTC", "11 11 Nov November"],
      ["d dd", "UTC", "22 22"],
      ["H HH", "UTC", "10 10"],
      ["h hh a", "UTC", "10 10 AM"],
      ["h a", "-6:00", "4 AM"],
      ["hh:mm a", "+05:00", "03:00 PM"],
      ["m mm s ss", "UTC", "0 00 5 05"],
      ["S SSS", "UTC", "7 007"],
      ["E EEE EEEE", "UTC", "Sun Sun Sunday"],
      ["D", "UTC", "326"],
      ["X XX XXX", "UTC", "Z Z Z"],
      ["X XX XXX", "Asia/Kolkata", "+05 +0530 +05:30"],
      ["X XX XXX", "America/Denver", "-07 -0700 -07:00"],
      ["Z", "UTC", "+0000"],
      ["Z", "MST", "-0700"],
      ["z", "GMT", "GMT"],
      ["z", "UTC", "UTC"],
      ["z", "MST", "MST"],
      ["z", "-6:00", "GMT-06:00"],
      ["z", "America/Denver", "MST"],
      ["zzzz", "America/Denver", "Mountain Standard Time"],
      ["EEE, d MMM yyyy HH:mm:ss Z", "UTC", "Sun, 22 Nov 2026 10:00:05 +0000"],
      ["'o''clock' h", "UTC", "o'clock 10"],
      ["''yy''", "UTC", "'26'"],
      ["yyyy/MM/dd-HH.mm.ss,SSS", "UTC", "2026/11/22-10.00.05,007"]
    ]
    for (const [pattern, zone, expected] of cases) {
      assert.strictEqual(
        ok(DateTemplate.formatJava(instant, pattern, zone)),
        expected,
        `${pattern} in ${zone}`
      )
    }
  })

  it("follows daylight saving in region zones", () => {
    assert.strictEqual(ok(DateTemplate.formatJava(july, "HH:mm XXX z", "America/Denver")), "06:00 -06:00 MDT")
    assert.strictEqual(ok(DateTemplate.formatJava(july, "HH:mm XXX", "PST")), "05:00 -07:00")
    // Java's EST and MST are fixed offsets all year.
    assert.strictEqual(ok(DateTemplate.formatJava(july, "HH:mm XXX", "EST")), "07:00 -05:00")
    assert.strictEqual(ok(DateTemplate.formatJava(july, "HH:mm XXX", "MST")), "05:00 -07:00")
  })

  it("names an unsupported letter and its position", () => {
    const error = failure(DateTemplate.formatJava(instant, "yyyy-MM-ddTHH:mm", "UTC"))
    assert.strictEqual(error._tag, "DateTemplateError")
    assert.strictEqual(error.reason, "unsupported-letter")
    assert.strictEqual(error.position, 10)
    assert.include(error.message, "'T'")
    assert.strictEqual(failure(DateTemplate.formatJava(instant, "YYYY", "UTC")).position, 0)
    assert.strictEqual(failure(DateTemplate.formatJava(instant, "XXXX", "UTC")).reason, "unsupported-letter")
    const quote = failure(DateTemplate.validatePattern("yyyy'T"))
    assert.strictEqual(quote.reason, "unterminated-quote")
    assert.strictEqual(quote.position, 4)
    assert.strictEqual(ok(DateTemplate.validatePattern("yyyy'T'")), "yyyy'T'")
  })

  it("rejects unknown zones and impossible instants", () => {
    assert.strictEqual(failure(DateTemplate.formatJava(instant, "yyyy", "Mars/Base")).reason, "unknown-zone")
    assert.strictEqual(failure(DateTemplate.formatJava(Number.NaN, "yyyy", "UTC")).reason, "invalid-instant")
    assert.strictEqual(failure(DateTemplate.formatJava(1e17, "yyyy", "UTC")).reason, "invalid-instant")
  })
})

describe("DateTemplate.resolveZone", () => {
  it("resolves names, abbreviations and offsets per the documented table", () => {
    const january = Date.UTC(2026, 0, 15)
    const cases: Array<[string, string, number, number]> = [
      ["GMT", "UTC", 0, 0],
      ["UTC", "UTC", 0, 0],
      ["Z", "UTC", 0, 0],
      ["utc", "UTC", 0, 0],
      ["EST", "EST", -300, -300],
      ["MST", "MST", -420, -420],
      ["HST", "HST", -600, -600],
      ["PST", "America/Los_Angeles", -480, -420],
      ["CST", "America/Chicago", -360, -300],
      ["EDT", "EDT", -240, -240],
      ["CDT", "CDT", -300, -300],
      ["MDT", "MDT", -360, -360],
      ["PDT", "PDT", -420, -420],
      ["BST", "Asia/Dhaka", 360, 360],
      ["IST", "Asia/Kolkata", 330, 330],
      ["CET", "Europe/Brussels", 60, 120],
      ["CEST", "CEST", 120, 120],
      ["America/Denver", "America/Denver", -420, -360],
      ["america/denver", "America/Denver", -420, -360],
      ["Asia/Kolkata", "Asia/Kolkata", 330, 330],
      ["-6:00", "-06:00", -360, -360],
      ["+05:30", "+05:30", 330, 330],
      ["-0600", "-06:00", -360, -360],
      ["-06", "-06:00", -360, -360],
      ["GMT-6", "-06:00", -360, -360],
      ["UTC+5:30", "+05:30", 330, 330],
      ["+18:00", "+18:00", 1080, 1080]
    ]
    for (const [name, id, winter, summer] of cases) {
      const zone = ok(DateTemplate.resolveZone(name))
      assert.strictEqual(zone.id, id, name)
      assert.strictEqual(zone.offsetMinutes(january), winter, `${name} in January`)
      assert.strictEqual(zone.offsetMinutes(july), summer, `${name} in July`)
    }
  })

  it("fails with unknown-zone for names it cannot place", () => {
    for (const name of ["", "Mars/Base", "XYZ", "+19:00", "-06:75", "GMT+", "America/"]) {
      const error = failure(DateTemplate.resolveZone(name))
      assert.strictEqual(error.reason, "unknown-zone", name)
      assert.strictEqual(error.input, name)
    }
  })
})

describe("DateTemplate.parseJava", () => {
  it("reads the seed and contract patterns in GMT, MST and -6:00", () => {
    const cases: Array<[string, string, string]> = [
      ["2026-11-22T10:00:05", "yyyy-MM-dd'T'HH:mm:ss", "GMT"],
      ["2026-11-22T10:00:05Z", "yyyy-MM-dd'T'HH:mm:ss'Z'", "GMT"],
      ["2026-11-22T10:00:05Z", "yyyy-MM-dd'T'HH:mm:ssXXX", "GMT"],
      ["2026-11-22 10:00:05", "yyyy-MM-dd HH:mm:ss", "GMT"],
      ["2026-11-22T03:00:05", "yyyy-MM-dd'T'HH:mm:ss", "MST"],
      ["2026-11-22T03:00:05-07:00", "yyyy-MM-dd'T'HH:mm:ssXXX", "MST"],
      ["2026-11-22T04:00:05-06:00", "yyyy-MM-dd'T'HH:mm:ssXXX", "GMT"],
      ["2026-11-22 04:00:05", "yyyy-MM-dd HH:mm:ss", "-6:00"],
      ["2026-11-22T04:00:05Z", "yyyy-MM-dd'T'HH:mm:ss'Z'", "-6:00"]
    ]
    for (const [text, pattern, zone] of cases) {
      assert.strictEqual(
        ok(DateTemplate.parseJava(text, pattern, zone)),
        wholeSecond,
        `${text} / ${pattern} / ${zone}`
      )
    }
  })

  it("round-trips format then parse for every pattern and zone", () => {
    const patterns = [
      "yyyy-MM-dd'T'HH:mm:ss",
      "yyyy-MM-dd'T'HH:mm:ss'Z'",
      "yyyy-MM-dd'T'HH:mm:ssXXX",
      "yyyy-MM-dd HH:mm:ss"
    ]
    for (const pattern of patterns) {
      for (const zone of ["GMT", "MST", "-6:00", "America/Denver", "+05:30"]) {
        const text = ok(DateTemplate.formatJava(instant, pattern, zone))
        assert.strictEqual(
          ok(DateTemplate.parseJava(text, pattern, zone)),
          wholeSecond,
          `${pattern} in ${zone}`
        )
      }
    }
  })

  it("round-trips any instant with millisecond patterns (property)", () => {
    const patterns = [
      "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
      "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
      "yyyyMMddHHmmssSSS",
      "EEE, d MMM yyyy hh:mm:ss.SSS a",
      "yyyy-D HH:mm:ss.SSS"
    ]
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2199, 11, 31) }),
        fc.constantFrom(...patterns),
        fc.constantFrom("UTC", "GMT", "EST", "MST", "-6:00", "+05:30", "+13:45", "EDT"),
        (millis, pattern, zone) => {
          const text = ok(DateTemplate.formatJava(millis, pattern, zone))
          assert.strictEqual(ok(DateTemplate.parseJava(text, pattern, zone, { strict: true })), millis, text)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("reads other pattern shapes strictly", () => {
    const cases: Array<[string, string, string, number]> = [
      ["22 Nov 2026 10:00:05 +0000", "d MMM yyyy HH:mm:ss Z", "UTC", wholeSecond],
      ["Sun, 22 Nov 2026 03:00:05 -0700", "EEE, d MMM yyyy HH:mm:ss Z", "UTC", wholeSecond],
      ["Sunday, November 22, 2026 10:00:05", "EEEE, MMMM d, yyyy HH:mm:ss", "UTC", wholeSecond],
      ["20261122100005", "yyyyMMddHHmmss", "UTC", wholeSecond],
      ["26-11-22 10:00:05", "yy-MM-dd HH:mm:ss", "UTC", wholeSecond],
      ["2026-11-22 03:00:05 MST", "yyyy-MM-dd HH:mm:ss z", "UTC", wholeSecond],
      ["2026-11-22 04:00:05 GMT-06:00", "yyyy-MM-dd HH:mm:ss z", "UTC", wholeSecond],
      ["2026-11-22 03:00:05 America/Denver", "yyyy-MM-dd HH:mm:ss z", "UTC", wholeSecond],
      ["10:00 PM", "hh:mm a", "UTC", Date.UTC(1970, 0, 1, 22)],
      ["12:30 am", "hh:mm a", "UTC", Date.UTC(1970, 0, 1, 0, 30)],
      ["2026-11-22T10:00:05.5", "yyyy-MM-dd'T'HH:mm:ss.S", "UTC", wholeSecond + 5],
      ["2026-11-22T10:00:05.007123", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS", "UTC", instant],
      ["2026-326", "yyyy-D", "UTC", Date.UTC(2026, 10, 22)],
      ["2026-11-22T10:00:05+0530", "yyyy-MM-dd'T'HH:mm:ssX", "UTC", wholeSecond - 330 * 60_000]
    ]
    for (const [text, pattern, zone, expected] of cases) {
      assert.strictEqual(ok(DateTemplate.parseJava(text, pattern, zone, { strict: true })), expected, text)
    }
  })

  it("resolves daylight-saving gaps forward and overlaps to standard time, as Java does", () => {
    const pattern = "yyyy-MM-dd HH:mm"
    assert.strictEqual(
      ok(DateTemplate.parseJava("2026-03-08 02:30", pattern, "America/Denver")),
      Date.UTC(2026, 2, 8, 9, 30)
    )
    assert.strictEqual(
      ok(DateTemplate.parseJava("2026-11-01 01:30", pattern, "America/Denver")),
      Date.UTC(2026, 10, 1, 8, 30)
    )
  })

  it("falls back to ISO-8601 when the vendor sends more than its format says", () => {
    const pattern = "yyyy-MM-dd'T'HH:mm:ss'Z'"
    assert.strictEqual(ok(DateTemplate.parseJava("2026-11-22T10:00:05.007Z", pattern, "GMT")), instant)
    assert.strictEqual(ok(DateTemplate.parseJava("2026-11-22T03:00:05.007-07:00", pattern, "GMT")), instant)
    // Without an offset the configured zone applies to the ISO reading too.
    assert.strictEqual(ok(DateTemplate.parseJava("2026-11-22T03:00:05.007", pattern, "MST")), instant)
    // A trailing offset the pattern does not mention is not ignored (Java would have).
    assert.strictEqual(
      ok(DateTemplate.parseJava("2026-11-22T04:00:05-06:00", "yyyy-MM-dd'T'HH:mm:ss", "GMT")),
      wholeSecond
    )
    const strict = failure(
      DateTemplate.parseJava("2026-11-22T10:00:05.007Z", pattern, "GMT", { strict: true })
    )
    assert.strictEqual(strict.reason, "unparseable")
    assert.strictEqual(strict.position, 19)
    assert.include(strict.message, `"Z"`)
  })

  it("accepts epoch numbers in seconds and milliseconds", () => {
    const pattern = "yyyy-MM-dd'T'HH:mm:ss'Z'"
    assert.strictEqual(ok(DateTemplate.parseJava("1795341605", pattern)), wholeSecond)
    assert.strictEqual(ok(DateTemplate.parseJava("1795341605007", pattern)), instant)
    assert.strictEqual(ok(DateTemplate.parseJava(1795341605, pattern)), wholeSecond)
    assert.strictEqual(ok(DateTemplate.parseJava(1795341605007, pattern)), instant)
    assert.strictEqual(ok(DateTemplate.parseJava(" 1795341605.5 ", pattern)), wholeSecond + 500)
    assert.strictEqual(
      failure(DateTemplate.parseJava(Number.POSITIVE_INFINITY, pattern)).reason,
      "invalid-instant"
    )
  })

  it("fails with the position and what was expected", () => {
    const pattern = "yyyy-MM-dd'T'HH:mm:ss"
    const cases: Array<[string, number, string]> = [
      ["yesterday", 0, "digits for 'yyyy'"],
      ["2026/11/22T10:00:05", 4, `"-"`],
      ["2026-11-22T10:00", 16, `":"`],
      ["2026-11-22T10:00:05 extra", 19, "the end of the text"],
      ["2026-02-30T10:00:05", 0, "a real date"],
      ["2026-11-22T24:00:05", 0, "a real date"]
    ]
    for (const [text, position, expected] of cases) {
      const error = failure(DateTemplate.parseJava(text, pattern, "GMT", { strict: true }))
      assert.strictEqual(error.reason, "unparseable", text)
      assert.strictEqual(error.position, position, text)
      assert.include(error.message, expected, text)
      assert.strictEqual(error.input, text)
    }
    // Without `strict` the fallbacks run first, and the message says they failed too.
    const lenient = failure(DateTemplate.parseJava("2026-11-22T10:00:05 extra", pattern, "GMT"))
    assert.strictEqual(lenient.position, 19)
    assert.include(lenient.message, "neither ISO-8601 nor an epoch number")
    assert.strictEqual(ok(DateTemplate.parseJava("2026-11-22T10:00", pattern, "GMT")), wholeSecond - 5000)
    assert.strictEqual(
      failure(DateTemplate.parseJava("x", "yyyy-MM-ddTHH", "GMT")).reason,
      "unsupported-letter"
    )
    assert.strictEqual(failure(DateTemplate.parseJava("x", pattern, "Nowhere/Land")).reason, "unknown-zone")
    assert.strictEqual(failure(DateTemplate.parseJava("13:00 PM", "hh:mm a", "UTC")).reason, "unparseable")
  })
})

describe("DateTemplate.fill", () => {
  it("fills the seed poller URLs (GMT by default)", () => {
    assert.strictEqual(
      ok(
        DateTemplate.fill(
          "/hubs/finance/customers?where=date_time_updated>='${date:yyyy-MM-dd'T'HH:mm:ss}'",
          instant
        )
      ),
      "/hubs/finance/customers?where=date_time_updated>='2026-11-22T10:00:05'"
    )
    assert.strictEqual(
      ok(
        DateTemplate.fill(
          "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at'",
          instant
        )
      ),
      "/hubs/finance/customers?where=lastModifiedDate>='2026-11-22T10:00:05Z' and attributes='created_at,updated_at'"
    )
    // The Sage Accounting seed as printed, with its unbalanced trailing quote, is copied as it is.
    assert.strictEqual(
      ok(
        DateTemplate.fill(
          "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at",
          instant
        )
      ),
      "/hubs/finance/customers?where=lastModifiedDate>='2026-11-22T10:00:05Z' and attributes='created_at,updated_at"
    )
  })

  it("fills every placeholder form", () => {
    const cases: Array<[string, string, string | undefined]> = [
      ["${date:yyyy-MM-dd'T'HH:mm:ss}", "2026-11-22T10:00:05", undefined],
      ["${date:yyyy-MM-dd'T'HH:mm:ss}", "2026-11-22T03:00:05", "America/Denver"],
      ["${date:yyyy-MM-dd'T'HH:mm:ssXXX}", "2026-11-22T04:00:05-06:00", "-6:00"],
      ["${date:yyyy-MM-dd HH:mm:ss}", "2026-11-22 03:00:05", "MST"],
      ["${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}", "2026-11-22T10:00:05Z", "America/Denver"],
      ["${gmtDate:z}", "GMT", undefined],
      ["${dateTimeZone:MST:yyyy-MM-dd'T'HH:mm:ss}", "2026-11-22T03:00:05", undefined],
      ["${dateTimeZone:America/Denver:yyyy-MM-dd'T'HH:mm:ssXXX}", "2026-11-22T03:00:05-07:00", undefined],
      ["${dateTimeZone:-6:00:yyyy-MM-dd'T'HH:mm:ssXXX}", "2026-11-22T04:00:05-06:00", undefined],
      ["${dateTimeZone:+05:30:HH:mm}", "15:30", undefined],
      ["${dateTimeZone:GMT-6:HH:mm:ss}", "04:00:05", undefined],
      ["${dateTimeZone:GMT:yyyy-MM-dd HH:mm:ss}", "2026-11-22 10:00:05", "MST"],
      ["${epoch}", "1795341605007", undefined],
      ["${epoch:ms}", "1795341605007", undefined],
      ["${epoch:s}", "1795341605", undefined],
      ["${epoch:us}", "1795341605007000", undefined],
      ["${date:'{'yyyy'}'}", "{2026}", undefined],
      ["a=${epoch:s}&b=${gmtDate:HH}&c=${date:mm}", "a=1795341605&b=10&c=00", undefined],
      ["cost $5 {x} $ {y}", "cost $5 {x} $ {y}", undefined]
    ]
    for (const [template, expected, defaultZone] of cases) {
      assert.strictEqual(ok(DateTemplate.fill(template, instant, { defaultZone })), expected, template)
    }
  })

  it("does not URL-encode", () => {
    assert.strictEqual(
      ok(DateTemplate.fill("?where=d>='${date:yyyy-MM-dd HH:mm:ssXXX}'", instant, { defaultZone: "+05:30" })),
      "?where=d>='2026-11-22 15:30:05+05:30'"
    )
  })

  it("names unknown and malformed placeholders", () => {
    const cases: Array<[string, DateTemplate.DateTemplateErrorReason, string, number | undefined]> = [
      ["/a?x=${foo:yyyy}", "unknown-placeholder", "${foo:yyyy}", 5],
      ["${Date:yyyy}", "unknown-placeholder", "${Date:yyyy}", 0],
      ["/a?x=${date:yyyy", "bad-placeholder", "position 5", 5],
      ["${date}", "bad-placeholder", "${date}", 0],
      ["${date:}", "bad-placeholder", "${date:}", 0],
      ["${epoch:ns}", "bad-placeholder", "${epoch:ns}", 0],
      ["${dateTimeZone:Mars/Base:HH}", "unknown-zone", "${dateTimeZone:Mars/Base:HH}", 0],
      ["${dateTimeZone:MST}", "unknown-zone", "${dateTimeZone:MST}", 0],
      ["x${date:yyyy-MM-ddTHH}", "unsupported-letter", "'T'", 10]
    ]
    for (const [template, reason, named, position] of cases) {
      const error = failure(DateTemplate.fill(template, instant))
      assert.strictEqual(error._tag, "DateTemplateError")
      assert.strictEqual(error.reason, reason, template)
      assert.include(error.message, named, template)
      assert.strictEqual(error.position, position, template)
    }
    assert.strictEqual(failure(DateTemplate.fill("${epoch}", Number.NaN)).reason, "invalid-instant")
    assert.strictEqual(
      failure(DateTemplate.fill("${epoch}", instant, { defaultZone: "Nowhere" })).reason,
      "unknown-zone"
    )
  })
})
