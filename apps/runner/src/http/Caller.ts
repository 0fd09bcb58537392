/**
 * Who is calling, as the `Authorization` middleware established it: a user of an organization, and
 * the instance token when the header named one.
 */
import { Context, type Option, type Redacted } from "effect"
import type { Principal } from "../store/Tenants.js"

/** The authenticated caller of a platform or hub route. */
export class Caller extends Context.Service<
  Caller,
  {
    readonly principal: Principal
    /** The `Element <token>` part of the header, when present. */
    readonly elementToken: Option.Option<Redacted.Redacted<string>>
  }
>()("@plugboard/runner/http/Caller") {}
