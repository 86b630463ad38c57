#!/usr/bin/env python3
"""Buffered downlink of PFCP sessions deleted while buffering: every packet the UPF held
leaves under a named reason (issue 52): 70 sessions buffering (BUFF|NOCP), the box's whole
bound of held packets (4,096) spread over them, the sessions deleted: each held packet is
counted once in upf.session_gone, upf.buffer_gone or upf.buffer_expired, none is left held
and the mempool gets every mbuf back.

Same harness as test_pfcp_sessions.py. Run with Debian's /usr/bin/python3 (scapy)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, expect, expect_eq  # noqa: E402
import pfcp_smf as S  # noqa: E402
from pfcp_smf import cause_of  # noqa: E402
from pfcp_upf import tables, upf_pfcp  # noqa: E402
from sxcdtest import sxcd_path  # noqa: E402

R = T.Runner()

SESSIONS, HELD = 70, 4096     # up_buf.h: UP_BUF_TOTAL; 58 or 59 a session, under UP_BUF_SESSION
GONE = ("upf.session_gone", "upf.buffer_gone", "upf.buffer_expired")
BUF_AGE_S = 10                # up_buf.h: UP_BUF_AGE_MS, past which a held packet expires


def ue(i):
    return "10.45.2.%d" % (i + 1)


@R.test
def test_deleted_buffering_sessions_leave_no_packet_uncounted():
    """70 buffering sessions hold 4,096 packets; their deletion drops each one under a
    named reason, and nothing stays held."""
    from scapy.all import Ether, IP, UDP, Raw
    dl = [Ether(src="02:00:00:00:05:05", dst="02:00:0A:0A:00:FE") / IP(src="10.10.0.5", dst=ue(k % SESSIONS)) /
          UDP(sport=7777, dport=4000) / Raw(b"held %d" % k) for k in range(HELD)]
    with upf_pfcp(lan1=dl) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            sess = []
            for i in range(SESSIONS):
                r, s_ = smf.open_session(cp_seid=0xb00 + i, ue=ue(i), gnb="192.0.2.10", gnb_teid=0x100 + i,
                                         ul_teid=0x7b00 + i)
                expect_eq(cause_of(r), 1, "session %d established" % i)
                expect_eq(cause_of(smf.modify(s_["up_seid"], 0xb00 + i, far=2, buffer=True)), 1,
                          "session %d buffers" % i)
                sess.append((s_["up_seid"], 0xb00 + i))
            # every packet held, or (the main lcore starved on a busy box, the
            # 4,096 punts one burst into a ring of 4,095) counted at the punt ring
            t0 = time.monotonic()
            dp.phase(["lan1"])
            st = dp.wait_stats(lambda s: T.events_of(s).get("upf.buffered", 0) +
                               T.drops_of(s).get("core.punt_full", 0) >= HELD, "every packet held or counted", 20)
            ev, dr = T.events_of(st), T.drops_of(st)
            held = ev.get("upf.buffered", 0)
            expect_eq((held + dr.get("core.punt_full", 0), sum(v for k, v in dr.items() if k.startswith("upf."))),
                      (HELD, 0), "all %d held or counted at the punt ring, none dropped yet: %s" % (HELD, dr))
            for up, cp in sess:
                expect_eq(cause_of(smf.delete(up, cp)), 1, "deleted")
            st = dp.wait_stats(lambda s: sum(T.drops_of(s).get(k, 0) for k in GONE) >= held,
                               "the held packets' drops", SETTLE_S)
            dr = T.drops_of(st)
            gone = {k: dr.get(k, 0) for k in GONE if dr.get(k)}
            if time.monotonic() - t0 < BUF_AGE_S:   # none held long enough to expire
                expect_eq(gone, {"upf.session_gone": held}, "each held packet dropped once, its session gone")
            else:
                expect_eq(sum(gone.values()), held, "each held packet dropped once: %s" % gone)
            expect_eq(T.events_of(st).get("upf.to_n3", 0), 0, "none sent")
            expect_eq(tables(dp), base, "nothing left of the sessions")
            dp.wait_mempool()   # every mbuf back: none left held


@R.test
def test_drobu_drops_what_is_buffered():
    """DROBU (TS 29.244 7.5.4.1, 7.5.9.1): three sessions buffer three downlink packets each
    (BUFF|NOCP), each raising a DL Data Report. C's Session Report Response says
    PFCPSRRsp-Flags DROBU: C's three are dropped (upf.buffer_dropped). A and B are then sent
    to their gNB tunnel, A's Modification with PFCPSMReq-Flags DROBU: A's three are dropped
    and none of them leaves, B's three leave as buffered packets do."""
    from scapy.all import Ether, IP, UDP, Raw
    ues = {"A": "10.45.3.1", "B": "10.45.3.2", "C": "10.45.3.3"}
    dl = [Ether(src="02:00:00:00:05:05", dst="02:00:0A:0A:00:FE") / IP(src="10.10.0.5", dst=ues[n]) /
          UDP(sport=7777, dport=4000) / Raw(b"held %s %d" % (n.encode(), k)) for n in "ABC" for k in range(3)]
    with upf_pfcp(lan1=dl) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            sess = {}
            for i, n in enumerate("ABC"):
                r, s_ = smf.open_session(cp_seid=0xd01 + i, ue=ues[n], gnb="192.0.2.10", gnb_teid=0xd1 + i,
                                         ul_teid=0x7d01 + i)
                expect_eq(cause_of(r), 1, "%s established" % n)
                expect_eq(cause_of(smf.modify(s_["up_seid"], 0xd01 + i, far=2, buffer=True)), 1, "%s buffers" % n)
                sess[n] = s_["up_seid"]
            ev0 = T.events_of(dp.stats())
            dp.phase(["lan1"], events={"upf.buffered": ev0.get("upf.buffered", 0) + 9})
            for _ in range(3):
                rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=10.0, answer=False)
                expect(rep is not None, "a DL Data Report for each session")
                smf.answer(rep[0], rep[1], drobu=rep[0].seid == 0xd03)
            for i, n in enumerate("AB"):
                expect_eq(cause_of(smf.modify(sess[n], 0xd01 + i, far=2, gnb="192.0.2.10", gnb_teid=0xe1 + i,
                                              drobu=(n == "A"))), 1, "%s forwards%s" % (n, " with DROBU" * (n == "A")))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                st = dp.stats()
                ev, dr = T.events_of(st), T.drops_of(st)
                if dr.get("upf.buffer_dropped", 0) + ev.get("upf.to_n3", 0) - ev0.get("upf.to_n3", 0) >= 9:
                    break
                time.sleep(0.05)
            expect_eq((dr.get("upf.buffer_dropped", 0), ev.get("upf.to_n3", 0) - ev0.get("upf.to_n3", 0)),
                      (6, 3), "A's and C's held packets dropped, B's released")
            for i, n in enumerate("ABC"):
                expect_eq(cause_of(smf.delete(sess[n], 0xd01 + i)), 1, "%s deleted" % n)
            expect_eq(tables(dp), base, "nothing left")


if __name__ == "__main__":
    if not os.access(sxcd_path(), os.X_OK):
        print("not ok - sxcd: %s missing (build first)" % sxcd_path())
        sys.exit(1)
    R.main()
