/**
 * reliability.md "Delivering events": timeouts are 15–30 s. The defaults of every outbound call the
 * runner makes without a person waiting — event callbacks, bulk job callbacks and vendor calls —
 * stay inside that range.
 */
import { VendorHttp } from "@plugboard/core"
import { assert, describe, it } from "@effect/vitest"
import * as BulkOptions from "../../src/bulk/BulkOptions.js"
import * as EngineOptions from "../../src/engine/EngineOptions.js"

const MIN = 15_000
const MAX = 30_000

describe("default timeouts", () => {
  it("are between 15 s and 30 s", () => {
    const defaults = {
      "events callback (EngineOptions.callbackTimeout)": EngineOptions.defaults.callbackTimeout,
      "bulk callback (BulkOptions.callbackTimeout)": BulkOptions.defaults.callbackTimeout,
      "vendor call attempt (VendorHttp.defaultTimeoutMillis)": VendorHttp.defaultTimeoutMillis
    }
    for (const [name, millis] of Object.entries(defaults)) {
      assert.isAtLeast(millis, MIN, name)
      assert.isAtMost(millis, MAX, name)
    }
  })
})
