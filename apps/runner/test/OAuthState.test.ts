/**
 * The default OAuth `state` end to end (RFC 9700): `/oauth/url` without a state gives a fresh
 * runner-signed one instead of the guessable element key; after the user's consent at the fake Sage
 * server the runner's callback page says the state verified, and says it did not for an altered
 * state, one issued by another runner, or none at all. A caller's own state goes into the URL
 * untouched and the page does not judge it. The code from the page still creates the instance.
 */
import { SageAccounting } from "@plugboard/connector-sage-accounting"
import {
  type FakeSageAccounting,
  startFakeSageAccounting
} from "@plugboard/connector-sage-accounting/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { fakeOAuthConfiguration } from "./support/FakeOAuthVendor.js"
import { startRunner, type TestRunner } from "./support/TestRunner.js"

// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
type Json = any

const stateCheck = (page: string) => /data-state-check="([a-z]+)"/.exec(page)?.[1]

describe("runner-issued OAuth state", () => {
  let runner: TestRunner
  let other: TestRunner
  let fake: FakeSageAccounting

  beforeAll(async () => {
    fake = await startFakeSageAccounting()
    runner = await startRunner({ backend: "sqlite", connectors: [SageAccounting] })
    // Another runner, with an encryption key of its own.
    other = await startRunner({ backend: "sqlite", connectors: [SageAccounting] })
  })

  afterAll(async () => {
    await runner?.close()
    await other?.close()
    await fake?.close()
  })

  const authorizeUrl = async (query: Record<string, string> = {}) => {
    const response = await runner.call(
      `/elements/sageone/oauth/url?${new URLSearchParams({ apiKey: "test-client", ...query })}`
    )
    const body: Json = await response.json()
    assert.strictEqual(response.status, 200, JSON.stringify(body))
    return new URL(body.oauthUrl)
  }

  /** The user's consent at the fake: where it sends the browser back to. */
  const consent = async (url: URL) => {
    const authorize = new URL(fake.authorizationUrl)
    for (const [name, value] of url.searchParams) authorize.searchParams.set(name, value)
    const redirect = await fetch(authorize, { redirect: "manual" })
    assert.strictEqual(redirect.status, 302, await redirect.text())
    return new URL(redirect.headers.get("location")!)
  }

  const callbackPage = async (on: TestRunner, query: Record<string, string>) => {
    const response = await on.call(`/oauth/callback?${new URLSearchParams(query)}`)
    assert.strictEqual(response.status, 200)
    assert.strictEqual(response.headers.get("cache-control"), "no-store")
    return response.text()
  }

  it("issues a fresh signed state when the caller sends none, and the callback page verifies it", async () => {
    const first = await authorizeUrl()
    const second = await authorizeUrl()
    const state = first.searchParams.get("state") ?? ""
    assert.match(state, /^pbs1\.\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/)
    assert.notStrictEqual(state, "sageone")
    assert.notStrictEqual(second.searchParams.get("state"), state)

    const back = await consent(first)
    assert.strictEqual(back.pathname, "/elements/api-v2/oauth/callback")
    assert.strictEqual(back.searchParams.get("state"), state)
    const code = back.searchParams.get("code") ?? ""
    const page = await (await fetch(back)).text()
    assert.strictEqual(stateCheck(page), "verified")
    assert.include(page, "State verified")
    assert.include(page, code)

    // The page's code still creates the instance, as before.
    const created = await runner.call("/instances", {
      method: "POST",
      headers: { authorization: runner.authorization() },
      json: {
        element: { key: "sageone" },
        providerData: { code },
        configuration: fakeOAuthConfiguration(fake)
      }
    })
    assert.strictEqual(created.status, 200, await created.text())
  })

  it("says plainly when a state that looks like its own does not verify", async () => {
    const state = (await authorizeUrl()).searchParams.get("state") ?? ""
    const [version, issued, , mac] = state.split(".")
    const altered = `${version}.${issued}.${"A".repeat(22)}.${mac}`
    const page = await callbackPage(runner, { code: "a-code", state: altered })
    assert.strictEqual(stateCheck(page), "forged")
    assert.include(page, "State NOT verified")
    assert.include(page, "Do not use this code")
    // Existing behaviour: the code and state are still shown as received.
    assert.include(page, "a-code")
    assert.include(page, altered)

    // Issued by another runner (another encryption key): not this runner's.
    const elsewhere = await other.call(`/elements/sageone/oauth/url?apiKey=test-client`)
    const foreign = new URL(((await elsewhere.json()) as Json).oauthUrl).searchParams.get("state") ?? ""
    assert.strictEqual(stateCheck(await callbackPage(runner, { code: "c", state: foreign })), "forged")
    assert.strictEqual(stateCheck(await callbackPage(other, { code: "c", state: foreign })), "verified")

    const none = await callbackPage(runner, { code: "c" })
    assert.strictEqual(stateCheck(none), "missing")
    assert.include(none, "NOT verified")
  })

  it("passes the caller's own state through untouched and does not judge it", async () => {
    const mine = "my-app.state/42 é"
    const url = await authorizeUrl({ state: mine })
    assert.strictEqual(url.searchParams.get("state"), mine)
    const back = await consent(url)
    assert.strictEqual(back.searchParams.get("state"), mine)
    const page = await (await fetch(back)).text()
    assert.strictEqual(stateCheck(page), "caller")
    assert.include(page, "Compare it with the value you sent")
    assert.notInclude(page, "State verified")
    assert.notInclude(page, "NOT verified")
  })

  it("judges the state on the vendor's refusal too", async () => {
    const state = (await authorizeUrl()).searchParams.get("state") ?? ""
    const page = await callbackPage(runner, {
      error: "access_denied",
      error_description: "the user said no",
      state
    })
    assert.include(page, "Authorization refused")
    assert.include(page, "the user said no")
    assert.strictEqual(stateCheck(page), "verified")
  })
})
