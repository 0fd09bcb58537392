/**
 * What Sendoso filters natively, as CEQL parameter rules: only `delivery_type` on campaigns
 * (`GET /touches?delivery_type=mail|email`). Sendoso has no other list filter — no dates, no names —
 * so everything else in a `where` is evaluated in memory on the records Sendoso returns.
 */
import { Ceql } from "@plugboard/core"

const deliveryTypes: ReadonlySet<string> = new Set(["mail", "email"])

/**
 * A delivery type Sendoso knows, as sent; any other value stays in memory (Sendoso would reject or
 * ignore it, and the in-memory check gives the right empty answer).
 */
const deliveryType: Ceql.ParamFormat = (value) =>
  value._tag === "String" && deliveryTypes.has(value.value) ? value.value : undefined

const touchRules: Ceql.ParamRules = {
  // Not exact: the evaluator compares ignoring case where Sendoso may not, so the condition is checked again.
  delivery_type: { "=": "delivery_type", format: deliveryType, exact: false }
}

const noRules: Ceql.ParamRules = {}

/** The parameter rules of a hub resource: `delivery_type` for touches, nothing elsewhere. */
export const rulesFor = (resource: string): Ceql.ParamRules => (resource === "touches" ? touchRules : noRules)

/** The connector's translator. */
export const translator: Ceql.Translator = Ceql.Translate.params((context) => rulesFor(context.resource))
