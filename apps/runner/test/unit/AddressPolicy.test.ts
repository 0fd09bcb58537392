import { assert, describe, it } from "@effect/vitest"
import * as AddressPolicy from "../../src/outbound/AddressPolicy.js"

describe("AddressPolicy", () => {
  const refused = [
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fd00::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b::10.0.0.1",
    "2002:7f00:1::",
    "not-an-ip"
  ]
  const allowed = ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1"]

  it("refuses private, loopback, link-local, CGNAT, multicast, reserved and tunnelled forms by default", () => {
    const policy = AddressPolicy.make({ _tag: "None" })
    for (const address of refused) assert.isFalse(policy.allows(address), address)
    for (const address of allowed) assert.isTrue(policy.allows(address), address)
    assert.include(policy.describe("10.0.0.1"), "PLUGBOARD_ALLOW_PRIVATE_NETWORKS")
  })

  it("opens everything with true, and only the listed ranges with a CIDR list", () => {
    const all = AddressPolicy.make({ _tag: "All" })
    for (const address of refused.filter((a) => a !== "not-an-ip"))
      assert.isTrue(all.allows(address), address)
    const some = AddressPolicy.make({ _tag: "Cidrs", cidrs: ["10.0.0.0/8", "127.0.0.1"] })
    assert.isTrue(some.allows("10.9.9.9"))
    assert.isTrue(some.allows("127.0.0.1"))
    assert.isTrue(some.allows("::ffff:10.1.1.1"))
    assert.isFalse(some.allows("127.0.0.2"))
    assert.isFalse(some.allows("192.168.0.1"))
  })
})
