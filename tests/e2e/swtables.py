"""Switch table updates the e2e scripts load, in the shapes they share. The
scripts build their update lists in Python on stdin (run with PYTHONPATH
set to this directory); `add` is each script's own:
add(table, match, action, params)."""


def svi(add, vrf, bd, ip, mac, net):
    """Bridge domain bd routed in vrf: an SVI (ip/24 with mac) that answers
    ARP, its MAC routed, its address local, its subnet connected."""
    add("svi", {"vrf": vrf, "bd": bd}, "svi", {"mac": mac, "ip": ip, "plen": 24})
    add("fdb", {"bd": bd, "mac": mac}, "route")
    add("routes", {"vrf": vrf, "dst": ip + "/32"}, "local")
    add("routes", {"vrf": vrf, "dst": net}, "connected", {"bd": bd})


def svi6(add, vrf, bd, ip, mac, net):
    """The same over IPv6 (what sxctl svi add writes for IP/64): an SVI6
    that answers NDP, its MAC routed, IP/128 local, the /64 net connected."""
    add("svi6", {"vrf": vrf, "bd": bd}, "svi6", {"mac": mac, "ip": ip, "plen": 64})
    add("fdb", {"bd": bd, "mac": mac}, "route")
    add("routes6", {"vrf": vrf, "dst": ip + "/128"}, "local")
    add("routes6", {"vrf": vrf, "dst": net}, "connected", {"bd": bd})


def link(add, port, bit, vrf, bd, ip, mac, net):
    """Port (bit: its index) alone in bridge domain bd of vrf, untagged,
    the domain routed by its SVI (svi, or svi6 for an IPv6 address)."""
    add("interfaces", {"in_port": port, "vlan": 0}, "attach", {"slice": vrf, "bd": bd})
    add("bd_ports", {"bd": bd, "port": port}, "member", {"vlan": 0})
    add("flood", {"bd": bd}, "flood", {"ports": 1 << bit})
    (svi6 if ":" in ip else svi)(add, vrf, bd, ip, mac, net)


def lan_stretched(add):
    """Slice 1's bd 10 on the LAN port (bit 0), untagged, its floods into
    tunnel 7 too (the slice stretched to the peer site)."""
    add("interfaces", {"in_port": "lan", "vlan": 0}, "attach", {"slice": 1, "bd": 10})
    add("bd_ports", {"bd": 10, "port": "lan"}, "member", {"vlan": 0})
    add("flood", {"bd": 10}, "flood", {"ports": 1, "t0": 7})


def two_wan_tunnel(add, wans, fars, probe="icmp", interval=50):
    """Slice 1's bd 10 stretched to site B over two WAN links, either
    family: wans is (vtep, mac, net) of wan1 and wan2 (port bits 1 and 2,
    bridge domains 101 and 102 of underlay slice 100, the VTEPs their
    SVIs), fars site B's two endpoints (path 1 from wan1 to the first, path
    2 from wan2 to the second, each endpoint its own next hop; probed by
    ICMP every interval ms (50), or probe="bfd": a BFD session at interval ms x 3); VNI 5000
    into bd 10, tunnel 7 on path 1, failing over to path 2."""
    for i, (vtep, mac, net) in enumerate(wans):
        link(add, "wan%d" % (i + 1), i + 1, 100, 101 + i, vtep, mac, net)
        add("vteps", {"ip": vtep}, "vtep")
    add("vnis", {"vni": 5000}, "l2", {"slice": 1, "bd": 10})
    for far in fars:
        add("peers", {"slice": 1, "ip": far}, "peer", {"tunnel": 7})
        add("endpoints", {"ip": far}, "endpoint", {"site": 2})
    for pid, ((src, _, _), far) in enumerate(zip(wans, fars), 1):
        timers = {"interval_ms": interval, "down_after": 3}
        if probe != "bfd":
            timers["up_after"] = 5
        add("paths", {"id": pid}, probe, dict({"src": src, "dst": far, "vrf": 100, "mtu": 0, "gw": far}, **timers))
    add("tunnels", {"id": 7}, "vxlan", {"slice": 1, "vni": 5000, "path": 1, "ttl": 64, "dscp": 64, "csum": 0})
    add("policies", {"tunnel": 7, "class": 0}, "failover", {"p0": 1, "p1": 2, "p2": 0, "p3": 0})
