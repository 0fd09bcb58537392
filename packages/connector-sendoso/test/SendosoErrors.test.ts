import { assert, describe, it } from "@effect/vitest"
import { ConnectorError } from "@plugboard/core"
import { Effect } from "effect"
import { SendosoErrors } from "../src/index.js"
import { fakeSendoso } from "../src/testing.js"
import { connect, services } from "./SendosoConnect.js"

const { readError, missingEndpoint } = SendosoErrors

describe("SendosoErrors.readError", () => {
  it("reads {success:false, message}", () => {
    assert.strictEqual(readError(404, { success: false, message: "Touch not found" }), "Touch not found")
    assert.strictEqual(readError(400, { message: "Group not found!" }), "Group not found!")
  })

  it("reads the 401 variant {description, expired}", () => {
    assert.strictEqual(
      readError(401, { description: "The access token expired", expired: true }),
      "The access token expired (the access token expired)"
    )
    assert.strictEqual(
      readError(401, { description: "The access token is invalid", expired: false }),
      "The access token is invalid"
    )
  })

  it("reads validation lists, OAuth errors and plain text", () => {
    assert.strictEqual(
      readError(422, { errors: { email: ["can't be blank", "is invalid"], name: "is too long" } }),
      "email can't be blank; email is invalid; name is too long"
    )
    assert.strictEqual(
      readError(400, { success: false, message: "Invalid send", errors: ["zip can't be blank"] }),
      "Invalid send (zip can't be blank)"
    )
    assert.strictEqual(
      readError(400, { error: "invalid_grant", error_description: "The grant is invalid" }),
      "invalid_grant: The grant is invalid"
    )
    assert.strictEqual(readError(500, "Internal Server Error"), "Internal Server Error")
    assert.strictEqual(readError(502, "<html><body>Bad gateway</body></html>"), undefined)
    assert.strictEqual(readError(500, {}), undefined)
    assert.strictEqual(readError(500, undefined), undefined)
    assert.strictEqual(readError(400, "x".repeat(2000))?.length, 1000)
  })

  it("reports a 404 for a path with no route as a missing endpoint", () => {
    assert.strictEqual(readError(404, { status: 404, error: "Not Found" }), missingEndpoint)
    assert.strictEqual(readError(404, "<!DOCTYPE html><html>404</html>"), missingEndpoint)
    assert.include(missingEndpoint, "return-addresses")
    assert.include(missingEndpoint, "base.url")
  })
})

const reasonOf = (error: unknown) =>
  error instanceof ConnectorError.ConnectorError
    ? error.reason._tag
    : `not a ConnectorError: ${String(error)}`

describe("Sendoso errors through a connection", () => {
  it.live("maps Sendoso's answers to ConnectorError reasons with the vendor's words", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      const { connection } = yield* connect(fake)

      const missingTouch = yield* Effect.flip(connection.get("touches", "999999"))
      assert.strictEqual(reasonOf(missingTouch), "NotFound")
      assert.strictEqual((missingTouch as ConnectorError.ConnectorError).providerMessage, "Touch not found")

      const badInvite = yield* Effect.flip(
        connection.create("users", {
          first_name: "A",
          last_name: "B",
          email: "a@example.com",
          role: "regular",
          team_group_id: 424242
        })
      )
      assert.strictEqual(reasonOf(badInvite), "InvalidRequest")
      assert.strictEqual(
        (badInvite as ConnectorError.ConnectorError).providerMessage,
        "Please enter a valid team group"
      )

      fake.failNext(403)
      const forbidden = yield* Effect.flip(connection.list({ resource: "groups" }))
      assert.strictEqual(reasonOf(forbidden), "Forbidden")

      // 5xx are retried; four in a row exhaust the attempts.
      fake.failNext(503, 4)
      const down = yield* Effect.flip(connection.list({ resource: "groups" }))
      assert.strictEqual(reasonOf(down), "VendorUnavailable")
      assert.isTrue((down as ConnectorError.ConnectorError).isRetryable)
    }).pipe(Effect.provide(services))
  )

  it.live("answers a resource Sendoso lacks with a NotFound naming the element's resources", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      const { connection } = yield* connect(fake)
      for (const name of ["journals", "payments", "purchase-orders", "tax-rates"]) {
        const error = yield* Effect.flip(connection.list({ resource: name }))
        assert.strictEqual(reasonOf(error), "NotFound", name)
        assert.include(error.message, `sendoso has no resource '${name}' in hub rewards`)
        assert.include(error.message, "groups, touches, gifts, users, return-addresses")
      }
      // Core refused them: Sendoso was never asked.
      assert.isFalse(fake.requests.some((r) => r.path.includes("journals")))
    }).pipe(Effect.provide(services))
  )

  it.live("reports return-addresses as a missing Sendoso endpoint when Sendoso answers 404", () =>
    Effect.gen(function* () {
      const fake = yield* fakeSendoso({ rateLimit: false })
      const { connection } = yield* connect(fake)
      const error = yield* Effect.flip(connection.list({ resource: "return-addresses" }))
      assert.strictEqual(reasonOf(error), "NotFound")
      assert.strictEqual((error as ConnectorError.ConnectorError).status, 404)
      assert.strictEqual((error as ConnectorError.ConnectorError).providerMessage, missingEndpoint)
      assert.deepStrictEqual(
        fake.requests.map((r) => r.path),
        ["/return_addresses"]
      )
    }).pipe(Effect.provide(services))
  )
})
