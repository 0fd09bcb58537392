import { Result } from "effect"
import * as DateTemplate from "../../DateTemplate.js"
import type { DateSetting } from "../../PollerConfiguration.js"
import { isoFastPath } from "./IsoFastPath.js"
import { pathReader } from "./RecordPath.js"

/** A record's date: epoch milliseconds, absent (no value), or present but unreadable. */
export type DateReading =
  | { readonly _tag: "Date"; readonly millis: number }
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Unreadable"; readonly message: string }

const absent: DateReading = { _tag: "Absent" }

/**
 * A reader of one configured date field. An absent, null or empty value is `Absent`; a value that
 * neither the pattern nor the lenient ISO/epoch reading accepts is `Unreadable` (the poller treats
 * both as "no updated date" and counts the second).
 */
export const dateReader = (setting: DateSetting | undefined): ((record: unknown) => DateReading) => {
  if (setting === undefined) return () => absent
  const read = pathReader(setting.field)
  const fast = isoFastPath(setting.format, setting.zone)
  return (record) => {
    const value = read(record)
    if (value === undefined || value === null) return absent
    if (typeof value !== "string" && typeof value !== "number") {
      return {
        _tag: "Unreadable",
        message: `${setting.field} is ${Array.isArray(value) ? "an array" : typeof value}`
      }
    }
    if (typeof value === "string") {
      if (value.trim() === "") return absent
      const millis = fast?.(value)
      if (millis !== undefined) return { _tag: "Date", millis }
    }
    const parsed = DateTemplate.parseJava(value, setting.format, setting.zone)
    return Result.isSuccess(parsed)
      ? { _tag: "Date", millis: parsed.success }
      : { _tag: "Unreadable", message: `${setting.field}: ${parsed.failure.message}` }
  }
}

/** An instant as the events show it: ISO-8601 UTC, milliseconds only when there are some. */
export const isoDate = (millis: number): string => {
  const text = new Date(millis).toISOString()
  return text.endsWith(".000Z") ? `${text.slice(0, -5)}Z` : text
}
