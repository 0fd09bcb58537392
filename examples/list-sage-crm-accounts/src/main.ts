/**
 * Lists Sage CRM accounts with a CEQL filter from a plain Node script: no runner, no database, no
 * Effect in sight. It starts the fake Sage CRM that ships with the connector (so it runs anywhere),
 * seeds a few accounts, connects with `AsyncClient`, reads one page at a time, then every match
 * lazily across pages, and shows how a bad filter is reported. Against a real server, drop the fake
 * and pass your own `subdomain`, `username` and `password`.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { AsyncClient, Ceql } from "@plugboard/core"

const seed: ReadonlyArray<{ readonly name: string; readonly type: string; readonly territory: string }> = [
  { name: "Wayne Enterprises", type: "Customer", territory: "US" },
  { name: "Globex", type: "Prospect", territory: "US" },
  { name: "Acme Ltd", type: "Customer", territory: "Europe" },
  { name: "Stark Industries", type: "Supplier", territory: "US" },
  { name: "Umbrella Corporation", type: "Customer", territory: "Europe" },
  { name: "Initech", type: "Customer", territory: "US" }
]

const where = "comp_type = 'Customer'"
const orderBy = "comp_name asc"
const pageSize = 2

const fake = await startFakeSageCrm({ username: "admin", password: "secret", now: "2024-05-01T12:00:00Z" })
for (const account of seed) {
  fake.store.insert("Company", {
    comp_name: account.name,
    comp_type: account.type,
    comp_territory: account.territory
  })
}
console.log(`Fake Sage CRM is up with ${seed.length} accounts.`)

// The same configuration keys as POST /instances; base.url points the connector at the fake.
const crm = await AsyncClient.connect({
  connector: SageCrm,
  configuration: { subdomain: fake.host, username: "admin", password: "secret", "base.url": fake.baseUrl },
  instanceKey: "example-sagecrm"
})
try {
  console.log(`Connected to ${crm.connector.name} (element ${crm.connector.key}, hub ${crm.connector.hub}).`)
  console.log(`Accounts where ${where}, by name, ${pageSize} per page:`)

  // One page at a time: pass nextPage back until there is none.
  let page = await crm.list({ resource: "accounts", where, orderBy, pageSize })
  for (let number = 1; ; number++) {
    console.log(`  page ${number}: ${page.records.map((account) => account["comp_name"]).join(", ")}`)
    if (page.nextPage === undefined) break
    page = await crm.list({ resource: "accounts", where, orderBy, pageSize, nextPage: page.nextPage })
  }

  // Every match, pages read from Sage CRM only as the loop needs them.
  console.log("Every European customer, read lazily:")
  for await (const account of crm.records({
    resource: "accounts",
    where: `${where} and comp_territory = 'Europe'`,
    orderBy,
    pageSize
  })) {
    console.log(`  #${account["comp_companyid"]} ${account["comp_name"]} (${account["comp_territory"]})`)
  }

  // Errors are the library's own values: a malformed filter is a CeqlError with its position.
  try {
    await crm.list({ resource: "accounts", where: "comp_type = " })
  } catch (error) {
    if (!(error instanceof Ceql.CeqlError)) throw error
    console.log(`A malformed filter is refused: ${error.message}`)
  }
} finally {
  await crm.dispose()
  await fake.close()
}
