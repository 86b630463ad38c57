#!/usr/bin/env python3
"""PFCP sessions: a test SMF (scapy's PFCP layer, tests/packet/pfcp_smf.py) establishes,
modifies and deletes sessions over `sxcd --pfcp`, and sxdp's UPF tables are checked entry by
entry after each answer (an accepted request is in the dataplane when it is answered); the
refusals carry the cause, offending IE and failed rule, and change nothing.

The UPF is a upf intent (its links, pool, Network Instances) Ready in sxdp, without sessions
of its own (pfcp_upf.py). Run with Debian's /usr/bin/python3 (scapy)."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, expect, expect_eq  # noqa: E402
from sxcdtest import sxcd_path, ul_terms  # noqa: E402
import pfcp_smf as S  # noqa: E402
from pfcp_smf import cause_of, usage_of  # noqa: E402
from pfcp_upf import UPF, by, eth_gpdu, gpdu, tables, upf_pfcp  # noqa: E402
from scapy.contrib.pfcp import IE_SDF_Filter as SDF  # noqa: E402

R = T.Runner()


@R.test
def test_establish_modify_delete_each_profile():
    """Each SMF shape establishes a session (UL over N3 with the F-TEID the UPF chose or
    the SMF gave, DL to the gNB), moves its downlink to another gNB TEID, buffers it and
    forwards it again, and deletes it: after each answer the tables hold exactly that."""
    with upf_pfcp() as (dp, cd, port, base):
        for i, prof in enumerate(["free5gc", "open5gs", "oai"]):
            with S.Smf(("127.0.0.1", port), profile=prof) as smf:
                r = smf.associate()
                expect_eq(cause_of(r), 1, "%s: associated" % prof)
                ue = "10.45.0.%d" % (10 + i)
                cp_seid = 0x5000 + i
                r, sess = smf.open_session(cp_seid=cp_seid, ue=ue, gnb="192.0.2.10", gnb_teid=0x100 + i)
                expect_eq(cause_of(r), 1, "%s: established (%s)" % (prof, r and r.summary()))
                expect_eq(r.seid, cp_seid, "%s: the answer to its CP SEID" % prof)
                up_seid, teid = sess["up_seid"], sess["ul_teid"]
                expect(up_seid != 0, "%s: our F-SEID" % prof)
                expect_eq(sess["ul_addr"], "192.0.2.1", "%s: the F-TEID is N3's" % prof)
                t = tables(dp)
                ul = [e for e in t["sessions_uplink"] if e["match"]["teid"] == teid]
                expect_eq(len(ul), 1, "%s: the uplink entry" % prof)
                # an uplink PDR naming no UE address takes any source (Open5GS's)
                want_ue = (ue, 0) if S.SESSION_SHAPES[prof]["ul_ue_ip"] else ("0.0.0.0", 1)
                expect_eq((ul[0]["action"], (ul[0]["params"].get("ue", "0.0.0.0"), ul[0]["params"].get("any_src", 0)),
                           ul[0]["params"].get("ohr", 0)),
                          ("fwd_n6", want_ue, S.PROFILE_OHR[prof]), "%s: uplink to N6" % prof)
                dl = by(t, "sessions_downlink", "ue")[ue]
                expect_eq((dl["action"], dl["params"]["teid"], dl["params"]["id"]),
                          ("encap_n3", 0x100 + i, ul[0]["params"]["id"]), "%s: downlink to the gNB" % prof)
                expect(dl["params"]["id"] >= 8388608, "%s: a PFCP session id" % prof)
                # a handover: the downlink to another TEID of the gNB, an end marker into the old one
                r = smf.modify(up_seid, cp_seid, far=2, gnb="192.0.2.10", gnb_teid=0x900 + i, sndem=True)
                expect_eq(cause_of(r), 1, "%s: modified" % prof)
                expect_eq(by(tables(dp), "sessions_downlink", "ue")[ue]["params"]["teid"], 0x900 + i,
                          "%s: the new TEID" % prof)
                st = dp.wait_events({"upf.end_marker_sent": i + 1}, 10)
                expect_eq(T.events_of(st).get("upf.end_marker_sent"), i + 1, "%s: one end marker (SNDEM)" % prof)
                r = smf.modify(up_seid, cp_seid, far=2, buffer=True)
                expect_eq(cause_of(r), 1, "%s: buffering" % prof)
                expect_eq(by(tables(dp), "sessions_downlink", "ue")[ue]["action"], "buffer", "%s: buffers" % prof)
                r = smf.modify(up_seid, cp_seid, far=2, gnb="192.0.2.10", gnb_teid=0x900 + i)
                expect_eq(cause_of(r), 1, "%s: forwarding again" % prof)
                expect_eq(by(tables(dp), "sessions_downlink", "ue")[ue]["action"], "encap_n3",
                          "%s: forwards again" % prof)
                r = smf.delete(up_seid, cp_seid)
                expect_eq(cause_of(r), 1, "%s: deleted" % prof)
                expect_eq(tables(dp), base, "%s: nothing of it left" % prof)


@R.test
def test_qer_meters_follow_the_meters_table():
    """PFCP's QERs take meters from 8192 to the last id of sxdp's meters table, whose size
    sxcd learns from sxdp (config.table_sizes): with 8194 meters (PFCP's: 8192 and 8193)
    sessions with QERs take those and then are refused with No resources, nothing of them
    left; with 65536 sxcd's range goes to 65535."""
    with upf_pfcp(extra_cfg={"table_sizes": {"meters": 8194}}) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            expect_eq(cause_of(smf.associate()), 1, "associated")
            causes = [cause_of(smf.open_session(cp_seid=0x7100 + i, ue="10.45.1.%d" % (10 + i), gnb="192.0.2.10",
                                                gnb_teid=0x300 + i)[0]) for i in range(3)]
            expect_eq((causes[0], causes[-1]), (1, 75), "the first session established, the last refused "
                      "(No resources): %s" % causes)
            ids = sorted(e["match"]["id"] for e in dp.table_read("meters")[0] if e["match"]["id"] >= 8192)
            expect(ids and all(8192 <= i <= 8193 for i in ids), "PFCP's meters within the table: %s" % ids)
            dl = by(tables(dp), "sessions_downlink", "ue")
            expect_eq([i for i, c in enumerate(causes) if c != 1 and "10.45.1.%d" % (10 + i) in dl], [],
                      "nothing of a refused session in sxdp")
        expect_eq(cd.req("GET", "/api/v1/upf/edge")[0], 200, "sxcd still serves")
    with upf_pfcp(extra_cfg={"table_sizes": {"meters": 65536}}) as (dp, cd, port, base):
        deadline = time.monotonic() + SETTLE_S
        while "QERs' meters 8192..65535 (sxdp's meters table: 65536)" not in cd.logtext() and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        expect("QERs' meters 8192..65535" in cd.logtext(), "sxcd's range follows the table: %s" % cd.logtail()[-500:])
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            expect_eq(cause_of(smf.associate()), 1, "associated")
            r, sess = smf.open_session(cp_seid=0x7200, ue="10.45.1.40", gnb="192.0.2.10", gnb_teid=0x400)
            expect_eq(cause_of(r), 1, "established with the bigger table")
            expect_eq(cause_of(smf.delete(sess["up_seid"], 0x7200)), 1, "deleted")
            expect_eq(tables(dp), base, "nothing of it left")


@R.test
def test_gbr_is_the_meters_committed_rate():
    """A GBR QoS flow's QER (GBR 40/80 Mbit/s, MBR 100/200 Mbit/s): its meters' committed
    rates are the GBR, their peaks the MBR (what it is guaranteed green, the rest up to the
    MBR yellow). A GBR above its MBR, or without one, is refused (Rule creation/modification
    Failure, offending IE GBR, the QER named), nothing of it left; a QER without a GBR keeps
    one rate. A packet of the GBR session passes its meter green."""
    from scapy.all import Ether, IP, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header
    g = [Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
         UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x77c1, gtp_type=255) /
         IP(src="10.45.2.1", dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(b"g" * 400)]
    with upf_pfcp(n3=g) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            smf.associate()
            r, sess = smf.open_session(cp_seid=0xe1, ue="10.45.2.1", gnb="192.0.2.10", gnb_teid=0x81, ul_teid=0x77c1,
                                       gbr=(40000, 80000), vol_threshold=10 ** 9)
            expect_eq(cause_of(r), 1, "a GBR flow established")
            rates = sorted((e["params"]["cir"], e["params"]["pir"]) for e in dp.table_read("meters")[0]
                           if e["match"]["id"] >= 8192)
            expect_eq(rates, [(40000000, 100000000), (80000000, 200000000)], "committed = GBR, peak = MBR")
            before = tables(dp)
            for gbr, mbr, why in (((150000, 80000), (100000, 200000), "above its MBR"),
                                  ((40000, 80000), None, "without an MBR")):
                r, _ = smf.open_session(cp_seid=0xe2, ue="10.45.2.2", gnb="192.0.2.10", gnb_teid=0x82, gbr=gbr,
                                        mbr=mbr)
                expect_eq((cause_of(r), S.ie(r, S.IE_OFFENDING).type if S.ie(r, S.IE_OFFENDING) else None),
                          (73, 27), "a GBR %s: refused" % why)
                expect_eq(tables(dp), before, "nothing of it left (%s)" % why)
            st = dp.phase(["n3"])
            expect_eq(T.drops_of(st).get("qos.meter_red", 0), 0, "its packet within its rates")
            expect_eq(cause_of(smf.delete(sess["up_seid"], 0xe1)), 1, "deleted")


@R.test
def test_sdf_only_uplink_keeps_the_ambr():
    """A session whose every uplink PDR has an SDF Filter (no default PDR: the session
    entry's own action is drop, its traffic the classifier's terminations) still carries
    the AMBR its QER sets on the uplink: the sessions_uplink entry names the meter of the
    QER's uplink MBR, as the downlink's names the downlink one."""
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            expect_eq(cause_of(smf.associate()), 1, "associated")
            l = smf.est_ies(0x7300, "10.45.1.50", gnb="192.0.2.10", gnb_teid=0x500)
            fd = "permit out ip from any to assigned"
            ul_pdr = next(c for c in l if isinstance(c, S.IE_CreatePDR) and c.IE_list[0].id == 1)
            pdi = next(x for x in ul_pdr.IE_list if isinstance(x, S.IE_PDI))
            pdi.IE_list.append(SDF(FD=1, flow_description_length=len(fd), flow_description=fd))
            seq = smf.next_seq()
            r = smf.request(smf.wrap(S.PFCPSessionEstablishmentRequest(IE_list=l), seq, seid=0), seq=seq)
            expect_eq(cause_of(r), 1, "established")
            t = tables(dp)
            ul = [e for e in t["sessions_uplink"] if e not in base["sessions_uplink"]]
            dl = by(t, "sessions_downlink", "ue")["10.45.1.50"]
            meters = {e["match"]["id"]: e["params"] for e in dp.table_read("meters")[0] if e["match"]["id"] >= 8192}
            expect(len(ul) == 1 and ul[0]["action"] == "drop" and ul[0]["params"].get("apps") == 1,
                   "the uplink is the classifier's: %s" % ul)
            ambr = ul[0]["params"].get("ambr") if ul else None
            expect(ambr in meters and meters[ambr]["cir"] == 100000 * 1000,
                   "the uplink session names its AMBR meter (100 Mbit/s): %s of %s" % (ambr, meters))
            expect(dl["params"].get("ambr") in meters and meters[dl["params"]["ambr"]]["cir"] == 200000 * 1000,
                   "the downlink names its own (200 Mbit/s): %s" % dl["params"])


@R.test
def test_refusals_change_nothing():
    """A UE outside the pool, an F-TEID of no UPF, a TEID an intent's session holds, an
    unknown session, no association: each the right cause (and failed rule), nothing
    written; a retransmitted establishment is answered again, applied once."""
    spec = dict(UPF, sessions=[{"id": 7, "ue": "10.45.9.9", "uplink": {"teid": 4242},
                                "downlink": {"peer": "gnb1", "teid": 77}}])
    with upf_pfcp(spec) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            r, _ = smf.open_session(cp_seid=1, ue="10.45.0.1", gnb="192.0.2.10", gnb_teid=5)
            expect_eq(cause_of(r), 72, "no association yet: 72")
            smf.associate()
            r, _ = smf.open_session(cp_seid=2, ue="10.99.0.1", gnb="192.0.2.10", gnb_teid=5)
            expect_eq(cause_of(r), 73, "UE outside the pool: 73")
            fr = S.ie(r, S.IE_FAILED_RULE)
            expect(fr is not None and fr.type == 0, "the failed rule is a PDR: %s" % (fr and fr.show(dump=True)))
            r, _ = smf.open_session(cp_seid=3, ue="10.45.0.3", gnb="192.0.2.10", gnb_teid=5, ul_addr="203.0.113.1",
                                 ul_teid=99)
            expect_eq(cause_of(r), 73, "an F-TEID of no UPF: 73")
            r, _ = smf.open_session(cp_seid=4, ue="10.45.0.4", gnb="192.0.2.10", gnb_teid=5, ul_addr="192.0.2.1",
                                 ul_teid=4242)
            expect_eq(cause_of(r), 73, "TEID 4242 is upf/edge's session's: 73")
            expect_eq(tables(dp), base, "nothing written")
            r = smf.delete(0xdead, 9)
            expect_eq((cause_of(r), r.seid), (65, 0), "no such session: 65, SEID 0")
            # one establishment sent twice: one session
            msg = smf.est_msg(cp_seid=5, ue="10.45.0.5", gnb="192.0.2.10", gnb_teid=6)
            r1 = smf.request(msg)
            r2 = smf.request(msg)
            expect_eq((cause_of(r1), bytes(r1)), (1, bytes(r2)), "a retransmission gets the same answer")
            t = tables(dp)
            expect_eq(len(t["sessions_downlink"]) - len(base["sessions_downlink"]), 1, "applied once")


@R.test
def test_rest_and_pfcp_never_share_a_session():
    """An intent's session that would take a PFCP session's TEID or UE address is refused at
    write time (409) naming the PFCP session as the holder, and the tables keep the PFCP one."""
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, sess = smf.open_session(cp_seid=0xa1, ue="10.45.0.21", gnb="192.0.2.10", gnb_teid=0x41,
                                       ul_teid=0x5151)
            expect_eq(cause_of(r), 1, "established")
            held = tables(dp)
            for what, ss in (("its TEID", {"id": 3, "ue": "10.45.0.99", "uplink": {"teid": 0x5151},
                                           "downlink": {"peer": "gnb1", "teid": 5}}),
                             ("its UE address", {"id": 4, "ue": "10.45.0.21", "uplink": {"teid": 0x6161},
                                                 "downlink": {"peer": "gnb1", "teid": 6}})):
                code, res = cd.req("PUT", "/api/v1/upf/edge", {"spec": dict(UPF, sessions=[ss])})
                expect_eq(code, 409, "%s: refused (%s)" % (what, res))
                expect("pfcp/smf.test.example/%d" % sess["up_seid"] in json.dumps(res),
                       "%s: the PFCP session named as the holder: %s" % (what, res))
            expect_eq(tables(dp), held, "the tables keep the PFCP session")
            expect_eq(cause_of(smf.delete(sess["up_seid"])), 1, "deleted")
            mine = [{"id": 3, "ue": "10.45.0.21", "uplink": {"teid": 0x5151}, "downlink": {"peer": "gnb1", "teid": 5}}]
            code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": dict(UPF, sessions=mine)})
            expect_eq((code, res["status"]["phase"]), (200, "Ready"), "once it is gone the intent may have them")
            code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": UPF})


def rts_of(r):
    i = S.ie(r, S.IE_RECOVERY) if r is not None else None
    return i.timestamp if i is not None else None


def judged(cd, timeout=20):
    """Until a (re)started sxcd's PFCP layer has judged its journal against the sxdp it
    reached (the Recovery Time Stamp is final then; requests no longer wait)."""
    deadline = time.monotonic() + timeout
    while True:
        st = cd.status()
        s = st["services"]["pfcp"]["sessions"]
        if st["sxdp"]["connected"] and s["sxdp_boot_id"] == st["sxdp"]["boot_id"] and not s["restoring"]:
            return
        if time.monotonic() > deadline:
            raise T.TestFailure("sxcd's PFCP layer did not judge its sessions against sxdp: %s %s" %
                                (st["sxdp"], {k: s.get(k) for k in ("sxdp_boot_id", "restoring", "total")}))
        time.sleep(0.05)


@R.test
def test_restarts():
    """kill -9 of sxcd while sxdp forwards: the sessions and the association come back from
    the journal with the same Recovery Time Stamp, sxdp's tables untouched, and the sessions
    take Modifications and Deletions (with their usage). sxdp restarted under a running sxcd:
    every session is written into it again, as it was. Both restarted: a new Recovery Time
    Stamp, the sessions gone."""
    import signal
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            smf.associate()
            rts0 = rts_of(smf.heartbeat())
            seids = []
            for k in range(20):
                r, sess = smf.open_session(cp_seid=0xb00 + k, ue="10.45.2.%d" % k, gnb="192.0.2.10",
                                           gnb_teid=0x4000 + k)
                expect_eq(cause_of(r), 1, "session %d" % k)
                seids.append(sess["up_seid"])
            held = tables(dp)
            # sxcd killed and started again on its store
            cd.stop(signal.SIGKILL)
            cd.start()
            judged(cd)
            expect_eq(rts_of(smf.heartbeat()), rts0, "sxcd restarted: the same Recovery Time Stamp")
            expect_eq(tables(dp), held, "sxdp's tables untouched")
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]
            expect_eq(st["sessions"]["total"], 20, "the sessions restored: %s" % st.get("sessions"))
            r = smf.modify(seids[0], 0xb00, far=2, gnb="192.0.2.10", gnb_teid=0x4f00)
            expect_eq(cause_of(r), 1, "a restored session takes a Modification")
            expect_eq(by(tables(dp), "sessions_downlink", "ue")["10.45.2.0"]["params"]["teid"], 0x4f00,
                      "and it is written")
            r = smf.delete(seids[1])
            expect_eq(cause_of(r), 1, "and a Deletion")
            expect(S.ie(r, 79) is not None, "with its final usage report")
            r, sess = smf.open_session(cp_seid=0xbff, ue="10.45.2.1", gnb="192.0.2.10", gnb_teid=0x4100)
            expect_eq(cause_of(r), 1, "a new session on what the deleted one freed")
            r, _ = smf.open_session(cp_seid=0xbfe, ue="10.45.2.2", gnb="192.0.2.10", gnb_teid=0x4101)
            expect_eq(cause_of(r), 73, "a restored session's UE is still claimed")
            held = tables(dp)
            # sxdp restarted under a running sxcd: everything written again
            dp.stop()
            dp.start()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and tables(dp) != held:
                time.sleep(0.2)
            expect_eq(tables(dp), held, "sxdp restarted: every session written into it again")
            expect_eq(rts_of(smf.heartbeat()), rts0, "no UP restart for the SMF")
            # both: a real UP function restart
            cd.stop(signal.SIGKILL)
            dp.stop()
            dp.start()
            cd.start()
            judged(cd)
            rts1 = rts_of(smf.heartbeat())
            expect(rts1 is not None and rts1 != rts0, "both restarted: a new Recovery Time Stamp (%s, was %s)" %
                   (rts1, rts0))
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]
            expect_eq(st["sessions"]["total"], 0, "its sessions gone")
            expect_eq(cause_of(smf.modify(seids[0], 0xb00, far=2, gnb="192.0.2.10", gnb_teid=1)) in (65, 72), True,
                      "a Modification of one: no session (or no association)")


@R.test
def test_kill9_mid_burst():
    """kill -9 of sxcd in the middle of a burst of establishments: after the restart every
    session that was answered is there (it takes a Modification); the SMF's retransmissions of
    the others, and the burst's last third it sends only then, are answered once each (the same CP F-SEID is one session, not two); sxdp holds
    exactly the sessions sxcd has: nothing half-installed is left behind."""
    import signal
    n = 300
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            msgs = [bytes(smf.est_msg(0xc000 + k, "10.45.%d.%d" % (3 + k // 250, k % 250), gnb="192.0.2.10",
                                      gnb_teid=0x6000 + k, ul_teid=0x8000 + k)) for k in range(n)]
            # two thirds sent before the kill, the rest only after it: the
            # kill lands mid-burst however fast sxcd answers (a quick one
            # answered all 300 before a slow test's kill)
            for b in msgs[:2 * n // 3]:
                smf.send(b)
            answered = {}
            deadline = time.monotonic() + 10
            while len(answered) < n // 3 and time.monotonic() < deadline:
                p, raw, src = smf.recv(0.5)
                if p is not None and p.message_type == 51:
                    answered[p.seid] = p
            cd.stop(signal.SIGKILL)
            # the answers already on their way
            while True:
                p, raw, src = smf.recv(0.2)
                if p is None:
                    break
                if p.message_type == 51:
                    answered[p.seid] = p
            acked = {cp: S.ie(p, S.IE_FSEID_T).seid for cp, p in answered.items() if cause_of(p) == 1}
            expect(0 < len(acked) < n, "killed mid-burst: %d of %d answered" % (len(acked), n))
            cd.start()
            judged(cd)
            for cp, up_seid in acked.items():
                r = smf.modify(up_seid, cp, far=2, gnb="192.0.2.10", gnb_teid=0x7000 + (cp & 0xfff))
                expect_eq(cause_of(r), 1, "an answered session is there after the restart (CP SEID %#x)" % cp)
            # the SMF asks again for what it was not answered
            for k, b in enumerate(msgs):
                if 0xc000 + k not in acked:
                    r = smf.request(b)
                    expect_eq(cause_of(r), 1, "retransmission of %d answered" % k)
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]
            expect_eq(st["total"], n, "one session per CP F-SEID")
            t = tables(dp)
            expect_eq((len(t["sessions_uplink"]) - len(base["sessions_uplink"]),
                       len(t["sessions_downlink"]) - len(base["sessions_downlink"])), (n, n),
                      "sxdp holds exactly those sessions")


@R.test
def test_dead_sxcds_queued_writes_never_land():
    """What a dead sxcd left queued in sxdp's socket is never written after a restarted sxcd
    looked at the tables: its hello holds the name "sxcd" alone, which closes the dead one's
    connection with whatever it had not run (the fence); what ran before is swept as held by
    no session. Stood for by a client that says it is sxcd and queues 4,000 writes of PFCP's
    entries no session holds: some run before sxcd restarts, the rest sent while it starts."""
    import signal
    import socket
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, sess = smf.open_session(cp_seid=0xd00, ue="10.45.9.1", gnb="192.0.2.10", gnb_teid=0x4000,
                                       ul_teid=0x8000)
            expect_eq(cause_of(r), 1, "a session")
            held = tables(dp)
            ul = [e for e in held["sessions_uplink"] if e not in base["sessions_uplink"]][0]
            dl = [e for e in held["sessions_downlink"] if e not in base["sessions_downlink"]][0]
            cd.stop(signal.SIGKILL)
            old = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            old.connect(dp.sock_path)
            old.sendall(b'{"jsonrpc":"2.0","id":0,"method":"sys.hello","params":{"exclusive":"sxcd"}}\n')
            lines, ident = [], 1
            for b in range(40):
                calls = []
                for k in range(50):
                    i = b * 50 + k
                    u = dict(ul, match=dict(ul["match"], teid=0x20000 + i))
                    d = dict(dl, match=dict(dl["match"], ue="10.45.%d.%d" % (20 + i // 250, i % 250)))
                    calls.append({"jsonrpc": "2.0", "id": ident, "method": "table.write", "params": {
                        "updates": [dict(u, type="insert", table="sessions_uplink"),
                                    dict(d, type="insert", table="sessions_downlink")]}})
                    ident += 1
                lines.append(json.dumps(calls).encode() + b"\n")
            # a part run before the restart (swept), the rest arriving while it starts (fenced)
            old.sendall(b"".join(lines[:4]))
            deadline = time.monotonic() + 20
            while len(tables(dp)["sessions_uplink"]) <= len(held["sessions_uplink"]):
                expect(time.monotonic() < deadline, "sxdp runs the dead one's first writes")
                time.sleep(0.05)
            old.setblocking(False)
            queued = b"".join(lines[4:])
            sent = 0
            cd.start()
            while sent < len(queued):
                try:
                    sent += old.send(queued[sent:sent + 65536])
                except BlockingIOError:
                    time.sleep(0.001)
                except OSError:
                    break   # closed by sxdp: replaced
            judged(cd)
            t = tables(dp)
            expect_eq((len(t["sessions_uplink"]), len(t["sessions_downlink"])),
                      (len(held["sessions_uplink"]), len(held["sessions_downlink"])),
                      "sxdp holds the one session sxcd has, none of the dead one's writes")
            expect("no session holds" in cd.logtext(), "what the dead one ran swept")
            old.close()
            r, _ = smf.open_session(cp_seid=0xd01, ue="10.45.20.7", gnb="192.0.2.10", gnb_teid=0x4001,
                                    ul_teid=0x20007)
            expect_eq(cause_of(r), 1, "a session on the keys the dead one wrote")
            r = smf.modify(sess["up_seid"], 0xd00, far=2, gnb="192.0.2.10", gnb_teid=0x4f00)
            expect_eq(cause_of(r), 1, "the answered session is there")


def first_of(smf, mtype, timeout):
    """The first message of type mtype smf receives within timeout seconds (others
    skipped), or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        p, _, _ = smf.recv(0.5)
        if p is not None and p.message_type == mtype:
            return p
    return None


@R.test
def test_stalled_disk_holds_no_heartbeat():
    """The journal's syncs run on a thread of their own: while the disk stalls every sync
    (a stand-in, tests/packet/stall_sync.c), heartbeats and REST reads are answered at once;
    an establishment is answered only once its journal record is synced, then with cause 1,
    and it is still there after a kill -9; an intent PUT meanwhile is answered once stored,
    another SMF's Association Setup once the associations' document is, and a rollback
    once the store is free, the loop serving the others while their syncs wait."""
    import signal
    import threading
    from sxcdtest import slice_
    lib = os.path.join(os.path.abspath(T.build_dir()), "tests", "libstallsync.so")
    expect(os.path.exists(lib), "the build made %s" % lib)
    import tempfile
    stall = os.path.join(tempfile.mkdtemp(prefix="sxt-stall-"), "stall")
    with upf_pfcp(cd_env={"LD_PRELOAD": lib, "SXT_STALL_SYNC": stall}) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf, \
                S.Smf(("127.0.0.1", port), profile="free5gc", bind=("127.0.0.2", 0)) as smf2:
            smf.associate()
            r, _ = smf.open_session(cp_seid=0xe00, ue="10.45.30.1", gnb="192.0.2.10", gnb_teid=0x4000)
            expect_eq(cause_of(r), 1, "a session with the disk well")
            open(stall, "w").close()
            try:
                smf.send(bytes(smf.est_msg(0xe01, "10.45.30.2", gnb="192.0.2.10", gnb_teid=0x4001)))
                # written into sxdp, then held for the sync
                deadline = time.monotonic() + 20
                while len(tables(dp)["sessions_downlink"]) < len(base["sessions_downlink"]) + 2:
                    expect(time.monotonic() < deadline, "the establishment written into sxdp")
                    time.sleep(0.05)
                # an intent stored meanwhile: its syncs wait for the disk, the loop does not
                sl = slice_("s2", 2, "lan1", 5002, members=[{"port": "lan1", "vlan": 12}], routes=[],
                            svi={"address": "10.12.0.254/24", "mac": "02:00:0a:0c:00:fe"}, subnets=["10.12.0.0/24"])
                del sl["spec"]["vni"]
                put = {}
                last = cd.req("GET", "/api/v1/revisions?limit=1")[1]["items"][0]["revision"]
                th = threading.Thread(target=lambda: put.update(r=cd.req("PUT", "/api/v1/slices/s2", sl)), daemon=True)
                th.start()
                smf2.send(smf2.wrap(smf2.setup_req(), smf2.next_seq()))
                # a rollback meanwhile waits for the store as a request, not on the loop
                rb = {}
                th2 = threading.Thread(target=lambda: rb.update(r=cd.req(
                    "POST", "/api/v1/revisions/%d/rollback" % last)), daemon=True)
                th2.start()
                for k in range(3):
                    hb = smf.heartbeat(timeout=5, retransmit=False)
                    expect(hb is not None, "heartbeat %d answered while the disk stalls" % k)
                    expect_eq(cd.req("GET", "/api/v1/status")[0], 200, "a REST read answered too")
                p, raw, src = smf.recv(0.3)
                expect(p is None or p.message_type != 51, "no answer before its record is durable")
                expect("r" not in put, "the intent answered only once stored")
                p, raw, src = smf2.recv(0.3)
                expect(p is None or p.message_type != 6, "no Association Setup Response before it is stored")
            finally:
                os.unlink(stall)
            th.join(20)
            expect_eq(put.get("r", (None,))[0], 201, "the intent stored once the disk is back")
            th2.join(20)
            expect(rb.get("r", (None,))[0] in (200, 409), "the rollback answered once the store is free: %s" % rb)
            got = first_of(smf2, 6, 10)
            expect(got is not None and cause_of(got) == 1, "the other SMF's setup accepted once stored")
            got = first_of(smf, 51, 10)
            expect(got is not None, "answered once the disk is back")
            expect_eq(cause_of(got), 1, "accepted")
            up_seid = S.ie(got, S.IE_FSEID_T).seid
            cd.stop(signal.SIGKILL)
            cd.start()
            judged(cd)
            expect_eq(cause_of(smf.modify(up_seid, 0xe01, far=2, gnb="192.0.2.10", gnb_teid=0x4f01)), 1,
                      "what was answered is in the journal")


def load_ies(p):
    """(Load Control metric, Overload Control metric) a response carries (None: left out)."""
    out = [None, None]
    for i in S.ies(p):
        if i.ietype in (51, 54):
            m = [x.metric for x in i.IE_list if x.ietype == 53]
            out[0 if i.ietype == 51 else 1] = m[0] if m else -1
    return tuple(out)


def flood(smf, msgs, window=128, heartbeats=False):
    """@msgs sent with @window of them unanswered at most (a heartbeat among them every 50
    when asked), each sent again after 1 s unanswered (as an SMF does: a datagram the UPF's
    socket had no room for); ({cause: count} of their answers, heartbeats answered, sent)."""
    seqs = {S.seq_of(b): b for b in msgs}
    unsent, sent_at, causes = list(seqs), {}, {}
    hbs = hb_sent = 0
    deadline = time.monotonic() + 60
    while (unsent or sent_at) and time.monotonic() < deadline:
        while unsent and len(sent_at) < window:
            q = unsent.pop(0)
            smf.send(seqs[q])
            sent_at[q] = time.monotonic()
            if heartbeats and (len(msgs) - len(unsent)) % 50 == 25:
                smf.send(bytes(smf.wrap(S.PFCPHeartbeatRequest(IE_list=[S.IE_RecoveryTimeStamp(
                    timestamp=smf.rts)]), smf.next_seq())))
                hb_sent += 1
        p, raw, src = smf.recv(0.2)
        if p is not None and p.message_type == 2:
            hbs += 1
        elif p is not None and p.message_type == 51 and p.seq in sent_at:
            del sent_at[p.seq]
            causes[cause_of(p)] = causes.get(cause_of(p), 0) + 1
        for q, at in list(sent_at.items()):
            if time.monotonic() - at > 1.0:
                smf.send(seqs[q])
                sent_at[q] = time.monotonic()
    expect(not unsent and not sent_at, "every request of the flood answered (%d left)" % (len(unsent) + len(sent_at)))
    return causes, hbs, hb_sent


@R.test
def test_establishment_flood_past_admission():
    """TS 29.244 6.2.3-6.2.4: a flood of 400 establishments past the admission bound (40
    sessions): exactly the room left is taken, every other one answered No resources
    available (75), heartbeats sent in the middle of the flood all answered, the sessions
    there still changed (Modification) and forwarding in sxdp; an SMF that says LOAD gets
    Load Control Information in every session response, one that says OVRL Overload Control
    Information while the UPF is overloaded (and its end, metric 0, once it is not). With the
    queue's bound at 8, a burst is refused PFCP entity in congestion (74) past it, and what was
    taken is all there."""
    from scapy.contrib.pfcp import IE_CPFunctionFeatures, PFCPAssociationUpdateRequest
    with upf_pfcp(cd_extra=["--pfcp-max-sessions", "40"]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            smf.associate()
            r = smf.request(PFCPAssociationUpdateRequest(IE_list=[smf.node_id(), IE_CPFunctionFeatures(LOAD=1,
                                                                                                      OVRL=1)]))
            expect_eq(cause_of(r), 1, "CP Function Features LOAD and OVRL taken")
            seids = {}
            for k in range(20):
                r, sess = smf.open_session(cp_seid=0xf000 + k, ue="10.45.40.%d" % k, gnb="192.0.2.10",
                                           gnb_teid=0x4000 + k)
                expect_eq(cause_of(r), 1, "session %d" % k)
                expect(load_ies(r)[0] is not None, "Load Control Information in the response")
                seids[0xf000 + k] = sess["up_seid"]
            causes, hbs, hb_sent = flood(smf, [bytes(smf.est_msg(0xf100 + k, "10.45.%d.%d" % (41 + k // 250, k % 250),
                                                                gnb="192.0.2.10", gnb_teid=0x5000 + k))
                                                for k in range(400)], heartbeats=True)
            expect_eq(causes, {1: 20, 75: 380}, "the room left taken, the rest No resources available")
            expect(hbs >= hb_sent, "every heartbeat of the flood answered (%d of %d)" % (hbs, hb_sent))
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]
            expect_eq((st["total"], st["admission"]["refused_no_resources"]), (40, 380), "counted: %s" % st)
            expect_eq(len(tables(dp)["sessions_uplink"]) - len(base["sessions_uplink"]), 40, "40 sessions in sxdp")
            # overloaded once measured (every 250 ms): said to the SMF
            deadline = time.monotonic() + 10
            while not cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]["admission"]["overloaded"]:
                expect(time.monotonic() < deadline, "overloaded at 40 of 40 sessions")
                time.sleep(0.1)
            r = smf.modify(seids[0xf000], 0xf000, far=2, gnb="192.0.2.10", gnb_teid=0x4f00)
            expect_eq(cause_of(r), 1, "a session there still takes a Modification")
            expect_eq(load_ies(r), (100, 100), "load 100 %, asked to shed every session request")
            for cp in list(seids)[:15]:
                expect_eq(cause_of(smf.delete(seids[cp])), 1, "deleted")
            deadline = time.monotonic() + 10
            while cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]["admission"]["overloaded"]:
                expect(time.monotonic() < deadline, "no longer overloaded at 25 of 40")
                time.sleep(0.1)
            r = smf.modify(seids[0xf010], 0xf010, far=2, gnb="192.0.2.10", gnb_teid=0x4f10)
            expect_eq(load_ies(r)[1], 0, "the overload's end said")
            r, _ = smf.open_session(cp_seid=0xf500, ue="10.45.43.1", gnb="192.0.2.10", gnb_teid=0x4500)
            expect_eq(cause_of(r), 1, "established again with room")
    with upf_pfcp(cd_extra=["--pfcp-max-pending", "8"]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            smf.associate()
            causes, _, _ = flood(smf, [bytes(smf.est_msg(0xf800 + k, "10.45.%d.%d" % (50 + k // 250, k % 250),
                                                         gnb="192.0.2.10", gnb_teid=0x6000 + k))
                                       for k in range(300)])
            expect(set(causes) <= {1, 74} and causes.get(74, 0) > 0 and causes.get(1, 0) >= 8,
                   "a burst past the queue's bound: taken or PFCP entity in congestion: %s" % causes)
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]
            expect_eq(st["total"], causes.get(1, 0), "what was taken is there")
            expect_eq(st["admission"]["pending"], 0, "nothing left pending")


@R.test
def test_hostile_peer():
    """A hostile SMF: 3,000 establishment, modification and deletion requests, a third sent as
    they are and the rest cut, with bytes flipped, IEs doubled or dropped, out of order, sent
    twice, for sessions that exist and that do not (seeded: PFCP_SEED=N). sxcd answers what it
    answers with a message that decodes, never crashes, and after it the tables hold exactly the
    sessions sxcd says it has."""
    import random
    seed = int(os.environ.get("PFCP_SEED", "34"))
    rnd = random.Random(seed)
    print("#   PFCP_SEED=%d" % seed)
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            smf.associate()
            live = []
            for k in range(20):
                r, sess = smf.open_session(cp_seid=0xd00 + k, ue="10.45.4.%d" % k, gnb="192.0.2.10", gnb_teid=0x500 + k)
                live.append(sess["up_seid"])
            answers = bad = 0

            def made(p):   # a session the storm made: deleted at the end
                if p.message_type == 51 and cause_of(p) == 1 and S.ie(p, S.IE_FSEID_T) is not None:
                    sd = S.ie(p, S.IE_FSEID_T).seid
                    if sd not in live:
                        live.append(sd)
            for n in range(3000):
                kind = rnd.choice(("est", "mod", "del"))
                seq = smf.next_seq()
                if kind == "est":
                    k = rnd.randrange(200)
                    b = bytearray(bytes(smf.est_msg(0xe000 + k, "10.45.5.%d" % (k % 250), gnb="192.0.2.10",
                                                    gnb_teid=0x900 + k, seq=seq)))
                elif kind == "mod":
                    upd = S.IE_UpdateFAR(IE_list=[S.IE_FAR_Id(id=rnd.choice((1, 2, 7))), S.IE_ApplyAction(
                        FORW=1), S.IE_UpdateForwardingParameters(IE_list=[S.IE_DestinationInterface(interface=0),
                                                                         smf.ohc("192.0.2.10", rnd.randrange(1, 1 << 32))])])
                    b = bytearray(bytes(smf.wrap(S.PFCPSessionModificationRequest(IE_list=[upd]), seq,
                                                 seid=rnd.choice(live + [rnd.randrange(1 << 64)]))))
                else:
                    b = bytearray(bytes(smf.wrap(S.PFCPSessionDeletionRequest(IE_list=[]), seq,
                                                 seid=rnd.choice(live + [rnd.randrange(1 << 64)]))))
                how = rnd.randrange(6)
                if how == 1 and len(b) > 8:
                    b = b[:rnd.randrange(4, len(b))]
                elif how == 2:   # bytes flipped (not the message type: another procedure is another test's)
                    for _ in range(rnd.randrange(1, 4)):
                        b[rnd.choice((0, rnd.randrange(2, len(b))))] = rnd.randrange(256)
                elif how == 3 and len(b) > 20:   # an IE doubled (the length in the header follows)
                    i = rnd.randrange(16, len(b) - 4)
                    b = b + b[i:i + 4 + (b[i + 2] << 8 | b[i + 3]) if i + 4 <= len(b) else 0]
                    b[2:4] = (len(b) - 4).to_bytes(2, "big")
                elif how == 4 and len(b) > 24:   # a tail of IEs dropped
                    b = b[:rnd.randrange(20, len(b))]
                    b[2:4] = (len(b) - 4).to_bytes(2, "big")
                smf.send(bytes(b))
                if rnd.random() < 0.1:
                    smf.send(bytes(b))   # twice
                while True:
                    p, raw, src = smf.recv(0.001 if n % 50 else 0.1)   # every 50th: until 0.1 s without one
                    if p is None:
                        break
                    answers += 1
                    bad += p.message_type not in (51, 53, 55, 11, 1, 56)
                    made(p)
            time.sleep(1.0)
            while True:
                p = smf.recv(0.3)[0]
                if p is None:
                    break
                answers += 1
                made(p)
            expect(cd.proc.poll() is None, "sxcd alive after %d answers" % answers)
            expect_eq(bad, 0, "every answer a session response")
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]
            expect(st["total"] <= len(live), "sxcd has no session it did not say it made: %d of %d" %
                   (st["total"], len(live)))
            for up_seid in live:
                r = smf.delete(up_seid)
                expect(cause_of(r) in (1, 65), "deleted (or deleted by the storm already)")
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]
            expect_eq(st["total"], 0, "none left in sxcd")
            expect_eq(tables(dp), base, "none left in sxdp: nothing the storm did leaked an entry")


def check_answer(r, mtype, seq, cp_seid, what):
    """An answer's header and Cause, field by field."""
    expect(r is not None, "%s: answered" % what)
    expect_eq((r.version, r.S, r.message_type, r.seq, r.seid, cause_of(r)), (1, 1, mtype, seq, cp_seid, 1),
              "%s: version, S, type, sequence, the CP SEID, Cause" % what)


@R.test
def test_hundred_sessions():
    """100 sessions from one SMF (Open5GS's shape: CHOOSE with CHOOSE ID 5 and both address
    flags, the Network Instance label-encoded, a QER, and a URR):
    established, each a path switch with an end marker, buffering on then off, then deleted
    with its final usage report; every answer checked field by field, the tables at each step."""
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="open5gs") as smf:
            smf.associate()
            seids, teids = [], set()
            for k in range(100):
                m = smf.est_msg(0x10000 + k, "10.45.1.%d" % k, gnb="192.0.2.10", gnb_teid=0x2000 + k,
                                vol_threshold=10 ** 9)
                r = smf.request(m)
                check_answer(r, 51, m.seq, 0x10000 + k, "establishment %d" % k)
                expect_eq(S.node_id_str(S.ie(r, S.IE_NODE_ID)), "127.0.0.1", "its Node ID")
                f = S.ie(r, S.IE_FSEID_T)
                expect(f is not None and f.v4 == 1 and f.ipv4 == "127.0.0.1", "our F-SEID with our address")
                created = [c for c in S.ies(r) if c.ietype == S.IE_CREATED_PDR]
                # the uplink's chosen F-TEID (PDR 1), the same for the RS PDR of its CHOOSE ID (4),
                # and one for the PDR from the CP function (3)
                byid = {x.id: {y.ietype: y for y in c.IE_list} for c in created
                        for x in c.IE_list if x.ietype == 56}
                expect_eq(sorted(byid), [1, 3, 4], "Created PDRs: the three that CHOOSE")
                d = byid[1]
                expect_eq((d[56].id, d[21].V4, d[21].CH, d[21].ipv4), (1, 1, 0, "192.0.2.1"), "PDR 1, N3's address")
                expect_eq(byid[4][21].TEID, d[21].TEID, "PDR 4 (CHOOSE ID 5 too): the same F-TEID")
                expect(d[21].TEID not in teids, "a TEID of its own")
                teids.add(d[21].TEID)
                seids.append((f.seid, 0x10000 + k))
            t = tables(dp)
            expect_eq(len(t["sessions_downlink"]) - len(base["sessions_downlink"]), 100, "100 downlink entries")
            expect_eq(len(t["sessions_uplink"]) - len(base["sessions_uplink"]), 100, "100 uplink entries")
            expect_eq(sorted(e["match"]["teid"] for e in t["sessions_uplink"]
                             if e["params"]["id"] >= 8388608), sorted(teids), "their TEIDs")
            st0 = T.events_of(dp.rpc("stats.get")).get("upf.end_marker_sent", 0)
            for k, (up_seid, cp) in enumerate(seids):
                ue = "10.45.1.%d" % k
                r = smf.modify(up_seid, cp, far=2, gnb="192.0.2.10", gnb_teid=0x3000 + k, sndem=True)
                check_answer(r, 53, r.seq, cp, "path switch %d" % k)
                r = smf.modify(up_seid, cp, far=2, buffer=True)
                check_answer(r, 53, r.seq, cp, "buffering %d" % k)
                expect_eq(by(tables(dp), "sessions_downlink", "ue")[ue]["action"], "buffer", "buffers")
                r = smf.modify(up_seid, cp, far=2, gnb="192.0.2.10", gnb_teid=0x3000 + k)
                check_answer(r, 53, r.seq, cp, "forwarding %d" % k)
                e = by(tables(dp), "sessions_downlink", "ue")[ue]
                expect_eq((e["action"], e["params"]["teid"], e["params"]["qfi"]), ("encap_n3", 0x3000 + k, 9),
                          "forwards to the new TEID with its QER's QFI")
            st = dp.wait_events({"upf.end_marker_sent": st0 + 100}, 10)
            expect_eq(T.events_of(st).get("upf.end_marker_sent", 0) - st0, 100, "one end marker per path switch")
            t = tables(dp)
            expect_eq(len(t["sessions_downlink"]) - len(base["sessions_downlink"]), 100, "100 downlink entries")
            expect_eq(len(t["sessions_uplink"]) - len(base["sessions_uplink"]), 100, "100 uplink entries")
            code, st = cd.req("GET", "/api/v1/status")
            ss = st["services"]["pfcp"]["sessions"]
            expect_eq((ss["total"], ss["by_node"], ss["established"]), (100, {smf.node_id_text(): 100}, 100),
                      "status: the sessions, by SMF")
            # 300 Modifications within the last 10 s, none deleted yet
            expect(ss["modified_per_s"] > 0 and ss["deleted_per_s"] == 0,
                   "status: the rates (%.1f modified/s, %.1f deleted/s)" % (ss["modified_per_s"], ss["deleted_per_s"]))
            code, m = cd.req("GET", "/metrics")
            expect("sxcd_pfcp_sessions 100" in m and 'sxcd_pfcp_sessions_by_smf{smf="%s"} 100' % smf.node_id_text() in m,
                   "metrics: the sessions, by SMF")
            out = subprocess.run([os.path.join(T.build_dir(), "sxctl"), "--api", cd.url, "--token-file", cd.token_file,
                                  "upf", "pfcp"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30).stdout
            expect(smf.node_id_text() in out and " 100" in out, "sxctl upf pfcp: the SMF and its sessions: %s" % out)
            for up_seid, cp in seids:
                r = smf.delete(up_seid, cp)
                check_answer(r, 55, r.seq, cp, "deletion")
                u = usage_of(r, 79)
                expect(1 in u and u[1][0][1] & 0x08 and u[1][1] == 0, "its final usage report (TERMR, no traffic)")
            expect_eq(tables(dp), base, "none left")
            code, st = cd.req("GET", "/api/v1/status")
            ss = st["services"]["pfcp"]["sessions"]
            expect(ss["deleted_per_s"] > 0, "status: %.1f deleted/s" % ss["deleted_per_s"])


@R.test
def test_usage_and_dl_data_reports():
    """Usage: three G-PDUs of a session (the SMF gave its F-TEID) count exactly their inner
    IP bytes uplink: a Query URR reports them (IMMER), a low volume threshold sends one Session
    Report Request (VOLTH), the Deletion Response carries the final report (TERMR). DL data:
    with its downlink FAR buffering and NOCP, a packet to the UE sends one Session Report
    Request with a DL Data Report naming the downlink PDR."""
    from scapy.all import Ether, IP, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header
    inner = [IP(src="10.45.0.7", dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(b"x" * n)
             for n in (10, 100, 1000)]
    g = [Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
         UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x7777, gtp_type=255) / i for i in inner]
    dl = [Ether(src="02:00:00:00:05:05", dst="02:00:0A:0A:00:FE") / IP(src="10.10.0.5", dst="10.45.0.8") /
          UDP(sport=7777, dport=4000) / Raw(b"to the idle UE")]
    ul_bytes = sum(len(i) for i in inner)
    with upf_pfcp(n3=g, lan1=dl) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, sess = smf.open_session(cp_seid=0x71, ue="10.45.0.7", gnb="192.0.2.10", gnb_teid=0x31,
                                       ul_teid=0x7777, vol_threshold=ul_bytes + 1)
            expect_eq(cause_of(r), 1, "established")
            up7 = sess["up_seid"]
            r, sess8 = smf.open_session(cp_seid=0x81, ue="10.45.0.8", gnb="192.0.2.10", gnb_teid=0x32,
                                        ul_teid=0x7778)
            expect_eq(cause_of(r), 1, "a second one")
            expect_eq(cause_of(smf.modify(sess8["up_seid"], 0x81, far=2, buffer=True)), 1, "its downlink buffers")
            dp.phase(["n3"])
            r = smf.modify(up7, 0x71, query_urr=1)
            expect_eq(cause_of(r), 1, "queried")
            u = usage_of(r, 78)
            expect_eq(u.get(1, (None,))[1:], (ul_bytes, ul_bytes, 0), "the query: the three G-PDUs' IP bytes")
            expect(u[1][0][0] & 0x80, "trigger IMMER: %r" % u[1][0])
            # its threshold is one byte more than they are: no report
            rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=1.0)
            expect(rep is None, "under its volume threshold: no report")
            dp.phase(["lan1"])
            rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=5.0)
            expect(rep is not None, "a Session Report Request for the buffered downlink")
            p = rep[0]
            expect_eq(p.seid, 0x81, "to the buffering session's CP SEID")
            expect_eq(S.ie(p, 39).DLDR if S.ie(p, 39) is not None else None, 1, "report type DLDR")
            ddr = S.ie(p, 83)
            expect(ddr is not None and any(x.ietype == 56 and x.id == 2 for x in ddr.IE_list),
                   "its DL Data Report names the downlink PDR")
            expect(smf.wait_request(S.SESS_REPORT_REQ, timeout=1.0) is None, "once")
            r = smf.delete(up7, 0x71)
            expect_eq(cause_of(r), 1, "deleted")
            u = usage_of(r, 79)
            expect_eq(u.get(1, (None,))[1:], (ul_bytes, ul_bytes, 0), "the final report: the same bytes")
            expect(u[1][0][1] & 0x08, "trigger TERMR: %r" % u[1][0])
            expect_eq(cause_of(smf.delete(sess8["up_seid"])), 1, "the other deleted")
            expect_eq(tables(dp), base, "nothing left")


@R.test
def test_uplink_pdr_without_ue_address():
    """An uplink PDR whose PDI names no UE IP Address (Open5GS's shape) matches any source
    (TS 29.244 5.2.1): its session's G-PDUs, from the UE's address or another, all take its
    FAR (counted by its URR). A session whose uplink PDR names the UE's address (free5GC's)
    forwards the UE's and drops the other as spoofed."""
    from scapy.contrib.gtp import GTP_U_Header
    g = [gpdu(0x7781, "10.45.0.21"), gpdu(0x7781, "10.99.0.1"), gpdu(0x7782, "10.45.0.22"),
         gpdu(0x7782, "10.99.0.2")]
    one = len(g[0][GTP_U_Header].payload)
    with upf_pfcp(n3=g) as (dp, cd, port, base):
        # two SMFs, two Node IDs (one setting up again under another's would take its sessions)
        smfs = {prof: S.Smf(("127.0.0.1", port), profile=prof, bind=(addr, 0))
                for prof, addr in (("open5gs", "127.0.0.1"), ("free5gc", "127.0.0.2"))}
        try:
            seids = {}
            for (prof, smf), (ue, teid, cp) in zip(smfs.items(), (("10.45.0.21", 0x7781, 0xa1),
                                                               ("10.45.0.22", 0x7782, 0xa2))):
                expect_eq(cause_of(smf.associate()), 1, "%s associated" % prof)
                r, sess = smf.open_session(cp_seid=cp, ue=ue, gnb="192.0.2.10", gnb_teid=0x40 + cp,
                                           ul_addr="192.0.2.1", ul_teid=teid, vol_threshold=10 ** 9)
                expect_eq(cause_of(r), 1, "%s: established" % prof)
                seids[prof] = (sess["up_seid"], cp)
            ul = {e["match"]["teid"]: e["params"] for e in tables(dp)["sessions_uplink"]}
            expect_eq((ul[0x7781].get("any_src"), ul[0x7782].get("any_src", 0)), (1, 0),
                      "any source for the PDR without a UE address only")
            st = dp.phase(["n3"])
            expect_eq(T.drops_of(st).get("upf.spoofed", 0), 1, "one spoofed: free5GC's session's stranger")
            for prof, want in (("open5gs", 2 * one), ("free5gc", one)):
                up, cp = seids[prof]
                r = smfs[prof].modify(up, cp, query_urr=1)
                expect_eq(usage_of(r, 78).get(1, (None, None, None))[2], want, "%s: uplink bytes counted" % prof)
                expect_eq(cause_of(smfs[prof].delete(up, cp)), 1, "%s: deleted" % prof)
            expect_eq(tables(dp), base, "nothing left")
        finally:
            for smf in smfs.values():
                smf.close()


@R.test
def test_ue_addresses_chosen_by_the_upf():
    """UEIP (TS 29.244 5.21): PDRs whose UE IP Address says CHV4 (and CHV6) get the UPF's
    choice, one address (and /64) a session, from the pool serving the session's Network
    Instance, or the one its UE IP address Pool Identity names, answered in Created PDR and
    compiled as an SMF's own: the uplink from it forwards, from another it is spoofed. A full
    pool is Cause 79 (All dynamic addresses are occupied); a deleted session's address is
    chosen again; the addresses sessions hold survive a kill -9 of sxcd (its journal). A pool
    outside the UPF's routed pool fails the intent. UEIP is advertised (octet 7, bit 3)."""
    import signal
    from scapy.contrib.gtp import GTP_U_Header
    spec = dict(UPF, ue_pool6="2001:db8:45::/48",
                ueip_pools=[{"prefix": "10.45.9.0/30", "network_instance": "internet"},
                            {"prefix": "10.45.8.0/24", "name": "big"},
                            {"prefix": "2001:db8:45:100::/56", "network_instance": "internet"},
                            {"prefix": "2001:db8:45:200::/56", "name": "big"}])
    g = [gpdu(0x7791, "10.45.9.1"), gpdu(0x7791, "10.45.9.77"), gpdu(0x7793, "10.45.8.1")]
    one = len(g[0][GTP_U_Header].payload)
    with upf_pfcp(spec=spec, n3=g) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            r = smf.associate()
            expect_eq(cause_of(r), 1, "associated")
            feat = bytes(S.ie(r, 43))[4:] if S.ie(r, 43) is not None else b""
            expect(len(feat) >= 3 and feat[2] & 0x04, "UEIP advertised: %s" % feat.hex())
            r, a = smf.open_session(cp_seid=0xe1, ue="choose46", gnb="192.0.2.10", gnb_teid=0x51, ul_teid=0x7791,
                                    vol_threshold=10 ** 9)
            expect_eq((cause_of(r), a["ue"], a["ue6"]), (1, "10.45.9.1", "2001:db8:45:100::"),
                      "the first session: the Network Instance's pools' first address and /64")
            r, b = smf.open_session(cp_seid=0xe2, ue="choose4", gnb="192.0.2.10", gnb_teid=0x52, ul_teid=0x7792)
            expect_eq((cause_of(r), b["ue"], b["ue6"]), (1, "10.45.9.2", None), "the second: the next address")
            r, _ = smf.open_session(cp_seid=0xe3, ue="choose4", gnb="192.0.2.10", gnb_teid=0x53, ul_teid=0x7794)
            expect_eq((cause_of(r), S.ie(r, 40).type if S.ie(r, 40) is not None else None), (79, 93),
                      "the /30 is full: All dynamic addresses are occupied, offending UE IP Address")
            pools = {p["prefix"]: (p["used"], p["size"]) for p in
                     cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]["ueip_pools"]}
            expect_eq(pools, {"10.45.9.0/30": (2, 2), "10.45.8.0/24": (0, 254), "2001:db8:45:100::/56": (1, 256),
                              "2001:db8:45:200::/56": (0, 256)},
                      "the pools' use in the status")
            r, c = smf.open_session(cp_seid=0xe4, ue="choose46", gnb="192.0.2.10", gnb_teid=0x54, ul_teid=0x7793,
                                    pool="big")
            expect_eq((cause_of(r), c["ue"], c["ue6"]), (1, "10.45.8.1", "2001:db8:45:200::"),
                      "named by its Pool Identity: its IPv4 and its IPv6 pool")
            t = tables(dp)
            dl, dl6 = by(t, "sessions_downlink", "ue"), by(t, "sessions_downlink6", "ue")
            expect_eq((sorted(dl), sorted(dl6)), (["10.45.8.1", "10.45.9.1", "10.45.9.2"],
                                                  ["2001:db8:45:100::", "2001:db8:45:200::"]),
                      "compiled as the SMF's own addresses are")
            expect_eq(dl["10.45.9.1"]["params"]["teid"], 0x51, "toward its gNB tunnel")
            st = dp.phase(["n3"])
            expect_eq(T.drops_of(st).get("upf.spoofed", 0), 1, "the chosen address's uplink forwards; another's is "
                      "spoofed")
            r = smf.modify(a["up_seid"], 0xe1, query_urr=1)
            expect_eq(usage_of(r, 78).get(1, (None, None, None))[2], one, "its uplink bytes counted")
            # a Modification leaves the session its address
            r = smf.modify(a["up_seid"], 0xe1, far=2, gnb="192.0.2.10", gnb_teid=0x61)
            expect_eq((cause_of(r), by(tables(dp), "sessions_downlink", "ue")["10.45.9.1"]["params"]["teid"]),
                      (1, 0x61), "modified, the same address")
            expect_eq(cause_of(smf.delete(b["up_seid"], 0xe2)), 1, "the second deleted")
            r, d = smf.open_session(cp_seid=0xe5, ue="choose4", gnb="192.0.2.10", gnb_teid=0x55, ul_teid=0x7795)
            expect_eq((cause_of(r), d["ue"]), (1, "10.45.9.2"), "its address chosen again")
            # kill -9: the addresses held come back with the sessions
            cd.stop(signal.SIGKILL)
            cd.start()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]
                if st["sessions"]["total"] == 3:
                    break
                time.sleep(0.2)
            expect_eq(st["sessions"]["total"], 3, "the sessions restored")
            r, _ = smf.open_session(cp_seid=0xe6, ue="choose4", gnb="192.0.2.10", gnb_teid=0x56, ul_teid=0x7796)
            expect_eq(cause_of(r), 79, "after the restart the pool is still full")
            expect_eq(cause_of(smf.delete(a["up_seid"], 0xe1)), 1, "the first deleted")
            r, e = smf.open_session(cp_seid=0xe7, ue="choose46", gnb="192.0.2.10", gnb_teid=0x57, ul_teid=0x7797)
            expect_eq((cause_of(r), e["ue"], e["ue6"]), (1, "10.45.9.1", "2001:db8:45:100::"),
                      "its address and /64 again (the cursor of a pool starts over with sxcd)")
            for up, cp in ((c["up_seid"], 0xe4), (d["up_seid"], 0xe5), (e["up_seid"], 0xe7)):
                expect_eq(cause_of(smf.delete(up, cp)), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")
        # a pool the UPF gets no downlink of
        bad = dict(spec, ueip_pools=[{"prefix": "10.46.0.0/24"}])
        code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": bad})
        expect_eq((code, res["error"]["reason"]), (422, "bad_value"), "a pool outside ue_pool: %s" % res)
        expect("not inside ue_pool" in res["error"]["message"], "and why: %s" % res)
        expect_eq(cd.req("GET", "/api/v1/upf/edge")[1]["spec"], spec, "nothing stored")
        # one name on two pools of a family: which would a PDR naming it mean
        bad = dict(spec, ueip_pools=[{"prefix": "10.45.8.0/24", "name": "big"}, {"prefix": "10.45.9.0/24", "name": "big"}])
        code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": bad})
        expect_eq((code, res["error"]["reason"]), (422, "bad_value"), "a name on two IPv4 pools: %s" % res)
        expect("pool name big is pool 0's" in res["error"]["message"], "and why: %s" % res)


MAC_A, MAC_B, LAN_MAC = "02:00:00:00:0e:0a", "02:00:00:00:0e:0b", "02:00:00:00:0a:05"


@R.test
def test_ethernet_pdu_sessions():
    """Ethernet PDU sessions (5G LAN, TS 23.501 5.6.10.2, TS 29.244 5.13) as an SMF makes
    them: PDN Type Ethernet, an uplink PDR by F-TEID, a downlink PDR with ETHI. On a UPF that
    takes them (ethernet_sessions), its slice's bridge domain is their 5G LAN group: a UE's
    frames are bridged there (its MAC learned as its session's), LAN frames to it leave in its
    tunnel, broadcasts reach every other session of the group, and URRs count the frames. On a
    UPF without ethernet_sessions one is refused (73, PDN Type)."""
    from scapy.all import Ether, ARP, IP, UDP, Raw
    spec = dict(UPF, ethernet_sessions=True)
    arp_a = Ether(src=MAC_A, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=MAC_A, psrc="10.10.0.31", pdst="10.10.0.5")
    a_to_lan = Ether(src=MAC_A, dst=LAN_MAC) / IP(src="10.10.0.31", dst="10.10.0.5") / UDP(sport=4000, dport=7777) / \
        Raw(b"a")
    n3 = [eth_gpdu(0x7801, arp_a), eth_gpdu(0x7801, a_to_lan)]
    to_a = Ether(src=LAN_MAC, dst=MAC_A) / IP(src="10.10.0.5", dst="10.10.0.31") / UDP(sport=7777, dport=4000) / \
        Raw(b"lan")
    bcast = Ether(src=LAN_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(hwsrc=LAN_MAC, psrc="10.10.0.5", pdst="10.10.0.32")
    with upf_pfcp(spec=spec, n3=n3, lan1=[to_a, bcast]) as (dp, cd, port, base):
        flood = {e["match"]["bd"]: e["params"] for e in base["flood"]}
        expect(0xC0000001 in flood.get(1, {}).values(), "the slice's bridge domain floods to its 5G LAN group: %s"
               % flood)
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            expect_eq(cause_of(smf.associate()), 1, "associated")
            r, a = smf.open_session(cp_seid=0xf1, ue="0.0.0.0", eth=True, gnb="192.0.2.10", gnb_teid=0x61,
                                    ul_teid=0x7801, vol_threshold=10 ** 9)
            expect_eq(cause_of(r), 1, "the first Ethernet session")
            r, b = smf.open_session(cp_seid=0xf2, ue="0.0.0.0", eth=True, gnb="192.0.2.10", gnb_teid=0x62,
                                    ul_teid=0x7802, vol_threshold=10 ** 9)
            expect_eq(cause_of(r), 1, "the second")
            t = tables(dp)
            ul = {e["match"]["teid"]: e for e in t["sessions_uplink"]}
            expect_eq((ul[0x7801]["action"], ul[0x7802]["action"]), ("bridge", "bridge"), "their uplink: bridged")
            eth = {e["match"]["session"]: e for e in t["sessions_eth"]}
            members = sorted(e["params"]["session"] for e in t["lan_members"])
            expect_eq((len(eth), sorted(eth), members), (2, sorted(eth), sorted(eth)),
                      "their downlink and the group's members")
            # the UE's frames: its broadcast to the LAN and the other session, then to a LAN host
            # not yet learned (flooded as the broadcast)
            dp.phase(["n3"], events={"switch.learn": 1})
            # the LAN: to the UE, and a broadcast to both sessions
            st = dp.phase(["lan1"])
            ev = T.events_of(st)
            expect_eq((ev.get("upf.bridged"), ev.get("upf.lan_copies"), ev.get("upf.to_n3")), (2, 4, 5),
                      "bridged, the group's copies, to N3: %s" % {k: v for k, v in ev.items() if k.startswith("upf.")})
            expect_eq({k: v for k, v in T.drops_of(st).items() if not k.startswith("switch.hold")}, {},
                      "nothing dropped (but what waits for the gNB's address, unanswered here)")
            r = smf.modify(a["up_seid"], 0xf1, query_urr=1)
            expect_eq(usage_of(r, 78).get(1, (None, None, None, None))[2:], (len(arp_a) + len(a_to_lan), len(to_a) + len(bcast)),
                      "the first session's URR: frames up and down")
            for up, cp in ((a["up_seid"], 0xf1), (b["up_seid"], 0xf2)):
                expect_eq(cause_of(smf.delete(up, cp)), 1, "deleted")
            expect_eq(tables(dp)["lan_members"], [], "the group empty")
        # a UPF without them
        code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": UPF})
        expect_eq(res["status"]["phase"], "Ready", "ethernet_sessions off")
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            smf.associate()
            # the session layer sees intents as they were up to 100 ms ago (pf_upf.c):
            # one taken before it sees the change is deleted, and asked again
            deadline = time.monotonic() + 5
            for k in range(1000):
                r, c = smf.open_session(cp_seid=0xf400 + k, ue="0.0.0.0", eth=True, gnb="192.0.2.10",
                                        gnb_teid=0x64, ul_teid=0x7804)
                if cause_of(r) != 1 or time.monotonic() > deadline:
                    break
                expect_eq(cause_of(smf.delete(c["up_seid"], 0xf400 + k)), 1, "one taken before the change: deleted")
            expect_eq((cause_of(r), S.ie(r, 40).type if S.ie(r, 40) is not None else None), (73, 113),
                      "refused: Rule creation failure, offending PDN Type")
            flood = {e["match"]["bd"]: e["params"] for e in tables(dp)["flood"]}
            expect(0xC0000001 not in flood.get(1, {}).values(), "the group gone from the flood list: %s" % flood)


def eth_filter_pdr(pdr, src_iface, prec, filt, far, teid=None, urr=None):
    """A Create PDR of an Ethernet PDU session classified by an Ethernet Packet Filter
    (filt: its IEs): uplink on the session's F-TEID, or downlink with ETHI."""
    from scapy.contrib.pfcp import IE_EthernetPacketFilter
    pdi = [S.IE_SourceInterface(interface=src_iface)]
    pdi += [S.IE_FTEID(V4=1, TEID=teid, ipv4="192.0.2.1")] if teid is not None else \
        [S.IE_EthernetPDUSessionInformation(ETHI=1)]
    ies = [S.IE_PDR_Id(id=pdr), S.IE_Precedence(precedence=prec), S.IE_PDI(IE_list=pdi + [
        IE_EthernetPacketFilter(IE_list=filt)]), S.IE_FAR_Id(id=far)]
    if teid is not None:
        ies.append(S.IE_OuterHeaderRemoval(header=0))
    if urr is not None:
        ies.append(S.IE_URR_Id(id=urr))
    return S.IE_CreatePDR(IE_list=ies)


@R.test
def test_ethernet_packet_filters():
    """Ethernet Packet Filters (TS 29.244 7.5.2.2-3, TS 23.501 5.7.6.3) classify an Ethernet
    PDU session's frames in sxdp (eth_applications: the UE side's MAC, the other side's,
    Ethertype, C-TAG, S-TAG): uplink frames to a blocked MAC take their PDR's drop, frames of
    C-VID 100 their PDR's own URR, downlink frames from one LAN host their PDR's drop, every
    other frame the session's default PDRs. The entries go with the session. A filter on an IP
    session is refused (73), one with an SDF Filter inside (76), MAC ranges past what one
    filter may become (75)."""
    from scapy.all import Ether, Dot1Q, IP, UDP, Raw
    from scapy.contrib.pfcp import IE_MACAddress, IE_C_TAG, IE_Ethertype
    spec = dict(UPF, ethernet_sessions=True)
    blocked, lan2 = "02:00:00:00:0a:99", "02:00:00:00:0a:06"

    def ip(fill):
        return IP(src="10.10.0.31", dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(fill * 60)
    up = [Ether(src=MAC_A, dst=LAN_MAC) / ip(b"1"),                    # the default PDR
          Ether(src=MAC_A, dst=blocked) / ip(b"2"),                    # PDR 3: dropped
          Ether(src=MAC_A, dst=LAN_MAC) / Dot1Q(vlan=100) / ip(b"3"),  # PDR 4: its URR 2
          Ether(src=MAC_A, dst=LAN_MAC) / Dot1Q(vlan=200) / ip(b"4")]  # the default PDR
    down = [Ether(src=LAN_MAC, dst=MAC_A) / ip(b"5"),                  # the default PDR
            Ether(src=lan2, dst=MAC_A) / ip(b"6")]                     # PDR 5: dropped
    more = [eth_filter_pdr(3, 0, 10, [IE_MACAddress(DEST=1, destination_mac=blocked)], far=3, teid=0x7811),
            eth_filter_pdr(4, 0, 20, [IE_C_TAG(VID=1, cvid_value_hi=0, cvid_value_low=100)], far=1, teid=0x7811,
                           urr=2),
            eth_filter_pdr(5, 1, 10, [IE_MACAddress(SOUR=1, source_mac=lan2), IE_Ethertype(type=0x0800)], far=3),
            S.IE_CreateFAR(IE_list=[S.IE_FAR_Id(id=3), S.IE_ApplyAction(DROP=1)]),
            S.IE_CreateURR(IE_list=[S.IE_URR_Id(id=2), S.IE_MeasurementMethod(VOLUM=1),
                                    S.IE_ReportingTriggers(volume_threshold=1),
                                    S.IE_VolumeThreshold(TOVOL=1, total=10 ** 9)])]
    with upf_pfcp(spec=spec, n3=[eth_gpdu(0x7811, f) for f in up], lan1=down) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            expect_eq(cause_of(smf.associate()), 1, "associated")
            r, a = smf.open_session(cp_seid=0xf11, ue="0.0.0.0", eth=True, gnb="192.0.2.10", gnb_teid=0x71,
                                    ul_teid=0x7811, vol_threshold=10 ** 9, more=more)
            expect_eq(cause_of(r), 1, "a session with Ethernet Packet Filters: %s" % (r and r.summary()))
            r, b = smf.open_session(cp_seid=0xf12, ue="0.0.0.0", eth=True, gnb="192.0.2.10", gnb_teid=0x72,
                                    ul_teid=0x7812, vol_threshold=10 ** 9)
            expect_eq(cause_of(r), 1, "another of the 5G LAN group, without")
            t = tables(dp)
            apps = {json.dumps(e["match"], sort_keys=True).lower(): e["params"]["app"] for e in t["eth_applications"]}
            want = [{"remote": {"value": blocked, "mask": "ff:ff:ff:ff:ff:ff"}},
                    {"ctag": {"value": 0x10064, "mask": 0x10fff}},
                    {"remote": {"value": lan2, "mask": "ff:ff:ff:ff:ff:ff"},
                     "ethertype": {"value": 0x0800, "mask": 0xffff}}]
            got = [{k: v for k, v in json.loads(m).items() if k != "slice"} for m in apps]
            expect(all(w in got for w in want) and len(got) == 3, "eth_applications: the three filters: %s" % got)
            ul = {e["match"]["teid"]: e for e in t["sessions_uplink"]}
            expect_eq((ul[0x7811]["action"], ul[0x7811]["params"].get("apps"), ul[0x7811]["params"].get("eth"),
                       ul[0x7812]["params"].get("apps", 0)), ("bridge", 1, 1, 0),
                      "the filtered session's uplink classifies, the other's does not")
            terms = sorted((e["action"], "urr" in e["params"]) for e in ul_terms(t))
            expect_eq(terms, [("bridge", True), ("drop", False)], "its uplink apps' terminations")
            expect_eq([e["action"] for e in t["terminations_downlink"]], ["drop"], "its downlink app's")
            # the UE's frames: to LAN_MAC not yet learned, they flood (the LAN, the other session)
            st = dp.phase(["n3"], events={"switch.learn": 1})
            ev, dr = T.events_of(st), T.drops_of(st)
            expect_eq((ev.get("upf.bridged"), dr.get("upf.gate_closed")), (3, 1),
                      "uplink: three bridged, the one to the blocked MAC dropped: %s %s" % (ev, dr))
            st2 = dp.phase(["lan1"])
            ev2, dr2 = T.events_of(st2), T.drops_of(st2)
            expect_eq((ev2.get("upf.to_n3", 0) - ev.get("upf.to_n3", 0),
                       dr2.get("upf.gate_closed", 0) - dr.get("upf.gate_closed", 0)), (1, 1),
                      "downlink: the LAN host's frame to the UE, the other host's dropped: %s %s" % (ev2, dr2))
            r = smf.delete(a["up_seid"], 0xf11)
            use = usage_of(r, 79)
            expect_eq((use.get(1, (0,) * 4)[2:], use.get(2, (0,) * 4)[2:]),
                      ((len(up[0]) + len(up[3]), len(down[0])), (len(up[2]), 0)),
                      "the URRs: the default PDRs' frames in URR 1, C-VID 100's in URR 2")
            expect_eq(tables(dp)["eth_applications"], [], "its apps gone with it")
            expect_eq(cause_of(smf.delete(b["up_seid"], 0xf12)), 1, "the other deleted")
            # refusals: a filter on an IP session; an SDF Filter inside one; ranges too wide
            ip_more = [eth_filter_pdr(3, 0, 10, [IE_MACAddress(DEST=1, destination_mac=blocked)], far=1,
                                      teid=0x7813)]
            r, _ = smf.open_session(cp_seid=0xf13, ue="10.45.0.13", gnb="192.0.2.10", gnb_teid=0x73,
                                    ul_teid=0x7813, more=ip_more)
            expect_eq((cause_of(r), S.ie(r, 40).type if S.ie(r, 40) is not None else None), (73, 132),
                      "an IP session's Ethernet Packet Filter: refused, naming it")
            sdf_more = [eth_filter_pdr(3, 0, 10, [IE_MACAddress(DEST=1, destination_mac=blocked),
                                                  SDF(FD=1, flow_description="permit out ip from any to assigned")],
                                       far=1, teid=0x7814)]
            r, _ = smf.open_session(cp_seid=0xf14, ue="0.0.0.0", eth=True, gnb="192.0.2.10", gnb_teid=0x74,
                                    ul_teid=0x7814, more=sdf_more)
            expect_eq((cause_of(r), S.ie(r, 40).type if S.ie(r, 40) is not None else None), (76, 23),
                      "an SDF Filter inside one: not supported, naming it")
            wide = [eth_filter_pdr(3, 0, 10, [IE_MACAddress(SOUR=1, USOU=1, source_mac="00:00:00:00:00:01",
                                                            upper_source_mac="ff:ff:ff:ff:ff:fe")], far=1,
                                   teid=0x7815)]
            r, _ = smf.open_session(cp_seid=0xf15, ue="0.0.0.0", eth=True, gnb="192.0.2.10", gnb_teid=0x75,
                                    ul_teid=0x7815, more=wide)
            expect_eq((cause_of(r), S.ie(r, 40).type if S.ie(r, 40) is not None else None), (75, 132),
                      "a MAC range past the filter's bound: no resources, naming it")
            now = tables(dp)
            expect_eq([k for k in ("sessions_uplink", "sessions_downlink", "sessions_eth", "lan_members",
                                   "eth_applications", "terminations_uplink", "terminations_downlink")
                       if now[k] != base[k]], [], "the refusals changed nothing")


def keys_of(t):
    """Every entry of the tables as (table, match, action): what is there, whatever its
    counters' thresholds now."""
    return sorted((k, json.dumps(e["match"], sort_keys=True), e["action"]) for k, v in t.items() for e in v)


@R.test
def test_recovery_stamps_and_setups_again():
    """TS 23.007 19A, TS 29.244 6.2.6.2.2 with a session carrying traffic. OAI answers sxcd's
    heartbeats with its start time, earlier than its setup's stamp: discarded, the session
    stays and forwards (its G-PDUs counted). A Heartbeat Request with an earlier stamp: the
    same; OAI's requests, each stamped with the time it is sent (later and later): the same,
    as a restarted SMF's stamp stays put and is taken when two requests say it. A setup again with PFCP Session Retention Information keeps it (PSREI); a setup
    again with the same stamp takes it: the tables are as before any session."""
    from scapy.all import Ether, IP, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header
    g = [Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
         UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x7790, gtp_type=255) /
         IP(src="10.45.0.30", dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(b"r" * 200)]
    with upf_pfcp(n3=g, cd_extra=["--pfcp-heartbeat-s", "1"]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, sess = smf.open_session(cp_seid=0xb1, ue="10.45.0.30", gnb="192.0.2.10", gnb_teid=0x51,
                                       ul_teid=0x7790)
            expect_eq(cause_of(r), 1, "established")
            with_session = tables(dp)
            smf.hb_rts = smf.rts - 3600            # its start time, an hour before its setup's stamp
            expect(smf.wait_request(S.HEARTBEAT_REQ, timeout=5) is not None, "sxcd's heartbeat answered")
            expect(smf.wait_request(S.HEARTBEAT_REQ, timeout=5) is not None, "and the next")
            smf.heartbeat(rts=smf.rts - 60)        # a late request of the SMF's
            for k in range(3):                     # OAI's requests: each stamped with the time it is sent
                smf.heartbeat(rts=smf.rts + 10 * (k + 1))
            c = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["counters"]
            expect_eq(c["smf_restarts"], 0, "no restart seen in earlier stamps, nor in ever later ones")
            expect(c.get("earlier_stamps_discarded", 0) >= 3, "earlier stamps discarded: %s" % c)
            expect_eq(c.get("later_stamps_unconfirmed"), 3, "later ones never said twice")
            expect_eq(tables(dp), with_session, "the session stays")
            dp.phase(["n3"])
            r = smf.modify(sess["up_seid"], 0xb1, query_urr=1)
            expect_eq(usage_of(r, 78).get(1, (None, None, None))[2], len(g[0][GTP_U_Header].payload),
                      "its uplink forwarded and counted")
            r = smf.associate(retain=True)
            expect_eq((cause_of(r), bytes(S.ie(r, S.IE_ASRSP_FLAGS) or b"")[-1:]), (1, b"\x01"),
                      "set up again asking to keep its sessions: PSREI")
            expect_eq(keys_of(tables(dp)), keys_of(with_session), "kept")
            r = smf.associate()
            expect_eq(cause_of(r), 1, "set up again, the same stamp")
            deadline = time.monotonic() + SETTLE_S
            while tables(dp) != base and time.monotonic() < deadline:
                time.sleep(0.05)
            expect_eq(tables(dp), base, "its session gone")
            r = smf.modify(sess["up_seid"], 0xb1, query_urr=1)
            expect_eq(cause_of(r), 65, "the old session is no more (Session context not found)")


@R.test
def test_sequence_numbers_again_after_an_smf_restart():
    """free5GC and Open5GS number their requests from 1 again after a restart, from the same
    address and port: the restarted SMF's establishment under the number of one the UPF
    answered before (other bytes) is a new request (TS 29.244 6.4: a retransmission is the
    request again), answered with its own session, whose traffic is forwarded; a true
    retransmission is still answered from the cache, byte for byte."""
    from scapy.all import Ether, IP, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header
    g = [Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
         UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x77a2, gtp_type=255) /
         IP(src="10.45.0.42", dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(b"n" * 300)]
    with upf_pfcp(n3=g) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            addr = smf.addr
            smf.associate(seq=1)
            r, old = smf.open_session(cp_seid=0xc1, ue="10.45.0.41", gnb="192.0.2.10", gnb_teid=0x61,
                                      ul_addr="192.0.2.1", ul_teid=0x77a1, seq=2)
            expect_eq(cause_of(r), 1, "the first SMF's session")
        with S.Smf(("127.0.0.1", port), profile="free5gc", bind=addr) as smf:   # restarted: from 1 again
            smf.rts += 30
            expect_eq(cause_of(smf.associate(seq=1)), 1, "set up again after its restart")
            msg = smf.est_msg(0xc2, "10.45.0.42", seq=2, gnb="192.0.2.10", gnb_teid=0x62, ul_addr="192.0.2.1",
                              ul_teid=0x77a2, vol_threshold=10 ** 9)
            r = smf.request(msg)
            expect_eq((cause_of(r), r.seid if r is not None else None), (1, 0xc2),
                      "its establishment under number 2 is answered as its own")
            new = S.ie(r, S.IE_FSEID_T).seid
            expect(new != old["up_seid"], "a new session, not the old one's SEID")
            again = smf.request(msg)
            expect_eq(bytes(again), bytes(r), "its retransmission: the same answer")
            t = tables(dp)
            expect_eq(sorted(e["match"]["teid"] for e in t["sessions_uplink"]), [0x77a2], "only the new session")
            dp.phase(["n3"])
            r = smf.modify(new, 0xc2, query_urr=1)
            expect_eq(usage_of(r, 78).get(1, (None, None, None))[2], len(g[0][GTP_U_Header].payload),
                      "its uplink forwarded and counted")
            c = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["counters"]
            # the setup's number met the last life's answer (counted); the setup then
            # took the last life's answers away, so its establishment's number meets none
            expect(c.get("sequence_reused", 0) >= 1, "numbers reused counted: %s" % c.get("sequence_reused"))


@R.test
def test_byte_identical_requests_of_a_restarted_smf():
    """A restarted free5GC SMF (new Recovery Time Stamp, numbering from 1 again) sets up
    again and re-establishes its UEs with requests byte for byte those of its last life:
    they are new requests, not retransmissions (the answers kept for an association die
    with it, TS 29.244 6.4): the session is made again in sxdp, and its own retransmission
    is still answered from the cache."""
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            addr = smf.addr
            smf.associate(seq=1)
            msg = smf.est_msg(0xc1, "10.45.0.41", seq=2, gnb="192.0.2.10", gnb_teid=0x61, ul_addr="192.0.2.1",
                              ul_teid=0x77a1)
            expect_eq(cause_of(smf.request(msg)), 1, "the first life's session")
        with S.Smf(("127.0.0.1", port), profile="free5gc", bind=addr) as smf:   # restarted
            smf.rts += 30
            expect_eq(cause_of(smf.associate(seq=1)), 1, "set up again after its restart")
            expect_eq(tables(dp)["sessions_uplink"], [], "the last life's session gone with it")
            r = smf.request(msg)
            expect_eq(cause_of(r), 1, "the same bytes under the same number: answered as a new request")
            expect_eq(sorted(e["match"]["teid"] for e in tables(dp)["sessions_uplink"]), [0x77a1],
                      "the session made again in sxdp, not answered from the last life's cache")
            expect_eq(bytes(smf.request(msg)), bytes(r), "its own retransmission: the same answer")


@R.test
def test_unanswered_reports_logged_at_a_bounded_rate():
    """An SMF that stops answering: 40 sessions buffering their downlink each get a packet,
    so 40 Session Report Requests go unanswered (T1 200 ms, N1 1). They are counted
    (report_failures) and said in at most a line per 10 s, the count of those held back in
    the next: the log does not grow a line per report."""
    from scapy.all import Ether, IP, UDP, Raw
    n = 40
    dl = [Ether(src="02:00:00:00:05:05", dst="02:00:0A:0A:00:FE") / IP(src="10.10.0.5", dst="10.45.1.%d" % (i + 1)) /
          UDP(sport=7777, dport=4000) / Raw(b"to an idle UE") for i in range(n)]
    with upf_pfcp(lan1=dl, cd_extra=["--pfcp-t1-ms", "200", "--pfcp-n1", "1"]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="open5gs") as smf:
            smf.associate()
            for i in range(n):
                r, sess = smf.open_session(cp_seid=0xd00 + i, ue="10.45.1.%d" % (i + 1), gnb="192.0.2.10",
                                           gnb_teid=0x700 + i, ul_addr="192.0.2.1", ul_teid=0x7700 + i)
                expect_eq(cause_of(r), 1, "session %d" % i)
                expect_eq(cause_of(smf.modify(sess["up_seid"], 0xd00 + i, far=2, buffer=True)), 1, "buffering %d" % i)
            dp.phase(["lan1"])
            deadline = time.monotonic() + 20
            fails = 0
            while time.monotonic() < deadline:
                smf.drain()   # never answered
                fails = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"].get("report_failures", 0)
                if fails >= n:
                    break
                time.sleep(0.2)
            expect(fails >= n, "%d reports unanswered (report_failures %d)" % (n, fails))
            lines = [ln for ln in open(cd.log).read().splitlines() if "Session Report Request went unanswered" in ln]
            expect(1 <= len(lines) <= 3, "%d log lines for %d unanswered reports: %s" % (len(lines), fails, lines))


def volume_nop(r, ietype):
    """{urr id: (flags, total, ul, dl bytes, total, ul, dl packets)} of the usage reports' Volume
    Measurements, read from their bytes (scapy knows no packet counts)."""
    import struct as st_
    out = {}
    for c in S.ies(r):
        if c.ietype != ietype:
            continue
        d = {x.ietype: x for x in c.IE_list}
        v = bytes(d[66])[4:]
        vals, at = [], 1
        for bit in range(6):
            if v[0] & (1 << bit):
                vals.append(st_.unpack_from("!Q", v, at)[0])
                at += 8
            else:
                vals.append(None)
        out[d[81].id] = (v[0],) + tuple(vals)
    return out


@R.test
def test_packets_counted_when_asked():
    """MNOP: a URR whose Measurement Information asks for the number of packets reports them
    beside the volumes (TONOP, ULNOP, DLNOP): three G-PDUs, three uplink packets, in a Query
    URR's report and the Deletion Response's; a URR that does not ask reports volumes alone."""
    from scapy.contrib.gtp import GTP_U_Header
    g = [gpdu(0x7701, "10.45.3.1", n, b"p") for n in (10, 100, 1000)] + [gpdu(0x7702, "10.45.3.2", 50, b"p")]
    ul = sum(len(x[GTP_U_Header].payload) for x in g[:3])
    with upf_pfcp(n3=g) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, a = smf.open_session(cp_seid=0xf1, ue="10.45.3.1", gnb="192.0.2.10", gnb_teid=0x91, ul_teid=0x7701,
                                    vol_threshold=10 ** 9, mnop=True)
            expect_eq(cause_of(r), 1, "with MNOP")
            r, b = smf.open_session(cp_seid=0xf2, ue="10.45.3.2", gnb="192.0.2.10", gnb_teid=0x92, ul_teid=0x7702,
                                    vol_threshold=10 ** 9)
            expect_eq(cause_of(r), 1, "without")
            dp.phase(["n3"])
            got = volume_nop(smf.modify(a["up_seid"], 0xf1, query_urr=1), 78)
            expect_eq(got.get(1), (0x3f, ul, ul, 0, 3, 3, 0), "volumes and packets: flags TOVOL..DLNOP")
            got = volume_nop(smf.modify(b["up_seid"], 0xf2, query_urr=1), 78)
            expect_eq(got.get(1), (0x07, len(g[3][GTP_U_Header].payload), len(g[3][GTP_U_Header].payload), 0,
                                   None, None, None), "volumes alone when not asked")
            got = volume_nop(smf.delete(a["up_seid"], 0xf1), 79)
            expect_eq(got.get(1), (0x3f, ul, ul, 0, 3, 3, 0), "the final report: the same (a query resets nothing)")
            expect_eq(cause_of(smf.delete(b["up_seid"], 0xf2)), 1, "deleted")


def error_ind(gnb, teid, to="192.0.2.1"):
    """A gNB's GTP-U Error Indication (TS 29.281 7.3.1): it has no tunnel @teid. Its bytes:
    the header with a sequence number, TEID Data I, GTP-U Peer Address."""
    import socket as so
    import struct as st_
    from scapy.all import Ether, IP, UDP, Raw
    ies = bytes([16]) + st_.pack("!I", teid) + bytes([133]) + st_.pack("!H", 4) + so.inet_aton(gnb)
    g = st_.pack("!BBHIHBB", 0x32, 26, len(ies) + 4, 0, 0, 0, 0) + ies
    return (Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src=gnb, dst=to) /
            UDP(sport=2152, dport=2152) / Raw(g))


@R.test
def test_error_indication_reported():
    """A gNB's Error Indication for one of the tunnels a session's downlink goes into: a
    Session Report Request to that session's SMF with Report Type ERIR and an Error
    Indication Report naming the Remote F-TEID (the gNB's address and TEID, TS 29.244 5.10);
    a session on another TEID hears nothing; one for a tunnel no session uses reports
    nothing."""
    frames = [error_ind("192.0.2.10", 0xa1), error_ind("192.0.2.10", 0x999)]
    with upf_pfcp(n3=frames) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, a = smf.open_session(cp_seid=0x1a1, ue="10.45.4.1", gnb="192.0.2.10", gnb_teid=0xa1, ul_teid=0x77d1)
            expect_eq(cause_of(r), 1, "session on TEID 0xa1")
            r, b = smf.open_session(cp_seid=0x1a2, ue="10.45.4.2", gnb="192.0.2.10", gnb_teid=0xa2, ul_teid=0x77d2)
            expect_eq(cause_of(r), 1, "session on TEID 0xa2")
            dp.phase(["n3"])
            got = smf.wait_request(S.SESS_REPORT_REQ, timeout=5)
            expect(got is not None, "a Session Report Request")
            p = got[0]
            expect_eq(p.seid, 0x1a1, "to the session whose downlink goes into that tunnel")
            expect_eq(bytes(S.ie(p, 39))[4:5], b"\x04", "Report Type ERIR")
            eir = S.ie(p, 99)
            f = [x for x in eir.IE_list if x.ietype == 21] if eir is not None else []
            expect_eq([(x.V4, x.TEID, x.ipv4) for x in f], [(1, 0xa1, "192.0.2.10")],
                      "its Error Indication Report's Remote F-TEID")
            expect(smf.wait_request(S.SESS_REPORT_REQ, timeout=1.0) is None,
                   "one report: none for the tunnel no session uses")
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]
            expect_eq((st["error_indications"], st["error_indication_reports"]), (2, 1), "counted")


def echo_rsp(gnb, seq, to="192.0.2.1", recovery=0):
    """A gNB's GTP-U Echo Response (TS 29.281 7.2.2): sequence number @seq, Recovery."""
    import struct as st_
    from scapy.all import Ether, IP, UDP, Raw
    g = st_.pack("!BBHIHBB", 0x32, 2, 6, 0, seq, 0, 0) + bytes([14, recovery])
    return (Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src=gnb, dst=to) /
            UDP(sport=2152, dport=2152) / Raw(g))


@R.test
def test_gtpu_path_supervision():
    """TS 29.281 7.2, TS 23.527: the UPF's N3 link supervises its peers' paths (echo every
    1 s, 2 misses): a gNB that does not answer has its path down after its misses, and each
    SMF with a session into it gets a Node Report Request with a User Plane Path Failure
    Report naming it (once, however many sessions); its Echo Response brings the path up
    again: a Recovery Report. upf.paths, the counters (the page's) and /metrics say so; an
    SMF with a session into another gNB hears of that one alone."""
    spec = dict(UPF, n3=dict(UPF["n3"], echo_interval_s=1, echo_misses=2))
    answers = [echo_rsp("192.0.2.10", k) for k in range(1, 40)]
    with upf_pfcp(spec=spec, n3=answers) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf, \
                S.Smf(("127.0.0.1", port), profile="oai", bind=("127.0.0.2", 0), fqdn="smf2.test.example") as other:
            smf.associate()
            other.associate()
            for k in range(2):
                r, _ = smf.open_session(cp_seid=0x2b0 + k, ue="10.45.5.%d" % (k + 1), gnb="192.0.2.10",
                                        gnb_teid=0xb0 + k, ul_teid=0x77e0 + k)
                expect_eq(cause_of(r), 1, "session %d into the gNB" % k)
            r, _ = other.open_session(cp_seid=0x2c0, ue="10.45.5.9", gnb="192.0.2.11", gnb_teid=0xc0, ul_teid=0x77e9)
            expect_eq(cause_of(r), 1, "the other SMF's, into another gNB")
            got = smf.wait_request(S.NODE_REPORT_REQ, timeout=15)
            expect(got is not None, "a Node Report Request once the path is down")
            p = got[0]
            expect_eq(bytes(S.ie(p, 101))[4:5], b"\x01", "Node Report Type UPFR")
            fr = S.ie(p, 102)
            peer = [bytes(x)[4:] for x in (fr.IE_list if fr is not None else []) if x.ietype == 103]
            expect_eq(peer, [b"\x02" + bytes([192, 0, 2, 10])], "its Remote GTP-U Peer: the gNB (V4)")
            paths = {x["peer"]: x for x in dp.rpc("upf.paths")["paths"]}
            expect_eq(paths.get("192.0.2.10", {}).get("state"), "down", "upf.paths: down")
            dp.phase(["n3"])   # the gNB answers
            got = smf.wait_request(S.NODE_REPORT_REQ, timeout=10)
            expect(got is not None and bytes(S.ie(got[0], 101))[4:5] == b"\x02", "a Recovery Report (UPRR)")
            rr = S.ie(got[0], 187) if got is not None else None
            expect(rr is not None, "its User Plane Path Recovery Report")
            paths = {x["peer"]: x for x in dp.rpc("upf.paths")["paths"]}
            expect_eq({k: paths["192.0.2.10"][k] for k in ("state", "recoveries")}, {"state": "up", "recoveries": 1},
                      "upf.paths: up again")
            expect(smf.wait_request(S.NODE_REPORT_REQ, timeout=0.5) is None, "one report each way")
            # seen: the Visibility API's counters (the page's) and /metrics, per far end
            code, c = cd.req("GET", "/api/v1/counters")
            vis = {x["peer"]: x["state"] for x in (c.get("upf") or {}).get("paths", [])}
            expect_eq(vis.get("192.0.2.10"), "up", "counters: the path")
            code, m = cd.req("GET", "/metrics")
            expect('sxdp_upf_path_up{peer="192.0.2.10"} 1' in m and 'sxdp_upf_path_failures_total{peer="192.0.2.10"} 1' in m,
                   "metrics: the path up, one failure: %s" % [ln for ln in m.splitlines() if "upf_path" in ln])
            # the other SMF hears of its own gNB's path alone (192.0.2.11 never answers)
            got = other.wait_request(S.NODE_REPORT_REQ, timeout=10)
            fr = S.ie(got[0], 102) if got is not None else None
            expect_eq([bytes(x)[4:] for x in (fr.IE_list if fr is not None else []) if x.ietype == 103],
                      [b"\x02" + bytes([192, 0, 2, 11])], "the other SMF: its own gNB's path, not ours")
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]
            expect(st["path_failures"] >= 2 and st["path_recoveries"] == 1, "counted: %s" % st)


@R.test
def test_periodic_time_and_quota_reports():
    """Time-based and quota URRs with traffic (TS 29.244 5.2.2): a Measurement Period of 1 s
    (PERIO) reports every second what passed since the last (the G-PDUs once, then 0s); a
    Time Threshold of 2 s (TIMTH) reports once it is past; a Volume Quota
    (400 bytes, VOLQU) reports when used up and its PDRs forward no more (their entries drop); a
    Time Quota of 2 s (TIMQU) the same once it is past; the volume quota granted again (Update
    URR) is measured from then, its uplink forwarding again. Each report to its own session's
    SMF, its trigger the one due."""
    from scapy.contrib.gtp import GTP_U_Header
    from scapy.contrib.pfcp import (IE_MeasurementMethod, IE_MeasurementPeriod, IE_ReportingTriggers,
                                    IE_TimeQuota, IE_TimeThreshold, IE_VolumeQuota)
    kinds = {
        "perio": [IE_MeasurementMethod(VOLUM=1), IE_ReportingTriggers(periodic_reporting=1), IE_MeasurementPeriod(period=1)],
        "timth": [IE_MeasurementMethod(VOLUM=1, DURAT=1), IE_ReportingTriggers(time_threshold=1),
                  IE_TimeThreshold(threshold=2)],
        "volqu": [IE_MeasurementMethod(VOLUM=1), IE_ReportingTriggers(volume_quota=1), IE_VolumeQuota(TOVOL=1, total=400)],
        "timqu": [IE_MeasurementMethod(VOLUM=1, DURAT=1), IE_ReportingTriggers(time_quota=1), IE_TimeQuota(quota=2)],
    }
    teid = {k: 0x7710 + i for i, k in enumerate(kinds)}
    ue = {k: "10.45.6.%d" % (i + 1) for i, k in enumerate(kinds)}
    first = [gpdu(teid[k], ue[k], 200, b"q") for k in kinds for _ in range(2)]   # 2 x 228 bytes each
    one = len(first[0][GTP_U_Header].payload)
    with upf_pfcp(n3=first, lan1=[]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            seid, smf_sessions = {}, []
            for i, k in enumerate(kinds):
                r, sess = smf.open_session(cp_seid=0x300 + i, ue=ue[k], gnb="192.0.2.10", gnb_teid=0xd0 + i,
                                           ul_teid=teid[k], urr=kinds[k])
                expect_eq(cause_of(r), 1, "%s: established" % k)
                seid[0x300 + i] = k
                smf_sessions.append((sess["up_seid"], 0x300 + i))
            t0 = time.monotonic()
            dp.phase(["n3"])
            reports = {k: [] for k in kinds}
            while time.monotonic() - t0 < SETTLE_S and not (len(reports["perio"]) >= 3 and reports["timth"] and
                                                    reports["volqu"] and reports["timqu"]):
                got = smf.wait_request(S.SESS_REPORT_REQ, timeout=1)
                if got is None:
                    continue
                k = seid.get(got[0].seid)
                u = usage_of(got[0], 80)
                if k is not None and 1 in u:
                    reports[k].append((time.monotonic() - t0, u[1]))
            trig = {k: [bytes(x[1][0]) for x in v] for k, v in reports.items()}
            expect(len(reports["perio"]) >= 3 and all(t[0] & 0x01 for t in trig["perio"]),
                   "PERIO every second: %s" % reports["perio"])
            expect_eq(sum(v[1][2] for v in reports["perio"]), 2 * one, "the periods together: its G-PDUs' bytes, once")
            expect_eq(reports["perio"][-1][1][1], 0, "the last period: nothing since")
            expect(len(reports["timth"]) >= 1 and trig["timth"][0][0] & 0x04 and reports["timth"][0][0] >= 1.5,
                   "TIMTH once 2 s passed: %s" % reports["timth"])
            expect(len(reports["volqu"]) == 1 and trig["volqu"][0][1] & 0x01, "VOLQU: %s" % reports["volqu"])
            expect(len(reports["timqu"]) >= 1 and trig["timqu"][0][1] & 0x02 and reports["timqu"][0][0] >= 1.5,
                   "TIMQU once 2 s passed: %s" % reports["timqu"])
            # a quota used up stops its PDRs as a closed gate does: their entries drop
            deadline = time.monotonic() + SETTLE_S
            while time.monotonic() < deadline:
                act = {e["match"]["teid"]: e["action"] for e in tables(dp)["sessions_uplink"]}
                if act.get(teid["volqu"]) == "drop" and act.get(teid["timqu"]) == "drop":
                    break
                time.sleep(0.1)
            expect_eq({k: act.get(teid[k]) for k in kinds},
                      {"perio": "fwd_n6", "timth": "fwd_n6", "volqu": "drop", "timqu": "drop"},
                      "the quotas' uplinks drop; the others forward")
            # the volume quota granted again (the same 400 bytes: Update URR): measured from now,
            # its uplink forwards again
            from scapy.contrib.pfcp import IE_UpdateURR, IE_URR_Id, PFCPSessionModificationRequest
            sess_up = [x for x in smf_sessions if x[1] == 0x302][0][0]   # volqu's
            seq = smf.next_seq()
            r = smf.request(smf.wrap(PFCPSessionModificationRequest(IE_list=[IE_UpdateURR(IE_list=[
                IE_URR_Id(id=1), IE_VolumeQuota(TOVOL=1, total=400)])]), seq, seid=sess_up), seq=seq)
            expect_eq(cause_of(r), 1, "a new quota granted")
            deadline = time.monotonic() + SETTLE_S
            while time.monotonic() < deadline:
                act = {e["match"]["teid"]: e["action"] for e in tables(dp)["sessions_uplink"]}
                if act.get(teid["volqu"]) == "fwd_n6":
                    break
                time.sleep(0.1)
            expect_eq(act.get(teid["volqu"]), "fwd_n6", "forwarding again under the new quota")


@R.test
def test_reported_usage_never_reported_again_after_a_restart():
    """A periodic report (PERIO, 1 s) goes once the journal has the usage it reports: sxcd
    killed (-9) and started again on its journal goes on from what it reported, so the
    G-PDUs' bytes reach the SMF once over every report that follows and the deletion's final
    one (a crash between the journal and the send could lose a report, never double one)."""
    import signal
    from scapy.contrib.gtp import GTP_U_Header
    from scapy.contrib.pfcp import IE_MeasurementMethod, IE_MeasurementPeriod, IE_ReportingTriggers
    urr = [IE_MeasurementMethod(VOLUM=1), IE_ReportingTriggers(periodic_reporting=1), IE_MeasurementPeriod(period=1)]
    first = [gpdu(0x7790, "10.45.6.90", 200, b"r") for _ in range(2)]
    one = len(first[0][GTP_U_Header].payload)

    def periods(smf, seconds, until=None):
        got, t0 = [], time.monotonic()
        while time.monotonic() - t0 < seconds and not (until and until(got)):
            rq = smf.wait_request(S.SESS_REPORT_REQ, timeout=1)
            u = usage_of(rq[0], 80) if rq is not None and rq[0].seid == 0x390 else {}
            if 1 in u:
                got.append(u[1][1])
        return got

    with upf_pfcp(n3=first, lan1=[]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, sess = smf.open_session(cp_seid=0x390, ue="10.45.6.90", gnb="192.0.2.10", gnb_teid=0xe0,
                                       ul_teid=0x7790, urr=urr)
            expect_eq(cause_of(r), 1, "established")
            dp.phase(["n3"])
            before = periods(smf, SETTLE_S, until=lambda g: sum(g) >= 2 * one)
            expect_eq(sum(before), 2 * one, "the G-PDUs reported before the restart: %s" % before)
            cd.stop(signal.SIGKILL)
            cd.start()
            judged(cd)
            after = periods(smf, 3.5)
            expect(len(after) >= 2, "periodic reports go on after the restart: %s" % after)
            rd = smf.delete(sess["up_seid"])
            expect_eq(cause_of(rd), 1, "deleted")
            final = usage_of(rd, 79).get(1, (None, 0))[1] or 0
            expect_eq(sum(after) + final, 0, "nothing reported twice after the restart (reports %s, final %d)" %
                      (after, final))


@R.test
def test_open5gs_router_solicitation_pdrs():
    """Open5GS adds to every session a PDR from the CP function and one sending the UE's IPv6
    Router Solicitations (an SDF to ff02::2 on the uplink tunnel) to a FAR toward the SMF
    (Destination Interface CP-function, a GTP-U tunnel to it). SMF-bound GTP-U is not carried:
    on a UPF without an N9 link the session is established all the same (the SMF is no N9
    peer), its uplink forwards, and no tunnel peer goes to the SMF."""
    from scapy.contrib.gtp import GTP_U_Header
    spec = {k: v for k, v in UPF.items() if k != "n9"}
    g = gpdu(0x77f1, "10.45.7.1")
    with upf_pfcp(spec=spec, n3=[g]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="open5gs") as smf:
            smf.associate()
            r, sess = smf.open_session(cp_seid=0x3f1, ue="10.45.7.1", gnb="192.0.2.10", gnb_teid=0xf1,
                                       ul_addr="192.0.2.1", ul_teid=0x77f1, vol_threshold=10 ** 9)
            expect_eq(cause_of(r), 1, "established: %s" % (r and r.summary()))
            peers = [e["params"]["dst"] for e in tables(dp)["tunnel_peers"]]
            expect("127.0.0.1" not in peers, "no tunnel to the SMF: %s" % peers)
            dp.phase(["n3"])
            r = smf.modify(sess["up_seid"], 0x3f1, query_urr=1)
            expect_eq(usage_of(r, 78).get(1, (None, None, None))[2], len(g[GTP_U_Header].payload),
                      "its uplink forwarded and counted")


@R.test
def test_ipv6_router_discovery_by_the_rules():
    """An IPv6 UE's Router Solicitation (TS 23.501 5.8.2.2.1) is answered as its session's
    rules say. free5GC's and OAI's sessions name nobody for it: the UPF answers with the
    session's /64 (a sessions_ra entry, an RA down the tunnel). Open5GS's relay it to the
    SMF (a PDR from the CP function, one sending ICMPv6 to ff02::2 to a FAR toward the SMF's
    GTP-U address): carried over the n9 link, the RS leaves in a tunnel to the SMF (an app
    of ff02::2 and its termination), what the SMF sends into the CP function's F-TEID (one
    of the n9 link's) goes down the UE's tunnel (a sessions_n9_downlink entry of the
    downlink FAR's action), and the UPF answers nothing itself. An SMF whose GTP-U address
    is no routable one (loopback) cannot be reached: the UPF answers. Deleted, nothing stays."""
    from scapy.all import Ether, IP, IPv6, UDP, ICMPv6ND_RS
    from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
    spec = dict(UPF, ue_pool6="2001:db8:45::/48",
                ueip_pools=[{"prefix": "10.45.12.0/24", "network_instance": "internet"},
                            {"prefix": "2001:db8:45:300::/56", "network_instance": "internet"}])

    def rs(teid):
        return (Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
                UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid, gtp_type=255, next_ex=0x85) /
                GTPPDUSessionContainer(type=1, QFI=9) / IPv6(src="fe80::77", dst="ff02::2", hlim=255) /
                ICMPv6ND_RS())
    shapes = (("free5gc", 0x7c01, None), ("open5gs", 0x7c02, "198.51.100.7"), ("open5gs", 0x7c03, None))
    with upf_pfcp(spec=spec, n3=[rs(t) for _, t, _ in shapes]) as (dp, cd, port, base):
        sess = []
        # one SMF (one association), each session in a core's shape
        smf = S.Smf(("127.0.0.1", port), profile="free5gc")
        smf.associate()
        for i, (profile, teid, gtpu) in enumerate(shapes):
            smf.profile = profile
            r, s_ = smf.open_session(cp_seid=0xc01 + i, ue="choose46", gnb="192.0.2.10", gnb_teid=0xc1 + i,
                                     ul_addr="192.0.2.1", ul_teid=teid, cp_gtpu=gtpu)
            expect_eq(cause_of(r), 1, "%s session %d established" % (profile, i))
            cp_teid = [x.TEID for c in S.ies(r) if c.ietype == S.IE_CREATED_PDR
                       for x in c.IE_list if x.ietype == 21 and
                       any(y.ietype == 56 and y.id == 3 for y in c.IE_list)]
            sess.append((s_, cp_teid))
        t = tables(dp)
        ra = {e["params"]["prefix"]: e for e in t["sessions_ra"]}
        expect_eq(sorted(ra), sorted([sess[0][0]["ue6"], sess[2][0]["ue6"]]),
                  "an RA of the UPF's for the free5GC session and the unreachable SMF's, not the carried one's")
        expect(all(e["params"]["router"] == "fe80::1" for e in ra.values()), "from the UPF's link-local address")
        smf_peer = [e["match"]["id"] for e in t["tunnel_peers"] if e["params"]["dst"] == "198.51.100.7"]
        expect_eq(len(smf_peer), 1, "a tunnel to the SMF's GTP-U address over n9: %s" % t["tunnel_peers"])
        relay = [e for e in ul_terms(t) if e["params"].get("peer") == smf_peer[0]]
        expect_eq([(e["action"], e["params"]["teid"]) for e in relay], [("fwd_n9", 0xc02 & 0xffff)],
                  "the RS rule's termination: into the SMF's tunnel")
        n9 = by(t, "sessions_n9_downlink", "teid")
        expect(sess[1][1] and sess[1][1][0] in n9, "the CP function's F-TEID is an n9 one: %s in %s" %
               (sess[1][1], sorted(n9)))
        expect_eq(n9[sess[1][1][0]]["action"], "encap_n3", "what the SMF sends goes down the UE's tunnel")
        ev0 = T.events_of(dp.stats())
        st = dp.phase(["n3"])
        ev = T.events_of(st)
        expect_eq((ev.get("upf.ra_sent", 0) - ev0.get("upf.ra_sent", 0),
                   ev.get("upf.to_n9", 0) - ev0.get("upf.to_n9", 0)), (2, 1),
                  "two RSs answered by the UPF, one relayed to the SMF")
        for s_, _ in sess:
            expect_eq(cause_of(smf.delete(s_["up_seid"])), 1, "deleted")
        smf.close()
        expect_eq(tables(dp), base, "nothing left")


@R.test
def test_volume_threshold_report():
    """A URR with a volume threshold below what the session sends: one Session Report
    Request with a usage report (VOLTH) counting what crossed it."""
    from scapy.all import Ether, IP, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header
    inner = [IP(src="10.45.0.9", dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(b"y" * 500)
             for _ in range(4)]
    g = [Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
         UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x7779, gtp_type=255) / i for i in inner]
    with upf_pfcp(n3=g) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, sess = smf.open_session(cp_seid=0x91, ue="10.45.0.9", gnb="192.0.2.10", gnb_teid=0x33,
                                       ul_teid=0x7779, vol_threshold=1000)
            expect_eq(cause_of(r), 1, "established")
            dp.phase(["n3"])
            rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=5.0)
            expect(rep is not None, "a Session Report Request")
            u = usage_of(rep[0], 80)
            expect(u.get(1) is not None and u[1][0][0] & 0x02, "usage report, trigger VOLTH: %r" % u)
            expect(u[1][1] >= 1000, "it counts what crossed the threshold: %r" % (u[1],))
            expect_eq(cause_of(smf.delete(sess["up_seid"])), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")


@R.test
def test_dl_data_notification_delay():
    """DDND: two sessions whose BAR has a DL Data Notification Delay of 100 (5 s), their
    downlink buffering with NOCP, a packet to each UE. A's DL Data Report comes once, after
    the delay; B's downlink forwards again at ~200 ms (the UE came back): no report for B at
    all, and what B held leaves to the gNB. The SMF's Session Report Response carries an
    Update BAR (taken; the session goes on). Counted in the status. (The delay is long so
    that a busy machine's stall cannot stretch B's ~200 ms past it.)"""
    from scapy.all import Ether, IP, UDP, Raw
    delay_s = 5.0
    dl = [Ether(src="02:00:00:00:05:05", dst="02:00:0A:0A:00:FE") / IP(src="10.10.0.5", dst=ue) /
          UDP(sport=7777, dport=4000) / Raw(b"to the idle UE") for ue in ("10.45.0.31", "10.45.0.32")]
    with upf_pfcp(lan1=dl) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            sess = {}
            for name, ue, cp, teid in (("A", "10.45.0.31", 0xa31, 0x7a31), ("B", "10.45.0.32", 0xa32, 0x7a32)):
                r, s_ = smf.open_session(cp_seid=cp, ue=ue, gnb="192.0.2.10", gnb_teid=0x31, ul_teid=teid,
                                         bar_delay=int(delay_s / 0.05))
                expect_eq(cause_of(r), 1, "%s established with its BAR" % name)
                expect_eq(cause_of(smf.modify(s_["up_seid"], cp, far=2, buffer=True)), 1, "%s buffers" % name)
                sess[name] = (s_["up_seid"], cp)
            ev0 = T.events_of(dp.stats())
            t0 = time.monotonic()
            dp.release(["lan1"])
            dp.wait_events({"upf.buffered": ev0.get("upf.buffered", 0) + 2}, 5)
            time.sleep(max(0.0, t0 + 0.2 - time.monotonic()))
            r = smf.modify(sess["B"][0], sess["B"][1], far=2, gnb="192.0.2.10", gnb_teid=0x932)
            expect_eq(cause_of(r), 1, "B forwards again at ~200 ms")
            took = time.monotonic() - t0
            expect(took < delay_s - 1.0, "B's Modification answered well within the delay (%.3f s)" % took)
            # what B held leaves towards the gNB (held there for its MAC: none answers ARP here)
            dp.wait_events({"upf.to_n3": ev0.get("upf.to_n3", 0) + 1}, 5)
            rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=delay_s + 10.0, bar_delay=2)
            expect(rep is not None, "A's DL Data Report, after its delay")
            p, _, at = rep
            expect(at - t0 >= delay_s - 0.05, "sent after the delay: %.3f s after the packet came" % (at - t0))
            expect_eq((p.seid, S.ie(p, 39).DLDR), (sess["A"][1], 1), "to A's CP SEID, DLDR")
            ddr = S.ie(p, 83)
            expect(ddr is not None and [x.id for x in ddr.IE_list if x.ietype == 56] == [2],
                   "its DL Data Report names the downlink PDR")
            expect(smf.wait_request(S.SESS_REPORT_REQ, timeout=1.0) is None, "once, and none for B")
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]
            expect_eq((st["dl_data_reports"], st["dl_data_reports_delayed"], st["dl_data_reports_cancelled"],
                       st["report_failures"]), (1, 2, 1, 0), "status: one sent, two delayed, one cancelled")
            code, m = cd.req("GET", "/metrics")
            expect("sxcd_pfcp_dl_data_reports_cancelled_total 1" in m, "metrics: the cancelled one")
            # the Update BAR taken: A forwards, buffers again, and is deleted cleanly
            expect_eq(cause_of(smf.modify(sess["A"][0], sess["A"][1], far=2, gnb="192.0.2.10", gnb_teid=0x931)), 1,
                      "A forwards (what it held leaves)")
            for name in ("A", "B"):
                expect_eq(cause_of(smf.delete(sess[name][0])), 1, "%s deleted" % name)
            expect_eq(tables(dp), base, "nothing left")



@R.test
def test_held_dl_data_report_survives_an_sxcd_restart():
    """A session buffering with NOCP and a BAR delay of 3 s gets a downlink packet: its DL Data
    Report is held in sxcd for the delay. sxcd is killed (-9) within it and started again:
    the report still comes, once (sxdp still holds the packet; the new sxcd asks it what its
    sessions hold and raises their reports, the delay counted again from then), and what was
    held leaves once the session forwards."""
    import signal
    from scapy.all import Ether, IP, UDP, Raw
    delay_s = 3.0
    dl = [Ether(src="02:00:00:00:05:05", dst="02:00:0A:0A:00:FE") / IP(src="10.10.0.5", dst="10.45.0.41") /
          UDP(sport=7777, dport=4000) / Raw(b"to the idle UE")]
    with upf_pfcp(lan1=dl) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, s_ = smf.open_session(cp_seid=0xa41, ue="10.45.0.41", gnb="192.0.2.10", gnb_teid=0x41, ul_teid=0x7a41,
                                     bar_delay=int(delay_s / 0.05))
            expect_eq(cause_of(r), 1, "established with its BAR")
            expect_eq(cause_of(smf.modify(s_["up_seid"], 0xa41, far=2, buffer=True)), 1, "buffers")
            ev0 = T.events_of(dp.stats())
            dp.release(["lan1"])
            dp.wait_events({"upf.ddn": ev0.get("upf.ddn", 0) + 1}, 5)
            cd.stop(signal.SIGKILL)
            expect(smf.wait_request(S.SESS_REPORT_REQ, timeout=0.2) is None, "no report before the restart")
            cd.start()
            rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=delay_s + 15.0)
            expect(rep is not None, "the DL Data Report after the restart")
            expect_eq((rep[0].seid, S.ie(rep[0], 39).DLDR), (0xa41, 1), "to the session's CP SEID, DLDR")
            expect(smf.wait_request(S.SESS_REPORT_REQ, timeout=1.0) is None, "once")
            expect_eq(cause_of(smf.modify(s_["up_seid"], 0xa41, far=2, gnb="192.0.2.10", gnb_teid=0x941)), 1,
                      "forwards (what it held leaves)")
            dp.wait_events({"upf.to_n3": ev0.get("upf.to_n3", 0) + 1}, 5)
            expect_eq(cause_of(smf.delete(s_["up_seid"])), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")


@R.test
def test_start_stop_of_traffic_and_quota_validity():
    """Reporting Triggers START, STOPT and QUVTI acted on (free5GC's CHF charging asks START
    and QUVTI): session A's URR (START|STOPT) reports the start of its traffic when its
    uplink first forwards and its stop once it has been quiet PF_USAGE_STOPT_MS (10 s);
    session B's (QUVTI, a Volume Quota valid 2 s) reports QUVTI when the validity runs out
    and its PDRs stop as a used-up quota's do (its next uplink dropped), until the SMF
    grants a quota again."""
    import struct
    from scapy.contrib.pfcp import (IE_URR_Id, IE_MeasurementMethod, IE_ReportingTriggers, IE_NotImplemented,
                                    IE_VolumeQuota, IE_UpdateURR, PFCPSessionModificationRequest)

    def raw_ie(t, data):
        return IE_NotImplemented(ietype=t, data=data)
    stopt_s, valid_s = 10.0, 2
    ga = [gpdu(0x7e01, "10.45.14.1") for _ in range(3)]
    gb = [gpdu(0x7e02, "10.45.14.2")]
    with upf_pfcp(n3=ga + gb) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            urr_a = [IE_MeasurementMethod(VOLUM=1, DURAT=1), IE_ReportingTriggers(start_of_traffic=1,
                                                                                    stop_of_traffic=1)]
            # Reporting Triggers VOLQU and QUVTI (octet 6, bits 1 and 8: scapy names the latter spare)
            urr_b = [IE_MeasurementMethod(VOLUM=1, DURAT=1), raw_ie(37, b"\x00\x81"),
                     IE_VolumeQuota(TOVOL=1, total=10 ** 9), raw_ie(181, struct.pack("!I", valid_s))]
            ra, a = smf.open_session(cp_seid=0xe11, ue="10.45.14.1", gnb="192.0.2.10", gnb_teid=0xe1, ul_teid=0x7e01,
                                     urr=urr_a)
            t_b = time.monotonic()
            rb, b = smf.open_session(cp_seid=0xe12, ue="10.45.14.2", gnb="192.0.2.10", gnb_teid=0xe2, ul_teid=0x7e02,
                                     urr=urr_b)
            expect_eq((cause_of(ra), cause_of(rb)), (1, 1), "both established (START|STOPT; QUVTI with its time)")
            reps = []   # (CP SEID, URR 1's usage report, arrival), every report so far

            def report(seid, bit, octet, timeout):
                """The Session Report of @seid's whose URR 1 says trigger @bit of @octet (the
                sessions' reports come in any order between them)."""
                deadline = time.monotonic() + timeout
                while True:
                    for sd, u, at in reps:
                        if sd == seid and u is not None and u[0][octet] & bit:
                            return u, at
                    if time.monotonic() >= deadline:
                        return None, None
                    rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=max(0.1, deadline - time.monotonic()))
                    if rep is not None:
                        reps.append((rep[0].seid, usage_of(rep[0], 80).get(1), rep[2]))
            dp.phase(["n3"])
            u, _ = report(0xe11, 0x10, 0, 10.0)
            expect(u is not None, "A: the start of its traffic reported (START): %s" % reps)
            t_quiet = time.monotonic()
            u, at = report(0xe11, 0x20, 0, stopt_s + 10.0)
            expect(u is not None and at - t_quiet >= stopt_s - 1.5,
                   "A: the stop reported (STOPT) once it was quiet %.0f s: %s" % (stopt_s, reps))
            u, at = report(0xe12, 0x08, 2, valid_s + 10.0)
            expect(u is not None and at - t_b >= valid_s - 0.5, "B: its quota's validity ran out (QUVTI): %s" % reps)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                ul = [e for e in tables(dp)["sessions_uplink"] if e["match"]["teid"] == 0x7e02]
                if ul and ul[0]["action"] == "drop":
                    break
                time.sleep(0.05)
            expect(ul and ul[0]["action"] == "drop", "B's uplink stopped as a used-up quota's: %s" % ul)
            seq = smf.next_seq()
            r = smf.request(smf.wrap(PFCPSessionModificationRequest(IE_list=[IE_UpdateURR(IE_list=[
                IE_URR_Id(id=1), IE_VolumeQuota(TOVOL=1, total=10 ** 9), raw_ie(181, struct.pack("!I", 3600))])]),
                seq, seid=b["up_seid"]), seq=seq)
            expect_eq(cause_of(r), 1, "B: a quota granted again")
            ul = [e for e in tables(dp)["sessions_uplink"] if e["match"]["teid"] == 0x7e02]
            expect(ul and ul[0]["action"] != "drop", "B's uplink forwards again: %s" % ul)
            for s_ in (a, b):
                expect_eq(cause_of(smf.delete(s_["up_seid"])), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")


@R.test
def test_linked_usage_reporting():
    """Linked URR ID and LIUSA (TS 29.244 5.2.2.4): URR 2 (DURAT, LIUSA, linked to URR 1)
    reports in the same Session Report Request as URR 1 when URR 1's volume threshold is
    crossed, trigger LIUSA; a Linked URR ID naming no URR of the session is refused (73,
    Offending IE Linked URR ID, the URR)."""
    import struct
    from scapy.all import Ether, IP, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header
    from scapy.contrib.pfcp import (IE_CreateURR, IE_URR_Id, IE_MeasurementMethod, IE_ReportingTriggers,
                                    IE_NotImplemented)
    g = [Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
         UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x7e21, gtp_type=255) /
         IP(src="10.45.15.1", dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(b"z" * 500) for _ in range(4)]
    linked = IE_CreateURR(IE_list=[IE_URR_Id(id=2), IE_MeasurementMethod(DURAT=1),
                                   IE_ReportingTriggers(linked_usage_reporting=1),
                                   IE_NotImplemented(ietype=82, data=struct.pack("!I", 1))])
    dangling = IE_CreateURR(IE_list=[IE_URR_Id(id=3), IE_MeasurementMethod(DURAT=1),
                                     IE_ReportingTriggers(linked_usage_reporting=1),
                                     IE_NotImplemented(ietype=82, data=struct.pack("!I", 9))])
    with upf_pfcp(n3=g) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, _ = smf.open_session(cp_seid=0xe20, ue="10.45.15.2", gnb="192.0.2.10", gnb_teid=0xe20, ul_teid=0x7e20,
                                    more=[dangling])
            expect_eq((cause_of(r), S.ie(r, 40).type if S.ie(r, 40) is not None else None), (73, 82),
                      "a Linked URR ID of no URR: refused, offending Linked URR ID")
            r, s_ = smf.open_session(cp_seid=0xe21, ue="10.45.15.1", gnb="192.0.2.10", gnb_teid=0xe21, ul_teid=0x7e21,
                                     vol_threshold=1000, more=[linked])
            expect_eq(cause_of(r), 1, "established with URR 2 linked to URR 1")
            dp.phase(["n3"])
            rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=10.0)
            expect(rep is not None, "a Session Report Request")
            u = usage_of(rep[0], 80)
            expect(u.get(1) is not None and u[1][0][0] & 0x02, "URR 1: VOLTH: %r" % u)
            expect(u.get(2) is not None and u[2][0][1] & 0x04, "URR 2 in the same request: LIUSA: %r" % u)
            expect_eq(cause_of(smf.delete(s_["up_seid"])), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")

if __name__ == "__main__":
    if not os.access(sxcd_path(), os.X_OK):
        print("not ok - sxcd: %s missing (build first)" % sxcd_path())
        sys.exit(1)
    R.main()
