#!/usr/bin/python3
"""Packet tests of the qos feature's meters, attached to the switch's
interfaces: colors as the RFCs count them, each color's policy (pass,
remark DSCP/PCP as tshark reads it, drop under a named reason), per-color
counters that add up to what was sent, and writes refused with a clear
reason that change nothing.

Meters here run at 100 bit/s: over a test the buckets refill by less than
one frame, so what a burst gets of each color is its bucket depth.

    /usr/bin/python3 tests/packet/test_qos.py [NAME-SUBSTRING ...]
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, tshark_fields, expect, expect_drops, expect_eq  # noqa: E402

try:
    from scapy.all import IP, IPv6, UDP, Dot1Q, Ether, Raw, rdpcap  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()
U = Sxdp.update

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
SLOW = 100                     # bit/s: a test refills < 1 frame


def frame(i, size=100, dscp=46, vlan=None, v6=False):
    """A frame of exactly size bytes (no FCS) from A to B."""
    e = Ether(src=MAC_A, dst=MAC_B)
    if vlan is not None:
        e = e / Dot1Q(vlan=vlan, prio=5)
    ip = IPv6(src="2001:db8::a", dst="2001:db8::b", tc=dscp << 2 | 1) if v6 else \
        IP(src="10.0.0.1", dst="10.0.0.2", tos=dscp << 2 | 1, id=i)
    p = e / ip / UDP(sport=1000 + i, dport=2000)
    return p / Raw(b"\x00" * (size - len(p)))


def setup(meter_id=1, vlan=0):
    return [U("interfaces", {"in_port": "p0", "vlan": vlan}, "attach", {"slice": 1, "bd": 10, "meter": meter_id}),
            U("bd_ports", {"bd": 10, "port": "p1"}, "member", {"vlan": vlan}),
            U("fdb", {"bd": 10, "mac": MAC_B}, "forward", {"port": "p1"})]


def meters(dp):
    return {m["id"]: m for m in dp.rpc("qos.meters")}


@R.test
def test_srtcm_colors_and_policies():
    """srTCM, CBS 1000 and EBS 500 bytes, 30 frames of 100 bytes: 10
    green pass unchanged, 5 yellow leave remarked to DSCP 10 (ECN kept,
    IPv4 checksum right), 15 red are dropped (qos.meter_red); the counters
    per color add up to what was sent."""
    frames = [frame(i) for i in range(30)]
    with Sxdp({"p0": frames, "p1": []}, pipeline="switch") as dp:
        dp.table_write([U("meters", {"id": 1}, "srtcm", {"cir": SLOW, "cbs": 1000, "ebs": 500}),
                        U("meter_colors", {"meter": 1, "color": 1}, "remark", {"dscp": 10, "pcp": 8})] +
                       setup())
        st = dp.run_traffic()
        expect_drops(st, {"qos.meter_red": 15})
        m = meters(dp)[1]
        dp.stop()
        got = {c: (m[c]["packets"], m[c]["bytes"]) for c in ("green", "yellow", "red")}
        expect_eq(got, {"green": (10, 1000), "yellow": (5, 500), "red": (15, 1500)}, "per-color counters")
        out = dp.outputs()["p1"]
        expect_eq(len(out), 15, "frames out")
        expect_eq(out[:10], [bytes(f) for f in frames[:10]], "green: unchanged")
        for f, g in zip(frames[10:15], out[10:15]):
            want = Ether(bytes(f))
            want[IP].tos = 10 << 2 | 1
            del want[IP].chksum
            expect_eq(g, bytes(Ether(bytes(want))), "yellow: remarked, checksum recomputed")
        rows = tshark_fields(dp.out_path("p1"), ["ip.dsfield.dscp", "ip.dsfield.ecn", "ip.checksum.status"])
        expect_eq([r[0] for r in rows], ["46"] * 10 + ["10"] * 5, "tshark: DSCP")
        expect_eq({r[1] for r in rows}, {"1"}, "tshark: ECN kept")


@R.test
def test_trtcm_policies_per_color():
    """trTCM (RFC 2698), PBS 800 and CBS 300 bytes: 3 green, 5 yellow, the
    rest red. Policies: green remarks PCP 1 on the tagged wire, yellow
    drops, red passes with DSCP 0 (a policy may pass any color); IPv6
    frames get their traffic class remarked."""
    frames = [frame(i, vlan=7, v6=True) for i in range(12)]
    with Sxdp({"p0": frames, "p1": []}, pipeline="switch") as dp:
        dp.table_write([U("meters", {"id": 9}, "trtcm", {"cir": SLOW, "cbs": 300, "pir": SLOW, "pbs": 800}),
                        U("meter_colors", {"meter": 9, "color": 0}, "remark", {"dscp": 64, "pcp": 1}),
                        U("meter_colors", {"meter": 9, "color": 1}, "drop"),
                        U("meter_colors", {"meter": 9, "color": 2}, "remark", {"dscp": 0, "pcp": 8})] +
                       setup(9, vlan=7))
        st = dp.run_traffic()
        expect_drops(st, {"qos.meter_yellow": 5})
        dp.stop()
        rows = tshark_fields(dp.out_path("p1"), ["vlan.priority", "ipv6.tclass.dscp", "ipv6.tclass.ecn"])
        expect_eq([(r[0], r[1]) for r in rows], [("1", "46")] * 3 + [("5", "0")] * 4, "tshark: PCP, DSCP")
        expect_eq({r[2] for r in rows}, {"1"}, "tshark: ECN kept")


@R.test
def test_interleaved_meters_each_their_own_bucket():
    """One burst's frames interleaved over seven meters (seven VLANs of p0,
    each attached with its own srTCM of CBS k x 100 bytes and no EBS, the
    order shuffled, seeded; a bridge domain each): each meter passes exactly its first k frames
    in burst order, in green, and drops the rest red, as if it had been
    alone: a burst is grouped by meter (pl_qos_meter), its packets in their
    order within a group."""
    import random
    rnd = random.Random(4115)
    vlans = list(range(1, 8))
    order = [v for v in vlans for _ in range(8)]
    rnd.shuffle(order)
    frames = [frame(i, vlan=v) for i, v in enumerate(order)]
    ups = []
    for v in vlans:
        ups += [U("meters", {"id": v}, "srtcm", {"cir": SLOW, "cbs": 100 * v, "ebs": 0}),
                U("interfaces", {"in_port": "p0", "vlan": v}, "attach", {"slice": 1, "bd": 10 + v, "meter": v}),
                U("bd_ports", {"bd": 10 + v, "port": "p1"}, "member", {"vlan": v}),
                U("fdb", {"bd": 10 + v, "mac": MAC_B}, "forward", {"port": "p1"})]
    with Sxdp({"p0": frames, "p1": []}, pipeline="switch") as dp:
        dp.table_write(ups)
        st = dp.run_traffic()
        expect_drops(st, {"qos.meter_red": sum(8 - min(v, 8) for v in vlans)})
        m = meters(dp)
        dp.stop()
        expect_eq({v: (m[v]["green"]["packets"], m[v]["red"]["packets"]) for v in vlans},
                  {v: (min(v, 8), 8 - min(v, 8)) for v in vlans}, "per meter: green, red")
        want, seen = [], {}
        for f, v in zip(frames, order):
            seen[v] = seen.get(v, 0) + 1
            if seen[v] <= v:
                want.append(Ether(bytes(f))[UDP].sport)
        expect_eq([Ether(b)[UDP].sport for b in dp.outputs()["p1"]], want,
                  "out: each meter's first frames, in burst order")


@R.test
def test_meter_changes_apply_at_once():
    """A meter's policy and rates changed between bursts apply to the next
    one (workers keep a copy of its profile in the meter's line: each write
    must reach it). srTCM at 8 bit/s (a byte a second: the bucket stays
    empty for the test's life), CBS 500, no EBS, red dropped: 5 of 10
    frames pass; red then passed: all 10 pass; red then remarked to DSCP
    10: all 10 leave remarked; then 10 Gbit/s with a CBS of 2,000 bytes and
    red dropped again: the bucket is full at once, all 10 pass green,
    unchanged; the meter then deleted (its interface on no meter first):
    all 10 pass unmetered."""
    phases = ["p0", "p2", "p3", "p4", "p5"]
    frames = {p: [frame(100 * n + i) for i in range(10)] for n, p in enumerate(phases)}
    srtcm = {"cir": 8, "cbs": 500, "ebs": 0}
    ups = [U("meters", {"id": 1}, "srtcm", srtcm),
           U("bd_ports", {"bd": 10, "port": "p1"}, "member", {"vlan": 0}),
           U("fdb", {"bd": 10, "mac": MAC_B}, "forward", {"port": "p1"})]
    ups += [U("interfaces", {"in_port": p, "vlan": 0}, "attach", {"slice": 1, "bd": 10, "meter": 1}) for p in phases]
    with Sxdp(dict(frames, p1=[]), pipeline="switch") as dp:
        dp.table_write(ups)
        expect_drops(dp.phase(["p0"]), {"qos.meter_red": 5})
        dp.table_write([U("meter_colors", {"meter": 1, "color": 2}, "pass")])
        expect_drops(dp.phase(["p2"]), {"qos.meter_red": 5})
        dp.table_write([U("meter_colors", {"meter": 1, "color": 2}, "remark", {"dscp": 10, "pcp": 8},
                          type="modify")])
        expect_drops(dp.phase(["p3"]), {"qos.meter_red": 5})
        dp.table_write([U("meters", {"id": 1}, "srtcm", {"cir": 10 ** 10, "cbs": 2000, "ebs": 0}, type="modify"),
                        U("meter_colors", {"meter": 1, "color": 2}, type="delete")])
        expect_drops(dp.phase(["p4"]), {"qos.meter_red": 5})
        dp.table_write([U("interfaces", {"in_port": p, "vlan": 0}, "attach", {"slice": 1, "bd": 10}, type="modify")
                        for p in phases] + [U("meters", {"id": 1}, type="delete")])
        expect_drops(dp.phase(["p5"]), {"qos.meter_red": 5})
        dp.stop()
        got = dp.outputs()["p1"]
        want = [1000 + i for i in range(5)] + [1000 + 100 * n + i for n in range(1, 5) for i in range(10)]
        expect_eq([Ether(b)[UDP].sport for b in got], want, "out: 5 green, 10 red passed, 10 red remarked, "
                  "10 green, 10 unmetered")
        expect_eq([Ether(b)[IP].tos >> 2 for b in got], [46] * 15 + [10] * 10 + [46] * 20,
                  "DSCP: red remarked to 10 in the third burst only")


@R.test
def test_meter_in_use_against_a_model():
    """A meter's deletion is refused (meter_in_use) exactly while an entry names it, the
    batch's own earlier updates counted, in 300 random batches (seeded): interfaces inserted,
    moved to another meter, to none, deleted; meters deleted and made again; rollback
    batches and continue ones (each update on its own). Every verdict is a Python model's,
    and the tables agree with it after each batch."""
    import random
    rnd = random.Random(5150)
    meter = {"cir": 1000000, "cbs": 1500, "eir": 0, "ebs": 0}
    keys = [("p0", v) for v in range(1, 13)] + [("p1", v) for v in range(1, 13)]
    with Sxdp({"p0": [], "p1": []}, pipeline="switch") as dp:
        dp.table_write([U("meters", {"id": m}, "rfc4115", meter) for m in range(1, 7)])
        meters, ifs = set(range(1, 7)), {}           # the model: meters there; interface -> its meter (0: none)
        for b in range(300):
            mode = rnd.choice(["rollback", "continue"])
            ups, want, m_now, i_now = [], [], set(meters), dict(ifs)
            for _ in range(rnd.randint(1, 6)):
                r = rnd.random()
                if r < 0.35:
                    k = rnd.choice(keys)
                    m = rnd.choice([0] + sorted(m_now))
                    p = {"slice": 1, "bd": 10, "meter": m}
                    typ = "modify" if k in i_now else "insert"
                    ups.append(U("interfaces", {"in_port": k[0], "vlan": k[1]}, "attach", p, type=typ))
                    want.append(None)
                    i_now[k] = m
                elif r < 0.5 and i_now:
                    k = rnd.choice(sorted(i_now))
                    ups.append(U("interfaces", {"in_port": k[0], "vlan": k[1]}, type="delete"))
                    want.append(None)
                    del i_now[k]
                elif r < 0.85 and m_now:
                    m = rnd.choice(sorted(m_now))
                    ups.append(U("meters", {"id": m}, type="delete"))
                    if m in i_now.values():
                        want.append("meter_in_use")
                    else:
                        want.append(None)
                        m_now.discard(m)
                else:
                    m = rnd.choice([x for x in range(1, 9) if x not in m_now] or [1])
                    if m in m_now:
                        continue
                    ups.append(U("meters", {"id": m}, "rfc4115", meter))
                    want.append(None)
                    m_now.add(m)
            if not ups:
                continue
            res = dp.table_write(ups, atomicity=mode, check=False)
            got = [None if x.get("ok") else x.get("error", {}).get("data", {}).get("reason") for x in res["results"]]
            refused = [w for w in want if w is not None]
            if mode == "rollback" and refused:
                expect_eq([g if w else (None if g == "not_applied" else g) for g, w in zip(got, want)], want,
                          "batch %d (rollback): the refusals, the rest not applied" % b)
                expect(not res.get("committed"), "batch %d: not committed" % b)
            else:
                expect_eq(got, want, "batch %d (%s): each update's verdict" % (b, mode))
                # continue mode: a refused meter deletion changes nothing; the rest applied
                meters, ifs = m_now, i_now
            expect_eq(sorted(e["match"]["id"] for e in dp.table_read("meters")[0]), sorted(meters),
                      "batch %d: meters" % b)
            expect_eq({(e["match"]["in_port"], e["match"]["vlan"]): e["params"].get("meter", 0)
                       for e in dp.table_read("interfaces")[0]}, ifs, "batch %d: interfaces" % b)
        dp.stop()


@R.test
def test_writes_refused_change_nothing():
    """Bad profiles (CBS 0, a trTCM peak below its committed rate, an RFC
    4115 excess rate without an excess burst, a rate above the ports'),
    an interface naming a meter that does not exist, and deleting a meter
    an interface names: each refused with its reason, nothing changed."""
    cases = [
        ([U("meters", {"id": 2}, "srtcm", {"cir": 1000000, "cbs": 0, "ebs": 100})], "bad_cbs"),
        ([U("meters", {"id": 2}, "trtcm", {"cir": 2000000, "cbs": 100, "pir": 1000000, "pbs": 100})], "bad_pir"),
        ([U("meters", {"id": 2}, "rfc4115", {"cir": 1000000, "cbs": 100, "eir": 1000000, "ebs": 0})], "bad_ebs"),
        ([U("meters", {"id": 2}, "srtcm", {"cir": 10 ** 12, "cbs": 100, "ebs": 100})], "above_port_rate"),
        ([U("interfaces", {"in_port": "p1", "vlan": 0}, "attach", {"slice": 1, "bd": 10, "meter": 5})],
         "unknown_meter"),
        ([U("meters", {"id": 1}, type="delete")], "meter_in_use"),
    ]
    with Sxdp({"p0": [], "p1": []}, pipeline="switch") as dp:
        dp.table_write([U("meters", {"id": 1}, "rfc4115", {"cir": 1000000, "cbs": 1500, "eir": 0, "ebs": 0})] +
                       setup())
        before = {t: dp.table_read(t)[0] for t in ("meters", "meter_profiles", "interfaces")}
        for ups, reason in cases:
            res = dp.table_write(ups, check=False)
            err = res["results"][0].get("error", {})
            expect_eq(err.get("data", {}).get("reason"), reason, "refusal of %s" % ups[0])
        after = {t: dp.table_read(t)[0] for t in ("meters", "meter_profiles", "interfaces")}
        expect_eq(after, before, "tables after the refused writes")
        # the interface lets go first, then the meter may go, its profile with it
        dp.table_write([U("interfaces", {"in_port": "p0", "vlan": 0}, "attach", {"slice": 1, "bd": 10}, type="modify"),
                        U("meters", {"id": 1}, type="delete")])
        expect_eq(dp.table_read("meter_profiles")[0], [], "no profile without its meter")
        dp.stop()


def expect_shaped(pkts, rate, waited, what, skip=16):
    """Judge a shaper at rate (B/s) by what left it: bytes on the wire
    (frame + 24: what rte_sched counts) from packet skip on (the ones
    before left with the buckets' first credit) to the last, by the sink's
    timestamps. A gap longer than its token bucket (qs_sched.c: max(rate /
    100, 19,200 B)) makes up is not counted. Never faster than rate + 5 %;
    never slower than rate - 5 % over the time its worker could run: of
    what the worker waited for a CPU (waited, s: Sxdp.worker_waited across
    the run), its traffic-class credits, which end with their period, may
    lose all. Returns the rate."""
    pkts = pkts[skip:]
    if len(pkts) < 10:
        raise T.TestFailure("too few shaped packets: %d" % len(pkts))
    bucket_s = max(rate / 100, 19200) / rate
    span = float(pkts[-1].time - pkts[0].time)
    lost = sum(max(0.0, float(b.time - a.time) - bucket_s) for a, b in zip(pkts, pkts[1:]))
    sent = sum(len(p) + 24 for p in pkts[1:])
    got = sent / (span - lost)
    print("#   %s: %.3f Mbit/s (wire) over %.1f ms; gaps past the bucket %.1f ms, the worker waited %.1f ms"
          % (what, got * 8 / 1e6, span * 1e3, lost * 1e3, waited * 1e3))
    expect(got < rate * 1.05, "%s at %.0f B/s, want at most %d + 5 %%" % (what, got, rate))
    off = max(lost, waited)
    if off > span / 2:
        print("#   %s: the worker was off its CPU for most of the run: its floor not judged" % what)
    else:
        expect(sent / (span - off) > rate * 0.95,
               "%s at %.0f B/s (%.0f B/s beside %.1f ms off its CPU), want at least %d - 5 %%"
               % (what, got, sent / (span - off), off * 1e3, rate))
    return got


def sched_setup(rate_bps=8000000, qsize=256):
    return [U("sched_ports", {"port": "p1"}, "sched", {"rate_bps": rate_bps, "subports": 4, "pipes": 4,
                                                        "qsize": qsize})]


@R.test
def test_sched_shapes_a_port():
    """rte_sched on p1 at 8 Mbit/s (1 MB/s on the wire): 400 frames of
    1000 bytes offered at once leave at that rate (within 5 %, by the
    sink's timestamps); a full queue drops the rest under qos.sched_full,
    and what was sent plus what was dropped is what was offered."""
    frames = [frame(i, size=1000) for i in range(400)]
    with Sxdp({"p0": frames, "p1": []}, pipeline="switch") as dp:
        dp.table_write(sched_setup() + setup(meter_id=0))
        w0 = dp.worker_waited()
        st = dp.run_traffic(timeout=30)
        waited = dp.worker_waited() - w0
        dropped = st["drops"].get("qos.sched_full", 0)
        q = dp.rpc("qos.sched")[0]
        dp.stop()
        out = rdpcap(dp.out_path("p1"))
        expect_eq(len(out) + dropped, 400, "sent + dropped")
        expect(256 <= len(out) < 400, "a queue of 256 held what the rate did not let out: %d sent" % len(out))
        rate = expect_shaped(out, 1e6, waited, "the port")
        be = [t for s in q["subports"] if s["subport"] == 0 for t in s["tcs"]]
        expect_eq([(t["tc"], t["packets"], t["drops"]) for t in be], [(12, len(out), dropped)],
                  "qos.sched: best-effort subport, traffic class 12")
        print("#   %d sent at %.3f Mbit/s (wire), %d dropped" % (len(out), rate * 8 / 1e6, dropped))


@R.test
def test_sched_slices_get_their_rates():
    """Two slices out of p1 (VLAN 10 and 20) at 8 Mbit/s: slice 1 reserved
    2 Mbit/s, slice 2 5 Mbit/s, both flooding at once. Each leaves at its
    own rate (within 5 %), whatever the other sends."""
    a = [frame(i, size=1000) for i in range(300)]
    b = [Ether(src="02:00:00:00:00:1a", dst="02:00:00:00:00:1b") / IP(src="10.0.1.1", dst="10.0.1.2") /
         UDP(sport=1000 + i, dport=2000) / Raw(b"\x00" * 958) for i in range(300)]
    with Sxdp({"p0": a, "p2": b, "p1": []}, pipeline="switch") as dp:
        dp.table_write(sched_setup() + [
            U("interfaces", {"in_port": "p0", "vlan": 0}, "attach", {"slice": 1, "bd": 10}),
            U("bd_ports", {"bd": 10, "port": "p1"}, "member", {"vlan": 10}),
            U("fdb", {"bd": 10, "mac": MAC_B}, "forward", {"port": "p1"}),
            U("interfaces", {"in_port": "p2", "vlan": 0}, "attach", {"slice": 2, "bd": 20}),
            U("bd_ports", {"bd": 20, "port": "p1"}, "member", {"vlan": 20}),
            U("fdb", {"bd": 20, "mac": "02:00:00:00:00:1b"}, "forward", {"port": "p1"}),
            U("sched_subports", {"port": "p1", "slice": 1}, "subport", {"subport": 1, "rate_bps": 2000000}),
            U("sched_subports", {"port": "p1", "slice": 2}, "subport", {"subport": 2, "rate_bps": 5000000})])
        w0 = dp.worker_waited()
        dp.run_traffic(timeout=30)
        waited = dp.worker_waited() - w0
        dp.stop()
        out = rdpcap(dp.out_path("p1"))
        by = {v: [p for p in out if p[Dot1Q].vlan == v] for v in (10, 20)}
        for v, want in ((10, 250000), (20, 625000)):
            expect_shaped(by[v], want, waited, "VLAN %d (%d sent)" % (v, len(by[v])))


@R.test
def test_sched_wred():
    """With red on, a queue under a steady overload drops early (WRED,
    qos.sched_red) as well as when full (qos.sched_full); what leaves still
    leaves at the port's rate, and every packet is sent or dropped."""
    frames = T.Replay([frame(i, size=1000) for i in range(64)])
    with Sxdp({"p0": frames, "p1": []}, pipeline="switch") as dp:
        dp.table_write([U("sched_ports", {"port": "p1"}, "sched", {"rate_bps": 8000000, "subports": 4,
                                                                    "pipes": 4, "qsize": 64, "red": 1})] +
                       setup(meter_id=0))
        w0 = dp.worker_waited()
        dp.release(["p0", "p1"])
        time.sleep(1.5)
        dp.port_admin("p0", False)
        st = dp.wait_consumed(names=["p1"])
        waited = dp.worker_waited() - w0
        red, full = st["drops"].get("qos.sched_red", 0), st["drops"].get("qos.sched_full", 0)
        q = dp.rpc("qos.sched")[0]
        dp.stop()
        out = rdpcap(dp.out_path("p1"))
        print("#   %d sent, %d dropped early (WRED), %d tail-dropped" % (len(out), red, full))
        expect(red > 0, "WRED dropped nothing (tail drops: %d)" % full)
        be = [t for s in q["subports"] if s["subport"] == 0 for t in s["tcs"]]
        expect_eq(sum(t["drops"] for t in be), red + full, "qos.sched counts both kinds of drop")
        expect_shaped(out, 1e6, waited, "the port")


@R.test
def test_sched_wred_keeps_the_guaranteed_green():
    """A guaranteed flow beside an excess one through a congested scheduler
    (the UPF's GBR QoS flow is this: its GBR a two-rate meter's committed
    rate, green; pipelines/upf/README.md "QERs"). A floods p0 through an
    srTCM at 2 Mbit/s (its GBR: green, the rest red and dropped at the
    meter); B floods p2 through an RFC 4115 meter with no committed rate
    (all yellow, up to 100 Mbit/s). Both leave p1, shaped at 8 Mbit/s with
    WRED: the queue is past yellow's thresholds the whole run, B is cut
    down early (qos.sched_red), and A's green leaves whole (at most 1 %
    lost, against most of B's yellow)."""
    a = T.Replay([frame(i, size=1000) for i in range(64)])
    b = T.Replay([Ether(src="02:00:00:00:00:1a", dst=MAC_B) / IP(src="10.0.1.1", dst="10.0.0.2") /
                  UDP(sport=1000 + i, dport=2000) / Raw(b"\x00" * 958) for i in range(64)])
    with Sxdp({"p0": a, "p2": b, "p1": []}, pipeline="switch") as dp:
        dp.table_write([
            U("sched_ports", {"port": "p1"}, "sched", {"rate_bps": 8000000, "subports": 4, "pipes": 4,
                                                        "qsize": 64, "red": 1}),
            U("meters", {"id": 1}, "srtcm", {"cir": 2000000, "cbs": 3000, "ebs": 0}),
            U("meters", {"id": 2}, "rfc4115", {"cir": SLOW, "cbs": 1000, "eir": 100000000, "ebs": 100000}),
            U("interfaces", {"in_port": "p0", "vlan": 0}, "attach", {"slice": 1, "bd": 10, "meter": 1}),
            U("interfaces", {"in_port": "p2", "vlan": 0}, "attach", {"slice": 1, "bd": 10, "meter": 2}),
            U("bd_ports", {"bd": 10, "port": "p1"}, "member", {"vlan": 0}),
            U("fdb", {"bd": 10, "mac": MAC_B}, "forward", {"port": "p1"})])
        dp.release(["p0", "p2", "p1"])
        time.sleep(2.0)
        dp.port_admin("p0", False)
        dp.port_admin("p2", False)
        st = dp.wait_consumed(names=["p1"])
        m = meters(dp)
        dp.stop()
        out = rdpcap(dp.out_path("p1"))
        green = m[1]["green"]["packets"]
        yellow = m[2]["yellow"]["packets"]
        got_a = sum(1 for p in out if p[Ether].src == MAC_A)
        got_b = len(out) - got_a
        red = st["drops"].get("qos.sched_red", 0)
        print("#   A: %d green, %d left; B: %d yellow, %d left; %d dropped early (WRED), %d tail-dropped"
              % (green, got_a, yellow, got_b, red, st["drops"].get("qos.sched_full", 0)))
        expect(green > 100 and yellow > 10 * green, "both flooded: A %d green, B %d yellow" % (green, yellow))
        expect(red > 0, "the scheduler was congested (WRED dropped nothing)")
        expect(got_a >= green * 0.99, "A's green left whole: %d of %d" % (got_a, green))
        expect(got_b < yellow / 2, "B's yellow cut down: %d of %d left" % (got_b, yellow))


@R.test
def test_sched_admission():
    """Guarantees above the port (less 1 % for best effort), pipes above
    their slice, a subport index taken, a queue size not a power of 2, and
    removing a scheduler subports still use: refused with a reason,
    nothing changed."""
    cases = [
        ([U("sched_subports", {"port": "p1", "slice": 2}, "subport", {"subport": 2, "rate_bps": 6000000})],
         "oversubscribed"),
        ([U("sched_subports", {"port": "p1", "slice": 2}, "subport", {"subport": 1, "rate_bps": 1000})],
         "bad_subport"),
        ([U("sched_pipes", {"port": "p1", "slice": 1, "pipe": 1}, "pipe", {"rate_bps": 1500000}),
          U("sched_pipes", {"port": "p1", "slice": 1, "pipe": 2}, "pipe", {"rate_bps": 1000000})],
         "oversubscribed"),
        ([U("sched_ports", {"port": "p0"}, "sched", {"rate_bps": 8000000, "subports": 4, "pipes": 4,
                                                      "qsize": 100})], "bad_sched"),
        ([U("sched_pipes", {"port": "p0", "slice": 1, "pipe": 1}, "pipe", {"rate_bps": 1000})], "no_sched"),
        ([U("sched_ports", {"port": "p1"}, type="delete")], "sched_in_use"),
    ]
    with Sxdp({"p0": [], "p1": []}, pipeline="switch") as dp:
        dp.table_write(sched_setup() + [
            U("sched_subports", {"port": "p1", "slice": 1}, "subport", {"subport": 1, "rate_bps": 2000000})])
        tables = ("sched_ports", "sched_subports", "sched_pipes")
        before = {t: dp.table_read(t)[0] for t in tables}
        for ups, reason in cases:
            res = dp.table_write(ups, atomicity="rollback", check=False)
            reasons = [r.get("error", {}).get("data", {}).get("reason") for r in res["results"]]
            expect(reason in reasons, "refusal %s: got %s" % (reason, reasons))
        expect_eq({t: dp.table_read(t)[0] for t in tables}, before, "tables after the refused writes")
        # in one batch: the subport goes first, then the scheduler
        dp.table_write([U("sched_subports", {"port": "p1", "slice": 1}, type="delete"),
                        U("sched_ports", {"port": "p1"}, type="delete")])
        expect_eq(dp.rpc("qos.sched"), [], "no scheduler left")
        dp.stop()


def vdn_port_setup():
    """p1's scheduler at 100 Mbit/s, slice 1 (p0's) a 50 Mbit/s subport of it."""
    return sched_setup(rate_bps=100000000) + setup(meter_id=0) + [
        U("sched_subports", {"port": "p1", "slice": 1}, "subport", {"subport": 1, "rate_bps": 50000000})]


def vdn_batch(src, src_mask, dst, dst_mask):
    """A VDN of slice 1 (pipe 1, meter 7) on UDP to port 2000 from src to
    dst (either family): its meter (RFC 4115, CBS 1000: 10 green frames of
    100 bytes, the rest red and dropped), its pipe on p1's scheduler, its
    vdns entry."""
    return [U("meters", {"id": 7}, "rfc4115", {"cir": SLOW, "cbs": 1000, "eir": 0, "ebs": 0}),
            U("sched_pipes", {"port": "p1", "slice": 1, "pipe": 1}, "pipe", {"rate_bps": 10000000}),
            dict(U("vdns", {"slice": 1, "src": {"value": src, "mask": src_mask},
                            "dst": {"value": dst, "mask": dst_mask},
                            "proto": {"value": 17, "mask": 255}, "sport": {"min": 0, "max": 65535},
                            "dport": {"min": 2000, "max": 2000}, "dscp": {"value": 0, "mask": 0}},
                   "vdn", {"pipe": 1, "meter": 7}), priority=10)]


@R.test
def test_vdn_one_batch():
    """A VDN in one dataplane-atomic batch: its class entry (slice 1, to
    10.0.0.2 UDP 2000), its meter (RFC 4115, CBS 1000: 10 green frames of
    100 bytes, the rest red and dropped) and its pipe on p1's scheduler.
    Its frames are metered and leave through pipe 1 (qos.sched counts
    them there); the slice's other frames are neither metered nor in the
    pipe. The meter cannot go while the VDN names it."""
    vdn = [frame(i) for i in range(20)]
    other = [Ether(src=MAC_A, dst=MAC_B) / IP(src="10.0.0.1", dst="10.0.0.3") / UDP(sport=5, dport=2000) /
             Raw(b"\x00" * 58) for _ in range(5)]
    with Sxdp({"p0": vdn + other, "p1": []}, pipeline="switch") as dp:
        dp.table_write(vdn_port_setup())
        res = dp.table_write(vdn_batch("0.0.0.0", "0.0.0.0", "10.0.0.2", "255.255.255.255"),
                             atomicity="dataplane-atomic")
        expect_eq(res["committed"], True, "the VDN's batch")
        st = dp.run_traffic(timeout=30)
        expect_drops(st, {"qos.meter_red": 10})
        m = meters(dp)[7]
        expect_eq((m["green"]["packets"], m["red"]["packets"]), (10, 10), "the VDN's meter")
        pipes = dp.rpc("qos.sched")[0]["pipes"]
        expect_eq([(p["slice"], p["pipe"], p["packets"]) for p in pipes], [(1, 1, 10)], "pipe 1 sent its 10")
        r = dp.table_write([U("meters", {"id": 7}, type="delete")], check=False)
        expect_eq(r["results"][0].get("error", {}).get("data", {}).get("reason"), "meter_in_use", "meter in use")
        dp.stop()
        expect_eq(len(dp.outputs()["p1"]), 15, "frames out: 10 green of the VDN, the 5 others")


@R.test
def test_vdn_ipv6_five_tuple():
    """A VDN on an IPv6 5-tuple (to 2001:db8::b/128, UDP, ports 2000..2000):
    its IPv6 frames are metered by its meter (10 green of 20, the rest red
    and dropped) and leave through its pipe; IPv6 to another port, and IPv4
    to the same port, are not the VDN's: unmetered, not in its pipe."""
    vdn = [frame(i, v6=True) for i in range(20)]
    other6 = [Ether(src=MAC_A, dst=MAC_B) / IPv6(src="2001:db8::a", dst="2001:db8::b") / UDP(sport=5, dport=2001) /
              Raw(b"\x00" * 38) for _ in range(3)]
    other4 = [frame(100 + i) for i in range(4)]
    with Sxdp({"p0": vdn + other6 + other4, "p1": []}, pipeline="switch") as dp:
        dp.table_write(vdn_port_setup())
        dp.table_write(vdn_batch("::", "::", "2001:db8::b", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
                       atomicity="dataplane-atomic")
        st = dp.run_traffic(timeout=30)
        expect_drops(st, {"qos.meter_red": 10})
        m = meters(dp)[7]
        expect_eq((m["green"]["packets"], m["red"]["packets"]), (10, 10), "the VDN's meter: its 20 IPv6 frames")
        pipes = dp.rpc("qos.sched")[0]["pipes"]
        expect_eq([(p["slice"], p["pipe"], p["packets"]) for p in pipes], [(1, 1, 10)], "pipe 1 sent its 10")
        dp.stop()
        out = [Ether(b) for b in dp.outputs()["p1"]]
        expect_eq(sorted((IPv6 in p, p[UDP].dport) for p in out),
                  sorted([(True, 2000)] * 10 + [(True, 2001)] * 3 + [(False, 2000)] * 4),
                  "out: 10 green of the VDN, the IPv6 and IPv4 others")


def slices_as_pipes(n, rate=100000, port="p1", first=1, step=0):
    """n slices from first on, each a pipe of port's subport 0 (its
    sched_subports entry's action pipe), at rate (+ step per slice)."""
    return [U("sched_subports", {"port": port, "slice": first + i}, "pipe", {"rate_bps": rate + step * i})
            for i in range(n)]


def write_all(dp, ups, chunk=200):
    for k in range(0, len(ups), chunk):
        res = dp.table_write(ups[k:k + chunk])
        expect_eq(res["committed"], True, "batch %d of %d" % (k // chunk + 1, (len(ups) + chunk - 1) // chunk))


def refusal(dp, ups):
    res = dp.table_write(ups, atomicity="rollback", check=False)
    return [r.get("error", {}).get("data", {}).get("reason") for r in res["results"]]


@R.test
def test_sched_slices_as_pipes_get_their_rates():
    """As sched_slices_get_their_rates, with both slices pipes of
    subport 0 (sched_subports action pipe) of a one-subport scheduler,
    beside best effort's pipe: each leaves at its own rate (within 5 %)."""
    a = [frame(i, size=1000) for i in range(300)]
    b = [Ether(src="02:00:00:00:00:1a", dst="02:00:00:00:00:1b") / IP(src="10.0.1.1", dst="10.0.1.2") /
         UDP(sport=1000 + i, dport=2000) / Raw(b"\x00" * 958) for i in range(300)]
    with Sxdp({"p0": a, "p2": b, "p1": []}, pipeline="switch") as dp:
        dp.table_write([U("sched_ports", {"port": "p1"}, "sched", {"rate_bps": 8000000, "subports": 1,
                                                                    "pipes": 64, "qsize": 256})] + [
            U("interfaces", {"in_port": "p0", "vlan": 0}, "attach", {"slice": 1, "bd": 10}),
            U("bd_ports", {"bd": 10, "port": "p1"}, "member", {"vlan": 10}),
            U("fdb", {"bd": 10, "mac": MAC_B}, "forward", {"port": "p1"}),
            U("interfaces", {"in_port": "p2", "vlan": 0}, "attach", {"slice": 2, "bd": 20}),
            U("bd_ports", {"bd": 20, "port": "p1"}, "member", {"vlan": 20}),
            U("fdb", {"bd": 20, "mac": "02:00:00:00:00:1b"}, "forward", {"port": "p1"}),
            U("sched_subports", {"port": "p1", "slice": 1}, "pipe", {"rate_bps": 2000000}),
            U("sched_subports", {"port": "p1", "slice": 2}, "pipe", {"rate_bps": 5000000})])
        w0 = dp.worker_waited()
        dp.run_traffic(timeout=30)
        waited = dp.worker_waited() - w0
        q = dp.rpc("qos.sched")[0]
        dp.stop()
        out = rdpcap(dp.out_path("p1"))
        by = {v: [p for p in out if p[Dot1Q].vlan == v] for v in (10, 20)}
        for v, want in ((10, 250000), (20, 625000)):
            expect_shaped(by[v], want, waited, "VLAN %d (%d sent)" % (v, len(by[v])))
        sent = {s["slice"]: sum(t["packets"] for t in s["tcs"]) for s in q["subports"] if s["slice"]}
        expect_eq(sent, {1: len(by[10]), 2: len(by[20])}, "qos.sched: each slice's pipe, what it sent")


@R.test
def test_sched_thousands_of_pipes():
    """One scheduler of 1 subport x 2048 pipes: 1,500 slices that are
    pipes and 547 VDN pipes of one of them (2,047: every pipe but best
    effort's) are all placed (qos.sched lists each); the 2,048th is refused
    (no_pipe) and changes nothing; with one gone, it fits. A VDN's number
    is one slice's (bad_subport)."""
    with Sxdp({"p0": [], "p1": []}, pipeline="switch") as dp:
        dp.table_write([U("sched_ports", {"port": "p1"}, "sched", {"rate_bps": 1000000000, "subports": 1,
                                                                    "pipes": 2048, "qsize": 64,
                                                                    "pipe_profiles": 4096})])
        write_all(dp, slices_as_pipes(1500, rate=200000, step=100) +
                  [U("sched_subports", {"port": "p1", "slice": 2000}, "pipe", {"rate_bps": 100000000})] +
                  [U("sched_pipes", {"port": "p1", "slice": 2000, "pipe": 1 + i}, "pipe",
                     {"rate_bps": 100000 + 100 * i}) for i in range(546)])
        q = dp.rpc("qos.sched")[0]
        expect_eq(len([s for s in q["subports"] if s["slice"] != 0]), 1501, "slices placed")
        expect_eq(sorted(p["pipe"] for p in q["pipes"]), list(range(1, 547)), "VDN pipes placed")
        before = {t: dp.table_read(t)[0] for t in ("sched_subports", "sched_pipes")}
        expect_eq(refusal(dp, [U("sched_subports", {"port": "p1", "slice": 3000}, "pipe",
                                 {"rate_bps": 100000})]), ["no_pipe"], "the 2,048th pipe")
        expect_eq(refusal(dp, [U("sched_pipes", {"port": "p1", "slice": 2000, "pipe": 600}, "pipe",
                                 {"rate_bps": 100000})]), ["no_pipe"], "a 2,048th as a VDN")
        expect_eq(refusal(dp, [U("sched_pipes", {"port": "p1", "slice": 5, "pipe": 1}, "pipe",
                                 {"rate_bps": 1000})]), ["bad_subport"], "VDN 1 is slice 2000's")
        expect_eq({t: dp.table_read(t)[0] for t in before}, before, "tables after the refused writes")
        dp.table_write([U("sched_subports", {"port": "p1", "slice": 1500}, type="delete")])
        dp.table_write([U("sched_subports", {"port": "p1", "slice": 3000}, "pipe", {"rate_bps": 100000})])
        q = dp.rpc("qos.sched")[0]
        expect_eq(len([s for s in q["subports"] if s["slice"] != 0]), 1501, "one gone, one more placed")
        expect("3000" in {str(s["slice"]) for s in q["subports"]}, "slice 3000 placed")
        dp.stop()


@R.test
def test_sched_pipe_profiles_run_out():
    """pipe_profiles 8: eight new distinct pipe rates fit, a ninth is
    refused (no_profile) while one already in use still fits; a slice
    that goes does not give its rate's profile back (rte_sched keeps it),
    so a new rate stays refused, and making the scheduler again starts
    over."""
    sched = U("sched_ports", {"port": "p1"}, "sched", {"rate_bps": 100000000, "subports": 1, "pipes": 64,
                                                        "qsize": 64, "pipe_profiles": 8})
    with Sxdp({"p0": [], "p1": []}, pipeline="switch") as dp:
        dp.table_write([sched])
        write_all(dp, slices_as_pipes(8, rate=1000000, step=1000))
        expect_eq(refusal(dp, slices_as_pipes(1, rate=5000000, first=9)), ["no_profile"], "a ninth rate")
        dp.table_write(slices_as_pipes(1, rate=1000000, first=9))   # slice 1's rate: its profile
        dp.table_write([U("sched_subports", {"port": "p1", "slice": 2}, type="delete")])
        expect_eq(refusal(dp, slices_as_pipes(1, rate=5000000, first=10)), ["no_profile"],
                  "a new rate once a slice went")
        dp.table_write([U("sched_subports", {"port": "p1", "slice": s}, type="delete")
                        for s in (1, 3, 4, 5, 6, 7, 8, 9)] + [U("sched_ports", {"port": "p1"}, type="delete")])
        dp.table_write([sched] + slices_as_pipes(1, rate=5000000, first=10))
        expect_eq([s["slice"] for s in dp.rpc("qos.sched")[0]["subports"]], [0, 10], "a new scheduler")
        dp.stop()


if __name__ == "__main__":
    R.main()
