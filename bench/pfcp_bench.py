#!/usr/bin/python3
"""PFCP at scale: Session Establishments per second from one SMF while 100k sessions are
resident, their latency (request sent to answer received: the session is in sxdp's tables
when answered), sxcd's memory per PFCP session, and Session Modification latency with them
resident. A benchmark, not a test: it prints what it measured and the conditions, asserts
nothing.

  flock /tmp/bench.lock env BUILD=build /usr/bin/python3 bench/pfcp_bench.py \\
      [--sessions 100000] [--extra 10000] [--window 256] [--mods 5000] [--driver c]

sxdp runs the upf pipeline on net_pcap ports (no traffic) with its session tables sized for
the run; sxcd runs with --pfcp on loopback; the SMF is this Python process (one UDP socket,
messages made once with scapy and patched per session: SEID, UE address, TEIDs, sequence),
keeping --window requests in flight. All of it on the same 2 CPUs. Sessions have the shape
free5GC's SMF sends minus its QER (an uplink PDR with the SMF's F-TEID and OHR, a downlink
PDR by UE address to the gNB's tunnel, two FARs, one URR with a volume threshold).
"""
import argparse
import json
import os
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "packet"))
import sxcdtest as S  # noqa: E402
from sxdptest import Sxdp, build_dir  # noqa: E402
import pfcp_smf as P  # noqa: E402
from scapy.contrib import pfcp as SP  # noqa: E402
sys.path.insert(0, HERE)
import benchlib as B  # noqa: E402

UE0 = 0x0A400000  # 10.64.0.0
GNB0 = 0xC000020A  # 192.0.2.10: upf_dl's 4 gNBs from it
MBR_HI, MBR_LO = 10000000, 5000000   # kbit/s: far above what one session carries here


def free_udp():
    s_ = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s_.bind(("127.0.0.1", 0))
    port = s_.getsockname()[1]
    s_.close()
    return port


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def lat(xs):
    if not xs:
        return "none (n=0)"
    return "p50 %.2f ms, p99 %.2f ms, max %.2f ms (n=%d)" % (pct(xs, 50) * 1e3, pct(xs, 99) * 1e3,
                                                             max(xs) * 1e3, len(xs))


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1])
    return 0


class Template:
    """A message made once by scapy; fields patched at the offsets of unique markers."""

    def __init__(self, msg, marks):
        self.b = bytearray(bytes(msg))
        self.at = {}
        for name, (val, size) in marks.items():
            pat = val.to_bytes(size, "big")
            i = self.b.find(pat)
            if i < 0 or self.b.find(pat, i + 1) >= 0:
                raise SystemExit("marker %s not found once" % name)
            self.at[name] = (i, size)

    def make(self, seq, **vals):
        b = bytearray(self.b)
        b[12:15] = (seq & 0xffffff).to_bytes(3, "big")   # a session message's sequence number
        for k, v in vals.items():
            i, size = self.at[k]
            b[i:i + size] = v.to_bytes(size, "big")
        return bytes(b)


def fseid_of(b):
    """Our F-SEID's SEID from an Establishment Response (top-level IE 57), 0: none."""
    at = 16
    while at + 4 <= len(b):
        t, n = struct.unpack_from("!HH", b, at)
        if t == 57:
            return struct.unpack_from("!Q", b, at + 5)[0]
        at += 4 + n
    return 0


def cause_of(b):
    at = 16
    while at + 4 <= len(b):
        t, n = struct.unpack_from("!HH", b, at)
        if t == 19:
            return b[at + 4]
        at += 4 + n
    return 0


NODE_REPORTS = []   # (arrival time, its bytes): the UPF's Node Report Requests


def upf_request(smf, r, src):
    """A request of the UPF's (a heartbeat, a Session or Node Report Request) is answered; True: it was one."""
    if r[1] not in (P.HEARTBEAT_REQ, P.ASSOC_SETUP_REQ, P.SESS_REPORT_REQ, P.NODE_REPORT_REQ):
        return False
    if r[1] == P.NODE_REPORT_REQ:
        NODE_REPORTS.append((time.monotonic(), r))
    smf.answer(P.PFCP(r), src)
    return True


def seq_of(r):
    return struct.unpack("!I", b"\0" + r[(12 if r[0] & 1 else 4):][:3])[0]


DRIVER = {"c": None}   # --driver c: bench/pfcp_blast's path


def run_c(smf, reqs, window):
    """run() by the C load generator (bench/pfcp_blast.c) from a socket of its own, while a
    thread answers the UPF's own requests to the SMF's; the same results."""
    import subprocess
    import tempfile
    import threading
    d = tempfile.mkdtemp(prefix="pfcp-blast-")
    rq, an = os.path.join(d, "requests"), os.path.join(d, "answers")
    with open(rq, "wb") as f:
        for b in reqs:
            f.write(struct.pack("!I", len(b)) + b)
    stop = threading.Event()

    def answer_upf():
        smf.sock.settimeout(0.2)
        while not stop.is_set():
            try:
                r, src = smf.sock.recvfrom(65535)
            except socket.timeout:
                continue
            upf_request(smf, r, src)
    th = threading.Thread(target=answer_upf, daemon=True)
    th.start()
    try:
        out = subprocess.run([DRIVER["c"], smf.upf[0], str(smf.upf[1]), str(window), rq, an],
                             capture_output=True, text=True)
    finally:
        stop.set()
        th.join()
    if out.returncode != 0:
        raise SystemExit("pfcp_blast: %s%s" % (out.stdout, out.stderr))
    summary = json.loads(out.stdout)
    lat_s, ans = [], {}
    with open(an, "rb") as f:
        data = f.read()
    at = 0
    while at < len(data):
        n, us = struct.unpack_from("!II", data, at)
        r = data[at + 8:at + 8 + n]
        at += 8 + n
        lat_s.append(us / 1e6)
        ans[seq_of(r)] = r
    for p_ in (rq, an):
        os.unlink(p_)
    os.rmdir(d)
    return lat_s, ans, summary["seconds"]


def run(smf, reqs, window):
    """Send reqs (a list of bytes, each with a distinct seq) keeping `window` in flight;
    (latencies, answers by seq, seconds)."""
    if DRIVER["c"]:
        return run_c(smf, reqs, window)
    sock, upf = smf.sock, smf.upf
    sent, lat_s, ans = {}, [], {}
    nxt, t0 = 0, time.monotonic()
    sock.settimeout(5.0)
    while len(ans) < len(reqs):
        while nxt < len(reqs) and len(sent) < window:
            b = reqs[nxt]
            sent[seq_of(b)] = time.monotonic()
            sock.sendto(b, upf)
            nxt += 1
        try:
            r, src = sock.recvfrom(65535)
        except socket.timeout:
            raise SystemExit("no answer for 5 s (%d of %d answered)" % (len(ans), len(reqs)))
        if upf_request(smf, r, src):   # the UPF's own: answered, not ours to time
            continue
        seq = seq_of(r)
        if seq in sent:
            lat_s.append(time.monotonic() - sent.pop(seq))
            ans[seq] = r
    return lat_s, ans, time.monotonic() - t0


def paced(smf, reqs, rate, window=4096, lat_by=None):
    """Send reqs at `rate` a second (fewer in flight than `window`); (latencies, answers
    by seq, seconds from the first sent to the last answered). lat_by (a dict): each
    answer's latency by its seq too (when reqs mix kinds of request)."""
    sock, upf = smf.sock, smf.upf
    sent, lat_s, ans = {}, [], {}
    nxt, t0 = 0, time.monotonic()
    last = t0
    while len(ans) < len(reqs):
        now = time.monotonic()
        while nxt < len(reqs) and now >= t0 + nxt / rate and len(sent) < window:
            sent[seq_of(reqs[nxt])] = now
            sock.sendto(reqs[nxt], upf)
            nxt += 1
            now = time.monotonic()
        wait = t0 + nxt / rate - now if nxt < len(reqs) and len(sent) < window else 0.5
        sock.settimeout(max(wait, 0.0005))
        try:
            r, src = sock.recvfrom(65535)
        except socket.timeout:
            if time.monotonic() - last > 5:
                raise SystemExit("no answer for 5 s (%d of %d answered)" % (len(ans), len(reqs)))
            continue
        if upf_request(smf, r, src):
            continue
        seq = seq_of(r)
        if seq in sent:
            last = time.monotonic()
            lat_s.append(last - sent.pop(seq))
            ans[seq] = r
            if lat_by is not None:
                lat_by[seq] = lat_s[-1]
    return lat_s, ans, last - t0


# ---------------------------------------------------------------- --under-traffic

def traffic_sessions(n):
    """The sessions bench/run.sh upf_dl --flows n sends to (gen_pcap.py's up_sessions_of)."""
    return list(range(n)) if n <= 65536 else list(range(0, 65536 * (n // 65536), n // 65536))


def loss_line(what, st0, st1, secs):
    rx, tx, drops, miss = B.traffic_loss(st0, st1, "lan1", "n3", "sessions_downlink")
    ok = not drops and not miss and abs(rx - tx) <= 2048
    return ok, ("%s: traffic %.2f Mpps: %d packets in, %d out, drops %s, sessions_downlink misses %d: %s" %
                (what, rx / secs / 1e6, rx, tx, drops or 0, miss, "no loss" if ok else "LOSS"))


def under_traffic(a):
    """Modification latency under traffic: bench/run.sh upf_dl's traffic through sessions
    made over PFCP, while other sessions, then its own, are modified at a steady rate."""
    n, m = a.sessions, a.others
    if n > 65536 and n % 65536:
        B.die("--sessions: at most 65536, or a multiple of it (the traffic takes every (N/65536)th session)")
    # PFCP's meters are ids 8,192 up to the meters table's last (up_ids.h), two a
    # session (its QER's uplink and downlink MBR): sized so that every session has its QER
    meters = min(8192 + 2 * (n + m) + 1, 1 << 20)
    qer = 2 * (n + m) < meters - 8192
    pcap, _ = B.scenario_input("upf_dl", n)
    big = 1 << (2 * (n + m) - 1).bit_length()
    mbufs = 65536 + 65536
    B.hugepages(int((mbufs * 2304 + (n + m) * 2048) / (2 << 20)) + 512)
    # the upf_dl pcap's frames come from the DN gateway (02:00:00:00:06:0a, 10.200/16) to
    # the router's MAC (02:00:00:00:06:01) for UE 10.64.0.0 + i: the slice's SVI is that
    dp = B.Box({
        "lcores": {"main": 0, "workers": [1]}, "mbufs": mbufs,
        "pipeline": {"n3": "upf", "n9": "upf", "lan": "switch"},
        "table_sizes": {"sessions_uplink": big, "sessions_downlink": big, "sessions_n9_downlink": 1024,
                        "sessions_downlink6": 1024, "meters": max(meters, 16384)},
        "ports": [{"name": "lan1", "role": "lan", "admin": "down", "rx_queues": 1,
                   "devargs": "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap},
                  {"name": "n3", "role": "n3", "rx_queues": 1, "devargs": "net_null0,no-rx=1"},
                  {"name": "n9", "role": "n9", "rx_queues": 1, "devargs": "net_null1,no-rx=1"}],
    }, tag="pfcpt")
    pport = free_udp()
    upf = {"slice": "mec", "ue_pool": "10.64.0.0/10", "network_instances": ["internet"],
           "n3": {"port": "n3", "address": "192.0.2.1/24"}, "n9": {"port": "n9", "address": "198.51.100.1/24"}}
    with S.Sxcd(dp.sock, resync_ms=60000, extra=["--pfcp", "127.0.0.1:%d" % pport,
                                                  "--pfcp-node-id", "127.0.0.1"]) as cd:
        cd.req("PUT", "/api/v1/site", {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}]}})
        mec = S.slice_("mec", 1, "lan1", 5000, svi={"address": "10.200.255.254/16", "mac": "02:00:00:00:06:01"},
                       subnets=["10.200.0.0/16"], routes=[])
        del mec["spec"]["vni"]
        code, res = cd.req("PUT", "/api/v1/slices/mec?wait=1", mec)
        if code not in (200, 201):
            B.die("slice: %s" % res)
        code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": upf})
        if code != 201:
            B.die("upf: %s" % res)
        smf = P.Smf(("127.0.0.1", pport), profile="oai")
        if P.ie(smf.associate(), P.IE_CAUSE).cause != 1:
            B.die("no association")
        # each session: an uplink PDR (the SMF's F-TEID), a downlink one by UE address to
        # one of 4 gNBs (upf_dl's), a URR (volume threshold, never reached), a QER (an
        # AMBR far above the traffic) when PFCP's meters hold them all
        ies = smf.est_ies(0x5EED5EED5EED, "10.127.254.253", gnb="10.127.254.252", gnb_teid=0x0BADF00D,
                          ul_teid=0x0DEFACED, vol_threshold=1 << 40)
        if qer:
            for c in ies:
                if c.ietype == 1:   # Create PDR
                    c.IE_list.append(P.IE_QER_Id(id=1))
            ies.append(P.IE_CreateQER(IE_list=[P.IE_QER_Id(id=1), P.IE_GateStatus(ul=0, dl=0),
                                               P.IE_MBR(ul=MBR_HI, dl=MBR_HI), P.IE_QFI(QFI=9)]))
        tpl = Template(smf.wrap(P.PFCPSessionEstablishmentRequest(IE_list=ies), 1, seid=0),
                       {"cp": (0x5EED5EED5EED, 6), "gt": (0x0BADF00D, 4), "ut": (0x0DEFACED, 4),
                        "gn": (0x0A7FFEFC, 4)})
        ue_at = [i for i in range(len(tpl.b) - 3) if tpl.b[i:i + 4] == bytes([10, 127, 254, 253])]
        seq = [100]

        def nseq():
            seq[0] = seq[0] + 1 & 0xffffff or 1
            return seq[0]

        def est(i):
            b = bytearray(tpl.make(nseq(), cp=0x10000 + i, gt=0x100000 + i, ut=0x200000 + i, gn=GNB0 + i % 4))
            for at in ue_at:
                b[at:at + 4] = (UE0 + i).to_bytes(4, "big")
            return bytes(b)
        traffic = traffic_sessions(n)
        others = list(range(n, n + m))
        reqs = [est(i) for i in range(n + m)]
        lat0, ans0, t0 = run(smf, reqs, a.window)
        seid = {}
        for i, b in enumerate(reqs):
            r = ans0[seq_of(b)]
            if cause_of(r) != 1:
                B.die("session %d refused: cause %d" % (i, cause_of(r)))
            seid[i] = fseid_of(r)
        # the gNBs' MACs: static neighbours (the sink port answers no ARP)
        peers = dp.rpc.call("table.read", {"table": "tunnel_peers", "limit": 1000})["entries"]
        dp.write([{"type": "insert", "table": "neigh", "match": {"vrf": e["params"]["vrf"], "ip": e["params"]["gw"]},
                   "action": "rewrite", "params": {"port": "n3", "vlan": 0, "dmac": "02:00:00:00:03:0a",
                                                   "smac": "02:00:00:00:03:01"}}
                  for e in peers], atomicity="rollback")
        # the modifications, made once and patched: SEID (header), sequence, TEID
        mod = {}

        def mtpl(ies_, marks=None):
            return Template(smf.wrap(P.PFCPSessionModificationRequest(IE_list=ies_), 1, seid=0x5EED5EED5EED5EED),
                            dict(marks or {}, seid=(0x5EED5EED5EED5EED, 8)))
        mod["path"] = mtpl([P.IE_UpdateFAR(IE_list=[P.IE_FAR_Id(id=2), P.IE_ApplyAction(FORW=1),
                                                    P.IE_UpdateForwardingParameters(IE_list=[
                                                        P.IE_DestinationInterface(interface=0),
                                                        smf.ohc("10.127.254.252", 0x0BADF00D)])])],
                           {"gt": (0x0BADF00D, 4), "gn": (0x0A7FFEFC, 4)})
        for k, v in (("mbr0", MBR_LO), ("mbr1", MBR_HI)):
            mod[k] = mtpl([SP.IE_UpdateQER(IE_list=[P.IE_QER_Id(id=1), P.IE_MBR(ul=v, dl=v)])])
        for k, v in (("urr0", 1 << 41), ("urr1", 1 << 40)):
            mod[k] = mtpl([SP.IE_UpdateURR(IE_list=[P.IE_URR_Id(id=1), P.IE_VolumeThreshold(TOVOL=1, total=v)])])
        count = int(a.rate * a.seconds)

        def mods(sessions, kinds):
            """count modifications round the sessions, each round the next kind."""
            out = []
            for k in range(count):
                i = sessions[k % len(sessions)]
                kind = kinds[(k // len(sessions)) % len(kinds)]
                vals = {"seid": seid[i]}
                if kind == "path":
                    vals.update(gt=0x300000 + k, gn=GNB0 + i % 4)
                out.append(mod[kind].make(nseq(), **vals))
            return out
        # phase 1: the other sessions: a path switch (the downlink to a new gNB TEID), then
        # their QER's MBR (when they have one)
        reqs1 = mods(others, ["path", "mbr0", "path", "mbr1"] if qer else ["path"])
        # phase 2: the traffic's own sessions, with changes that keep them forwarding: the
        # URR's volume threshold, the QER's MBR (still far above the traffic)
        reqs2 = mods(traffic, ["urr0", "mbr1", "urr1", "mbr1"] if qer else ["urr0", "urr1"])
        dp.rpc.call("port.set", {"port": "lan1", "admin": "up"})
        time.sleep(1)
        sts = [dp.rpc.call("stats.get")]
        time.sleep(2)
        sts.append(dp.rpc.call("stats.get"))
        lat1, ans1, t1 = paced(smf, reqs1, a.rate)
        sts.append(dp.rpc.call("stats.get"))
        lat2, ans2, t2 = paced(smf, reqs2, a.rate)
        sts.append(dp.rpc.call("stats.get"))
        dp.rpc.call("port.set", {"port": "lan1", "admin": "down"})
        bad1 = sum(1 for r in ans1.values() if cause_of(r) != 1)
        bad2 = sum(1 for r in ans2.values() if cause_of(r) != 1)
        pf = cd.req("GET", "/api/v1/status")[1].get("services", {}).get("pfcp", {})
        print("# PFCP modifications under traffic: sxdp upf pipeline (one worker; lan1 replays bench/run.sh "
              "upf_dl --flows %d: 65,536 frames to the UEs of %d sessions, net_null sink n3), sxcd --pfcp on "
              "loopback, one SMF (Python), all on the same 2 CPUs (%s)" % (n, len(traffic), os.uname().machine))
        print("established %d sessions (%d with traffic, %d others%s) over PFCP: %.0f/s; latency %s" %
              (n + m, len(traffic), m, ", each with a QER" if qer else ", no QERs: more than PFCP's meters",
               len(lat0) / t0, lat(lat0)))
        res = [loss_line("quiet (no modifications, 2 s)", sts[0], sts[1], 2.0)]
        print(res[0][1])
        print("modify the %d others at %d/s for %.0f s (%s): %.0f/s answered; latency %s; refused %d" %
              (m, a.rate, a.seconds, "path switch to a new gNB TEID, QER MBR" if qer else "path switch to a new gNB TEID",
               len(lat1) / t1, lat(lat1), bad1))
        res.append(loss_line("  meanwhile", sts[1], sts[2], t1))
        print(res[-1][1])
        print("modify the %d with traffic at %d/s for %.0f s (%s): %.0f/s answered; latency %s; refused %d" %
              (len(traffic), a.rate, a.seconds, "URR volume threshold, QER MBR" if qer else "URR volume threshold",
               len(lat2) / t2, lat(lat2), bad2))
        res.append(loss_line("  meanwhile", sts[2], sts[3], t2))
        print(res[-1][1])
        print("sxcd: %s" % json.dumps(pf.get("sessions", {})))
    dp.stop()
    if not all(ok for ok, _ in res) or bad1 or bad2:
        B.die("traffic was lost or modifications refused")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, help="resident (default 100000); --under-traffic: with traffic "
                    "(default 65536)")
    ap.add_argument("--extra", type=int, default=10000)
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--mods", type=int, default=5000)
    ap.add_argument("--deletes", type=int, default=5000, help="Session Deletions (each with its URR's final "
                    "report) with the rest resident")
    ap.add_argument("--echo", type=int, default=0, help="the N3 link's GTP-U path supervision interval (s; "
                    "3 misses): the time from the gNB's path supervised (its first session) to the Node Report "
                    "of its failure, the gNB never answering")
    ap.add_argument("--profile", default="oai", choices=sorted(P.PROFILES),
                    help="the SMF whose sessions' shape is sent (the F-TEID always the SMF's)")
    ap.add_argument("--under-traffic", action="store_true", help="Modification latency under traffic")
    ap.add_argument("--others", type=int, help="--under-traffic: sessions without traffic (default: --sessions)")
    ap.add_argument("--rate", type=float, default=1000, help="--under-traffic: modifications a second")
    ap.add_argument("--seconds", type=float, default=10, help="--under-traffic: of each phase")
    ap.add_argument("--driver", default="python", choices=("python", "c"),
                    help="who sends the requests: this process, or bench/pfcp_blast (C, its ceiling printed "
                    "first: --driver c is not the limit below it)")
    a = ap.parse_args()
    if a.driver == "c":
        import subprocess
        DRIVER["c"] = os.path.join(build_dir(), "bench", "pfcp_blast")
        out = subprocess.run([DRIVER["c"], "--ceiling", "200000", str(a.window)], capture_output=True, text=True)
        print("# the C driver's own ceiling (a responder thread answering at once, loopback, window %d): %s" %
              (a.window, out.stdout.strip() or out.stderr.strip()))
    if a.under_traffic:
        a.sessions = a.sessions or 65536
        a.others = a.others if a.others is not None else a.sessions
        return under_traffic(a)
    a.sessions = a.sessions or 100000
    n_total = a.sessions + a.extra
    big = 1 << (n_total * 2 - 1).bit_length()
    sizes = {"sessions_uplink": big, "sessions_downlink": big, "sessions_n9_downlink": big, "sessions_downlink6": big,
             "meters": min(4 * big, 1 << 20)}   # QER shapes: up to 4 meters a session (MBR, AMBR each way)
    pport = free_udp()
    upf = {"slice": "mec", "ue_pool": "10.64.0.0/10", "network_instances": ["internet"],
           "n3": {"port": "n3", "address": "192.0.2.1/24"}, "n9": {"port": "n9", "address": "198.51.100.1/24"}}
    if a.echo:
        upf["n3"].update(echo_interval_s=a.echo, echo_misses=3)
    with Sxdp({"n3": [], "n9": [], "lan1": []}, pipeline={"n3": "upf", "n9": "upf", "lan": "switch"},
                port_opts={"n3": {"role": "n3"}, "n9": {"role": "n9"}}, mem_mb=4096,
                extra_cfg={"table_sizes": sizes}) as dp, \
            S.Sxcd(dp.sock_path, resync_ms=60000, extra=["--pfcp", "127.0.0.1:%d" % pport,
                                                         "--pfcp-node-id", "127.0.0.1"]) as cd:
        cd.req("PUT", "/api/v1/site", {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}]}})
        mec = S.slice_("mec", 1, "lan1", 5000)
        del mec["spec"]["vni"]
        cd.req("PUT", "/api/v1/slices/mec?wait=1", mec)
        code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": upf})
        if code != 201:
            raise SystemExit("upf: %s" % res)
        smf = P.Smf(("127.0.0.1", pport), profile=a.profile)
        if P.ie(smf.associate(), P.IE_CAUSE).cause != 1:
            raise SystemExit("no association")
        # the template: markers where SEID, UE, TEIDs go
        est = smf.wrap(P.PFCPSessionEstablishmentRequest(IE_list=smf.est_ies(
            0x5EED5EED5EED, "10.127.254.253", gnb="192.0.2.10", gnb_teid=0x0BADF00D, ul_teid=0x0DEFACED,
            ul_addr="192.0.2.1", vol_threshold=1 << 40)), 1, seid=0)
        tpl = Template(est, {"cp": (0x5EED5EED5EED, 6), "gt": (0x0BADF00D, 4), "ut": (0x0DEFACED, 4)})
        # the UE address is in the PDIs (the uplink one's too, in most shapes): patch each
        ue_at = [i for i in range(len(tpl.b) - 3) if tpl.b[i:i + 4] == bytes([10, 127, 254, 253])]
        if len(ue_at) not in (1, 2):
            raise SystemExit("UE address not once or twice in the template")
        rss0 = rss_kib(cd.proc.pid)
        seq = 100

        def ests(lo, hi):
            nonlocal seq
            out = []
            for k in range(lo, hi):
                seq += 1
                b = bytearray(tpl.make(seq, cp=0x10000 + k, gt=0x100000 + k, ut=0x200000 + k))
                for i in ue_at:
                    b[i:i + 4] = (UE0 + k + 1).to_bytes(4, "big")
                out.append(bytes(b))
            return out
        t_first = time.monotonic()   # the gNB's path is supervised from its first session on
        lat1, ans1, t1 = run(smf, ests(0, a.sessions), a.window)
        bad = sum(1 for r in ans1.values() if cause_of(r) != 1)
        rss1 = rss_kib(cd.proc.pid)
        lat2, ans2, t2 = run(smf, ests(a.sessions, n_total), a.window)
        bad += sum(1 for r in ans2.values() if cause_of(r) != 1)
        st = cd.req("GET", "/api/v1/status")[1]
        # modifications with them resident: the downlink to another gNB TEID (a handover)
        seids = [fseid_of(r) for r in list(ans2.values())[:a.mods]]
        mods = []
        for k, sd in enumerate(seids):
            seq += 1
            upd = P.IE_UpdateFAR(IE_list=[P.IE_FAR_Id(id=2), P.IE_ApplyAction(FORW=1), P.IE_UpdateForwardingParameters(
                IE_list=[P.IE_DestinationInterface(interface=0), smf.ohc("192.0.2.10", 0x300000 + k)])])
            mods.append(bytes(smf.wrap(P.PFCPSessionModificationRequest(IE_list=[upd]), seq, seid=sd)))
        lat3, ans3, t3 = run(smf, mods, a.window)
        bad3 = sum(1 for r in ans3.values() if cause_of(r) != 1)
        # deletions with the rest resident: each answered with its URR's final usage report
        dels = []
        for sd in [fseid_of(r) for r in list(ans1.values())[:a.deletes]]:
            seq += 1
            dels.append(bytes(smf.wrap(P.PFCPSessionDeletionRequest(IE_list=[]), seq, seid=sd)))
        lat4, ans4, t4 = run(smf, dels, a.window) if dels else ([], {}, 1)
        bad4 = sum(1 for r in ans4.values() if cause_of(r) != 1)
        print("# PFCP benchmark: sxdp upf pipeline (net_pcap ports, no traffic), sxcd --pfcp on loopback, one SMF "
              "(Python, window %d), all on the same 2 CPUs (%s)" % (a.window, os.uname().machine))
        print("establish %d (to resident): %.0f/s; latency %s" % (a.sessions, len(lat1) / t1, lat(lat1)))
        print("establish %d more with %d resident: %.0f/s; latency %s" % (a.extra, a.sessions, len(lat2) / t2,
                                                                          lat(lat2)))
        print("modify %d (handover) with %d resident: %.0f/s; latency %s; refused %d" %
              (len(lat3), n_total, len(lat3) / t3, lat(lat3), bad3))
        if lat4:
            print("delete %d (each with a usage report) with %d resident: %.0f/s; latency %s; refused %d" %
                  (len(lat4), n_total - len(lat4), len(lat4) / t4, lat(lat4), bad4))
        if a.echo:
            smf.sock.settimeout(0.2)
            deadline = t_first + a.echo * 6 + 10
            while not NODE_REPORTS and time.monotonic() < deadline:
                try:
                    r, src = smf.sock.recvfrom(65535)
                    upf_request(smf, r, src)
                except socket.timeout:
                    pass
            print("N3 path failure (echo every %d s, 3 misses; the gNB never answers) with %d sessions into it: %s" %
                  (a.echo, n_total - len(lat4),
                   "a Node Report %.2f s after its path was first supervised (bound: %d s and a round of 1 s), "
                   "%d report(s)" % (NODE_REPORTS[0][0] - t_first, 4 * a.echo, len(NODE_REPORTS))
                   if NODE_REPORTS else "no Node Report"))
        print("refused establishments: %d" % bad)
        print("sxcd RSS: %d KiB before, %d KiB with %d sessions: %.0f bytes per session" %
              (rss0, rss1, a.sessions, (rss1 - rss0) * 1024.0 / a.sessions))
        print("sxdp tables: %s" % json.dumps({k: v for k, v in st.get("sxdp", {}).get("tables", {}).items()
                                            if k.startswith("sessions")}))


if __name__ == "__main__":
    main()
