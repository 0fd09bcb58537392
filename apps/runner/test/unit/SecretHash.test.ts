import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import * as SecretHash from "../../src/store/SecretHash.js"

describe("SecretHash", () => {
  it("hashes to hex SHA-256 and matches only the same secret", () => {
    const stored = SecretHash.hash("s3cret")
    assert.match(stored, /^[0-9a-f]{64}$/)
    assert.isTrue(SecretHash.matches(stored, Redacted.make("s3cret")))
    assert.isFalse(SecretHash.matches(stored, Redacted.make("s3cret ")))
    assert.isFalse(SecretHash.matches("not-hex", Redacted.make("s3cret")))
  })

  it("generates long distinct secrets", () => {
    const a = Redacted.value(SecretHash.generate())
    const b = Redacted.value(SecretHash.generate())
    assert.notStrictEqual(a, b)
    assert.isAtLeast(a.length, 40)
  })
})
