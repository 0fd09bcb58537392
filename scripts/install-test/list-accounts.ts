/**
 * What a user who installed only `@plugboard/core`, `@plugboard/connector-sagecrm` and `effect` from
 * npm would write: start the Sage CRM fake, seed accounts, and list them with CEQL filters through
 * the Promise API. The install test type-checks this file against the published declarations, runs
 * it, and compares what it prints with expected-output.txt.
 */
import { SageCrm } from "@plugboard/connector-sagecrm"
import { startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"
import { AsyncClient, ConnectorError, type HubQuery } from "@plugboard/core"

const names = (records: ReadonlyArray<HubQuery.JsonRecord>): string =>
  records.map((record) => String(record["comp_name"])).join(", ")

const fake = await startFakeSageCrm({ now: "2024-05-01T12:00:00Z" })
try {
  for (const [name, type] of [
    ["Acme", "Customer"],
    ["Globex", "Customer"],
    ["Initech", "Customer"],
    ["Umbrella", "Prospect"]
  ] as const) {
    fake.store.insert("Company", { comp_name: name, comp_type: type })
  }
  const configuration = {
    subdomain: fake.host,
    username: "admin",
    password: "secret",
    "base.url": fake.baseUrl
  }

  const client = await AsyncClient.connect({ connector: SageCrm, configuration })
  try {
    const page = await client.list({
      resource: "accounts",
      where: "comp_type = 'Customer'",
      orderBy: "comp_name asc",
      pageSize: 2
    })
    console.log(`first page: ${names(page.records)} (more: ${page.nextPage !== undefined})`)

    const withC: Array<HubQuery.JsonRecord> = []
    for await (const record of client.records({
      resource: "accounts",
      where: "comp_type = 'Customer' AND comp_name LIKE '%c%'",
      orderBy: "comp_name asc"
    })) {
      withC.push(record)
    }
    console.log(`customers with a c: ${names(withC)}`)

    const all: Array<HubQuery.JsonRecord> = []
    for await (const record of client.records({
      resource: "accounts",
      orderBy: "comp_name asc",
      pageSize: 3
    })) {
      all.push(record)
    }
    console.log(`all accounts: ${names(all)}`)
  } finally {
    await client.dispose()
  }

  const refused = await AsyncClient.connect({
    connector: SageCrm,
    configuration: { ...configuration, password: "not-the-password" }
  }).then(
    () => "connected",
    (error: unknown) =>
      error instanceof ConnectorError.ConnectorError
        ? `ConnectorError ${error.reason._tag} ${error.status}`
        : `unexpected ${String(error)}`
  )
  console.log(`wrong password: ${refused}`)

  const internals = await import(
    // @ts-expect-error the exports map blocks internals, so TypeScript must not find this module
    "@plugboard/core/internal/http/VendorExchange.js"
  ).then(
    () => "importable",
    (error: { readonly code?: string }) => error.code
  )
  console.log(`internals: ${internals}`)
} finally {
  await fake.close()
}

/** Never called: proves the published declarations are precise types, not `any`. */
export const typeProbes = (client: AsyncClient.AsyncClient): void => {
  // @ts-expect-error `resource` is a string
  void client.list({ resource: 42 })
  // @ts-expect-error `where` is a CEQL string
  void client.records({ resource: "accounts", where: { comp_type: "Customer" } })
  // @ts-expect-error an unknown method
  void client.listEverything()
}
