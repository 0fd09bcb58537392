/**
 * Check 1, metadata: everything the catalog shows and the engines read from a connector's data is
 * well formed — identity, paging, configuration parameters (every default decodes), authentication
 * keys declared where the strategy reads them, resources (paths, ids, verbs, dates, children,
 * tombstones), default poller entries (their `where` fills and parses as CEQL), events, sorting,
 * vendor objects and rate limit. Pure: it reads the connector and nothing else.
 */
import {
  AuthSpec,
  Ceql,
  Configuration,
  Connector,
  DateTemplate,
  type Param,
  type Paging,
  PollerConfiguration,
  type Resource,
  Webhooks
} from "@plugboard/core"
import { Effect, Exit, Result } from "effect"
import { expectNone } from "./ConformanceFailure.js"

const CHECK = "metadata"

const verbs: ReadonlySet<string> = new Set(["list", "get", "create", "update", "replace", "delete"])
const kinds: ReadonlySet<string> = new Set(["text", "secret", "boolean", "number", "url", "json", "textarea"])
const keyPattern = /^[a-z][a-z0-9_-]*$/
const hubPattern = /^[a-z][a-z0-9-]*$/
// A hub resource name is one URL path segment.
const resourcePattern = /^[A-Za-z][A-Za-z0-9_-]*$/
// The standard keys every element carries (contract.md §4, §7); `Connector.make` adds them.
const standardKeys = ["base.url", "event.notification.enabled", "event.notification.callback.url"]
// An instant to fill date placeholders with: any fixed time works, this one has every field non-zero.
const sampleInstant = Date.UTC(2026, 10, 22, 13, 14, 15, 161)

const isNonEmpty = (value: unknown): value is string => typeof value === "string" && value.trim() !== ""

const isPositiveInteger = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value > 0

const canParseTemplate = (url: string): boolean =>
  URL.canParse(url.replace(/\{[A-Za-z0-9_.-]+\}/g, "placeholder"))

const identityProblems = (connector: Connector.Connector): Array<string> => {
  const problems: Array<string> = []
  if (!keyPattern.test(connector.key))
    problems.push(`key '${connector.key}' must be lower case letters, digits, '-' or '_'`)
  if (!hubPattern.test(connector.hub))
    problems.push(`hub '${connector.hub}' must be lower case letters, digits or '-'`)
  if (!isPositiveInteger(connector.id)) problems.push(`id ${String(connector.id)} must be a positive integer`)
  if (!isNonEmpty(connector.name)) problems.push("name must not be empty")
  if (!isNonEmpty(connector.description)) problems.push("description must not be empty")
  if (!isNonEmpty(connector.image)) problems.push("image must not be empty")
  if (!canParseTemplate(connector.baseUrl))
    problems.push(`baseUrl '${connector.baseUrl}' must be an absolute URL (placeholders allowed)`)
  if (!isNonEmpty(connector.credentialCheck.path) || !connector.credentialCheck.path.startsWith("/"))
    problems.push(`credentialCheck.path '${connector.credentialCheck.path}' must start with '/'`)
  if (typeof connector.query !== "function") problems.push("query must be a CEQL translator function")
  if (
    connector.rateLimit !== undefined &&
    !(Number.isFinite(connector.rateLimit.requestsPerSecond) && connector.rateLimit.requestsPerSecond > 0)
  ) {
    problems.push(`rateLimit.requestsPerSecond ${connector.rateLimit.requestsPerSecond} must be above 0`)
  }
  return problems
}

const pagingProblems = (paging: Paging.Paging): Array<string> => {
  const problems: Array<string> = []
  if (paging.items !== null && !isNonEmpty(paging.items))
    problems.push("paging.items must be null (a bare array) or a dotted path")
  if (paging.total !== undefined && !isNonEmpty(paging.total))
    problems.push("paging.total must be a dotted path when given")
  if (paging._tag === "Single") return problems
  if (!isPositiveInteger(paging.maxPageSize))
    problems.push(`paging.maxPageSize ${paging.maxPageSize} must be a positive integer`)
  if (!isPositiveInteger(paging.defaultPageSize) || paging.defaultPageSize > paging.maxPageSize) {
    problems.push(
      `paging.defaultPageSize ${paging.defaultPageSize} must be a positive integer no larger than maxPageSize ${paging.maxPageSize}`
    )
  }
  const [first, second] =
    paging._tag === "Offset" ? [paging.offsetParam, paging.limitParam] : [paging.pageParam, paging.sizeParam]
  if (!isNonEmpty(first) || !isNonEmpty(second) || first === second)
    problems.push(`paging parameters '${first}' and '${second}' must be two different names`)
  if (paging._tag === "Offset" && paging.firstOffset !== 0 && paging.firstOffset !== 1)
    problems.push(`paging.firstOffset ${paging.firstOffset} must be 0 or 1`)
  if (paging._tag === "PageNumber" && !(Number.isSafeInteger(paging.firstPage) && paging.firstPage >= 0))
    problems.push(`paging.firstPage ${paging.firstPage} must be 0 or more`)
  return problems
}

const paramProblems = (key: string, param: Param.Param): Array<string> => {
  const problems: Array<string> = []
  const at = `configuration '${key}'`
  if (!kinds.has(param.kind)) problems.push(`${at}: unknown kind '${param.kind}'`)
  if (param.secret !== (param.kind === "secret"))
    problems.push(`${at}: secret must be true exactly for kind secret`)
  if (param.options !== undefined && param.options.length === 0)
    problems.push(`${at}: options must not be empty`)
  if (param.default === null) return problems
  const decoded = Effect.runSyncExit(Configuration.decode({ [key]: param }, { [key]: param.default }))
  if (Exit.isFailure(decoded)) {
    const error = Exit.findErrorOption(decoded)
    const detail = error._tag === "Some" ? error.value.message : "decoding died"
    problems.push(`${at}: default '${param.default}' does not decode (${detail})`)
  }
  return problems
}

const configurationProblems = (connector: Connector.Connector): Array<string> => {
  const problems: Array<string> = []
  for (const key of standardKeys) {
    if (!Object.hasOwn(connector.configuration, key))
      problems.push(`configuration lacks the standard key '${key}'`)
  }
  for (const [key, param] of Object.entries(connector.configuration))
    problems.push(...paramProblems(key, param))
  return problems
}

const declared = (
  connector: Connector.Connector,
  key: string,
  role: string,
  secret = false
): Array<string> => {
  const param = connector.configuration[key]
  if (param === undefined) return [`auth: the ${role} key '${key}' is not a declared configuration parameter`]
  if (secret && !param.secret) return [`auth: the ${role} key '${key}' must be declared secret`]
  return []
}

const reachable = (connector: Connector.Connector, key: string, role: string): Array<string> => {
  const param = connector.configuration[key]
  return param !== undefined && param.default === null && !param.required
    ? [`auth: the ${role} key '${key}' has no default and is not required`]
    : []
}

const authProblems = (connector: Connector.Connector): Array<string> => {
  const strategy: AuthSpec.Strategy = connector.auth.strategy
  const problems: Array<string> = []
  switch (strategy._tag) {
    case "Basic":
      problems.push(
        ...declared(connector, strategy.usernameKey, "user name"),
        ...declared(connector, strategy.passwordKey, "password", true)
      )
      break
    case "ApiKey":
      problems.push(...declared(connector, strategy.key, "API key", true))
      if (!isNonEmpty(strategy.name)) problems.push("auth: the API key's header or parameter name is empty")
      break
    case "OAuth2Code":
    case "OAuth2ClientCredentials":
      problems.push(
        ...declared(connector, strategy.clientIdKey, "client id"),
        ...declared(connector, strategy.clientSecretKey, "client secret", true),
        ...declared(connector, strategy.tokenUrlKey, "token URL"),
        ...reachable(connector, strategy.tokenUrlKey, "token URL"),
        ...declared(connector, strategy.scopeKey, "scope")
      )
      if (strategy._tag === "OAuth2Code") {
        problems.push(
          ...declared(connector, strategy.authorizationUrlKey, "authorization URL"),
          ...reachable(connector, strategy.authorizationUrlKey, "authorization URL"),
          ...declared(connector, strategy.redirectUriKey, "redirect URI")
        )
      }
      break
    case "None":
      break
  }
  // The catalog's authentication type comes from the strategy; required OAuth keys under another
  // type would ask callers for credentials the element never uses.
  const catalogType = AuthSpec.catalogType(strategy)
  if (catalogType !== "oauth2") {
    for (const [key, param] of Object.entries(connector.configuration)) {
      if (param.required && key.startsWith("oauth."))
        problems.push(`auth: '${key}' is required, but the authentication type is ${catalogType}`)
    }
  }
  for (const [header, key] of Object.entries(connector.auth.headers)) {
    if (!Object.hasOwn(connector.configuration, key))
      problems.push(`auth: header '${header}' reads the undeclared configuration key '${key}'`)
  }
  return problems
}

const dateProblems = (at: string, date: Resource.DateField | undefined): Array<string> => {
  if (date === undefined) return []
  const problems: Array<string> = []
  if (!isNonEmpty(date.field)) problems.push(`${at}.field must not be empty`)
  const pattern = DateTemplate.validatePattern(date.format)
  if (Result.isFailure(pattern)) problems.push(`${at}.format: ${pattern.failure.message}`)
  const zone = DateTemplate.resolveZone(date.zone)
  if (Result.isFailure(zone)) problems.push(`${at}.zone: ${zone.failure.message}`)
  return problems
}

const pollProblems = (
  connector: Connector.Connector,
  name: string,
  resource: Resource.Resource
): Array<string> => {
  const at = `resource '${name}'`
  const poll = resource.poll
  if (poll === undefined) return []
  const problems: Array<string> = []
  if (!resource.verbs.includes("list")) problems.push(`${at}: is polled but cannot be listed`)
  if (poll._tag === "UpdatedSince") {
    const filled = DateTemplate.fill(poll.where, sampleInstant)
    if (Result.isFailure(filled)) {
      problems.push(`${at}: poll where '${poll.where}' does not fill: ${filled.failure.message}`)
    } else {
      const parsed = Ceql.parseResult(filled.success)
      if (Result.isFailure(parsed))
        problems.push(`${at}: poll where '${filled.success}' is not CEQL: ${parsed.failure.message}`)
      const planned = Ceql.planResult(filled.success, connector.query, { resource: name })
      if (Result.isSuccess(parsed) && Result.isFailure(planned))
        problems.push(
          `${at}: poll where '${filled.success}' is refused by the translator: ${planned.failure.message}`
        )
    }
  }
  const entry = PollerConfiguration.defaultEntry(connector.hub, name, resource)
  if (entry !== undefined) {
    const decoded = Effect.runSyncExit(PollerConfiguration.decodeEntry(name, entry))
    if (Exit.isFailure(decoded)) {
      const error = Exit.findErrorOption(decoded)
      problems.push(
        `${at}: the default poller entry does not decode: ${error._tag === "Some" ? error.value.message : "decoding died"}`
      )
    }
  }
  return problems
}

const resourceProblems = (
  connector: Connector.Connector,
  name: string,
  resource: Resource.Resource
): Array<string> => {
  const at = `resource '${name}'`
  const problems: Array<string> = []
  if (!resourcePattern.test(name))
    problems.push(`${at}: the name must be one URL path segment of letters, digits, '-' or '_'`)
  if (!isNonEmpty(resource.path) || !(resource.path.startsWith("/") || URL.canParse(resource.path)))
    problems.push(`${at}: path '${resource.path}' must start with '/'`)
  if (!isNonEmpty(resource.id)) problems.push(`${at}: id (the id field) must not be empty`)
  if (resource.verbs.length === 0) problems.push(`${at}: has no verbs`)
  const unknown = resource.verbs.filter((verb) => !verbs.has(verb))
  if (unknown.length > 0) problems.push(`${at}: unknown verbs ${unknown.join(", ")}`)
  if (new Set(resource.verbs).size !== resource.verbs.length) problems.push(`${at}: a verb is listed twice`)
  const needsItem = resource.verbs.some((verb) => verb !== "list" && verb !== "create")
  if (needsItem && !resource.itemPath.includes("{id}"))
    problems.push(`${at}: itemPath '${resource.itemPath}' must contain {id}`)
  if (resource.updateMethod !== "PATCH" && resource.updateMethod !== "PUT")
    problems.push(`${at}: updateMethod must be PATCH or PUT`)
  problems.push(
    ...dateProblems(`${at}: created`, resource.created),
    ...dateProblems(`${at}: updated`, resource.updated)
  )
  for (const [child, spec] of Object.entries(resource.children)) {
    if (!resourcePattern.test(child))
      problems.push(`${at}: child name '${child}' must be one URL path segment`)
    if (!spec.path.includes("{id}"))
      problems.push(`${at}: child '${child}' path '${spec.path}' must contain {id}`)
  }
  if (resource.tombstones !== undefined) {
    if (!isNonEmpty(resource.tombstones.param)) problems.push(`${at}: tombstones.param must not be empty`)
    const pattern = DateTemplate.validatePattern(resource.tombstones.format)
    if (Result.isFailure(pattern)) problems.push(`${at}: tombstones.format: ${pattern.failure.message}`)
  }
  problems.push(...pollProblems(connector, name, resource))
  return problems
}

const eventProblems = (connector: Connector.Connector): Array<string> => {
  const problems: Array<string> = []
  const { methods, defaultResources } = connector.events
  if (methods.some((method) => method !== "polling" && method !== "webhook"))
    problems.push(`events.methods ${methods.join(", ")} may only hold polling and webhook`)
  for (const name of defaultResources) {
    const resource = Connector.resource(connector, name)
    if (resource === undefined)
      problems.push(`events.defaultResources names '${name}', which is not a resource`)
    else if (methods.includes("polling") && resource.poll === undefined)
      problems.push(`events.defaultResources names '${name}', which has no poll strategy`)
  }
  if (defaultResources.length > 0 && methods.length === 0)
    problems.push("events.defaultResources is set but events.methods is empty")
  // `Connector.make` refuses these too; a connector built without it is checked here.
  problems.push(...Webhooks.resourceProblems(connector.webhooks, connector.resources))
  return problems
}

const restProblems = (connector: Connector.Connector): Array<string> => {
  const problems: Array<string> = []
  if (connector.sort !== undefined) {
    if (!isNonEmpty(connector.sort.param)) problems.push("sort.param must not be empty")
    if (connector.sort.fields?.some((field) => !isNonEmpty(field)))
      problems.push("sort.fields must not hold empty names")
  }
  const objects = connector.objects
  if (objects !== undefined) {
    if (!objects.path.includes("{objectName}"))
      problems.push(`objects.path '${objects.path}' must contain {objectName}`)
    if (!objects.itemPath.includes("{objectName}") || !objects.itemPath.includes("{id}"))
      problems.push(`objects.itemPath '${objects.itemPath}' must contain {objectName} and {id}`)
    if (!isNonEmpty(objects.id)) problems.push("objects.id must not be empty")
  }
  return problems
}

/** Every problem of the connector's data, each naming the field at fault; empty when it is valid. */
export const problems = (connector: Connector.Connector): ReadonlyArray<string> => {
  const resources = Object.entries(connector.resources)
  return [
    ...identityProblems(connector),
    ...pagingProblems(connector.paging),
    ...configurationProblems(connector),
    ...authProblems(connector),
    ...(resources.length === 0 ? ["the connector has no resources"] : []),
    ...(resources.some(([, r]) => r.verbs.includes("list")) ? [] : ["no resource can be listed"]),
    ...resources.flatMap(([name, resource]) => resourceProblems(connector, name, resource)),
    ...eventProblems(connector),
    ...restProblems(connector)
  ]
}

/** Check 1 as a test body. */
export const run = (connector: Connector.Connector): Promise<void> =>
  Effect.runPromise(expectNone(CHECK, problems(connector)))
