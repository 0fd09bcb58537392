/**
 * Realistic record bodies for the fake Sendoso's tables, numbered so that tests can make many: the
 * fields Sendoso's reference shows for team groups, users, campaigns, sends and (assumed) return
 * addresses. Ids and dates are added by the store.
 */

/** A team group with budgets. */
export const group = (n: number): Record<string, unknown> => ({
  name: `Team ${n}`,
  budget: 1000 + n,
  monthly_budget: `${500 + n}.0`,
  one_time_budget: 0,
  rollover: n % 2 === 0,
  team_id: 77
})

/** A user of a team group, with the member fields of `/groups/{id}/members`. */
export const user = (n: number, teamGroupId: number): Record<string, unknown> => ({
  first_name: `First${n}`,
  last_name: `Last${n}`,
  email: `user${n}@example.com`,
  balance: `${100 + n}.0`,
  sandbox: false,
  team_group_id: teamGroupId,
  team_id: 77,
  key: `invite-${n}`
})

/** An active campaign; odd numbers are eGift (`email`) campaigns, even ones physical (`mail`). */
export const touch = (n: number): Record<string, unknown> => {
  const egift = n % 2 === 1
  return {
    name: `Campaign ${n}`,
    description: `Campaign number ${n}`,
    start_date: "2026-01-01T00:00:00.000-07:00",
    end_date: "2027-01-01T00:00:00.000-07:00",
    user_id: 5001,
    gift_id: 9000 + n,
    status: "Active",
    is_default_price: true,
    delivery_type: egift ? "email" : "mail",
    ...(egift ? { starting_egift_price: 10, ending_egift_price: 50 } : {})
  }
}

/** A send of campaign `touchId`. */
export const send = (n: number, touchId: number): Record<string, unknown> => ({
  send_gid: `gid://sendoso/Send/S${n}`,
  type: "Sendoso Direct",
  subtype: "Coffee",
  currency: "USD",
  current_total_cost: `${20 + n}.0`,
  touch_id: touchId,
  recipient_email: `recipient${n}@example.com`,
  status: "pending",
  status_updates: []
})

/** A return address (an assumed shape: Sendoso documents no return-address endpoint). */
export const returnAddress = (n: number): Record<string, unknown> => ({
  name: `Warehouse ${n}`,
  address: `${n} Market Street`,
  city: "San Francisco",
  state: "CA",
  zip: "94105",
  country: "USA"
})
