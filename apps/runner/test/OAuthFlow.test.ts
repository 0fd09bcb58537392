/**
 * The documented OAuth flow end to end (contract.md §5) against the fake vendors' OAuth servers,
 * which refuse a code whose token request names another redirect URI than its authorize request
 * (RFC 6749 §4.1.3): the authorize URL from `/oauth/url`, the fake's authorize endpoint as the user's
 * consent, then `POST /instances` with `providerData.code`. Without a callback URL both steps use
 * the runner's own `/elements/api-v2/oauth/callback` (from `PLUGBOARD_PUBLIC_URL` when set, else the
 * request's origin); a caller's callback URL goes unchanged into both, query included; a fragment is
 * a 400 naming the field.
 */
import { SageAccounting } from "@plugboard/connector-sage-accounting"
import {
  type FakeSageAccounting,
  startFakeSageAccounting
} from "@plugboard/connector-sage-accounting/testing"
import { Sendoso } from "@plugboard/connector-sendoso"
import { type FakeSendoso, startFakeSendoso } from "@plugboard/connector-sendoso/testing"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { fakeOAuthConfiguration } from "./support/FakeOAuthVendor.js"
import { json } from "./support/Json.js"
import { startRunner, type TestRunner } from "./support/TestRunner.js"

const CALLBACK_PATH = "/elements/api-v2/oauth/callback"
const PUBLIC_URL = "https://plugboard.example.com"

interface Vendor {
  readonly key: "sendoso" | "sageone"
  readonly hubPath: string
  readonly authorizationUrl: () => string
  /** Endpoint overrides and credentials of an instance against the fake. */
  readonly configuration: () => Record<string, string>
  readonly exchangedRedirects: () => ReadonlyArray<string | undefined>
}

/** A vendor of the flow; `fake` reads the fake server once the suite has started it. */
const vendorOf = (
  key: Vendor["key"],
  hubPath: string,
  fake: () => FakeSendoso | FakeSageAccounting
): Vendor => ({
  key,
  hubPath,
  authorizationUrl: () => fake().authorizationUrl,
  configuration: () => fakeOAuthConfiguration(fake()),
  exchangedRedirects: () =>
    fake()
      .oauth.tokenRequests.filter((r) => r.grantType === "authorization_code")
      .map((r) => r.redirectUri)
})

describe("OAuth flow with the fake vendors", () => {
  let runner: TestRunner
  let publicRunner: TestRunner
  let sendoso: FakeSendoso
  let sage: FakeSageAccounting

  beforeAll(async () => {
    sendoso = await startFakeSendoso()
    sage = await startFakeSageAccounting()
    runner = await startRunner({ backend: "sqlite", connectors: [Sendoso, SageAccounting] })
    publicRunner = await startRunner({
      backend: "sqlite",
      connectors: [Sendoso, SageAccounting],
      settings: { publicUrl: PUBLIC_URL }
    })
  })

  afterAll(async () => {
    await runner?.close()
    await publicRunner?.close()
    await sendoso?.close()
    await sage?.close()
  })

  const vendors: ReadonlyArray<Vendor> = [
    vendorOf("sendoso", "/hubs/rewards/touches", () => sendoso),
    vendorOf("sageone", "/hubs/finance/customers", () => sage)
  ]

  /** `/oauth/url` as a client calls it; answers the authorize URL's parameters. */
  const authorizeParams = async (
    on: TestRunner,
    vendor: Vendor,
    query: Record<string, string>,
    headers: Record<string, string> = {}
  ) => {
    const response = await on.call(
      `/elements/${vendor.key}/oauth/url?${new URLSearchParams({ apiKey: "test-client", ...query })}`,
      { headers }
    )
    const body = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(body))
    return new URL(body.oauthUrl).searchParams
  }

  /** The user's consent: the runner's authorize parameters sent to the fake, the code from its redirect. */
  const consent = async (vendor: Vendor, params: URLSearchParams) => {
    const authorize = new URL(vendor.authorizationUrl())
    for (const [name, value] of params) authorize.searchParams.set(name, value)
    const redirect = await fetch(authorize, { redirect: "manual" })
    assert.strictEqual(redirect.status, 302, await redirect.text())
    const back = new URL(redirect.headers.get("location")!)
    const code = back.searchParams.get("code")
    assert.isString(code)
    return { code: code!, back }
  }

  const create = (
    on: TestRunner,
    vendor: Vendor,
    code: string,
    configuration: Record<string, string> = {},
    headers: Record<string, string> = {}
  ) =>
    on.call("/instances", {
      method: "POST",
      headers: { authorization: on.authorization(), ...headers },
      json: {
        element: { key: vendor.key },
        providerData: { code },
        configuration: { ...vendor.configuration(), ...configuration },
        name: `${vendor.key} via OAuth`
      }
    })

  const expectCreated = async (on: TestRunner, vendor: Vendor, response: Response) => {
    const instance = await json(response)
    assert.strictEqual(response.status, 200, JSON.stringify(instance))
    const hub = await on.call(vendor.hubPath, {
      headers: { authorization: on.authorization(instance.token) }
    })
    assert.strictEqual(hub.status, 200, await hub.clone().text())
    return instance
  }

  for (const vendor of vendors) {
    describe(vendor.key, () => {
      it("uses the runner's own callback for the authorize URL and the code exchange when none is given", async () => {
        const params = await authorizeParams(runner, vendor, {})
        const own = `${runner.origin}${CALLBACK_PATH}`
        assert.strictEqual(params.get("redirect_uri"), own)
        const { code, back } = await consent(vendor, params)
        assert.strictEqual(`${back.origin}${back.pathname}`, own)
        const instance = await expectCreated(runner, vendor, await create(runner, vendor, code))
        assert.isNull(instance.configuration["oauth.callback.url"])
        assert.strictEqual(vendor.exchangedRedirects().at(-1), own)

        // A new code on PATCH is exchanged under the same rule.
        const again = await consent(vendor, await authorizeParams(runner, vendor, {}))
        const patched = await runner.call(`/instances/${instance.id}`, {
          method: "PATCH",
          headers: { authorization: runner.authorization() },
          json: { providerData: { code: again.code } }
        })
        assert.strictEqual(patched.status, 200, await patched.clone().text())
        assert.strictEqual(vendor.exchangedRedirects().at(-1), own)
      })

      it("takes the callback's origin from PLUGBOARD_PUBLIC_URL, else from X-Forwarded-Proto/Host", async () => {
        const params = await authorizeParams(
          publicRunner,
          vendor,
          {},
          { "x-forwarded-host": "ignored.example" }
        )
        assert.strictEqual(params.get("redirect_uri"), `${PUBLIC_URL}${CALLBACK_PATH}`)
        const { code } = await consent(vendor, params)
        await expectCreated(publicRunner, vendor, await create(publicRunner, vendor, code))
        assert.strictEqual(vendor.exchangedRedirects().at(-1), `${PUBLIC_URL}${CALLBACK_PATH}`)

        const proxied = { "x-forwarded-proto": "https", "x-forwarded-host": "proxy.example" }
        const behindProxy = await authorizeParams(runner, vendor, {}, proxied)
        assert.strictEqual(behindProxy.get("redirect_uri"), `https://proxy.example${CALLBACK_PATH}`)
        const consented = await consent(vendor, behindProxy)
        await expectCreated(runner, vendor, await create(runner, vendor, consented.code, {}, proxied))
        assert.strictEqual(vendor.exchangedRedirects().at(-1), `https://proxy.example${CALLBACK_PATH}`)
      })

      it("sends a caller's callback URL unchanged in both steps, a bare origin or one with a query", async () => {
        for (const callbackUrl of ["https://mycoolapp.com", "https://mycoolapp.com/cb?tenant=acme&x=1"]) {
          const params = await authorizeParams(runner, vendor, { callbackUrl })
          assert.strictEqual(params.get("redirect_uri"), callbackUrl)
          const { code } = await consent(vendor, params)
          await expectCreated(
            runner,
            vendor,
            await create(runner, vendor, code, { "oauth.callback.url": callbackUrl })
          )
          assert.strictEqual(vendor.exchangedRedirects().at(-1), callbackUrl)
        }
      })

      it("refuses a callback URL with a fragment in both steps, naming the field", async () => {
        const response = await runner.call(
          `/elements/${vendor.key}/oauth/url?${new URLSearchParams({ apiKey: "test-client", callbackUrl: "https://mycoolapp.com/cb#top" })}`
        )
        const body = await json(response)
        assert.strictEqual(response.status, 400, JSON.stringify(body))
        assert.include(body.message, "'callbackUrl' (oauth.callback.url) must not contain a fragment")

        const exchanges = vendor.exchangedRedirects().length
        const created = await create(runner, vendor, "any-code", {
          "oauth.callback.url": "https://mycoolapp.com/cb#top"
        })
        const refused = await json(created)
        assert.strictEqual(created.status, 400, JSON.stringify(refused))
        assert.include(refused.message, "'oauth.callback.url' must not contain a fragment")
        assert.strictEqual(vendor.exchangedRedirects().length, exchanges, "nothing was sent to the vendor")
      })
    })
  }

  it("refuses a code issued for another redirect URI, as the vendor does", async () => {
    const vendor = vendors[0]!
    const { code } = await consent(
      vendor,
      await authorizeParams(runner, vendor, { callbackUrl: "https://elsewhere.example/cb" })
    )
    const response = await create(runner, vendor, code)
    const body = await json(response)
    assert.strictEqual(response.status, 400, JSON.stringify(body))
    assert.include(body.providerMessage, "invalid_grant")
  })
})
