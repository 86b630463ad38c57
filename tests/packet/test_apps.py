#!/usr/bin/python3
"""Classes by application (pipelines/overlay/datapath/ov_app.h): a slice's
flow into a tunnel is named by nDPI from copies of its first packets
punted to the slow path, the name cached in the worker; an app_classes
entry (slice, application) then puts the flow's packets in its class,
over the classes rules, and the class's policy picks the path. A flow
nDPI cannot name goes on by its rules; punting is bounded per flow.

    /usr/bin/python3 tests/packet/test_apps.py [NAME-SUBSTRING ...]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq  # noqa: E402

try:
    from scapy.all import DNS, DNSQR, IP, TCP, UDP, Ether, Raw  # noqa: E402
    from scapy.layers.tls.handshake import TLSClientHello  # noqa: E402
    from scapy.layers.tls.extensions import ServerName, TLS_Ext_ServerName  # noqa: E402
    from scapy.layers.tls.record import TLS  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_overlay import MAC_A, MAC_R, PEERS, PIPELINE, TUN, paths_setup  # noqa: E402

R = T.Runner()
os.environ.setdefault("SXDP_FAST_CHECK", "1")
U = Sxdp.update
PORTS2 = {"p0": {"role": "lan"}, "p1": {"role": "lan"}, "w0": {"role": "wan"}}


def dns(i, sport=33000):
    return bytes(Ether(src=MAC_A, dst=MAC_R) / IP(src="10.1.0.1", dst="10.2.0.53") /
                 UDP(sport=sport, dport=53) / DNS(id=i, rd=1, qd=DNSQR(qname="site%d.example.com" % i)))


def tls_hello(sni, sport=40000):
    hello = TLS(msg=[TLSClientHello(ciphers=[0x1301, 0xc02f], ext=[TLS_Ext_ServerName(
        servernames=[ServerName(servername=sni.encode())])])])
    return bytes(Ether(src=MAC_A, dst=MAC_R) / IP(src="10.1.0.1", dst="10.2.0.80") /
                 TCP(sport=sport, dport=443, flags="PA", seq=1000, ack=1) / Raw(bytes(hello)))


def plain(i, sport=45000):
    return bytes(Ether(src=MAC_A, dst=MAC_R) / IP(src="10.1.0.1", dst="10.2.0.9") /
                 UDP(sport=sport, dport=7777) / Raw(b"\x00\x01opaque%04d" % i))


def outer_dsts(frames):
    return [str(IP(f[14:]).dst) for f in frames if IP(f[14:]).proto == 17]


def setup(dp, apps):
    """paths 1 and 2 (static) to site 2; class 0 on path 1, class 3 on
    path 2; app_classes naming apps (names, as overlay.apps lists them)
    as class 3."""
    ids = dp.rpc("overlay.apps")["apps"]
    dp.table_write(paths_setup(["p0", "p1"], {1: ("static", {}), 2: ("static", {})}) + [
        U("policies", {"tunnel": TUN, "class": 0}, "failover", {"p0": 1, "p1": 0, "p2": 0, "p3": 0}),
        U("policies", {"tunnel": TUN, "class": 3}, "failover", {"p0": 2, "p1": 0, "p2": 0, "p3": 0}),
    ] + [U("app_classes", {"slice": 1, "app": ids[a]}, "class", {"class": 3}) for a in apps])
    return ids


@R.test
def test_dns_flow_named_then_steered_by_its_class():
    """A DNS flow's first query goes by its rules (class 0, path 1) while a
    copy of it is named on the slow path (DNS); its next queries, the same
    flow from another LAN port of the slice, go by DNS's class 3 (path 2).
    A flow nDPI cannot name (opaque UDP) stays on class 0; it punts its
    first 8 packets, no more."""
    first = [dns(1)]
    later = [dns(i) for i in range(2, 6)] + [plain(i) for i in range(12)]
    with Sxdp({"p0": first, "p1": later, "w0": []}, pipeline=PIPELINE, port_opts=PORTS2) as dp:
        setup(dp, ["DNS"])
        dp.phase(["p0"], events={"overlay.app_named": 1})
        st = dp.phase(["p1"])
        ev = st["events"]
        expect_drops(st, {})
        expect_eq(ev.get("overlay.app_punted"), 1 + 8, "copies punted: DNS's first, the opaque flow's 8")
        expect_eq(ev.get("overlay.app_giveup"), 1, "the opaque flow given up by the worker")
        dp.stop()
        dsts = outer_dsts(dp.outputs()["w0"])
        expect_eq(dsts[0], PEERS[1], "the first query by its rules: path 1")
        expect_eq(dsts[1:5], [PEERS[2]] * 4, "the named flow's next queries: DNS's class, path 2")
        expect_eq(dsts[5:], [PEERS[1]] * 12, "the unnamed flow by its rules: path 1")


@R.test
def test_many_flows_each_named_once():
    """60 DNS flows (within a slice's pace of 64 copies at once): each
    punted once, named, and its next packet steered by DNS's entry: the
    flow cache spreads them over its sets (a hash that put them all in one
    set of 8 ways asked again and again)."""
    n = 60
    first = [dns(i, sport=20000 + i) for i in range(n)]
    again = [dns(i, sport=20000 + i) for i in range(n)]
    with Sxdp({"p0": first, "p1": again, "w0": []}, pipeline=PIPELINE, port_opts=PORTS2) as dp:
        setup(dp, ["DNS"])
        dp.phase(["p0"], events={"overlay.app_named": n})
        st = dp.phase(["p1"])
        expect_drops(st, {})
        expect_eq(st["events"].get("overlay.app_punted"), n, "one copy a flow")
        expect_eq(st["tables"]["app_classes"]["hits"], n, "every flow's second packet classed by its name")
        dp.stop()
        expect_eq(outer_dsts(dp.outputs()["w0"]), [PEERS[1]] * n + [PEERS[2]] * n, "first by rules, then by DNS")


@R.test
def test_tls_sni_names_the_service_and_its_protocol_steers():
    """A TLS ClientHello whose SNI nDPI knows (YouTube's) is named by its
    service, with TLS its protocol: an entry for the service steers it; a
    ClientHello of an SNI nDPI does not know is named TLS alone, and an
    entry for TLS steers every such flow."""
    yt1, yt2 = tls_hello("www.youtube.com", 40001), tls_hello("www.youtube.com", 40001)
    ex1, ex2 = tls_hello("intranet.example.org", 40002), tls_hello("intranet.example.org", 40002)
    with Sxdp({"p0": [yt1, ex1], "p1": [yt2, ex2], "w0": []}, pipeline=PIPELINE, port_opts=PORTS2) as dp:
        ids = setup(dp, ["YouTube"])
        dp.phase(["p0"], events={"overlay.app_named": 2})
        # TLS itself too, for the flow of an unknown SNI
        dp.table_write([U("app_classes", {"slice": 1, "app": ids["TLS"]}, "class", {"class": 3})])
        st = dp.phase(["p1"])
        expect_drops(st, {})
        dp.stop()
        dsts = outer_dsts(dp.outputs()["w0"])
        expect_eq(dsts[:2], [PEERS[1]] * 2, "first packets by their rules")
        expect_eq(dsts[2:], [PEERS[2]] * 2, "YouTube by its entry, the unknown SNI by TLS's")


@R.test
def test_app_classes_refused_past_bounds_and_listed():
    """overlay.apps lists nDPI's names with their ids; an app_classes entry
    past the id bound or of a class past 255 is refused by name."""
    with Sxdp({"p0": [], "w0": []}, pipeline=PIPELINE, port_opts={"p0": {"role": "lan"}, "w0": {"role": "wan"}}) as dp:
        a = dp.rpc("overlay.apps")
        expect(a["apps"].get("DNS", 0) > 0 and a["apps"].get("TLS", 0) > 0 and a["apps"].get("QUIC", 0) > 0,
               "DNS, TLS and QUIC among the names")
        r = dp.rpc_raw("table.write", {"updates": [U("app_classes", {"slice": 1, "app": 40000}, "class",
                                                     {"class": 1})]})
        expect("error" in r, "app 40000 refused: %s" % r)
        r = dp.rpc_raw("table.write", {"updates": [U("app_classes", {"slice": 1, "app": 5}, "class",
                                                     {"class": 300})]})
        expect("error" in r, "class 300 refused: %s" % r)
        dp.stop()


if __name__ == "__main__":
    sys.exit(R.main())
