/**
 * Sage 200's per-connection headers: every call names the site and company it works in with
 * `X-Site` and `X-Company`, whose values come from `GET /sites`. The instance's `company.name`
 * picks the company (ignoring case and surrounding spaces); without it, a user with one company
 * gets that one. Core runs this once per connection and caches the answer.
 */
import { type Configuration, ConnectorError, type VendorClient } from "@plugboard/core"
import { Effect } from "effect"

/** The configuration key naming the company. */
export const companyKey = "company.name"

/** One company a Sage 200 user can reach, as `GET /sites` lists it. */
export interface Site {
  readonly site_id: string
  readonly site_name?: string
  readonly company_id: string | number
  readonly company_name: string
}

const operation = "find the Sage 200 site and company"

const invalid = (message: string): ConnectorError.ConnectorError =>
  ConnectorError.make(new ConnectorError.InvalidRequest({ message, field: companyKey }), operation)

const isSite = (value: unknown): value is Site => {
  if (typeof value !== "object" || value === null) return false
  const record = value as Record<string, unknown>
  return (
    typeof record["site_id"] === "string" &&
    (typeof record["company_id"] === "string" || typeof record["company_id"] === "number") &&
    typeof record["company_name"] === "string"
  )
}

const normalize = (name: string): string => name.trim().toLowerCase()

const names = (sites: ReadonlyArray<Site>): string =>
  sites.length === 0 ? "none" : sites.map((s) => `'${s.company_name}'`).join(", ")

/** Picks the company named `wanted` (or the only one) from a `GET /sites` body. */
export const pickSite = (
  body: unknown,
  wanted: string | undefined
): Effect.Effect<Site, ConnectorError.ConnectorError> => {
  if (!Array.isArray(body) || !body.every(isSite)) {
    return Effect.fail(
      ConnectorError.make(
        new ConnectorError.UnexpectedResponse({
          message: "GET /sites did not return a list of {site_id, company_id, company_name}"
        }),
        operation
      )
    )
  }
  const sites: ReadonlyArray<Site> = body
  if (wanted === undefined || wanted.trim() === "") {
    const [only, ...others] = sites
    if (only !== undefined && others.length === 0) return Effect.succeed(only)
    return Effect.fail(
      invalid(`'${companyKey}' is required: this Sage 200 user can reach the companies ${names(sites)}`)
    )
  }
  const found = sites.find((site) => normalize(site.company_name) === normalize(wanted))
  return found !== undefined
    ? Effect.succeed(found)
    : Effect.fail(
        invalid(
          `'${companyKey}' names the company '${wanted}', which this Sage 200 user cannot reach; ` +
            `the companies are ${names(sites)}`
        )
      )
}

/** The `sessionHeaders` hook: `X-Site` and `X-Company` of the configured company. */
export const sessionHeaders = (
  client: VendorClient.VendorClient,
  configuration: Configuration.Configuration
): Effect.Effect<Readonly<Record<string, string>>, ConnectorError.ConnectorError> =>
  client.request({ method: "GET", path: "/sites", operation }).pipe(
    Effect.flatMap((response) => pickSite(response.body, configuration.text(companyKey))),
    Effect.map((site) => ({ "X-Site": site.site_id, "X-Company": String(site.company_id) }))
  )
