#!/usr/bin/python3
"""fw (the slice firewall) on a real sxdp (net_pcap ports) through the slice's
edge: new connections allowed and denied by rule as written and by each
direction's default, their replies back (established) and ICMP errors about
them (related), the drops named by reason (fw.rule_deny, fw.default_deny)
and by rule (fw_rules' hits, as sxctl fw show reads them). Helpers in
topo_fw.py. Skipped while the sxdp under test has no edge."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect_drops, expect_eq  # noqa: E402
import topo_fw as F  # noqa: E402
from scapy.all import ICMP, IP  # noqa: E402

R = T.Runner()
RULES = [(10, 1, "allow", 6, "10.1.0.10/32", 8080),   # in: TCP to the host's 8080
         (20, 0, "deny", 17, None, 53)]               # out: UDP to port 53


def hits(dp):
    """Each rule's hits, and each default's (dir 0 out, 1 in)."""
    r = {e["params"]["rule"]: e["hits"] for e in dp.table_read("fw_rules")[0]}
    d = {e["match"]["dir"]: e["hits"] for e in dp.table_read("fw_policy")[0]}
    return r, d


@R.test
def test_rules_defaults_established_related():
    """Out: TCP to 80 and a ping go (default allow), UDP to 53 is dropped by
    rule 20. In: the SYN-ACK, the echo reply and an ICMP unreachable about
    the TCP connection come back on the edge's sessions without asking; a
    SYN to 8080 goes by rule 10; a SYN to 22 and a ping are dropped by the in
    default. Each decision is its entry's hit."""
    syn = F.tcp(40000, 80)
    inside = [F.from_inside(syn), F.from_inside(F.udp(5000, 53)), F.from_inside(F.echo(7))]
    synack = F.tcp(80, 40000, flags="SA", seq=5000, ack=1001)
    err = ICMP(type=3, code=1) / bytes(IP(src=F.IN_HOST, dst=F.OUT_HOST, ttl=63) / syn)[:28]
    outside = [F.from_outside(synack), F.from_outside(F.echo(7, reply=True)), F.from_outside(err),
               F.from_outside(F.tcp(41000, 8080)), F.from_outside(F.tcp(41001, 22)),
               F.from_outside(F.echo(9))]
    with Sxdp({"inside": inside, "outside": outside}, pipeline="switch") as dp:
        if not F.has_edge(dp):
            raise T.SkipTest("this sxdp has no edge (pipelines/edge not built): fw is its policy")
        dp.table_write(F.topology() + F.firewall(rules=RULES), atomicity="rollback")
        dp.phase(["inside"])       # the slice's hosts open first: their sessions exist
        st = dp.phase(["outside"])
        r, d = hits(dp)
        dp.stop()
        outs = dp.outputs()
        expect_eq(F.l4_of(outs["outside"]), [("tcp", 40000, 80), ("icmp", 8, 7)],
                  "out: TCP to 80 and the ping went, UDP to 53 did not")
        expect_eq(F.l4_of(outs["inside"]), [("tcp", 80, 40000), ("icmp", 0, 7), ("icmp", 3, 1),
                                             ("tcp", 41000, 8080)],
                  "in: the SYN-ACK, the echo reply and the ICMP error came back, the SYN to 8080 went "
                  "(not the one to 22, nor the ping)")
        expect_drops(st, {"fw.rule_deny": 1, "fw.default_deny": 2})
        expect_eq((r.get(10), r.get(20)), (1, 1), "rule 10 let one connection in, rule 20 dropped one packet")
        expect_eq((d.get(0), d.get(1)), (2, 2), "the out default let two in, the in default dropped two")


@R.test
def test_no_firewall_lets_everything():
    """Without fw entries the edge takes every connection: a SYN in to 22 goes."""
    with Sxdp({"inside": [], "outside": [F.from_outside(F.tcp(41001, 22))]}, pipeline="switch") as dp:
        if not F.has_edge(dp):
            raise T.SkipTest("this sxdp has no edge (pipelines/edge not built): fw is its policy")
        dp.table_write(F.topology(), atomicity="rollback")
        st = dp.phase(["outside"])
        dp.stop()
        expect_eq(F.l4_of(dp.outputs()["inside"]), [("tcp", 41001, 22)], "the SYN went in")
        expect_drops(st, {})


if __name__ == "__main__":
    sys.exit(R.main())
