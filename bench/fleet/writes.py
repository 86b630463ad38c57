#!/usr/bin/python3
"""Intent writes per second through the fleet's store, with every box
watching (issue 37). A benchmark, not a test: it prints what it measured
and the conditions, and fails only when something does not converge.

  flock /tmp/bench.lock env BUILD=build /usr/bin/python3 bench/fleet/writes.py \\
      [--sites 8] [--writes 150] [--clients 1,2] [--batch 100] [--batches 3]

A 3-member etcd on loopback; --sites sxcd (`--store etcd://.../PREFIX
--site sN`), each on its own dataplane socket served by the stand-in
(bench/fleet/dpstub.py: sxdp's control socket in memory, its schema from a
real sxdp of this build); every site a peer of every other (a full mesh),
so each slice written is stretched over every site (a VNI, a tunnel to
each other site on every box).

Phases (each client its own connection, clients spread over the boxes
round robin; a write is timed from the request to its answer, which sxcd
sends once etcd has the write):
  put-new      PUT /api/v1/slices/NAME of a new slice, --writes per client count;
  put-modify   PUT of the client's own slice again (its subnets changed),
               with ?expected_generation= the generation its last answer gave;
  apply        `sxctl apply -f` of --batch new slices, --batches times
               (one etcd txn each);
  etcd-txn     the reference: etcd's JSON gateway alone, one txn per write
               as sxcd makes it (compare mod_revision, put the intent's
               document) to the same kind of key, which every box watches
               and applies as it does the others;
  etcd-unwatched  the same to a key no box watches.
After each phase: the time from its last answer until every box shows the
phase's last intent Ready at its generation, then until every box has
every intent Ready (each box's own REST, polled every 20 ms). CPU seconds
of sxcd (all), etcd (all members), the stand-in and this client over the
phase are printed beside it: all share the machine's CPUs. Then every
slice is deleted (one etcd delete) and every box converges on that: each
phase starts from the sites and peers alone.
"""
import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleetlib as F  # noqa: E402

PREFIX = "/fleetbench"


def slice_spec(sid, k=0):
    return {"id": sid, "vni": 10000 + sid, "members": [],
            "subnets": ["10.%d.%d.0/24" % (sid // 250, sid % 250)] + (["172.16.%d.0/24" % (k % 250)] if k else [])}


class Run:
    def __init__(self, a):
        self.a = a
        self.d = F.tmpdir()
        self.next_id = 1
        self.lock = threading.Lock()

    def ids(self, n):
        with self.lock:
            i = self.next_id
            self.next_id += n
        if self.next_id > 3999:
            raise SystemExit("slice ids past 3,999 (the schema's range): fewer --writes")
        return list(range(i, i + n))

    def setup(self):
        a = self.a
        self.etcd = F.Etcd(self.d, members=a.members).start()
        schema = F.capture_schema(self.d)
        self.stub = F.Stub(self.d, schema, a.sites)
        self.boxes = [F.Sxcd(self.d, self.etcd, PREFIX, "s%d" % i, self.stub.sock(i)).start()
                      for i in range(1, a.sites + 1)]
        for b in self.boxes:
            b.wait_synced()
        sites, peers = [], []
        for i in range(1, a.sites + 1):
            for it in F.site_doc(i):
                (sites if "site" in it else peers).append(it)
        F.sxctl_apply(self.boxes[0].port, sites, self.d, "sites.json")
        F.sxctl_apply(self.boxes[0].port, peers, self.d, "peers.json")
        self.n_intents = 1 + a.sites  # its site, every peer
        self.all_ready(60)

    # ------------------------------------------------------------ readings
    def cpu(self):
        c = {"sxcd": sum(F.cpu_s(b.p.pid) for b in self.boxes),
             "etcd": sum(F.cpu_s(p.pid) for p in self.etcd.procs),
             "stub": F.cpu_s(self.stub.p.pid), "client": F.cpu_s(os.getpid())}
        return c

    def all_ready(self, timeout):
        t0 = time.monotonic()
        left = set(range(len(self.boxes)))
        while left:
            for i in list(left):
                st = self.boxes[i].status()
                if st["intents"].get("Ready", 0) == self.n_intents and len(st["intents"]) == 1:
                    left.discard(i)
            if not left:
                break
            if time.monotonic() - t0 > timeout:
                raise SystemExit("boxes %s not all Ready in %d s: %s" % (
                    sorted(left), timeout, [self.boxes[i].status()["intents"] for i in sorted(left)]))
            time.sleep(0.02)
        return time.monotonic() - t0

    def last_ready(self, name, gen, timeout):
        t0 = time.monotonic()
        left = set(range(len(self.boxes)))
        while left:
            for i in list(left):
                c, d = self.boxes[i].api.req("GET", "slices/" + name)
                if c == 200 and d["metadata"]["generation"] == gen and d["status"]["phase"] == "Ready" \
                        and d["status"].get("observedGeneration") == gen:
                    left.discard(i)
            if not left:
                break
            if time.monotonic() - t0 > timeout:
                raise SystemExit("%s generation %d not Ready on boxes %s in %d s" % (name, gen, sorted(left),
                                                                                   timeout))
            time.sleep(0.02)
        return time.monotonic() - t0

    # -------------------------------------------------------------- phases
    def clients(self, n, fn):
        """fn(j) -> list of (latency, name, generation, ok) for client j."""
        res = [None] * n
        ths = [threading.Thread(target=lambda j=j: res.__setitem__(j, fn(j))) for j in range(n)]
        c0, t0 = self.cpu(), time.monotonic()
        for t in ths:
            t.start()
        for t in ths:
            t.join()
        t1, c1 = time.monotonic(), self.cpu()
        return [x for r in res for x in r], t1 - t0, {k: c1[k] - c0[k] for k in c0}

    def report(self, name, clients, rows, dt, cpu, new_intents):
        lat = [r[0] for r in rows if r[3]]
        bad = len(rows) - len(lat)
        self.n_intents += new_intents
        last = max((r for r in rows if r[3]), key=lambda r: r[4])
        t_last = self.last_ready(last[1], last[2], 600)
        t_all = t_last + self.all_ready(300)   # both from the last answer
        line = ("%-15s clients %d: %5d writes in %6.2f s = %7.1f /s; latency p50 %6.2f ms, p99 %6.2f ms, "
                "max %6.2f ms%s; last write Ready on all %d boxes %+.0f ms, every intent %+.0f ms after "
                "the last answer; CPU s: sxcd %.1f, etcd %.1f, stand-in %.1f, client %.1f" % (
                    name, clients, len(lat), dt, len(lat) / dt, F.pct(lat, 50) * 1e3, F.pct(lat, 99) * 1e3,
                    max(lat) * 1e3, (", %d refused" % bad) if bad else "", len(self.boxes),
                    t_last * 1e3, t_all * 1e3, cpu["sxcd"], cpu["etcd"], cpu["stub"], cpu["client"]))
        print(line)
        sys.stdout.flush()
        self.reset()
        self.results.append({"phase": name, "clients": clients, "writes": len(lat), "seconds": dt,
                             "per_s": len(lat) / dt, "p50_ms": F.pct(lat, 50) * 1e3,
                             "p99_ms": F.pct(lat, 99) * 1e3, "max_ms": max(lat) * 1e3, "refused": bad,
                             "last_ready_ms": t_last * 1e3, "all_ready_ms": t_all * 1e3, "cpu_s": cpu})

    def reset(self):
        """Every slice deleted (one etcd delete of the range), every box
        converged on that: each phase starts from the sites and peers alone."""
        pre = PREFIX + "/intents/slices/"
        self.etcd.call("kv/deleterange", {"key": F.b64(pre), "range_end": F.b64(pre[:-1] + "0")})
        self.n_intents = 1 + len(self.boxes)
        self.all_ready(300)

    def put_new(self, nc):
        w = self.a.writes

        def one(j):
            api = F.Api(self.boxes[j % len(self.boxes)].port)
            out = []
            for sid in self.ids(w):
                name = "n%04d" % sid
                t0 = time.monotonic()
                c, b = api.req("PUT", "slices/" + name, {"spec": slice_spec(sid)})
                t = time.monotonic()
                out.append((t - t0, name, (b or {}).get("metadata", {}).get("generation"), c in (200, 201), t))
            return out
        rows, dt, cpu = self.clients(nc, one)
        self.report("put-new", nc, rows, dt, cpu, sum(1 for r in rows if r[3]))

    def put_modify(self, nc):
        w = self.a.writes
        made = []
        for j in range(nc):
            sid = self.ids(1)[0]
            api = F.Api(self.boxes[j % len(self.boxes)].port)
            c, b = api.req("PUT", "slices/m%04d" % sid, {"spec": slice_spec(sid)})
            made.append((sid, b["metadata"]["generation"]))
        self.n_intents += nc
        self.all_ready(60)

        def one(j):
            sid, gen = made[j]
            api = F.Api(self.boxes[j % len(self.boxes)].port)
            out = []
            name = "m%04d" % sid
            for k in range(1, w + 1):
                t0 = time.monotonic()
                c, b = api.req("PUT", "slices/%s?expected_generation=%d" % (name, gen),
                               {"spec": slice_spec(sid, k)})
                t = time.monotonic()
                ok = c in (200, 201)
                if ok:
                    gen = b["metadata"]["generation"]
                elif k == 1 or len(out) < 3:
                    sys.stderr.write("# put-modify %s: %d %s\n" % (name, c, json.dumps(b)[:300]))
                out.append((t - t0, name, gen, ok, t))
            return out
        rows, dt, cpu = self.clients(nc, one)
        self.report("put-modify", nc, rows, dt, cpu, 0)

    def apply(self):
        a = self.a
        rows = []
        c0, t0 = self.cpu(), time.monotonic()
        for k in range(a.batches):
            sids = self.ids(a.batch)
            items = [{"kind": "slices", "metadata": {"name": "a%04d" % s}, "spec": slice_spec(s)} for s in sids]
            ta = time.monotonic()
            dt, out = F.sxctl_apply(self.boxes[0].port, items, self.d, "batch.json")
            gen = json.loads(json.dumps(self.boxes[0].api.req("GET", "slices/a%04d" % sids[-1])[1]))
            rows.append((dt, "a%04d" % sids[-1], gen["metadata"]["generation"], True, ta + dt))
        t1, c1 = time.monotonic(), self.cpu()
        lat = [r[0] for r in rows]
        cpu = {k: c1[k] - c0[k] for k in c0}
        self.n_intents += a.batch * a.batches
        last = rows[-1]
        t_last = self.last_ready(last[1], last[2], 600)
        t_all = t_last + self.all_ready(300)
        n = a.batch * a.batches
        print("%-15s batches of %d: %5d intents in %d applies, %6.2f s = %7.1f intents/s, %.1f applies/s; "
              "an apply (sxctl's process included) p50 %6.1f ms, max %6.1f ms; last batch Ready on all %d "
              "boxes %+.0f ms, every intent %+.0f ms after; CPU s: sxcd %.1f, etcd %.1f, stand-in %.1f" % (
                  "apply", a.batch, n, a.batches, t1 - t0, n / (t1 - t0), a.batches / (t1 - t0),
                  F.pct(lat, 50) * 1e3, max(lat) * 1e3, len(self.boxes), t_last * 1e3, t_all * 1e3,
                  cpu["sxcd"], cpu["etcd"], cpu["stub"]))
        sys.stdout.flush()
        self.results.append({"phase": "apply", "batch": a.batch, "applies": a.batches, "intents": n,
                             "seconds": t1 - t0, "intents_per_s": n / (t1 - t0), "p50_ms": F.pct(lat, 50) * 1e3,
                             "max_ms": max(lat) * 1e3, "last_ready_ms": t_last * 1e3,
                             "all_ready_ms": t_all * 1e3, "cpu_s": cpu})
        sys.stdout.flush()
        self.reset()

    def etcd_txn(self, nc, watched):
        w = self.a.writes
        import http.client

        def one(j):
            c = http.client.HTTPConnection("127.0.0.1", self.etcd.cports[j % len(self.etcd.cports)], timeout=30)
            out = []
            for sid in self.ids(w):
                name = "e%04d" % sid
                key = "%s/intents/slices/%s" % (PREFIX, name) if watched else "/unwatched/%s" % name
                doc = {"kind": "slices", "metadata": {"name": name}, "spec": slice_spec(sid)}
                body = {"compare": [{"key": F.b64(key), "target": "MOD", "result": "EQUAL",
                                     "mod_revision": "0"}],
                        "success": [{"request_put": {"key": F.b64(key),
                                                     "value": F.b64(json.dumps(doc, separators=(",", ":")))}}]}
                t0 = time.monotonic()
                c.request("POST", "/v3/kv/txn", json.dumps(body), {"Content-Type": "application/json"})
                r = json.loads(c.getresponse().read())
                t = time.monotonic()
                rev = int(r.get("header", {}).get("revision", 0))
                out.append((t - t0, name if watched else None, rev, bool(r.get("succeeded")), t))
            return out
        rows, dt, cpu = self.clients(nc, one)
        if watched:
            self.report("etcd-txn", nc, rows, dt, cpu, sum(1 for r in rows if r[3]))
        else:
            lat = [r[0] for r in rows if r[3]]
            print("%-15s clients %d: %5d writes in %6.2f s = %7.1f /s; latency p50 %6.2f ms, p99 %6.2f ms, "
                  "max %6.2f ms; CPU s: etcd %.1f, client %.1f" % (
                      "etcd-unwatched", nc, len(lat), dt, len(lat) / dt, F.pct(lat, 50) * 1e3,
                      F.pct(lat, 99) * 1e3, max(lat) * 1e3, cpu["etcd"], cpu["client"]))
            self.results.append({"phase": "etcd-unwatched", "clients": nc, "writes": len(lat), "seconds": dt,
                                 "per_s": len(lat) / dt, "p50_ms": F.pct(lat, 50) * 1e3,
                                 "p99_ms": F.pct(lat, 99) * 1e3, "max_ms": max(lat) * 1e3, "cpu_s": cpu})
            sys.stdout.flush()

    def main(self):
        a = self.a
        self.results = []
        t0 = time.monotonic()
        self.setup()
        st = self.stub.report()
        print("# %d sites on a %d-member etcd (loopback), full mesh of peers, ready in %.1f s; "
              "per box before the writes: %s" % (a.sites, a.members, time.monotonic() - t0, st["per_box"][0]))
        print("# conditions: %d CPUs (%s), etcd %s, every process on this machine; %s" % (
            os.cpu_count(), cpu_model(), etcd_version(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
        sys.stdout.flush()
        phases = a.phases.split(",")
        for nc in [int(x) for x in a.clients.split(",")]:
            if "put-new" in phases:
                self.put_new(nc)
            if "put-modify" in phases:
                self.put_modify(nc)
        if "apply" in phases:
            self.apply()
        for nc in [int(x) for x in a.clients.split(",")]:
            if "etcd-txn" in phases:
                self.etcd_txn(nc, True)
            if "etcd-unwatched" in phases:
                self.etcd_txn(nc, False)
        st = self.stub.report()
        print("# at the end: %d intents on each box, per box %s; etcd %s" % (
            self.n_intents, st["per_box"][0],
            ", ".join("%s db %.1f MB RSS %.0f MB" % (m["member"], m["db"] / 1e6, m["rss_kb"] / 1024)
                      for m in self.etcd.mem())))
        if a.json:
            json.dump(self.results, open(a.json, "w"), indent=1)


def cpu_model():
    try:
        for ln in open("/proc/cpuinfo"):
            if ln.startswith("model name"):
                return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def etcd_version():
    import subprocess
    try:
        out = subprocess.run(["etcd", "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode()
        return out.split("\n")[0].split(":")[-1].strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", type=int, default=8)
    ap.add_argument("--members", type=int, default=3, help="etcd members")
    ap.add_argument("--writes", type=int, default=150, help="writes per client per phase")
    ap.add_argument("--clients", default="1,2", help="concurrent clients, one run of each phase per value")
    ap.add_argument("--batch", type=int, default=100, help="intents per sxctl apply (at most 128)")
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--phases", default="put-new,put-modify,apply,etcd-txn,etcd-unwatched")
    ap.add_argument("--json", help="write the figures here too")
    Run(ap.parse_args()).main()
