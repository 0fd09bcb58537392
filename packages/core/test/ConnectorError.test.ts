import { assert, describe, it } from "@effect/vitest"
import { ConnectorError } from "@plugboard/core"

describe("ConnectorError", () => {
  it("maps statuses to reasons with retryability", () => {
    const cases: Array<[number, ConnectorError.ReasonTag, boolean]> = [
      [400, "InvalidRequest", false],
      [401, "Authentication", false],
      [403, "Forbidden", false],
      [404, "NotFound", false],
      [408, "Transport", true],
      [409, "Conflict", false],
      [422, "InvalidRequest", false],
      [429, "RateLimited", true],
      [500, "VendorUnavailable", true],
      [503, "VendorUnavailable", true]
    ]
    for (const [status, tag, retryable] of cases) {
      const error = ConnectorError.make(ConnectorError.fromStatus(status), "list accounts")
      assert.strictEqual(error.reason._tag, tag, `status ${status}`)
      assert.strictEqual(error.isRetryable, retryable, `status ${status}`)
      assert.strictEqual(error.status, status)
      assert.isTrue(error.message.startsWith("list accounts: "))
    }
  })

  it("carries retry-after and the provider message", () => {
    const error = ConnectorError.make(
      ConnectorError.fromStatus(429, { retryAfterMillis: 2000, providerMessage: "slow down" })
    )
    assert.strictEqual(error.retryAfterMillis, 2000)
    assert.strictEqual(error.providerMessage, "slow down")
    assert.strictEqual(error._tag, "ConnectorError")
  })
})
