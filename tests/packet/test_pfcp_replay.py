#!/usr/bin/env python3
"""PFCP captured, not inferred (issue 81): each real core's PFCP exchanges (public captures,
tests/pfcp/captures/<core>/, their origins in SOURCES.md there) replayed against sxcd --pfcp
over sxdp by tests/pfcp/replay.py, which rewrites what must differ (addresses, SEIDs,
sequence numbers, the F-TEIDs and UE addresses the UPF chose) and compares every answer
with the one the capture's own UPF gave: message type and Cause (none other than the
capture's, except the differences tests/pfcp/captures/README.md explains), the IEs the
capture's answer carries. Where the capture has the session's user-plane traffic (N3
G-PDUs), it goes through sxdp: uplink out at N6, the downlink answer back into the gNB's
tunnel. Then bad input: the captures' requests out of order, under sequence numbers used
again, and mutated; sxcd stays up, answers every request, and leaves no table entry behind.

The UPF is a upf intent Ready in sxdp (pfcp_upf.py), configured per core as its deployment
would be (UE pool, Network Instances). Run with Debian's /usr/bin/python3 (scapy)."""
import os
import random
import socket
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "pfcp"))
import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq  # noqa: E402
from pfcp_upf import UPF, tables, upf_pfcp  # noqa: E402
import replay as RP  # noqa: E402

R = T.Runner()
CAPS = os.path.join(HERE, "..", "pfcp", "captures")

# Per capture: the UPF as that core's deployment configures it (its UE pool, the Network
# Instances its SMF names), whether its UPF set the association up too (--pfcp-smf); "known":
# the answers whose cause differs from the capture's UPF's, {frame: sxcd's cause}, each
# explained in tests/pfcp/captures/README.md (a refusal hides what follows it: the session
# is not there, 65); "fix": what the capture is replayed again with to take that one cause
# away (fix(bytes) -> bytes), after which every answer's cause must be the capture's.
def free5gc_v3(b):
    """free5GC v3.0's establishment as TS 29.244 7.5.2.3 wants it (its empty Network Instance,
    one zero octet, is taken as none): its FARs that FORW without Forwarding Parameters (the
    Conditional IE is missing) given them: FAR 1 (its uplink PDR's) to Core (N6), FAR 2 (the
    downlink's, whose gNB tunnel comes with the Modification) buffering until then."""

    def far(t, v):
        if t != 3:
            return False
        kids = RP.children(v)
        if any(k == 4 for k, _ in kids):
            return False
        fid = next((struct.unpack("!I", x[:4])[0] for k, x in kids if k == 108), None)
        out = b""
        for k, x in kids:
            if k == 44 and fid == 2:
                x = b"\x04" + x[1:]   # BUFF
            out += struct.pack("!HH", k, len(x)) + x
        if fid == 1:
            out += struct.pack("!HHHHB", 4, 5, 42, 1, 1)   # Forwarding Parameters: Destination Interface Core
        return out
    return RP.strip(b, far)


def ue6_own_64(b):
    """Open5GS v2.0's UE IPv6 addresses (one /128 each of one /64: cafe::2, cafe::3) each
    in a /64 of its own (cafe:0:0:2::2): the rest of the capture past the refusal."""
    def f(v):
        if not v[0] & 0x01:
            return None
        at = 1 + (4 if v[0] & 0x02 else 0)
        a = bytearray(v)
        a[at + 6:at + 8] = a[at + 14:at + 16]
        return bytes(a)
    return RP.edit(b, 93, f)


EST, MOD, DEL = RP.EST_REQ, RP.MOD_REQ, RP.DEL_REQ
CORES = {
    "free5gc": {
        "file": "free5gc/telekom-5g-trace-visualizer_free5gc-v3.0.pcapng",
        "spec": dict(UPF, ue_pool="60.60.0.0/16", network_instances=["internet"],
                     n3=dict(UPF["n3"], network_instance="internet")),
        "upf_initiates": False,
        "known": {3: 67, 5: 65}, "fix": free5gc_v3, "fix_known": {5: 73},
    },
    "open5gs-registration": {
        "known_types": {EST: 73, MOD: 65, DEL: 65}, "fix": ue6_own_64,
        "file": "open5gs/testregistration.pcapng",
        "spec": dict(UPF, ue_pool="10.45.0.0/16", ue_pool6="cafe::/48", network_instances=["internet"],
                     n3=dict(UPF["n3"], network_instance="internet")),
        "upf_initiates": True,
    },
    "open5gs-roaming-lbo": {
        "file": "open5gs/5g-roaming-lbo.pcapng",
        "spec": dict(UPF, ue_pool="10.45.0.0/16", ue_pool6="2001:db8:cafe::/48", network_instances=["internet"],
                     n3=dict(UPF["n3"], network_instance="internet")),
        "upf_initiates": False,
    },
    "oai-upf-vpp": {
        "file": "oai/omec-gnbsim_upf-vpp.pcapng",
        "spec": dict(UPF, ue_pool="12.1.0.0/16", network_instances=["core.oai.org"],
                     n3=dict(UPF["n3"], network_instance="access.oai.org")),
        "upf_initiates": False,
    },
    "oai-spgwu": {
        "file": "oai/dstest_basic-nrf_spgwu.pcapng",
        "spec": dict(UPF, ue_pool="12.1.0.0/16", network_instances=["internet"]),
        "upf_initiates": True,
    },
}


def capture(core):
    return RP.Capture(os.path.join(CAPS, CORES[core]["file"]))


def smf_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


def upf_for(core, sock, **kw):
    """sxdp and sxcd --pfcp with the core's UPF (pfcp_upf.upf_pfcp); the UPF sets the
    association up with the replaying SMF itself where the capture's did."""
    extra = ["--pfcp-heartbeat-s", "60"]
    if CORES[core]["upf_initiates"]:
        extra += ["--pfcp-smf", "127.0.0.1:%d" % sock.getsockname()[1]]
    return upf_pfcp(spec=CORES[core]["spec"], cd_extra=extra, **kw)


def report(core, rp, what=""):
    """Print each verdict that is not a plain match (a TAP comment); the ones whose cause
    differs, as {frame: cause}."""
    bad = {r["frame"]: r["got_cause"] for r in rp.results if not r["match"]}
    print("# %s%s: CP %s, UP %s: %d requests replayed, %d answered as the capture's UPF did; the UPF's "
          "requests answered as the capture's SMF did: %s" % (core, what, rp.cap.cp, rp.cap.up, len(rp.results),
                                                              len(rp.results) - len(bad), rp.answered))
    for r in rp.results:
        if not r["match"] or r["missing"] or any(n != "the capture has no answer" for n in r["notes"]):
            print("#   " + ("DIFF " if not r["match"] else "note ") + RP.describe(r))
    return bad


def delete_left(rp, what, gone_ok=False):
    """Delete the sessions the replay holds still (the capture never deleted them); gone_ok:
    one a known difference took may be gone (65)."""
    for cp, up in sorted(rp.cp_seids.items()):
        b = struct.pack("!BBHQI", 0x21, RP.DEL_REQ, 12, up, rp.next_seq() << 8)
        expect(RP.cause(rp.request(b)) in ((1, 65) if gone_ok else (1,)), "%s: session %#x deleted" % (what, up))
    rp.cp_seids.clear()


def answers_judged(core, rp, bad, known, known_types=None):
    """Every answer's cause the capture's, but the known ones (by frame, or by message type);
    no Created PDR's F-TEID or UE
    address missing where the capture's UPF chose one; every request answered."""
    if known_types:
        known = {r["frame"]: known_types[r["type"]] for r in rp.results
                 if r["frame"] in bad and r["type"] in known_types}
        expect(bad, "%s: the known differences are there (or fixed: take them out)" % core)
    expect_eq(bad, known, "%s: the causes differing from the capture's are the known ones (README)" % core)
    lost = ["%d %s" % (r["frame"], r["name"]) for r in rp.results if r["got"] is None]
    expect_eq(lost, [], "%s: every request answered" % core)
    gone = ["%d: %s" % (r["frame"], n) for r in rp.results if r["match"] for n in r["notes"]
            if "F-TEID" in n or "UE address" in n]
    expect_eq(gone, [], "%s: the F-TEIDs and UE addresses the capture's UPF chose, chosen" % core)
    est = [r for r in rp.results if r["type"] == RP.EST_REQ and r["match"] and r["want_cause"] == 1]
    expect_eq([r["frame"] for r in est if RP.up_fseid(r["got"]) is None], [], "%s: UP F-SEIDs" % core)
    dl = [r["frame"] for r in rp.results if r["type"] == RP.DEL_REQ and r["match"] and 79 in r["missing"]]
    expect_eq(dl, [], "%s: deletion answers carry the usage reports the capture's did" % core)


# ---------------------------------------------------------------- user-plane traffic
GNB_MAC, DN_MAC, SVI_MAC, PORT_MAC = "02:00:00:00:03:0a", "02:00:00:00:05:05", "02:00:0a:0a:00:fe", \
    "02:70:63:61:70:00"
DN_HOST = "10.10.0.5"
# the downlink waits in the switch's hold queue for the gNB's neighbour (learned from its ARP,
# which comes in with the uplink after it): at most 4 packets a next hop are held
HOLD = 4


def gtp_inner(data):
    """(TEID, inner IP bytes) of a G-PDU's UDP payload, or None."""
    if len(data) < 8 or data[1] != 0xff:
        return None
    teid, at = struct.unpack("!I", data[4:8])[0], 8
    if data[0] & 0x07:
        at = 12
        nxt = data[11]
        while data[0] & 0x04 and nxt and at < len(data):
            n = data[at] * 4
            nxt = data[at + n - 1]
            at += n
    return teid, data[at:]


def window(cap):
    """The capture's first run of G-PDUs, through the Modifications between them up to the
    next Establishment or Deletion: (the step index past its last Modification, where the
    replay lets them in, [its G-PDU steps])."""
    g0 = next((i for i, s in enumerate(cap.steps) if s["kind"] == "gtp"), None)
    if g0 is None:
        return None, []
    w, at = [], g0
    for i in range(g0, len(cap.steps)):
        s = cap.steps[i]
        if s["kind"] == "cp" and s["req"]["data"][1] in (RP.EST_REQ, RP.DEL_REQ):
            break
        if s["kind"] == "gtp":
            w.append(s)
        elif s["kind"] == "cp" and at == g0:
            at = i + 1   # the downlink answer came once the first Modification had set its tunnel
    return at, w


def traffic(cap, rp, w, pool):
    """The window's G-PDUs as sxdp's inputs: the uplink ones (from a gNB, inner IPv4 from a UE)
    into N3 in the TEID the UPF gave (or the SMF's), to the DN host; the downlink ones (to a
    gNB) as the DN host's packets to the UE on N6. ([n3 frames], [lan1 frames], [uplink inner
    packets], [(downlink inner, gNB TEID)])."""
    import ipaddress
    from scapy.all import ARP, Ether, IP, UDP
    from scapy.contrib.gtp import GTP_U_Header
    net = ipaddress.ip_network(pool)
    n3 = [Ether(src=GNB_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=GNB_MAC, psrc="192.0.2.10", pdst="192.0.2.1")]
    lan1 = [Ether(src=DN_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=DN_MAC, psrc=DN_HOST, pdst="10.10.0.254")]
    ul, dl = [], []
    for s in w:
        e = s["req"]
        g = gtp_inner(e["data"])
        if g is None or not g[1] or g[1][0] >> 4 != 4:
            continue
        teid, inner = g
        ip = IP(inner)
        ip = IP(bytes(inner)[:ip.len])   # what the IP header says (a capture's padding off)
        if ipaddress.ip_address(ip.src) in net and e["dst"] in cap.up_addrs | set(rp.addr):
            ip.src = rp.ue.get(ip.src, ip.src)
            ip.dst = DN_HOST
            del ip.chksum
            if ip.haslayer(UDP):
                del ip[UDP].chksum
            ip = IP(bytes(ip))
            ul.append(ip)
            n3.append(Ether(src=GNB_MAC, dst=PORT_MAC) / IP(src="192.0.2.10", dst="192.0.2.1", flags="DF") /
                      UDP(sport=2152, dport=2152) / GTP_U_Header(teid=rp.teid.get(teid, teid), gtp_type=255) / ip)
        elif ipaddress.ip_address(ip.dst) in net and e["src"] in cap.up_addrs:
            ip.dst = rp.ue.get(ip.dst, ip.dst)
            ip.src = DN_HOST
            del ip.chksum
            if ip.haslayer(UDP):
                del ip[UDP].chksum
            ip = IP(bytes(ip))
            if len(dl) >= HOLD:
                continue
            dl.append((ip, teid))
            lan1.append(Ether(src=DN_MAC, dst=SVI_MAC) / ip)
    return n3, lan1, ul, dl


def replay_core(core):
    """The capture replayed as it is (the known differences asserted), then with its fix (every
    cause the capture's); with its first window of user-plane traffic through sxdp."""
    c = CORES[core]
    cap = capture(core)
    with smf_socket() as sock, upf_for(core, sock) as (dp, cd, port, base):
        rp = RP.Replay(cap, ("127.0.0.1", port), sock=sock)
        g0, w = window(cap)
        snap = {}
        rp.run(on_gtp=lambda i, s: snap.setdefault("maps", (dict(rp.teid), dict(rp.ue), set(rp.addr.values()))))
        bad = report(core, rp)
        answers_judged(core, rp, bad, c.get("known", {}), c.get("known_types"))
        delete_left(rp, core, gone_ok=bool(bad))
        expect(cd.alive(), "%s: sxcd alive" % core)
        expect_eq(tables(dp), base, "%s: nothing left in sxdp" % core)
    if "fix" not in c and (not w or bad):
        return   # nothing hidden, or the traffic would meet what a known difference did
    # again, fixed where a known difference hides the rest, with the traffic's window: the
    # TEIDs and UE addresses the UPF chose are the first replay's (sxcd chooses in order from a
    # fresh start), known before sxdp starts, checked when chosen again
    fix = c.get("fix")
    maps = snap.get("maps", ({}, {}, set()))
    with smf_socket() as sock:
        rp = RP.Replay(cap, ("127.0.0.1", 0), sock=sock, fix=fix)
        rp.teid, rp.ue = dict(maps[0]), dict(maps[1])
        n3, lan1, ul, dl = traffic(cap, rp, w, c["spec"]["ue_pool"]) if w else ([], [], [], [])
        with upf_for(core, sock, n3=n3, lan1=lan1) as (dp, cd, port, base):
            rp.upf = ("127.0.0.1", port)
            rp.teid, rp.ue = {}, {}
            if ul or dl:
                rp.run(until=g0)
                if not fix:
                    expect_eq((rp.teid, rp.ue), (maps[0], maps[1]), "%s: the UPF chose as before" % core)
                dp.phase(["lan1"])
                st = dp.phase(["n3"])
                ev = T.events_of(st)
                print("# %s: the capture's traffic: %d uplink, %d downlink G-PDUs; events %s, drops %s" %
                      (core, len(ul), len(dl), {k: v for k, v in ev.items() if k.startswith("upf.")},
                       T.drops_of(st)))
                for s in cap.steps[g0:]:
                    if s["kind"] == "cp":
                        rp.step(s)
            else:
                rp.run()
            bad = report(core, rp, " (fixed)" if fix else " (with its traffic)")
            answers_judged(core, rp, bad, c.get("fix_known", {}) if fix else c.get("known", {}),
                           None if fix else c.get("known_types"))
            delete_left(rp, core, gone_ok=bool(bad))
            expect(cd.alive(), "%s: sxcd alive" % core)
            expect_eq(tables(dp), base, "%s: nothing left in sxdp" % core)
            if ul or dl:
                dp.stop()
                outs = dp.outputs()
                from scapy.all import Ether, IP
                from scapy.contrib.gtp import GTP_U_Header
                got_ul = [bytes(Ether(f)[IP]) for f in outs["lan1"] if Ether(f).haslayer(IP)
                          and Ether(f)[IP].dst == DN_HOST]
                want_ul = []
                for ip in ul:
                    ip = ip.copy()
                    ip.ttl -= 1
                    del ip.chksum
                    want_ul.append(bytes(IP(bytes(ip))))
                expect_eq(sorted(hash(x) for x in got_ul), sorted(hash(x) for x in want_ul),
                          "%s: the uplink out at N6, as the UE sent it (TTL - 1): %d of %d" % (core, len(got_ul), len(ul)))
                if bad:   # a known difference left the downlink as the SMF did not mean it
                    print("# %s: the downlink not checked: %s" % (core, bad))
                    return
                got_dl = []
                for f in outs["n3"]:
                    p = Ether(f)
                    if p.haslayer(GTP_U_Header) and p[IP].dst == "192.0.2.10":
                        got_dl.append((p[GTP_U_Header].teid, bytes(p[GTP_U_Header].payload)[-len(bytes(dl[0][0])) + 8:]
                                       if dl else b""))
                expect_eq(len(got_dl), len(dl), "%s: the downlink back into the gNB's tunnel" % core)
                expect_eq(sorted(t for t, _ in got_dl), sorted(t for _, t in dl),
                          "%s: in the TEIDs the capture's SMF gave" % core)


def sessions_total(cd):
    return cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]["total"]


@R.test
def test_out_of_order():
    """OAI (UPG-VPP)'s capture with its requests out of order: a session's Modification and
    Deletion before its Establishment are Session context not found (65) and create nothing;
    the Establishment then, and they after it, as the capture's; then the whole capture's
    requests in reverse: each answered with a cause, sxcd alive, no entry left behind."""
    core = "oai-upf-vpp"
    cap = capture(core)
    cps = cap.requests("cp")
    with smf_socket() as sock, upf_for(core, sock) as (dp, cd, port, base):
        rp = RP.Replay(cap, ("127.0.0.1", port), sock=sock)
        assoc = next(x for x in cps if x["req"]["data"][1] == RP.ASSOC_REQ)
        expect_eq(RP.cause(rp.step(assoc)["got"]), 1, "associated")
        est = next(x for x in cps if x["req"]["data"][1] == RP.EST_REQ)
        later = [x for x in cps if x["req"]["data"][1] in (RP.MOD_REQ, RP.DEL_REQ) and
                 RP.header(x["req"]["data"])[1] == RP.up_fseid(est["rsp"]["data"])]
        expect(later, "its session's later requests")
        for x in later:
            r = rp.step(x)
            expect_eq((r["got_type"], r["got_cause"]), (x["req"]["data"][1] + 1, 65),
                      "frame %d %s before its establishment: Session context not found" % (r["frame"], r["name"]))
        expect_eq(tables(dp), base, "nothing created by them")
        expect_eq(sessions_total(cd), 0, "no session")
        r = rp.step(est)
        expect_eq(r["got_cause"], 1, "the establishment after them")
        for x in later:
            r = rp.step(x)
            expect_eq(r["got_cause"], r["want_cause"], "frame %d %s after it, as the capture's" % (r["frame"], r["name"]))
        delete_left(rp, core)
        expect_eq(tables(dp), base, "nothing left")
        # the whole capture backwards
        rp.results = []
        for x in reversed(cps):
            rp.step(x, timeout=8)
        lost = [r["frame"] for r in rp.results if r["got"] is None]
        expect_eq(lost, [], "every request answered, backwards")
        causes = sorted({r["got_cause"] for r in rp.results}, key=lambda c: -1 if c is None else c)
        print("# backwards: causes %s" % causes)
        expect(all(c is None or c in (1, 65, 72) or 64 <= c <= 79 for c in causes), "clear causes: %s" % causes)
        delete_left(rp, core, gone_ok=True)   # its setup, last, took them
        expect(cd.alive(), "sxcd alive")
        expect_eq(tables(dp), base, "nothing left")
        expect_eq(sessions_total(cd), 0, "no session held")


@R.test
def test_sequence_numbers_again():
    """Open5GS's capture (roaming, LBO): its Establishment sent twice under one sequence
    number is answered twice, byte for byte the same (the response cache), one session made;
    another request under that number (its Modification) is a new request, answered as the
    capture's UPF answered it (TS 29.244 6.4: a retransmission is the same message), not
    with the cached Establishment Response; the capture's Association Setup Request sent again
    under its number after the session exists is answered from the cache and takes nothing."""
    core = "open5gs-roaming-lbo"
    cap = capture(core)
    cps = cap.requests("cp")
    with smf_socket() as sock, upf_for(core, sock) as (dp, cd, port, base):
        rp = RP.Replay(cap, ("127.0.0.1", port), sock=sock)
        assoc = next(x for x in cps if x["req"]["data"][1] == RP.ASSOC_REQ)
        a = rp.prepare(assoc)
        ra = rp.request(a)
        expect_eq(RP.cause(ra), 1, "associated")
        est = next(x for x in cps if x["req"]["data"][1] == RP.EST_REQ)
        b = rp.prepare(est)
        r1 = rp.request(b)
        expect_eq(RP.cause(r1), 1, "established")
        rp.learn(est, r1)
        t1 = tables(dp)
        r2 = rp.request(b)
        expect_eq(r2, r1, "the retransmission answered byte for byte as the first time")
        expect_eq((sessions_total(cd), tables(dp)), (1, t1), "one session, the same entries")
        seq = RP.header(b)[2]
        mod = next(x for x in cps if x["req"]["data"][1] == RP.MOD_REQ)
        m = rp.prepare(mod, seq=seq)
        rm = rp.request(m)
        expect_eq((rm[1], RP.cause(rm)), (RP.MOD_RSP, RP.cause(mod["rsp"]["data"])),
                  "a Modification under the Establishment's number: a new request, answered as the capture's")
        ra2 = rp.request(a)
        expect_eq(ra2, ra, "the setup sent again under its number: the cached answer")
        expect_eq(sessions_total(cd), 1, "the session still there")
        delete_left(rp, core)
        expect_eq(tables(dp), base, "nothing left")


def mutations(b, rnd):
    """Bad copies of request @b: cut short (in its header, in its IEs, its last octet), one
    octet flipped in its header's length, and in two of its IEs' octets at random."""
    out = [b[:6], b[:len(b) // 2], b[:-1]]
    x = bytearray(b)
    x[3] ^= 0x5a
    out.append(bytes(x))
    off = RP.header(b)[3]
    for _ in range(2):
        x = bytearray(b)
        if len(x) > off:
            x[rnd.randrange(off, len(x))] ^= 1 << rnd.randrange(8)
        out.append(bytes(x))
    return out


@R.test
def test_mutated_requests():
    """Every request of OAI (UPG-VPP)'s capture mutated (cut short, its length wrong, octets of
    its IEs flipped) before the request itself: each mutation is answered with a cause or
    dropped as malformed, sxcd stays up, every valid request after them is answered (as the
    capture's UPF answered it unless a mutation sxcd took changed the session), and when the sessions are deleted no entry is left."""
    core = "oai-upf-vpp"
    cap = capture(core)
    rnd = random.Random(81)
    counts = {"answered": 0, "dropped": 0}
    causes = {}
    with smf_socket() as sock, upf_for(core, sock) as (dp, cd, port, base):
        rp = RP.Replay(cap, ("127.0.0.1", port), sock=sock)
        extra = []   # UP SEIDs of sessions a mutated establishment made
        for x in cap.requests("cp"):
            for m in mutations(rp.prepare(x), rnd):
                got = rp.request(m, timeout=0.4, retransmit=False)
                if got is None:
                    counts["dropped"] += 1
                    continue
                counts["answered"] += 1
                c = RP.cause(got)
                causes[c] = causes.get(c, 0) + 1
                if got[1] == RP.EST_RSP and c == 1 and RP.up_fseid(got) is not None:
                    extra.append(RP.up_fseid(got))
            r = rp.step(x)
            # answered, with a cause; a mutation taken (a flipped octet in a value sxcd accepts)
            # may have changed the session, so not always the capture's cause
            expect(r["got_type"] == r["want_type"] and (r["got_cause"] is not None or r["want_cause"] is None),
                   "frame %d %s after its mutations: answered (%s)" % (r["frame"], r["name"], RP.describe(r)))
        same = sum(1 for r in rp.results if r["match"])
        print("# mutations: %s; their causes %s; the valid requests after them: %d of %d answered as the "
              "capture's" % (counts, causes, same, len(rp.results)))
        expect(cd.alive(), "sxcd alive")
        delete_left(rp, core, gone_ok=True)
        for up in extra:
            b = struct.pack("!BBHQI", 0x21, RP.DEL_REQ, 12, up, rp.next_seq() << 8)
            expect(RP.cause(rp.request(b)) in (1, 65), "a mutated establishment's session deleted")
        expect_eq(sessions_total(cd), 0, "no session held")
        expect_eq(tables(dp), base, "nothing left in sxdp")


def make(core):
    def t():
        replay_core(core)
    t.__name__ = "test_replay_" + core.replace("-", "_")
    t.__doc__ = "%s's capture replayed: every answer as the capture's UPF gave it" % core
    return t


for _c in CORES:
    R.test(make(_c))


if __name__ == "__main__":
    sys.exit(R.main())
