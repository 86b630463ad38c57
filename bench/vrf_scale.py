#!/usr/bin/python3
"""VRF scale: sxdp's switch pipeline with N VRFs of M IPv4 routes each.

    /usr/bin/python3 bench/vrf_scale.py [--vrfs 1024] [--routes 1000] [--mem-mb 2048]

Starts sxdp (switch pipeline, --no-huge -m MEM_MB, so the EAL heap is at most
MEM_MB: what fits there fits in that much hugepage memory), sizes its routes
table with config.table_sizes, writes VRFS x ROUTES /24 routes in rollback
batches, and prints: the EAL heap in use (DPDK telemetry /eal/heap_info)
before and after, the memory per VRF and per route, how long the writes took,
and the latency of dataplane-atomic batches of 1,000 route changes in one VRF
with every VRF full. BUILD=dir picks the build like bench/run.sh.
"""
import argparse
import json
import os
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "packet"))
import sxdptest as T  # noqa: E402


def heap_in_use(prefix):
    """Bytes of EAL heap 0 allocated, from DPDK telemetry."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect("/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix)
    s.recv(1 << 16)
    s.send(b"/eal/heap_info,0")
    info = json.loads(s.recv(1 << 16))["/eal/heap_info"]
    s.close()
    return int(info["Alloc_size"]), int(info["Heap_size"])


def route(vrf, i, nh="10.255.0.1", kind="insert"):
    return {"type": kind, "table": "routes",
            "match": {"vrf": vrf, "dst": "10.%d.%d.0/24" % (i // 256, i % 256)},
            "action": "via", "params": {"nh": nh}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vrfs", type=int, default=1024)
    ap.add_argument("--routes", type=int, default=1000)
    ap.add_argument("--mem-mb", type=int, default=2048)
    ap.add_argument("--batch", type=int, default=5000)
    a = ap.parse_args()
    size = a.vrfs * a.routes + 1024
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    with T.Sxdp({"p0": [], "p1": []}, pipeline="switch", mem_mb=a.mem_mb,
                extra_cfg={"table_sizes": {"routes": size}}) as dp:
        before, heap = heap_in_use(dp.prefix)
        t0 = time.monotonic()
        batch = []
        for v in range(1, a.vrfs + 1):
            for i in range(a.routes):
                batch.append(route(v, i))
                if len(batch) == a.batch:
                    dp.table_write(batch, atomicity="rollback")
                    batch = []
        if batch:
            dp.table_write(batch, atomicity="rollback")
        wrote = time.monotonic() - t0
        after, _ = heap_in_use(dp.prefix)
        n = a.vrfs * a.routes
        entries = [t for t in dp.rpc("pipeline.describe")["tables"] if t["name"] == "routes"][0]["entries"]
        # dataplane-atomic batches of 1,000 changes in one VRF, every VRF full
        lat = []
        for k in range(7):
            ups = [route(7, i, nh="10.255.0.%d" % (2 + k % 200), kind="modify")
                   for i in range(min(1000, a.routes))]
            t1 = time.monotonic()
            dp.table_write(ups, atomicity="dataplane-atomic")
            lat.append((time.monotonic() - t1) * 1000)
        peak, _ = heap_in_use(dp.prefix)
        dp.stop()
    print("vrf scale (%s; sxdp switch pipeline, routes table sized %d, --no-huge -m %d: heap %d MiB)"
          % (cpu, size, a.mem_mb, heap >> 20))
    print("  routes installed: %d in %d VRFs (%d each), table says %d entries, in %.1f s (%.0f routes/s, "
          "rollback batches of %d)" % (n, a.vrfs, a.routes, entries, wrote, n / wrote, a.batch))
    print("  EAL heap in use: %.1f MiB at start (tables sized), %.1f MiB with every route, "
          "%.1f MiB after the atomic batches" % (before / 2**20, after / 2**20, peak / 2**20))
    print("  added by the routes: %.1f MiB = %.1f KiB per VRF, %.0f B per route"
          % ((after - before) / 2**20, (after - before) / a.vrfs / 1024, (after - before) / n))
    print("  dataplane-atomic batch of %d route changes in one VRF: median %.1f ms, max %.1f ms (7 batches)"
          % (min(1000, a.routes), statistics.median(lat), max(lat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
