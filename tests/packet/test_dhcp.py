#!/usr/bin/python3
"""dhcp: the box's DHCPv4 server on a slice's bridge domain against scapy's
clients (sxdp on net_pcap ports): DORA, a renewal to the SVI's address, a
static lease, NAKs, release, decline, INFORM; malformed frames counted under
their names; one Ethernet source spoofing client addresses held to its bound,
a pool exhausted, a flooding client rate-limited; leases kept across a
restart by the lease file; a relay to an outside server and back; the
tables' refusals; SLAAC router advertisements of a bridge domain's svi6.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq  # noqa: E402
import topo_dhcp as D  # noqa: E402
import topo_switch as S  # noqa: E402
from scapy.all import BOOTP, DHCP, ICMPv6ND_RA, ICMPv6NDOptPrefixInfo, IP, IPv6, UDP, Ether, raw  # noqa: E402

U = T.Sxdp.update
R = T.Runner()
PORTS = ("p0", "p1", "p2", "p3")


def new(inputs, state_dir, **kw):
    """An sxdp of the switch keeping its leases in state_dir (config.state_dir)."""
    return S.new_switch({n: inputs.get(n, []) for n in PORTS}, extra_cfg={"state_dir": state_dir}, **kw)


def lease_file(state_dir):
    return os.path.join(state_dir, "dhcp-leases.json")


def leases(dp):
    return {(r["mac"], r["state"]): r for r in dp.rpc("dhcp.leases")["leases"]}


def box_malformed(path):
    """The box's DHCP answers in path tshark finds malformed (the test's own
    malformed requests are bridged on: not the box's)."""
    r = subprocess.run(["tshark", "-n", "-r", path, "-Y", "_ws.malformed && udp.srcport == 67"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=60)
    return [ln for ln in r.stdout.splitlines() if ln.strip()]


def dhcp_counts(st):
    return ({k: v for k, v in T.events_of(st).items() if k.startswith("dhcp.") and k != "dhcp.saved"},
            {k: v for k, v in T.drops_of(st).items() if k.startswith("dhcp.")})


@R.test
def test_server_dora_renew_static_nak_release_decline_inform():
    """Every exchange of RFC 2131 a client starts, answered from the SVI out
    of the port it came in on; the malformed named."""
    h1, h3, h4, h5, h6, h7 = (D.mac(i) for i in (1, 3, 4, 5, 6, 7))
    good = D.dhcp(h1, "discover")
    bad_sum = D.raw_udp67(h1, raw(good[BOOTP]), chksum=0x1234)
    # three phases, one port each: a burst's unicast punts reach the main
    # lcore before its broadcasts' copies
    first = [
        D.dhcp(h1, "discover", xid=1, options=[("hostname", "h1")]),
        D.dhcp(h1, "request", xid=2, options=[("server_id", D.SVI1), ("requested_addr", "10.0.1.10")]),
        D.dhcp(h3, "discover", xid=4),
        D.dhcp(h3, "request", xid=12, options=[("server_id", D.SVI1), ("requested_addr", "10.0.1.50")]),
        D.dhcp(h4, "discover", xid=5, options=[("requested_addr", "10.0.1.12")]),
        D.dhcp(h4, "request", xid=6, options=[("requested_addr", "10.0.1.10")]),
        D.dhcp(h5, "request", xid=7, options=[("requested_addr", "10.0.1.99")]),
    ]
    second = [
        D.dhcp(h1, "request", xid=3, dst_mac=D.ROUTER1, sip="10.0.1.10", dip=D.SVI1, ciaddr="10.0.1.10"),
        D.dhcp(h1, "release", xid=8, dst_mac=D.ROUTER1, sip="10.0.1.10", dip=D.SVI1, ciaddr="10.0.1.10",
               options=[("server_id", D.SVI1)]),
        D.dhcp(h7, "inform", xid=11, dst_mac=D.ROUTER1, sip="10.0.1.77", dip=D.SVI1, ciaddr="10.0.1.77"),
        D.raw_udp67(h1, raw(good[BOOTP])[:100]),           # truncated
        D.raw_udp67(h1, raw(good[BOOTP])[:236] + b"\0" * 4 + raw(good[BOOTP])[240:]),   # no cookie
        bad_sum,
    ]
    third = [
        D.dhcp(h6, "discover", xid=9),
        D.dhcp(h4, "decline", xid=10, options=[("server_id", D.SVI1), ("requested_addr", "10.0.1.12")]),
    ]
    with tempfile.TemporaryDirectory() as tmp, \
            new({"p0": first, "p1": second, "p3": third}, tmp) as dp:
        D.setup(dp, static=[(h3, "10.0.1.50")])
        dp.phase(["p0"])
        dp.phase(["p1"])
        st = dp.phase(["p3"])
        ev, drops = dhcp_counts(st)
        expect_eq(ev, {"dhcp.offer": 4, "dhcp.ack": 4, "dhcp.nak": 2, "dhcp.released": 1, "dhcp.declined": 1},
                  "the server's events")
        expect_eq(drops, {"dhcp.malformed": 2, "dhcp.udp_length": 1}, "the malformed, by name")
        got = leases(dp)
        expect_eq(got[(h3, "bound")]["ip"], "10.0.1.50", "the static lease bound")
        expect(got[(h3, "bound")]["static"], "marked static")
        expect_eq(got[(h6, "offered")]["ip"], "10.0.1.10", "the released address offered again")
        expect_eq(got[("00:00:00:00:00:00", "declined")]["ip"], "10.0.1.12", "the declined address rests")
        expect((h1, "bound") not in got, "H1's lease released")
        dp.stop()
        outs = dp.outputs()
        for port in ("p0", "p1", "p3"):
            expect_eq(box_malformed(dp.out_path(port)), [], "tshark reads the box's answers on %s whole" % port)
    ans = D.answers(outs["p0"] + outs["p1"] + outs["p3"])
    by_xid = {e[BOOTP].xid: (e, o) for e, o in ans}
    expect_eq(sorted(by_xid), [1, 2, 3, 4, 5, 6, 7, 9, 11, 12], "an answer to each request, one each")
    for xid, (typ, yi) in {1: ("offer", "10.0.1.10"), 2: ("ack", "10.0.1.10"), 3: ("ack", "10.0.1.10"),
                           4: ("offer", "10.0.1.50"), 12: ("ack", "10.0.1.50"), 5: ("offer", "10.0.1.12"),
                           6: ("nak", "0.0.0.0"), 7: ("nak", "0.0.0.0"), 9: ("offer", "10.0.1.10"),
                           11: ("ack", "0.0.0.0")}.items():
        e, o = by_xid[xid]
        expect_eq((D.mtype(o), e[BOOTP].yiaddr), (typ, yi), "xid %d" % xid)
        expect_eq((e.src, e[IP].src, o.get("server_id")), (D.ROUTER1, D.SVI1, D.SVI1), "xid %d from the SVI" % xid)
    e, o = by_xid[1]
    expect_eq((e.dst, e[IP].dst), (D.mac(1), "10.0.1.10"), "an offer to chaddr and yiaddr")
    expect_eq((o.get("subnet_mask"), o.get("router"), o.get("name_server"), o.get("lease_time"),
               o.get("renewal_time"), o.get("rebinding_time")),
              ("255.255.255.0", D.SVI1, "10.0.1.53", 600, 300, 525), "the pool's options")
    e, o = by_xid[3]
    expect_eq((e.dst, e[IP].dst, e[BOOTP].ciaddr), (D.mac(1), "10.0.1.10", "10.0.1.10"), "a renewal to ciaddr")
    e, o = by_xid[6]
    expect_eq((e.dst, e[IP].dst), (D.BCAST, "255.255.255.255"), "a NAK broadcast")
    e, o = by_xid[11]
    expect_eq((e[IP].dst, "lease_time" in o, o.get("router")), ("10.0.1.77", False, D.SVI1),
              "INFORM: options alone, to ciaddr")


@R.test
def test_starvation_exhaustion_and_rate():
    """One Ethernet source asking for 10 client addresses holds 4
    (dhcp.client_limit); those fill the 4-address pool, so the next host is
    refused (dhcp.exhausted, logged); a host flooding DISCOVERs is answered
    at its rate (dhcp.rate_limit)."""
    attacker = "02:00:00:00:66:66"
    spoofed = [D.dhcp(D.mac(i, "02:00:00:00:77:"), "discover", src=attacker, xid=i) for i in range(1, 11)]
    flood = [D.dhcp(D.mac(9), "discover", xid=100 + i) for i in range(40)]
    with tempfile.TemporaryDirectory() as tmp, \
            new({"p0": spoofed, "p1": flood}, tmp) as dp:
        D.setup(dp)
        st = dp.phase(["p0"])
        ev, drops = dhcp_counts(st)
        expect_eq((ev, drops), ({"dhcp.offer": 4}, {"dhcp.client_limit": 6}), "one source holds 4")
        st = dp.phase(["p1"])
        ev, drops = dhcp_counts(st)
        expect(drops.get("dhcp.rate_limit", 0) >= 40 - 21, "a flood rate-limited: %s" % drops)
        expect_eq(drops.get("dhcp.rate_limit", 0) + drops.get("dhcp.exhausted", 0), 40,
                  "the rest refused as exhausted: %s" % drops)
        T.wait_until(lambda: "pool is exhausted" in dp.log(), T.SETTLE_S, "the exhausted pool logged")
        expect_eq(dp.log().count("pool is exhausted"), 1, "logged once in 10 s")


@R.test
def test_leases_kept_across_restart():
    """A bound lease is written to the lease file (atomically) and read by
    the next sxdp: the client's address is still its own (another client is
    offered the next one), and its INIT-REBOOT request for it is ACKed."""
    h1, h2 = D.mac(1), D.mac(2)
    dora = [D.dhcp(h1, "discover", xid=1),
            D.dhcp(h1, "request", xid=2, options=[("server_id", D.SVI1), ("requested_addr", "10.0.1.10")])]
    after = [D.dhcp(h2, "discover", xid=3), D.dhcp(h1, "request", xid=4, options=[("requested_addr", "10.0.1.10")])]
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "state")   # made by sxdp
        path = lease_file(state)
        with new({"p0": dora}, state) as dp:
            D.setup(dp)
            dp.phase(["p0"])
            dp.wait_events({"dhcp.saved": 1}, T.SETTLE_S)
            saved = json.load(open(path))
            expect_eq([(r["mac"], r["ip"]) for r in saved["leases"]], [(h1, "10.0.1.10")], "the file holds it")
            expect(not os.path.exists(path + ".tmp"), "no temporary file left")
            expect_eq(dp.rpc("dhcp.leases")["file"], path, "the file in config.state_dir")
            dp.stop()
        with new({"p0": after}, state) as dp:
            expect_eq(leases(dp).get((h1, "bound"), {}).get("ip"), "10.0.1.10", "read back at start")
            D.setup(dp)
            st = dp.phase(["p0"])
            expect_eq(dhcp_counts(st)[0], {"dhcp.offer": 1, "dhcp.ack": 1}, "offer and ack")
            dp.stop()
            ans = {e[BOOTP].xid: e[BOOTP].yiaddr for e, o in D.answers(dp.outputs()["p0"])}
            expect_eq(ans, {3: "10.0.1.11", 4: "10.0.1.10"}, "H1 keeps .10, H2 gets .11")


@R.test
def test_takeover_hands_leases_over():
    """sxdp --takeover: the leases go to the new process with the tables."""
    h1 = D.mac(1)
    dora = [D.dhcp(h1, "discover", xid=1),
            D.dhcp(h1, "request", xid=2, options=[("server_id", D.SVI1), ("requested_addr", "10.0.1.10")])]
    with tempfile.TemporaryDirectory() as tmp:
        path = lease_file(tmp)
        with new({"p0": dora}, tmp) as old:
            D.setup(old)
            old.phase(["p0"])
            os.unlink(path) if os.path.exists(path) else None   # the new one must not need the file
            with new({}, tmp, takeover=old) as dp:
                expect_eq(leases(dp).get((h1, "bound"), {}).get("ip"), "10.0.1.10", "handed over")
                dp.stop()


@R.test
def test_relay_to_outside_server():
    """bd 20 has no pool but a relay: its client's DISCOVER leaves for the
    server routed in the slice (giaddr the SVI's, hops 1), the server's
    OFFER to giaddr comes back to the client."""
    h20 = D.mac(0x20)
    offer = Ether(src=D.SERVER_MAC, dst=D.ROUTER1) / IP(src=D.SERVER, dst=D.SVI2) / UDP(sport=67, dport=67) / \
        BOOTP(op=2, chaddr=bytes.fromhex(h20.replace(":", "")) + b"\0" * 10, xid=20, yiaddr="10.0.2.77",
              giaddr=D.SVI2) / \
        DHCP(options=[("message-type", "offer"), ("server_id", D.SERVER), "end"])
    with tempfile.TemporaryDirectory() as tmp, \
            new({"p2": [D.dhcp(h20, "discover", xid=20)], "p1": [offer]}, tmp) as dp:
        D.setup(dp)
        dp.phase(["p2"])
        dp.wait_events({"dhcp.relayed": 1}, T.SETTLE_S)
        st = dp.phase(["p1"])
        expect_eq(dhcp_counts(st), ({"dhcp.relayed": 1, "dhcp.relayed_back": 1}, {}), "relayed and back")
        dp.stop()
        outs = dp.outputs()
    out = [Ether(b) for b in outs["p1"] if BOOTP in Ether(b)]
    expect_eq(len(out), 1, "one relayed request on p1")
    e = out[0]
    expect_eq((e.dst, e[IP].src, e[IP].dst, e[UDP].sport, e[UDP].dport, e[BOOTP].giaddr, e[BOOTP].hops),
              (D.SERVER_MAC, D.SVI2, D.SERVER, 67, 67, D.SVI2, 1), "to the server, giaddr the SVI's")
    back = D.answers(outs["p2"])
    expect_eq([(e.dst, e[IP].src, e[IP].dst, e[BOOTP].yiaddr) for e, o in back],
              [(h20, D.SVI2, "10.0.2.77", "10.0.2.77")], "the offer to its client")


@R.test
def test_table_refusals():
    """What a table cannot say of a pool, a static lease or a relay."""
    with tempfile.TemporaryDirectory() as tmp, new({}, tmp) as dp:
        for u, reason in [
                (U("dhcp_pools", {"vrf": 1, "bd": 10}, "pool", dict(D.POOL, first="10.0.1.20")), "bad_pool"),
                (U("dhcp_pools", {"vrf": 1, "bd": 10}, "pool", dict(D.POOL, lease_s=10)), "bad_pool"),
                (U("dhcp_pools", {"vrf": 1, "bd": 10}, "pool", dict(D.POOL, first="0.0.0.0")), "bad_address"),
                (U("dhcp_static", {"bd": 10, "mac": D.mac(1)}, "static", {"ip": "224.0.0.1"}), "bad_address"),
                (U("dhcp_relay", {"vrf": 1, "bd": 10}, "relay", {"server": "255.255.255.255"}), "bad_address")]:
            res = dp.table_write([u], check=False)
            r = res["results"][0]
            expect(not r.get("ok") and reason in json.dumps(r), "%s refused as %s: %s" % (u, reason, r))
        expect_eq(dp.table_read("dhcp_pools")[1], 0, "nothing written")


@R.test
def test_router_advertisements():
    """dhcp_ra on bd 10: the svi6's /64 advertised with A and L, from the
    SVI's link-local address, out of every member port."""
    with tempfile.TemporaryDirectory() as tmp, new({}, tmp) as dp:
        D.setup(dp)
        dp.release()
        dp.table_write([u for u in T.svi6_updates(1, 10, D.ROUTER1, S.SVI1, S.NET1) if u["table"] != "fdb"] +
                       [U("dhcp_ra", {"vrf": 1, "bd": 10}, "ra", {"interval_s": 3, "lifetime_s": 1800})])
        dp.wait_events({"dhcp.ra_sent": 3}, T.SETTLE_S)
        # sent is counted when the RA is handed to a worker's ring: each
        # port's own count says it left (what a stop would drop otherwise)
        dp.wait_stats(lambda st: all(p["tx_packets"] >= 1 for p in st["ports"] if p["name"] in ("p0", "p1", "p3")),
                      "an RA out of each member port", T.SETTLE_S)
        dp.stop()
        outs = dp.outputs()
    for port in ("p0", "p1", "p3"):
        ras = [Ether(b) for b in outs[port] if ICMPv6ND_RA in Ether(b)]
        expect(ras, "an RA out of %s: %s" % (port, [Ether(b).summary() for b in outs[port]]))
        e = ras[0]
        pi = e[ICMPv6NDOptPrefixInfo]
        expect_eq((e.src, e.dst, e[IPv6].src, e[IPv6].dst, e[IPv6].hlim, e[ICMPv6ND_RA].routerlifetime,
                   pi.prefix, pi.prefixlen, pi.A, pi.L),
                  (D.ROUTER1, "33:33:00:00:00:01", S.ll_of(D.ROUTER1), "ff02::1", 255, 1800, S.NET1, 64, 1, 1),
                  "the RA on %s" % port)
        expect_eq(e[ICMPv6ND_RA].cksum, ICMPv6ND_RA(raw(IPv6(raw(e[IPv6]))[ICMPv6ND_RA])).cksum, "checksum")


if __name__ == "__main__":
    R.main()
