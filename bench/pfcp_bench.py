#!/usr/bin/python3
"""PFCP at scale: Session Establishments per second from one SMF while 100k sessions are
resident, their latency (request sent to answer received: the session is in sxdp's tables
when answered), sxcd's memory per PFCP session, and Session Modification latency with them
resident. A benchmark, not a test: it prints what it measured and the conditions, asserts
nothing.

  flock /tmp/bench.lock env BUILD=build /usr/bin/python3 bench/pfcp_bench.py \\
      [--sessions 100000] [--extra 10000] [--window 256] [--mods 5000]

sxdp runs the upf pipeline on net_pcap ports (no traffic) with its session tables sized for
the run; sxcd runs with --pfcp on loopback; the SMF is this Python process (one UDP socket,
messages made once with scapy and patched per session: SEID, UE address, TEIDs, sequence),
keeping --window requests in flight. All of it on the same 2 CPUs. Sessions have the shape
free5GC's SMF sends minus its QER (an uplink PDR with the SMF's F-TEID and OHR, a downlink
PDR by UE address to the gNB's tunnel, two FARs, one URR with a volume threshold): the
QERs' meters are 8,192 for PFCP (up_ids.h), fewer than the sessions here.
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
import test_sxcd as S  # noqa: E402
import pfcp_smf as P  # noqa: E402

UE0 = 0x0A400000  # 10.64.0.0


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def lat(xs):
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


def run(sock, upf, reqs, window):
    """Send reqs (a list of bytes, each with a distinct seq) keeping `window` in flight;
    (latencies, answers by seq, seconds)."""
    sent, lat_s, ans = {}, [], {}
    nxt, t0 = 0, time.monotonic()
    sock.settimeout(5.0)
    while len(ans) < len(reqs):
        while nxt < len(reqs) and len(sent) < window:
            b = reqs[nxt]
            seq = struct.unpack("!I", b"\0" + b[12:15])[0]
            sent[seq] = time.monotonic()
            sock.sendto(b, upf)
            nxt += 1
        try:
            r, _ = sock.recvfrom(65535)
        except socket.timeout:
            raise SystemExit("no answer for 5 s (%d of %d answered)" % (len(ans), len(reqs)))
        if r[1] in (1, 5):   # the UPF's heartbeat or setup: not ours to time
            continue
        seq = struct.unpack("!I", b"\0" + r[(12 if r[0] & 1 else 4):][:3])[0]
        if seq in sent:
            lat_s.append(time.monotonic() - sent.pop(seq))
            ans[seq] = r
    return lat_s, ans, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=100000)
    ap.add_argument("--extra", type=int, default=10000)
    ap.add_argument("--window", type=int, default=256)
    ap.add_argument("--mods", type=int, default=5000)
    a = ap.parse_args()
    n_total = a.sessions + a.extra
    big = 1 << (n_total * 2 - 1).bit_length()
    sizes = {"sessions_uplink": big, "sessions_downlink": big, "sessions_n9_downlink": big, "sessions_downlink6": big}
    s_ = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s_.bind(("127.0.0.1", 0))
    pport = s_.getsockname()[1]
    s_.close()
    upf = {"slice": "mec", "ue_pool": "10.64.0.0/10", "network_instances": ["internet"],
           "n3": {"port": "n3", "address": "192.0.2.1/24"}, "n9": {"port": "n9", "address": "198.51.100.1/24"}}
    with S.Sxdp({"n3": [], "n9": [], "lan1": []}, pipeline={"n3": "upf", "n9": "upf", "lan": "switch"},
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
        smf = P.Smf(("127.0.0.1", pport), profile="oai")
        if P.ie(smf.associate(), P.IE_CAUSE).cause != 1:
            raise SystemExit("no association")
        # the template: markers where SEID, UE, TEIDs go
        est = smf.wrap(P.PFCPSessionEstablishmentRequest(IE_list=smf.est_ies(
            0x5EED5EED5EED, "10.127.254.253", gnb="192.0.2.10", gnb_teid=0x0BADF00D, ul_teid=0x0DEFACED,
            vol_threshold=1 << 40)), 1, seid=0)
        tpl = Template(est, {"cp": (0x5EED5EED5EED, 6), "gt": (0x0BADF00D, 4), "ut": (0x0DEFACED, 4)})
        # the UE address is in two PDIs: patch both
        ue_at = [i for i in range(len(tpl.b) - 3) if tpl.b[i:i + 4] == bytes([10, 127, 254, 253])]
        if len(ue_at) != 2:
            raise SystemExit("UE address not twice in the template")
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
        sock = smf.sock
        lat1, ans1, t1 = run(sock, smf.upf, ests(0, a.sessions), a.window)
        bad = sum(1 for r in ans1.values() if cause_of(r) != 1)
        rss1 = rss_kib(cd.proc.pid)
        lat2, ans2, t2 = run(sock, smf.upf, ests(a.sessions, n_total), a.window)
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
        lat3, ans3, t3 = run(sock, smf.upf, mods, a.window)
        bad3 = sum(1 for r in ans3.values() if cause_of(r) != 1)
        print("# PFCP benchmark: sxdp upf pipeline (net_pcap ports, no traffic), sxcd --pfcp on loopback, one SMF "
              "(Python, window %d), all on the same 2 CPUs (%s)" % (a.window, os.uname().machine))
        print("establish %d (to resident): %.0f/s; latency %s" % (a.sessions, len(lat1) / t1, lat(lat1)))
        print("establish %d more with %d resident: %.0f/s; latency %s" % (a.extra, a.sessions, len(lat2) / t2,
                                                                          lat(lat2)))
        print("modify %d (handover) with %d resident: %.0f/s; latency %s; refused %d" %
              (len(lat3), n_total, len(lat3) / t3, lat(lat3), bad3))
        print("refused establishments: %d" % bad)
        print("sxcd RSS: %d KiB before, %d KiB with %d sessions: %.0f bytes per session" %
              (rss0, rss1, a.sessions, (rss1 - rss0) * 1024.0 / a.sessions))
        print("sxdp tables: %s" % json.dumps({k: v for k, v in st.get("sxdp", {}).get("tables", {}).items()
                                            if k.startswith("sessions")}))


if __name__ == "__main__":
    main()
