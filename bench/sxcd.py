#!/usr/bin/python3
"""sxcd's figures: sxdp restart -> every intent Ready, apply latency of one
slice, REST read throughput. A benchmark, not a test: it prints what it
measured and the conditions, and asserts nothing.

  BUILD=build /usr/bin/python3 bench/sxcd.py [--slices 100] [--runs 3]
      [--applies 200] [--seconds 5] [--clients 4]

sxdp runs on net_pcap ports (no traffic: the control path is what is
measured), sxcd with its store on /tmp; the HTTP clients are Python
processes on the same 2 CPUs as both daemons, so the read figure is a floor.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "packet"))
import sxdptest as T  # noqa: E402
import sxcdtest as S  # noqa: E402


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def intents(n):
    items = [S.SITE, S.PEER]
    for i in range(n):
        items.append({"kind": "slices", "metadata": {"name": "s%03d" % i}, "spec": {
            "id": 10 + i, "vni": 10000 + i,
            "svi": {"address": "10.%d.%d.1/24" % (i // 250, i % 250), "mac": "02:00:00:00:%02x:%02x" % (i // 256, i % 256)},
            "routes": [{"prefix": "172.16.%d.0/24" % (i % 250), "via": "10.%d.%d.2" % (i // 250, i % 250)}],
            "path_policy": {"mode": "failover", "wans": ["isp2", "isp1"]}}})
    return items


def restart_to_ready(args, link, cd, dps):
    """kill -9 sxdp, start another on the same socket path: ms from its socket answering until
    every intent is Ready, sxcd's own count from its reconnect, entries on the new sxdp."""
    out = []
    for _ in range(args.runs):
        boot = cd.status()["sxdp"]["boot_id"]
        old = dps.pop()
        old.proc.kill()
        old.proc.wait()
        old.cleanup()
        dp = T.Sxdp(S.PORTS, pipeline=S.PIPE, port_opts=S.WAN)
        dp.start()
        dps.append(dp)
        t0 = time.monotonic()
        os.unlink(link)
        os.symlink(dp.sock_path, link)
        while True:
            st = cd.status()
            if st["sxdp"]["boot_id"] not in (boot, "") and set(st["intents"]) == {"Ready"} and \
                    st["sxdp"]["reconcile"]["converged_after_connect_ms"] > 0:
                break
            if time.monotonic() - t0 > 30:
                raise RuntimeError("not Ready in 30 s: %s" % st)
            time.sleep(0.005)
        took = (time.monotonic() - t0) * 1000
        entries = sum(len(dp.table_read(t)[0]) for t in ("svi", "routes", "tunnels", "vnis", "policies"))
        out.append((took, st["sxdp"]["reconcile"]["converged_after_connect_ms"], entries))
    return out


def reader(url, token, seconds, q):
    host, port = url.split("//")[1].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    n, t_end = 0, time.monotonic() + seconds
    paths = ["/api/v1/slices/s%03d" % i for i in range(0, 100, 7)] + ["/api/v1/status"]
    while time.monotonic() < t_end:
        c.request("GET", paths[n % len(paths)], headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            q.put(-1)
            return
        n += 1
    q.put(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slices", type=int, default=100)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--applies", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    d = tempfile.mkdtemp(prefix="sxcd-bench-")
    link = os.path.join(d, "sxdp.sock")
    dps = []
    try:
        dp = T.Sxdp(S.PORTS, pipeline=S.PIPE, port_opts=S.WAN)
        dp.start()
        dps.append(dp)
        os.symlink(dp.sock_path, link)
        cd = S.Sxcd(link, resync_ms=10000)
        cd.start()
        t0 = time.monotonic()
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": intents(args.slices)})
        assert code == 200, res
        cd.wait_settled(timeout=60)
        print("# %d slices (+ site, peer) applied in one set: %.0f ms, sxdp holds %d writes" % (
            args.slices, (time.monotonic() - t0) * 1000, cd.status()["sxdp"]["reconcile"]["writes"]))

        # 1. sxdp kill -9 -> every intent Ready on the new one
        out = restart_to_ready(args, link, cd, dps)
        took = [o[0] for o in out]
        print("sxdp restart -> %d intents Ready: median %.0f ms (runs %s) from the new sxdp's socket "
              "answering; sxcd's own count from its reconnect: %s ms; %d entries re-written each time" % (
                  args.slices + 2, statistics.median(took), ", ".join("%.0f" % t for t in took),
                  ", ".join(str(o[1]) for o in out), out[-1][2]))

        # 2. one slice's apply latency: PUT ?wait=1, answered once sxdp has it
        lat = []
        for i in range(args.applies):
            body = {"spec": {"id": 10, "vni": 10000, "svi": {"address": "10.0.0.1/24", "mac": "02:00:00:00:00:00"},
                             "routes": [{"prefix": "172.16.0.0/24", "via": "10.0.0.%d" % (2 + i % 2)}],
                             "path_policy": {"mode": "failover", "wans": ["isp2", "isp1"]}}}
            t = time.monotonic()
            code, res = cd.req("PUT", "/api/v1/slices/s000?wait=1", body)
            lat.append((time.monotonic() - t) * 1000)
            assert code == 200 and res["status"]["phase"] == "Ready", res
        print("apply latency, one slice changed (%d slices resident), PUT ?wait=1 to Ready: p50 %.1f ms, "
              "p99 %.1f ms, max %.1f ms over %d applies (store fsync + compile + diff + one table.write)" % (
                  args.slices, pct(lat, 50), pct(lat, 99), max(lat), len(lat)))

        # 3. REST reads
        q = multiprocessing.Queue()
        ps = [multiprocessing.Process(target=reader, args=(cd.url, cd.token, args.seconds, q)) for _ in range(args.clients)]
        for p in ps:
            p.start()
        n = [q.get() for _ in ps]
        for p in ps:
            p.join()
        assert all(x >= 0 for x in n), n
        print("REST reads (GET one slice with its status, or /api/v1/status), %d keep-alive clients for %.0f s: "
              "%.0f requests/s" % (args.clients, args.seconds, sum(n) / args.seconds))
        cd.stop()
    finally:
        for dp in dps:
            dp.cleanup()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
