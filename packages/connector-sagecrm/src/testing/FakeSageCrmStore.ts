/**
 * The fake Sage CRM's data: records per entity, the CRM users who may sign in, a clock the tests
 * control (created/updated stamps come from it, at the second precision Sage CRM shows), a log of
 * the requests the server received and faults to answer with. Tests reach it as `fake.store` to
 * arrange data and to change it between polls.
 */
import { entities, type EntitySchema, fieldType, findEntity, isSystemField } from "./FakeSageCrmEntities.js"
import { fault, isFault, type SDataFault } from "./FakeSageCrmFault.js"
import type { Value } from "./FakeSageCrmWhere.js"

/** A stored record: lower-case column names to values. */
export type FakeRecord = Readonly<Record<string, Value>>

/** One request as the server received it. */
export interface LoggedRequest {
  readonly method: string
  /** Path after the SData base (`/Company('43')`), or the whole path when outside it. */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /** The user name of the Basic credentials sent, if any. */
  readonly username: string | undefined
  readonly body: unknown
}

/** A response the server gives instead of serving the next request(s). */
export interface Fault {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
  /** How many requests get this answer; default 1. */
  readonly times?: number
}

/** The clock stamps come from. */
export interface FakeClock {
  /** The current time. */
  readonly now: () => Date
  /** Moves the clock to a time. */
  readonly set: (at: Date | string) => void
  /** Moves the clock forward. */
  readonly advance: (millis: number) => void
}

/** A CRM user who may sign in. Disabled and resource users are refused, as Sage CRM refuses them. */
export interface FakeUser {
  readonly logon: string
  readonly password: string
  readonly firstName?: string
  readonly lastName?: string
  readonly disabled?: boolean
  readonly resource?: boolean
}

/** The store API tests use. Entity names are matched case-insensitively; ids may be numbers or digit strings. */
export interface FakeSageCrmStore {
  readonly clock: FakeClock
  /** Adds a record as if a CRM user had created it; system columns not given come from the clock. */
  readonly insert: (entity: string, fields: Readonly<Record<string, unknown>>) => FakeRecord
  /** Changes a record and stamps its updated date (unless the fields set it). */
  readonly update: (
    entity: string,
    id: number | string,
    fields: Readonly<Record<string, unknown>>
  ) => FakeRecord
  /** Removes a record; Sage CRM keeps no tombstone the API can read. */
  readonly delete: (entity: string, id: number | string) => void
  readonly get: (entity: string, id: number | string) => FakeRecord | undefined
  /** Every live record of an entity, by id. */
  readonly list: (entity: string) => ReadonlyArray<FakeRecord>
  /** Adds a CRM user (a `Users` record with a password). */
  readonly addUser: (user: FakeUser) => FakeRecord
  /** Every request received so far, oldest first. */
  readonly requests: () => ReadonlyArray<LoggedRequest>
  readonly clearRequests: () => void
  /** Answers the next request(s) with this status and body (an SData 500 when no body is given). */
  readonly failNext: (failure: Fault) => void
}

/** The store plus what only the server uses. */
export interface StoreInternals extends FakeSageCrmStore {
  readonly schema: (entity: string) => EntitySchema | undefined
  /** Creates from a client's body: validated, system columns refused. */
  readonly createFromClient: (schema: EntitySchema, body: unknown, userId: number) => FakeRecord | SDataFault
  /** Updates from a client's body: validated, system columns refused unless unchanged. */
  readonly updateFromClient: (
    schema: EntitySchema,
    id: number,
    body: unknown,
    userId: number
  ) => FakeRecord | SDataFault
  /** The user these credentials sign in as, or why not. */
  readonly authenticate: (logon: string, password: string) => FakeRecord | SDataFault
  readonly log: (request: LoggedRequest) => void
  readonly takeFault: () => Fault | undefined
  readonly records: (schema: EntitySchema) => ReadonlyArray<FakeRecord>
}

/** Formats a time the way Sage CRM shows dates: ISO 8601, seconds, UTC. */
export const formatDate = (at: Date): string => `${at.toISOString().slice(0, 19)}Z`

const readDate = (value: unknown): string | undefined => {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : formatDate(value)
  if (typeof value !== "string") return undefined
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(text)) return undefined
  const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`)
  return Number.isNaN(ms) ? undefined : formatDate(new Date(ms))
}

/** Reads a client value into a column, or says why the vendor would refuse it. */
const readValue = (schema: EntitySchema, field: string, raw: unknown): Value | SDataFault => {
  const type = schema.fields[field]!
  if (raw === null) return null
  switch (type) {
    case "text":
      if (typeof raw === "string") return raw
      if (typeof raw === "number" || typeof raw === "boolean") return String(raw)
      return fault(400, "ApplicationDiagnosis", `Field ${field} must be text`)
    case "date": {
      const date = readDate(raw)
      return (
        date ?? fault(400, "ApplicationDiagnosis", `Field ${field} must be a date (yyyy-MM-ddTHH:mm:ssZ)`)
      )
    }
    default: {
      const n =
        typeof raw === "number"
          ? raw
          : typeof raw === "string" && raw.trim() !== ""
            ? Number(raw)
            : Number.NaN
      if (!Number.isFinite(n) || (type !== "decimal" && !Number.isInteger(n))) {
        return fault(
          400,
          "ApplicationDiagnosis",
          `Field ${field} must be ${type === "decimal" ? "a number" : "an integer"}`
        )
      }
      return n
    }
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Creates an empty store whose clock starts at `start`. */
export const makeStore = (start: Date): StoreInternals => {
  let now = Math.floor(start.getTime() / 1000) * 1000
  const tables = new Map<string, Map<number, Record<string, Value>>>()
  const nextIds = new Map<string, number>()
  const passwords = new Map<number, string>()
  const logged: Array<LoggedRequest> = []
  const faults: Array<{ fault: Fault; left: number }> = []

  for (const schema of entities) {
    tables.set(schema.name, new Map())
    nextIds.set(schema.name, 1)
  }

  const clock: FakeClock = {
    now: () => new Date(now),
    set: (at) => {
      const ms = typeof at === "string" ? Date.parse(at) : at.getTime()
      if (Number.isNaN(ms)) throw new TypeError(`fake Sage CRM clock: cannot read time '${String(at)}'`)
      now = ms
    },
    advance: (millis) => {
      now += millis
    }
  }

  const schemaOf = (entity: string): EntitySchema => {
    const schema = findEntity(entity)
    if (schema === undefined) throw new TypeError(`fake Sage CRM: no entity '${entity}'`)
    return schema
  }

  const tableOf = (schema: EntitySchema): Map<number, Record<string, Value>> => tables.get(schema.name)!

  const idOf = (id: number | string): number => (typeof id === "number" ? id : Number(id))

  const allocateId = (schema: EntitySchema, wanted: number | undefined): number => {
    const next = nextIds.get(schema.name)!
    const id = wanted ?? next
    nextIds.set(schema.name, Math.max(next, id + 1))
    return id
  }

  const blank = (schema: EntitySchema): Record<string, Value> => {
    const record: Record<string, Value> = {}
    for (const field of Object.keys(schema.fields)) record[field] = null
    return record
  }

  // Test-side writes: any column, system columns included; a wrong name or value is a test bug.
  const assign = (
    schema: EntitySchema,
    record: Record<string, Value>,
    fields: Readonly<Record<string, unknown>>
  ) => {
    for (const [name, raw] of Object.entries(fields)) {
      const field = name.toLowerCase()
      if (fieldType(schema, field) === undefined)
        throw new TypeError(`fake Sage CRM: ${schema.name} has no field '${name}'`)
      const value = readValue(schema, field, raw)
      if (isFault(value)) throw new TypeError(`fake Sage CRM: ${value.message}`)
      record[field] = value
    }
  }

  const stamp = (
    schema: EntitySchema,
    record: Record<string, Value>,
    created: boolean,
    userId: number | null
  ) => {
    const at = formatDate(new Date(now))
    if (created) {
      record[`${schema.prefix}_createddate`] ??= at
      record[`${schema.prefix}_createdby`] ??= userId
    }
    record[`${schema.prefix}_updateddate`] ??= at
    record[`${schema.prefix}_updatedby`] ??= userId
  }

  const insert = (entity: string, fields: Readonly<Record<string, unknown>>): FakeRecord => {
    const schema = schemaOf(entity)
    const record = blank(schema)
    assign(schema, record, fields)
    const given = record[schema.idField]
    const id = allocateId(schema, typeof given === "number" ? given : undefined)
    if (tableOf(schema).has(id)) throw new TypeError(`fake Sage CRM: ${schema.name} ${id} exists already`)
    record[schema.idField] = id
    stamp(schema, record, true, 1)
    tableOf(schema).set(id, record)
    return { ...record }
  }

  const update = (
    entity: string,
    id: number | string,
    fields: Readonly<Record<string, unknown>>
  ): FakeRecord => {
    const schema = schemaOf(entity)
    const record = tableOf(schema).get(idOf(id))
    if (record === undefined) throw new TypeError(`fake Sage CRM: no ${schema.name} ${id}`)
    record[`${schema.prefix}_updateddate`] = null
    record[`${schema.prefix}_updatedby`] = null
    assign(schema, record, fields)
    stamp(schema, record, false, 1)
    return { ...record }
  }

  // Client-side writes: what the REST API accepts. `$`-properties (`$key`, `$url` echoed back) are ignored.
  const clientFields = (
    schema: EntitySchema,
    body: unknown,
    current: Readonly<Record<string, Value>> | undefined
  ): Record<string, Value> | SDataFault => {
    if (!isObject(body)) return fault(400, "ApplicationDiagnosis", "The request body must be a JSON object")
    const out: Record<string, Value> = {}
    for (const [name, raw] of Object.entries(body)) {
      if (name.startsWith("$")) continue
      const field = name.toLowerCase()
      if (fieldType(schema, field) === undefined) {
        return fault(400, "ApplicationDiagnosis", `Field ${name} does not exist on ${schema.name}`)
      }
      const value = readValue(schema, field, raw)
      if (isFault(value)) return value
      if (isSystemField(schema, field)) {
        if (current !== undefined && current[field] === value) continue
        return fault(400, "ApplicationDiagnosis", `Field ${field} is read-only`)
      }
      out[field] = value
    }
    return out
  }

  const createFromClient = (schema: EntitySchema, body: unknown, userId: number): FakeRecord | SDataFault => {
    const values = clientFields(schema, body, undefined)
    if (isFault(values)) return values
    for (const required of schema.required) {
      const value = values[required]
      if (value === undefined || value === null || value === "") {
        return fault(400, "ApplicationDiagnosis", `Field ${required} is required`)
      }
    }
    const record = { ...blank(schema), ...values }
    const id = allocateId(schema, undefined)
    record[schema.idField] = id
    stamp(schema, record, true, userId)
    tableOf(schema).set(id, record)
    return { ...record }
  }

  const updateFromClient = (
    schema: EntitySchema,
    id: number,
    body: unknown,
    userId: number
  ): FakeRecord | SDataFault => {
    const record = tableOf(schema).get(id)
    if (record === undefined)
      return fault(404, "ApplicationDiagnosis", `${schema.name} '${id}' was not found`)
    const values = clientFields(schema, body, record)
    if (isFault(values)) return values
    for (const required of schema.required) {
      if (required in values && (values[required] === null || values[required] === "")) {
        return fault(400, "ApplicationDiagnosis", `Field ${required} is required`)
      }
    }
    Object.assign(record, values)
    record[`${schema.prefix}_updateddate`] = formatDate(new Date(now))
    record[`${schema.prefix}_updatedby`] = userId
    return { ...record }
  }

  const authenticate = (logon: string, password: string): FakeRecord | SDataFault => {
    const users = [...tableOf(schemaOf("Users")).values()]
    const user = users.find(
      (u) => typeof u.user_logon === "string" && u.user_logon.toLowerCase() === logon.toLowerCase()
    )
    const refused = fault(401, "ApplicationDiagnosis", "Invalid username or password")
    if (user === undefined || passwords.get(user.user_userid as number) !== password) return refused
    if (user.user_disabled === "Y") return fault(401, "ApplicationDiagnosis", "This user account is disabled")
    if (user.user_resource === "Y") return fault(401, "ApplicationDiagnosis", "Resource users cannot log on")
    return { ...user }
  }

  return {
    clock,
    insert,
    update,
    delete: (entity, id) => {
      const schema = schemaOf(entity)
      if (!tableOf(schema).delete(idOf(id))) throw new TypeError(`fake Sage CRM: no ${schema.name} ${id}`)
    },
    get: (entity, id) => {
      const record = tableOf(schemaOf(entity)).get(idOf(id))
      return record === undefined ? undefined : { ...record }
    },
    list: (entity) => [...tableOf(schemaOf(entity)).values()].map((record) => ({ ...record })),
    addUser: (user) => {
      const record = insert("Users", {
        user_logon: user.logon,
        user_firstname: user.firstName ?? null,
        user_lastname: user.lastName ?? user.logon,
        user_disabled: user.disabled === true ? "Y" : null,
        user_resource: user.resource === true ? "Y" : null
      })
      passwords.set(record.user_userid as number, user.password)
      return record
    },
    requests: () => [...logged],
    clearRequests: () => {
      logged.length = 0
    },
    failNext: (failure) => {
      faults.push({ fault: failure, left: failure.times ?? 1 })
    },
    schema: (entity) => findEntity(entity),
    createFromClient,
    updateFromClient,
    authenticate,
    log: (request) => {
      logged.push(request)
    },
    takeFault: () => {
      const head = faults[0]
      if (head === undefined) return undefined
      head.left--
      if (head.left <= 0) faults.shift()
      return head.fault
    },
    records: (schema) => [...tableOf(schema).values()]
  }
}
