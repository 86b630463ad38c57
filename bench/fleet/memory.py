#!/usr/bin/python3
"""etcd's and sxcd's memory with --slices slices over --sites simulated
sites (issue 37), and how long the fleet takes to converge. A benchmark,
not a test: it prints what it measured and the conditions.

  flock /tmp/bench.lock env BUILD=build /usr/bin/python3 bench/fleet/memory.py \\
      [--sites 100] [--slices 1000] [--stretch 8] [--batch 100] [--idle 30]

A 3-member etcd on loopback; one sxcd per site (`--store etcd://.../PREFIX
--site sN`), each on its own dataplane socket served by the stand-in
(bench/fleet/dpstub.py, one process for every site: what it does and does
not do is in its docstring). Every site is a peer of every other (the
fleet's full mesh: --sites peers intents, a path to each other site on
every box). Then --slices slices, written through site 1 by `sxctl apply`
in --batch intents a time (one etcd txn each); slice k is stretched to
--stretch sites (its `peers`: sites k*S .. k*S+S-1 round the fleet; 0:
every peer, as a slice with no `peers`). A slice is a shared intent: a box
whose site its list names compiles it (a VNI and, per other site, a
tunnel, a peer entry and a path policy); every other box only notes it is
placed elsewhere (Ready, "elsewhere", nothing in its sxdp). Then --changes
single-slice changes through site 1, each timed until every box shows the
new generation.

Capacity (sxdp's tables, this build): `tunnels` ids 1..65,535, `peers`
4,096 entries and `policies` 16,384 by default (`table_sizes` in sxdp's
config raises them; --size TABLE=N tells the stand-in to, default
peers=16384), `vnis` 4,096, slice ids 1..3,999 (the schema). So a slice
stretched to every one of 99 peers fits 661 times at most (tunnel ids);
1,000 of them do not (the run says which intents go Failed, and why).

Read after convergence and --idle seconds of quiet: VmRSS and VmHWM of
every sxcd (median, max, total), of each etcd member with its db size
(dbSize, dbSizeInUse), of the stand-in; the revisions etcd made and the
db's growth over the idle window (each box's report: every intent's phase,
rewritten every 5 s, control/cd_box.h), and the CPU everything took in it.
sxcd runs with --resync-ms (default here 60,000: a resync reads every
table of its dataplane again; 100 of them on 2 CPUs every 10 s, sxcd's
default, would measure the resyncs).
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fleetlib as F  # noqa: E402
from writes import cpu_model, etcd_version  # noqa: E402

PREFIX = "/fleetmem"


def mem_line(tag, boxes, etcd, stub):
    rs = [F.proc_mem(b.p.pid) for b in boxes]
    rss = [r[0] for r in rs]
    hwm = [r[1] for r in rs]
    em = etcd.mem()
    srss, shwm = F.proc_mem(stub.p.pid)
    out = {"tag": tag,
           "sxcd": {"n": len(rss), "rss_median_kb": statistics.median(rss), "rss_max_kb": max(rss),
                    "rss_total_kb": sum(rss), "hwm_median_kb": statistics.median(hwm), "hwm_max_kb": max(hwm)},
           "etcd": em, "stub": {"rss_kb": srss, "hwm_kb": shwm}}
    print("%-22s sxcd x%d RSS median %.1f MB, max %.1f MB, total %.0f MB (HWM median %.1f, max %.1f MB); "
          "etcd %s; stand-in RSS %.0f MB" % (
              tag, len(rss), out["sxcd"]["rss_median_kb"] / 1024, max(rss) / 1024, sum(rss) / 1024,
              out["sxcd"]["hwm_median_kb"] / 1024, max(hwm) / 1024,
              "; ".join("%s RSS %.0f MB (HWM %.0f), db %.1f MB (in use %.1f)" % (
                  m["member"], m["rss_kb"] / 1024, m["hwm_kb"] / 1024, m["db"] / 1e6, m["db_in_use"] / 1e6)
                  for m in em), srss / 1024))
    sys.stdout.flush()
    return out


def phases(boxes):
    """Intents per phase summed over every box, and the boxes' counts."""
    tot = {}
    for b in boxes:
        for ph, n in b.status()["intents"].items():
            tot[ph] = tot.get(ph, 0) + n
    return tot


def converge(boxes, want, timeout, t0):
    """Until every box has @want intents, none Programming or Pending."""
    left = list(boxes)
    while left:
        nl = []
        for b in left:
            st = b.status()["intents"]
            if sum(st.values()) != want or st.get("Pending") or st.get("Programming"):
                nl.append(b)
        left = nl
        if not left:
            break
        if time.monotonic() - t0 > timeout:
            print("# %d boxes not converged in %d s (%s: %s)" % (
                len(left), timeout, left[0].site, left[0].status()["intents"]))
            return float("nan")
        time.sleep(0.5)
    return time.monotonic() - t0


def change_phase(boxes, items, a):
    """One slice at a time changed through site 1 (a subnet added): from the
    request until every box shows it at the new generation, Ready there or
    (a box whose site it is not placed at) Ready and elsewhere. What a
    change to a converged fleet costs (the issue's "within 5 s")."""
    took = []
    here = {b.site for b in boxes}
    # slices placed at a box that runs (every slice when every box runs)
    mine = [it for it in items if not it["spec"].get("peers") or here & set(it["spec"]["peers"])]
    for n in range(a.changes):
        it = json.loads(json.dumps(mine[(n * 97) % len(mine)]))
        name = it["metadata"]["name"]
        it["spec"]["subnets"].append("172.%d.%d.0/24" % (16 + n // 250, n % 250))
        t0 = time.monotonic()
        c, b = boxes[0].api.req("PUT", "slices/" + name, {"spec": it["spec"]})
        if c not in (200, 201):
            raise SystemExit("change %s: %s %s" % (name, c, b))
        gen = b["metadata"]["generation"]
        left = list(boxes)
        while left:
            nl = []
            for bx in left:
                c, got = bx.api.req("GET", "slices/" + name)
                st = (got or {}).get("status", {})
                if c != 200 or st.get("observedGeneration") != gen or st.get("phase") != "Ready":
                    nl.append(bx)
            left = nl
            if left and time.monotonic() - t0 > a.timeout:
                raise SystemExit("change %s: %d boxes not at generation %d" % (name, len(left), gen))
        took.append(time.monotonic() - t0)
    print("%-22s %d changes of one slice (placed at a running box) through s1: every running box at the new "
          "generation, Ready, after p50 %.2f s, max %.2f s (each box polled in turn)" % (
              "changes", len(took), F.pct(took, 50), max(took)))
    return {"n": len(took), "p50_s": F.pct(took, 50), "max_s": max(took)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", type=int, default=100)
    ap.add_argument("--slices", type=int, default=1000)
    ap.add_argument("--stretch", type=int, default=8, help="sites a slice is stretched to (0: every peer)")
    ap.add_argument("--batch", type=int, default=50, help="slices per sxctl apply (at most 128)")
    ap.add_argument("--members", type=int, default=3)
    ap.add_argument("--idle", type=float, default=30, help="seconds of quiet before the reading")
    ap.add_argument("--resync-ms", type=int, default=60000)
    ap.add_argument("--size", action="append", default=None,
                    help="TABLE=N for the stand-in's tables (sxdp's table_sizes); default peers=16384")
    ap.add_argument("--timeout", type=int, default=1200, help="seconds to converge, at most")
    ap.add_argument("--json", help="write the figures here too")
    ap.add_argument("--changes", type=int, default=5, help="then one slice changed at a time, timed")
    ap.add_argument("--boxes", type=int, default=0,
                    help="boxes run (sxcd of sites 1..N; 0: every site): the other sites' intents are in the "
                         "store as a fleet's are, their boxes simulated by their absence")
    a = ap.parse_args()
    if a.slices > 3999:
        raise SystemExit("slice ids are 1..3,999")
    if a.stretch > 64 or a.stretch >= a.sites:
        raise SystemExit("--stretch: at most 64 and fewer than --sites (0: every peer)")
    sizes = a.size if a.size is not None else ["peers=16384"]
    res = {"args": vars(a), "readings": []}
    d = F.tmpdir()
    print("# conditions: %d CPUs (%s), %.0f GiB, etcd %s, every process on this machine; %s" % (
        os.cpu_count(), cpu_model(), os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30,
        etcd_version(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
    print("# %d sites (%d boxes running), %d slices stretched to %s, sxcd --resync-ms %d, stand-in table sizes %s" % (
        a.sites, a.boxes or a.sites, a.slices, "%d sites each" % a.stretch if a.stretch else "every peer", a.resync_ms,
        ", ".join(sizes) or "sxdp's defaults"))
    etcd = F.Etcd(d, members=a.members).start()
    schema = F.capture_schema(d)
    nb = a.boxes or a.sites
    stub = F.Stub(d, schema, nb, sizes)
    t0 = time.monotonic()
    boxes = [F.Sxcd(d, etcd, PREFIX, "s%d" % i, stub.sock(i), resync_ms=a.resync_ms).start()
             for i in range(1, nb + 1)]
    for b in boxes:
        b.wait_synced(120)
    print("%-22s %d sxcd started, synced and connected in %.1f s" % ("start", nb, time.monotonic() - t0))
    res["readings"].append(mem_line("empty", boxes, etcd, stub))

    sites, peers = [], []
    for i in range(1, a.sites + 1):
        for it in F.site_doc(i):
            (sites if "site" in it else peers).append(it)
    t0 = time.monotonic()
    F.sxctl_apply(boxes[0].port, sites, d, "sites.json")
    for k in range(0, len(peers), 128):
        F.sxctl_apply(boxes[0].port, peers[k:k + 128], d, "peers.json")
    tw = time.monotonic() - t0
    tc = converge(boxes, 1 + a.sites, a.timeout, t0)
    print("%-22s %d site and %d peers intents written in %.1f s, every box converged %.1f s after the "
          "first write" % ("sites and peers", a.sites, a.sites, tw, tc))
    res["readings"].append(mem_line("sites and peers", boxes, etcd, stub))

    items = []
    for k in range(1, a.slices + 1):
        spec = {"id": k, "vni": 10000 + k, "members": [],
                "subnets": ["10.%d.%d.0/24" % (k // 250, k % 250)]}
        if a.stretch:
            spec["peers"] = ["s%d" % ((k * a.stretch + j) % a.sites + 1) for j in range(a.stretch)]
        items.append({"kind": "slices", "metadata": {"name": "sl%04d" % k}, "spec": spec})
    c0 = {"sxcd": sum(F.cpu_s(b.p.pid) for b in boxes), "etcd": sum(F.cpu_s(p.pid) for p in etcd.procs),
          "stub": F.cpu_s(stub.p.pid)}
    t0 = time.monotonic()
    lat = []
    unknown = 0
    for k in range(0, len(items), a.batch):
        part = items[k:k + a.batch]
        for attempt in range(5):
            try:
                dt, _ = F.sxctl_apply(boxes[attempt % len(boxes)].port, part, d, "slices.json")
                lat.append(dt)
                break
            except RuntimeError as e:
                # 503 store_unknown: sxcd's etcd call outlived its deadline (the
                # machine is busy): stored or not, etcd says; what is not, again
                unknown += 1
                print("# an apply: %s" % str(e).strip().split("\n")[0][:200])
                time.sleep(2)
                part = [it for it in part if etcd.get("%s/intents/slices/%s" % (
                    PREFIX, it["metadata"]["name"])) is None]
                if not part:
                    break
        else:
            raise SystemExit("an apply did not go in after 5 attempts")
    tw = time.monotonic() - t0
    want = 1 + a.sites + a.slices
    tc = converge(boxes, want, a.timeout, t0)
    c1 = {"sxcd": sum(F.cpu_s(b.p.pid) for b in boxes), "etcd": sum(F.cpu_s(p.pid) for p in etcd.procs),
          "stub": F.cpu_s(stub.p.pid)}
    ph = phases(boxes)
    print("%-22s %d slices in %d applies in %.1f s (an apply p50 %.0f ms, max %.0f ms); every box "
          "converged %.1f s after the first write (%.1f s after the last answer); intents over all boxes: "
          "%s; CPU s: sxcd %.0f, etcd %.0f, stand-in %.0f; %d applies answered 503 store_unknown" % (
              "slices", a.slices, len(lat), tw, F.pct(lat, 50) * 1e3, max(lat) * 1e3, tc, tc - tw,
              json.dumps(ph), c1["sxcd"] - c0["sxcd"], c1["etcd"] - c0["etcd"], c1["stub"] - c0["stub"], unknown))
    res["converge"] = {"unknown_applies": unknown, "write_s": tw, "converged_s": tc, "phases": ph,
                       "cpu_s": {k: c1[k] - c0[k] for k in c0}}
    bad = [(b.site, b.status()["intents"]) for b in boxes if set(b.status()["intents"]) != {"Ready"}]
    if bad:
        b = next(x for x in boxes if x.site == bad[0][0])
        st = b.status()
        print("# not Ready on %d boxes, e.g. %s: %s" % (len(bad), bad[0][0], bad[0][1]))
        for kind in ("slices", "peers"):
            c, lst = b.api.req("GET", kind)
            for it in (lst or {}).get("items", []) if isinstance(lst, dict) else (lst or []):
                s_ = it.get("status", {})
                if s_.get("phase") != "Ready":
                    print("#   %s/%s %s: %s %s" % (kind, it["metadata"]["name"], s_.get("phase"),
                                                 s_.get("reason"), s_.get("message")))
                    break
        print("#   tables: %s" % json.dumps(st["sxdp"].get("tables", {}))[:600])
    res["readings"].append(mem_line("converged", boxes, etcd, stub))
    print("# per box in the stand-in: %s" % stub.report()["per_box"][0])
    if a.changes:
        res["changes"] = change_phase(boxes, items, a)
    rep = etcd.call("kv/range", {"key": F.b64(PREFIX + "/boxes/s1")})
    rsize = len(rep["kvs"][0]["value"]) * 3 // 4 if rep.get("kvs") else 0

    rev0 = int(etcd.status(0)["header"]["revision"])
    db0 = [m["db"] for m in etcd.mem()]
    c0 = {"sxcd": sum(F.cpu_s(b.p.pid) for b in boxes), "etcd": sum(F.cpu_s(p.pid) for p in etcd.procs),
          "stub": F.cpu_s(stub.p.pid)}
    time.sleep(a.idle)
    c1 = {"sxcd": sum(F.cpu_s(b.p.pid) for b in boxes), "etcd": sum(F.cpu_s(p.pid) for p in etcd.procs),
          "stub": F.cpu_s(stub.p.pid)}
    rev1 = int(etcd.status(0)["header"]["revision"])
    res["readings"].append(mem_line("idle %.0f s later" % a.idle, boxes, etcd, stub))
    db1 = [m["db"] for m in etcd.mem()]
    print("%-22s %.1f revisions/s (box reports: s1's is %.0f kB), db %s MB -> %s MB; CPU over the window: "
          "sxcd (all) %.0f %%, etcd (all) %.0f %%, stand-in %.0f %% of a CPU" % (
              "idle", (rev1 - rev0) / a.idle, rsize / 1e3, "/".join("%.1f" % (x / 1e6) for x in db0),
              "/".join("%.1f" % (x / 1e6) for x in db1), 100 * (c1["sxcd"] - c0["sxcd"]) / a.idle,
              100 * (c1["etcd"] - c0["etcd"]) / a.idle, 100 * (c1["stub"] - c0["stub"]) / a.idle))
    res["idle"] = {"revisions_per_s": (rev1 - rev0) / a.idle, "report_bytes": rsize, "db_before": db0,
                   "db_after": db1, "cpu_pct": {k: 100 * (c1[k] - c0[k]) / a.idle for k in c0}}
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
