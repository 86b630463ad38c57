#!/usr/bin/python3
"""Start-up errors: a config or environment sxdp cannot run with stops it
with one clear message naming the cause, a non-zero exit and no misleading
follow-up (no "Success" errors, no "mbuf leak" after a failed start).

    /usr/bin/python3 tests/packet/test_startup.py [NAME-SUBSTRING ...]
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq  # noqa: E402

try:
    from scapy.all import IP, UDP, Ether, Raw  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()


def run(cfg, tmp, timeout=30):
    """Start sxdp on cfg (a dict); it must exit by itself. (exit code, output)"""
    path = os.path.join(tmp, "config.json")
    cfg.setdefault("socket", os.path.join(tmp, "sxdp.sock"))
    with open(path, "w") as f:
        json.dump(cfg, f)
    try:
        p = subprocess.run([T.sxdp_path(), "--config", path], capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise T.TestFailure("sxdp did not stop by itself within %d s on a bad config" % timeout)
    finally:
        for a in cfg.get("eal", []):
            if a.startswith("sxst"):
                shutil.rmtree("/var/run/dpdk/" + a, ignore_errors=True)
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def base(tmp, prefix, ports=None, workers=None):
    return {"eal": ["--no-huge", "-m", "256", "--no-pci", "--file-prefix", prefix],
            "lcores": {"main": 0, "workers": workers or [1]},
            "pipeline": "forward",
            "ports": ports or [{"name": "p0", "devargs": "net_null0"}, {"name": "p1", "devargs": "net_null1"}]}


def expect_refused(rc, out, want, what):
    sx = [ln for ln in out.splitlines() if ln.startswith("sxdp:")]
    expect(rc != 0, "%s: sxdp exited 0" % what)
    expect(any(want in ln for ln in sx), "%s: no sxdp line says %r; it said:\n    %s"
           % (what, want, "\n    ".join(sx[-5:])))
    for bad in ("Success", "mbuf leak"):
        expect(not any(bad in ln for ln in sx), "%s: misleading %r in:\n    %s" % (what, bad, "\n    ".join(sx)))


def with_tmp(fn):
    def wrapper():
        tmp = tempfile.mkdtemp(prefix="sxdp-start-")
        try:
            fn(tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    wrapper.__name__ = fn.__name__
    return wrapper


@R.test
@with_tmp
def test_worker_lcore_out_of_range(tmp):
    rc, out = run(base(tmp, "sxst%d_a" % os.getpid(), workers=[200]), tmp)
    expect_refused(rc, out, "no such lcore 200", "workers: [200]")


@R.test
@with_tmp
def test_worker_on_missing_cpu(tmp):
    rc, out = run(base(tmp, "sxst%d_b" % os.getpid(), workers=[{"lcore": 1, "cpu": 1000}]), tmp)
    expect_refused(rc, out, "CPU 1000 is not available", "a worker on CPU 1000")


@R.test
@with_tmp
def test_worker_is_main(tmp):
    rc, out = run(base(tmp, "sxst%d_c" % os.getpid(), workers=[0]), tmp)
    expect_refused(rc, out, "lcore 0 is the main lcore", "workers: [0]")


@R.test
@with_tmp
def test_lcores_in_eal_args_refused(tmp):
    cfg = base(tmp, "sxst%d_d" % os.getpid())
    cfg["eal"] += ["--lcores", "0@0,1@1"]
    rc, out = run(cfg, tmp)
    expect_refused(rc, out, "is set by sxdp from config.lcores", "--lcores in config.eal")


@R.test
@with_tmp
def test_duplicate_device(tmp):
    ports = [{"name": "p0", "devargs": "net_null0"}, {"name": "p1", "devargs": "net_null0,size=128"}]
    rc, out = run(base(tmp, "sxst%d_e" % os.getpid(), ports=ports), tmp)
    expect_refused(rc, out, 'device "net_null0" is already ports[0]', "two ports on net_null0")


@R.test
@with_tmp
def test_bad_mtu(tmp):
    ports = [{"name": "p0", "devargs": "net_null0", "mtu": 100}, {"name": "p1", "devargs": "net_null1"}]
    rc, out = run(base(tmp, "sxst%d_f" % os.getpid(), ports=ports), tmp)
    expect_refused(rc, out, "ports[0].mtu: must be 576..9600", "mtu 100")


@R.test
@with_tmp
def test_mempool_too_big_for_memory(tmp):
    cfg = base(tmp, "sxst%d_g" % os.getpid())
    cfg["eal"][2] = "64"
    cfg["mbufs"] = 1 << 20
    rc, out = run(cfg, tmp)
    expect_refused(rc, out, "mbuf pool of 1048576 mbufs: Cannot allocate memory", "1M mbufs in 64 MB")


@R.test
@with_tmp
def test_infinite_rx_jumbo_frame(tmp):
    # net_pcap's infinite_rx cannot replay a frame larger than one mbuf: the
    # start fails with a hint, and the mbufs the driver kept are not called
    # a leak; with the port's MTU covering the frame it starts and forwards
    pcap = os.path.join(tmp, "big.pcap")
    big = Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP() / Raw(b"j" * 3000)
    T.write_pcap(pcap, [big] * 4)
    ports = [{"name": "p0", "devargs": "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap},
             {"name": "p1", "devargs": "net_null0"}]
    rc, out = run(base(tmp, "sxst%d_h" % os.getpid(), ports=ports), tmp)
    expect_refused(rc, out, 'give the port an "mtu" of at least its largest frame', "3 KB frames, infinite_rx")
    ports[0]["mtu"] = 3100
    ports[0]["admin"] = "down"
    with T.Sxdp({"p0": T.Replay([big]), "p1": []}, port_opts={"p0": {"mtu": 3100}}) as dp:
        dp.table_add("port", {"in_port": "p0"}, "output", {"port": "p1"})
        dp.release(["p0"])
        st = dp.wait_stats(lambda s: s["total"]["tx_packets"] >= 100, "100 jumbo frames forwarded")
        dp.stop()
        expect(st["total"]["drop_packets"] == 0, "drops forwarding jumbo frames: %s" % T.drops_of(st))


@R.test
@with_tmp
def test_pipeline_per_role(tmp):
    """config.pipeline as {role: feature}: an unknown role or feature, or a
    port whose role names no feature, is refused with the field named."""
    pid = os.getpid()
    wan = [{"name": "p0", "devargs": "net_null0"}, {"name": "p1", "devargs": "net_null1", "role": "wan"}]
    cfg = base(tmp, "sxst%d_pr1" % pid, ports=wan)
    cfg["pipeline"] = {"lan": "switch"}
    rc, out = run(cfg, tmp)
    expect_refused(rc, out, "ports[1].role: config.pipeline names no feature for role wan", "wan without feature")
    cfg = base(tmp, "sxst%d_pr2" % pid)
    cfg["pipeline"] = {"lan": "switch", "uplink": "forward"}
    rc, out = run(cfg, tmp)
    expect_refused(rc, out, "config.pipeline.uplink: not a port role", "unknown role")
    cfg = base(tmp, "sxst%d_pr3" % pid, ports=wan)
    cfg["pipeline"] = {"lan": "switch", "wan": "sdwan"}
    rc, out = run(cfg, tmp)
    expect_refused(rc, out, 'pipeline "sdwan" unknown (known: ', "unknown feature")



@R.test
@with_tmp
def test_burst_bounds(tmp):
    """config.burst is 1..256 (rte_graph's stream): outside, start is refused naming it."""
    for i, n in enumerate((0, 257)):
        cfg = base(tmp, "sxst%d_bu%d" % (os.getpid(), i))
        cfg["burst"] = n
        rc, out = run(cfg, tmp)
        expect_refused(rc, out, "burst", "burst %d" % n)


@R.test
@with_tmp
def test_table_sizes(tmp):
    """config.table_sizes sizes a table by name; a name the pipeline does not
    have, or a size out of range, is refused with the field named."""
    pid = os.getpid()
    cfg = base(tmp, "sxst%d_ts1" % pid)
    cfg["table_sizes"] = {"routes": 1000}
    rc, out = run(cfg, tmp)
    expect_refused(rc, out, "config.table_sizes.routes: the pipeline has no such table",
                   "a switch table in the forward pipeline")
    cfg = base(tmp, "sxst%d_ts2" % pid)
    cfg["table_sizes"] = {"flow": 0}
    rc, out = run(cfg, tmp)
    expect_refused(rc, out, "config.table_sizes.flow", "size 0")
    # the meters table: ids 1..size - 1, at most the cap (QOS_METER_ID_CAP + 1)
    for i, n in enumerate((1, (1 << 20) + 1)):
        cfg = base(tmp, "sxst%d_ts%d" % (pid, 3 + i))
        cfg["pipeline"] = "switch"
        cfg["table_sizes"] = {"meters": n}
        rc, out = run(cfg, tmp)
        expect_refused(rc, out, "config.table_sizes.meters: %d, must be 2..1048576" % n, "meters %d" % n)
    with T.Sxdp({"p0": [], "p1": []}, pipeline="switch",
                extra_cfg={"table_sizes": {"routes": 300000, "fdb": 1000}}) as dp:
        sizes = {t["name"]: t["size"] for t in dp.rpc("pipeline.describe")["tables"]}
        expect_eq((sizes["routes"], sizes["fdb"], sizes["neigh"]), (300000, 1000, 65536),
                  "sizes in pipeline.describe")
        dp.stop()


@R.test
@with_tmp
def test_shared_port(tmp):
    """AF_XDP shared-NIC mode is refused where it cannot be: on another
    driver, with a program of the devargs' own, with a program that is not
    there. (tests/e2e/xdp_shared.sh runs it.)"""
    pid = os.getpid()
    cfg = base(tmp, "sxst%d_sh1" % pid)
    cfg["ports"][0]["shared"] = True
    rc, out = run(cfg, tmp)
    expect_refused(rc, out, "config.ports[0].shared: only an AF_XDP port", "shared net_null")
    cfg = base(tmp, "sxst%d_sh2" % pid, ports=[
        {"name": "p0", "devargs": "net_af_xdp0,iface=lo,xdp_prog=/tmp/x.o", "shared": True},
        {"name": "p1", "devargs": "net_null1"}])
    rc, out = run(cfg, tmp)
    expect_refused(rc, out, "config.ports[0].devargs: a shared port loads sxdp's XDP program",
                   "shared with xdp_prog= in devargs")
    cfg = base(tmp, "sxst%d_sh3" % pid, ports=[
        {"name": "p0", "devargs": "net_af_xdp0,iface=lo", "shared": True},
        {"name": "p1", "devargs": "net_null1"}])
    cfg["xdp_prog"] = os.path.join(tmp, "missing.bpf.o")
    rc, out = run(cfg, tmp)
    expect_refused(rc, out, "config.xdp_prog: %s: No such file" % cfg["xdp_prog"],
                   "a program that is not there")


if __name__ == "__main__":
    R.main()
