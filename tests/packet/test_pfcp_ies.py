#!/usr/bin/env python3
"""PFCP IEs never accepted and ignored (issue 51): each IE the UPF takes does what TS 29.244
says, or the request is refused with its Cause, Offending IE and (with 73) Failed Rule ID,
and nothing is written; a refused Modification leaves the session forwarding as before.
What is taken and acted on is checked in the tables (a TLM's DSCP on the tunnel, a dedicated
flow's QFI with its SDF, a CP-function PDR's own F-TEID).

Same harness as test_pfcp_sessions.py (a test SMF over `sxcd --pfcp`, sxdp's UPF tables).
Run with Debian's /usr/bin/python3 (scapy)."""
import copy
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq  # noqa: E402
import pfcp_smf as S  # noqa: E402
from pfcp_smf import cause_of, usage_of  # noqa: E402
from pfcp_upf import UPF, eth_gpdu, gpdu, tables, upf_pfcp  # noqa: E402
from sxcdtest import ul_terms  # noqa: E402
from scapy.contrib.pfcp import (IE_FAR_Id, IE_FTEID, IE_ForwardingPolicy, IE_MeasurementInformation,  # noqa: E402
                                IE_MeasurementMethod, IE_NotImplemented, IE_PDNType, IE_PDR_Id,
                                IE_Precedence, IE_QERCorrelationId, IE_QFI,
                                IE_QuotaHoldingTime, IE_ReportingTriggers, IE_SDF_Filter, IE_URR_Id,
                                IE_UpdateFAR, IE_UpdateForwardingParameters, IE_UpdateURR, IE_CreateURR,
                                IE_MeasurementPeriod, IE_VolumeThreshold,
                                IE_DestinationInterface, IE_ApplyAction, PFCPSessionEstablishmentRequest,
                                PFCPSessionModificationRequest)

R = T.Runner()

CREATE_PDR, CREATE_FAR, FWD, CREATE_URR, CREATE_QER, PDI = 1, 3, 4, 6, 7, 2
ID_OF = {CREATE_PDR: 56, CREATE_FAR: 108, CREATE_URR: 81, CREATE_QER: 109}
RULE = {0: "pdr_id", 1: "far_id", 2: "qer_id", 3: "urr_id", 4: "bar_id"}


def raw_ie(t, data):
    return IE_NotImplemented(ietype=t, data=data)


def answer(r):
    """(Cause, Offending IE type, (Failed Rule type, id)) of a response; None where absent."""
    off, fr = S.ie(r, S.IE_OFFENDING), S.ie(r, S.IE_FAILED_RULE)
    return (cause_of(r), off.type if off is not None else None,
            (fr.type, getattr(fr, RULE[fr.type])) if fr is not None else None)


def rule(l, t, rid):
    """The grouped IE of type @t in @l whose id is @rid."""
    for g in l:
        if g.ietype == t and any(x.ietype == ID_OF[t] and x.id == rid for x in g.IE_list):
            return g
    raise AssertionError("no IE %d with id %d" % (t, rid))


def child(g, t):
    return next(x for x in g.IE_list if x.ietype == t)


def replace(g, t, new):
    g.IE_list = [new if x.ietype == t else x for x in g.IE_list]


def qfi_twin(l, qfi, sdf=None, of=1, pid=5, far=None):
    """PDR @pid: PDR @of again (its PDI, its FAR, or FAR @far) at precedence 100 with QFI @qfi
    (and @sdf)."""
    p = copy.deepcopy(rule(l, CREATE_PDR, of))
    replace(p, 56, IE_PDR_Id(id=pid))
    replace(p, 29, IE_Precedence(precedence=100))
    if far is not None:
        replace(p, 108, IE_FAR_Id(id=far))
    child(p, PDI).IE_list += [IE_QFI(QFI=qfi)] + ([sdf] if sdf is not None else [])
    l.append(p)


def sdf(fd, **kw):
    return IE_SDF_Filter(FD=1, flow_description_length=len(fd), flow_description=fd, **kw)


def est(smf, ies):
    seq = smf.next_seq()
    return smf.request(smf.wrap(PFCPSessionEstablishmentRequest(IE_list=ies), seq, seid=0), seq=seq, timeout=3.0)


def mod(smf, up_seid, ies):
    seq = smf.next_seq()
    return smf.request(smf.wrap(PFCPSessionModificationRequest(IE_list=ies), seq, seid=up_seid), seq=seq)


# each: what it adds to an OAI-shaped establishment (UL PDR 1 to FAR 1, DL PDR 2 to FAR 2,
# URR 1), and the answer: (Cause, Offending IE, Failed Rule)
EST_REFUSALS = [
    ("a Reporting Trigger never fired (DROTH)",
     lambda l: replace(rule(l, CREATE_URR, 1), 37, IE_ReportingTriggers(volume_threshold=1,
                                                                       dropped_dl_traffic_threshold=1)),
     (73, 37, (3, 1))),
    ("Quota Holding Time (no QUHTI report)",
     lambda l: rule(l, CREATE_URR, 1).IE_list.append(IE_QuotaHoldingTime(time_value=30)), (73, 71, (3, 1))),
    ("Measurement Information INAM (measuring paused)",
     lambda l: rule(l, CREATE_URR, 1).IE_list.append(IE_MeasurementInformation(INAM=1, MNOP=1)),
     (73, 100, (3, 1))),
    ("Measurement Method EVENT",
     lambda l: replace(rule(l, CREATE_URR, 1), 62, IE_MeasurementMethod(VOLUM=1, EVENT=1)), (73, 62, (3, 1))),
    ("a FAR ID for Quota Action of no FAR", lambda l: rule(l, CREATE_URR, 1).IE_list.append(IE_FAR_Id(id=9)),
     (73, 108, (3, 1))),
    ("a Linked URR ID of no URR of the session",
     lambda l: rule(l, CREATE_URR, 1).IE_list.append(raw_ie(82, b"\0\0\0\x63")), (73, 82, (3, 1))),
    ("Forwarding Policy (none configured)",
     lambda l: child(rule(l, CREATE_FAR, 1), FWD).IE_list.append(
         IE_ForwardingPolicy(policy_identifier_length=3, policy_identifier=b"web")), (70, 41, None)),
    ("Redirect Information to a SIP URI (not carried)",
     lambda l: child(rule(l, CREATE_FAR, 1), FWD).IE_list.append(raw_ie(38, b"\x03\x00\x0bsip:x@y.org")),
     (76, 38, None)),
    ("Header Enrichment",
     lambda l: child(rule(l, CREATE_FAR, 1), FWD).IE_list.append(raw_ie(98, b"\x00\x01X\x00\x01Y")),
     (76, 98, None)),
    ("a TLM mask of more than the DSCP",
     lambda l: child(rule(l, CREATE_FAR, 2), FWD).IE_list.append(raw_ie(30, b"\xb8\xff")), (73, 30, (1, 2))),
    ("Duplicating Parameters",
     lambda l: rule(l, CREATE_FAR, 2).IE_list.append(raw_ie(5, bytes(IE_DestinationInterface(interface=4)))),
     (76, 5, None)),
    ("Activate Predefined Rules", lambda l: rule(l, CREATE_PDR, 1).IE_list.append(raw_ie(106, b"web")),
     (76, 106, None)),
    ("a User Plane Inactivity Timer cut short", lambda l: l.append(raw_ie(117, b"\0\x3c")), (68, 117, None)),
    ("an SDF Filter with an SPI",
     lambda l: child(rule(l, CREATE_PDR, 1), PDI).IE_list.append(
         sdf("permit out ip from any to assigned", SPI=1, security_parameter_index=7)), (73, 23, (0, 1))),
    ("an SDF Filter with the UE's ports",
     lambda l: child(rule(l, CREATE_PDR, 1), PDI).IE_list.append(
         sdf("permit out 17 from 10.10.0.0/24 to assigned 5000")), (73, 23, (0, 1))),
    ("an SDF Filter whose UE side is another address",
     lambda l: child(rule(l, CREATE_PDR, 1), PDI).IE_list.append(
         sdf("permit out 17 from 10.10.0.0/24 to 10.46.0.1")), (73, 23, (0, 1))),
    ("two downlink PDRs (from N6: no QFI) told apart by their QFI alone",
     lambda l: qfi_twin(l, 5, of=2, pid=6), (73, 124, (0, 6))),
]


@R.test
def test_establishment_refusals():
    """Each IE the UPF would not act on, in an otherwise good establishment: refused with its
    Cause, Offending IE and (73) Failed Rule ID, nothing written; the same establishment
    without it is accepted."""
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            for k, (what, mutate, want) in enumerate(EST_REFUSALS):
                l = smf.est_ies(0x600 + k, "10.45.6.%d" % k, gnb="192.0.2.10", gnb_teid=0x60 + k)
                mutate(l)
                r = est(smf, l)
                expect(r is not None, "%s: answered" % what)
                expect_eq(answer(r), want, "%s: cause, offending IE, failed rule" % what)
                expect(S.ie(r, S.IE_FSEID_T) is None, "%s: no F-SEID (no session)" % what)
                expect_eq(tables(dp), base, "%s: nothing written" % what)
            r, sess = smf.open_session(cp_seid=0x6ff, ue="10.45.6.99", gnb="192.0.2.10", gnb_teid=0x6f)
            expect_eq(cause_of(r), 1, "the same without them: established")
            expect_eq(cause_of(smf.delete(sess["up_seid"])), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")


@R.test
def test_what_is_taken_is_done():
    """free5GC's shape with what the UPF takes and acts on: a TLM of the whole DSCP (the
    tunnel to the gNB carries DSCP 46), Measurement Information MNOP|ISTM and free5GC's MBQE
    URR (measured after the QERs, as every URR), a dedicated flow's
    PDR with its QFI and SDF on the default's tunnel (its own termination), an SDF whose UE
    side holds the UE's address, and the hints PDN Type and QER Correlation ID."""
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            smf.associate()
            l = smf.est_ies(0x701, "10.45.7.1", gnb="192.0.2.10", gnb_teid=0x71)
            child(rule(l, CREATE_FAR, 2), FWD).IE_list.append(raw_ie(30, b"\xb8\xfc"))
            rule(l, CREATE_URR, 1).IE_list.append(IE_MeasurementInformation(MNOP=1, ISTM=1))
            # free5GC's pair (datapath.go addUrrToPath): its URR before QoS enforcement (MBQE)
            # beside the one after, each PERIO|VOLTH, both on both PDRs
            rule(l, CREATE_PDR, 1).IE_list.append(IE_URR_Id(id=2))
            rule(l, CREATE_PDR, 2).IE_list.append(IE_URR_Id(id=2))
            l.append(IE_CreateURR(IE_list=[IE_URR_Id(id=2), IE_MeasurementMethod(VOLUM=1),
                                           IE_ReportingTriggers(periodic_reporting=1, volume_threshold=1),
                                           IE_MeasurementPeriod(period=10), IE_VolumeThreshold(TOVOL=1, total=1000),
                                           IE_MeasurementInformation(MNOP=1, MBQE=1)]))
            qfi_twin(l, 5, sdf("permit out 17 from 10.10.0.0/24 to 10.45.0.0/16"))
            rule(l, CREATE_QER, 1).IE_list.append(IE_QERCorrelationId(id=7))
            l.append(IE_PDNType(pdn_type=1))
            r = est(smf, l)
            expect_eq(answer(r), (1, None, None), "established")
            t = tables(dp)
            peers = [e for e in t["tunnel_peers"] if e not in base["tunnel_peers"]]
            expect_eq([e["params"].get("dscp") for e in peers], [0xb8 >> 2], "the gNB tunnel's DSCP: the TLM's")
            new = [e for e in ul_terms(t) if e not in ul_terms(base)]
            expect_eq(len(new), 1, "the dedicated flow's termination: %s" % new)
            up_seid = S.ie(r, S.IE_FSEID_T).seid
            expect_eq(cause_of(smf.delete(up_seid)), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")


@R.test
def test_cp_function_pdr_teid_of_its_own():
    """Open5GS's PDR from the CP function, CHOOSE with the uplink's CHOOSE ID: its F-TEID
    is its own (what the SMF sends into it is not the UE's uplink: on this UPF one of the n9
    link's, pf_map.h); the uplink's is shared with the other uplink PDR of that CHOOSE ID."""
    with upf_pfcp() as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="open5gs") as smf:
            smf.associate()
            l = smf.est_ies(0x801, "10.45.8.1", gnb="192.0.2.10", gnb_teid=0x81)
            pdi = child(rule(l, CREATE_PDR, 3), PDI)
            pdi.IE_list = [x if x.ietype != 21 else IE_FTEID(V4=1, CH=1, CHID=1, choose_id=5)
                           for x in pdi.IE_list]
            r = est(smf, l)
            expect_eq(answer(r), (1, None, None), "established")
            teid = {}
            for c in S.ies(r):
                if c.ietype == S.IE_CREATED_PDR:
                    d = {x.ietype: x for x in c.IE_list}
                    teid[d[56].id] = (d[21].ipv4, d[21].TEID)
            expect_eq(sorted(teid), [1, 3, 4], "Created PDRs")
            expect(teid[3] != teid[1], "the CP function's F-TEID is not the uplink's: %s" % teid)
            expect_eq(teid[3][0], "198.51.100.1", "the CP function's F-TEID: the n9 link's")
            expect_eq(teid[4], teid[1], "the RS PDR shares the uplink's (CHOOSE ID 5)")
            ul = [e["match"]["teid"] for e in tables(dp)["sessions_uplink"] if e not in base["sessions_uplink"]]
            expect_eq(ul, [teid[1][1]], "only the uplink's tunnel terminates")
            expect_eq(cause_of(smf.delete(S.ie(r, S.IE_FSEID_T).seid)), 1, "deleted")


@R.test
def test_refused_modifications_change_nothing():
    """A session forwarding; Modifications each holding one thing the UPF would not do (next
    to a change it would: the downlink to another gNB TEID) are refused with their Cause,
    Offending IE and Failed Rule ID, the tables as they were; then its uplink still forwards
    and counts, and its downlink is still the first TEID."""
    from scapy.contrib.gtp import GTP_U_Header
    g = gpdu(0x7a01, "10.45.10.1")
    with upf_pfcp(n3=[g]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            r, sess = smf.open_session(cp_seid=0xa01, ue="10.45.10.1", gnb="192.0.2.10", gnb_teid=0xa1,
                                       ul_addr="192.0.2.1", ul_teid=0x7a01, vol_threshold=10 ** 9)
            expect_eq(cause_of(r), 1, "established")
            up = sess["up_seid"]
            before = tables(dp)
            retarget = IE_UpdateFAR(IE_list=[IE_FAR_Id(id=2), IE_ApplyAction(FORW=1), IE_UpdateForwardingParameters(
                IE_list=[IE_DestinationInterface(interface=0), smf.ohc("192.0.2.10", 0xa2)])])
            bad_fwd = copy.deepcopy(retarget)
            child(bad_fwd, 11).IE_list.append(raw_ie(38, b"\x02\x00\x0bexample.com"))
            bad_tlm = copy.deepcopy(retarget)
            child(bad_tlm, 11).IE_list.append(raw_ie(30, b"\xb8\xe0"))
            l = smf.est_ies(0xa01, "10.45.10.1", ul_addr="192.0.2.1", ul_teid=0x7a01)
            qfi_twin(l, 5, of=2, pid=6)
            cases = [
                ("an Update URR asking DROTH", [retarget, IE_UpdateURR(IE_list=[
                    IE_URR_Id(id=1), IE_ReportingTriggers(dropped_dl_traffic_threshold=1)])], (73, 37, (3, 1))),
                ("an Update URR with a Quota Holding Time", [retarget, IE_UpdateURR(IE_list=[
                    IE_URR_Id(id=1), IE_QuotaHoldingTime(time_value=5)])], (73, 71, (3, 1))),
                ("Redirect Information on a downlink FAR (the UE's own traffic is what is redirected)",
                 [bad_fwd], (73, 38, (1, 2))),
                ("a TLM mask of part of the DSCP", [bad_tlm], (73, 30, (1, 2))),
                ("a User Plane Inactivity Timer cut short", [retarget, raw_ie(117, b"\0\x3c")], (68, 117, None)),
                ("a downlink PDR told from PDR 2 by its QFI alone", [retarget, rule(l, CREATE_PDR, 6)],
                 (73, 124, (0, 6))),
            ]
            for what, ies, want in cases:
                r = mod(smf, up, ies)
                expect_eq(answer(r), want, "%s: cause, offending IE, failed rule" % what)
                expect_eq(tables(dp), before, "%s: nothing changed" % what)
            dp.phase(["n3"])
            r = smf.modify(up, 0xa01, query_urr=1)
            expect_eq(usage_of(r, 78).get(1, (None, None, None))[2], len(g[GTP_U_Header].payload),
                      "its uplink still forwarded and counted")
            r = mod(smf, up, [retarget])
            expect_eq(cause_of(r), 1, "the change alone is taken")
            dl = [e for e in tables(dp)["sessions_downlink"] if e["match"]["ue"] == "10.45.10.1"]
            expect_eq([e["params"]["teid"] for e in dl], [0xa2], "the downlink to the new TEID")
            expect_eq(cause_of(smf.delete(up)), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")



@R.test
def test_qfi_separated_default_pdrs():
    """Two default PDRs of one N3 tunnel told apart by their QFIs alone (TS 29.244 5.2.1: a
    PDI's QFI is matched): PDR 5 (QFI 5, precedence 100) to FAR 3 (DROP), PDR 1 (QFI 9,
    precedence 255) to FAR 1 (N6). PDR 5 is an app of QFI 5 (of both families) with its
    termination; the G-PDUs whose container says QFI 5 are dropped as its FAR says, QFI 9's
    forward. Deleted, nothing stays."""
    from scapy.all import Ether, IP, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer
    from scapy.contrib.pfcp import IE_CreateFAR

    def g(qfi):
        return (Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
                UDP(sport=2152, dport=2152) / GTP_U_Header(teid=0x7b01, gtp_type=255, next_ex=0x85) /
                GTPPDUSessionContainer(type=1, QFI=qfi) / IP(src="10.45.11.1", dst="10.10.0.5") /
                UDP(sport=4000, dport=7777) / Raw(b"q" * 64))
    with upf_pfcp(n3=[g(5), g(5), g(9), g(9), g(9)]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            l = smf.est_ies(0xb01, "10.45.11.1", gnb="192.0.2.10", gnb_teid=0xb1, ul_addr="192.0.2.1",
                            ul_teid=0x7b01)
            qfi_twin(l, 5, far=3)
            child(rule(l, CREATE_PDR, 1), PDI).IE_list.append(IE_QFI(QFI=9))
            l.append(IE_CreateFAR(IE_list=[IE_FAR_Id(id=3), IE_ApplyAction(DROP=1)]))
            r = est(smf, l)
            expect_eq(answer(r), (1, None, None), "established")
            t = tables(dp)
            apps = [e for e in t["applications"] + t["applications6"]
                    if e not in base["applications"] + base["applications6"]]
            expect_eq(sorted((e["match"].get("qfi", {}).get("value"), e["params"]["app"]) for e in apps)[:1],
                      [(5, apps[0]["params"]["app"])], "an app of QFI 5: %s" % apps)
            expect_eq(len(apps), 2, "in applications and applications6, one app id: %s" % apps)
            terms = [e for e in ul_terms(t) if e not in ul_terms(base)]
            expect_eq([(e["match"]["app"], e["action"]) for e in terms], [(apps[0]["params"]["app"], "drop")],
                      "its termination: FAR 3's")
            ev0, dr0 = T.events_of(dp.stats()), T.drops_of(dp.stats())
            st = dp.phase(["n3"])
            ev, dr = T.events_of(st), T.drops_of(st)
            expect_eq((dr.get("upf.gate_closed", 0) - dr0.get("upf.gate_closed", 0),
                       ev.get("upf.breakout", 0) - ev0.get("upf.breakout", 0)), (2, 3),
                      "QFI 5's G-PDUs dropped as PDR 5's FAR says, QFI 9's broken out")
            expect_eq(cause_of(smf.delete(S.ie(r, S.IE_FSEID_T).seid)), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")


@R.test
def test_up_inactivity_report():
    """User Plane Inactivity Timer (TS 29.244 5.11.2): session A (a timer of 2 s, no URR: its
    PDRs get counters of their own all the same) silent from its establishment is reported
    once (a Session Report Request, Report Type UPIR alone, to its CP SEID), not again while
    the silence lasts; its traffic starts the next watch, reported once it is silent 2 s
    again; a Modification's timer 0 stops the watch. Session B (no timer) is never
    reported."""
    timer_s = 2
    late_s = timer_s + 3.0      # the report comes at most a read period late (a quarter, >= 1 s)
    quiet_s = timer_s * 1.25    # a window past the timer in which no report may come
    with upf_pfcp(n3=[gpdu(0x7c01, "10.45.12.1") for _ in range(3)]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            sess = {}
            for name, cp_seid, ue, teid, timer in (("A", 0xc01, "10.45.12.1", 0x7c01, timer_s),
                                                   ("B", 0xc02, "10.45.12.2", 0x7c02, None)):
                l = [ie for ie in smf.est_ies(cp_seid, ue, gnb="192.0.2.10", gnb_teid=teid & 0xff,
                                              ul_addr="192.0.2.1", ul_teid=teid) if ie.ietype != CREATE_URR]
                for g in l:
                    if g.ietype == CREATE_PDR:
                        g.IE_list = [x for x in g.IE_list if x.ietype != 81]
                if timer is not None:
                    l.append(raw_ie(117, timer.to_bytes(4, "big")))
                t0 = time.monotonic()
                r = est(smf, l)
                expect_eq(answer(r), (1, None, None), "%s established" % name)
                sess[name] = (S.ie(r, S.IE_FSEID_T).seid, t0)
            t = tables(dp)
            # one app each way: the termination is the session entry's own
            terms = [e for k in ("sessions_uplink", "sessions_downlink") for e in t[k] if e not in base[k]]
            expect_eq(sorted(bool(e["params"].get("urr")) for e in terms), [False, False, True, True],
                      "A's PDRs (no URR) count all the same, B's do not: %s" % terms)
            reps = []   # (CP SEID, the report, arrival) of every Session Report Request

            def upir(timeout):
                """The next UPIR report's (CP SEID, report, arrival), or None."""
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=max(0.05, deadline - time.monotonic()))
                    if rep is not None:
                        reps.append((rep[0].seid, rep[0], rep[2]))
                        if S.ie(rep[0], S.IE_REPORT_TYPE).UPIR:
                            return reps[-1]
                return None
            got = upir(late_s)
            expect(got is not None and got[0] == 0xc01 and got[2] - sess["A"][1] >= timer_s - 0.1,
                   "A's silence reported once its timer ran out: %s" % reps)
            rt = S.ie(got[1], S.IE_REPORT_TYPE)
            expect_eq((rt.DLDR, rt.USAR, rt.ERIR, rt.UPIR, S.ie(got[1], 80)), (0, 0, 0, 1, None),
                      "Report Type UPIR alone, no usage report")
            expect_eq(upir(quiet_s), None, "not again while the silence lasts")
            dp.phase(["n3"])
            t_traffic = time.monotonic()
            got = upir(late_s)
            expect(got is not None and got[0] == 0xc01 and got[2] - t_traffic >= timer_s - 1.0,
                   "its traffic started the next watch, reported once silent again: %s" % reps)
            expect_eq(answer(mod(smf, sess["A"][0], [raw_ie(117, bytes(4))])), (1, None, None), "A's timer set to 0")
            expect_eq(upir(quiet_s), None, "no timer, no report")
            expect_eq([sd for sd, _, _ in reps], [0xc01, 0xc01], "two reports, both A's: %s" % reps)
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]
            expect_eq((st["inactivity_reports"], st["report_failures"]), (2, 0), "status: two inactivity reports")
            expect("sxcd_pfcp_inactivity_reports_total 2" in cd.req("GET", "/metrics")[1], "metrics: the two")
            for name in ("A", "B"):
                expect_eq(cause_of(smf.delete(sess[name][0])), 1, "%s deleted" % name)
            expect_eq(tables(dp), base, "nothing left")


@R.test
def test_mac_address_reporting():
    """MACAR (TS 29.244 5.13.5): an Ethernet PDU session's URR with the MACAR trigger and an
    Ethernet Inactivity Timer of 2 s. The UE's frames from two MACs are bridged (the switch
    learns them behind the session): a usage report (trigger MACAR) names both in MAC Addresses
    Detected, once; silent past the timer, both in MAC Addresses Removed. MACAR in an IP
    session is refused (73, Reporting Triggers, the URR)."""
    from scapy.all import Ether, IP, UDP, Raw
    from scapy.contrib.pfcp import IE_EthernetInactivityTimer
    mac_a, mac_a2, lan = "02:00:00:00:0e:1a", "02:00:00:00:0e:2a", "02:00:00:00:0a:05"
    frames = [eth_gpdu(0x7d01, Ether(src=m, dst=lan) / IP(src="10.10.0.31", dst="10.10.0.5") /
                       UDP(sport=4000, dport=7777) / Raw(b"m" * 40)) for m in (mac_a, mac_a2, mac_a)]
    inact_s = 2
    urr = [IE_MeasurementMethod(VOLUM=1), IE_ReportingTriggers(mac_addresses_reporting=1),
           IE_EthernetInactivityTimer(timer=inact_s)]
    with upf_pfcp(spec=dict(UPF, ethernet_sessions=True), n3=frames) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="free5gc") as smf:
            smf.associate()
            r = smf.request(smf.est_msg(0xd02, "10.45.13.2", gnb="192.0.2.10", gnb_teid=0xd2, ul_teid=0x7d02,
                                        urr=urr))
            expect_eq(answer(r), (73, 37, (3, 1)), "MACAR in an IP session: refused")
            r, a = smf.open_session(cp_seid=0xd01, ue="0.0.0.0", eth=True, gnb="192.0.2.10", gnb_teid=0xd1,
                                    ul_teid=0x7d01, urr=urr)
            expect_eq(cause_of(r), 1, "the Ethernet session, its URR asking MACAR")
            dp.phase(["n3"], events={"switch.learn": 2})
            t_sent = time.monotonic()

            def eth_info(timeout):
                """The next usage report of trigger MACAR: (its Ethernet Traffic Information's
                detected and removed MACs, arrival), or None."""
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=max(0.05, deadline - time.monotonic()))
                    if rep is None:
                        continue
                    ur = S.ie(rep[0], 80)
                    sub = {x.ietype: x for x in (ur.IE_list if ur is not None else [])}
                    if 63 not in sub or not sub[63].MACAR:
                        continue
                    expect(66 not in sub and 67 not in sub, "no volume or duration in it: MACs alone")
                    eti, got = sub.get(143), {}
                    for x in (eti.IE_list if eti is not None else []):
                        got[x.ietype] = sorted(str(m) for m in x.macs[:x.num_macs])
                    return got.get(144, []), got.get(145, []), rep[2], rep[0]
                return None
            got = eth_info(10.0)
            expect(got is not None and got[:2] == (sorted([mac_a, mac_a2]), []),
                   "both MACs behind the session reported detected: %s" % (got,))
            expect_eq((got[3].seid, S.ie(got[3], 39).USAR), (0xd01, 1), "to its CP SEID, a usage report")
            got = eth_info(inact_s + 12.0)
            expect(got is not None and got[:2] == ([], sorted([mac_a, mac_a2])) and got[2] - t_sent >= inact_s - 0.5,
                   "both removed once silent %d s: %s" % (inact_s, got))
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]["sessions"]
            expect_eq(st["mac_reports"], 2, "status: two MAC reports")
            expect_eq(cause_of(smf.delete(a["up_seid"])), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")


@R.test
def test_far_for_quota_action():
    """FAR ID for Quota Action (TS 29.244 5.2.2.2.1): URR 1's Volume Quota (200 bytes) used up,
    its PDRs take FAR 3 (a redirect to a top-up portal) rather than forwarding nothing: the
    uplink entry turns to FAR 3's redirect, its redirects entry says the portal; a quota
    granted again forwards as before. Deleted, nothing stays."""
    from scapy.contrib.pfcp import IE_CreateFAR, IE_ForwardingParameters, IE_VolumeQuota
    portal = "http://topup.example/quota"
    redirect = raw_ie(38, bytes([2]) + len(portal).to_bytes(2, "big") + portal.encode())
    urr = [IE_MeasurementMethod(VOLUM=1), IE_ReportingTriggers(volume_quota=1), IE_VolumeQuota(TOVOL=1, total=200),
           IE_FAR_Id(id=3)]
    with upf_pfcp(n3=[gpdu(0x7e31, "10.45.15.1") for _ in range(3)]) as (dp, cd, port, base):
        with S.Smf(("127.0.0.1", port), profile="oai") as smf:
            smf.associate()
            l = smf.est_ies(0xe31, "10.45.15.1", gnb="192.0.2.10", gnb_teid=0xe3, ul_addr="192.0.2.1",
                            ul_teid=0x7e31, urr=urr)
            l.append(IE_CreateFAR(IE_list=[IE_FAR_Id(id=3), IE_ApplyAction(FORW=1), IE_ForwardingParameters(
                IE_list=[IE_DestinationInterface(interface=0), redirect])]))
            r = est(smf, l)
            expect_eq(answer(r), (1, None, None), "established: URR 1's FAR for Quota Action FAR 3")
            seid = S.ie(r, S.IE_FSEID_T).seid

            def uplink():
                return [e for e in tables(dp)["sessions_uplink"] if e["match"]["teid"] == 0x7e31]
            expect_eq([e["action"] for e in uplink()], ["fwd_n6"], "forwarding while the quota lasts")
            dp.phase(["n3"])
            rep = smf.wait_request(S.SESS_REPORT_REQ, timeout=10.0)
            ur = S.ie(rep[0], 80) if rep is not None else None
            trig = [x for x in (ur.IE_list if ur is not None else []) if x.ietype == 63]
            expect(trig and trig[0].VOLQU, "its quota's use reported (VOLQU): %r" % (rep and rep[0]))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and [e["action"] for e in uplink()] != ["redirect"]:
                time.sleep(0.05)
            ul = uplink()
            expect_eq([e["action"] for e in ul], ["redirect"], "its quota used up: FAR 3's redirect")
            red = {e["match"]["id"]: e for e in tables(dp)["redirects"]}
            expect_eq((red.get(ul[0]["params"]["redirect"], {}).get("action"),
                       red.get(ul[0]["params"]["redirect"], {}).get("params", {}).get("url")),
                      ("http", portal), "to the top-up portal")
            r = mod(smf, seid, [IE_UpdateURR(IE_list=[IE_URR_Id(id=1), IE_VolumeQuota(TOVOL=1, total=10 ** 9)])])
            expect_eq(answer(r), (1, None, None), "a quota granted again")
            expect_eq([e["action"] for e in uplink()], ["fwd_n6"], "forwarding again")
            expect_eq(cause_of(smf.delete(seid)), 1, "deleted")
            expect_eq(tables(dp), base, "nothing left")


if __name__ == "__main__":
    R.main()   # Sxcd refuses to start without the build's sxcd
