import { FixedOffsetZone, IANAZone, type Zone } from "luxon"
import { type DateTemplateError, dateTemplateError } from "./DateTemplateError.js"

/**
 * A zone ready for formatting and parsing: its canonical id, the luxon zone that does the offset
 * arithmetic, and the names Java would print for `z` / `zzzz`.
 */
export interface ResolvedZone {
  readonly id: string
  readonly zone: Zone
  readonly offsetMinutes: (instantMillis: number) => number
  readonly shortName: (instantMillis: number) => string
  readonly longName: (instantMillis: number) => string
}

const fixedZone = (id: string, minutes: number, short: string, long: string): ResolvedZone => {
  const zone = FixedOffsetZone.instance(minutes)
  return { id, zone, offsetMinutes: () => minutes, shortName: () => short, longName: () => long }
}

const regionZone = (name: string): ResolvedZone => {
  const zone = IANAZone.create(name)
  // Intl fixes the case of a name but may also swap it for an older alias (Asia/Kolkata →
  // Asia/Calcutta); keep the name as written unless only its case differs.
  const canonical = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone
  const id = canonical.toLowerCase() === name.toLowerCase() ? canonical : name
  return {
    id,
    zone,
    offsetMinutes: (instant) => zone.offset(instant),
    shortName: (instant) => zone.offsetName(instant, { format: "short", locale: "en-US" }) ?? id,
    longName: (instant) => zone.offsetName(instant, { format: "long", locale: "en-US" }) ?? id
  }
}

/** `+05:30` / `-06:00`: the form Java prints for custom zones, minus its `GMT` prefix. */
const offsetId = (minutes: number): string => {
  const sign = minutes < 0 ? "-" : "+"
  const abs = Math.abs(minutes)
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`
}

const utc = (short: string, long: string): ResolvedZone => fixedZone("UTC", 0, short, long)

// Names of UTC itself. Java prints "GMT" for a GMT zone and "UTC" for a UTC zone, so each alias keeps
// its own display name.
const utcAliases: ReadonlyMap<string, ResolvedZone> = new Map([
  ["Z", utc("UTC", "Coordinated Universal Time")],
  ["ZULU", utc("UTC", "Coordinated Universal Time")],
  ["UTC", utc("UTC", "Coordinated Universal Time")],
  ["UCT", utc("UTC", "Coordinated Universal Time")],
  ["UT", utc("UTC", "Coordinated Universal Time")],
  ["UNIVERSAL", utc("UTC", "Coordinated Universal Time")],
  ["ETC/UTC", utc("UTC", "Coordinated Universal Time")],
  ["ETC/UCT", utc("UTC", "Coordinated Universal Time")],
  ["GMT", utc("GMT", "Greenwich Mean Time")],
  ["GMT0", utc("GMT", "Greenwich Mean Time")],
  ["GREENWICH", utc("GMT", "Greenwich Mean Time")],
  ["ETC/GMT", utc("GMT", "Greenwich Mean Time")]
])

type LegacyEntry =
  | { readonly region: string }
  | { readonly minutes: number; readonly short: string; readonly long: string }

/**
 * Three-letter and daylight abbreviations. The first block is Java's own table (`ZoneId.SHORT_IDS`,
 * which `TimeZone.getTimeZone` follows): EST, MST and HST are fixed offsets, the others are regions
 * that observe daylight saving — so `CST` is America/Chicago and `BST` is Asia/Dhaka, exactly as a
 * Java-based poller understood them. The second block is ours: abbreviations Java does not know (it
 * silently fell back to GMT for them) mapped to the fixed offset they name.
 */
const legacyZones: ReadonlyMap<string, LegacyEntry> = new Map<string, LegacyEntry>([
  ["EST", { minutes: -300, short: "EST", long: "Eastern Standard Time" }],
  ["MST", { minutes: -420, short: "MST", long: "Mountain Standard Time" }],
  ["HST", { minutes: -600, short: "HST", long: "Hawaii Standard Time" }],
  ["ACT", { region: "Australia/Darwin" }],
  ["AET", { region: "Australia/Sydney" }],
  ["AGT", { region: "America/Argentina/Buenos_Aires" }],
  ["ART", { region: "Africa/Cairo" }],
  ["AST", { region: "America/Anchorage" }],
  ["BET", { region: "America/Sao_Paulo" }],
  ["BST", { region: "Asia/Dhaka" }],
  ["CAT", { region: "Africa/Harare" }],
  ["CNT", { region: "America/St_Johns" }],
  ["CST", { region: "America/Chicago" }],
  ["CTT", { region: "Asia/Shanghai" }],
  ["EAT", { region: "Africa/Addis_Ababa" }],
  ["ECT", { region: "Europe/Paris" }],
  ["IET", { region: "America/Indiana/Indianapolis" }],
  ["IST", { region: "Asia/Kolkata" }],
  ["JST", { region: "Asia/Tokyo" }],
  ["MIT", { region: "Pacific/Apia" }],
  ["NET", { region: "Asia/Yerevan" }],
  ["NST", { region: "Pacific/Auckland" }],
  ["PLT", { region: "Asia/Karachi" }],
  ["PNT", { region: "America/Phoenix" }],
  ["PRT", { region: "America/Puerto_Rico" }],
  ["PST", { region: "America/Los_Angeles" }],
  ["SST", { region: "Pacific/Guadalcanal" }],
  ["VST", { region: "Asia/Ho_Chi_Minh" }],
  ["CET", { region: "Europe/Brussels" }],
  ["MET", { region: "Europe/Brussels" }],
  ["EET", { region: "Europe/Athens" }],
  ["WET", { region: "Europe/Lisbon" }],
  ["EDT", { minutes: -240, short: "EDT", long: "Eastern Daylight Time" }],
  ["CDT", { minutes: -300, short: "CDT", long: "Central Daylight Time" }],
  ["MDT", { minutes: -360, short: "MDT", long: "Mountain Daylight Time" }],
  ["PDT", { minutes: -420, short: "PDT", long: "Pacific Daylight Time" }],
  ["AKST", { minutes: -540, short: "AKST", long: "Alaska Standard Time" }],
  ["AKDT", { minutes: -480, short: "AKDT", long: "Alaska Daylight Time" }],
  ["HDT", { minutes: -540, short: "HDT", long: "Hawaii-Aleutian Daylight Time" }],
  ["CEST", { minutes: 120, short: "CEST", long: "Central European Summer Time" }],
  ["EEST", { minutes: 180, short: "EEST", long: "Eastern European Summer Time" }],
  ["WEST", { minutes: 60, short: "WEST", long: "Western European Summer Time" }],
  ["AEST", { minutes: 600, short: "AEST", long: "Australian Eastern Standard Time" }],
  ["AEDT", { minutes: 660, short: "AEDT", long: "Australian Eastern Daylight Time" }]
])

// `-6:00`, `+05:30`, `-0600`, `-06`, `GMT-6`, `UTC+5:30`. Java caps custom offsets at ±18:00.
const offsetPattern = /^(?:(?:GMT|UTC|UT)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?$/i
const regionPattern = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/

const fromOffset = (text: string): ResolvedZone | undefined => {
  const match = offsetPattern.exec(text)
  if (match === null) return undefined
  const hours = Number(match[2])
  const minutes = match[3] === undefined ? 0 : Number(match[3])
  if (hours > 18 || minutes > 59 || hours * 60 + minutes > 18 * 60) return undefined
  const total = (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes)
  const id = offsetId(total)
  return fixedZone(id, total, `GMT${id}`, `GMT${id}`)
}

const fromLegacy = (upper: string): ResolvedZone | undefined => {
  const entry = legacyZones.get(upper)
  if (entry === undefined) return undefined
  return "region" in entry
    ? regionZone(entry.region)
    : fixedZone(upper, entry.minutes, entry.short, entry.long)
}

const fromRegion = (text: string): ResolvedZone | undefined =>
  regionPattern.test(text) && IANAZone.isValidZone(text) ? regionZone(text) : undefined

const cache = new Map<string, ResolvedZone>()
const cacheLimit = 512

/**
 * Resolves a zone name the way the poller configuration writes them: UTC aliases, offsets, the
 * abbreviation table above, then IANA region names (checked against the runtime's Intl data).
 */
export const resolveZone = (name: string): ResolvedZone | DateTemplateError => {
  const cached = cache.get(name)
  if (cached !== undefined) return cached
  const text = name.trim()
  const upper = text.toUpperCase()
  const resolved = utcAliases.get(upper) ?? fromOffset(text) ?? fromLegacy(upper) ?? fromRegion(text)
  if (resolved === undefined) {
    return dateTemplateError(
      "unknown-zone",
      `unknown time zone "${name}": use an IANA name (America/Denver), an abbreviation (GMT, EST, PST) or an offset (-6:00)`,
      name
    )
  }
  if (cache.size >= cacheLimit) cache.clear()
  cache.set(name, resolved)
  return resolved
}
