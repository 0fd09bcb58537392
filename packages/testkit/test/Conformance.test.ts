import { assert, describe, it } from "@effect/vitest"
import { Connector, Paging, Param, Resource, Webhooks } from "@plugboard/core"
import { Conformance } from "@plugboard/testkit"
import { definition, harness, Widgets } from "./WidgetHarness.js"

/** Runs the check named `name` and returns its failure; fails the test when the check passes. */
const failureOf = async (
  subject: Conformance.Harness,
  name: string
): Promise<Conformance.ConformanceFailure> => {
  const check = Conformance.checks(subject).find((c) => c.name === name)
  assert.isDefined(check, `no check named '${name}'`)
  try {
    await check?.run()
  } catch (error) {
    assert.instanceOf(error, Conformance.ConformanceFailure, String(error))
    return error as Conformance.ConformanceFailure
  }
  return assert.fail(`the check '${name}' passed`)
}

// The conforming widget connector passes the whole suite, registered the way connector packages do.
Conformance.run(harness())

describe("Conformance.checks", () => {
  it("names one check per promise, per listable resource and per polled resource", () => {
    const names = Conformance.checks(harness()).map((check) => check.name)
    assert.deepStrictEqual(names, [
      "metadata is valid",
      "the seed configurations decode",
      "a configuration missing a required key fails naming it",
      "authentication works",
      "authentication fails cleanly with a wrong secret",
      "widgets lists and reads",
      "gadgets lists and reads",
      "paging returns every record exactly once",
      "CEQL equality on the id field returns exactly that record",
      "widgets: two sequential polls from saved state give no duplicates",
      "widgets: a poll from a future cursor gives nothing",
      "gadgets: two sequential polls from saved state give no duplicates",
      "gadgets: a poll from a future cursor gives nothing"
    ])
  })
})

describe("the conformance suite catches", () => {
  it("invalid metadata, naming every field at fault", async () => {
    const unknownPlaceholder = "updated >= '${someday:yyyy}'"
    const widgets = Widgets.resources["widgets"]
    assert.isDefined(widgets)
    const broken = Connector.make({
      ...definition,
      key: "Widgets!",
      paging: Paging.offset({
        offsetParam: "offset",
        limitParam: "offset",
        firstOffset: 0,
        maxPageSize: 50,
        defaultPageSize: 500,
        items: "items"
      }),
      configuration: {
        ...definition.configuration,
        archived: Param.boolean({ label: "Archived", default: "maybe" })
      },
      resources: {
        widgets: { ...widgets, poll: { _tag: "UpdatedSince", where: unknownPlaceholder } },
        gadgets: Resource.make({
          path: "items",
          id: "id",
          itemPath: "/items",
          verbs: ["get", "list", "get"]
        }),
        sprockets: Resource.make({
          path: "/sprockets",
          id: "id",
          poll: { _tag: "UpdatedSince", where: "updated >=" }
        })
      },
      events: { methods: ["polling"], defaultResources: ["widgets", "gadgets", "cogs"] }
    })
    const failure = await failureOf(harness({ connector: broken }), "metadata is valid")
    for (const expected of [
      /key 'Widgets!'/,
      /paging parameters 'offset' and 'offset'/,
      /paging.defaultPageSize 500/,
      /configuration 'archived': default 'maybe' does not decode/,
      /resource 'widgets': poll where .* does not fill/,
      /resource 'gadgets': path 'items' must start with '\/'/,
      /resource 'gadgets': a verb is listed twice/,
      /resource 'gadgets': itemPath '\/items' must contain \{id\}/,
      /resource 'sprockets': poll where 'updated >=' is not CEQL/,
      /events.defaultResources names 'gadgets', which has no poll strategy/,
      /events.defaultResources names 'cogs', which is not a resource/
    ]) {
      assert.match(failure.message, expected)
    }
  })

  it("webhooks naming resources the connector does not declare (built without Connector.make)", async () => {
    const made = Connector.make(definition)
    const broken: Connector.Connector = {
      ...made,
      webhooks: {
        scheme: Webhooks.standardWebhooks({ configKey: "webhook.secret" }),
        normalize: () => [],
        resources: ["widgets", "cogs", "widgets"]
      }
    }
    const failure = await failureOf(harness({ connector: broken }), "metadata is valid")
    assert.match(failure.message, /webhooks.resources names "cogs", which is not a resource/)
    assert.match(failure.message, /webhooks.resources names 'widgets' twice/)
  })

  it("a seed configuration that does not decode, and a harness without any", async () => {
    const missing = await failureOf(
      {
        ...harness(),
        seedConfigurations: [{ name: "no password", configuration: { host: "h", username: "u" } }]
      },
      "the seed configurations decode"
    )
    assert.match(missing.message, /'no password' does not decode: .*'password' is required/)
    const none = await failureOf({ ...harness(), seedConfigurations: [] }, "the seed configurations decode")
    assert.match(none.message, /no seed configuration/)
  })

  it("credentials refused with something other than Authentication", async () => {
    const failure = await failureOf(
      harness({ faults: { refuseWith: 500 } }),
      "authentication fails cleanly with a wrong secret"
    )
    assert.match(failure.message, /expected reason Authentication, got VendorUnavailable/)
  })

  it("nothing, when a vendor repeats the secret: core masks it before the check sees it", async () => {
    // Core scrubs the instance's secret values out of providerMessage, so the check (kept as a guard
    // against a regression there) finds nothing to report for a vendor that echoes the password.
    const check = Conformance.checks(harness({ faults: { echoPassword: true } })).find(
      (c) => c.name === "authentication fails cleanly with a wrong secret"
    )
    assert.isDefined(check)
    await check?.run()
  })

  it("working credentials that fail the credential check", async () => {
    const failure = await failureOf(
      harness({ connector: Connector.make({ ...definition, credentialCheck: { path: "/nothing-here" } }) }),
      "authentication works"
    )
    assert.match(failure.message, /the credential check failed: ConnectorError\/NotFound/)
  })

  it("a list that ignores the resource's fixed query", async () => {
    const base = harness({ faults: { ignoreKind: true } })
    const withWidgets: Conformance.Harness = {
      ...base,
      start: async () => {
        const fake = await base.start()
        await fake.seed("widgets", 2)
        return fake
      }
    }
    const failure = await failureOf(withWidgets, "gadgets lists and reads")
    assert.match(failure.message, /returned records that are not gadgets at the fake/)
  })

  it("paging that repeats the first page", async () => {
    const failure = await failureOf(
      harness({ faults: { ignoreOffset: true } }),
      "paging returns every record exactly once"
    )
    assert.match(failure.message, /records returned more than once/)
    assert.match(failure.message, /records of the fake never returned/)
  })

  it("an id filter the vendor ignores", async () => {
    const failure = await failureOf(
      harness({ faults: { ignoreIdFilter: true } }),
      "CEQL equality on the id field returns exactly that record"
    )
    assert.match(failure.message, /where id = \d+ returned .*, expected only '\d+'/)
  })

  it("a change filter the vendor ignores", async () => {
    const failure = await failureOf(
      harness({ faults: { ignoreUpdatedSince: true } }),
      "widgets: a poll from a future cursor gives nothing"
    )
    assert.match(failure.message, /the vendor listed 3 record\(s\) for a window starting a day ahead/)
  })

  it("records that change on every read, so polls emit them again", async () => {
    const failure = await failureOf(
      harness({ faults: { volatileField: true } }),
      "widgets: two sequential polls from saved state give no duplicates"
    )
    assert.match(failure.message, /the second poll emitted unchanged records again/)
    assert.match(failure.message, /a third poll with no change emitted/)
  })

  it("a poll that loses a change made after the first poll", async () => {
    // A vendor that backdates changes (a year early) hides them from every later poll window; the
    // check must notice that the change was never emitted.
    const base = harness()
    const lossy: Conformance.Harness = {
      ...base,
      start: async () => {
        const fake = await base.start()
        return {
          ...fake,
          touch: async (resource, id) => {
            fake.advance?.(-365 * 24 * 3_600_000)
            await fake.touch?.(resource, id)
            fake.advance?.(365 * 24 * 3_600_000)
          }
        }
      }
    }
    const failure = await failureOf(
      lossy,
      "widgets: two sequential polls from saved state give no duplicates"
    )
    assert.match(failure.message, /emitted the record changed after the first 0 times, expected once/)
  })
})
