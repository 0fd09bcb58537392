/**
 * The rewards-hub resources of the Sendoso Core API v3, as data: the vendor path of each hub name,
 * the list envelope (Sendoso names the record array and its total after the collection, and the
 * total of campaigns is `total_posts`), the verbs Sendoso offers, the dates records carry, and how
 * each is polled. Sendoso has no modified-since filter, so every poll lists the whole collection:
 * groups, which carry `updated_at`, are polled on that date (filtered in memory); the others carry
 * no update date and are polled in Diff mode (every listing compared by id and content hash).
 */
import { Resource } from "@plugboard/core"

/**
 * How the poller reads Sendoso's timestamps (`2020-05-01T13:53:05.000-07:00`); an ISO-8601 reading
 * with the offset, which is also the lenient default of the poller.
 */
export const dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"

const created: Resource.DateField = { field: "created_at", format: dateFormat, zone: "GMT" }
const updated: Resource.DateField = { field: "updated_at", format: dateFormat, zone: "GMT" }

/**
 * The default poll of groups: records updated since the last poll time. Sendoso ignores the
 * condition (it has no such filter), so it is evaluated in memory over the full listing.
 */
export const pollUpdatedSince: Resource.PollStrategy = {
  _tag: "UpdatedSince",
  where: "updated_at >= '${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'"
}

/** The default poll of resources without an update date: list everything and compare hashes. */
export const pollDiff: Resource.PollStrategy = { _tag: "Diff" }

/** Hub resource name → declaration. */
export const resources: Readonly<Record<string, Resource.Resource>> = {
  groups: Resource.make({
    description:
      "Team groups (/groups) with their budgets; each group's users are its child collection members " +
      "(/groups/{id}/members). Sendoso reads groups only as a list.",
    path: "/groups",
    id: "id",
    verbs: ["list"],
    envelope: { items: "groups", total: "total_groups" },
    created,
    updated,
    children: { members: { path: "/groups/{id}/members", envelope: { items: null }, id: "id" } },
    poll: pollUpdatedSince
  }),
  touches: Resource.make({
    description:
      "Active campaigns, which Sendoso calls touches (/touches, /touches/{id}); filter by delivery_type " +
      "mail (physical items) or email (eGifts)",
    path: "/touches",
    id: "id",
    verbs: ["list", "get"],
    envelope: { items: "touches", total: "total_posts" },
    created,
    poll: pollDiff
  }),
  gifts: Resource.make({
    description:
      "Sends — gifts, direct mail and eGifts — of the whole organization (GET /send); a create is " +
      'POST /send with {"send": {touch_id, email, via, via_from, …}} and answers with the tracking code',
    path: "/send",
    id: "id",
    verbs: ["list", "create"],
    envelope: { items: "sends", total: "total_count" },
    bodyKey: "send",
    created,
    poll: pollDiff
  }),
  users: Resource.make({
    description:
      "Active users of the organization (/users); a create invites a user to a team group " +
      '(POST /users with {"user": {first_name, last_name, email, role, team_group_id}})',
    path: "/users",
    id: "id",
    verbs: ["list", "create"],
    envelope: { items: "users", total: "total_users" },
    bodyKey: "user"
  }),
  "return-addresses": Resource.make({
    description:
      "Return addresses (/return_addresses). Sendoso documents no public endpoint for them; the element " +
      "keeps the resource so that accounts where Sendoso serves it can list and poll it, and reports a " +
      "Sendoso 404 as a missing endpoint. Not polled unless event.poller.configuration names it.",
    path: "/return_addresses",
    id: "id",
    verbs: ["list"],
    envelope: { items: "return_addresses", total: "total_return_addresses" },
    created,
    poll: pollDiff
  })
}
