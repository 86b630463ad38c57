#!/usr/bin/env python3
"""PFCP PFD Management (TS 29.244 6.2.5, 7.4.3): a test SMF (scapy's PFCP layer,
tests/packet/pfcp_smf.py) provisions the PFDs of Application IDs over `sxcd --pfcp`; a
session's uplink PDR naming one classifies the G-PDUs to its flows' servers into its own FAR
(here a drop, counted as upf.gate_closed), the others into the default PDR's; PFDs replaced
recompile the session with no session message; removed, the PDR detects nothing; URL and
Domain Name PFDs are refused (Service not supported), malformed PFD Contents too (Mandatory
IE incorrect with the Offending IE), nothing changed; the PFDs survive an sxcd restart.

Run with Debian's /usr/bin/python3 (scapy)."""
import os
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq  # noqa: E402
from sxcdtest import sxcd_path, ul_terms  # noqa: E402
import pfcp_smf as S  # noqa: E402
from pfcp_smf import cause_of  # noqa: E402
from pfcp_upf import tables, upf_pfcp  # noqa: E402
from scapy.all import Ether, IP, UDP, Raw  # noqa: E402
from scapy.contrib.gtp import GTP_U_Header  # noqa: E402
from scapy.contrib.pfcp import (IE_ApplicationID_PFDs, IE_PFDContext, IE_PFDContents, IE_ApplicationId,  # noqa: E402
                                IE_NotImplemented, PFCPPFDManagementRequest)

R = T.Runner()

PFD_REQ, PFD_RSP = 3, 4
UE, TEID = "10.45.3.1", 0x7a01
VIDEO1, VIDEO2, AUDIO, OTHER = "10.10.0.7", "10.10.0.9", "10.10.0.8", "10.10.0.5"


def g(dst, proto_udp=True, n=60):
    """A gNB's G-PDU of session TEID from UE to dst (UDP 4000 -> 7777)."""
    return (Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
            UDP(sport=2152, dport=2152) / GTP_U_Header(teid=TEID, gtp_type=255) /
            IP(src=UE, dst=dst) / UDP(sport=4000, dport=7777) / Raw(b"p" * n))


def fd(server, proto="17"):
    return "permit out %s from %s to assigned" % (proto, server)


def app_pfds(name, flows=None, contents=None):
    """Application ID's PFDs: one PFD context of Flow Descriptions (flows), or of the PFD
    Contents IEs given (contents); neither: no PFD context (its PFDs removed)."""
    l = [IE_ApplicationId(id=name)]
    if flows is not None:
        l.append(IE_PFDContext(IE_list=[IE_PFDContents(FD=1, flow=f) for f in flows]))
    if contents is not None:
        l.append(IE_PFDContext(IE_list=list(contents)))
    return IE_ApplicationID_PFDs(IE_list=l)


def pfd_req(smf, apps, node_id=True):
    """A PFD Management Request of these Application ID's PFDs: its answer."""
    l = list(apps) + ([smf.node_id()] if node_id else [])
    return smf.request(PFCPPFDManagementRequest(IE_list=l))


def offending(r):
    o = S.ie(r, 40) if r is not None else None
    return o.type if o is not None else None


def pfds_of(cd):
    return cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"].get("pfds")


def session_ies(smf, cp_seid, app="video", teid=TEID, ue=UE):
    """free5GC's session (the SMF's F-TEID) with PDR 3: the uplink tunnel's packets of
    Application ID app, precedence 100 (before the default's 255), to FAR 3 (DROP)."""
    l = smf.est_ies(cp_seid, ue, gnb="192.0.2.10", gnb_teid=0x4a00 + (cp_seid & 0xff), ul_addr="192.0.2.1",
                    ul_teid=teid)
    pdi = [S.IE_SourceInterface(interface=0), S.IE_FTEID(V4=1, TEID=teid, ipv4="192.0.2.1"),
           S.ni_ie("internet", "plain"), S.ue_ie(ue), IE_ApplicationId(id=app)]
    l += [S.IE_CreatePDR(IE_list=[S.IE_PDR_Id(id=3), S.IE_Precedence(precedence=100), S.IE_PDI(IE_list=pdi),
                                  S.IE_OuterHeaderRemoval(header=0), S.IE_FAR_Id(id=3)]),
          S.IE_CreateFAR(IE_list=[S.IE_FAR_Id(id=3), S.IE_ApplyAction(DROP=1)])]
    return l


def establish(smf, cp_seid, **kw):
    seq = smf.next_seq()
    return smf.request(smf.wrap(S.PFCPSessionEstablishmentRequest(IE_list=session_ies(smf, cp_seid, **kw)), seq,
                                seid=0), seq=seq)


def app_remotes(t):
    """The remote prefixes of the classifier's applications entries, by app id."""
    out = {}
    for e in t.get("applications", []):
        out.setdefault(e["params"]["app"], []).append(e["match"]["remote"])
    return out


def term_apps(t, action=None):
    return sorted(e["match"]["app"] for e in ul_terms(t) if action is None or e["action"] == action)


def dropped_remotes(t):
    """The remote addresses whose uplink the session's drop terminations take."""
    apps = term_apps(t, "drop")
    rem = app_remotes(t)
    return sorted(r["value"] if isinstance(r, dict) else r for a in apps for r in rem.get(a, []))


def wait_for(pred, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            expect(v, what)
            return
        time.sleep(0.1)


@R.test
def test_pfd_management():
    frames = [g(VIDEO1), g(VIDEO1), g(VIDEO2), g(VIDEO2), g(VIDEO2), g(OTHER)]
    with upf_pfcp(n3=frames) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf, \
                S.Smf(("127.0.0.1", port), profile="free5gc", bind=("127.0.0.3", 0)) as stranger:
            r = pfd_req(stranger, [app_pfds("video", [fd(VIDEO1)])], node_id=False)
            expect_eq(cause_of(r), 72, "no association: No established PFCP Association")
            expect_eq(cause_of(smf.associate()), 1, "associated")
            r = pfd_req(smf, [app_pfds("video", [fd(VIDEO1)]), app_pfds("audio", [fd(AUDIO, "ip")])])
            expect_eq(cause_of(r), 1, "two Application IDs' PFDs accepted")
            expect_eq(r.message_type, PFD_RSP, "a PFD Management Response")
            expect_eq(S.node_id_str(S.ie(r, 60)), "127.0.0.1", "with the UPF's Node ID")
            expect_eq(pfds_of(cd)["by_app"], {"video": 1, "audio": 1}, "stored")
            r = establish(smf, 0x3a01)
            expect_eq(cause_of(r), 1, "a session whose uplink PDR names video")
            up_seid = S.ie(r, S.IE_FSEID_T).seid
            t = tables(dp)
            expect_eq(dropped_remotes(t), [VIDEO1], "its drop termination takes video's server: %s" % t)
            # the G-PDUs: those to video's server dropped (PDR 3's FAR), the other forwarded
            st = dp.phase(["n3"])
            expect_eq(T.drops_of(st).get("upf.gate_closed", 0), 2, "the two to %s dropped: %s" %
                      (VIDEO1, T.drops_of(st)))

            # replaced: the session classifies by the new flow with no session message
            r = pfd_req(smf, [app_pfds("video", [fd(VIDEO2)])])
            expect_eq(cause_of(r), 1, "video's PFDs replaced")
            expect_eq(pfds_of(cd)["by_app"], {"video": 1, "audio": 1}, "audio's kept (not named)")
            wait_for(lambda: dropped_remotes(tables(dp)) == [VIDEO2], "recompiled: the drop now takes %s" % VIDEO2)
            expect(not any(r_["value"] == VIDEO1 for rs in app_remotes(tables(dp)).values() for r_ in rs
                           if isinstance(r_, dict)), "video's old server's app gone")
            # the same G-PDUs through an sxdp started again (the session written into it as it is now)
            held = tables(dp)
            dp.stop()
            dp.start()
            wait_for(lambda: tables(dp) == held, "sxdp restarted: the session written again")
            dp.released.clear()   # the new sxdp's ports start held again: released anew
            st = dp.phase(["n3"])
            expect_eq(T.drops_of(st).get("upf.gate_closed", 0), 3, "now the three to %s dropped: %s" %
                      (VIDEO2, T.drops_of(st)))

            # refused, nothing changed: a URL, a Domain Name (no DPI here), malformed contents
            before, t0 = pfds_of(cd), tables(dp)
            url = IE_PFDContents(URL=1, url="http://video.example/")
            r = pfd_req(smf, [app_pfds("video", contents=[url])])
            expect_eq((cause_of(r), offending(r)), (76, 61), "a URL PFD: Service not supported, PFD Contents")
            dn = IE_PFDContents(FD=1, DN=1, flow=fd(VIDEO1), domain="video.example")
            r = pfd_req(smf, [app_pfds("web", [fd(OTHER)]), app_pfds("video", contents=[dn])])
            expect_eq((cause_of(r), offending(r)), (76, 61), "a Domain Name beside a flow: refused whole")
            past = IE_NotImplemented(ietype=61, data=b"\x01\x00" + struct.pack("!H", 200) + fd(VIDEO1).encode())
            r = pfd_req(smf, [app_pfds("video", contents=[past])])
            expect_eq((cause_of(r), offending(r)), (69, 61), "a Flow Description's length past the IE")
            missing = IE_NotImplemented(ietype=61, data=b"\x03\x00" + struct.pack("!H", len(fd(VIDEO1))) +
                                        fd(VIDEO1).encode())
            r = pfd_req(smf, [app_pfds("video", contents=[missing])])
            expect_eq((cause_of(r), offending(r)), (69, 61), "FD and URL flagged, the URL missing")
            bad_fd = IE_PFDContents(FD=1, flow="permit out 17 from 10.10.0.7 to assigned frag")
            r = pfd_req(smf, [app_pfds("video", contents=[bad_fd])])
            expect_eq((cause_of(r), offending(r)), (69, 61), "a Flow Description the SDF parser refuses")
            afd = IE_PFDContents(AFD=1, additional_flow=struct.pack("!H", 90) + fd(VIDEO1).encode())
            r = pfd_req(smf, [app_pfds("video", contents=[afd])])
            expect_eq((cause_of(r), offending(r)), (69, 61), "an Additional Flow Description's item past it")
            raw = bytes(smf.wrap(PFCPPFDManagementRequest(IE_list=[app_pfds("video", [fd(VIDEO1)])]), smf.next_seq()))
            cut = bytearray(raw)
            cut[10:12] = struct.pack("!H", 500)   # Application ID's PFDs longer than the message
            r = smf.request(bytes(cut))
            expect_eq((cause_of(r), offending(r)), (68, 58), "a grouped IE past the message: Invalid length")
            expect(S.ie(smf.heartbeat(), 96) is not None, "sxcd up")
            expect_eq((pfds_of(cd), tables(dp)), (before, t0), "nothing changed by the refusals")

            # removed: video's PDR detects nothing (its G-PDUs the default PDR's); a new session
            # naming a name never provisioned is refused; a local DN's name still works
            r = pfd_req(smf, [app_pfds("video")])
            expect_eq(cause_of(r), 1, "video's PFDs removed (no PFD context)")
            expect_eq(pfds_of(cd)["by_app"], {"audio": 1}, "video gone, audio kept")
            wait_for(lambda: dropped_remotes(tables(dp)) == [], "recompiled: no drop termination left")
            expect_eq(pfds_of(cd)["removed"], ["video"], "video remembered as removed")
            r = establish(smf, 0x3a02, teid=0x7a02, ue="10.45.3.2", app="nope")
            expect_eq((cause_of(r), offending(r)), (73, 24), "a session naming an Application ID never provisioned "
                      "and no local DN: refused 73, Application ID")
            r = establish(smf, 0x3a03, teid=0x7a03, ue="10.45.3.3", app="mec")
            expect_eq(cause_of(r), 1, "one naming the local DN mec: as before")
            expect_eq(cause_of(smf.delete(S.ie(r, S.IE_FSEID_T).seid)), 1, "deleted")

            # sxcd restarted: the PFDs are still there (the SMF does not send them again)
            cd.stop(signal.SIGKILL)
            cd.start()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and (pfds_of(cd) or {}).get("apps") is None:
                time.sleep(0.2)
            expect_eq(pfds_of(cd)["by_app"], {"audio": 1}, "sxcd restarted: audio's PFDs restored")
            r = establish(smf, 0x3a04, teid=0x7a04, ue="10.45.3.4", app="audio")
            expect_eq(cause_of(r), 1, "a new session naming audio")
            audio_seid = S.ie(r, S.IE_FSEID_T).seid
            expect(AUDIO in dropped_remotes(tables(dp)), "its drop termination takes audio's server")
            r = smf.request(PFCPPFDManagementRequest(IE_list=[]))
            expect_eq(cause_of(r), 1, "no Application ID's PFDs: every PFD removed")
            expect_eq(pfds_of(cd)["apps"], 0, "none left")
            wait_for(lambda: dropped_remotes(tables(dp)) == [], "recompiled: audio's drop termination gone too")
            for seid in (up_seid, audio_seid):
                expect_eq(cause_of(smf.delete(seid)), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")


if __name__ == "__main__":
    if not os.access(sxcd_path(), os.X_OK):
        print("not ok - sxcd: %s missing (build first)" % sxcd_path())
        sys.exit(1)
    R.main()
