/**
 * The fake Sage CRM as a process of its own for the hub benchmark, so that a call straight to it
 * and a call through the runner both cross process boundaries as they would to a real vendor.
 * Started with IPC: it inserts `PLUGBOARD_BENCH_RECORDS` companies, sends `{type: "ready", …}`
 * with its addresses, answers `{type: "lastRequest"}` with the last vendor request it received,
 * clears its request log on `{type: "clear"}`, and stops on SIGTERM.
 */
import { startFakeSageCrm } from "@plugboard/connector-sagecrm/testing"

const send = (message: unknown) => process.send?.(message)

const crm = await startFakeSageCrm({
  username: process.env.PLUGBOARD_BENCH_USERNAME ?? "admin",
  password: process.env.PLUGBOARD_BENCH_PASSWORD ?? "secret"
})
const records = Number(process.env.PLUGBOARD_BENCH_RECORDS ?? "200")
for (let index = 0; index < records; index++)
  crm.store.insert("Company", { comp_name: `Company ${index}`, comp_type: "Customer" })

process.on("message", (message: { readonly type?: string }) => {
  if (message.type === "lastRequest") send({ type: "lastRequest", request: crm.store.requests().at(-1) })
  if (message.type === "clear") {
    crm.store.clearRequests()
    send({ type: "cleared" })
  }
})
process.on("SIGTERM", () => {
  void crm.close().then(() => process.exit(0))
})
send({ type: "ready", url: crm.url, baseUrl: crm.baseUrl, host: crm.host })
