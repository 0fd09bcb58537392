/**
 * The API routes of the fake Sendoso (below `/api/v3`), for a caller already authenticated: the
 * current user, users and invitations, team groups and their members, campaigns (touches), sends and
 * eGift links, and — only when enabled — return addresses. Lists page with `page` (1-based) and
 * `per_page` (at most 100) in Sendoso's envelope `{current_page, per_page, total_<x>, <x>: […]}`.
 */
import { randomBytes } from "node:crypto"
import { type Answer, failure, noRoute } from "./FakeSendosoHttp.js"
import type { Collection, FakeRecord, FakeSendosoStore } from "./FakeSendosoStore.js"

/** Sendoso's default page size when `per_page` is absent, and its maximum. */
export const defaultPerPage = 25
export const maxPerPage = 100

/** The name of each list's total (campaigns count as "posts", sends as a plain count). */
const totalKeys: Readonly<Record<Collection, string>> = {
  groups: "total_groups",
  users: "total_users",
  touches: "total_posts",
  sends: "total_count",
  return_addresses: "total_return_addresses"
}

/** What a route needs to know about the request. */
export interface ApiRequest {
  readonly method: string
  /** Path below `/api/v3`, e.g. `/groups/12/members`. */
  readonly path: string
  readonly query: URLSearchParams
  /** The parsed JSON body of a POST, or undefined. */
  readonly body: unknown
}

/** Settings of the routes. */
export interface ApiOptions {
  /** Serve `GET /return_addresses`; Sendoso documents no such endpoint, so the default is off (404). */
  readonly returnAddresses: boolean
  /** The authorized user of `GET /me`. */
  readonly me: Readonly<Record<string, unknown>>
}

const positiveInteger = (text: string | null, name: string): number | string | undefined => {
  if (text === null) return undefined
  return /^\d+$/.test(text) && Number(text) >= 1 ? Number(text) : `${name} must be a positive integer`
}

/** One page of `records` in Sendoso's envelope for `collection`. */
const page = (collection: Collection, records: ReadonlyArray<unknown>, query: URLSearchParams): Answer => {
  const pageNumber = positiveInteger(query.get("page"), "page") ?? 1
  const asked = positiveInteger(query.get("per_page"), "per_page") ?? defaultPerPage
  if (typeof pageNumber === "string") return failure(400, pageNumber)
  if (typeof asked === "string") return failure(400, asked)
  // Sendoso caps the page size silently.
  const perPage = Math.min(asked, maxPerPage)
  const start = (pageNumber - 1) * perPage
  return {
    status: 200,
    body: {
      current_page: pageNumber,
      per_page: perPage,
      [totalKeys[collection]]: records.length,
      [collection]: records.slice(start, start + perPage)
    }
  }
}

/** `/users` lists a subset of each user's fields; `/groups/{id}/members` lists them all. */
const listedUser = (user: FakeRecord) => ({
  id: user.id,
  first_name: user["first_name"],
  last_name: user["last_name"],
  email: user["email"],
  team_group_id: user["team_group_id"]
})

const objectBody = (body: unknown, key: string): Record<string, unknown> | undefined => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined
  const inner = (body as Record<string, unknown>)[key]
  return typeof inner === "object" && inner !== null && !Array.isArray(inner)
    ? (inner as Record<string, unknown>)
    : undefined
}

const blank = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === "string" && value.trim() === "")

const missingParam = (key: string): Answer => failure(400, `param is missing or the value is empty: ${key}`)

const touchNotFound = failure(404, "Touch not found")

const sendVias = ["single_person_or_company", "single_email_address"] as const
const addressFields = ["name", "address", "city", "state", "zip", "country"] as const

const createSend = (store: FakeSendosoStore, body: unknown): Answer => {
  const send = objectBody(body, "send")
  if (send === undefined) return missingParam("send")
  const via = send["via"]
  if (typeof via !== "string" || !(sendVias as ReadonlyArray<string>).includes(via)) {
    return failure(400, `via must be one of ${sendVias.join(", ")}`)
  }
  if (blank(send["touch_id"])) return failure(400, "touch_id can't be blank")
  const touch = store.get("touches", String(send["touch_id"]))
  if (touch === undefined) return touchNotFound
  if (blank(send["email"])) return failure(400, "email can't be blank")
  if (blank(send["via_from"])) return failure(400, "via_from can't be blank")
  const egift = via === "single_email_address"
  if (!egift && send["no_address"] !== true) {
    const missing = addressFields.filter((field) => blank(send[field]))
    if (missing.length > 0) return failure(400, `${missing.map((f) => `${f} can't be blank`).join(", ")}`)
  }
  const trackingCode = randomBytes(6).toString("hex").toUpperCase()
  store.add("sends", {
    send_gid: `gid://sendoso/Send/${trackingCode}`,
    type: egift ? "eGifts USA" : "Inventoried Sends",
    subtype: egift ? "eGift Cards" : "Custom",
    currency: "USD",
    current_total_cost: "0.0",
    touch_id: touch.id,
    recipient_email: send["email"],
    tracking_code: trackingCode,
    status: "pending"
  })
  return {
    status: 200,
    body: {
      success: true,
      message: "Send was created successfully",
      tracking_code: trackingCode,
      ...(egift ? { tracking_url: `https://app.sendoso.com/track/${trackingCode}` } : {})
    }
  }
}

const generateLinks = (store: FakeSendosoStore, body: unknown): Answer => {
  const send = objectBody(body, "send")
  if (send === undefined) return missingParam("send")
  if (send["via"] !== "generate_egift_links") return failure(400, "via must be generate_egift_links")
  if (blank(send["via_from"])) return failure(400, "via_from can't be blank")
  const touch = store.get("touches", String(send["touch_id"]))
  if (touch === undefined) return touchNotFound
  const recipients = send["recipient_users"]
  if (!Array.isArray(recipients) || recipients.length === 0)
    return failure(400, "recipient_users can't be blank")
  const emails = recipients.map((r: unknown) =>
    typeof r === "object" && r !== null ? (r as Record<string, unknown>)["email"] : undefined
  )
  if (emails.some((email) => typeof email !== "string" || email.trim() === "")) {
    return failure(400, "every recipient_users entry needs an email")
  }
  return {
    status: 200,
    body: {
      success: true,
      message: "eGift links were generated successfully",
      egift_links: (emails as Array<string>).map((email) => ({
        egift_link: `https://app.sendoso.com/egift/${randomBytes(8).toString("hex")}`,
        recipient_email_or_phone_number: email
      }))
    }
  }
}

const inviteUser = (store: FakeSendosoStore, body: unknown, now: number): Answer => {
  const user = objectBody(body, "user")
  if (user === undefined) return missingParam("user")
  for (const field of ["first_name", "last_name", "email"] as const) {
    if (blank(user[field])) return failure(400, `${field} can't be blank`)
  }
  if (user["role"] !== "regular" && user["role"] !== "manager") {
    return failure(400, "Role can be one of these: manager,regular")
  }
  if (store.get("groups", String(user["team_group_id"])) === undefined) {
    return failure(400, "Please enter a valid team group")
  }
  return {
    status: 201,
    body: {
      success: true,
      message: "Invitation sent successfully",
      receiver_email: user["email"],
      team_group_id: Number(user["team_group_id"]),
      user_role: user["role"],
      invitation_status: "pending",
      expires_at: new Date(now + 7 * 24 * 3_600_000).toISOString()
    }
  }
}

/** Answers one authenticated API request. */
export const route = (
  store: FakeSendosoStore,
  options: ApiOptions,
  request: ApiRequest,
  now: number
): Answer => {
  const segments = request.path.split("/").filter((s) => s !== "")
  const [root, id, child, ...rest] = segments
  const method = request.method
  if (rest.length > 0 || root === undefined) return noRoute
  const get = method === "GET"
  const post = method === "POST"
  switch (root) {
    case "me":
      return get && id === undefined ? { status: 200, body: options.me } : noRoute
    case "users":
      if (id !== undefined) return noRoute
      if (get) return page("users", store.list("users").map(listedUser), request.query)
      return post ? inviteUser(store, request.body, now) : noRoute
    case "groups": {
      if (!get) return noRoute
      if (id === undefined) return page("groups", store.list("groups"), request.query)
      if (child !== "members") return noRoute
      const group = store.get("groups", id)
      if (group === undefined || !/^\d+$/.test(id))
        return { status: 404, body: { message: "Group not found!" } }
      return { status: 200, body: store.list("users").filter((u) => u["team_group_id"] === group.id) }
    }
    case "touches": {
      if (!get || child !== undefined) return noRoute
      if (id !== undefined) {
        const touch = /^\d+$/.test(id) ? store.get("touches", id) : undefined
        return touch === undefined ? touchNotFound : { status: 200, body: touch }
      }
      const type = request.query.get("delivery_type")
      if (type !== null && type !== "mail" && type !== "email") {
        return failure(400, "delivery_type must be mail or email")
      }
      const touches = store
        .list("touches")
        .filter((t) => t["status"] === "Active" && (type === null || t["delivery_type"] === type))
      return page("touches", touches, request.query)
    }
    case "send":
      if (id === undefined) {
        if (get) return page("sends", store.list("sends"), request.query)
        return post ? createSend(store, request.body) : noRoute
      }
      return post && id === "generate_egift_links" && child === undefined
        ? generateLinks(store, request.body)
        : noRoute
    case "return_addresses":
      if (!options.returnAddresses || !get || id !== undefined) return noRoute
      return page("return_addresses", store.list("return_addresses"), request.query)
    default:
      return noRoute
  }
}
