/**
 * Runs the Sage Accounting poller from a plain Node script: no runner, no database, no Effect in
 * sight. It starts the fake Sage Accounting that ships with the connector (so it runs anywhere),
 * goes through OAuth (authorize URL → the fake's consent redirect → code → tokens in a token store
 * of our own), then polls `customers` three times, changing customers in the fake between polls so
 * that each poll has something to report. The interval is `--interval <seconds>` or
 * `POLL_INTERVAL_SECONDS` (default 2).
 */
import { setTimeout as sleep } from "node:timers/promises"
import { SageAccounting } from "@plugboard/connector-sage-accounting"
import { startFakeSageAccounting } from "@plugboard/connector-sage-accounting/testing"
import { AsyncClient } from "@plugboard/core"

const POLLS = 3

const intervalSeconds = (): number => {
  const args = process.argv.slice(2)
  const at = args.findIndex((arg) => arg === "--interval" || arg.startsWith("--interval="))
  const given =
    at === -1
      ? process.env["POLL_INTERVAL_SECONDS"]
      : args[at]!.includes("=")
        ? args[at]!.slice("--interval=".length)
        : args[at + 1]
  if (given === undefined || given === "") return 2
  const seconds = Number(given)
  if (!Number.isFinite(seconds) || seconds < 0) {
    console.error(
      `--interval (or POLL_INTERVAL_SECONDS) must be a number of seconds, 0 or more; got '${given}'`
    )
    process.exit(2)
  }
  return seconds
}

const interval = intervalSeconds()
const hourAgo = Date.now() - 3_600_000
const fake = await startFakeSageAccounting()
const customer = (id: string, name: string) =>
  fake.store.insert("contacts", { id, name, contact_type_ids: ["CUSTOMER"] }, { at: hourAgo })
const acme = customer("a1c3e5a7c9e1a3c5e7a9c1e3a5c7e9a1", "Acme Ltd")
const initech = customer("b2d4f6b8d0f2b4d6f8b0d2f4b6d8f0b2", "Initech")
customer("c3e5a7c9e1a3c5e7a9c1e3a5c7e9a1c3", "Globex Corporation")
console.log("Fake Sage Accounting is up with 3 customers, last changed an hour ago.")

// The same configuration keys as POST /instances; the endpoints point the connector at the fake.
const configuration = {
  "oauth.api.key": "test-client",
  "oauth.api.secret": "test-secret",
  "oauth.callback.url": "https://example.test/oauth/callback",
  country: "GB",
  "base.url": fake.baseUrl,
  "oauth.authorization.url": fake.authorizationUrl,
  "oauth.token.url": fake.tokenUrl
}

// OAuth: a real app sends the user's browser to this URL; the fake's login approves at once and
// redirects to the callback with a code.
const state = "example-state"
const consent = await fetch(
  await AsyncClient.authorizeUrl({ connector: SageAccounting, configuration, state }),
  {
    redirect: "manual"
  }
)
const callback = new URL(consent.headers.get("location") ?? "")
const code = callback.searchParams.get("code")
if (callback.searchParams.get("state") !== state || code === null) throw new Error("the authorization failed")
console.log("Sage's login approved the app and redirected back with a code.")

// Tokens live wherever the caller wants (here a Map); rotated refresh tokens are saved here too.
const tokens = new Map<string, AsyncClient.TokenJson>()
const sage = await AsyncClient.connect({
  connector: SageAccounting,
  configuration,
  providerData: { code },
  instanceKey: "example-sage-accounting",
  tokenStore: {
    get: async (key) => tokens.get(key),
    set: async (key, value) => {
      tokens.set(key, value)
    }
  }
})

/** What changes in Sage after each poll, as if someone worked in Sage meanwhile. */
const meanwhile: ReadonlyArray<{ readonly says: string; readonly change: () => void }> = [
  {
    says: "Umbrella Corporation is added and Acme Ltd's notes change",
    change: () => {
      fake.store.insert("contacts", { name: "Umbrella Corporation", contact_type_ids: ["CUSTOMER"] })
      fake.store.update("contacts", acme.id, { notes: "Pays within 30 days" })
    }
  },
  {
    says: "Initech is deleted",
    change: () => {
      fake.store.remove("contacts", initech.id)
    }
  }
]

const order = ["CREATED", "UPDATED", "DELETED"]
const nameOf = (record: unknown): string =>
  typeof record === "object" && record !== null && "displayed_as" in record
    ? String(record.displayed_as)
    : "?"

try {
  console.log(`Connected to ${sage.connector.name} as instance ${sage.instanceKey}.`)
  console.log(`Polling customers ${POLLS} times:`)
  for (let poll = 1; poll <= POLLS; poll++) {
    if (poll > 1) await sleep(interval * 1000)
    const { events } = await sage.poll("customers")
    const lines = events
      .map(({ event, record }) => ({ type: event.eventType, name: nameOf(record) }))
      .sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type) || a.name.localeCompare(b.name))
      .map(({ type, name }) => `  ${type} customers ${name}`)
    console.log(`poll ${poll}: ${lines.length === 0 ? "no changes" : `${lines.length} event(s)`}`)
    for (const line of lines) console.log(line)
    const next = meanwhile[poll - 1]
    if (next !== undefined && poll < POLLS) {
      next.change()
      console.log(`  meanwhile in Sage: ${next.says}`)
    }
  }
  const held = tokens.get(sage.instanceKey)
  console.log(
    `The token store holds a refresh token for ${sage.instanceKey}: ${held?.refreshToken ? "yes" : "no"}`
  )
} finally {
  await sage.dispose()
  await fake.close()
}
