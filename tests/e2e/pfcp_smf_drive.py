#!/usr/bin/python3
"""The test SMF of tests/e2e/pfcp.sh: tests/packet/pfcp_smf.py's Smf kept running between
the script's steps, so that one association carries every request and the UPF's own
requests (Heartbeats, Session Report Requests) are answered and recorded while the
script runs traffic.

    pfcp_smf_drive.py serve --upf ADDR:PORT --ctl SOCKET [--bind ADDR] [--ready FILE]
    pfcp_smf_drive.py call SOCKET OP [KEY=VALUE...]     (prints the answer as JSON)

OPs: associate; ulcl cp_seid= ue= gnb= gnb_teid= anchor= anchor_teid= dn_prefix=;
modify up_seid= cp_seid= far= (gnb= gnb_teid= | buffer=1); delete up_seid=;
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
