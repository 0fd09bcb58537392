/**
 * Decoding of hub URL query values as people write them in poller configuration, where a `where`
 * holds raw spaces, quotes, `>=` and `%` wildcards next to properly escaped text. The rules:
 * - `%XX` escapes are decoded (UTF-8); a `%` not followed by two hex digits, or escapes that do not
 *   form valid UTF-8 (`LIKE '%ab%'`), stay as written.
 * - `+` is a space, as form encoding writes it (browsers, `URLSearchParams`, Python's `urlencode`,
 *   Java's `URLEncoder` all send `name='Acme+Corp'` for `Acme Corp`), with one exception: inside a
 *   single-quoted CEQL string of a `where`, a `+` that starts a time zone offset right after a time
 *   (`'2026-11-22T10:00:00+01:00'`, written unescaped by hand) stays a plus. A space there would
 *   make the date unreadable, so the plus is the only reading that means anything.
 */

const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c)

const fatal = new TextDecoder("utf-8", { fatal: true })

const utf8Length = (lead: number): number =>
  lead < 0x80
    ? 1
    : lead >= 0xc2 && lead < 0xe0
      ? 2
      : lead >= 0xe0 && lead < 0xf0
        ? 3
        : lead >= 0xf0 && lead < 0xf5
          ? 4
          : 0

// Decodes a run of %XX escapes; bytes that do not start a valid UTF-8 sequence keep their escape as written.
const decodeRun = (bytes: ReadonlyArray<number>, written: ReadonlyArray<string>): string => {
  let out = ""
  let i = 0
  while (i < bytes.length) {
    const lead = bytes[i]!
    const length = utf8Length(lead)
    if (length > 0 && i + length <= bytes.length) {
      try {
        out += fatal.decode(Uint8Array.from(bytes.slice(i, i + length)))
        i += length
        continue
      } catch {
        // not a valid sequence: keep the escape as written
      }
    }
    out += written[i]!
    i += 1
  }
  return out
}

// A time just before the `+` (`10:00`, `10:00:00`, `10:00:00.325`) and an offset after it (`01:00`,
// `0100`, `01`) that ends the quoted string.
const timeBefore = /\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?$/
const offsetAfter = /^(?:\d{2}:?\d{2}|\d{2})(?:'|$)/

// The next few characters of the raw value with escapes decoded, enough to recognise an offset.
const decodeTail = (raw: string, from: number): string =>
  raw
    .slice(from, from + 12)
    .replace(/%3A/gi, ":")
    .replace(/%27/g, "'")

/**
 * Decodes one raw query value. Every `+` is a space, except, with `ceql`, one inside a
 * single-quoted string that starts a time zone offset after a time (see the module notes).
 */
export const decodeQueryValue = (raw: string, options: { readonly ceql: boolean }): string => {
  let out = ""
  let inQuote = false
  const emit = (text: string) => {
    for (const c of text) if (c === "'") inQuote = !inQuote
    out += text
  }
  let i = 0
  while (i < raw.length) {
    const c = raw[i]!
    if (c === "%" && isHex(raw[i + 1]) && isHex(raw[i + 2])) {
      const bytes: Array<number> = []
      const written: Array<string> = []
      while (raw[i] === "%" && isHex(raw[i + 1]) && isHex(raw[i + 2])) {
        bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16))
        written.push(raw.slice(i, i + 3))
        i += 3
      }
      emit(decodeRun(bytes, written))
      continue
    }
    if (c === "+") {
      const offset =
        options.ceql && inQuote && timeBefore.test(out) && offsetAfter.test(decodeTail(raw, i + 1))
      out += offset ? "+" : " "
    } else {
      emit(c)
    }
    i += 1
  }
  return out
}

// Quotes in a raw value, written plainly or escaped, to tell whether a `&` sits inside a string.
const rawQuotes = (raw: string): number => (raw.match(/'|%27/gi) ?? []).length

/**
 * Splits a raw query string (without `?`) into decoded name/value pairs in order. Names follow the
 * non-CEQL rules; values of `where` follow the CEQL rules, and a raw `&` inside one of its quoted
 * strings (`where=name='A&B'`) belongs to the value.
 */
export const splitQuery = (query: string): Array<readonly [string, string]> => {
  const pairs: Array<readonly [string, string]> = []
  const parts = query.split("&")
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!
    if (part === "") continue
    const eq = part.indexOf("=")
    const rawName = eq === -1 ? part : part.slice(0, eq)
    let rawValue = eq === -1 ? "" : part.slice(eq + 1)
    const name = decodeQueryValue(rawName, { ceql: false })
    const ceql = name === "where"
    while (ceql && rawQuotes(rawValue) % 2 === 1 && index + 1 < parts.length) {
      index += 1
      rawValue += `&${parts[index]!}`
    }
    pairs.push([name, decodeQueryValue(rawValue, { ceql })])
  }
  return pairs
}
