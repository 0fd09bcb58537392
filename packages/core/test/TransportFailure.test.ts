import { assert, describe, it } from "@effect/vitest"
import * as TransportFailure from "../src/internal/http/TransportFailure.js"

describe("TransportFailure.classify", () => {
  it("treats an address policy refusal as final, with the policy's own words", () => {
    const cause = new TypeError("fetch failed", {
      cause: Object.assign(new Error("10.0.0.5 is a private address; set PLUGBOARD_ALLOW_PRIVATE_NETWORKS"), {
        code: TransportFailure.addressNotAllowed
      })
    })
    const failure = TransportFailure.classify(cause)
    assert.isTrue(failure.refused)
    assert.isTrue(failure.beforeSend)
    assert.include(failure.description, "PLUGBOARD_ALLOW_PRIVATE_NETWORKS")
  })

  it("keeps a refused connection retryable and names its code only", () => {
    const cause = new TypeError("fetch failed https://x.test/?api_key=secret", {
      cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })
    })
    const failure = TransportFailure.classify(cause)
    assert.isFalse(failure.refused)
    assert.isTrue(failure.beforeSend)
    assert.strictEqual(failure.description, "the vendor could not be reached (ECONNREFUSED)")
  })
})
