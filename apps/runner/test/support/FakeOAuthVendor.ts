/**
 * Instances against the connectors' fake OAuth vendors (Sendoso, Sage Business Cloud Accounting):
 * the configuration that points an instance at a fake, with the fake's default client.
 */

/** The fake's default client (`test-client` / `test-secret`) and its endpoints; `tokenUrl` may name a proxy. */
export const fakeOAuthConfiguration = (
  fake: { readonly baseUrl: string; readonly tokenUrl: string },
  tokenUrl: string = fake.tokenUrl
): Record<string, string> => ({
  "oauth.api.key": "test-client",
  "oauth.api.secret": "test-secret",
  "base.url": fake.baseUrl,
  "oauth.token.url": tokenUrl
})
