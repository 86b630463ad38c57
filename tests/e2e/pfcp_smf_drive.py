#!/usr/bin/python3
"""The test SMF of tests/e2e/pfcp.sh: tests/packet/pfcp_smf.py's Smf kept running between
the script's steps, so that one association carries every request and the UPF's own
requests (Heartbeats, Session Report Requests) are answered and recorded while the
script runs traffic.

    pfcp_smf_drive.py serve --upf ADDR:PORT --ctl SOCKET [--bind ADDR] [--ready FILE]
    pfcp_smf_drive.py call SOCKET OP [KEY=VALUE...]     (prints the answer as JSON)

OPs: associate; ulcl cp_seid= ue= gnb= gnb_teid= anchor= anchor_teid= dn_prefix=;
psa cp_seid= ue= n3= [n3_teid=] [peer= peer_teid=] (the anchor's session, psa_ies);
n9_pdr up_seid= pdr= far= ue= (a Modification: one more downlink PDR on an N9
F-TEID the UPF chooses, to FAR far, URR pdr);
modify up_seid= cp_seid= far= (gnb= gnb_teid= [sndem=1] | buffer=1); delete up_seid=;
heartbeat (our Heartbeat Request: the UPF's Recovery Time Stamp); reports (the Session
Report Requests the UPF sent, and the Heartbeats); quit.
Run with Debian's /usr/bin/python3 (scapy)."""
import json
import os
import select
import socket
import sys
import time

# scapy only in the server: a call is one short process per command
if sys.argv[1:2] != ["call"]:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packet"))
    import pfcp_smf as S  # noqa: E402
    from scapy.contrib.pfcp import PFCP, PFCPSessionReportResponse, IE_Cause  # noqa: E402
    UPF_REQUESTS = (S.HEARTBEAT_REQ, S.ASSOC_SETUP_REQ, 12, S.SESS_REPORT_REQ)   # 12: Node Report
    Smf = S.Smf
else:
    Smf = object


class DriveSmf(Smf):
    """An Smf that answers and records what the UPF asks, also while it waits for an answer."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.reports = []     # the Session Report Requests, as they came
        self.heartbeats = 0
        self.up_of = {}       # CP SEID -> UP SEID (a Report Response goes to the UP's)

    def take(self, p, src):
        """Answer and record a request of the UPF's."""
        t = p.message_type
        if t == S.SESS_REPORT_REQ:
            rt = S.ie(p, S.IE_REPORT_TYPE)
            self.reports.append({
                "seid": p.seid, "seq": p.seq, "t": time.time(),
                "dldr": S.ie(p, S.IE_DL_DATA_REPORT) is not None,
                "type": {k: int(getattr(rt, k)) for k in ("DLDR", "USAR", "ERIR", "UPIR")} if rt is not None else {},
                "usage": S.usage_reports(p)})
            r = PFCP(version=1, S=1, seid=self.up_of.get(p.seid, 0), seq=p.seq) / PFCPSessionReportResponse(
                IE_list=[IE_Cause(cause=1)])
            self.send(r, src)
        else:
            if t == S.HEARTBEAT_REQ:
                self.heartbeats += 1
            self.answer(p, src)

    def request(self, msg, seq=None, timeout=3.0, want=None):
        seq = self.next_seq() if seq is None else seq
        b = bytes(self.wrap(msg, seq)) if not isinstance(msg, PFCP) else bytes(msg)
        seq = msg.seq if isinstance(msg, PFCP) else seq
        self.send(b)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            p, raw, src = self.recv(max(0.01, deadline - time.monotonic()))
            if p is None:
                return None
            if p.message_type in UPF_REQUESTS:
                self.take(p, src)
            elif p.seq == seq:
                return p
        return None

    def poll(self):
        """Take whatever the UPF sent meanwhile."""
        while True:
            p, raw, src = self.recv(0.005)
            if p is None:
                return
            if p.message_type in UPF_REQUESTS:
                self.take(p, src)


def psa_ies(smf, cp_seid, ue, n3, n3_teid=None, peer=None, peer_teid=None, n3_ni="core", n6_ni="internet",
            qfi=9):
    """A Session Establishment Request's IEs for the session's anchor (PSA) behind an
    I-UPF: from the PSA's side the I-UPF is its Access (TS 29.244 5.2.1).
      PDR 1: uplink from Access (F-TEID n3_teid on address n3, else CHOOSE), OHR 0 -> FAR 1:
        to Core (N6, Network Instance n6_ni);
      PDR 2: downlink from Core (the UE's address) -> FAR 2: to Access, into the I-UPF's N9
        tunnel (peer, peer_teid; without one, no Outer Header Creation yet).
    QER 1 (gate open, QFI) and URR n (volume) on each PDR n."""
    fteid = (S.IE_FTEID(V4=1, TEID=n3_teid, ipv4=n3) if n3_teid is not None else
             S.IE_FTEID(V4=1, CH=1, CHID=1, choose_id=1))
    pdis = {1: [S.IE_SourceInterface(interface=0), fteid, S.IE_NetworkInstance(instance=n3_ni),
                S.IE_UE_IP_Address(V4=1, ipv4=ue)],
            2: [S.IE_SourceInterface(interface=1), S.IE_NetworkInstance(instance=n6_ni),
                S.IE_UE_IP_Address(V4=1, SD=1, ipv4=ue)]}
    l = [smf.node_id(), smf.fseid(cp_seid)]
    for i in (1, 2):
        pdr = [S.IE_PDR_Id(id=i), S.IE_Precedence(precedence=200), S.IE_PDI(IE_list=pdis[i])]
        if i == 1:
            pdr.append(S.IE_OuterHeaderRemoval(header=0))
        l.append(S.IE_CreatePDR(IE_list=pdr + [S.IE_FAR_Id(id=i), S.IE_URR_Id(id=i), S.IE_QER_Id(id=1)]))
    dl = [S.IE_DestinationInterface(interface=0), S.IE_NetworkInstance(instance=n3_ni)]
    if peer is not None:
        dl.append(smf.ohc(peer, peer_teid))
    l += [
        S.IE_CreateFAR(IE_list=[S.IE_FAR_Id(id=1), S.IE_ApplyAction(FORW=1), S.IE_ForwardingParameters(IE_list=[
            S.IE_DestinationInterface(interface=1), S.IE_NetworkInstance(instance=n6_ni)])]),
        S.IE_CreateFAR(IE_list=[S.IE_FAR_Id(id=2), S.IE_ApplyAction(FORW=1), S.IE_ForwardingParameters(IE_list=dl)]),
        S.IE_CreateQER(IE_list=[S.IE_QER_Id(id=1), S.IE_GateStatus(ul=0, dl=0), S.IE_QFI(QFI=qfi)]),
    ]
    for i in (1, 2):
        l.append(S.IE_CreateURR(IE_list=[S.IE_URR_Id(id=i), S.IE_MeasurementMethod(VOLUM=1),
                                         S.IE_ReportingTriggers(volume_threshold=1),
                                         S.IE_VolumeThreshold(TOVOL=1, total=1 << 40)]))
    return l


def n9_pdr_ies(pdr, far, ue, n9_ni="core", chid=3):
    """A Session Modification Request's IEs: Create PDR `pdr` (downlink from Core on an N9
    F-TEID the UPF chooses, CHOOSE ID chid, the UE's address, OHR 0) -> FAR `far`, its own
    URR (id pdr), QER 1: the new tunnel an anchor's downlink is switched to."""
    pdi = [S.IE_SourceInterface(interface=1), S.IE_FTEID(V4=1, CH=1, CHID=1, choose_id=chid),
           S.IE_NetworkInstance(instance=n9_ni), S.IE_UE_IP_Address(V4=1, SD=1, ipv4=ue)]
    return [S.IE_CreatePDR(IE_list=[S.IE_PDR_Id(id=pdr), S.IE_Precedence(precedence=200), S.IE_PDI(IE_list=pdi),
                                    S.IE_OuterHeaderRemoval(header=0), S.IE_FAR_Id(id=far), S.IE_URR_Id(id=pdr),
                                    S.IE_QER_Id(id=1)]),
            S.IE_CreateURR(IE_list=[S.IE_URR_Id(id=pdr), S.IE_MeasurementMethod(VOLUM=1),
                                    S.IE_ReportingTriggers(volume_threshold=1),
                                    S.IE_VolumeThreshold(TOVOL=1, total=1 << 40)])]


def cause(r):
    c = S.ie(r, S.IE_CAUSE) if r is not None else None
    return c.cause if c is not None else None


def refusal(r):
    """What a refusal names besides its cause."""
    out = {}
    if r is None:
        return {"why": "no answer"}
    o = S.ie(r, S.IE_OFFENDING)
    if o is not None:
        out["offending_ie"] = o.type
    f = S.ie(r, S.IE_FAILED_RULE)
    if f is not None:
        out["failed_rule"] = [f.type, f.id]
    return out


def handle(smf, op, a):
    num = lambda k: int(str(a[k]), 0)   # noqa: E731
    if op == "associate":
        r = smf.associate()
        return {"cause": cause(r)}
    if op == "ulcl":
        r, sess = S.open_ulcl(smf, num("cp_seid"), a["ue"], gnb=a["gnb"], gnb_teid=num("gnb_teid"),
                              anchor=a["anchor"], anchor_teid=num("anchor_teid"), dn_prefix=a["dn_prefix"])
        if sess["up_seid"]:
            smf.up_of[num("cp_seid")] = sess["up_seid"]
        return dict({"cause": cause(r), "up_seid": sess["up_seid"],
                     "fteids": {str(k): list(v) for k, v in sess["fteids"].items()}},
                    **({} if cause(r) == 1 else refusal(r)))
    if op == "psa":
        seq = smf.next_seq()
        r = smf.request(smf.wrap(S.PFCPSessionEstablishmentRequest(IE_list=psa_ies(
            smf, num("cp_seid"), a["ue"], a["n3"], n3_teid=num("n3_teid") if "n3_teid" in a else None,
            peer=a.get("peer"), peer_teid=num("peer_teid") if "peer_teid" in a else None)), seq, seid=0), seq=seq)
        f = S.ie(r, S.IE_FSEID_T) if r is not None else None
        up = f.seid if f is not None else 0
        if up:
            smf.up_of[num("cp_seid")] = up
        return dict({"cause": cause(r), "up_seid": up,
                     "fteids": {str(k): list(v) for k, v in S.created_fteids(r).items()}},
                    **({} if cause(r) == 1 else refusal(r)))
    if op == "n9_pdr":
        seq = smf.next_seq()
        r = smf.request(smf.wrap(S.PFCPSessionModificationRequest(IE_list=n9_pdr_ies(
            num("pdr"), num("far"), a["ue"])), seq, seid=num("up_seid")), seq=seq)
        return dict({"cause": cause(r), "fteids": {str(k): list(v) for k, v in S.created_fteids(r).items()}},
                    **({} if cause(r) == 1 else refusal(r)))
    if op == "modify":
        buf = str(a.get("buffer", "0")) in ("1", "true")
        r = smf.modify(num("up_seid"), num("cp_seid"), far=num("far"), gnb=a.get("gnb"),
                       gnb_teid=num("gnb_teid") if "gnb_teid" in a else None, buffer=buf,
                       sndem=str(a.get("sndem", "0")) in ("1", "true"))
        return dict({"cause": cause(r)}, **({} if cause(r) == 1 else refusal(r)))
    if op == "delete":
        r = smf.delete(num("up_seid"))
        return {"cause": cause(r), "seid": r.seid if r is not None else None, "usage": S.usage_reports(r)}
    if op == "heartbeat":
        r = smf.heartbeat()
        i = S.ie(r, S.IE_RECOVERY) if r is not None else None
        return {"rts": i.timestamp if i is not None else None}
    if op == "reports":
        smf.poll()
        return {"reports": smf.reports, "heartbeats": smf.heartbeats}
    raise ValueError("unknown op %r" % op)


def serve(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="pfcp_smf_drive.py serve")
    ap.add_argument("--upf", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--profile", default="free5gc")
    ap.add_argument("--ready")
    a = ap.parse_args(argv)
    host, port = a.upf.rsplit(":", 1)
    smf = DriveSmf((host, int(port)), profile=a.profile, bind=(a.bind, 0))
    ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(a.ctl):
        os.unlink(a.ctl)
    ctl.bind(a.ctl)
    ctl.listen(4)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%s:%d\n" % smf.addr)
    while True:
        r, _, _ = select.select([ctl, smf.sock], [], [])
        if smf.sock in r:
            smf.poll()
        if ctl not in r:
            continue
        c, _ = ctl.accept()
        with c:
            line = c.makefile("rb").readline()
            try:
                q = json.loads(line)
                op = q.pop("op")
                if op == "quit":
                    c.sendall(b'{"bye": true}\n')
                    return 0
                out = handle(smf, op, q)
            except Exception as e:   # a bad command is the script's bug: say it, go on
                out = {"error": "%s: %s" % (type(e).__name__, e)}
            c.sendall(json.dumps(out).encode() + b"\n")


def call(argv):
    path, op = argv[0], argv[1]
    q = {"op": op}
    for kv in argv[2:]:
        k, v = kv.split("=", 1)
        q[k] = v
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(30)
    c.connect(path)
    c.sendall(json.dumps(q).encode() + b"\n")
    ans = c.makefile("rb").readline().decode().strip()
    print(ans)
    return 0 if ans and "error" not in json.loads(ans) else 1


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "call"):
        sys.exit(__doc__)
    sys.exit(serve(sys.argv[2:]) if sys.argv[1] == "serve" else call(sys.argv[2:]))
