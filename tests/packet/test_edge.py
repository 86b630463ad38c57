#!/usr/bin/python3
"""The edge (a slice's edge into an outside VRF, with connection tracking
and NAT44) on a real sxdp (net_pcap ports).

    /usr/bin/python3 tests/packet/test_edge.py [NAME-SUBSTRING ...]

Every translated packet is compared byte for byte with what scapy makes of
the same packet with its fields changed and every checksum summed again,
so the edge's incremental checksums are checked whole. Helpers in
topo_edge.py."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_drops, expect_eq, expect_events  # noqa: E402
import topo_edge as E  # noqa: E402
from topo_edge import A, B, P0, R1, R2  # noqa: E402
from scapy.all import ICMP, IP, Raw  # noqa: E402

R = T.Runner()


def conns(dp):
    return dp.rpc("edge.connections")["connections"]


@R.test
def test_udp_mapping_and_filtering():
    """A's UDP to R1 leaves from the pool's first address and the place of
    its port in A's block (1000 -> 1512), TTL - 1 once; R1's answer comes
    back to A:1000, so does one from R1's other port (endpoint-independent
    filtering, RFC 4787 REQ-8), and one to a pool port nothing is mapped to
    is edge.no_mapping. Each connection is listed with its translation."""
    out = E.udp(A, R1, 1000, 2000)
    back = [E.udp(R1, P0, 2000, 1512, payload=b"answer"), E.udp(R1, P0, 9999, 1512, payload=b"other port")]
    stray = E.udp(R1, P0, 2000, 1513, payload=b"nobody")
    with E.sxdp({"in1": [E.send("in1", out)], "out1": [E.send("out1", p) for p in back + [stray]]}) as dp:
        dp.table_write(E.topology(), atomicity="rollback")
        dp.phase(["in1"])
        st = dp.phase(["out1"])
        cs = conns(dp)
        dp.stop()
        expect_drops(st, {"edge.no_mapping": 1})
        expect_events(st, {"edge.conn_new": 2, "edge.map_new": 1, "edge.block_new": 1}, only="edge.")
        expect_eq(sorted((c["src"], c["sport"], c["dst"], c["dport"], c["outside"]["src"], c["outside"]["sport"],
                          c["dir"], c["replied"]) for c in cs),
                  sorted([(A, 1000, R1, 2000, P0, 1512, "out", True), (A, 1000, R1, 9999, P0, 1512, "in", False)]),
                  "the two connections, one mapping")
        dp.expect_outputs({
            "out1": [E.out_frame("out1", E.rebuilt(out, ttl=63, src=P0, sport=1512))],
            "in1": [E.out_frame("in1", E.rebuilt(p, ttl=63, dst=A, dport=1000)) for p in back]})


@R.test
def test_tcp_states_and_mid_stream():
    """A SYN out, the SYN-ACK back, A's ACK and data out: the connection is
    established, each segment translated; a segment of no connection that
    does not open one (an ACK) is edge.tcp_not_syn, and so is a SYN from
    outside to A's mapped port with ACK set."""
    syn = E.tcp(A, R1, 40000, 80)
    synack = E.tcp(R1, P0, 80, 1024 + 40000 % 512, flags="SA", seq=5000, ack=1001)
    ack = E.tcp(A, R1, 40000, 80, flags="A", seq=1001, ack=5001, payload=b"GET /")
    stray = E.tcp(A, R1, 40001, 80, flags="A", seq=7, ack=9)
    with E.sxdp({"in1": [E.send("in1", syn)], "out1": [E.send("out1", synack)],
                 "in2": [E.send("in2", ack, src_mac=E.LINKS["in2"][5]), E.send("in2", stray)]}) as dp:
        dp.table_write(E.topology(), atomicity="rollback")
        dp.phase(["in1"])
        dp.phase(["out1"])
        st = dp.phase(["in2"])
        cs = conns(dp)
        dp.stop()
        ext = 1024 + 40000 % 512
        expect_drops(st, {"edge.tcp_not_syn": 1})
        expect_eq([(c["state"], c["sport"], c["outside"]["sport"]) for c in cs], [("established", 40000, ext)],
                  "one connection, established")
        dp.expect_outputs({
            "out1": [E.out_frame("out1", E.rebuilt(p, ttl=63, src=P0, sport=ext)) for p in (syn, ack)],
            "in1": [E.out_frame("in1", E.rebuilt(synack, ttl=63, dst=A, dport=40000))]})


@R.test
def test_icmp_echo_and_errors():
    """A's ping leaves with its identifier mapped and the reply comes back
    with A's; a UDP probe's ICMP time exceeded (traceroute's) from a router
    outside comes back to A with the packet inside translated too (its
    source A:2000, its checksums right), and an unreachable about a packet
    of no connection is edge.icmp_unrelated."""
    ping = E.echo(A, R1, 7)
    probe = E.udp(A, R2, 2000, 33434, ttl=2, payload=b"probe")
    ext_id, ext_probe = E.ext_port(7, 0), E.ext_port(2000, 0)
    reply = E.echo(R1, P0, ext_id, reply=True)
    left = E.rebuilt(probe, ttl=1, src=P0, sport=ext_probe)          # as it left the box
    exceeded = IP(src=R2, dst=P0, ttl=64) / ICMP(type=11, code=0) / Raw(bytes(left)[:28])
    unrelated = IP(src=R2, dst=P0, ttl=64) / ICMP(type=3, code=3) / Raw(
        bytes(E.udp(P0, R2, 3333, 2000))[:28])
    with E.sxdp({"in1": [E.send("in1", ping), E.send("in1", probe)], "out1": [E.send("out1", reply)],
                 "out2": [E.send("out2", exceeded), E.send("out2", unrelated)]}) as dp:
        dp.table_write(E.topology(), atomicity="rollback")
        dp.phase(["in1"])
        st = dp.phase(["out1", "out2"])
        dp.stop()
        expect_drops(st, {"edge.icmp_unrelated": 1})
        expect_events(st, {"edge.icmp_related": 1}, only="edge.icmp")
        back_err = IP(src=R2, dst=A, ttl=63) / ICMP(type=11, code=0) / Raw(bytes(E.rebuilt(probe, ttl=1))[:28])
        dp.expect_outputs({
            "out1": [E.out_frame("out1", E.rebuilt(ping, ttl=63, src=P0, id=ext_id))],
            "out2": [E.out_frame("out2", left)],
            "in1": [E.out_frame("in1", E.rebuilt(reply, ttl=63, dst=A, id=7)),
                    E.out_frame("in1", IP(bytes(back_err)))]}, unordered=["in1"])


@R.test
def test_hairpinning():
    """B's UDP to R1 gets B's mapping; A, inside too, sends to that mapping
    (the pool's address and B's port): it reaches B from A's own mapping
    (RFC 4787 REQ-9), through the edge twice, one hop in all."""
    b_out = E.udp(B, R1, 3000, 2000)
    b_ext = E.ext_port(3000, 0)                     # B is the first host: block 0
    a_to_b = E.udp(A, P0, 4000, b_ext, payload=b"hairpin")
    a_ext = E.ext_port(4000, 1)                     # A the second: block 1
    with E.sxdp({"in1": [E.send("in1", b_out, src_mac=E.B_MAC)], "in2": [E.send("in2", a_to_b)]}) as dp:
        dp.table_write(E.topology(), atomicity="rollback")
        dp.phase(["in1"])
        st = dp.phase(["in2"])
        dp.stop()
        expect_events(st, {"edge.conn_new": 3, "edge.map_new": 2, "edge.block_new": 2}, only="edge.")
        dp.expect_outputs({
            "out1": [E.out_frame("out1", E.rebuilt(b_out, ttl=63, src=P0, sport=b_ext))],
            "in1": [E.out_frame("in1", E.rebuilt(a_to_b, ttl=63, src=P0, sport=a_ext, dst=B, dport=3000))]})


@R.test
def test_ports_exhausted_and_deterministic():
    """A deterministic pool (10.0.9.0/30 onto one address, 4 ports a host):
    A's first four flows take its block's ports, its fifth is
    edge.ports_exhausted (and logged); B's block is its own by its address
    (the second block), whatever came first."""
    flows = [E.udp(A, R1, 5000 + i, 2000) for i in range(5)] + [E.udp(B, R1, 6000, 2000)]
    with E.sxdp({"in1": [E.send("in1", p, src_mac=E.B_MAC if p[IP].src == B else None) for p in flows]}) as dp:
        dp.table_write([u for u in E.topology() if u["table"] != "edge_pools"] +
                       [E.pool_entry(1, P0, P0, 1024, 1039, 4, 1, det="10.0.9.0/30")], atomicity="rollback")
        st = dp.phase(["in1"])
        dp.stop()
        expect_drops(st, {"edge.ports_exhausted": 1})
        # A is 10.0.9.1: block 1 (ports 1028-1031); B 10.0.9.2: block 2 (1032-1035)
        want = [E.rebuilt(p, ttl=63, src=P0, sport=1028 + (5000 + i) % 4) for i, p in enumerate(flows[:4])]
        want.append(E.rebuilt(flows[5], ttl=63, src=P0, sport=1032 + 6000 % 4))
        dp.expect_outputs({"out1": [E.out_frame("out1", p) for p in want]}, unordered=["out1"])
        expect("no port left" in dp.log() or "had no port" in dp.log(), "the exhausted pool is logged")


@R.test
def test_firewall_sees_the_inside_host():
    """Through a NAT the slice firewall names the slice's own hosts: A's
    UDP out maps A:1000 to the pool's 1512 (out default allow); with the in
    default deny, a rule allowing UDP in to A's own address and port lets
    R1's other port in through A's mapping (endpoint-independent filtering,
    then the rule), while B's mapping, which no rule names, takes nothing
    in (fw.default_deny)."""
    import topo_fw as F
    a_out, b_out = E.udp(A, R1, 1000, 2000), E.udp(B, R1, 3000, 2000)
    b_ext = E.ext_port(3000, 1)
    to_a, to_b = E.udp(R1, P0, 9999, 1512, payload=b"to A"), E.udp(R1, P0, 9999, b_ext, payload=b"to B")
    with E.sxdp({"in1": [E.send("in1", a_out), E.send("in1", b_out, src_mac=E.B_MAC)],
                 "out1": [E.send("out1", to_a), E.send("out1", to_b)]}) as dp:
        dp.table_write(E.topology() + F.firewall(in_default="deny", rules=[(10, 1, "allow", 17, A + "/32", 1000)]),
                       atomicity="rollback")
        dp.phase(["in1"])
        st = dp.phase(["out1"])
        dp.stop()
        expect_drops(st, {"fw.default_deny": 1})
        expect_eq(bytes(dp.outputs()["in1"][0]), bytes(E.out_frame("in1", E.rebuilt(to_a, ttl=63, dst=A, dport=1000))),
                  "R1's other port to A's mapping, let in by the rule naming A")
        expect_eq(len(dp.outputs()["in1"]), 1, "nothing to B")


@R.test
def test_pool_changed():
    """A's flow out through the pool (port 1512); the pool then changed to
    ports 20000-20999: A's next packet of that flow ends its connection
    of the old shape and leaves on a mapping of the new one (20488: its
    block the pool's next, on its second address, the search going on
    where it stopped), a new flow too (20489), and an answer to the old
    port gets nothing (edge.no_mapping)."""
    f1, f2 = E.udp(A, R1, 1000, 2000), E.udp(A, R1, 1001, 2000)
    old_answer = E.udp(R1, P0, 2000, 1512, payload=b"to the old port")
    with E.sxdp({"in1": [E.send("in1", f1)], "in2": [E.send("in2", f1), E.send("in2", f2)],
                 "out1": [E.send("out1", old_answer)]}) as dp:
        dp.table_write(E.topology(), atomicity="rollback")
        dp.phase(["in1"])
        dp.table_write([dict(E.pool_entry(1, port_lo=20000, port_hi=20999), type="modify")])
        dp.phase(["in2"])
        st = dp.phase(["out1"])
        cs = conns(dp)
        dp.stop()
        expect_drops(st, {"edge.no_mapping": 1})
        expect_eq(sorted((c["sport"], c["outside"]["sport"]) for c in cs), [(1000, 20488), (1001, 20489)],
                  "the connections of the pool's new shape alone")
        dp.expect_outputs({"out1": [E.out_frame("out1", E.rebuilt(f, ttl=63, src=src, sport=port))
                                    for f, src, port in ((f1, P0, 1512), (f1, "203.0.113.9", 20488),
                                                         (f2, "203.0.113.9", 20489))]})


@R.test
def test_syn_flood_keeps_established():
    """A table of 64 connections: A's UDP flow to R1 answered (established),
    then 200 SYNs from A that nobody answers: the oldest embryonic ones are
    evicted for the new (edge.conn_evicted), none is refused, and R1's next
    answer still reaches A."""
    flow = E.udp(A, R1, 1000, 2000)
    answer = E.udp(R1, P0, 2000, 1512, payload=b"first")
    later = E.udp(R1, P0, 2000, 1512, payload=b"after the flood")
    syns = [E.tcp(A, R1, 20000 + i, 80) for i in range(200)]
    with E.sxdp({"in1": [E.send("in1", flow)], "out1": [E.send("out1", answer)],
                 "in2": [E.send("in2", s) for s in syns], "out2": [E.send("out2", later)]},
                extra_cfg={"table_sizes": {"edge_connections": 64}}) as dp:
        dp.table_write(E.topology(), atomicity="rollback")
        dp.phase(["in1"])
        dp.phase(["out1"])
        dp.phase(["in2"])
        st = dp.phase(["out2"])
        stats = dp.rpc("edge.stats")
        dp.stop()
        expect_drops(st, {})
        ev = T.events_of(st)
        expect_eq(ev.get("edge.conn_evicted"), 201 - 64, "the oldest embryonic connections evicted")
        expect_eq(stats["workers"][0]["connections"], 64, "the table full, bounded")
        outs = dp.outputs()
        expect_eq(len(outs["in1"]), 2, "both answers reached A")
        expect_eq(bytes(outs["in1"][1]), bytes(E.out_frame("in1", E.rebuilt(later, ttl=63, dst=A, dport=1000))),
                  "the answer after the flood, translated")


@R.test
def test_two_workers_hand_off():
    """Two workers, each port read by worker 0: every inside host's
    connections are its owner's (by its address), the packets of the
    hosts that worker 1 owns are handed to it both ways (edge.handed_off),
    and each host's block is one of its owner's (its number's parity)."""
    hosts = ["10.0.9.%d" % i for i in range(1, 9)]
    n1 = sum(E.owner(h, 2) for h in hosts)
    expect(0 < n1 < len(hosts), "the hosts spread over both workers (%d on worker 1)" % n1)
    nth = {0: 0, 1: 0}
    ext = {}
    for h in hosts:
        w = E.owner(h, 2)
        ext[h] = E.ext_port(7000, w + 2 * nth[w])    # each worker's blocks in turn
        nth[w] += 1
    outs_in = [E.udp(h, R1, 7000, 2000) for h in hosts]
    backs = [E.udp(R1, P0, 2000, ext[h], payload=h.encode()) for h in hosts]
    topo = [u for u in E.topology() if not (u["table"] == "neigh" and u["match"]["ip"] == B)]
    for h in hosts[1:]:
        topo.append(E.U("neigh", {"vrf": E.IN_VRF, "ip": h}, "rewrite",
                        {"port": "in1", "vlan": 0, "dmac": E.LINKS["in1"][5], "smac": E.LINKS["in1"][2]}))
    with E.sxdp({"in1": [E.send("in1", p) for p in outs_in], "out1": [E.send("out1", p) for p in backs]},
                workers=2) as dp:
        dp.table_write(topo, atomicity="rollback")
        dp.phase(["in1"])
        st = dp.phase(["out1"])
        dp.stop()
        expect_drops(st, {})
        expect_eq(T.events_of(st).get("edge.handed_off"), 2 * n1, "each packet of worker 1's hosts handed over once")
        dp.expect_outputs({
            "out1": [E.out_frame("out1", E.rebuilt(p, ttl=63, src=P0, sport=ext[p[IP].src])) for p in outs_in],
            "in1": [E.Ether(src=E.LINKS["in1"][2], dst=E.LINKS["in1"][5]) /
                    E.rebuilt(p, ttl=63, dst=p[Raw].load.decode(), dport=7000) for p in backs]},
            unordered=True)


@R.test
def test_nat_log_over_ipfix():
    """With flow export on, the edge logs through its collector (RFC 8158):
    NAT44 session create for A's UDP flow and its ping, the port block A
    was given, then, the UDP and ICMP timeouts at 1 s, each session's
    delete and the block given back, with no traffic to wake the worker:
    every field as the translation was."""
    import time
    import fx_collect as C
    from fx_ipfix import Decoder
    flow, ping = E.udp(A, R1, 1000, 2000), E.echo(A, R1, 7)
    s, port = C.collector()
    dec = Decoder()
    with E.sxdp({"in1": [E.send("in1", flow), E.send("in1", ping)]}) as dp:
        dp.table_write(E.topology() + [E.U("edge_timeouts", {"what": w}, "timeout", {"s": 1}) for w in (3, 4)],
                       atomicity="rollback")
        C.export_on(dp, port, idle_s=1)
        dp.phase(["in1"])

        def nat(ev):
            return [r for t, r in dec.records if t >= 259 and r.get("nat_event") == ev]
        deadline = time.monotonic() + C.RECORDS_WITHIN_S
        while time.monotonic() < deadline and not (len(nat(2)) == 2 and len(nat(15)) == 1):
            C.collect(s, dec, time.monotonic() + 0.5)
        dp.stop()
        keys = ("proto", "src", "post_src", "sport", "post_sport", "dst", "post_dst", "dport", "post_dport",
                "in_vrf", "out_vrf")
        want = sorted([(17, A, P0, 1000, 1512, R1, R1, 2000, 2000, 1, 2),
                       (1, A, P0, 7, E.ext_port(7, 0), R1, R1, 0, 0, 1, 2)])
        for ev, what in ((1, "created"), (2, "deleted")):
            expect_eq(sorted(tuple(r[k] for k in keys) for r in nat(ev)), want, "sessions %s" % what)
        for ev, what in ((14, "given"), (15, "given back")):
            expect_eq([(r["src"], r["post_src"], r["range_start"], r["range_end"], r["range_step"],
                        r["range_ports"], r["in_vrf"]) for r in nat(ev)],
                      [(A, P0, 1024, 1535, 1, 512, 1)], "A's port block %s" % what)
        expect(all(r["time_ms"] > 1.5e12 for r in nat(1) + nat(2)), "the events' times are Unix milliseconds")


@R.test
def test_upf_n6_through_nat():
    """A UE's uplink broken out on N6 to the Internet leaves through its
    slice's edge NATed (the pool's address, the UE's port's place in its
    block), and the answer comes back through the edge, is translated to
    the UE, routed by the pool's route into the UPF and encapsulated to
    the gNB: the UPF's route and the edge's in one VRF."""
    import topo_upf as P
    from scapy.all import UDP
    inet_mac, rtr_mac, rtr = "02:00:00:00:64:01", "02:00:00:00:64:0a", "100.64.0.1"
    pool, ext = "198.18.0.0", 1024 + 40000 % 512
    ports = {"n3": {"role": "n3"}, "n6": {"role": "n6"}, "n9": {"role": "n9"}, "inet": {"role": "lan"}}
    up = P.ue_pkt(P.INTERNET, b"to the internet")
    back = IP(src=P.INTERNET, dst=pool, ttl=64) / UDP(sport=7777, dport=ext) / Raw(b"from the internet")
    with T.Sxdp({"n3": [P.gtpu(up, P.TEID_UL)], "n6": [], "n9": [],
                 "inet": [E.Ether(src=rtr_mac, dst=inet_mac) / back]},
                pipeline={"n3": "upf", "n9": "upf", "n6": "switch", "lan": "switch"},
                port_opts=dict(ports, inet={"role": "lan", "mac": inet_mac}), mem_mb=1024) as dp:
        dp.table_write(P.setup() + [
            # the internet app breaks out too: into the slice's VRF, whose default route is its edge
            dict(E.U("applications", {"slice": P.SLICE, "remote": {"value": "203.0.113.0", "mask": "255.255.255.0"}},
                     "app", {"app": 2}), priority=5),
            E.U("terminations_uplink", {"session": 1, "app": 2}, "fwd_n6", {"urr": 1}),
            E.U("interfaces", {"in_port": "inet", "vlan": 0}, "routed", {"slice": 2, "bd": 300}),
            E.U("bd_ports", {"bd": 300, "port": "inet"}, "member", {"vlan": 0}),
            E.U("flood", {"bd": 300}, "flood", {"ports": 8}),
            E.U("svi", {"vrf": 2, "bd": 300}, "svi", {"mac": inet_mac, "ip": "100.64.0.254", "plen": 24}),
            E.U("routes", {"vrf": 2, "dst": "100.64.0.0/24"}, "connected", {"bd": 300}),
            E.U("neigh", {"vrf": 2, "ip": rtr}, "rewrite", {"port": "inet", "vlan": 0, "dmac": rtr_mac,
                                                          "smac": inet_mac}),
            E.U("routes", {"vrf": 2, "dst": "0.0.0.0/0"}, "via", {"nh": rtr}),
            E.U("routes", {"vrf": P.SLICE, "dst": "0.0.0.0/0"}, "edge"),
            E.U("routes", {"vrf": 2, "dst": "198.18.0.0/30"}, "edge"),
            E.pool_entry(1, pool, "198.18.0.3"),
            E.U("edge_slices", {"vrf": P.SLICE}, "edge", {"outside": 2, "pool": 1}),
            E.U("edge_return", {"vrf": 2, "dst": "198.18.0.0/30"}, "inside", {"vrf": P.SLICE, "pool": 1})],
            atomicity="rollback")
        dp.phase(["n3"])
        st = dp.phase(["inet"])
        dp.stop()
        expect_drops(st, {})
        dp.expect_outputs({
            "inet": [E.Ether(src=inet_mac, dst=rtr_mac) / E.rebuilt(up, ttl=63, src=pool, sport=ext)],
            "n3": [P.want_gtpu(E.rebuilt(back, ttl=63, dst=P.UE, dport=40000), P.TEID_GNB, P.N3_IP, P.GNB,
                               P.N3_MAC, P.GNB_MAC, 9, 0)]})


if __name__ == "__main__":
    sys.exit(R.main())
