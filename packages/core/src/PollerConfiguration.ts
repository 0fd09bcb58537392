/**
 * The per-resource poller configuration of contract.md §7: one `event.poller.configuration` entry
 * (`url`, `idField`, `datesConfiguration`, `filterByUpdatedDate`, `filterByCurrentDate`,
 * `createdCheckTolerance`, `pageSize`, `pollDelay`), decoded from an object or a JSON string, the
 * legacy `event.poller.urls` lines converted into entries, and the default entry a connector's
 * resource data implies, and how an instance's entries are resolved from all of those
 * ({@link resolveEntries}, {@link resolve}) — the one rule the runner and library-mode polling share.
 * Numbers and booleans are accepted as JSON values or as strings, as the original platform stored
 * them; every problem names the resource and the field at fault.
 */
import { Effect, Result, Schema, SchemaIssue, SchemaTransformation } from "effect"
import type * as Configuration from "./Configuration.js"
import type * as Connector from "./Connector.js"
import * as DateTemplate from "./DateTemplate.js"
import * as PollUrlCheck from "./internal/poller/PollUrlCheck.js"
import { parseLegacyLines } from "./internal/poller/LegacyUrls.js"
import type * as Resource from "./Resource.js"

/** How the poller finds changes: a filter on the updated date, or a full listing compared by content hash. */
export const Strategy = Schema.Literals(["updatedSince", "diff"])
export type Strategy = typeof Strategy.Type

// The original platform stored every configuration value as text; "false" must read as false.
const LooseBoolean = Schema.Union([
  Schema.Boolean,
  Schema.String.check(Schema.isPattern(/^\s*(true|false)\s*$/i, { message: "must be true or false" })).pipe(
    Schema.decodeTo(
      Schema.Boolean,
      SchemaTransformation.transform<boolean, string>({
        decode: (text) => text.trim().toLowerCase() === "true",
        encode: (value) => (value ? "true" : "false")
      })
    )
  )
]).annotate({ message: "must be true or false" })

const LooseNumber = Schema.Union([
  Schema.Finite,
  Schema.String.check(Schema.isPattern(/^\s*-?\d+(\.\d+)?\s*$/, { message: "must be a number" })).pipe(
    Schema.decodeTo(
      Schema.Finite,
      SchemaTransformation.transform<number, string>({
        decode: (text) => Number(text.trim()),
        encode: (value) => String(value)
      })
    )
  )
]).annotate({ message: "must be a number" })

const Seconds = LooseNumber.check(
  Schema.isGreaterThanOrEqualTo(0, { message: "must be a number of seconds, 0 or more" })
)
const PageSize = LooseNumber.check(
  Schema.isInt({ message: "must be a whole number" }),
  Schema.isGreaterThan(0, { message: "must be 1 or more" })
)
const Text = Schema.String.annotate({ message: "must be a string" })

/** Where a record's updated and created dates are and how they are written (Java patterns, zones). */
export const DatesConfiguration = Schema.Struct({
  updatedDateField: Schema.optionalKey(Text),
  updatedDateFormat: Schema.optionalKey(Text),
  updatedDateTimezone: Schema.optionalKey(Text),
  createdDateField: Schema.optionalKey(Text),
  createdDateFormat: Schema.optionalKey(Text),
  createdDateTimezone: Schema.optionalKey(Text)
})
export type DatesConfiguration = typeof DatesConfiguration.Type

/**
 * One resource's `event.poller.configuration` entry. Only `url` is required; the poller applies the
 * defaults listed on {@link Settings}. `strategy` is ours: `diff` polls vendors without a change
 * filter (Sendoso) by listing everything and comparing content hashes.
 */
export const Entry = Schema.Struct({
  url: Schema.String.annotate({ message: "must be a hub URL string" }).check(
    Schema.isNonEmpty({ message: "must not be empty" })
  ),
  idField: Schema.optionalKey(Text),
  datesConfiguration: Schema.optionalKey(DatesConfiguration),
  filterByUpdatedDate: Schema.optionalKey(LooseBoolean),
  filterByCurrentDate: Schema.optionalKey(LooseBoolean),
  createdCheckTolerance: Schema.optionalKey(Seconds),
  pageSize: Schema.optionalKey(PageSize),
  pollDelay: Schema.optionalKey(Seconds),
  strategy: Schema.optionalKey(Strategy)
})
export type Entry = typeof Entry.Type

/** One problem of one resource's entry; `field` is a dotted path inside the entry (`datesConfiguration.updatedDateFormat`). */
export class Problem extends Schema.Class<Problem>("@plugboard/core/PollerConfiguration/Problem")({
  resource: Schema.String,
  field: Schema.String,
  message: Schema.String
}) {}

/** The poller configuration did not decode; `problems` names every resource and field at fault. */
export class PollerConfigurationError extends Schema.TaggedError<PollerConfigurationError>()(
  "PollerConfigurationError",
  { problems: Schema.Array(Problem) }
) {
  override get message(): string {
    return `invalid event.poller.configuration: ${this.problems
      .map((p) => `${p.resource}${p.field === "" ? "" : `.${p.field}`}: ${p.message}`)
      .join("; ")}`
  }
}

/** Default `pollDelay`: the overlap window re-read on every poll, and the largest vendor clock skew tolerated. */
export const DEFAULT_POLL_DELAY_SECONDS = 120

/** Default `createdCheckTolerance`: created and updated this close (seconds) make a CREATED event. */
export const DEFAULT_CREATED_CHECK_TOLERANCE_SECONDS = 1

/** A vendor date field as the poller reads it. */
export interface DateSetting {
  readonly field: string
  /** Java `SimpleDateFormat` pattern; ISO-8601 and epoch numbers are also accepted (lenient reading). */
  readonly format: string
  readonly zone: string
}

/**
 * An entry with every default applied: `idField` `id`, `filterByUpdatedDate` true,
 * `filterByCurrentDate` false, `createdCheckTolerance` {@link DEFAULT_CREATED_CHECK_TOLERANCE_SECONDS},
 * `pollDelay` {@link DEFAULT_POLL_DELAY_SECONDS}, strategy `updatedSince`, date format ISO-8601 and
 * zone GMT when a date field is named without them.
 */
export interface Settings {
  readonly url: string
  readonly idField: string
  readonly updated: DateSetting | undefined
  readonly created: DateSetting | undefined
  readonly filterByUpdatedDate: boolean
  readonly filterByCurrentDate: boolean
  readonly createdCheckToleranceMillis: number
  readonly pageSize: number | undefined
  readonly pollDelayMillis: number
  readonly strategy: Strategy
}

const isoPattern = "yyyy-MM-dd'T'HH:mm:ssXXX"

const dateSetting = (
  field: string | undefined,
  format: string | undefined,
  zone: string | undefined
): DateSetting | undefined =>
  field === undefined || field.trim() === ""
    ? undefined
    : {
        field: field.trim(),
        format: format === undefined || format.trim() === "" ? isoPattern : format,
        zone: zone === undefined || zone.trim() === "" ? "GMT" : zone.trim()
      }

/** Applies the defaults of {@link Settings} to a decoded entry. */
export const settings = (entry: Entry): Settings => {
  const dates = entry.datesConfiguration ?? {}
  return {
    url: entry.url,
    idField: entry.idField === undefined || entry.idField.trim() === "" ? "id" : entry.idField.trim(),
    updated: dateSetting(dates.updatedDateField, dates.updatedDateFormat, dates.updatedDateTimezone),
    created: dateSetting(dates.createdDateField, dates.createdDateFormat, dates.createdDateTimezone),
    filterByUpdatedDate: entry.filterByUpdatedDate ?? true,
    filterByCurrentDate: entry.filterByCurrentDate ?? false,
    createdCheckToleranceMillis:
      (entry.createdCheckTolerance ?? DEFAULT_CREATED_CHECK_TOLERANCE_SECONDS) * 1000,
    pageSize: entry.pageSize,
    pollDelayMillis: (entry.pollDelay ?? DEFAULT_POLL_DELAY_SECONDS) * 1000,
    strategy: entry.strategy ?? "updatedSince"
  }
}

const standardFormatter = SchemaIssue.makeFormatterStandardSchemaV1()

const schemaProblems = (resource: string, issue: SchemaIssue.Issue): Array<Problem> =>
  standardFormatter(issue).issues.map(
    (item) =>
      new Problem({
        resource,
        field: (item.path ?? [])
          .map((segment) => String(typeof segment === "object" && segment !== null ? segment.key : segment))
          .join("."),
        message: item.message
      })
  )

/** Checks what the schema cannot: placeholders of the URL, date patterns and zones. */
const semanticProblems = (resource: string, entry: Entry): Array<Problem> => {
  const problems: Array<Problem> = []
  const urlCheck = DateTemplate.fill(entry.url, 0)
  if (Result.isFailure(urlCheck))
    problems.push(new Problem({ resource, field: "url", message: urlCheck.failure.message }))
  const dates = entry.datesConfiguration ?? {}
  for (const kind of ["updated", "created"] as const) {
    const format = dates[`${kind}DateFormat`]
    if (format !== undefined && format.trim() !== "") {
      const checked = DateTemplate.validatePattern(format)
      if (Result.isFailure(checked)) {
        problems.push(
          new Problem({
            resource,
            field: `datesConfiguration.${kind}DateFormat`,
            message: checked.failure.message
          })
        )
      }
    }
    const zone = dates[`${kind}DateTimezone`]
    if (zone !== undefined && zone.trim() !== "") {
      const checked = DateTemplate.resolveZone(zone.trim())
      if (Result.isFailure(checked)) {
        problems.push(
          new Problem({
            resource,
            field: `datesConfiguration.${kind}DateTimezone`,
            message: checked.failure.message
          })
        )
      }
    }
  }
  return problems
}

const decodeEntrySchema = Schema.decodeUnknownResult(Entry)

const parseJsonText = (resource: string, field: string, text: string): Result.Result<unknown, Problem> => {
  try {
    return Result.succeed(JSON.parse(text))
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    return Result.fail(new Problem({ resource, field, message: `is not valid JSON (${detail})` }))
  }
}

const entryResult = (resource: string, input: unknown): Result.Result<Entry, ReadonlyArray<Problem>> => {
  let value: unknown = input
  if (typeof input === "string") {
    const parsed = parseJsonText(resource, "", input)
    if (Result.isFailure(parsed)) return Result.fail([parsed.failure])
    value = parsed.success
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return Result.fail([
      new Problem({ resource, field: "", message: "must be an object with at least a url" })
    ])
  }
  const decoded = decodeEntrySchema(value, { errors: "all" })
  if (Result.isFailure(decoded)) return Result.fail(schemaProblems(resource, decoded.failure.issue))
  const problems = semanticProblems(resource, decoded.success)
  if (problems.length > 0) return Result.fail(problems)
  const url = PollUrlCheck.check(decoded.success.url)
  if ("problem" in url) return Result.fail([new Problem({ resource, field: "url", message: url.problem })])
  return Result.succeed(
    url.url === decoded.success.url ? decoded.success : { ...decoded.success, url: url.url }
  )
}

/**
 * Decodes one resource's entry, given as an object or a JSON string, and checks its URL
 * placeholders, date patterns and zones.
 */
export const decodeEntry = (
  resource: string,
  input: unknown
): Effect.Effect<Entry, PollerConfigurationError> =>
  Effect.suspend(() => {
    const result = entryResult(resource, input)
    return Result.isSuccess(result)
      ? Effect.succeed(result.success)
      : Effect.fail(new PollerConfigurationError({ problems: result.failure }))
  })

/**
 * Decodes a whole `event.poller.configuration` value (an object or a JSON string of one) into
 * entries by resource name, reporting every problem of every resource at once. Empty input
 * (`undefined`, `null`, `""`) is no entries.
 */
export const decode = (input: unknown): Effect.Effect<Record<string, Entry>, PollerConfigurationError> =>
  Effect.suspend(() => {
    if (input === undefined || input === null || (typeof input === "string" && input.trim() === "")) {
      return Effect.succeed({})
    }
    let value: unknown = input
    if (typeof input === "string") {
      const parsed = parseJsonText("event.poller.configuration", "", input)
      if (Result.isFailure(parsed))
        return Effect.fail(new PollerConfigurationError({ problems: [parsed.failure] }))
      value = parsed.success
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return Effect.fail(
        new PollerConfigurationError({
          problems: [
            new Problem({
              resource: "event.poller.configuration",
              field: "",
              message: "must be an object of resource name → poller entry"
            })
          ]
        })
      )
    }
    const entries: Record<string, Entry> = {}
    const problems: Array<Problem> = []
    for (const [resource, raw] of Object.entries(value)) {
      const result = entryResult(resource, raw)
      if (Result.isSuccess(result)) entries[resource] = result.success
      else problems.push(...result.failure)
    }
    return problems.length > 0
      ? Effect.fail(new PollerConfigurationError({ problems }))
      : Effect.succeed(entries)
  })

/**
 * Converts legacy `event.poller.urls` text into entries:
 * `<resource>|<url>|<xPath>|<updField>|<updFmt>|<updTz>|<crtField>|<crtFmt>|<crtTz>` per line,
 * lines separated by newlines or by the two characters `\n`. `xPath` is the id's path (`id`,
 * `/data/id`, `$.data.id` all read as `data.id`); empty or missing trailing fields are absent.
 * A line without a resource or a URL is an error naming its line number.
 */
export const fromLegacyUrls = (
  text: string
): Effect.Effect<Record<string, Entry>, PollerConfigurationError> =>
  Effect.suspend(() => {
    const lines = parseLegacyLines(text)
    const entries: Record<string, Entry> = {}
    const problems: Array<Problem> = []
    for (const line of lines) {
      if ("problem" in line) {
        problems.push(
          new Problem({ resource: `event.poller.urls line ${line.line}`, field: "", message: line.problem })
        )
        continue
      }
      const result = entryResult(line.resource, line.entry)
      if (Result.isSuccess(result)) entries[line.resource] = result.success
      else problems.push(...result.failure)
    }
    return problems.length > 0
      ? Effect.fail(new PollerConfigurationError({ problems }))
      : Effect.succeed(entries)
  })

const datesOf = (resource: Resource.Resource): DatesConfiguration | undefined => {
  const dates: Record<string, string> = {}
  for (const [kind, date] of [
    ["updated", resource.updated],
    ["created", resource.created]
  ] as const) {
    if (date === undefined) continue
    dates[`${kind}DateField`] = date.field
    dates[`${kind}DateFormat`] = date.format
    dates[`${kind}DateTimezone`] = date.zone
  }
  return Object.keys(dates).length > 0 ? dates : undefined
}

/**
 * The entry a connector's data implies for one resource: the hub URL
 * `/hubs/{hub}/{resource}?where=<poll.where>` (no filter for `Diff` resources, which get strategy
 * `diff`), the resource's id as `idField`, and its updated/created date fields. `undefined` when
 * the resource declares no poll strategy.
 */
export const defaultEntry = (hub: string, name: string, resource: Resource.Resource): Entry | undefined => {
  const poll = resource.poll
  if (poll === undefined) return undefined
  const base = `/hubs/${hub}/${name}`
  const dates = datesOf(resource)
  return {
    url: poll._tag === "UpdatedSince" ? `${base}?where=${poll.where}` : base,
    idField: resource.id,
    ...(dates === undefined ? {} : { datesConfiguration: dates }),
    ...(poll._tag === "Diff" ? { strategy: "diff" as const } : {})
  }
}

/**
 * Completes a caller's entry with a default one: every field the caller left out (`idField`, each
 * date setting, `strategy`, …) comes from `defaults`; what the caller wrote always wins, including
 * a URL pointing at another resource (the seed's `transactions` → `/hubs/finance/customers`).
 */
export const withDefaults = (entry: Entry, defaults: Entry | undefined): Entry => {
  if (defaults === undefined) return entry
  const dates = {
    ...dateGroup("updated", entry.datesConfiguration, defaults.datesConfiguration),
    ...dateGroup("created", entry.datesConfiguration, defaults.datesConfiguration)
  }
  return {
    ...defaults,
    ...entry,
    ...(Object.keys(dates).length === 0 ? {} : { datesConfiguration: dates })
  }
}

// A date is field, format and zone together: a caller naming any of them replaces the whole group,
// so a default format is never applied to a field the caller chose.
const dateGroup = (
  kind: "updated" | "created",
  own: DatesConfiguration | undefined,
  fallback: DatesConfiguration | undefined
): DatesConfiguration => {
  const keys = [`${kind}DateField`, `${kind}DateFormat`, `${kind}DateTimezone`] as const
  const source = own !== undefined && keys.some((key) => own[key] !== undefined) ? own : fallback
  const group: Record<string, string> = {}
  for (const key of keys) {
    const value: string | undefined = source === undefined ? undefined : source[key]
    if (value !== undefined) group[key] = value
  }
  return group
}

/** The configuration key of the per-resource entries. */
export const CONFIGURATION_KEY = "event.poller.configuration"

/** The configuration key of the legacy entry lines. */
export const LEGACY_URLS_KEY = "event.poller.urls"

/** Where an instance's entries came from: one of the two keys, or the connector's defaults. */
export type Source = typeof CONFIGURATION_KEY | typeof LEGACY_URLS_KEY | "defaults"

/** One resource's entry, resolved: completed with defaults, and the resource its URL lists. */
export interface Resolved {
  /** The entry's key: the events' `objectType`. */
  readonly resource: string
  readonly entry: Entry
  /** The resource the entry's URL lists (whose tombstones a poll reads). */
  readonly listed: string
}

/** An instance's resolved entries and where they came from. */
export interface ResolvedEntries {
  readonly source: Source
  /** In configuration order (or the connector's `events.defaultResources` order). */
  readonly entries: ReadonlyArray<Resolved>
}

/**
 * The hub and resource a hub URL lists (`/hubs/finance/customers?where=…` → `finance`,
 * `customers`), read from the path alone so that unfilled date placeholders in the query do not
 * matter; `undefined` when the URL is not a hub URL. An absolute URL and the `/elements/api-v2`
 * prefix are accepted.
 */
export const hubTarget = (url: string): { readonly hub: string; readonly resource: string } | undefined => {
  const path = (url.split("?")[0] ?? "")
    .trim()
    .replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, "")
    .replace(/^\/elements\/api-v2(?=\/)/, "")
  const [root, hub, resource] = path.split("/").filter((part) => part !== "")
  if (root !== "hubs" || hub === undefined || resource === undefined) return undefined
  try {
    return { hub, resource: decodeURIComponent(resource) }
  } catch {
    return { hub, resource }
  }
}

const connectorDefault = (connector: Connector.Connector, listed: string): Entry | undefined => {
  const definition = Object.hasOwn(connector.resources, listed) ? connector.resources[listed] : undefined
  return definition === undefined ? undefined : defaultEntry(connector.hub, listed, definition)
}

const complete = (
  connector: Connector.Connector,
  resource: string,
  entry: Entry
): Result.Result<Resolved, Problem> => {
  const target = hubTarget(entry.url)
  if (target === undefined || target.hub !== connector.hub) {
    return Result.fail(
      new Problem({
        resource,
        field: "url",
        message: `must be a hub URL of this instance, /hubs/${connector.hub}/{resource}[?where=…] (got '${entry.url}')`
      })
    )
  }
  return Result.succeed({
    resource,
    entry: withDefaults(entry, connectorDefault(connector, target.resource)),
    listed: target.resource
  })
}

const configured = (
  configuration: Configuration.Configuration
): Effect.Effect<
  { readonly source: Source; readonly entries: Record<string, Entry> } | undefined,
  PollerConfigurationError
> =>
  Effect.gen(function* () {
    // An empty object (`{}`, `{ }`) is no choice at all: the connector's defaults apply.
    const own = yield* decode(configuration.text(CONFIGURATION_KEY))
    if (Object.keys(own).length > 0) return { source: CONFIGURATION_KEY, entries: own }
    const legacy = configuration.text(LEGACY_URLS_KEY)
    if (legacy === undefined || legacy.trim() === "") return undefined
    const lines = yield* fromLegacyUrls(legacy)
    return Object.keys(lines).length > 0 ? { source: LEGACY_URLS_KEY, entries: lines } : undefined
  })

/**
 * An instance's poller entries: its `event.poller.configuration` (an object or JSON text; empty
 * means unset), else its legacy `event.poller.urls` lines, else the connector's
 * `events.defaultResources`. Every configured entry is completed with the defaults of the resource
 * its URL lists ({@link withDefaults}) and must be a hub URL of the connector's hub; the failure
 * names every resource and field at fault at once.
 */
export const resolveEntries = (
  connector: Connector.Connector,
  configuration: Configuration.Configuration
): Effect.Effect<ResolvedEntries, PollerConfigurationError> =>
  Effect.gen(function* () {
    const found = yield* configured(configuration)
    if (found === undefined) {
      const entries: Array<Resolved> = []
      for (const resource of connector.events.defaultResources) {
        const entry = connectorDefault(connector, resource)
        if (entry !== undefined) entries.push({ resource, entry, listed: resource })
      }
      return { source: "defaults", entries }
    }
    const entries: Array<Resolved> = []
    const problems: Array<Problem> = []
    for (const [resource, entry] of Object.entries(found.entries)) {
      const result = complete(connector, resource, entry)
      if (Result.isSuccess(result)) entries.push(result.success)
      else problems.push(result.failure)
    }
    if (problems.length > 0) return yield* new PollerConfigurationError({ problems })
    return { source: found.source, entries }
  })

/**
 * The entry one poll of `resource` uses: `given` (the caller's own, decoded and checked like
 * configuration) wins; else the instance's entry for it ({@link resolveEntries}); else the
 * connector's default for that resource. A resource with none of these fails naming it.
 */
export const resolve = (
  connector: Connector.Connector,
  configuration: Configuration.Configuration,
  resource: string,
  given?: unknown
): Effect.Effect<Resolved, PollerConfigurationError> =>
  Effect.gen(function* () {
    if (given !== undefined) {
      const result = complete(connector, resource, yield* decodeEntry(resource, given))
      if (Result.isFailure(result)) return yield* new PollerConfigurationError({ problems: [result.failure] })
      return result.success
    }
    const { entries } = yield* resolveEntries(connector, configuration)
    const own = entries.find((resolved) => resolved.resource === resource)
    if (own !== undefined) return own
    const fallback = connectorDefault(connector, resource)
    if (fallback !== undefined) return { resource, entry: fallback, listed: resource }
    return yield* new PollerConfigurationError({
      problems: [
        new Problem({
          resource,
          field: "",
          message:
            `no poller entry: '${resource}' is not in event.poller.configuration and ${connector.key} has no default poll for it` +
            " (pass an entry with a url)"
        })
      ]
    })
  })
