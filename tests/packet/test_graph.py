#!/usr/bin/python3
"""The packet graph: one sxdp runs several features at once, a packet
entering the feature its port's role names (config "pipeline" as
{role: feature}); pipeline.describe shows the graph; graph.stats counts
packets per node.

    /usr/bin/python3 tests/packet/test_graph.py [NAME-SUBSTRING ...]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq  # noqa: E402

try:
    from scapy.all import IP, UDP, Ether, Raw  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()
U = Sxdp.update

MAC_A, MAC_B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
BCAST = "ff:ff:ff:ff:ff:ff"
# lan ports p0, p1 enter the switch; wan ports w0, w1 enter forward
ROLES = {"p0": {"role": "lan"}, "p1": {"role": "lan"}, "p2": {"role": "lan"},
         "w0": {"role": "wan"}, "w1": {"role": "wan"}}
PIPELINE = {"lan": "switch", "wan": "forward"}


def frame(src, dst, payload, sip="10.0.0.1", dip="10.0.0.2"):
    return Ether(src=src, dst=dst) / IP(src=sip, dst=dip) / UDP(sport=1000, dport=2000) / Raw(payload)


def lan_setup():
    """bd 10 = p0, p1, p2 (slice 1), MAC_B static on p1."""
    ups = []
    for p in ("p0", "p1", "p2"):
        ups.append(U("interfaces", {"in_port": p, "vlan": 0}, "attach", {"slice": 1, "bd": 10}))
        ups.append(U("bd_ports", {"bd": 10, "port": p}, "member", {"vlan": 0}))
    ups.append(U("flood", {"bd": 10}, "flood", {"ports": 0b111}))
    ups.append(U("fdb", {"bd": 10, "mac": MAC_B}, "forward", {"port": "p1"}))
    return ups


@R.test
def test_two_features_in_one_dataplane():
    """LAN frames are switched (bridged to a static MAC, flooded in the
    bridge domain, never onto a WAN port); WAN frames are cross-connected by
    forward's port table, never switched. Drops keep their feature's names;
    a flood copy goes on through port_out like any packet."""
    to_b = [frame(MAC_A, MAC_B, b"lan to B %d" % i) for i in range(4)]
    bc = frame(MAC_A, BCAST, b"lan broadcast")
    wan = [frame("02:00:00:00:01:01", "02:00:00:00:01:02", b"wan %d" % i, sip="192.0.2.1", dip="192.0.2.2")
           for i in range(5)]
    with Sxdp({"p0": to_b + [bc], "p1": [], "p2": [], "w0": wan, "w1": wan[:2]}, pipeline=PIPELINE,
              port_opts=ROLES) as dp:
        hello = dp.rpc("sys.hello")
        expect_eq(hello["pipeline"], "lan=switch,wan=forward", "sys.hello pipeline")
        dp.table_write(lan_setup() + [U("port", {"in_port": "w0"}, "output", {"port": "w1"})])
        dp.release()
        st = dp.wait_consumed()
        # w1's two frames have no port entry: forward's own drop reason
        expect_drops(st, {"fwd.no_entry": 2})
        pc = {p["name"]: p for p in st["ports"]}
        expect_eq([pc[n]["tx_packets"] for n in ("p0", "p1", "p2", "w0", "w1")], [0, 5, 1, 0, 5],
                  "tx per port")
        expect_eq(sum(lc.get("copy_packets", 0) for lc in st["lcores"]), 1, "flood copies")
        g = {n["node"]: n for n in dp.rpc("graph.stats")["nodes"]}
        expect_eq((g["switch.ingress"]["packets"], g["forward.flow"]["packets"]), (5, 7),
                  "packets per feature entry node")
        expect_eq(g["rx"]["packets"], 12, "rx took every packet")
        expect_eq(g["port_out"]["packets"], 11, "port_out sent the switched, the copy and the forwarded")
        expect_eq(g["drop"]["packets"], 2, "drop node")
        dp.stop()
        # the broadcast's copy may overtake unicast of the same burst (other
        # destinations: no order promised between them)
        dp.expect_outputs({"p1": to_b + [bc], "p2": [bc], "w1": wan}, unordered=["p1"])


@R.test
def test_describe_shows_the_graph():
    with Sxdp({"p0": [], "p1": [], "w0": [], "w1": []}, pipeline=PIPELINE, port_opts=ROLES) as dp:
        d = dp.rpc("pipeline.describe")
        feats = {f["name"]: f for f in d["features"]}
        expect_eq(sorted(feats), ["dhcp", "edge", "flowexp", "forward", "fw", "ha", "qos", "switch"],
                  "features in use (qos: the switch's meters; flowexp: in every box, its egress tap; ha, "
                  "dhcp and edge: wherever the switch is; fw: wherever the edge is)")
        expect_eq((feats["flowexp"]["roles"], feats["flowexp"]["stages"]), ([], []), "flowexp: no role, no stage")
        expect_eq((feats["qos"]["roles"], feats["qos"]["stages"]), ([], []), "qos: no role, no stage")
        expect_eq(feats["switch"]["roles"], ["lan"], "switch's roles")
        expect_eq(feats["forward"]["roles"], ["wan"], "forward's roles")
        expect_eq(feats["switch"]["stages"], ["switch.ingress", "switch.l2", "switch.l3", "switch.l3v6"],
                  "switch stages")
        graph = {n["node"]: n["next"] for n in d["graph"]}
        # rx parses and hands each packet to the feature of its port's role:
        # one edge per feature in use, in their order (qos, ha, fw, dhcp and
        # flowexp are no port's entry, the edge's is its stage, which no
        # role names); then one back into each stage that hands packets off
        # between workers (the edge's)
        expect_eq(graph["rx"], ["port_out", "drop", "forward.flow", "drop", "switch.ingress", "edge.route", "drop",
                                "drop", "drop", "drop", "edge.route"], "rx edges")
        # then switch.l3's open edges, for what a routed port's fused path
        # routes there (sw_fast.c): absent here as they are on switch.l3
        expect_eq(graph["switch.ingress"],
                  ["port_out", "switch.punt", "drop", "switch.l2", "switch.l3", "switch.l3v6", "drop", "drop",
                   "edge.route", "drop", "drop"],
                  "ingress edges (l3, l3v6: a routed port's packets; l3's tunnel, route and route2; l2's tunnel "
                  "and session, for its fused paths)")
        # neither the overlay nor the upf is in use here: their edges lead to drop
        expect_eq(graph["switch.l2"], ["port_out", "switch.punt", "drop", "switch.l3", "switch.l3v6", "drop", "drop"],
                  "l2 edges: IPv4 and IPv6 routing, tunnels and attached endpoints (sessions) absent")
        expect_eq(graph["switch.l3"], ["port_out", "switch.punt", "drop", "drop", "drop", "edge.route"],
                  "l3 edges: tunnels and the UPF absent, the edge there (IPv4's)")
        expect_eq(graph["switch.l3v6"], ["port_out", "switch.punt", "drop", "drop", "drop", "drop"],
                  "l3v6 edges: tunnels, the UPF and an IPv6 edge absent")
        expect_eq(graph["forward.flow"], ["port_out", "forward.punt", "drop"], "forward's edges")
        tables = {t["name"] for t in d["tables"]}
        expect({"flow", "port", "interfaces", "fdb", "routes"} <= tables, "both features' tables: %s" % tables)
        dp.stop()


if __name__ == "__main__":
    R.main()
