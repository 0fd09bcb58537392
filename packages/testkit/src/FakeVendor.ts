/**
 * The fake vendor helpers alone, as the `@plugboard/testkit/fake-vendor` subpath: fake servers
 * built on them can be started outside vitest (examples, scripts) without loading the conformance
 * suite, which imports vitest.
 */
export * as FakeHttp from "./FakeHttp.js"
export type { BodyFormat, FakeAnswer, FakeHandler, FakeServer, UnreadableBody } from "./FakeHttp.js"
export type {
  AuthorizeDecision,
  ClientAuthentication,
  FakeAuthorization,
  FakeOAuthClient,
  FakeOAuthLifetimes,
  FakeOAuthServerOptions,
  FakeTokenRequest,
  FakeTokenStatus,
  InvalidGrantReason,
  IssuedTokens,
  SecretKind
} from "./FakeOAuthServer.js"
export { FakeOAuthServer } from "./FakeOAuthServer.js"
export { type ConnectWithCodeOptions, connectWithCode } from "./ConnectWithCode.js"
