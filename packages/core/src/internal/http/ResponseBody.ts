/**
 * Reads a vendor response body: JSON when the vendor says so (or when text that looks like JSON
 * arrives without a JSON content type, which several vendors send), the text otherwise, `undefined`
 * when empty.
 */

/** The body as data, or a failure to parse a body the vendor declared as JSON. */
export type Parsed = { readonly _tag: "Body"; readonly body: unknown } | { readonly _tag: "InvalidJson" }

/** Parses `text` according to `contentType`. */
export const parse = (text: string, contentType: string | undefined): Parsed => {
  if (text.trim() === "") return { _tag: "Body", body: undefined }
  const declared = contentType !== undefined && /[/+]json\b/i.test(contentType)
  const looksLikeJson = /^\s*[[{]/.test(text)
  if (!declared && !looksLikeJson) return { _tag: "Body", body: text }
  try {
    return { _tag: "Body", body: JSON.parse(text) }
  } catch {
    return declared ? { _tag: "InvalidJson" } : { _tag: "Body", body: text }
  }
}
