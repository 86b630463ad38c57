#!/usr/bin/python3
"""A pair of boxes as one UPF, at scale: Session Establishments with the standby's sxcd
taking the journal (answers wait for its commit) against the same without a standby, in one
run; then the active's sxdp killed and the standby's router made master: how long until the
standby's sxcd serves, until every session is in its sxdp, how many of them it kept, and
whether the SMF sees the same Recovery Time Stamp. A benchmark, not a test: it prints what it
measured and the conditions, asserts nothing.

  flock /tmp/bench.lock env BUILD=build /usr/bin/python3 bench/pair_pfcp.py [--sessions 10000] [--window 64]

Both boxes on this one VM (two sxdp on net_pcap ports without traffic, two sxcd with
--pfcp-pair on loopback, the SMF this Python process), as tests/packet/test_ha.py's
pair_pfcp_sessions_taken_over: a's router on the N3 link master alone (advertisements every
10 ms), b's backup (every 41 s) until its VRID is changed after a's death (then master within
three 10 ms intervals). Sessions are pfcp_bench.py's (free5GC's shape, one URR).
"""
import argparse
import os
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "packet"))
sys.path.insert(0, HERE)
import sxcdtest as S  # noqa: E402
from sxdptest import Sxdp  # noqa: E402
import pfcp_smf as P  # noqa: E402
import pfcp_bench as PB  # noqa: E402


def link(adv, vrid):
    return {"peer": "x", "priority": 100, "advert_ms": adv, "preempt_hold_s": 0,
            "upf_links": [{"upf": "edge", "link": "n3", "vrid": vrid, "address": "192.0.2.2", "peer": "192.0.2.3"}]}


UPF = {"slice": "mec", "ue_pool": "10.64.0.0/10", "network_instances": ["internet"],
       "n3": {"port": "n3", "address": "192.0.2.1/24"}, "n9": {"port": "n9", "address": "198.51.100.1/24"}}


def setup(cd, pair):
    cd.req("PUT", "/api/v1/site", {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}], "pair": pair}})
    mec = S.slice_("mec", 1, "lan1", 5000)
    del mec["spec"]["vni"]
    cd.req("PUT", "/api/v1/slices/mec?wait=1", mec)
    code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": UPF})
    if res.get("status", {}).get("phase") != "Ready":
        raise SystemExit("upf: %s" % res)


def pair_of(cd):
    try:
        return cd.status()["services"]["pfcp"].get("pair") or {}
    except Exception:   # noqa: BLE001 (restarting)
        return {}


def until(fn, bound=120):
    deadline = time.monotonic() + bound
    while not fn():
        if time.monotonic() > deadline:
            raise SystemExit("waited %d s" % bound)
        time.sleep(0.005)
    return time.monotonic()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=10000)
    ap.add_argument("--window", type=int, default=64)
    a = ap.parse_args()
    n = a.sessions
    big = 1 << (n * 2 - 1).bit_length()
    sizes = {"sessions_uplink": big, "sessions_downlink": big, "sessions_n9_downlink": big, "sessions_downlink6": big,
             "meters": min(4 * big, 1 << 20)}
    d = tempfile.mkdtemp(prefix="sxdp-pairbench-")
    key = os.path.join(d, "pair.key")
    with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(os.urandom(24).hex())
    n4, qa, qb = PB.free_udp(), S.free_port(), S.free_port()

    def args(listen, peer):
        return ["--pfcp", "127.0.0.1:%d" % n4, "--pfcp-node-id", "127.0.0.1", "--pfcp-pair", "127.0.0.1:%d" % peer,
                "--pfcp-pair-listen", "127.0.0.1:%d" % listen, "--pfcp-pair-key", key]
    opts = dict(pipeline={"n3": "upf", "n9": "upf", "lan": "switch"}, port_opts={"n3": {"role": "n3"},
                "n9": {"role": "n9"}}, mem_mb=2048, extra_cfg={"table_sizes": sizes})
    with Sxdp({"n3": [], "n9": [], "lan1": []}, **opts) as dpa, Sxdp({"n3": [], "n9": [], "lan1": []}, **opts) as dpb, \
            S.Sxcd(dpa.sock_path, resync_ms=60000, extra=args(qa, qb)) as cda, \
            S.Sxcd(dpb.sock_path, resync_ms=60000, extra=args(qb, qa)) as cdb:
        setup(cda, link(10, 3))
        setup(cdb, link(40950, 3))
        until(lambda: pair_of(cda).get("role") == "active" and pair_of(cdb).get("in_sync"))
        smf = P.Smf(("127.0.0.1", n4), profile="oai")
        if P.ie(smf.associate(), P.IE_CAUSE).cause != 1:
            raise SystemExit("no association")
        rts0 = P.ie(smf.heartbeat(), P.IE_RECOVERY).timestamp
        est = smf.wrap(P.PFCPSessionEstablishmentRequest(IE_list=smf.est_ies(
            0x5EED5EED5EED, "10.127.254.253", gnb="192.0.2.10", gnb_teid=0x0BADF00D, ul_teid=0x0DEFACED,
            ul_addr="192.0.2.1", vol_threshold=1 << 40)), 1, seid=0)
        tpl = PB.Template(est, {"cp": (0x5EED5EED5EED, 6), "gt": (0x0BADF00D, 4), "ut": (0x0DEFACED, 4)})
        ue_at = [i for i in range(len(tpl.b) - 3) if tpl.b[i:i + 4] == bytes([10, 127, 254, 253])]
        seq = [100]

        def ests(lo, hi):
            out = []
            for k in range(lo, hi):
                seq[0] += 1
                b = bytearray(tpl.make(seq[0], cp=0x10000 + k, gt=0x100000 + k, ut=0x200000 + k))
                for i in ue_at:
                    b[i:i + 4] = (PB.UE0 + k + 1).to_bytes(4, "big")
                out.append(bytes(b))
            return out
        # a tenth without a standby (its sxcd stopped), then the rest with it
        k = n // 10
        cdb.stop()
        lat0, ans0, t0 = PB.run(smf, ests(0, k), a.window)
        cdb.start(synced=False)
        until(lambda: pair_of(cda).get("peer_connected") and pair_of(cdb).get("in_sync"))
        lat1, ans1, t1 = PB.run(smf, ests(k, n), a.window)
        bad = sum(1 for r in list(ans0.values()) + list(ans1.values()) if PB.cause_of(r) != 1)
        pa = pair_of(cda)
        print("sessions: %d established (%d refused)" % (n, bad))
        print("  without a standby: %d in %.2f s, %.0f/s, %s" % (k, t0, k / t0, PB.lat(lat0)))
        print("  with the standby's commit first: %d in %.2f s, %.0f/s, %s" % (n - k, t1, (n - k) / t1, PB.lat(lat1)))
        print("  the stream: %d commits, %d acknowledged, %d ack timeouts, %d snapshots" %
              (pa.get("commits", 0), pa.get("acks", 0), pa.get("ack_timeouts", 0), pa.get("snapshots", 0)))
        # a dies; b's router made master
        dpa.proc.send_signal(signal.SIGKILL)
        t_kill = time.monotonic()
        dpa.proc.wait()
        cdb.req("PUT", "/api/v1/site", {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}],
                                                                  "pair": link(10, 4)}})
        t_put = time.monotonic()
        t_master = until(lambda: any(r["state"] == "master" for r in dpb.rpc("ha.vrrp")))
        t_serve = until(lambda: pair_of(cdb).get("role") == "active")

        def written():
            s = (cdb.status()["services"]["pfcp"].get("sessions") or {})
            return s.get("restoring") is False and s.get("taken_over", 0) > 0 and s.get("batches", 0) > 0 and \
                len(dpb.table_read("sessions_uplink")[0]) >= n - bad
        t_written = until(written)
        st = cdb.status()["services"]["pfcp"]["sessions"]
        rows = {t: len(dpb.table_read(t)[0]) for t in ("sessions_uplink", "sessions_downlink", "terminations_uplink",
                                                         "terminations_downlink")}
        rts1 = P.ie(smf.heartbeat(), P.IE_RECOVERY).timestamp
        print("takeover (a's sxdp killed %.0f ms before b's router was made master by its new VRID):" %
              ((t_put - t_kill) * 1e3))
        print("  b's router master %.0f ms after the change, its sxcd serving %.0f ms after, every session in "
              "its sxdp %.0f ms after that (%.0f ms from the router)" %
              ((t_master - t_put) * 1e3, (t_serve - t_master) * 1e3, (t_written - t_serve) * 1e3,
               (t_written - t_master) * 1e3))
        print("  sessions kept: %d of %d (b's books %d, taken over %d); b's sxdp rows %s" %
              (min(rows["sessions_uplink"], st["total"]), n - bad, st["total"], st["taken_over"], rows))
        print("  the SMF's Heartbeat: Recovery Time Stamp %s (was %s)" % (rts1, rts0))
        smf.close()


if __name__ == "__main__":
    main()
