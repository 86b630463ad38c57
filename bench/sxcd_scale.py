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
  2. a UPF change (one session's downlink TEID, a handover: the intent's
     body sent whole) likewise;
  3. a large change applying (a dry run of every slice changed, then a new
     upf intent of --sessions sessions, PUT ?wait=1) while a bystander
     process GETs /api/v1/status back to back: its p50/p99/max;
  4. sxcd's own loop lag (/status sxdp.loop_lag.max_seconds) over all of it.
sxdp runs on net_pcap ports with its tables sized for this; the clients are
Python processes on the same 2 CPUs as both daemons.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "packet"))
import test_sxcd as S  # noqa: E402


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
    def __init__(self, url, token, timeout=120):
        host, port = url.split("//")[1].split(":")
        self.c = http.client.HTTPConnection(host, int(port), timeout=timeout)
        self.token = token

    def req(self, method, path, body=None):
        self.c.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Content-Type": "application/json", "Authorization": "Bearer " + self.token})
        r = self.c.getresponse()
        data = r.read()
        return r.status, json.loads(data) if data else None


def bystander(url, token, stop, q):
    c = Client(url, token)
    lat = []
    while not stop.is_set():
        t0 = time.monotonic()
        code, _ = c.req("GET", "/api/v1/status")
        lat.append(time.monotonic() - t0)
        if code != 200:
            q.put(("error", code))
    q.put(("lat", lat))


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
    a = ap.parse_args()
    if a.upfs > a.slices:
        raise SystemExit("every upf intent needs a slice of its own")
    n_sess = a.upfs * a.sessions
    sizes = {"svi": 8192, "vnis": 8192, "peers": 16384, "tunnels": 16384, "policies": 16384,
             "sessions_uplink": n_sess + 2 * a.sessions + 16384,
             "sessions_downlink": n_sess + 2 * a.sessions + 16384}
    with S.Sxdp(S.PORTS, pipeline=S.PIPE, port_opts=S.WAN, mem_mb=4096,
                extra_cfg={"table_sizes": sizes}) as dp, S.Sxcd(dp.sock_path, resync_ms=10000) as cd:
        c = Client(cd.url, cd.token)
        t0 = time.monotonic()
        items = [S.SITE, S.PEER] + [{"kind": "slices", "metadata": {"name": "s%04d" % i}, "spec": slice_spec(i)}
                                    for i in range(a.slices)]
        code, res = c.req("POST", "/api/v1/apply", {"items": items})
        assert code == 200, res
        took, _ = settle(c, 2 + a.slices, 600)
        print("sxcd_scale: %d slices (and the site, a peer) applied and Ready in %.1f s" % (a.slices, time.monotonic() - t0))
        t0 = time.monotonic()
        for u in range(a.upfs):
            code, res = c.req("PUT", "/api/v1/upf/u%02d" % u, {"spec": upf_spec(u, a.sessions)})
            assert code in (200, 201), res
        took, st = settle(c, 2 + a.slices + a.upfs, 1800)
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
        print("sxcd_scale: one session of a %d-session upf intent changed (%d resident), PUT ?wait=1 to Ready: %s"
              % (a.sessions, n_sess, ms(lat)))

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
        t = time.monotonic()
        code, res = c.req("PUT", "/api/v1/upf/u%02d?wait=1" % u, {"spec": upf_spec(u, a.sessions)})
        big = time.monotonic() - t
        assert code == 201 and res["status"]["phase"] == "Ready", (code, res)
        time.sleep(1)
        stop.set()
        errors, lat = [], []
        for _ in range(2):
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
            ms(lat), ", errors %s" % errors if errors else ""))
        code, st = c.req("GET", "/api/v1/status")
        print("sxcd_scale: loop lag max over the whole run: %.1f ms, of which sxcd running %.1f ms (timer ticks %d, %d over 50 ms)" % (
            st["sxdp"]["loop_lag"]["max_seconds"] * 1e3, st["sxdp"]["loop_lag"]["max_running_seconds"] * 1e3,
            st["sxdp"]["loop_lag"]["count"],
            st["sxdp"]["loop_lag"]["count"] - dict((b[0], b[1]) for b in st["sxdp"]["loop_lag"]["buckets"])[0.05]))
        print("sxcd_scale: held past 50 ms by: %s" % ", ".join(
            "%s %.0f ms" % (k, v * 1e3) for k, v in sorted(st["sxdp"]["loop_lag"]["held_by"].items(),
                                                           key=lambda kv: -kv[1])))
        print("sxcd_scale: sxcd RSS %d MB" % (int(open("/proc/%d/status" % cd.proc.pid).read().split("VmRSS:")[1].split()[0]) // 1024))
        print("sxcd_scale: load average %s" % open("/proc/loadavg").read().strip())


if __name__ == "__main__":
    main()
