/**
 * Which network addresses outbound requests (vendor base URLs, event callbacks) may reach
 * (reliability.md "Outbound requests"). Public addresses only by default: private, loopback,
 * link-local, CGNAT, multicast, documentation and reserved ranges are refused, as are IPv6 forms
 * that embed such an IPv4 address (IPv4-mapped, NAT64, 6to4). `PLUGBOARD_ALLOW_PRIVATE_NETWORKS`
 * opens everything (`true`) or the listed CIDRs, for on-premise vendors and tests.
 */
import { BlockList, isIP } from "node:net"
import type { PrivateNetworks } from "../Settings.js"

const blockedV4 = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4"
]

const blockedV6 = [
  "::/128",
  "::1/128",
  "100::/64",
  "2001::/23",
  "2001:db8::/32",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8"
]

const blocked = new BlockList()
for (const cidr of blockedV4) {
  const [address, prefix] = cidr.split("/") as [string, string]
  blocked.addSubnet(address, Number(prefix), "ipv4")
}
for (const cidr of blockedV6) {
  const [address, prefix] = cidr.split("/") as [string, string]
  blocked.addSubnet(address, Number(prefix), "ipv6")
}

/** Expands an IPv6 address to its eight 16-bit groups. */
const groups = (address: string): Array<number> | undefined => {
  let text = address.toLowerCase()
  const zone = text.indexOf("%")
  if (zone !== -1) text = text.slice(0, zone)
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4Tail !== null) {
    const octets = v4Tail[1]!.split(".").map(Number)
    text = `${text.slice(0, v4Tail.index)}${((octets[0]! << 8) | octets[1]!).toString(16)}:${((octets[2]! << 8) | octets[3]!).toString(16)}`
  }
  const [head, tail] = text.split("::") as [string, string | undefined]
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => Number.parseInt(g, 16)))
  const start = parse(head)
  const end = tail === undefined ? [] : parse(tail)
  const missing = 8 - start.length - end.length
  if (tail === undefined ? start.length !== 8 : missing < 0) return undefined
  return [...start, ...Array<number>(tail === undefined ? 0 : missing).fill(0), ...end]
}

const v4From = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`

/** The IPv4 address an IPv6 address carries, for the forms that tunnel to one. */
export const embeddedIpv4 = (address: string): string | undefined => {
  const g = groups(address)
  if (g === undefined) return undefined
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0)
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated)
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return v4From(g[6]!, g[7]!)
  // 64:ff9b::/96 NAT64 and 64:ff9b:1::/48 local NAT64
  if (g[0] === 0x64 && g[1] === 0xff9b) return v4From(g[6]!, g[7]!)
  // 2002::/16 6to4
  if (g[0] === 0x2002) return v4From(g[1]!, g[2]!)
  return undefined
}

/** Whether an address is in a refused range (ignoring any allow-list). */
export const isRestricted = (address: string): boolean => {
  const family = isIP(address)
  if (family === 4) return blocked.check(address, "ipv4")
  if (family === 6) {
    const v4 = embeddedIpv4(address)
    if (v4 !== undefined) return blocked.check(v4, "ipv4") || v4 === "0.0.0.0"
    return blocked.check(address, "ipv6")
  }
  return true
}

/** A policy: whether an address may be reached. */
export interface AddressPolicy {
  readonly allows: (address: string) => boolean
  /** Human text for errors: what is refused and how to allow it. */
  readonly describe: (address: string) => string
}

/** The policy for the runner's `PLUGBOARD_ALLOW_PRIVATE_NETWORKS` setting. */
export const make = (setting: PrivateNetworks): AddressPolicy => {
  const allowList = new BlockList()
  if (setting._tag === "Cidrs") {
    for (const cidr of setting.cidrs) {
      const [address, prefix] = cidr.split("/") as [string, string | undefined]
      const family = isIP(address)
      if (family === 0) continue
      const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix)
      allowList.addSubnet(address, bits, family === 4 ? "ipv4" : "ipv6")
    }
  }
  const allowedExplicitly = (address: string) => {
    const family = isIP(address)
    if (family === 0) return false
    const v4 = family === 6 ? embeddedIpv4(address) : undefined
    return v4 !== undefined
      ? allowList.check(v4, "ipv4")
      : allowList.check(address, family === 4 ? "ipv4" : "ipv6")
  }
  return {
    allows: (address) =>
      setting._tag === "All" ||
      !isRestricted(address) ||
      (setting._tag === "Cidrs" && allowedExplicitly(address)),
    describe: (address) =>
      `address ${address} is in a private, loopback or reserved range; set PLUGBOARD_ALLOW_PRIVATE_NETWORKS (true or a CIDR list) to allow it`
  }
}
