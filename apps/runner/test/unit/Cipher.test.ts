import { randomBytes } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Cipher from "../../src/store/Cipher.js"

describe("Cipher", () => {
  const key = randomBytes(32)
  const cipher = Cipher.make(key)

  it.effect("seals and opens a secret; equal secrets seal differently", () =>
    Effect.gen(function* () {
      const a = cipher.seal("hunter2-canary")
      const b = cipher.seal(Redacted.make("hunter2-canary"))
      assert.notStrictEqual(a, b)
      assert.isFalse(a.includes("hunter2"))
      assert.strictEqual(a.split(".")[1], cipher.keyId)
      assert.strictEqual(Redacted.value(yield* cipher.open(a)), "hunter2-canary")
      assert.strictEqual(Redacted.value(yield* cipher.open(b)), "hunter2-canary")
    })
  )

  it.effect("a flipped bit anywhere in the ciphertext fails decryption", () =>
    Effect.gen(function* () {
      const sealed = cipher.seal("the secret")
      const [version, id, iv, body] = sealed.split(".") as [string, string, string, string]
      const bytes = Buffer.from(body, "base64url")
      for (let index = 0; index < bytes.length; index++) {
        const flipped = Buffer.from(bytes)
        flipped[index] = flipped[index]! ^ 0x01
        const error = yield* Effect.flip(
          cipher.open(`${version}.${id}.${iv}.${flipped.toString("base64url")}`)
        )
        assert.strictEqual(error._tag, "DecryptionError")
      }
      const ivBytes = Buffer.from(iv, "base64url")
      ivBytes[0] = ivBytes[0]! ^ 0x80
      const error = yield* Effect.flip(
        cipher.open(`${version}.${id}.${ivBytes.toString("base64url")}.${body}`)
      )
      assert.strictEqual(error._tag, "DecryptionError")
    })
  )

  it.effect("another key cannot open it, and says which key it needs", () =>
    Effect.gen(function* () {
      const other = Cipher.make(randomBytes(32))
      const error = yield* Effect.flip(other.open(cipher.seal("x")))
      assert.include(error.message, cipher.keyId)
    })
  )

  it.effect("a rotated-out key still opens old values when given as a previous key", () =>
    Effect.gen(function* () {
      const rotated = Cipher.make(randomBytes(32), [key])
      assert.strictEqual(Redacted.value(yield* rotated.open(cipher.seal("old"))), "old")
    })
  )

  it.effect("damaged text is refused, not thrown", () =>
    Effect.gen(function* () {
      for (const text of ["", "pb1", "pb1.x.y", "pb2.a.b.c", `pb1.${cipher.keyId}.AA.AA`]) {
        const error = yield* Effect.flip(cipher.open(text))
        assert.strictEqual(error._tag, "DecryptionError")
      }
    })
  )

  it("refuses keys that are not 32 bytes", () => {
    assert.throws(() => Cipher.make(randomBytes(16)))
  })
})
