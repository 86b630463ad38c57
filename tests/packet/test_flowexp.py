#!/usr/bin/python3
"""Packet tests of flowexp (flow records out over IPFIX): sxdp on pcaps
forwards known flows; its exporter sends IPFIX to a local UDP socket; the
records, decoded here (fx_ipfix.py), give every flow's packets and bytes
exactly at 1:1 and about 1/N of them at 1:N. Config errors are refused
with their reason and change nothing.

    /usr/bin/python3 tests/packet/test_flowexp.py [NAME-SUBSTRING ...]
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402
from fx_ipfix import Decoder, per_flow  # noqa: E402

try:
    from scapy.all import IP, TCP, UDP, Ether, Raw  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from fx_collect import (RECORDS_WITHIN_S, collect, collector, eth, export_on, flows, interleave,  # noqa: E402
                        ip_bytes, wire)
import topo_overlay as OV  # noqa: E402

R = T.Runner()

# every test here with the fast paths checked against the general path
# (dp_fastcheck.h): a difference in any burst aborts sxdp
os.environ.setdefault("SXDP_FAST_CHECK", "1")


@R.test
def test_records_exact_at_1_to_1():
    fl = flows()
    s, port = collector()
    with Sxdp({"p0": interleave(fl), "p1": []}) as dp:
        dp.table_write(wire("p0", "p1"))
        export_on(dp, port)
        dp.release()
        dp.wait_consumed()
        dec = Decoder()
        total = sum(len(p) for _, p in fl)
        collect(s, dec, time.monotonic() + RECORDS_WITHIN_S, want=total)
        got = per_flow(dec)
        for key, pkts in fl:
            g = got.get(key)
            expect(g is not None, "no record of flow %s (got %s)" % (key, sorted(got)))
            expect_eq(g[0], len(pkts), "packets of %s" % (key,))
            expect_eq(g[1], sum(ip_bytes(p) for p in pkts), "bytes of %s" % (key,))
            # in/out are port indexes from 1, the end an idle timeout
            expect_eq(g[2], {(1, 2, 0, 1)}, "ports, slice, end reason of %s" % (key,))
        expect_eq(len(got), len(fl), "flows recorded")
        # the templates and the options record came first, the sequence counts data records
        expect(dec.messages[0][3] == 1 and (7, 256) in dec.templates and (7, 258) in dec.templates,
               "the first message holds the templates and the sampling options: %s" % dec.messages[:2])
        opts = [r for t, r in dec.records if t == 258]
        expect_eq((opts[0]["samp_interval"], opts[0]["samp_space"]), (1, 0), "sampling options at 1:1")
        seq = 0
        for m in dec.messages:
            expect_eq(m[0], seq, "sequence number of a message")
            seq += m[3]
        for _, r in dec.records:
            if "start_ms" in r:
                expect(abs(r["start_ms"] / 1000 - time.time()) < 60 and r["end_ms"] >= r["start_ms"],
                       "flow times are now-ish Unix milliseconds: %s" % r)
        ev = T.events_of(dp.stats())
        expect_eq(ev.get("flowexp.records"), len(fl), "flowexp.records")
        expect(ev.get("flowexp.ring_full", 0) == 0 and ev.get("flowexp.send_error", 0) == 0,
               "no record lost, no send error: %s" % ev)


@R.test
def test_tunnels_inner_flow_and_id():
    from scapy.layers.vxlan import VXLAN
    from scapy.contrib.gtp import GTP_U_Header
    inner = IP(src="172.16.0.1", dst="172.16.0.2") / UDP(sport=1111, dport=2222) / Raw(b"i" * 40)
    vx = [eth() / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=49152, dport=4789) / VXLAN(vni=4097) /
          Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02") / inner for _ in range(3)]
    inner2 = IP(src="172.17.0.1", dst="172.17.0.2") / TCP(sport=3333, dport=443, flags="PA") / Raw(b"g" * 20)
    gt = [eth() / IP(src="192.0.2.3", dst="192.0.2.4") / UDP(sport=2152, dport=2152) /
          GTP_U_Header(teid=0x1234abcd) / inner2 for _ in range(2)]
    # cut short inside the tunnel, and a bogus tunnel header: the outer flow, never a crash
    cut = eth() / IP(src="192.0.2.5", dst="192.0.2.6") / UDP(sport=1, dport=4789) / Raw(b"\x08\x00\x00\x00\x00\x00")
    s, port = collector()
    with Sxdp({"p0": vx + gt + [cut], "p1": []}) as dp:
        dp.table_write(wire("p0", "p1"))
        export_on(dp, port)
        dp.release()
        dp.wait_consumed()
        dec = Decoder()
        collect(s, dec, time.monotonic() + RECORDS_WITHIN_S, want=6)
        recs = {(r["src"], r["dst"]): r for t, r in dec.records if t != 258}
        r = recs.get(("172.16.0.1", "172.16.0.2"))
        expect(r is not None, "VXLAN's inner flow recorded: %s" % sorted(recs))
        expect_eq((r["packets"], r["bytes"], r["l2seg"], r["teid"]), (3, 3 * len(inner), (1 << 56) | 4097, 0),
                  "VXLAN flow: packets, inner bytes, layer2SegmentId, TEID")
        r = recs.get(("172.17.0.1", "172.17.0.2"))
        expect(r is not None, "GTP-U's inner flow recorded: %s" % sorted(recs))
        expect_eq((r["packets"], r["bytes"], r["teid"], r["l2seg"]), (2, 2 * len(inner2), 0x1234abcd, 0),
                  "GTP-U flow: packets, inner bytes, TEID")
        r = recs.get(("192.0.2.5", "192.0.2.6"))
        expect(r is not None and r["dport"] == 4789 and r["l2seg"] == 0, "a cut tunnel is the outer flow: %s" % r)


@R.test
def test_decapsulated_flow_has_its_vni():
    """The overlay takes a VXLAN frame out of its tunnel and bridges the inner
    frame out of a LAN port plain: its record carries the VNI it came with
    (the overlay's decap hook), as a frame it sends into the tunnel does."""
    from_r = [OV.outer(OV.inner(OV.MAC_R2, OV.MAC_A, b"from site 2 %d" % i)) for i in range(3)]
    to_r = [Ether(src=OV.MAC_A, dst=OV.MAC_R) / IP(src="10.1.0.5", dst="10.1.0.6") / UDP(sport=3000, dport=4000) /
            Raw(b"to site 2 %d" % i) for i in range(2)]
    s, port = collector()
    with Sxdp({"p0": to_r, "p1": [], "w0": from_r}, pipeline=OV.PIPELINE, port_opts=OV.PORTS) as dp:
        dp.table_write(OV.setup())
        export_on(dp, port)
        dp.release()
        dp.wait_consumed()
        dec = Decoder()
        collect(s, dec, time.monotonic() + RECORDS_WITHIN_S, want=5)
        recs = {(r["src"], r["dst"]): r for t, r in dec.records if t != 258}
        vxlan = 1 << 56     # layer2SegmentId's segment type VXLAN (RFC 7133)
        r = recs.get(("10.1.0.1", "10.1.0.2"))
        expect(r is not None, "the decapsulated flow recorded: %s" % sorted(recs))
        expect_eq((r["packets"], r["l2seg"], r["slice"], r["in"], r["out"], r["teid"]),
                  (3, vxlan | OV.VNI, 1, 3, 1, 0), "decapsulated flow: packets, VNI, slice, in w0, out p0")
        r = recs.get(("10.1.0.5", "10.1.0.6"))
        expect(r is not None, "the encapsulated flow recorded: %s" % sorted(recs))
        expect_eq((r["packets"], r["l2seg"], r["in"], r["out"]), (2, vxlan | OV.VNI, 1, 3),
                  "encapsulated flow: packets, VNI, in p0, out w0")


@R.test
def test_sampling_1_to_n():
    n = 10
    pkts = [eth() / IP(src="10.1.0.%d" % (i % 20 + 1), dst="10.2.0.1") / UDP(sport=1000 + i % 20, dport=53) /
            Raw(b"s" * 30) for i in range(2000)]
    s, port = collector()
    with Sxdp({"p0": pkts, "p1": []}) as dp:
        dp.table_write(wire("p0", "p1"))
        export_on(dp, port, sampling=n)
        dp.release()
        dp.wait_consumed()
        dec = Decoder()
        collect(s, dec, time.monotonic() + 4)
        got = sum(r["packets"] for t, r in dec.records if t != 258)
        expect(abs(got - len(pkts) / n) <= len(pkts) / n * 0.1,
               "1 in %d of %d packets sampled: %d recorded" % (n, len(pkts), got))
        opts = [r for t, r in dec.records if t == 258]
        expect_eq((opts[0]["samp_interval"], opts[0]["samp_space"]), (1, n - 1), "sampling options at 1:%d" % n)


@R.test
def test_off_sends_nothing_and_bad_config_is_refused():
    fl = flows()
    s, port = collector()
    with Sxdp({"p0": interleave(fl), "p1": []}) as dp:
        dp.table_write(wire("p0", "p1"))
        bad = [
            Sxdp.update("flowexp_config", {"id": 0}, "export",
                        {"sampling": 0, "active_s": 60, "idle_s": 1, "template_s": 60, "domain": 1}),
            Sxdp.update("flowexp_collectors", {"id": 1}, "ipv4", {"ip": "0.0.0.0", "port": port}),
            Sxdp.update("flowexp_collectors", {"id": 2}, "ipv4", {"ip": "127.0.0.1", "port": 0}),
            Sxdp.update("flowexp_collectors", {"id": 9}, "ipv4", {"ip": "127.0.0.1", "port": port}),
        ]
        for u in bad:
            try:
                r = dp.table_write([u], check=False)
            except T.RpcError as e:   # a value out of the schema's range: the request is refused whole
                expect("out_of_range" in str(e), "refused for its range: %s" % e)
                continue
            expect(not r.get("committed") or not r["results"][0].get("ok"), "refused: %s -> %s" % (u, r))
            expect(r["results"][0]["error"]["data"].get("reason") in ("bad_flowexp", "bad_collector"),
                   "refused with flowexp's reason: %s" % r)
        expect_eq(dp.table_read("flowexp_config")[1], 0, "config entries after refusals")
        expect_eq(dp.table_read("flowexp_collectors")[1], 0, "collector entries after refusals")
        # a collector and no config: off
        dp.table_write([Sxdp.update("flowexp_collectors", {"id": 0}, "ipv4", {"ip": "127.0.0.1", "port": port})])
        dp.release()
        dp.wait_consumed()
        dec = Decoder()
        collect(s, dec, time.monotonic() + 2)
        expect_eq(len(dec.messages), 0, "messages with export off")
        expect_eq(T.events_of(dp.stats()).get("flowexp.flows", 0), 0, "flows observed with export off")


def expect_forced(dec, fl, what):
    """Every flow of fl in dec's records, whole, ended by force (4)."""
    got = per_flow(dec)
    for key, pkts in fl:
        g = got.get(key)
        expect(g is not None, "%s: no record of flow %s (got %s)" % (what, key, sorted(got)))
        expect_eq((g[0], g[1]), (len(pkts), sum(ip_bytes(p) for p in pkts)), "%s: packets, bytes of %s"
                  % (what, key))
        expect_eq({x[3] for x in g[2]}, {4}, "%s: flowEndReason of %s (forced end)" % (what, key))


@R.test
def test_turned_off_flushes_then_stops():
    fl = flows()
    s, port = collector()
    with Sxdp({"p0": interleave(fl), "p1": []}) as dp:
        dp.table_write(wire("p0", "p1"))
        export_on(dp, port, idle_s=600)       # nothing would time out
        dp.release()
        dp.wait_consumed()
        dec = Decoder()
        collect(s, dec, time.monotonic() + 0.5)
        expect_eq(per_flow(dec), {}, "records before export is turned off (idle 600 s)")
        dp.table_write([Sxdp.update("flowexp_config", {"id": 0}, type="delete")])
        collect(s, dec, time.monotonic() + RECORDS_WITHIN_S, want=sum(len(p) for _, p in fl))
        # what the caches held went to the collector, forced end, before the tap came off
        expect_forced(dec, fl, "export off")
        st = T.events_of(dp.stats())
        expect(st.get("flowexp.ring_full", 0) == 0, "nothing lost to full rings: %s" % st)
        n = len(dec.messages)
        collect(s, dec, time.monotonic() + 1)
        expect_eq(len(dec.messages), n, "messages after the flush with export off")


@R.test
def test_reconfigured_flushes_to_the_new_collector():
    fl = flows()
    s, port = collector()
    s2, port2 = collector()
    with Sxdp({"p0": interleave(fl), "p1": []}) as dp:
        dp.table_write(wire("p0", "p1"))
        export_on(dp, port, idle_s=600)
        dp.release()
        dp.wait_consumed()
        dec = Decoder()
        collect(s, dec, time.monotonic() + 0.5)
        # another collector and another domain: the cached flows go there, its templates first
        export_on(dp, port2, idle_s=600, domain=9, how="modify")
        dec2 = Decoder()
        collect(s2, dec2, time.monotonic() + RECORDS_WITHIN_S, want=sum(len(p) for _, p in fl))
        expect_forced(dec2, fl, "reconfigured")
        expect(dec2.messages[0][3] == 1 and (9, 256) in dec2.templates,
               "the new collector's first message holds the templates: %s" % dec2.messages[:2])
        expect_eq(per_flow(dec), {}, "records at the old collector")


if __name__ == "__main__":
    R.main()
