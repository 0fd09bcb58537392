import { assert, describe, it } from "@effect/vitest"
import { Redacted } from "effect"
import * as AuthorizationHeader from "../../src/http/AuthorizationHeader.js"

describe("AuthorizationHeader", () => {
  it("reads User, Organization and Element in any order and case", () => {
    const parsed = AuthorizationHeader.parse("organization o1, USER u1 ,Element e1")
    assert.isFalse("problem" in parsed)
    if ("problem" in parsed) return
    assert.strictEqual(Redacted.value(parsed.user!), "u1")
    assert.strictEqual(Redacted.value(parsed.organization!), "o1")
    assert.strictEqual(Redacted.value(parsed.element!), "e1")
  })

  it("reports a missing header, unknown parts and repeated parts without echoing secrets", () => {
    for (const header of [undefined, "", "Bearer abc", "User a, User b", "User", "User a b"]) {
      const parsed = AuthorizationHeader.parse(header)
      assert.isTrue("problem" in parsed, String(header))
      if ("problem" in parsed) {
        assert.notInclude(parsed.problem, "abc")
      }
    }
  })
})
