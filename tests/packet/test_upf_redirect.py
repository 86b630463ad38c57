#!/usr/bin/python3
"""PFCP's Redirect Information (TS 29.244 5.4.7, 8.2.20) done by the UPF itself: an
uplink termination of action redirect answers its UE in place, down the session's own
downlink tunnel, and sends nothing anywhere else. A redirects entry "http" is a web
server whose every request gets "302 Found" to its URL (SYN-ACK, the 302 with our FIN,
the UE's FIN acked: stateless, the SYN-ACK's sequence number a keyed hash of the
4-tuple); "dns" answers the UE's DNS queries with the redirect server's address (A:
v4, AAAA: v6, else none). Part (a): sxdp alone, its tables written here; part (b):
through sxcd, an SMF's PFCP.

    /usr/bin/python3 tests/packet/test_upf_redirect.py [NAME-SUBSTRING ...]
"""

import os
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq, events_of, tshark_fields  # noqa: E402

try:
    from scapy.all import IP, IPv6, TCP, UDP, ICMP, Ether, Raw, DNS, DNSQR, DNSRROPT  # noqa: E402
    from scapy.contrib.gtp import GTP_U_Header  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

from topo_upf import (GNB, GNB_MAC, N3_IP, N3_MAC, PIPELINE, PORTS, SLICE, TEID_GNB, TEID_UL, TEID_UL2,  # noqa: E402
                      UE, UE6_NET, UNDERLAY, gtpu, session, setup, setup_ue6, want_gtpu)

R = T.Runner()
U = Sxdp.update
os.environ.setdefault("SXDP_FAST_CHECK", "1")

URL = "http://portal.example.net/topup?from=upf"
WEB, WEB6 = "203.0.113.80", "2001:db8:cafe::80"
DNS_SRV, DNS_SRV6 = "203.0.113.53", "2001:db8:cafe::53"
REDIR4, REDIR6 = "198.18.0.80", "2001:db8:80::80"
UE6 = UE6_NET + "5:1"
RID_HTTP, RID_DNS, RID_NONE = 7, 8, 99
APP_DNS = 50
TEID_NONE = 0x103
MSS = 1340
# a second N3 port, read in a later phase: a FIFO fed once what the first phase answered
# is known (the SYN-ACK's sequence number, which only sxdp knows)
PORTS2 = dict(PORTS, n3b={"role": "n3"})


def http_302(url=URL):
    return ("HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n" % url).encode()


def http_entries(rid=RID_HTTP, url=URL):
    return [U("redirects", {"id": rid}, "http", {"url": url}),
            U("sessions_uplink", {"iface": 1, "teid": TEID_UL2}, "redirect", session(redirect=rid, urr=5))]


def dns_entries():
    """Session 1's DNS (UDP to port 53, either family: app APP_DNS) answered."""
    app = {"slice": SLICE, "port": {"min": 53, "max": 53}, "proto": {"value": 17, "mask": 255}}
    return [U("redirects", {"id": RID_DNS}, "dns", {"v4": REDIR4, "v6": REDIR6}),
            dict(U("applications", dict(app, remote={"value": "0.0.0.0", "mask": "0.0.0.0"}), "app",
                   {"app": APP_DNS}), priority=20),
            dict(U("applications6", dict(app, remote={"value": "::", "mask": "::"}), "app", {"app": APP_DNS}),
                 priority=20),
            U("terminations_uplink", {"session": 1, "app": APP_DNS}, "redirect", {"redirect": RID_DNS, "urr": 9})]


def down(inner):
    """An answer as sxdp sends it to the gNB: session 1's downlink tunnel, QFI 9."""
    return want_gtpu(inner, TEID_GNB, N3_IP, GNB, N3_MAC, GNB_MAC, 9, 0, tos=0)


def inner_of(frame):
    """The T-PDU of a G-PDU sxdp sent (its IP packet)."""
    g = Ether(frame)[GTP_U_Header]
    raw = bytes(g.payload)
    # past the PDU Session Container (4 bytes: length 1, its 2 octets, next 0)
    raw = raw[4:] if g.next_ex == 0x85 else raw
    return IPv6(raw) if raw[0] >> 4 == 6 else IP(raw)


def tcp4(flags, seq, ack=0, payload=b"", sport=40001, src=UE, dst=WEB, **kw):
    p = IP(src=src, dst=dst) / TCP(sport=sport, dport=80, flags=flags, seq=seq, ack=ack, **kw)
    return p / Raw(payload) if payload else p


def tcp6(flags, seq, ack=0, payload=b"", sport=40002, **kw):
    p = IPv6(src=UE6, dst=WEB6) / TCP(sport=sport, dport=80, flags=flags, seq=seq, ack=ack, **kw)
    return p / Raw(payload) if payload else p


def answer_tcp(req, flags, seq, ack, payload=b"", mss=False):
    """What the UPF answers to req (an IPv4 or IPv6 TCP segment of the UE's): back to its
    sender, TTL 64 (IPv4: DF, its id, TOS 0; IPv6: no flow label), window 65535 (0 with RST)."""
    opts = [("MSS", MSS)] if mss else []
    t = TCP(sport=req[TCP].dport, dport=req[TCP].sport, flags=flags, seq=seq, ack=ack,
            window=0 if "R" in flags else 65535, options=opts)
    if IPv6 in req:
        ip = IPv6(src=req[IPv6].dst, dst=req[IPv6].src, hlim=64, fl=0, tc=0)
    else:
        ip = IP(src=req[IP].dst, dst=req[IP].src, ttl=64, id=req[IP].id, flags="DF", tos=0)
    p = ip / t
    return p / Raw(payload) if payload else p


def feed_later(dp, name):
    """Port name's input made a FIFO sxdp opens at start (its pcap header written now):
    feed(pkts) writes the records and closes it, so that the port, once released,
    reads them and then its end."""
    path = dp.in_path(name)
    os.unlink(path)
    os.mkfifo(path)
    fd = os.open(path, os.O_RDWR)   # no wait for a reader; sxdp's open finds a writer
    os.write(fd, struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))

    def feed(pkts):
        for i, p in enumerate(pkts):
            b = bytes(p)
            os.write(fd, struct.pack("<IIII", 1700000000, i, len(b), len(b)) + b)
        os.close(fd)
        dp.n_in[name] = len(pkts)
    return feed


class LateSxdp(Sxdp):
    """An Sxdp whose port "n3b" is fed later (feed_later)."""

    def write_config(self):
        super().write_config()
        self.feed = feed_later(self, "n3b")


def out_now(dp, name):
    """What port name sent so far (the pcap PMD flushes its file a burst)."""
    return T.read_pcap(dp.out_path(name))


@R.test
def test_http_302_v4_v6():
    """A UE (IPv4, then IPv6) behind the gNB opens a connection to any web server: the UPF
    answers its SYN with a SYN-ACK (MSS 1340), its request with one segment "302 Found",
    Location the entry's URL, Content-Length 0, Connection close (PSH, ACK, FIN; seq its ack,
    ack its seq + length), the UE's bare ACK of it is taken, its FIN acked; a segment of no
    connection of ours (another ack) and data after the 302 get a RST; a RST is taken.
    Every answer in the session's downlink tunnel, counted in its downlink URR; what was
    redirected in the termination's URR; nothing goes to N6 or N9."""
    syns = [tcp4("S", 1000, options=[("MSS", 1400)]), tcp6("S", 5000, options=[("MSS", 1400)])]
    with LateSxdp({"n3": [gtpu(p, TEID_UL2, qfi=9) for p in syns], "n6": [], "n9": [], "n3b": []},
                  pipeline=PIPELINE, port_opts=PORTS2) as dp:
        dp.table_write(setup() + setup_ue6() + http_entries() + [
            U("interfaces", {"in_port": "n3b", "vlan": 0}, "attach", {"slice": UNDERLAY, "bd": 100})])
        dp.phase(["n3"], mempool=False)
        got = [inner_of(f) for f in out_now(dp, "n3")]
        expect_eq(len(got), 2, "a SYN-ACK a SYN")
        isn = {}
        for req, a in zip(syns, sorted(got, key=lambda p: IPv6 in p)):
            isn[IPv6 in req] = a[TCP].seq
            expect_eq(bytes(a), bytes(answer_tcp(req, "SA", a[TCP].seq, req[TCP].seq + 1, mss=True)),
                      "the SYN-ACK of %s" % ("IPv6" if IPv6 in req else "IPv4"))
        # the UE's side of the rest, both families
        get = b"GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n"
        body = http_302()
        phase2, want = [], []
        for v6 in (False, True):
            mk, s0, i = (tcp6, 5001, isn[True]) if v6 else (tcp4, 1001, isn[False])
            req = mk("PA", s0, i + 1, get)
            after = s0 + len(get)
            fin_ack = i + 1 + len(body) + 1
            stray = mk("A", s0, i + 77777, b"more")
            late = mk("PA", after, fin_ack, b"more")
            segs = [req, mk("A", after, fin_ack), mk("FA", after, fin_ack), stray, late, mk("R", after, 0)]
            phase2 += segs
            want += [answer_tcp(req, "FPA", i + 1, after, body),
                     answer_tcp(segs[2], "A", fin_ack, after + 1),
                     answer_tcp(stray, "R", i + 77777, 0),
                     answer_tcp(late, "R", fin_ack, 0)]
        dp.feed([gtpu(p, TEID_UL2, qfi=9) for p in phase2])
        st = dp.phase(["n3b"])
        expect_drops(st, {"upf.redirect_taken": 4})
        ev = events_of(st)
        expect_eq((ev.get("upf.redirect_http"), ev.get("upf.redirect_302"), ev.get("upf.to_n3"),
                   ev.get("upf.breakout"), ev.get("upf.to_n9")), (2 + 8, 2, 2 + 8, None, None),
                  "SYN-ACKs, 302s, ACKs, RSTs: all down N3, nothing to N6 or N9")
        use = {u["urr"]: (u["packets"], u["bytes"]) for u in dp.rpc("upf.usage", {"urrs": [5]})["urrs"]}
        redirected = syns + [p for p in phase2 if TCP in p and not (p[TCP].flags == "A" and not p[TCP].payload)
                             and p[TCP].flags != "R"]
        expect_eq(use[5], (len(redirected), sum(len(p) for p in redirected)),
                  "the termination's URR: what was answered, as the UE sent it")
        dp.stop()
        outs = dp.outputs()["n3"]
        got = [bytes(inner_of(f)) for f in outs[2:]]
        expect_eq(sorted(got), sorted(bytes(w) for w in want), "the answers of the second phase")
        expect_eq(sorted(outs[2:]), sorted(bytes(down(w)) for w in want), "in the session's tunnel")
        rows = tshark_fields(dp.out_path("n3"), ["tcp.flags.str", "http.response.code", "http.location",
                                                 "tcp.checksum.status"], prefs=("tcp.check_checksum:TRUE",))
        expect_eq(sorted(r[1:] for r in rows if r[1]), [["302", URL, "1"]] * 2,
                  "tshark: two 302s to the URL, their checksums good")
        expect(all(r[3] == "1" for r in rows), "tshark: every TCP checksum good: %s" % rows)


def dns_query(qname="example.com", qtype="A", v6=False, sport=33333, qclass="IN", qd=None, **kw):
    ip = IPv6(src=UE6, dst=DNS_SRV6) if v6 else IP(src=UE, dst=DNS_SRV)
    qd = qd if qd is not None else DNSQR(qname=qname, qtype=qtype, qclass=qclass)
    return ip / UDP(sport=sport, dport=53) / DNS(id=0x4242, rd=1, qd=qd, **kw)


def dns_answer(req, rdata=None):
    """The UPF's response to req: its id, QR, RD copied, RA; the question as it came; an
    answer of the question's type pointing at its name (TTL 30) when rdata; no
    additional section."""
    q = bytes(req[DNS])
    qlen = 12
    while q[qlen]:
        qlen += q[qlen] + 1
    qlen += 5
    qtype = struct.unpack("!H", q[qlen - 4:qlen - 2])[0]
    hdr = q[:2] + struct.pack("!HHHHH", 0x8180, 1, 1 if rdata else 0, 0, 0)
    rr = b""
    if rdata:
        rr = struct.pack("!HHHIH", 0xc00c, qtype, 1, 30, len(rdata)) + rdata
    payload = hdr + q[12:qlen] + rr
    if IPv6 in req:
        ip = IPv6(src=req[IPv6].dst, dst=req[IPv6].src, hlim=64, fl=0, tc=0)
    else:
        ip = IP(src=req[IP].dst, dst=req[IP].src, ttl=64, id=req[IP].id, flags="DF", tos=0)
    return ip / UDP(sport=53, dport=req[UDP].sport) / Raw(payload)


def a4(s):
    return bytes(IP(dst=s))[16:20]


def a6(s):
    return bytes(IPv6(dst=s))[24:40]


@R.test
def test_dns_answered():
    """Session 1's DNS (an app of UDP port 53, both families, its termination redirect to a
    dns entry): A gets the redirect server's IPv4 address, AAAA its IPv6 one, MX and a
    class other than IN NOERROR with no answer, a query with an EDNS OPT record the same
    (the additional section not echoed); from an IPv6 UE too. The rest of the session's
    uplink goes where it went (N9)."""
    queries = [dns_query(), dns_query(qtype="AAAA"), dns_query(qtype="MX"), dns_query(qclass="CH"),
               dns_query(ar=DNSRROPT(rclass=4096)), dns_query(qtype="AAAA", v6=True),
               dns_query(qtype="A", v6=True, sport=33334)]
    other = IP(src=UE, dst=WEB) / UDP(sport=1234, dport=5353) / Raw(b"x")
    ins = [gtpu(p, TEID_UL, qfi=9) for p in queries + [other]]
    with Sxdp({"n3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + setup_ue6() + dns_entries())
        st = dp.run_traffic()
        expect_drops(st, {})
        ev = events_of(st)
        expect_eq((ev.get("upf.redirect_dns"), ev.get("upf.to_n9")), (len(queries), 1),
                  "every query answered; the rest on to the anchor")
        use = dp.rpc("upf.usage", {"urrs": [9]})["urrs"][0]
        expect_eq((use["packets"], use["bytes"]), (len(queries), sum(len(q) for q in queries)),
                  "the DNS termination's URR")
        dp.stop()
        want = [dns_answer(queries[0], a4(REDIR4)), dns_answer(queries[1], a6(REDIR6)),
                dns_answer(queries[2]), dns_answer(queries[3]), dns_answer(queries[4], a4(REDIR4)),
                dns_answer(queries[5], a6(REDIR6)), dns_answer(queries[6], a4(REDIR4))]
        outs = dp.outputs()
        expect_eq(sorted(outs["n3"]), sorted(bytes(down(w)) for w in want), "the answers, down N3")
        rows = tshark_fields(dp.out_path("n3"), ["dns.flags.response", "dns.count.answers", "dns.a", "dns.aaaa",
                                                 "udp.checksum.status"], prefs=("udp.check_checksum:TRUE",))
        # (the outer UDP's checksum is absent: status 3; the inner's last)
        rows = [r[:4] + [r[4].split(",")[-1]] for r in rows]
        expect_eq(sorted(tuple(r) for r in rows),
                  sorted([("1", "0", "", "", "1")] * 2 + [("1", "1", REDIR4, "", "1")] * 3 +
                         [("1", "1", "", REDIR6, "1")] * 2), "tshark: responses, their answers and checksums")


@R.test
def test_redirect_drops():
    """What a redirect does not answer is dropped, named, never sent on: UDP and ICMP of an
    http redirect (redirect_other), a TCP segment with a bad checksum or data offset
    (redirect_tcp_bad; the parser drops the latter first); DNS queries that are no queries (a response, two questions, a
    compressed name, a name past the datagram, a bad UDP checksum: redirect_dns_bad), TCP
    to port 53 of the DNS app (redirect_other); a redirect naming no redirects entry
    (redirect_none). Nothing goes anywhere."""
    bad_ck = IP(bytes(tcp4("S", 1)))
    bad_ck[TCP].chksum ^= 0x5555
    bad_off = IP(bytes(tcp4("S", 1)))
    bad_off[TCP].dataofs = 15
    bad_off[TCP].chksum = None
    bad_off = IP(bytes(bad_off))
    http_other = [IP(src=UE, dst=WEB) / UDP(sport=1, dport=80) / Raw(b"x"), IP(src=UE, dst=WEB) / ICMP()]
    resp = dns_query()
    resp[DNS].qr = 1
    two = dns_query(qd=DNSQR(qname="a.example") / DNSQR(qname="b.example"))
    comp = IP(src=UE, dst=DNS_SRV) / UDP(sport=33333, dport=53) / \
        Raw(struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01")
    past = IP(src=UE, dst=DNS_SRV) / UDP(sport=33333, dport=53) / \
        Raw(struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + b"\x07example\x03co")
    udp_ck = IP(bytes(dns_query()))
    udp_ck[UDP].chksum ^= 0x0f0f
    dns_bad = [resp, two, comp, past, udp_ck]
    tcp53 = IP(src=UE, dst=DNS_SRV) / TCP(sport=999, dport=53, flags="S")
    ins = [gtpu(p, TEID_UL2, qfi=9) for p in http_other + [bad_ck, bad_off]] + \
        [gtpu(p, TEID_UL, qfi=9) for p in dns_bad] + [gtpu(tcp53, TEID_UL, qfi=9)] + \
        [gtpu(tcp4("S", 1), TEID_NONE, qfi=9)]
    app53 = {"slice": SLICE, "port": {"min": 53, "max": 53}, "proto": {"value": 6, "mask": 255},
             "remote": {"value": "0.0.0.0", "mask": "0.0.0.0"}}
    with Sxdp({"n3": ins, "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        dp.table_write(setup() + setup_ue6() + http_entries() + dns_entries() + [
            dict(U("applications", app53, "app", {"app": APP_DNS}), priority=21),
            U("sessions_uplink", {"iface": 1, "teid": TEID_NONE}, "redirect", session(redirect=RID_NONE))])
        st = dp.run_traffic()
        # (a data offset past the segment never gets here: the parser's parse.tcp_doff)
        expect_drops(st, {"upf.redirect_other": len(http_other) + 1, "upf.redirect_tcp_bad": 1, "parse.tcp_doff": 1,
                          "upf.redirect_dns_bad": len(dns_bad), "upf.redirect_none": 1})
        ev = events_of(st)
        expect_eq((ev.get("upf.to_n3"), ev.get("upf.to_n9"), ev.get("upf.breakout")), (None, None, None),
                  "nothing sent")
        dp.stop()
        dp.expect_outputs({})


@R.test
def test_redirect_entries_checked():
    """redirects' url is a str of at most 100 printable ASCII characters: a CR or LF (a
    header injected into the 302), a control character, a byte past ASCII or a longer URL
    is refused, and nothing is written; it reads back as written. dns's addresses are
    optional. A redirect termination names an entry (redirect 1..) and no tunnel."""
    with Sxdp({"n3": [], "n6": [], "n9": []}, pipeline=PIPELINE, port_opts=PORTS) as dp:
        for bad in (URL + "\r\nSet-Cookie: x=1", URL + "\n", "http://a/\x01", "http://a/\u00e9",
                    "http://a/" + "x" * 92):
            r = refused(dp, [U("redirects", {"id": 3}, "http", {"url": bad})])
            expect(r, "url %r refused" % bad)
        dp.table_write([U("redirects", {"id": 3}, "http", {"url": "http://a/" + "x" * 91}),
                        U("redirects", {"id": 4}, "dns", {"v4": REDIR4}),
                        U("redirects", {"id": 5}, "dns", {"v6": REDIR6})])
        rows = {r["match"]["id"]: (r["action"], r["params"]) for r in dp.table_read("redirects")[0]}
        expect_eq(rows, {3: ("http", {"url": "http://a/" + "x" * 91}), 4: ("dns", {"v4": REDIR4}),
                         5: ("dns", {"v6": REDIR6})}, "read back as written")
        for params in ({"redirect": 0}, {"redirect": 3, "peer": 1}, {"redirect": 3, "qfi": 9}):
            r = refused(dp, [U("terminations_uplink", {"session": 1, "app": 3}, "redirect", params)])
            expect(r, "redirect %s refused" % params)
        desc = {t["name"]: t for t in dp.rpc("pipeline.describe")["tables"]}
        http = [a for a in desc["redirects"]["actions"] if a["name"] == "http"][0]
        expect_eq(http["params"], [{"name": "url", "type": "str", "bits": 800, "max": 100}], "described")


# ------------------------------------------------------------ (b) through sxcd, by PFCP

def _pfcp():
    """The PFCP harness (sxcd, a test SMF), imported when a test of part (b) runs."""
    import pfcp_smf as S
    from pfcp_upf import tables, upf_pfcp
    from scapy.contrib.pfcp import (IE_RedirectInformation, IE_CreateFAR, IE_FAR_Id, IE_ApplyAction,  # noqa: F401
                                    IE_ForwardingParameters, IE_DestinationInterface, IE_UpdatePDR, IE_PDR_Id,
                                    IE_RemoveFAR, PFCPSessionModificationRequest)
    return S, tables, upf_pfcp


def redirect_ie(rtype, addr, other=None):
    """Redirect Information (8.2.20) as octets: type, the address, the other one (type 4)."""
    from scapy.contrib.pfcp import IE_RedirectInformation
    a = addr.encode() if isinstance(addr, str) else addr
    extra = b""
    if other is not None:
        extra = struct.pack("!H", len(other)) + other.encode()
    return IE_RedirectInformation(type=rtype, address=a, extra_data=extra)


def far1_redirected(l, rinfo):
    """An establishment's IEs (pfcp_smf's) with FAR 1 (the uplink PDR's) carrying rinfo."""
    for x in l:
        if x.ietype == 3 and any(y.ietype == 108 and y.id == 1 for y in x.IE_list):
            for y in x.IE_list:
                if y.ietype == 4:
                    y.IE_list.append(rinfo)
    return l


def open_redirected(smf, rinfo, **kw):
    orig = smf.est_ies
    smf.est_ies = lambda *a, **k: far1_redirected(orig(*a, **k), rinfo)
    try:
        return smf.open_session(**kw)
    finally:
        smf.est_ies = orig


def redirects_of(dp):
    return {e["match"]["id"]: (e["action"], e["params"]) for e in dp.table_read("redirects")[0]}


@R.test
def test_pfcp_redirect_url():
    """An SMF's Establishment whose uplink FAR forwards with Redirect Information (URL):
    the session's uplink entry is redirect, naming a redirects entry http to that URL (a
    PFCP id); a second session redirected alike shares it. A Modification that moves the
    uplink PDR to a FAR without it (Create FAR, Update PDR, Remove FAR) makes it fwd_n6 and,
    once no session names it, the entry goes; a deletion leaves nothing."""
    S, tables, upf_pfcp = _pfcp()
    from scapy.contrib.pfcp import (IE_CreateFAR, IE_FAR_Id, IE_ApplyAction, IE_ForwardingParameters,
                                    IE_DestinationInterface, IE_UpdatePDR, IE_PDR_Id, IE_RemoveFAR,
                                    PFCPSessionModificationRequest)
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            smf.associate()
            r, sess = open_redirected(smf, redirect_ie(2, URL), cp_seid=0x61, ue="10.45.0.61", gnb="192.0.2.10",
                                      gnb_teid=0x61)
            expect_eq(S.cause_of(r), 1, "established (%s)" % (r and r.summary()))
            ul = [e for e in tables(dp)["sessions_uplink"] if e["match"]["teid"] == sess["ul_teid"]]
            expect_eq([e["action"] for e in ul], ["redirect"], "the uplink redirected")
            rid = ul[0]["params"]["redirect"]
            expect(rid >= 2048, "a PFCP redirects id: %d" % rid)
            expect_eq(redirects_of(dp), {rid: ("http", {"url": URL})}, "the redirects entry")
            r2, sess2 = open_redirected(smf, redirect_ie(2, URL), cp_seid=0x62, ue="10.45.0.62", gnb="192.0.2.10",
                                        gnb_teid=0x62)
            expect_eq(S.cause_of(r2), 1, "a second one")
            expect_eq(len(redirects_of(dp)), 1, "shared")
            # sxcd killed and started again: its journal's sessions judged against the same
            # sxdp, the shared entry theirs again, nothing rewritten away or left twice
            before = tables(dp)
            cd.stop(signal.SIGKILL)
            cd.start()
            deadline = time.monotonic() + 20
            while True:
                st = cd.status()
                ss = st["services"]["pfcp"]["sessions"]
                if st["sxdp"]["connected"] and ss["sxdp_boot_id"] == st["sxdp"]["boot_id"] and not ss["restoring"]:
                    break
                expect(time.monotonic() < deadline, "sxcd judged its journal: %s" % ss)
                time.sleep(0.05)
            expect_eq((ss["total"], tables(dp)), (2, before), "after an sxcd restart: both sessions, the same entries")
            r2 = smf.delete(sess2["up_seid"], 0x62)
            expect_eq(S.cause_of(r2), 1, "the second one deleted")
            expect_eq(len(redirects_of(dp)), 1, "still named by the first")
            ni = S.SESSION_SHAPES["free5gc"]["ni"]
            fwd = [IE_DestinationInterface(interface=1)] + ([S.ni_ie(ni, S.SESSION_SHAPES["free5gc"]["ni_enc"])]
                                                            if ni else [])
            seq = smf.next_seq()
            r = smf.request(smf.wrap(PFCPSessionModificationRequest(IE_list=[
                IE_CreateFAR(IE_list=[IE_FAR_Id(id=3), IE_ApplyAction(FORW=1), IE_ForwardingParameters(IE_list=fwd)]),
                IE_UpdatePDR(IE_list=[IE_PDR_Id(id=1), IE_FAR_Id(id=3)]),
                IE_RemoveFAR(IE_list=[IE_FAR_Id(id=1)])]), seq, seid=sess["up_seid"]), seq=seq)
            expect_eq(S.cause_of(r), 1, "modified (%s)" % (r and r.summary()))
            ul = [e for e in tables(dp)["sessions_uplink"] if e["match"]["teid"] == sess["ul_teid"]]
            expect_eq([e["action"] for e in ul], ["fwd_n6"], "the uplink to N6 again")
            T.wait_until(lambda: redirects_of(dp) == {}, 10, "the redirects entry collected")
            r = smf.delete(sess["up_seid"], 0x61)
            expect_eq(S.cause_of(r), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")
            expect_eq(redirects_of(dp), {}, "no redirects entry")


@R.test
def test_pfcp_redirect_refused():
    """Redirect Information the UPF does not do, or that is wrong, refused with its cause
    and the Offending IE Redirect Information (38), nothing written: a SIP URI (76, not
    supported), a spare type 9 (69), a URL with CR LF (a header injected into the 302: 69),
    an IPv4 address that does not parse (69); a URL longer than sxdp holds (73, the FAR).
    The DNS types establish: dns {v4, v6} (type 4, both addresses)."""
    S, tables, upf_pfcp = _pfcp()
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            smf.associate()
            for i, (ri, cause) in enumerate([(redirect_ie(3, "sip:portal@example.net"), 76),
                                             (redirect_ie(9, URL), 69),
                                             (redirect_ie(2, URL + "\r\nSet-Cookie: a=b"), 69),
                                             (redirect_ie(0, "198.18.0.300"), 69),
                                             (redirect_ie(2, "http://a/" + "x" * 92), 73)]):
                r, _ = open_redirected(smf, ri, cp_seid=0x70 + i, ue="10.45.0.%d" % (70 + i), gnb="192.0.2.10",
                                       gnb_teid=0x70 + i)
                off = S.ie(r, 40) if r is not None else None   # Offending IE
                expect_eq((S.cause_of(r), off.type if off is not None else None), (cause, 38),
                          "refused: %r" % bytes(ri))
                expect_eq(tables(dp), base, "nothing written")
                expect_eq(redirects_of(dp), {}, "no redirects entry")
            r, sess = open_redirected(smf, redirect_ie(4, REDIR4, REDIR6), cp_seid=0x80, ue="10.45.0.80",
                                      gnb="192.0.2.10", gnb_teid=0x80)
            expect_eq(S.cause_of(r), 1, "IPv4 and IPv6: established")
            expect_eq(list(redirects_of(dp).values()), [("dns", {"v4": REDIR4, "v6": REDIR6})], "a dns entry")
            smf.delete(sess["up_seid"], 0x80)
            T.wait_until(lambda: redirects_of(dp) == {}, 10, "gone with the session")


def refused(dp, updates):
    """table.write of updates: its refusal (the error, or the results), None when committed."""
    r = dp.rpc_raw("table.write", {"updates": updates})
    if "error" in r:
        return r["error"]
    res = r["result"]
    return None if res.get("committed") and all(x.get("ok") for x in res.get("results", [])) else res


if __name__ == "__main__":
    R.main()
