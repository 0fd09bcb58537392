/**
 * Reading answers in tests: loosely on purpose (the assertions check their shape field by field),
 * and without failing on a body that is not JSON, so that an assertion shows what came instead.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON of many shapes
export type Json = any

/** The body as JSON, or its text when it is not JSON. */
export const json = async (response: Response): Promise<Json> => {
  const text = await response.text()
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
