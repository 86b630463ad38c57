#!/usr/bin/python3
"""sxcd at scale: thousands of slices and 100k UPF sessions resident, then
how long an intent change takes to be in sxdp, how a bystander client is
served while a large change applies, and how long the event loop was ever
held. A benchmark, not a test: it prints what it measured and the
conditions, and asserts nothing.

  flock /tmp/bench.lock env BUILD=build /usr/bin/python3 bench/sxcd_scale.py \\
      [--slices 3999] [--upfs 50] [--sessions 2000] [--changes 100]

What is loaded: the site (two WAN links) and one peer; --slices slices
(ids 1..3999: the schema's range, so at most 3,999), each with an SVI, a
route and a VNI stretched to the peer (a tunnel and a path policy each);
--upfs upf intents of --sessions sessions each (50 x 2,000 = 100k: one
intent of 100k sessions is a 15 MB body, past the API's 4 MiB, so the
sessions are split over intents, each a UPF of its own slice on its own
N3 VLAN; UPF links take bridge domains 4009..4095, 87 at most).

Then:
  1. a slice change (its route's next hop) applied, PUT ?wait=1, --changes
     times: p50/p99/max from the request to the answer (Ready in sxdp);
  2. a UPF change (one session's downlink TEID, a handover) likewise: the
     intent's body sent whole, then the session alone through its own
     resource (/api/v1/upf/NAME/sessions/ID);
  3. a large change applying (a dry run of every slice changed, then a new
     upf intent of --sessions sessions, PUT ?wait=1) while a bystander
     process GETs /api/v1/status back to back: its p50/p99/max;
  4. PFCP (--pfcp-sessions > 0; --pfcp-driver c: the establishments sent by
     bench/pfcp_blast, which is not their limit): a test SMF establishes that many sessions on
     the first upf intent's N3 address, then sends Session Modifications (a
     handover) at --pfcp-rate a second for --pfcp-seconds, alone and again
     while a new upf intent of --sessions sessions applies: their latency;
  5. sxcd's own loop lag: its ticks' histogram (p50, p99, max) in each phase,
     and the longest hold over all of it (/status sxdp.loop_lag);
  6. sxcd's RSS after the slices and at each step of the upf intents: the
     bytes a slice and a session cost.
sxdp runs on net_pcap ports with its tables sized for this; the clients are
Python processes on the same 2 CPUs as both daemons.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "packet"))
import sxcdtest as S  # noqa: E402
from sxdptest import Sxdp  # noqa: E402
sys.path.insert(0, HERE)
import pfcp_bench as PB  # noqa: E402
import pfcp_smf as P  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def ms(xs):
    return "p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)" % (pct(xs, 50) * 1e3, pct(xs, 99) * 1e3,
                                                            max(xs) * 1e3, len(xs))


def slice_spec(i, via=2):
    sid = i + 1
    return {"id": sid, "vni": 100000 + sid,
            "svi": {"address": "10.%d.%d.1/24" % (sid // 250, sid % 250),
                    "mac": "02:00:00:00:%02x:%02x" % (sid // 256, sid % 256)},
            "routes": [{"prefix": "172.16.%d.0/24" % (sid % 250), "via": "10.%d.%d.%d" % (sid // 250, sid % 250, via)}]}


def upf_spec(u, n, teid0=0):
    sess = [{"id": k + 1, "ue": "10.%d.%d.%d" % (64 + u, (k + 1) // 250, (k + 1) % 250 + 1),
             "uplink": {"teid": 0x100000 * (u + 1) + k + 1},
             "downlink": {"peer": "gnb", "teid": 0x200000 * (u + 1) + k + 1 + teid0}} for k in range(n)]
    return {"slice": "s%04d" % u, "ue_pool": "10.%d.0.0/16" % (64 + u),
            "n3": {"port": "n3", "vlan": 100 + u, "address": "192.%d.%d.1/24" % (168 + u // 250, u % 250)},
            "peers": [{"name": "gnb", "address": "192.%d.%d.10" % (168 + u // 250, u % 250)}],
            "sessions": sess}


class Client:
    IDLE_S = 20   # sxcd closes a connection idle 30 s (evhttp_set_timeout): a new one past this

    def __init__(self, url, token, timeout=120):
        host, port = url.split("//")[1].split(":")
        self.c = http.client.HTTPConnection(host, int(port), timeout=timeout)
        self.token = token
        self.used = time.monotonic()

    def req(self, method, path, body=None):
        if time.monotonic() - self.used > self.IDLE_S:
            self.c.close()
        self.used = time.monotonic()
        self.c.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Content-Type": "application/json", "Authorization": "Bearer " + self.token})
        r = self.c.getresponse()
        data = r.read()
        self.used = time.monotonic()
        return r.status, json.loads(data) if data else None


def bystander(url, token, stop, q):
    c = Client(url, token)
    lat = []
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            code, _ = c.req("GET", "/api/v1/status")
        except (http.client.HTTPException, OSError) as e:   # counted, and a new connection
            q.put(("error", "%s after %.1f s" % (type(e).__name__, time.monotonic() - t0)))
            c = Client(url, token)
            continue
        lat.append(time.monotonic() - t0)
        if code != 200:
            q.put(("error", code))
    q.put(("lat", lat))


def lag_of(c):
    """sxcd's loop-lag histogram now: (ticks, {bound: ticks at most that late})."""
    code, st = c.req("GET", "/api/v1/status")
    ll = st["sxdp"]["loop_lag"]
    return ll["count"], {b: n for b, n in ll["buckets"]}


def lag_between(a, b):
    """The ticks of one phase (between two lag_of): p50, p99 and max as the histogram's
    bounds (a tick's lag is at most its bucket's bound; past the last: 'over')."""
    n = b[0] - a[0]
    if n <= 0:
        return "no ticks"
    bounds = sorted(b[1])
    le = [(x, b[1][x] - a[1].get(x, 0)) for x in bounds]

    def q(p):
        for x, k in le:
            if k >= p * n:
                return "<= %g ms" % (x * 1e3)
        return "> %g ms" % (bounds[-1] * 1e3)
    over50 = n - dict(le)[0.05]
    return "p50 %s, p99 %s, max %s (%d ticks, %d over 50 ms)" % (q(0.5), q(0.99), q(1.0), n, over50)


def pfcp_meanwhile(smf, reqs, rate, out):
    """The SMF's modifications at `rate`: their latencies into `out`."""
    try:
        lat_m, _, _ = PB.paced(smf, reqs, rate)
        out.extend(lat_m)
    except SystemExit as e:
        print("sxcd_scale: PFCP meanwhile: %s" % e)


def pfcp_establishments(smf, n):
    """n Session Establishment Requests for upf intent u00 (its N3 address and gNB), made
    once by scapy and patched: UEs from 10.64.100.0 on (past the intent's own), sequence
    numbers from 100."""
    est = smf.wrap(P.PFCPSessionEstablishmentRequest(IE_list=smf.est_ies(
        0x5EED5EED5EED, "10.64.254.253", gnb="192.168.0.10", gnb_teid=0x0BADF00D, ul_teid=0x0DEFACED,
        ul_addr="192.168.0.1", vol_threshold=1 << 40)), 1, seid=0)
    tpl = PB.Template(est, {"cp": (0x5EED5EED5EED, 6), "gt": (0x0BADF00D, 4), "ut": (0x0DEFACED, 4)})
    ue_at = [i for i in range(len(tpl.b) - 3) if tpl.b[i:i + 4] == bytes([10, 64, 254, 253])]
    reqs = []
    for k in range(n):
        b = bytearray(tpl.make(100 + k, cp=0x10000 + k, gt=0x4100000 + k, ut=0x4200000 + k))
        for i in ue_at:
            b[i:i + 4] = (0x0A406400 + k).to_bytes(4, "big")   # 10.64.100.0 on
        reqs.append(bytes(b))
    return reqs


def handovers(smf, seids, n, seq):
    """n Session Modification Requests round the sessions `seids` (the UPF's SEIDs): each
    moves the downlink to a new gNB TEID (a handover). seq: [the last sequence number used],
    advanced by n."""
    out = []
    for k in range(n):
        seq[0] += 1
        upd = P.IE_UpdateFAR(IE_list=[P.IE_FAR_Id(id=2), P.IE_ApplyAction(FORW=1),
                                      P.IE_UpdateForwardingParameters(IE_list=[
                                          P.IE_DestinationInterface(interface=0),
                                          smf.ohc("192.168.0.10", 0x4300000 + seq[0] % 65536)])])
        out.append(bytes(smf.wrap(P.PFCPSessionModificationRequest(IE_list=[upd]), seq[0],
                                  seid=seids[k % len(seids)])))
    return out


def rss_mb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) / 1024.0


def heap_mb(c):
    """sxcd's live heap (its allocator's count), MB."""
    return c.req("GET", "/api/v1/status")[1]["memory"]["allocated_bytes"] / 1048576.0


def settle(c, want, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        code, st = c.req("GET", "/api/v1/status")
        if set(st["intents"]) == {"Ready"} and sum(st["intents"].values()) == want:
            return time.monotonic() - t0, st
        time.sleep(0.2)
    raise RuntimeError("not all Ready after %d s: %s" % (timeout, st["intents"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=3999)
    ap.add_argument("--upfs", type=int, default=50)
    ap.add_argument("--sessions", type=int, default=2000)
    ap.add_argument("--changes", type=int, default=100)
    ap.add_argument("--pfcp-sessions", type=int, default=1000)
    ap.add_argument("--pfcp-rate", type=float, default=1000)
    ap.add_argument("--pfcp-seconds", type=float, default=10)
    ap.add_argument("--pfcp-driver", default="python", choices=("python", "c"),
                    help="who sends the establishments: this process, or bench/pfcp_blast (C, its ceiling "
                    "printed first)")
    a = ap.parse_args()
    if a.pfcp_driver == "c":
        import subprocess
        PB.DRIVER["c"] = os.path.join(PB.build_dir(), "bench", "pfcp_blast")
        out = subprocess.run([PB.DRIVER["c"], "--ceiling", "200000", "64"], capture_output=True, text=True)
        print("sxcd_scale: the C driver's own ceiling (a responder thread answering at once, window 64): %s" %
              (out.stdout.strip() or out.stderr.strip()))
    if a.upfs > a.slices:
        raise SystemExit("every upf intent needs a slice of its own")
    n_sess = a.upfs * a.sessions
    sizes = {"svi": 8192, "vnis": 8192, "peers": 16384, "tunnels": 16384, "policies": 16384,
             # a session takes two URR ids, from the intents' half of the room the
             # session and termination tables give (up_kind.c upf_urr_max)
             "sessions_uplink": 2 * (n_sess + 2 * a.sessions) + 16384,
             "sessions_downlink": 2 * (n_sess + 2 * a.sessions) + 16384}
    pport = PB.free_udp()
    with Sxdp(S.PORTS, pipeline=S.PIPE, port_opts=S.WAN, mem_mb=4096,
                extra_cfg={"table_sizes": sizes}) as dp, \
            S.Sxcd(dp.sock_path, resync_ms=10000, extra=["--pfcp", "127.0.0.1:%d" % pport,
                                                         "--pfcp-node-id", "127.0.0.1"]) as cd:
        c = Client(cd.url, cd.token)
        rss0, heap0 = rss_mb(cd.proc.pid), heap_mb(c)
        l0 = lag_of(c)
        t0 = time.monotonic()
        items = [S.SITE, S.PEER] + [{"kind": "slices", "metadata": {"name": "s%04d" % i}, "spec": slice_spec(i)}
                                    for i in range(a.slices)]
        code, res = c.req("POST", "/api/v1/apply", {"items": items})
        assert code == 200, res
        took, _ = settle(c, 2 + a.slices, 600)
        print("sxcd_scale: %d slices (and the site, a peer) applied and Ready in %.1f s" % (a.slices, time.monotonic() - t0))
        rss1, heap1, l1 = rss_mb(cd.proc.pid), heap_mb(c), lag_of(c)
        print("sxcd_scale: loop lag while the slices applied: %s" % lag_between(l0, l1))
        print("sxcd_scale: sxcd RSS %.0f MB before, %.0f MB with %d slices (live heap %.0f, %.0f MB): %.1f KB a "
              "slice (live heap %.1f KB)" % (rss0, rss1, a.slices, heap0, heap1,
                                             (rss1 - rss0) * 1024 / max(1, a.slices),
                                             (heap1 - heap0) * 1024 / max(1, a.slices)))
        t0 = time.monotonic()
        steps = sorted({max(1, a.upfs // 4), max(1, a.upfs // 2), a.upfs})
        done, rss_prev, heap_prev = 0, rss1, heap1
        for step in steps:
            for u in range(done, step):
                code, res = c.req("PUT", "/api/v1/upf/u%02d" % u, {"spec": upf_spec(u, a.sessions)})
                assert code in (200, 201), res
            took, st = settle(c, 2 + a.slices + step, 1800)
            r, h = rss_mb(cd.proc.pid), heap_mb(c)
            n = max(1, (step - done) * a.sessions)
            print("sxcd_scale: sxcd RSS %.0f MB (live heap %.0f MB) with %d sessions (%d upf intents): %.0f bytes "
                  "a session over the previous step (live heap %.0f)" % (r, h, step * a.sessions, step,
                                                                         (r - rss_prev) * 1048576 / n,
                                                                         (h - heap_prev) * 1048576 / n))
            done, rss_prev, heap_prev = step, r, h
        l2 = lag_of(c)
        print("sxcd_scale: loop lag while the upf intents applied: %s" % lag_between(l1, l2))
        entries = dp.rpc("table.read", {"table": "sessions_uplink", "limit": 1})
        print("sxcd_scale: %d upf intents, %d sessions in all, Ready in %.1f s (sessions_uplink: %s entries)" % (
            a.upfs, n_sess, time.monotonic() - t0, entries.get("total", "?")))
        lag0 = st["sxdp"]["loop_lag"]["max_seconds"]
        print("sxcd_scale: loop lag max while loading: %.1f ms; held by: %s" % (
            lag0 * 1e3, ", ".join("%s %.0f ms" % (k, v * 1e3) for k, v in
                                  sorted(st["sxdp"]["loop_lag"]["held_by"].items(), key=lambda kv: -kv[1]))))

        # 1. a slice change
        lat = []
        for k in range(a.changes):
            i = (k * 37) % a.slices
            t = time.monotonic()
            code, res = c.req("PUT", "/api/v1/slices/s%04d?wait=1" % i, {"spec": slice_spec(i, via=3 + k % 200)})
            lat.append(time.monotonic() - t)
            assert code == 200 and res["status"]["phase"] == "Ready", (code, res)
        print("sxcd_scale: one slice changed among %d, PUT ?wait=1 to Ready: %s" % (a.slices, ms(lat)))

        # 2. a UPF change: one session's downlink moves
        lat = []
        for k in range(min(a.changes, 50)):
            u = k % a.upfs
            spec = upf_spec(u, a.sessions)
            spec["sessions"][k % a.sessions]["downlink"]["teid"] += 1 + k
            t = time.monotonic()
            code, res = c.req("PUT", "/api/v1/upf/u%02d?wait=1" % u, {"spec": spec})
            lat.append(time.monotonic() - t)
            assert code == 200 and res["status"]["phase"] == "Ready", (code, res)
            code, res = c.req("PUT", "/api/v1/upf/u%02d?wait=1" % u, {"spec": upf_spec(u, a.sessions)})
        print("sxcd_scale: one session of a %d-session upf intent changed (%d resident), the intent's body sent "
              "whole, PUT ?wait=1 to Ready: %s" % (a.sessions, n_sess, ms(lat)))

        # 2b. the same through the session's own resource: only it is sent
        lat = []
        for k in range(a.changes):
            u = k % a.upfs
            sess = upf_spec(u, a.sessions)["sessions"][k % a.sessions]
            sess["downlink"]["teid"] += 1 + k
            t = time.monotonic()
            code, res = c.req("PUT", "/api/v1/upf/u%02d/sessions/%d?wait=1" % (u, sess["id"]), {"spec": sess})
            lat.append(time.monotonic() - t)
            assert code == 200 and res["status"]["phase"] == "Ready", (code, res)
            sess["downlink"]["teid"] -= 1 + k
            code, res = c.req("PUT", "/api/v1/upf/u%02d/sessions/%d?wait=1" % (u, sess["id"]), {"spec": sess})
        print("sxcd_scale: one session of a %d-session upf intent changed (%d resident), "
              "PUT /api/v1/upf/NAME/sessions/ID?wait=1 to Ready: %s" % (a.sessions, n_sess, ms(lat)))

        l3 = lag_of(c)
        print("sxcd_scale: loop lag during the single changes: %s" % lag_between(l2, l3))

        # PFCP sessions on upf intent u00 (its N3 address names it), UEs past its own
        smf, mods = None, []
        if a.pfcp_sessions > 0:
            smf = P.Smf(("127.0.0.1", pport), profile="oai")
            if P.ie(smf.associate(), P.IE_CAUSE).cause != 1:
                raise SystemExit("no PFCP association")
            prof = None
            if os.environ.get("SXCD_SCALE_PERF"):   # sxcd's profile while it establishes (perf.data there)
                import subprocess
                prof = subprocess.Popen(["perf", "record", "-F", "499", "--call-graph", "dwarf,8192", "-o", os.environ["SXCD_SCALE_PERF"],
                                         "-p", str(cd.proc.pid)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
                time.sleep(1)
            lat_e, ans, t_e = PB.run(smf, pfcp_establishments(smf, a.pfcp_sessions), 64)
            if prof is not None:
                prof.send_signal(2)
                prof.wait()
            seids = [PB.fseid_of(r) for r in ans.values() if PB.cause_of(r) == 1]
            print("sxcd_scale: PFCP: %d of %d sessions established on u00 (%.0f/s, %s; driver %s)" % (
                len(seids), a.pfcp_sessions, len(lat_e) / t_e, ms(lat_e), a.pfcp_driver))
            seq = [10 ** 6]
            mods = handovers(smf, seids, int(a.pfcp_rate * a.pfcp_seconds), seq)
            la = lag_of(c)
            lat_m, _, t_m = PB.paced(smf, mods, a.pfcp_rate)
            print("sxcd_scale: PFCP: %d Session Modifications at %.0f/s (%.0f/s done), nothing else changing: "
                  "latency %s; loop lag: %s" % (len(lat_m), a.pfcp_rate, len(lat_m) / t_m, ms(lat_m),
                                                lag_between(la, lag_of(c))))
            mods = handovers(smf, seids, int(a.pfcp_rate * a.pfcp_seconds), seq)

        # 3. large changes under a bystander
        stop = multiprocessing.Event()
        q = multiprocessing.Queue()
        by = multiprocessing.Process(target=bystander, args=(cd.url, cd.token, stop, q))
        by.start()
        time.sleep(1)
        t = time.monotonic()
        code, res = c.req("POST", "/api/v1/apply?dry_run=1",
                          {"items": [{"kind": "slices", "metadata": {"name": "s%04d" % i},
                                      "spec": slice_spec(i, via=9)} for i in range(a.slices)]})
        dry_slices = time.monotonic() - t
        assert code == 200, res
        n_diff = len(res["diff"])
        t = time.monotonic()
        u = a.upfs
        code, res = c.req("PUT", "/api/v1/upf/u%02d?dry_run=1" % u, {"spec": upf_spec(u, a.sessions)})
        dry_upf = time.monotonic() - t
        assert code == 200, res
        pf_out = []
        if smf is not None:   # PFCP modifications meanwhile, from a thread (the PUT below waits on I/O)
            pf = threading.Thread(target=pfcp_meanwhile, args=(smf, mods, a.pfcp_rate, pf_out))
            pf.start()
            time.sleep(0.5)
        t = time.monotonic()
        code, res = c.req("PUT", "/api/v1/upf/u%02d?wait=1" % u, {"spec": upf_spec(u, a.sessions)})
        big = time.monotonic() - t
        if smf is not None:
            pf.join()
            lat_m = pf_out
            print("sxcd_scale: PFCP: %d Session Modifications at %.0f/s while the new upf intent of %d sessions "
                  "applied: latency %s" % (len(lat_m), a.pfcp_rate, a.sessions, ms(lat_m) if lat_m else "none"))
        assert code == 201, (code, res.get("status") if isinstance(res, dict) else res)
        if res["status"]["phase"] != "Ready":   # past ?wait=1's bound: how long it took
            took, _ = settle(c, 3 + a.slices + a.upfs, 600)
            print("sxcd_scale: that upf intent answered %s after ?wait=1's %.1f s, Ready %.1f s later" % (
                res["status"]["phase"], big, took))
            big += took
        time.sleep(1)
        stop.set()
        errors, lat = [], []
        while True:
            kind, v = q.get()
            if kind == "lat":
                lat = v
                break
            errors.append(v)
        by.join()
        print("sxcd_scale: dry run of all %d slices changed: %.2f s (%d writes); dry run of a new %d-session upf intent:"
              " %.2f s; that upf intent applied (PUT ?wait=1): %.2f s" % (a.slices, dry_slices, n_diff, a.sessions,
                                                                         dry_upf, big))
        print("sxcd_scale: a bystander's GET /api/v1/status meanwhile: %s%s" % (
            ms(lat), ", errors %d (%s)" % (len(errors), "; ".join(map(str, errors[:3]))) if errors else ""))
        print("sxcd_scale: loop lag during the large changes: %s" % lag_between(l3, lag_of(c)))
        code, st = c.req("GET", "/api/v1/status")
        print("sxcd_scale: loop lag max over the whole run: %.1f ms, of which sxcd running %.1f ms (timer ticks %d, %d over 50 ms)" % (
            st["sxdp"]["loop_lag"]["max_seconds"] * 1e3, st["sxdp"]["loop_lag"]["max_running_seconds"] * 1e3,
            st["sxdp"]["loop_lag"]["count"],
            st["sxdp"]["loop_lag"]["count"] - dict((b[0], b[1]) for b in st["sxdp"]["loop_lag"]["buckets"])[0.05]))
        print("sxcd_scale: held past 50 ms by: %s" % ", ".join(
            "%s %.0f ms" % (k, v * 1e3) for k, v in sorted(st["sxdp"]["loop_lag"]["held_by"].items(),
                                                           key=lambda kv: -kv[1])))
        print("sxcd_scale: sxcd RSS %d MB, live heap %.0f MB after the large changes" % (
            int(open("/proc/%d/status" % cd.proc.pid).read().split("VmRSS:")[1].split()[0]) // 1024, heap_mb(c)))
        print("sxcd_scale: load average %s" % open("/proc/loadavg").read().strip())


if __name__ == "__main__":
    main()
