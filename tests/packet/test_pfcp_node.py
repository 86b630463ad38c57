#!/usr/bin/python3
"""sxcd's PFCP endpoint (--pfcp), node procedures, against a test SMF on scapy's PFCP layer
(pfcp_smf.py): association setup (SMF- and UPF-initiated, each SMF profile), update,
release, heartbeats both ways with the Recovery Time Stamp (kept across an sxcd restart,
kill -9 too), associations kept across an sxcd restart (SIGTERM, kill -9: the SMF sees no
UP restart and is not refused with 72; a corrupt stored document), an SMF restart seen, the
response cache, refusals with their cause and Offending IE, Version Not Supported, garbage,
an unanswering SMF, /metrics, IPv6, answers from a wildcard socket leaving from the address
the request came to; --pfcp-allow (N4 from the SMFs' prefixes only: anyone else is dropped
unread and unanswered, counted, logged at most every 10 s).

No sxdp is needed: node procedures are sxcd's alone (it keeps trying to reach sxdp)."""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, expect, expect_eq  # noqa: E402
from sxcdtest import NOSOCK, Sxcd  # noqa: E402
import pfcp_smf as S  # noqa: E402
import pfcp_upf as P  # noqa: E402
from scapy.contrib.pfcp import (  # noqa: E402
    IE_RecoveryTimeStamp, PFCPAssociationSetupRequest, PFCPHeartbeatRequest)

R = T.Runner()
RTS_STAYS_S = 2.0   # pf_nassoc.c: RTS_STAYS_MS, how long a later stamp must stay to be a restart
GONE_S = 30            # generous: an SMF that stopped answering judged unreachable, then gone, on a busy machine


def n4_sxcd(extra=(), store=None, v6=False, bind=None):
    """sxcd with N4 (--pfcp) on a free UDP port of 127.0.0.1 (::1 with v6; bound to @bind
    instead when given) and no sxdp (node procedures are sxcd's alone), no netlink, sxcd's own
    resync, and `extra` options; a store given is the caller's (it outlives this sxcd). Its
    log's checks read its last 2000 characters."""
    return Sxcd(NOSOCK, store=store, keep_store=store is not None, resync_ms=None, pfcp="::1" if v6 else "127.0.0.1",
                pfcp_bind=bind, extra=["--no-netlink"] + list(extra), tail=2000)


def text_of(cd, path):
    """The answer to GET @path as text, whatever its type (an HTTP error raises)."""
    r = urllib.request.Request(cd.url + path, headers={"Authorization": "Bearer " + cd.token})
    with urllib.request.urlopen(r, timeout=10) as f:
        return f.read().decode()


def n4_stats(cd):
    """sxcd's PFCP service as /api/v1/status has it: associations, counters, ..."""
    return json.loads(text_of(cd, "/api/v1/status"))["services"]["pfcp"]


def smf_of(cd, profile="free5gc", **kw):
    """A test SMF talking to @cd's N4."""
    return S.Smf((cd.pfcp_host, cd.pfcp), profile=profile, **kw)


def check_setup_rsp(r, seq, cd, what):
    """An Accepted Association Setup Response, field by field."""
    st = n4_stats(cd)
    expect(r is not None, "%s: answered" % what)
    expect_eq((r.version, r.S, r.message_type, r.seq), (1, 0, S.ASSOC_SETUP_RSP, seq), "%s: header" % what)
    expect_eq(S.ie(r, S.IE_CAUSE).cause, 1, "%s: cause Accepted" % what)
    expect_eq(S.node_id_str(S.ie(r, S.IE_NODE_ID)), st["node_id"], "%s: our Node ID" % what)
    expect_eq(S.ie(r, S.IE_RECOVERY).timestamp, st["recovery_ts"], "%s: our Recovery Time Stamp" % what)
    f = S.ie(r, S.IE_UP_FEATURES)
    expect_eq(bytes(f)[4:].hex() if f is not None else "", st["up_features"],
              "%s: UP Function Features as the session layer set them" % what)
    # exactly what is implemented (TS 29.244 8.2.25, scapy's names): FTUP, BUCP, DDND, PFDM, EMPU, QUOAC,
    # and in octet 7 (past scapy's fields) UEIP (bit 3) and MNOP (bit 5)
    want = {"BUCP": 1, "DDND": 1, "DLBD": 0, "TRST": 0, "FTUP": 1, "PFDM": 1, "HEEU": 0, "TREU": 0,
            "EMPU": 1, "PDIU": 0, "UDBC": 0, "QUOAC": 1, "TRACE": 0, "FRRT": 0, "PFDE": 0}
    expect_eq({k: getattr(f, k, None) for k in want}, want, "%s: UP Function Features, field by field" % what)
    expect_eq(bytes(f.extra_data or b"").hex(), "14", "%s: octet 7: UEIP (bit 3), MNOP (bit 5)" % what)
    expect(S.ie(r, S.IE_OFFENDING) is None, "%s: no Offending IE" % what)


def stored_when(cd, ok):
    """The stored associations once ok(them) holds (its save's syncs run off the loop, and a
    change stored by itself, not by a request's answer, is there a moment later), or as
    they are after SETTLE_S."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        try:
            st = json.load(open(cd.state_file("pfcp")))["associations"]
        except (OSError, ValueError):
            st = None
        if (st is not None and ok(st)) or time.monotonic() >= deadline:
            return st
        time.sleep(0.05)


def assoc_of(cd, node_id):
    return next((a for a in n4_stats(cd)["associations"] if a["node_id"] == node_id), None)


@R.test
def test_smf_initiated_setup_each_profile():
    with n4_sxcd() as cd:
        # three SMFs, three Node IDs: 127.0.0.1, 127.0.0.2 and an FQDN
        for prof, bind in (("free5gc", "127.0.0.1"), ("open5gs", "127.0.0.2"), ("oai", "127.0.0.1")):
            with smf_of(cd, prof, bind=(bind, 0)) as smf:
                seq = smf.next_seq()
                r = smf.request(smf.setup_req(), seq=seq)
                check_setup_rsp(r, seq, cd, prof)
                a = assoc_of(cd, smf.node_id_text())
                expect(a is not None, "%s: association listed: %s" % (prof, n4_stats(cd)["associations"]))
                expect_eq((a["recovery_ts"], a["state"], a["initiated"], a["address"]),
                          (smf.rts, "up", "smf", "%s:%d" % smf.addr), "%s: its association" % prof)
        expect_eq(n4_stats(cd)["counters"]["association_setups"], 3, "three associations set up")
        expect_eq(text_of(cd, "/api/v1/status").count('"pfcp"'), 1, "the service in /api/v1/status")


@R.test
def test_upf_initiated_setup_retried_until_accepted():
    with S.Smf(("127.0.0.1", 1), profile="oai") as smf:
        with n4_sxcd(["--pfcp-smf", "%s:%d" % smf.addr, "--pfcp-t1-ms", "200", "--pfcp-n1", "1"]) as cd:
            got = smf.wait_request(S.ASSOC_SETUP_REQ, timeout=5, cause=64)   # refused first
            expect(got is not None, "sxcd sent an Association Setup Request: %s" % cd.logtail())
            p, src, _ = got
            st = n4_stats(cd)
            expect_eq((p.version, p.S), (1, 0), "its header")
            expect_eq(S.node_id_str(S.ie(p, S.IE_NODE_ID)), st["node_id"], "its Node ID")
            expect_eq(S.ie(p, S.IE_RECOVERY).timestamp, st["recovery_ts"], "its Recovery Time Stamp")
            expect_eq(src[1], cd.pfcp, "sent from the --pfcp socket")
            got = smf.wait_request(S.ASSOC_SETUP_REQ, timeout=5)              # accepted now
            expect(got is not None and got[0].seq != p.seq, "tried again with a new sequence number")
            deadline = time.monotonic() + SETTLE_S
            while assoc_of(cd, smf.fqdn) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            a = assoc_of(cd, smf.fqdn)
            expect(a is not None and a["initiated"] == "upf" and a["recovery_ts"] == smf.rts,
                   "the association with the FQDN Node ID: %s" % n4_stats(cd)["associations"])
            expect("refused our Association Setup Request (cause 64" in cd.logtext(), "the refusal logged")


@R.test
def test_upf_initiated_setup_answered_as_free5gc_numbers_it():
    """free5GC answers a UPF's Association Setup Request under sequence number 1 whatever the
    request's (its SendPfcpAssociationSetupResponse): taken as the answer, from the address
    the request went to, when one request alone can be meant, and counted; the same answer
    from another address answers nothing."""
    with S.Smf(("127.0.0.1", 1), profile="free5gc") as smf:
        with n4_sxcd(["--pfcp-smf", "%s:%d" % smf.addr, "--pfcp-t1-ms", "500", "--pfcp-n1", "3"]) as cd:
            got = smf.wait_request(S.ASSOC_SETUP_REQ, timeout=5, answer=False)
            expect(got is not None, "sxcd sent an Association Setup Request: %s" % cd.logtail())
            p, src, _ = got
            expect(p.seq != 1, "numbered other than 1 (%d): what free5GC answers under is another" % p.seq)
            # the right answer's bytes from another socket first: no association
            with S.Smf(("127.0.0.1", src[1]), profile="free5gc", bind=("127.0.0.2", 0)) as other:
                other.answer(p, src)
                time.sleep(0.3)
                expect_eq(n4_stats(cd)["associations"], [], "an answer from elsewhere answers nothing")
            smf.answer(p, src)
            deadline = time.monotonic() + SETTLE_S
            while not n4_stats(cd)["associations"] and time.monotonic() < deadline:
                time.sleep(0.05)
            a = n4_stats(cd)["associations"]
            expect(len(a) == 1 and a[0]["initiated"] == "upf" and a[0]["address"] == "%s:%d" % smf.addr,
                   "associated with the SMF the request went to: %s" % a)
            c = n4_stats(cd)["counters"]
            expect_eq((c["sequence_mismatched_answers"], c["dropped"]["unmatched_response"] >= 1), (1, True),
                      "counted: %s" % {k: v for k, v in c.items() if k != "in" and k != "out"})


@R.test
def test_heartbeat_and_recovery_kept_across_restarts():
    store = tempfile.mkdtemp(prefix="sxcd-pfcp-")
    try:
        rts = None
        for how in ("first", signal.SIGTERM, signal.SIGKILL):
            with n4_sxcd(store=store) as cd:
                with smf_of(cd) as smf:
                    seq = smf.next_seq()
                    r = smf.request(PFCPHeartbeatRequest(IE_list=[IE_RecoveryTimeStamp(timestamp=smf.rts)]), seq=seq)
                    expect(r is not None, "heartbeat answered")
                    expect_eq((r.message_type, r.seq, r.S), (S.HEARTBEAT_RSP, seq, 0), "heartbeat response header")
                    got = S.ie(r, S.IE_RECOVERY).timestamp
                    expect_eq(got, n4_stats(cd)["recovery_ts"], "our Recovery Time Stamp")
                    if rts is None:
                        rts = got
                        expect(abs(rts - S.NTP_OFFSET - time.time()) < 30, "NTP seconds of now: %d" % rts)
                    expect_eq(got, rts, "the same Recovery Time Stamp after an sxcd restart (%s)" % how)
                cd.stop(signal.SIGKILL if how == signal.SIGKILL else signal.SIGTERM)
    finally:
        shutil.rmtree(store, ignore_errors=True)


@R.test
def test_update_release_and_no_association():
    with n4_sxcd() as cd:
        with smf_of(cd, "open5gs") as smf:
            for name, fn in (("update", smf.update), ("release", smf.release)):
                r = fn(timeout=10)   # a busy machine's sxcd may take its time starting (a full run lost one at 2 s)
                expect_eq(S.ie(r, S.IE_CAUSE).cause, 72, "%s without an association: cause 72" % name)
                expect_eq(S.node_id_str(S.ie(r, S.IE_NODE_ID)), n4_stats(cd)["node_id"], "%s: our Node ID" % name)
            r = smf.establish(cp_seid=0xabc, timeout=10)
            expect_eq((r.message_type, r.seid, S.ie(r, S.IE_CAUSE).cause), (S.SESS_EST_RSP, 0xabc, 72),
                      "establishment without an association: 72, the CP SEID in the header")
            smf.associate()
            r = smf.update()
            expect_eq((r.message_type, S.ie(r, S.IE_CAUSE).cause), (S.ASSOC_UPDATE_RSP, 1), "update accepted")
            r = smf.establish(cp_seid=0xabd)
            expect_eq((S.ie(r, S.IE_CAUSE).cause, S.ie(r, S.IE_OFFENDING).type), (67, 4),
                      "establishment with an association: the session layer's refusal (FORW without "
                      "Forwarding Parameters: Conditional IE missing)")
            seq = smf.next_seq()
            r = smf.request(smf.wrap(S.PFCPAssociationReleaseRequest(IE_list=[smf.node_id()]), seq), seq=seq)
            expect_eq((r.message_type, r.seq, S.ie(r, S.IE_CAUSE).cause), (S.ASSOC_RELEASE_RSP, seq, 1),
                      "release accepted")
            expect(assoc_of(cd, smf.node_id_text()) is None, "the association gone")
            expect("gone: released" in cd.logtext(), "the release logged (the session layer told)")
            r = smf.establish(cp_seid=0xabe)
            expect_eq(S.ie(r, S.IE_CAUSE).cause, 72, "establishment after the release: 72")
        st = n4_stats(cd)["counters"]
        refused = {(x["type"], x["cause"]): x["count"] for x in st["refusals"]}
        expect_eq(refused.get(("session_establishment_request", "no_established_pfcp_association")), 2,
                  "refusals counted by cause name: %s" % refused)


@R.test
def test_associations_bounded():
    """--pfcp-max-smfs 2: a third Node ID's setup is refused No resources available (75) and
    counted; the two keep theirs (a known one sets up again); a release makes room."""
    with n4_sxcd(["--pfcp-max-smfs", "2"]) as cd:
        with smf_of(cd, "oai", fqdn="smf-1.example") as a, smf_of(cd, "oai", fqdn="smf-2.example") as b, \
                smf_of(cd, "oai", fqdn="smf-3.example") as c:
            expect_eq((S.ie(a.associate(), S.IE_CAUSE).cause, S.ie(b.associate(), S.IE_CAUSE).cause), (1, 1),
                      "two associated")
            r = c.associate()
            expect_eq((r.message_type, S.ie(r, S.IE_CAUSE).cause), (S.ASSOC_SETUP_RSP, 75),
                      "a third Node ID: No resources available")
            expect_eq(S.ie(a.associate(), S.IE_CAUSE).cause, 1, "a known Node ID sets up again")
            expect_eq(sorted(x["node_id"] for x in n4_stats(cd)["associations"]),
                      ["smf-1.example", "smf-2.example"], "the two kept")
            expect_eq(S.ie(b.release(), S.IE_CAUSE).cause, 1, "one released")
            expect_eq(S.ie(c.associate(), S.IE_CAUSE).cause, 1, "then the third is accepted")
        refused = {(x["type"], x["cause"]): x["count"] for x in n4_stats(cd)["counters"]["refusals"]}
        expect_eq(refused.get(("association_setup_request", "no_resources_available")), 1,
                  "the refusal counted by cause: %s" % refused)


@R.test
def test_second_setup_same_and_new_recovery():
    """TS 29.244 6.2.6.2.2, TS 23.007 19A: a setup again from the same Node ID takes its
    sessions whatever its Recovery Time Stamp, unless it carries PFCP Session Retention
    Information (then PSREI in the answer); a later stamp in its heartbeat is a restart, an
    earlier one is discarded (counted, logged)."""
    with n4_sxcd() as cd:
        with smf_of(cd) as smf:
            r = smf.associate()
            expect_eq(S.ie(r, S.IE_CAUSE).cause if r is not None else None, 1, "associated")
            r = smf.associate()
            expect_eq(S.ie(r, S.IE_CAUSE).cause, 1, "the same setup again: accepted")
            expect_eq(n4_stats(cd)["counters"]["smf_restarts"], 1,
                      "same Recovery Time Stamp: its sessions go all the same")
            expect(S.ie(r, S.IE_ASRSP_FLAGS) is None, "no PSREI")
            r = smf.associate(retain=True)
            expect_eq(S.ie(r, S.IE_CAUSE).cause, 1, "set up again with PFCP Session Retention Information")
            expect_eq(n4_stats(cd)["counters"]["smf_restarts"], 1, "its sessions kept")
            expect_eq(bytes(S.ie(r, S.IE_ASRSP_FLAGS))[-1:], b"\x01", "PSREI in the answer")
            smf.rts += 100
            r = smf.associate()
            expect_eq(S.ie(r, S.IE_CAUSE).cause, 1, "a setup with a new Recovery Time Stamp: accepted")
            st = n4_stats(cd)
            expect_eq(st["counters"]["smf_restarts"], 2, "the SMF restart seen")
            expect_eq(assoc_of(cd, smf.node_id_text())["recovery_ts"], smf.rts, "its new Recovery Time Stamp")
            # logged once (the first); what a peer repeats within 10 s is counted into the next line
            expect("set up again (Recovery Time Stamp %d, was %d): its sessions go" % (smf.rts - 100, smf.rts - 100)
                   in cd.logtext(), "logged")
            # heartbeats of the SMF's with a later one: a restart once a request at least
            # RTS_STAYS_S later says it again (one stamped with the second it was sent, OAI's,
            # is not, even when two of them fall in one second: its two associations' heartbeats
            # in a capture of it); then an earlier one
            smf.heartbeat(rts=smf.rts + 1)
            expect_eq(n4_stats(cd)["counters"]["smf_restarts"], 2, "one later stamp in a Heartbeat Request: not yet")
            t0 = time.monotonic()
            smf.heartbeat(rts=smf.rts + 1)
            if time.monotonic() - t0 < RTS_STAYS_S:
                expect_eq(n4_stats(cd)["counters"]["smf_restarts"], 2, "said again at once (OAI's two in a second): "
                          "not yet")
            time.sleep(max(0.0, RTS_STAYS_S + 0.2 - (time.monotonic() - t0)))   # the time that must pass
            smf.heartbeat(rts=smf.rts + 1)
            expect_eq(n4_stats(cd)["counters"]["smf_restarts"], 3, "said again seconds later: the SMF restarted")
            smf.heartbeat(rts=smf.rts - 5)
            st = n4_stats(cd)["counters"]
            expect_eq((st["smf_restarts"], st["earlier_stamps_discarded"]), (3, 1), "an earlier one discarded")
            expect_eq(assoc_of(cd, smf.node_id_text())["recovery_ts"], smf.rts + 1, "the stamp kept")


@R.test
def test_retransmission_answered_from_cache():
    with n4_sxcd() as cd:
        with smf_of(cd) as smf:
            b = bytes(smf.wrap(smf.setup_req(), 4242))
            r1 = smf.request(b, retransmit=False)   # the retransmissions here are the test's, counted
            smf.send(b)
            p2, raw2, _ = smf.recv()
            expect(r1 is not None and raw2 is not None and bytes(r1) == raw2, "the same answer, byte for byte")
            smf.rts += 7   # a retransmission, even one whose bytes would now differ, is never applied twice
            smf.send(b)
            smf.recv()
            st = n4_stats(cd)["counters"]
            expect_eq((st["answered_from_cache"], st["association_setups"], st["smf_restarts"]), (2, 1, 0),
                      "answered from the cache, applied once")
            est = bytes(smf.wrap(smf.est_req(0x77), 4243, seid=0))
            r1 = smf.request(est)
            smf.send(est)
            _, raw2, _ = smf.recv()
            expect_eq(raw2, bytes(r1), "a session request's answer from the cache too")


@R.test
def test_malformed_refused_with_cause_and_offending_ie():
    with n4_sxcd() as cd:
        with smf_of(cd) as smf:
            seq = smf.next_seq()
            r = smf.request(smf.wrap(PFCPAssociationSetupRequest(IE_list=[smf.node_id()]), seq), seq=seq)
            expect_eq((r.message_type, r.seq, S.ie(r, S.IE_CAUSE).cause, S.ie(r, S.IE_OFFENDING).type),
                      (S.ASSOC_SETUP_RSP, seq, 66, 96), "Recovery Time Stamp missing: 66, Offending IE 96")
            expect_eq(S.ie(r, S.IE_RECOVERY).timestamp, n4_stats(cd)["recovery_ts"], "still our Recovery Time Stamp")
            # a Node ID cut short: IPv4 with two octets of its address
            good = bytes(smf.wrap(smf.setup_req(), seq + 1))
            body = bytes.fromhex("003c0003") + b"\x00\x7f\x00" + bytes(IE_RecoveryTimeStamp(timestamp=5))
            bad = bytearray(good[:4] + good[4:8]) + body
            bad[2:4] = (len(bad) - 4).to_bytes(2, "big")
            r = smf.request(bytes(bad))
            expect_eq((S.ie(r, S.IE_CAUSE).cause, S.ie(r, S.IE_OFFENDING).type), (69, 60),
                      "Node ID cut short: 69 Mandatory IE incorrect, Offending IE 60")
            # an IE longer than the message: the whole message length is wrong
            bad = bytearray(good)
            bad[-5] = 0x40
            r = smf.request(bytes(bad), timeout=0.5)
            expect(r is None or S.ie(r, S.IE_CAUSE).cause in (68, 69),
                   "an IE past the message's end: dropped or invalid length")
        st = n4_stats(cd)["counters"]
        refused = {(x["type"], x["cause"]) for x in st["refusals"]}
        expect(("association_setup_request", "mandatory_ie_missing") in refused and
               ("association_setup_request", "mandatory_ie_incorrect") in refused, "counted: %s" % refused)
        expect_eq(st["association_setups"], 0, "nothing set up")


@R.test
def test_version_garbage_and_truncation():
    with n4_sxcd() as cd:
        with smf_of(cd) as smf:
            hb = bytes(smf.wrap(PFCPHeartbeatRequest(IE_list=[IE_RecoveryTimeStamp(timestamp=1)]), 777, version=2))
            smf.send(hb)
            p, raw, _ = smf.recv()
            expect(p is not None, "version 2 answered")
            expect_eq((raw[0] >> 5, raw[1], int.from_bytes(raw[4:7], "big"), len(raw)),
                      (1, S.VERSION_NOT_SUPPORTED, 777, 8), "Version Not Supported Response, seq echoed")
            good = bytes(smf.wrap(PFCPHeartbeatRequest(IE_list=[IE_RecoveryTimeStamp(timestamp=1)]), 778))
            for i in range(len(good)):
                smf.send(good[:i])
            rnd = random.Random(34)
            for _ in range(200):
                smf.send(bytes([0x20]) + bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 64))))
            smf.send(bytes([0x20, 99, 0, 4, 0, 0, 1, 0]))   # an unknown message type
            got = []
            while True:
                p, raw, _ = smf.recv(0.3)
                if p is None:
                    break
                got.append(raw)
            expect(all(r[1] in (S.HEARTBEAT_RSP, S.ASSOC_SETUP_RSP, S.ASSOC_UPDATE_RSP, S.ASSOC_RELEASE_RSP,
                                S.SESS_EST_RSP, 53, 55) for r in got),
                   "garbage: nothing but answers to what decoded as requests: %s" % [r[:4].hex() for r in got])
            expect(not any(r[1] == S.HEARTBEAT_RSP for r in got), "no proper prefix of a heartbeat answered")
            r = smf.heartbeat()
            expect(cd.alive() and r is not None, "sxcd alive and answering")
        st = n4_stats(cd)["counters"]
        expect(st["dropped"]["header"] >= len(good) - 1 and st["dropped"]["unknown_type"] >= 1,
               "drops counted: %s" % st["dropped"])


@R.test
def test_heartbeats_sent_and_unanswering_smf():
    # a grace of 3 s: the test sees the unreachable state even if it is descheduled a while
    with n4_sxcd(["--pfcp-heartbeat-s", "1", "--pfcp-t1-ms", "200", "--pfcp-n1", "1", "--pfcp-grace-s", "3"]) as cd:
        with smf_of(cd) as smf:
            smf.associate()
            a = smf.wait_request(S.HEARTBEAT_REQ, timeout=3)
            b = smf.wait_request(S.HEARTBEAT_REQ, timeout=3)
            expect(a is not None and b is not None, "heartbeats from sxcd")
            # about a second apart, as the test saw them come (its own scheduling in the figure)
            expect(0.2 < b[2] - a[2] < 5.0, "one every second: %.2f s" % (b[2] - a[2]))
            expect_eq((S.ie(a[0], S.IE_RECOVERY).timestamp, a[1][1]), (n4_stats(cd)["recovery_ts"], cd.pfcp),
                      "with our Recovery Time Stamp, from the --pfcp socket")
            time.sleep(0.2)
            expect(assoc_of(cd, smf.node_id_text())["last_heartbeat_ms_ago"] >= 0, "its last heartbeat noted")
            # now it stops answering: N1 resends, unreachable, then gone after the grace period
            deadline = time.monotonic() + GONE_S
            seen_unreachable = False
            while time.monotonic() < deadline:
                smf.drain()
                a = assoc_of(cd, smf.node_id_text())
                seen_unreachable |= a is not None and a["state"] == "unreachable"
                if a is None:
                    break
                time.sleep(0.1)
            st = n4_stats(cd)["counters"]
            expect(seen_unreachable, "unreachable first (kept for the grace period)")
            expect(assoc_of(cd, smf.node_id_text()) is None, "then gone")
            expect(st["heartbeat_failures"] >= 1 and st["requests_resent"] >= 1 and st["unreachable_gone"] == 1,
                   "counted: %s" % st)
            expect("does not answer heartbeats" in cd.logtext() and "gone: unreachable" in cd.logtext(), "logged")


@R.test
def test_metrics_bounded_labels():
    with n4_sxcd() as cd:
        with smf_of(cd) as smf:
            smf.associate()
            smf.heartbeat()
            smf.establish()
            smf.send(b"\x20\x01")
            smf.request(smf.wrap(PFCPAssociationSetupRequest(IE_list=[smf.node_id()]), 9))
        text = text_of(cd, "/metrics")
        lines = [ln for ln in text.splitlines() if ln.startswith("sxcd_pfcp_")]
        expect(lines, "PFCP families in /metrics")
        vals = {}
        for ln in lines:
            m = re.match(r'(\w+)(\{[^}]*\})? (\S+)$', ln)
            expect(m is not None, "a sample line: %s" % ln)
            vals[m.group(1) + (m.group(2) or "")] = float(m.group(3))
        expect_eq(vals.get('sxcd_pfcp_messages_received_total{type="association_setup_request"}'), 2.0,
                  "setups received")
        expect_eq(vals.get('sxcd_pfcp_refusals_total{type="session_establishment_request",'
                           'cause="conditional_ie_missing",cause_value="67"}'), 1.0,
                  "the session layer's refusal by cause")
        expect_eq(vals.get('sxcd_pfcp_refusals_total{type="association_setup_request",'
                           'cause="mandatory_ie_missing",cause_value="66"}'), 1.0, "the malformed one")
        expect_eq(vals.get('sxcd_pfcp_dropped_total{reason="header"}'), 1.0, "the short datagram")
        expect_eq(vals.get('sxcd_pfcp_associations{state="up"}'), 1.0, "one association up")
        known = set(n.replace(" ", "_") for n in (
            "heartbeat request", "heartbeat response", "association setup request", "association setup response",
            "association update request", "association update response", "association release request",
            "association release response", "version not supported response", "node report request",
            "node report response", "session establishment request", "session establishment response",
            "session modification request", "session modification response", "session deletion request",
            "session deletion response", "session report request", "session report response", "unknown"))
        for k in vals:
            for lab, v in re.findall(r'(\w+)="([^"]*)"', k):
                if lab == "type":
                    expect(v in known, "a message type label from the finite set: %s" % v)
                if lab == "peer" or lab == "seq":
                    raise T.TestFailure("an unbounded label: %s" % k)


@R.test
def test_ipv6():
    with n4_sxcd(v6=True) as cd:
        with smf_of(cd, "open5gs") as smf:
            seq = smf.next_seq()
            r = smf.request(smf.setup_req(), seq=seq)
            check_setup_rsp(r, seq, cd, "over IPv6")
            expect_eq(n4_stats(cd)["node_id"], "::1", "Node ID: the IPv6 --pfcp address")
            expect_eq(S.ie(r, S.IE_NODE_ID).id_type, 1, "an IPv6 Node ID")
            expect_eq(assoc_of(cd, "::1")["address"], "[::1]:%d" % smf.addr[1], "the peer's IPv6 address")


# ---------------------------------------------------------------- --pfcp-allow

REFUSED_LOG_S = 10     # sxcd's bound on lines about refused sources
REFUSED_LINE = "refused: outside --pfcp-allow"


def wait_refused(cd, n, timeout=5):
    """The refused_source counter at n (or more): those datagrams were dropped. A datagram is
    refused or answered in one pass of sxcd's loop, so an answer would be on its way by then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = n4_stats(cd)["counters"]["dropped"]["refused_source"]
        if got >= n:
            return got
        time.sleep(0.03)
    return n4_stats(cd)["counters"]["dropped"]["refused_source"]


def metric(cd, name):
    for ln in text_of(cd, "/metrics").splitlines():
        if ln.startswith(name + " "):
            return float(ln.split()[-1])
    return None


def outsider_tries(cd, smf, what):
    """`smf` (outside the allowed prefixes) sets up, heartbeats, establishes a session and sends
    garbage: nothing is answered, everything counted, nothing changes."""
    before = n4_stats(cd)
    sent = 0
    for req in (smf.setup_req(), PFCPHeartbeatRequest(IE_list=[IE_RecoveryTimeStamp(timestamp=smf.rts)])):
        smf.send(bytes(smf.wrap(req, smf.next_seq())))
        sent += 1
    smf.send(bytes(smf.wrap(smf.est_req(0x77), smf.next_seq(), seid=0)))
    smf.send(b"\x20\x01")          # too short: would be dropped("header") if it were read
    smf.send(bytes(smf.wrap(PFCPHeartbeatRequest(IE_list=[]), 5, version=2)))   # would get Version Not Supported
    sent += 3
    expect_eq(wait_refused(cd, before["counters"]["dropped"]["refused_source"] + sent),
              before["counters"]["dropped"]["refused_source"] + sent, "%s: each datagram counted once" % what)
    p, raw, _ = smf.recv(0.3)
    expect(p is None, "%s: nothing answered: %s" % (what, raw and raw[:8].hex()))
    after = n4_stats(cd)
    expect_eq(after["associations"], before["associations"], "%s: no association" % what)
    expect_eq({k: after["counters"][k] for k in ("in", "out", "refusals", "version_not_supported",
                                                  "association_setups")},
              {k: before["counters"][k] for k in ("in", "out", "refusals", "version_not_supported",
                                                   "association_setups")},
              "%s: not read at all (no message counted in, none out)" % what)
    expect_eq({k: v for k, v in after["counters"]["dropped"].items() if k != "refused_source"},
              {k: v for k, v in before["counters"]["dropped"].items() if k != "refused_source"},
              "%s: no other drop reason" % what)
    expect_eq(after.get("sessions"), before.get("sessions"), "%s: no session" % what)


@R.test
def test_allow_refuses_other_sources():
    """--pfcp-allow 127.0.0.1 (a bare address: /32): an SMF at 127.0.0.1 associates; one at
    127.0.0.2 gets no answer to anything, its datagrams are counted (status and /metrics) and
    change nothing; the log says so once, then how many more after at most 10 s."""
    with n4_sxcd(FAST + ["--pfcp-allow", "127.0.0.1", "--pfcp-allow", "2001:db8::/32"]) as cd:
        expect_eq(n4_stats(cd)["allow"], ["127.0.0.1/32", "2001:db8::/32"], "the allowed prefixes in the status")
        expect("taking N4 from any source address" not in cd.logtext(), "no warning: it is restricted")
        with smf_of(cd, "open5gs", bind=("127.0.0.2", 0)) as out, smf_of(cd, "free5gc") as ok:
            outsider_tries(cd, out, "from 127.0.0.2")
            r = ok.associate()
            expect(r is not None and S.ie(r, S.IE_CAUSE).cause == 1, "the SMF at 127.0.0.1 associates")
            expect_eq([a["node_id"] for a in n4_stats(cd)["associations"]], ["127.0.0.1"], "its association alone")
            outsider_tries(cd, out, "from 127.0.0.2 while another is associated")
            expect(ok.heartbeat() is not None, "the allowed SMF still answered")
            expect_eq(metric(cd, 'sxcd_pfcp_dropped_total{reason="refused_source"}'), 10.0,
                      "counted in /metrics")
            expect_eq(cd.logtext().count(REFUSED_LINE), 1, "one log line for the burst: %s" % cd.logtail())
            expect("a datagram from 127.0.0.2:%d refused" % out.addr[1] in cd.logtext(), "naming the source")
            deadline = time.monotonic() + REFUSED_LOG_S + 5
            while time.monotonic() < deadline and "more datagrams refused" not in cd.logtext():
                time.sleep(0.2)
            expect("9 more datagrams refused from sources outside --pfcp-allow (the last from 127.0.0.2:%d)" %
                   out.addr[1] in cd.logtext(), "then how many more, within %d s: %s" %
                   (REFUSED_LOG_S, cd.logtail()[-600:]))
            expect_eq(cd.logtext().count("more datagrams refused"), 1, "once")


@R.test
def test_allow_ipv6_and_prefixes():
    """IPv6: ::1 is outside 127.0.0.0/8 (refused, unanswered) and inside ::/0 and ::1/128;
    a prefix admits every address under it (127.0.0.0/30: .1 and .2)."""
    with n4_sxcd(["--pfcp-allow", "127.0.0.0/8"], v6=True) as cd:
        with smf_of(cd, "open5gs") as smf:
            outsider_tries(cd, smf, "::1 against 127.0.0.0/8")
    for pfx in ("::1", "::/0"):
        with n4_sxcd(["--pfcp-allow", "192.0.2.0/24", "--pfcp-allow", pfx], v6=True) as cd:
            with smf_of(cd, "open5gs") as smf:
                r = smf.associate()
                expect(r is not None and S.ie(r, S.IE_CAUSE).cause == 1, "::1 associates under %s" % pfx)
    with n4_sxcd(["--pfcp-allow", "127.0.0.0/30"]) as cd:
        for a in ("127.0.0.1", "127.0.0.2"):
            with smf_of(cd, "free5gc", bind=(a, 0)) as smf:
                r = smf.associate()
                expect(r is not None and S.ie(r, S.IE_CAUSE).cause == 1, "%s associates under /30" % a)
        expect_eq(n4_stats(cd)["counters"]["dropped"]["refused_source"], 0, "none refused")


@R.test
def test_allow_unset_warns_and_takes_anyone():
    with n4_sxcd() as cd:
        with smf_of(cd, "free5gc", bind=("127.0.0.2", 0)) as smf:
            expect(smf.associate() is not None, "answered from anywhere")
        expect_eq(n4_stats(cd)["allow"], None, "no restriction in the status")
        expect("taking N4 from any source address (PFCP has no authentication): restrict it to the SMFs with "
               "--pfcp-allow PREFIX" in cd.logtext(), "a warning at start")


@R.test
def test_allow_drops_a_stored_association_from_elsewhere():
    """An association stored from 127.0.0.2 is not restored when sxcd starts again with
    --pfcp-allow 127.0.0.1 (its peer could never be heard again); 127.0.0.1's is."""
    with n4_sxcd(FAST + ["--pfcp-grace-s", "30"]) as cd:
        with smf_of(cd, "free5gc", bind=("127.0.0.2", 0)) as a, smf_of(cd, "free5gc") as b:
            expect_eq((S.ie(a.associate(), S.IE_CAUSE).cause, S.ie(b.associate(), S.IE_CAUSE).cause), (1, 1),
                      "both associated")
            cd.extra += ["--pfcp-allow", "127.0.0.1"]
            cd.restart()
            expect_eq([x["node_id"] for x in n4_stats(cd)["associations"]], ["127.0.0.1"], "127.0.0.1's alone")
            expect("the stored association with 127.0.0.2 not restored: its address 127.0.0.2:%d is outside "
                   "--pfcp-allow now" % a.addr[1] in cd.logtext(), "said why")
            expect_eq([x["node_id"] for x in json.load(open(cd.state_file("pfcp")))["associations"]], ["127.0.0.1"],
                      "and no longer stored")
            r = mod_req(b)
            expect(r is not None and S.ie(r, S.IE_CAUSE).cause != 72, "127.0.0.1 still associated")


@R.test
def test_bad_options_refused_before_the_store():
    store = tempfile.mkdtemp(prefix="sxcd-pfcp-")
    shutil.rmtree(store)
    sxcd = os.path.join(T.build_dir(), "sxcd")
    for args, want in ((["--pfcp", "10.0.0.1:99999"], "sxcd: --pfcp 10.0.0.1:99999: port '99999' is not 1..65535"),
                       (["--pfcp", "nonsense"], "sxcd: --pfcp nonsense: 'nonsense' is not an IPv4 or IPv6 address"),
                       (["--pfcp", "[::1"], "sxcd: --pfcp [::1: an IPv6 address in brackets"),
                       (["--pfcp-smf", "127.0.0.1"], "sxcd: --pfcp-* options need --pfcp"),
                       (["--pfcp", "127.0.0.1", "--pfcp-node-id", "bad name!"], "sxcd: --pfcp-node-id bad name!: "),
                       (["--pfcp", "127.0.0.1", "--pfcp-n1", "99"], "sxcd: --pfcp-n1 99: 0..10"),
                       (["--pfcp", "127.0.0.1", "--pfcp-allow", "10.1.0.0/8"],
                        "sxcd: --pfcp-allow 10.1.0.0/8: host bits set after /8 (the prefix is 10.0.0.0/8)"),
                       (["--pfcp", "127.0.0.1", "--pfcp-allow", "::/129"],
                        "sxcd: --pfcp-allow ::/129: prefix length '129' is not 0..128"),
                       (["--pfcp", "127.0.0.1", "--pfcp-allow", "10.0.0.0/"],
                        "sxcd: --pfcp-allow 10.0.0.0/: prefix length '' is not 0..32"),
                       (["--pfcp", "127.0.0.1", "--pfcp-allow", "smf.example"],
                        "sxcd: --pfcp-allow smf.example: 'smf.example' is not an IPv4 or IPv6 address"),
                       (["--pfcp-allow", "10.0.0.0/8"], "sxcd: --pfcp-* options need --pfcp"),
                       (["--pfcp", "127.0.0.1", "--pfcp-allow", "10.0.0.0/8", "--pfcp-smf", "192.0.2.1"],
                        "sxcd: --pfcp-smf 192.0.2.1:8805 is outside every --pfcp-allow prefix")):
        p = subprocess.run([sxcd, "--store", store] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=10)
        expect_eq(p.returncode, 2, "%s: exit 2" % args)
        expect(p.stderr.startswith(want) and p.stderr.count("\n") == 1, "%s: one line: %r" % (args, p.stderr))
        expect(not os.path.exists(store), "%s: the store untouched" % args)
    h = subprocess.run([sxcd, "-h"], stdout=subprocess.PIPE, text=True).stdout
    for o in ("--pfcp ADDR[:PORT]", "--pfcp-node-id ID", "--pfcp-smf ADDR[:PORT]", "--pfcp-heartbeat-s N",
              "--pfcp-allow PREFIX"):
        expect(o in h, "sxcd -h lists %s" % o)


# ---------------------------------------------------------------- restarts

FAST = ["--pfcp-heartbeat-s", "1", "--pfcp-t1-ms", "200", "--pfcp-n1", "1"]


def mod_req(smf, up_seid=0x4242):
    """A Session Modification Request (as an SMF sends one for a session it has): any answer
    but 72 shows the association is there."""
    seq = smf.next_seq()
    return smf.request(smf.wrap(S.PFCPSessionModificationRequest(IE_list=[]), seq, seid=up_seid), seq=seq)


def check_same_association(cd, smf, before, what):
    a = assoc_of(cd, smf.node_id_text())
    expect(a is not None, "%s: the association is there: %s" % (what, n4_stats(cd)["associations"]))
    keep = ("node_id", "address", "local", "recovery_ts", "initiated")
    expect_eq({k: a[k] for k in keep}, {k: before[k] for k in keep}, "%s: the same association" % what)
    expect(a["restored"] and a["state"] == "up", "%s: restored, up: %s" % (what, a))
    r = mod_req(smf)
    expect(r is not None and r.message_type == 53, "%s: a Modification Request answered" % what)
    expect(S.ie(r, S.IE_CAUSE).cause != 72, "%s: not refused with 72 (cause %d)" % (what, S.ie(r, S.IE_CAUSE).cause))
    hb = smf.wait_request(S.HEARTBEAT_REQ, timeout=3)
    expect(hb is not None, "%s: heartbeats from the UPF resume" % what)
    expect_eq((S.ie(hb[0], S.IE_RECOVERY).timestamp, hb[1][1]), (before["upf_rts"], cd.pfcp),
              "%s: with the same Recovery Time Stamp, from the --pfcp socket" % what)


@R.test
def test_restart_keeps_associations():
    with n4_sxcd(FAST + ["--pfcp-grace-s", "30"]) as cd:
        with smf_of(cd, "open5gs") as smf:
            r = smf.associate()
            expect_eq(S.ie(r, S.IE_CAUSE).cause, 1, "associated")
            before = dict(assoc_of(cd, smf.node_id_text()), upf_rts=n4_stats(cd)["recovery_ts"])
            expect(not before["restored"], "set up, not restored")
            doc = json.load(open(cd.state_file("pfcp")))
            expect_eq((doc["recovery_ts"], [a["node_id"] for a in doc["associations"]]),
                      (before["upf_rts"], [smf.node_id_text()]), "stored: %s" % doc)
            st = doc["associations"][0]
            expect_eq((st["peer"], st["recovery_ts"], st["initiated"], st["node_id_type"], st["cp_features"]),
                      ("%s:%d" % smf.addr, smf.rts, "smf", "ipv4", "00"), "stored field by field: %s" % st)
            for sig in (signal.SIGTERM, signal.SIGKILL):
                cd.restart(sig)
                expect_eq(n4_stats(cd)["recovery_ts"], before["upf_rts"], "the same Recovery Time Stamp (%s)" % sig)
                check_same_association(cd, smf, before, "after %s" % signal.Signals(sig).name)
                expect_eq(n4_stats(cd)["counters"]["associations_restored"], 1, "counted")
            # an Update after a restart, stored; then release after a restart
            r = smf.update()
            expect_eq(S.ie(r, S.IE_CAUSE).cause, 1, "update after the restart accepted")
            expect_eq(json.load(open(cd.state_file("pfcp")))["associations"][0]["cp_features"], "01",
                      "the new CP Function Features stored before the answer")
            cd.restart(signal.SIGKILL)
            r = smf.release()
            expect_eq((r.message_type, S.ie(r, S.IE_CAUSE).cause), (S.ASSOC_RELEASE_RSP, 1), "release after a restart")
            expect(assoc_of(cd, smf.node_id_text()) is None, "released")
            expect_eq(json.load(open(cd.state_file("pfcp")))["associations"], [],
                      "gone from the store before the answer")
            cd.restart(signal.SIGKILL)
            expect_eq(n4_stats(cd)["associations"], [], "not back after another restart")
            r = mod_req(smf)
            expect_eq(S.ie(r, S.IE_CAUSE).cause, 72, "now a Modification is refused with 72")


@R.test
def test_smf_restart_after_sxcd_restart():
    with n4_sxcd(FAST + ["--pfcp-grace-s", "30"]) as cd:
        with smf_of(cd) as smf:
            smf.associate()
            cd.restart(signal.SIGKILL)
            old = smf.rts
            smf.rts += 50          # the SMF restarted while sxcd was away: its heartbeat answer says so
            deadline = time.monotonic() + SETTLE_S
            while n4_stats(cd)["counters"]["smf_restarts"] == 0 and time.monotonic() < deadline:
                smf.wait_request(S.HEARTBEAT_REQ, timeout=0.5)
            expect_eq(n4_stats(cd)["counters"]["smf_restarts"], 1, "the SMF restart seen after the sxcd restart")
            expect_eq(assoc_of(cd, smf.node_id_text())["recovery_ts"], smf.rts, "its new Recovery Time Stamp")
            expect("Recovery Time Stamp is later (%d, was %d)" % (smf.rts, old) in cd.logtext(), "logged")
            expect_eq(stored_when(cd, lambda st: st and st[0]["recovery_ts"] == smf.rts)[0]["recovery_ts"], smf.rts,
                      "stored")
            cd.restart(signal.SIGKILL)
            smf.wait_request(S.HEARTBEAT_REQ, timeout=3)
            time.sleep(0.2)
            expect_eq(n4_stats(cd)["counters"]["smf_restarts"], 0, "no restart seen again after one more sxcd restart")


@R.test
def test_upf_initiated_restored_not_set_up_again():
    with S.Smf(("127.0.0.1", 1), profile="oai") as smf:
        with n4_sxcd(FAST + ["--pfcp-smf", "%s:%d" % smf.addr]) as cd:
            expect(smf.wait_request(S.ASSOC_SETUP_REQ, timeout=5) is not None, "set up by sxcd")
            deadline = time.monotonic() + SETTLE_S
            while assoc_of(cd, smf.fqdn) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            st = (stored_when(cd, lambda st: len(st) == 1) or [{}])[0]
            expect_eq((st["node_id"], st["node_id_type"], st["initiated"], st["smf"]),
                      (smf.fqdn, "fqdn", "upf", "%s:%d" % smf.addr), "stored with its --pfcp-smf entry: %s" % st)
            cd.restart(signal.SIGKILL)
            a = assoc_of(cd, smf.fqdn)
            expect(a is not None and a["initiated"] == "upf" and a["restored"], "restored: %s" % a)
            deadline, setups, hbs = time.monotonic() + GONE_S, 0, 0
            while hbs == 0 and time.monotonic() < deadline:   # until its first heartbeat (every 1 s)
                p, _, src = smf.recv(0.1)
                if p is not None:
                    setups += p.message_type == S.ASSOC_SETUP_REQ
                    hbs += p.message_type == S.HEARTBEAT_REQ
                    smf.answer(p, src)
            expect_eq((setups, hbs > 0), (0, True), "heartbeats, no new Association Setup Request")


@R.test
def test_restored_unreachable_goes():
    with n4_sxcd(FAST + ["--pfcp-grace-s", "1"]) as cd:
        with smf_of(cd) as smf:
            smf.associate()
            name = smf.node_id_text()
            cd.stop(signal.SIGKILL)
        cd.start()      # its SMF is gone (socket closed)
        expect(assoc_of(cd, name)["restored"], "restored first")
        deadline = time.monotonic() + GONE_S
        while assoc_of(cd, name) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        expect(assoc_of(cd, name) is None and "gone: unreachable" in cd.logtext(), "gone as unreachable")
        expect_eq(stored_when(cd, lambda st: st == []), [], "and from the store")


@R.test
def test_corrupt_stored_associations():
    """Not trusted in part: none restored, a new Recovery Time Stamp (every SMF sets up again, so
    none is refused with 72 while it sees no UP restart), the document kept aside, logged."""
    good = None
    for name, bad in (("associations not an array", lambda d: dict(d, associations={"x": 1})),
                      ("a bad peer", lambda d: dict(d, associations=[dict(d["associations"][0], peer="nowhere")])),
                      ("a Node ID twice", lambda d: dict(d, associations=d["associations"] * 2)),
                      ("no Recovery Time Stamp", lambda d: {"associations": d["associations"]}),
                      ("not JSON", None)):
        with n4_sxcd() as cd:
            with smf_of(cd) as smf:
                r = smf.associate()
                expect(r is not None and S.ie(r, S.IE_CAUSE).cause == 1, "%s: associated first" % name)
                rts = n4_stats(cd)["recovery_ts"]
                cd.stop()
                good = json.load(open(cd.state_file("pfcp")))
                with open(cd.state_file("pfcp"), "w") as f:
                    f.write('{"recovery_ts": 5, "associations": [' if bad is None else json.dumps(bad(good)))
                time.sleep(1.05)   # a new stamp is a new second
                cd.start()
                st = n4_stats(cd)
                expect(cd.alive() and st["associations"] == [], "%s: started, nothing restored" % name)
                expect(st["recovery_ts"] != rts, "%s: a new Recovery Time Stamp" % name)
                expect_eq(json.load(open(cd.state_file("pfcp"))),
                          {"recovery_ts": st["recovery_ts"], "associations": [], "pfds": {}},
                          "%s: the new state stored" % name)
                if bad is not None:
                    expect(st["restore_error"] and "do not read back" in cd.logtext(), "%s: said: %s" %
                           (name, st["restore_error"]))
                    expect_eq(json.load(open(cd.state_file("pfcp.unreadable"))), bad(good), "%s: kept aside" % name)
                else:
                    expect("does not read back" in cd.logtext(), "not JSON: set aside by the store, said")
                r = smf.associate()
                expect_eq(S.ie(r, S.IE_CAUSE).cause, 1, "%s: an SMF sets up again" % name)


@R.test
def test_wildcard_answers_from_the_address_asked():
    with n4_sxcd(FAST + ["--pfcp-node-id", "127.0.0.1"], bind="0.0.0.0") as cd:
        with S.Smf(("127.0.0.2", cd.pfcp)) as smf:
            r = smf.request(smf.setup_req())
            p, raw, src = r, None, None
            smf.send(bytes(smf.wrap(smf.setup_req(), 77)))
            p, raw, src = smf.recv()
            expect(p is not None and p.message_type == S.ASSOC_SETUP_RSP, "answered")
            expect_eq(src, ("127.0.0.2", cd.pfcp), "the answer from the address the request went to")
            expect_eq(assoc_of(cd, "127.0.0.1")["local"], "127.0.0.2:%d" % cd.pfcp, "noted")
            hb = smf.wait_request(S.HEARTBEAT_REQ, timeout=3)
            expect(hb is not None and hb[1] == ("127.0.0.2", cd.pfcp), "our heartbeats from there too: %s" %
                   (hb and hb[1],))
            smf.send(bytes(smf.wrap(smf.setup_req(), 77)))
            _, raw2, src = smf.recv()
            expect_eq((src, raw2), (("127.0.0.2", cd.pfcp), raw), "a retransmission answered from there")
            cd.restart(signal.SIGKILL)
            hb = smf.wait_request(S.HEARTBEAT_REQ, timeout=3)
            expect(hb is not None and hb[1] == ("127.0.0.2", cd.pfcp), "and after a restart: %s" % (hb and hb[1],))
            r = mod_req(smf)
            expect(r is not None and S.ie(r, S.IE_CAUSE).cause != 72, "a Modification not refused with 72")


@R.test
def test_two_node_ids_one_address():
    """Two SMFs (Node IDs smf-a and smf-b) behind one address and port (one socket): both
    associate, each establishes and modifies its own session (a session is the association's
    that made it, found by its SEID, not by the address); a third Node ID not associated from
    that same address is refused 72; an SMF at another address naming A's SEID gets 65 (SEID
    0); A's release leaves B's session in sxdp and in B's hands. Sessions need sxdp: the one
    test here that starts one (pfcp_upf's UPF)."""
    cause = S.cause_of
    with P.upf_pfcp() as (dp, cd, port, base):
        a = S.Smf(("127.0.0.1", port), profile="oai", fqdn="smf-a.example")
        mates = []
        try:
            for k, name in enumerate(("smf-b.example", "smf-c.example")):   # the same socket, another Node ID
                m = S.Smf(("127.0.0.1", port), profile="oai", fqdn=name, rts=a.rts)
                m.sock.close()
                m.sock, m.addr = a.sock, a.addr
                m.seq = 0x100000 * (k + 1)   # one entity: its sequence numbers its own (the response cache's key)
                mates.append(m)
            b, c = mates
            expect_eq((cause(a.associate()), cause(b.associate())), (1, 1), "both associated from one address")
            ra, sa = a.open_session(cp_seid=0xa1, ue="10.45.0.41", gnb="192.0.2.10", gnb_teid=0x41, ul_teid=0x7a41)
            rb, sb = b.open_session(cp_seid=0xb1, ue="10.45.0.42", gnb="192.0.2.10", gnb_teid=0x42, ul_teid=0x7b41)
            expect_eq((cause(ra), cause(rb)), (1, 1), "each established its session")
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]
            expect_eq(st["sessions"]["by_node"], {"smf-a.example": 1, "smf-b.example": 1}, "one each, by Node ID")
            expect_eq((cause(a.modify(sa["up_seid"], 0xa1, far=2, gnb="192.0.2.10", gnb_teid=0x51)),
                       cause(b.modify(sb["up_seid"], 0xb1, far=2, gnb="192.0.2.10", gnb_teid=0x52))), (1, 1),
                      "each modified its own (found by SEID, whichever association the address finds first)")
            r, _ = c.open_session(cp_seid=0xc1, ue="10.45.0.43", gnb="192.0.2.10", gnb_teid=0x43, ul_teid=0x7c41)
            expect_eq((cause(r), r.seid), (72, 0xc1), "a Node ID not associated: 72, though others are from there")
            with S.Smf(("127.0.0.1", port), profile="oai", fqdn="smf-d.example", bind=("127.0.0.2", 0)) as d:
                expect_eq(cause(d.associate()), 1, "another SMF at another address")
                r = d.modify(sa["up_seid"], 0xa1, far=2, gnb="192.0.2.10", gnb_teid=0x66)
                expect_eq((cause(r), r.seid), (65, 0), "A's session from another address: 65, SEID 0")
                expect_eq(cause(d.delete(sb["up_seid"])), 65, "nor B's deleted from there")
                expect_eq(cause(d.release()), 1, "released")
            dl = P.by(P.tables(dp), "sessions_downlink", "ue")
            expect_eq((dl["10.45.0.41"]["params"]["teid"], dl["10.45.0.42"]["params"]["teid"]), (0x51, 0x52),
                      "both sessions as their own SMF left them")
            expect_eq(cause(a.release()), 1, "A released")
            deadline = time.monotonic() + SETTLE_S
            while time.monotonic() < deadline and "10.45.0.41" in P.by(P.tables(dp), "sessions_downlink", "ue"):
                time.sleep(0.05)
            dl = P.by(P.tables(dp), "sessions_downlink", "ue")
            expect("10.45.0.41" not in dl and dl["10.45.0.42"]["params"]["teid"] == 0x52,
                   "A's session gone with its association, B's kept: %s" % sorted(dl))
            st = cd.req("GET", "/api/v1/status")[1]["services"]["pfcp"]
            expect_eq(st["sessions"]["by_node"], {"smf-b.example": 1}, "B's session only")
            expect_eq([x["node_id"] for x in st["associations"]], ["smf-b.example"], "B's association only")
            expect_eq(cause(b.modify(sb["up_seid"], 0xb1, far=2, gnb="192.0.2.10", gnb_teid=0x62)), 1,
                      "B still modifies it")
            expect_eq(cause(b.delete(sb["up_seid"])), 1, "and deletes it")
            expect_eq(P.tables(dp), base, "nothing left")
        finally:
            a.close()


if __name__ == "__main__":
    if not os.access(os.path.join(T.build_dir(), "sxcd"), os.X_OK):
        print("not ok - sxcd missing (build first)")
        print("0 passed, 1 failed")
        sys.exit(1)
    R.main()
