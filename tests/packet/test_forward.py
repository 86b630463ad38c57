#!/usr/bin/python3
"""Packet tests of the `forward` pipeline: pcap in, pcap out.

    /usr/bin/python3 tests/packet/test_forward.py [NAME-SUBSTRING ...]

Prints `ok - name` / `not ok - name` per test, then `N passed, M failed`;
exit 1 if any failed, 77 if scapy or tshark is missing. BUILD=dir picks the
meson build directory (default build/ at the repository root).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq  # noqa: E402

try:
    from scapy.all import (ARP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, ICMP,  # noqa: E402
                           IPv6, IPv6ExtHdrHopByHop, ICMPv6ND_NS, Raw)
    from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer  # noqa: E402
    from scapy.layers.vxlan import VXLAN  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def eth(src=MAC_A, dst=MAC_B):
    return Ether(src=src, dst=dst)


def udp(src, dst, sport, dport, payload=b"sxdp-udp-payload", **ip):
    return eth() / IP(src=src, dst=dst, **ip) / UDP(sport=sport, dport=dport) / Raw(payload)


def tcp(src, dst, sport, dport, payload=b"sxdp-tcp", flags="PA"):
    return eth() / IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, flags=flags, seq=1000, ack=1) / Raw(payload)


def icmp(src, dst, seq=1):
    return eth() / IP(src=src, dst=dst) / ICMP(id=7, seq=seq) / Raw(b"ping-payload")


def flow_match(in_port, src, dst, proto, sport=0, dport=0):
    return {"in_port": in_port, "ipv4_src": src, "ipv4_dst": dst,
            "ip_proto": proto, "l4_sport": sport, "l4_dport": dport}


def wire(a, b):
    """Port cross-connect updates a -> b and b -> a."""
    return [Sxdp.update("port", {"in_port": a}, "output", {"port": b}),
            Sxdp.update("port", {"in_port": b}, "output", {"port": a})]


def port_counters(st):
    return {p["name"]: p for p in st["ports"]}


# ---------------------------------------------------------------- (a)
@R.test
def test_flow_steering_and_cross_connect():
    f1 = udp("10.0.0.1", "10.0.1.1", 31000, 33000)
    f1b = udp("10.0.0.1", "10.0.1.1", 31000, 33000, payload=b"second packet of flow 1, longer")
    f2 = tcp("10.0.0.2", "10.0.2.2", 40000, 80)
    f3 = icmp("10.0.0.3", "10.0.3.3")
    near = udp("10.0.0.1", "10.0.1.1", 31001, 33000)          # sport differs by one
    other = tcp("192.168.1.1", "192.168.2.2", 5555, 443)
    p1_in = [udp("10.9.9.9", "10.8.8.8", 1, 2), icmp("10.9.9.9", "10.8.8.8")]
    p2_in = [udp("10.0.0.1", "10.0.1.1", 31000, 33000)]        # flow 1's 5-tuple on another port
    p0_in = [f1, f2, other, f1b, f3, near]
    with Sxdp({"p0": p0_in, "p1": p1_in, "p2": p2_in, "p3": []}) as dp:
        dp.table_write([
            Sxdp.update("flow", flow_match("p0", "10.0.0.1", "10.0.1.1", 17, 31000, 33000), "output", {"port": "p1"}),
            Sxdp.update("flow", flow_match("p0", "10.0.0.2", "10.0.2.2", 6, 40000, 80), "output", {"port": "p2"}),
            Sxdp.update("flow", flow_match("p0", "10.0.0.3", "10.0.3.3", 1), "output", {"port": "p2"}),
            Sxdp.update("port", {"in_port": "p0"}, "output", {"port": "p3"}),
        ])
        st = dp.run_traffic()
        expect_drops(st, {"fwd.no_entry": 3})
        expect_eq(st["tables"]["flow"]["hits"], 4, "flow table hits")
        expect_eq(st["tables"]["flow"]["misses"], 5, "flow table misses")
        expect_eq(st["tables"]["port"]["hits"], 2, "port table hits")
        expect_eq(st["tables"]["port"]["misses"], 3, "port table misses")
        pc = port_counters(st)
        for name, n in (("p0", 0), ("p1", 2), ("p2", 2), ("p3", 2)):
            expect_eq(pc[name]["tx_packets"], n, "%s tx_packets" % name)
        dp.stop()
        dp.expect_outputs({"p1": [f1, f1b], "p2": [f2, f3], "p3": [other, near]})



@R.test
def test_burst_sizes_forward_everything_in_order():
    """config.burst (packets read from a queue per graph walk, read DP_BURST at a
    time) changes no packet: 1, 100 and 256 forward 700 frames with malformed ones
    among them, in order, the malformed dropped under their reason (bounds:
    test_startup.py)."""
    good = [udp("10.0.0.1", "10.0.1.1", 31000, 33000, payload=b"%05d" % i) for i in range(700)]
    bad = Ether(dst="02:00:00:00:00:02", src="02:00:00:00:00:01", type=0x0800) / b"\x45\x00\x00"   # IPv4, cut
    frames = list(good)
    for i in range(0, 700, 97):
        frames.insert(i, bad)
    for burst in (1, 100, 256):
        with Sxdp({"p0": frames, "p1": []}, extra_cfg={"burst": burst}) as dp:
            dp.table_write([Sxdp.update("port", {"in_port": "p0"}, "output", {"port": "p1"})])
            st = dp.run_traffic()
            expect_eq(port_counters(st)["p1"]["tx_packets"], 700, "burst %d: every good frame out" % burst)
            expect_eq(sum((st.get("drops") or {}).values()), len(frames) - 700,
                      "burst %d: the malformed dropped: %s" % (burst, st.get("drops")))
            dp.stop()
            dp.expect_outputs({"p1": good})


def worker_cpu_s(dp):
    """CPU seconds the worker threads of dp have run (utime + stime)."""
    tot = 0
    tick = os.sysconf("SC_CLK_TCK")
    tdir = "/proc/%d/task" % dp.proc.pid
    for t in os.listdir(tdir):
        try:
            with open(os.path.join(tdir, t, "comm")) as f:
                if "worker" not in f.read():
                    continue
            with open(os.path.join(tdir, t, "stat")) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            tot += (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            continue
    return tot


@R.test
def test_idle_worker_sleeps_and_wakes_on_traffic():
    """config.idle_sleep_max_us: a worker with nothing to read backs off to
    sleeping (near no CPU, counted in sleep_cycles) and the first packets
    put it back to polling: everything is forwarded, in order, and it
    sleeps again once idle; with 0 (the default) it polls all along."""
    frames = [udp("10.0.0.1", "10.0.1.1", 31000, 33000, payload=b"%05d" % i) for i in range(3000)]
    for max_us, busy in ((1000, False), (0, True)):
        with Sxdp({"p0": frames, "p1": []}, extra_cfg={"idle_sleep_max_us": max_us}) as dp:
            dp.table_write([Sxdp.update("port", {"in_port": "p0"}, "output", {"port": "p1"})])
            T.time.sleep(0.5)
            # Two readings. Another process on this machine can only take
            # CPU from a polling thread, and only add wake-ups to a sleeping
            # one: the higher reading says how much a poller runs, the
            # lower how little a sleeper does.
            shares = []
            for _ in range(2):
                c0, t0 = worker_cpu_s(dp), T.time.monotonic()
                T.time.sleep(1.5)
                shares.append((worker_cpu_s(dp) - c0) / (T.time.monotonic() - t0))
            share = max(shares) if busy else min(shares)
            worker = [lc for lc in dp.stats()["lcores"] if lc["role"] == "worker"][0]
            if busy:
                # a fifth of a CPU even with a busy neighbour on both CPUs;
                # a sleeper takes under 0.15 with none
                expect(share > 0.2 and worker["sleep_cycles"] == 0,
                       "idle_sleep_max_us 0: the worker polls (%.0f %% of a CPU, sleep_cycles %d)"
                       % (100 * share, worker["sleep_cycles"]))
            else:
                # 1 ms sleeps: a wake-up a millisecond, a few microseconds each
                expect(share < 0.15 and worker["sleep_cycles"] > 0,
                       "idle: the worker sleeps (%.1f %% of a CPU, sleep_cycles %d)"
                       % (100 * share, worker["sleep_cycles"]))
            print("#   idle_sleep_max_us %d: an idle worker took %.1f %% of a CPU" % (max_us, 100 * share))
            asleep = worker["sleep_cycles"]
            st = dp.run_traffic()
            expect_eq(port_counters(st)["p1"]["tx_packets"], len(frames), "every frame out after the wake-up")
            T.time.sleep(1.5)
            worker = [lc for lc in dp.stats()["lcores"] if lc["role"] == "worker"][0]
            expect(busy or worker["sleep_cycles"] > asleep, "idle again: it sleeps again")
            dp.stop()
            dp.expect_outputs({"p1": frames})


# ---------------------------------------------------------------- (b)
@R.test
def test_flow_action_drop():
    bad = udp("10.0.0.66", "10.0.1.1", 6666, 33000)
    good = [udp("10.0.0.1", "10.0.1.1", 31000 + i, 33000) for i in range(3)]
    p0_in = [good[0], bad, bad, good[1], bad, good[2]]
    with Sxdp({"p0": p0_in, "p1": []}) as dp:
        dp.table_write([
            Sxdp.update("flow", flow_match("p0", "10.0.0.66", "10.0.1.1", 17, 6666, 33000), "drop"),
            Sxdp.update("port", {"in_port": "p0"}, "output", {"port": "p1"}),
        ])
        st = dp.run_traffic()
        expect_drops(st, {"fwd.action_drop": 3})
        expect_eq(st["tables"]["flow"]["hits"], 3, "flow table hits")
        dp.stop()
        dp.expect_outputs({"p1": good})


# ---------------------------------------------------------------- (c)
MALFORMED = [
    ("parse.runt", lambda: Raw(bytes.fromhex("02000000000b02000000"))),
    ("parse.ipv4_ihl", lambda: eth() / IP(src="10.0.0.1", dst="10.0.0.2", ihl=4) / UDP(sport=1, dport=2) / Raw(b"x" * 18)),
    ("parse.ipv4_len", lambda: eth() / IP(src="10.0.0.1", dst="10.0.0.2", len=200) / UDP(sport=1, dport=2) / Raw(b"x" * 18)),
    ("parse.tcp_doff", lambda: eth() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=1, dport=2, dataofs=2) / Raw(b"x" * 10)),
    # IP says 4 bytes of payload: the UDP header itself is cut
    ("parse.l4_trunc", lambda: eth() / IP(src="10.0.0.1", dst="10.0.0.2", proto=17, len=24) / Raw(b"\x00\x01\x00\x02")),
    # UDP length claims more than the IP payload holds
    ("parse.udp_len", lambda: eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2, len=100) / Raw(b"x" * 10)),
    ("parse.vlan_depth", lambda: eth() / Dot1Q(vlan=10) / Dot1Q(vlan=20) / Dot1Q(vlan=30) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(b"x" * 10)),
]


def valid_mix():
    """Valid packets, plain and tunnelled, one per malformed one plus one."""
    return [
        udp("10.0.0.1", "10.0.0.2", 1000, 2000),
        tcp("10.0.0.1", "10.0.0.2", 40000, 80, flags="S", payload=b""),
        icmp("10.0.0.1", "10.0.0.2", seq=3),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=4789, dport=4789) / VXLAN(vni=42) /
        Ether(src=MAC_A, dst=MAC_B) / IP(src="192.168.0.1", dst="192.168.0.2") / ICMP() / Raw(b"inner"),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x1234) /
        IP(src="172.16.0.1", dst="172.16.0.2") / UDP(sport=5, dport=6) / Raw(b"gtp-inner"),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=2152, dport=2152) /
        GTP_U_Header(teid=0x5678, E=1, next_ex=0x85) / GTPPDUSessionContainer(type=1, QFI=9) /
        IP(src="172.16.0.1", dst="172.16.0.2") / UDP(sport=5, dport=6) / Raw(b"gtp-qfi"),
        eth() / Dot1Q(vlan=100) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=7, dport=8) / Raw(b"tagged"),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2", options=[b"\x01" * 4]) / UDP(sport=9, dport=10) / Raw(b"ip-opts"),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2", flags="MF", frag=0) / UDP(sport=11, dport=12, len=200) / Raw(b"first-frag"),
        # UDP to 2152 that is no GTP-U (a UE's own datagram, GTP', a length
        # past the datagram) is plain UDP to the core too (GTP-U only to
        # the UPF's own endpoints): a cross-connect passes it
        udp("10.0.0.1", "10.0.0.2", 40000, 2152, payload=b"hello 2152 from a UE"),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=2152, dport=2152) /
        Raw(bytes([0x20, 0xff, 0, 8, 0, 0, 0x12, 0x34]) + b"\x45" + b"\x00" * 7),
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=2152, dport=2152) /
        Raw(bytes([0x30, 0xff, 0, 0x40, 0, 0, 0, 1]) + b"x" * 8),
        # a broken VXLAN header is plain UDP to the core: a cross-connect passes it
        eth() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=4789, dport=4789) / VXLAN(flags=0, vni=42) /
        Ether(src=MAC_A, dst=MAC_B) / IP(src="192.168.0.1", dst="192.168.0.2") / ICMP(),
        udp("10.0.0.1", "10.0.0.2", 3000, 4000, payload=b"last"),
    ]


@R.test
def test_malformed_dropped_with_reasons():
    valid = valid_mix()
    bad = [mk() for _, mk in MALFORMED]
    p0_in = []
    for i, v in enumerate(valid):
        p0_in.append(v)
        if i < len(bad):
            p0_in.append(bad[i])
    want = {}
    for reason, _ in MALFORMED:
        want[reason] = want.get(reason, 0) + 1
    with Sxdp({"p0": p0_in, "p1": []}) as dp:
        dp.table_write(wire("p0", "p1"))
        st = dp.run_traffic()
        expect_drops(st, want)
        expect_eq(port_counters(st)["p1"]["tx_packets"], len(valid), "p1 tx_packets")
        dp.stop()
        dp.expect_outputs({"p1": valid})


# ---------------------------------------------------------------- (d)
@R.test
def test_table_write_atomicity_and_hits():
    A = flow_match("p0", "10.0.0.1", "10.0.1.1", 17, 31000, 33000)
    B = flow_match("p0", "10.0.0.2", "10.0.1.1", 17, 31000, 33000)
    C = flow_match("p0", "10.0.0.3", "10.0.1.1", 17, 31000, 33000)
    D = flow_match("p0", "10.0.0.4", "10.0.1.1", 17, 31000, 33000)
    E = flow_match("p0", "10.0.0.5", "10.0.1.1", 17, 31000, 33000)
    out = {"port": "p1"}

    def ins(m):
        return Sxdp.update("flow", m, "output", out)

    def pk(src, i):
        return udp(src, "10.0.1.1", 31000, 33000, payload=b"hit %d" % i)

    # A x3, B x5, C x0, D x2, interleaved
    pkts = [pk("10.0.0.1", 0), pk("10.0.0.2", 1), pk("10.0.0.4", 2), pk("10.0.0.2", 3),
            pk("10.0.0.1", 4), pk("10.0.0.2", 5), pk("10.0.0.2", 6), pk("10.0.0.4", 7),
            pk("10.0.0.1", 8), pk("10.0.0.2", 9)]
    hits_want = {"10.0.0.1": 3, "10.0.0.2": 5, "10.0.0.3": 0, "10.0.0.4": 2}
    with Sxdp({"p0": pkts, "p1": []}) as dp:
        r = dp.table_write([ins(A), ins(B)])
        gen = r["generation"]
        expect_eq(dp.table_read("flow")[1], 2, "flow total after the first batch")

        # rollback: 3rd update duplicates A -> nothing applied
        r = dp.table_write([ins(C), ins(D), ins(A)], atomicity="rollback", check=False)
        expect_eq(r.get("committed"), False, "rollback batch committed")
        res = r.get("results", [])
        expect_eq(len(res), 3, "rollback batch result count")
        expect_eq([x.get("ok") for x in res], [False, False, False], "rollback batch results ok")
        expect_eq(res[2].get("error", {}).get("data", {}).get("reason"), "exists", "duplicate insert reason")
        expect_eq(res[2].get("error", {}).get("data", {}).get("pointer"), "/updates/2", "duplicate insert pointer")
        expect_eq(r.get("generation"), gen, "generation after a rolled-back batch")
        expect_eq(dp.table_read("flow")[1], 2, "flow total after the rolled-back batch")
        expect_eq(dp.rpc("sys.hello").get("generation"), gen, "sys.hello generation after rollback")

        # continue: the good ones apply, the duplicate fails alone
        r = dp.table_write([ins(C), ins(D), ins(A)], atomicity="continue", check=False)
        expect_eq(r.get("committed"), True, "continue batch committed")
        expect_eq([x.get("ok") for x in r.get("results", [])], [True, True, False], "continue batch results")
        expect_eq(r["results"][2]["error"]["data"]["reason"], "exists", "duplicate insert reason (continue)")
        expect(r.get("generation", 0) > gen, "generation did not move after a committed batch")
        expect_eq(dp.table_read("flow")[1], 4, "flow total after the continue batch")

        # unknown field anywhere in the batch: JSON-RPC error, nothing applied
        for label, bad, pointer in (
                ("match field", dict(E, bogus=1), "/updates/1/match/bogus"),
                ("update member", None, "/updates/1/colour"),
                ("action param", None, "/updates/1/params/speed")):
            if label == "match field":
                u = ins(bad)
            elif label == "update member":
                u = dict(ins(E), colour="red")
            else:
                u = Sxdp.update("flow", E, "output", {"port": "p1", "speed": 9})
            resp = dp.rpc_raw("table.write", {"atomicity": "rollback", "updates": [ins(E), u]})
            expect("error" in resp, "unknown %s accepted: %s" % (label, resp))
            data = resp["error"].get("data") or {}
            expect_eq(resp["error"].get("code"), -32602, "unknown %s error code" % label)
            expect_eq(data.get("pointer"), pointer, "unknown %s error pointer" % label)
            expect_eq(data.get("reason"), "unknown_field", "unknown %s error reason" % label)
            expect_eq(dp.table_read("flow")[1], 4, "flow total after unknown %s" % label)

        st = dp.run_traffic()
        expect_drops(st, {})
        entries, total = dp.table_read("flow")
        expect_eq(total, 4, "flow total at the end")
        got = {e["match"]["ipv4_src"]: e.get("hits") for e in entries}
        expect_eq(got, hits_want, "per-entry hits")
        expect_eq(st["tables"]["flow"]["hits"], len(pkts), "flow table hits")
        dp.stop()
        dp.expect_outputs({"p1": pkts})


# ---------------------------------------------------------------- (e)
@R.test
def test_vlan_ipv6_cross_connect_unchanged():
    p0_in = [
        eth() / Dot1Q(vlan=100, prio=3) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2) / Raw(b"v100"),
        eth() / Dot1AD(vlan=200) / Dot1Q(vlan=300) / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(sport=3, dport=4) / Raw(b"qinq"),
        eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=5, dport=6) / Raw(b"v6-udp"),
        eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / TCP(sport=7, dport=8, flags="S"),
        eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrHopByHop() / UDP(sport=9, dport=10) / Raw(b"v6-hbh"),
        eth() / Dot1Q(vlan=101) / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=11, dport=12) / Raw(b"v6-vlan"),
        eth(dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.0.0.1", pdst="10.0.0.2", hwsrc=MAC_A),
    ]
    p1_in = [
        Ether(src=MAC_B, dst="33:33:ff:00:00:01") / IPv6(src="2001:db8::2", dst="ff02::1:ff00:1") /
        ICMPv6ND_NS(tgt="2001:db8::1"),
        Ether(src=MAC_B, dst=MAC_A) / Dot1Q(vlan=100) / IP(src="10.0.0.2", dst="10.0.0.1") / UDP(sport=2, dport=1) / Raw(b"back"),
    ]
    with Sxdp({"p0": p0_in, "p1": p1_in}) as dp:
        dp.table_write(wire("p0", "p1"))
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        dp.expect_outputs({"p0": p1_in, "p1": p0_in})


@R.test
def test_non_ipv4_zero_key_flow():
    """Non-IPv4 packets look the flow table up with zero IPv4/L4 fields."""
    v6 = eth() / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=5, dport=6) / Raw(b"v6")
    arp = eth(dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.0.0.1", pdst="10.0.0.2", hwsrc=MAC_A)
    v4 = udp("10.0.0.1", "10.0.0.2", 5, 6)
    with Sxdp({"p0": [v6, v4, arp], "p1": [], "p2": []}) as dp:
        dp.table_write([Sxdp.update("flow", flow_match("p0", "0.0.0.0", "0.0.0.0", 0), "output", {"port": "p2"}),
                        Sxdp.update("port", {"in_port": "p0"}, "output", {"port": "p1"})])
        st = dp.run_traffic()
        expect_drops(st, {})
        expect_eq(st["tables"]["flow"]["hits"], 2, "flow hits")
        dp.stop()
        dp.expect_outputs({"p1": [v4], "p2": [v6, arp]})


if __name__ == "__main__":
    R.main()
