/**
 * The connector conformance suite of `@plugboard/testkit` against the fake Sendoso. The seed
 * configuration is the element's published sample configuration JSON, placeholders as published.
 * The fake serves return addresses here (Sendoso documents no such endpoint; the suite checks the
 * resource where an account has one) and its throttle is off: the suite checks behaviour, and the
 * pace is tested on its own.
 */
import { Conformance } from "@plugboard/testkit"
import { Sendoso } from "../src/index.js"
import { type Collection, type FakeSendoso, FakeSendosoSamples, startFakeSendoso } from "../src/testing.js"

/** A hub resource over its fake table: how to make the n-th record, and which field a change touches. */
interface Table {
  readonly collection: Collection
  readonly make: (fake: FakeSendoso, n: number) => Readonly<Record<string, unknown>>
  readonly field: string
}

const anyId = (fake: FakeSendoso, collection: Collection, make: () => Record<string, unknown>): number =>
  fake.store.list(collection)[0]?.id ?? fake.store.add(collection, make()).id

const tables: Readonly<Record<string, Table>> = {
  groups: { collection: "groups", make: (_, n) => FakeSendosoSamples.group(n), field: "name" },
  touches: { collection: "touches", make: (_, n) => FakeSendosoSamples.touch(n), field: "name" },
  gifts: {
    collection: "sends",
    make: (fake, n) =>
      FakeSendosoSamples.send(
        n,
        anyId(fake, "touches", () => FakeSendosoSamples.touch(0))
      ),
    field: "status"
  },
  users: {
    collection: "users",
    make: (fake, n) =>
      FakeSendosoSamples.user(
        n,
        anyId(fake, "groups", () => FakeSendosoSamples.group(0))
      ),
    field: "first_name"
  },
  "return-addresses": {
    collection: "return_addresses",
    make: (_, n) => FakeSendosoSamples.returnAddress(n),
    field: "name"
  }
}

const tableOf = (resource: string): Table => {
  const found = tables[resource]
  if (found === undefined) throw new TypeError(`the Sendoso harness has no table for '${resource}'`)
  return found
}

const client = { clientId: "conformance-client", clientSecret: "c0nformance-Cl1ent-secret" }
const callbackUrl = "https://auth.cloudelements.io/oauth"

const start = async (): Promise<Conformance.FakeVendor> => {
  // The fake's own clock, so that a change can be dated after the previous poll.
  let clock = Date.now()
  const fake = await startFakeSendoso({
    clients: [client],
    rateLimit: false,
    returnAddresses: true,
    now: () => clock
  })
  const ids = (resource: string) => fake.store.list(tableOf(resource).collection).map((r) => String(r.id))
  const configuration = {
    "oauth.api.key": client.clientId,
    "oauth.api.secret": client.clientSecret,
    "oauth.callback.url": callbackUrl,
    "base.url": fake.baseUrl,
    "oauth.authorization.url": fake.authorizationUrl,
    "oauth.token.url": fake.tokenUrl
  }
  return {
    configuration,
    badConfiguration: { ...configuration, "oauth.api.secret": "wr0ng-Cl1ent-secret" },
    providerData: async () => ({
      code: fake.oauth.issueCode({ clientId: client.clientId, redirectUri: callbackUrl })
    }),
    seed: async (resource, count) => {
      const { collection, make } = tableOf(resource)
      for (let n = fake.store.list(collection).length; n < count; n++)
        fake.store.add(collection, make(fake, n))
      return ids(resource)
    },
    touch: async (resource, id) => {
      const { collection, field } = tableOf(resource)
      const current = fake.store.get(collection, id)
      fake.store.change(collection, id, { [field]: `${String(current?.[field] ?? id)} (changed)` })
    },
    now: () => clock,
    advance: (millis) => {
      clock += millis
    },
    close: () => fake.close()
  }
}

Conformance.run({
  connector: Sendoso,
  seedConfigurations: [
    {
      name: "sample configuration JSON of the element's authentication page",
      configuration: {
        "oauth.api.key": "[myApiKey]",
        "oauth.api.secret": "[myApiSecret]",
        "oauth.callback.url": "https://auth.cloudelements.io/oauth"
      }
    }
  ],
  start
})
