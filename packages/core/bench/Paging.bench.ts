import { Connection } from "@plugboard/core"
import { Effect, Stream } from "effect"
import { test } from "vitest"
import { allPages, configuration, connectorFor, dataset, fake } from "../test/ConnectionFakeVendor.js"

const records = dataset(20_000)

const connect = (style: "sdata" | "sageAccounting") =>
  Connection.make({
    connector: connectorFor(style),
    configuration: configuration(),
    client: fake(style, { collections: { "/accounts": records } }).client
  })

// The engine's own cost per record: the fake vendor answers from memory, so this is paging,
// residual filtering, tokens and projection without any network.
test("paging 20,000 records", async ({ bench }) => {
  const sdata = connect("sdata")
  const accounting = connect("sageAccounting")
  await bench.compare(
    bench("stream, offset paging", async () => {
      await Effect.runPromise(Stream.runDrain(sdata.stream({ resource: "accounts" })))
    }),
    bench("stream with residual filter and fields, page numbers", async () => {
      await Effect.runPromise(
        Stream.runDrain(
          accounting.stream({ resource: "accounts", where: "bucket = 0 OR kind = 'c'", fields: "id,name" })
        )
      )
    }),
    bench("list pages of 200 with tokens and a residual filter", async () => {
      await Effect.runPromise(allPages(sdata, { resource: "accounts", where: "bucket < 3", pageSize: 200 }))
    }),
    bench("orderBy in memory, first page", async () => {
      await Effect.runPromise(
        sdata.list({ resource: "accounts", orderBy: "name desc", pageSize: 100, where: "id <= 10000" })
      )
    })
  )
})
