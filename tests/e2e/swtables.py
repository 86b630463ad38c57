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
