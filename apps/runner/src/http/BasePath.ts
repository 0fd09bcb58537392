/**
 * The base path of every platform route (contract.md). In a module of its own so that the API
 * groups defined outside `Api.ts` (events, bulk, vendor webhooks) can use it without importing the
 * API that imports them.
 */

/** Base path of every platform route. */
export const BASE_PATH = "/elements/api-v2"
