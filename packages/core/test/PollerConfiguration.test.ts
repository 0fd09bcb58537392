// biome-ignore-all lint/suspicious/noTemplateCurlyInString: poller URLs are written with ${…} placeholders
import { assert, describe, it } from "@effect/vitest"
import { PollerConfiguration, Resource } from "@plugboard/core"
import { Effect } from "effect"

const isoGmt = "yyyy-MM-dd'T'HH:mm:ss'Z'"

// The shape of seed 002 (Sage 200): seven resources, dates in GMT, `${date:…}` in the where clause.
const sage200Dates = {
  updatedDateField: "updated_at",
  updatedDateFormat: isoGmt,
  updatedDateTimezone: "GMT",
  createdDateField: "created_at",
  createdDateFormat: isoGmt,
  createdDateTimezone: "GMT"
}
const sage200Resource = (path: string) => ({
  url: `/hubs/finance/${path}?where=date_time_updated>='\${date:yyyy-MM-dd'T'HH:mm:ss}'`,
  idField: "id",
  datesConfiguration: sage200Dates
})
const sage200Configuration = {
  customers: sage200Resource("customers"),
  payments: sage200Resource("payments"),
  invoices: sage200Resource("invoices"),
  products: sage200Resource("products"),
  // The seed's own slip: transactions polls the customers URL. An explicit configuration is obeyed.
  transactions: sage200Resource("customers"),
  "warehouse-holdings": sage200Resource("warehouse-holdings"),
  warehouses: sage200Resource("warehouses")
}

// Seed 003 (Sage Business Cloud Accounting): the where clause ends in an unbalanced quote.
const sageOneConfiguration = {
  customers: {
    url: "/hubs/finance/customers?where=lastModifiedDate>='${date:yyyy-MM-dd'T'HH:mm:ss'Z'}' and attributes='created_at,updated_at",
    idField: "id",
    datesConfiguration: sage200Dates
  }
}

const problemsOf = (error: PollerConfiguration.PollerConfigurationError) =>
  error.problems.map((problem) => `${problem.resource}|${problem.field}`)

describe("PollerConfiguration.decode", () => {
  it.effect("decodes the seed 002 configuration (object) with every resource", () =>
    Effect.gen(function* () {
      const entries = yield* PollerConfiguration.decode(sage200Configuration)
      assert.deepStrictEqual(Object.keys(entries).sort(), Object.keys(sage200Configuration).sort())
      assert.strictEqual(entries.transactions?.url.startsWith("/hubs/finance/customers?"), true)
      const settings = PollerConfiguration.settings(entries.customers!)
      assert.deepStrictEqual(settings.updated, { field: "updated_at", format: isoGmt, zone: "GMT" })
      assert.deepStrictEqual(settings.created, { field: "created_at", format: isoGmt, zone: "GMT" })
      assert.strictEqual(settings.idField, "id")
      assert.strictEqual(settings.filterByUpdatedDate, true)
      assert.strictEqual(settings.filterByCurrentDate, false)
      assert.strictEqual(settings.pollDelayMillis, PollerConfiguration.DEFAULT_POLL_DELAY_SECONDS * 1000)
      assert.strictEqual(settings.strategy, "updatedSince")
    })
  )

  it.effect("decodes the seed 003 configuration given as a JSON string, and entries given as strings", () =>
    Effect.gen(function* () {
      const entries = yield* PollerConfiguration.decode(JSON.stringify(sageOneConfiguration))
      // The published seed drops the where's closing quote; decoding restores it (and only that).
      assert.strictEqual(entries.customers?.url, `${sageOneConfiguration.customers.url}'`)
      const nested = yield* PollerConfiguration.decode({
        customers: JSON.stringify(sageOneConfiguration.customers)
      })
      assert.deepStrictEqual(nested, entries)
    })
  )

  it.effect("refuses a where that is not CEQL when the configuration is saved, naming the url", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        PollerConfiguration.decode({
          customers: { url: "/hubs/finance/customers?where=name = = 'x'&pageSize=10" },
          contacts: { url: "/finance/contacts" }
        })
      )
      const byResource = Object.fromEntries(error.problems.map((p) => [p.resource, p]))
      assert.strictEqual(byResource["customers"]?.field, "url")
      assert.include(byResource["customers"]?.message ?? "", "position")
      assert.strictEqual(byResource["contacts"]?.field, "url")
      const kept = yield* PollerConfiguration.decode({
        customers: { url: "/hubs/finance/customers?where=name = 'it''s'" }
      })
      assert.strictEqual(kept.customers?.url, "/hubs/finance/customers?where=name = 'it''s'")
    })
  )

  it.effect("accepts numbers and booleans written as text, as the original platform stored them", () =>
    Effect.gen(function* () {
      const entry = yield* PollerConfiguration.decodeEntry("accounts", {
        url: "/hubs/crm/accounts",
        filterByUpdatedDate: "false",
        filterByCurrentDate: "TRUE",
        createdCheckTolerance: "2.5",
        pageSize: " 50 ",
        pollDelay: 30
      })
      const settings = PollerConfiguration.settings(entry)
      assert.strictEqual(settings.filterByUpdatedDate, false)
      assert.strictEqual(settings.filterByCurrentDate, true)
      assert.strictEqual(settings.createdCheckToleranceMillis, 2500)
      assert.strictEqual(settings.pageSize, 50)
      assert.strictEqual(settings.pollDelayMillis, 30_000)
    })
  )

  it.effect("names the resource and the field of every problem at once", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        PollerConfiguration.decode({
          accounts: { url: 5, pageSize: 0, pollDelay: -1, filterByUpdatedDate: "maybe" },
          contacts: { idField: "id" },
          leads: "{not json",
          users: {
            url: "/hubs/crm/users?where=x>'${fortnight:yyyy}'",
            datesConfiguration: {
              updatedDateFormat: "yyyy-QQ",
              updatedDateTimezone: "Mars/Olympus",
              createdDateField: 3
            }
          },
          notes: []
        })
      )
      const problems = problemsOf(error)
      for (const expected of [
        "accounts|url",
        "accounts|pageSize",
        "accounts|pollDelay",
        "accounts|filterByUpdatedDate",
        "contacts|url",
        "leads|",
        "users|datesConfiguration.createdDateField",
        "notes|"
      ]) {
        assert.include(problems, expected)
      }
      assert.match(error.message, /accounts\.pollDelay: must be a number of seconds, 0 or more/)
      assert.match(error.message, /accounts\.filterByUpdatedDate: must be true or false/)
      // Placeholders, patterns and zones are checked once the shape is right.
      const semantic = yield* Effect.flip(
        PollerConfiguration.decodeEntry("users", {
          url: "/hubs/crm/users?where=x>'${fortnight:yyyy}'",
          datesConfiguration: { updatedDateFormat: "yyyy-QQ", updatedDateTimezone: "Mars/Olympus" }
        })
      )
      assert.deepStrictEqual(problemsOf(semantic), [
        "users|url",
        "users|datesConfiguration.updatedDateFormat",
        "users|datesConfiguration.updatedDateTimezone"
      ])
      assert.match(semantic.message, /unknown placeholder "\$\{fortnight:yyyy\}"/)
    })
  )

  it.effect("treats empty input as no entries and refuses a non-object", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* PollerConfiguration.decode(undefined), {})
      assert.deepStrictEqual(yield* PollerConfiguration.decode(""), {})
      const error = yield* Effect.flip(PollerConfiguration.decode("[1,2]"))
      assert.deepStrictEqual(problemsOf(error), ["event.poller.configuration|"])
    })
  )
})

describe("PollerConfiguration.fromLegacyUrls", () => {
  it.effect("converts full and short lines separated by newlines or by the characters \\n", () =>
    Effect.gen(function* () {
      const text = [
        `accounts|/hubs/crm/accounts?where=Comp_UpdatedDate>='\${gmtDate:yyyy-MM-dd'T'HH:mm:ss}'|/key|Comp_UpdatedDate|yyyy-MM-dd'T'HH:mm:ss|GMT|Comp_CreatedDate|yyyy-MM-dd'T'HH:mm:ss|GMT`,
        "contacts|/hubs/crm/contacts|$.data.id"
      ].join("\\n")
      const entries = yield* PollerConfiguration.fromLegacyUrls(`${text}\n\nleads|/hubs/crm/leads\r\n`)
      assert.deepStrictEqual(entries.accounts, {
        url: "/hubs/crm/accounts?where=Comp_UpdatedDate>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss}'",
        idField: "key",
        datesConfiguration: {
          updatedDateField: "Comp_UpdatedDate",
          updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss",
          updatedDateTimezone: "GMT",
          createdDateField: "Comp_CreatedDate",
          createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss",
          createdDateTimezone: "GMT"
        }
      })
      assert.deepStrictEqual(entries.contacts, { url: "/hubs/crm/contacts", idField: "data.id" })
      assert.deepStrictEqual(entries.leads, { url: "/hubs/crm/leads" })
    })
  )

  it.effect("names the line of a broken line and the resource of a bad value", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        PollerConfiguration.fromLegacyUrls(
          "accounts|/hubs/crm/accounts\n|/hubs/crm/x\ncontacts|\nleads|/hubs/crm/leads|id|upd|yyyy-QQ|GMT\nusers|a|b|c|d|e|f|g|h|i"
        )
      )
      assert.deepStrictEqual(problemsOf(error), [
        "event.poller.urls line 2|",
        "event.poller.urls line 3|",
        "leads|datesConfiguration.updatedDateFormat",
        "event.poller.urls line 5|"
      ])
    })
  )
})

describe("PollerConfiguration defaults", () => {
  const accounts = Resource.make({
    path: "/Company",
    id: "comp_companyid",
    updated: { field: "comp_updateddate", format: "yyyy-MM-dd'T'HH:mm:ss", zone: "UTC" },
    created: { field: "comp_createddate", format: "yyyy-MM-dd'T'HH:mm:ss", zone: "UTC" },
    poll: { _tag: "UpdatedSince", where: "comp_updateddate >= '${gmtDate:yyyy-MM-dd'T'HH:mm:ss}'" }
  })
  const sends = Resource.make({ path: "/send", id: "id", poll: { _tag: "Diff" } })

  it("builds the default entry from the connector's resource data", () => {
    assert.deepStrictEqual(PollerConfiguration.defaultEntry("crm", "accounts", accounts), {
      url: "/hubs/crm/accounts?where=comp_updateddate >= '${gmtDate:yyyy-MM-dd'T'HH:mm:ss}'",
      idField: "comp_companyid",
      datesConfiguration: {
        updatedDateField: "comp_updateddate",
        updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss",
        updatedDateTimezone: "UTC",
        createdDateField: "comp_createddate",
        createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss",
        createdDateTimezone: "UTC"
      }
    })
    assert.deepStrictEqual(PollerConfiguration.defaultEntry("rewards", "gifts", sends), {
      url: "/hubs/rewards/gifts",
      idField: "id",
      strategy: "diff"
    })
    assert.strictEqual(
      PollerConfiguration.defaultEntry("crm", "x", Resource.make({ path: "/x", id: "id" })),
      undefined
    )
  })

  it("completes a caller's entry from the defaults; the caller's fields and date groups win whole", () => {
    const defaults = PollerConfiguration.defaultEntry("crm", "accounts", accounts)
    const merged = PollerConfiguration.withDefaults(
      {
        url: "/hubs/crm/accounts?where=x='1'",
        pollDelay: 10,
        datesConfiguration: { updatedDateField: "Comp_UpdatedDate" }
      },
      defaults
    )
    assert.deepStrictEqual(merged, {
      url: "/hubs/crm/accounts?where=x='1'",
      idField: "comp_companyid",
      pollDelay: 10,
      datesConfiguration: {
        updatedDateField: "Comp_UpdatedDate",
        createdDateField: "comp_createddate",
        createdDateFormat: "yyyy-MM-dd'T'HH:mm:ss",
        createdDateTimezone: "UTC"
      }
    })
    // A field named without its format reads ISO-8601 (and epoch numbers) in GMT.
    assert.deepStrictEqual(PollerConfiguration.settings(merged).updated, {
      field: "Comp_UpdatedDate",
      format: "yyyy-MM-dd'T'HH:mm:ssXXX",
      zone: "GMT"
    })
    const sendDefaults = PollerConfiguration.defaultEntry("rewards", "gifts", sends)
    assert.strictEqual(
      PollerConfiguration.withDefaults({ url: "/hubs/rewards/gifts" }, sendDefaults).strategy,
      "diff"
    )
    assert.deepStrictEqual(PollerConfiguration.withDefaults({ url: "/u" }, undefined), { url: "/u" })
  })
})
