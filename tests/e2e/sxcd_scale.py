#!/usr/bin/python3
"""sxcd at scale, the e2e tier's size (issue 52): 1,000 slices and 10,000 UPF
sessions resident; then, for WINDOW_S, a PFCP SMF heartbeats and modifies
sessions, a client polls GET /api/v1/status back to back, and a big change
applies (a new upf intent of 2,000 sessions, two slice changes). Asserted:
sxcd's event loop never held past HOLD_BOUND_S over the window (its own
/status sxdp.loop_lag), every heartbeat answered within HB_BOUND_S, every
modification answered with cause 1, every poll answered 200, the changes
Ready. It prints what it measured. It catches regressions (multi-second
holds), not the figures: those are bench/sxcd_scale.py's, whose pieces this
reuses.

  BUILD=build /usr/bin/python3 tests/e2e/sxcd_scale.py
"""
import importlib.util
import multiprocessing
import os
import queue
import sys
import threading
import time

if importlib.util.find_spec("scapy") is None:   # the test SMF is scapy's PFCP layer
    print("SKIP: %s has no scapy (apt-get install python3-scapy; run with /usr/bin/python3)" % sys.executable)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "packet"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq  # noqa: E402
import sxcdtest as S  # noqa: E402
import pfcp_smf as P  # noqa: E402
import pfcp_bench as PB  # noqa: E402

# bench/sxcd_scale.py shares this file's name: loaded from its path, so that this
# script (the directory sys.path starts with) is never taken for it
_spec = importlib.util.spec_from_file_location("bench_sxcd_scale", os.path.join(ROOT, "bench", "sxcd_scale.py"))
SB = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(SB)

R = T.Runner()

N_SLICES = 1000
N_UPFS = 5            # resident upf intents; the big change is one more
N_SESS = 2000         # sessions an upf intent: 10,000 resident
N_PFCP = 200          # PFCP sessions on u00 the SMF modifies
WINDOW_S = 20         # the concurrent window: the SMF's requests span it
MOD_RATE = 100        # Session Modifications a second
HB_EVERY = 50         # one Heartbeat Request every 50 modifications: every 0.5 s at MOD_RATE
CHANGE_AT_S = 3       # the big change starts this far into the window: a steady stretch before it
SLICE_CHANGES = (500, 999)   # slices without a upf intent of their own

# Deadlines for events awaited (never a fixed sleep standing for one). Measured here
# (2 vCPUs, one of them sxdp's polling worker): the slices Ready 1-2 s after their
# apply, the 10k sessions 2-3.5 s after their PUTs; with two CPU hogs beside the test,
# 3 s and 8 s. READY_S allows a slow CI machine 15x that.
READY_S = 120
# The loop's longest hold over the window may not exceed this. Measured here over 5
# runs: at most 0.38 s in the window (a compile, what follows it, a dry run: being
# reduced), 0.25-0.4 s while loading (not asserted); with two CPU hogs beside the
# test, under 0.5 s in the window and 0.9 s while loading: a busy machine's CPU steal
# adds to every tick's lateness. 2.5 s is 5x the worst window seen and still catches
# what this test is for, a regression to multi-second holds, which a client and an
# SMF (below) notice. It is one of cd_lag.c's histogram bounds, so that "no tick of
# the window later than it" is read exactly from the histogram's counts.
HOLD_BOUND_S = 2.5
# A Heartbeat Request unanswered past an SMF's T1 is sent again and, after N1 of those,
# the association is lost: Open5GS's T1 is 2.5 s (10 s message duration / (N1 3 + 1)).
# Measured here: at most 0.19 s (0.17 s with the CPU hogs).
HB_BOUND_S = 2.5


def loop_lag(c):
    """sxcd's /status sxdp.loop_lag now."""
    code, st = c.req("GET", "/api/v1/status")
    expect_eq(code, 200, "GET /status")
    return st["sxdp"]["loop_lag"]


def as_hist(ll):
    """A loop_lag as bench/sxcd_scale.py's lag_of gives it: (ticks, {bound: ticks at most that late})."""
    return ll["count"], {b: n for b, n in ll["buckets"]}


def window_max(a, b):
    """The longest tick lateness between loop_lag a and b: exact when it is a new maximum
    since start, else the histogram's bound (the smallest holding every tick of the window)."""
    if b["max_seconds"] > a["max_seconds"]:
        return b["max_seconds"], "%.0f ms (sxcd running %.0f ms of it: the rest the machine ran others)" % (
            b["max_seconds"] * 1e3, b.get("max_running_seconds", 0) * 1e3)
    n, ha = as_hist(a)
    m, hb = as_hist(b)
    for x in sorted(hb):
        if hb[x] - ha.get(x, 0) == m - n:
            return x, "<= %g ms (the histogram's bound; %.0f ms before the window)" % (x * 1e3,
                                                                                     a["max_seconds"] * 1e3)
    return float("inf"), "> %g ms" % (max(hb) * 1e3)


def held_by(ll):
    return ", ".join("%s %.0f ms" % (k, v * 1e3) for k, v in sorted(ll["held_by"].items(), key=lambda kv: -kv[1])) \
        or "nothing past 50 ms"


def wait_ready(c, want, what):
    """Until `want` intents are all Ready (sxdp holds them); a Failed or Error one fails at once."""
    t0 = time.monotonic()
    while True:
        code, st = c.req("GET", "/api/v1/status")
        expect_eq(code, 200, "GET /status")
        phases = st["intents"]
        if set(phases) == {"Ready"} and phases["Ready"] == want:
            return time.monotonic() - t0
        bad = {p: n for p, n in phases.items() if p in ("Failed", "Error", "Degraded")}
        if bad:
            raise T.TestFailure("%s: intents %s" % (what, phases))
        if time.monotonic() - t0 > READY_S:
            raise T.TestFailure("%s: not all %d Ready in %d s: %s" % (what, want, READY_S, phases))
        time.sleep(0.2)


def smf_window(smf, reqs, rate, out):
    """The SMF's requests paced over the window (a thread: the main one waits on the big
    change's answer meanwhile)."""
    try:
        lat_by = {}
        _, ans, secs = PB.paced(smf, reqs, rate, lat_by=lat_by)
        out.update(ans=ans, lat_by=lat_by, secs=secs)
    except SystemExit as e:   # paced's: nothing answered for 5 s
        out["error"] = str(e)
    except Exception as e:  # handed to the main thread
        out["error"] = "%s: %s" % (type(e).__name__, e)


def ms(xs):
    if not xs:
        return "none"
    return "p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)" % (SB.pct(xs, 50) * 1e3, SB.pct(xs, 99) * 1e3,
                                                            max(xs) * 1e3, len(xs))


@R.test
def test_loop_not_held_at_scale():
    """1,000 slices and 10k sessions resident; for WINDOW_S an SMF heartbeats and modifies
    sessions, /status is polled, a 2,000-session upf intent and two slice changes apply:
    no loop hold past HOLD_BOUND_S, heartbeats answered within HB_BOUND_S, modifications
    accepted, polls answered."""
    expect(HOLD_BOUND_S in (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
           "HOLD_BOUND_S is one of cd_lag.c's bounds")
    n_sess = (N_UPFS + 1) * N_SESS + N_PFCP
    # as the bench sizes them: a session takes two URR ids, from the intents' half of the
    # session and termination tables (up_kind.c upf_urr_max)
    sizes = {"svi": 4096, "vnis": 4096, "peers": 8192, "tunnels": 8192, "policies": 8192,
             "sessions_uplink": 2 * n_sess + 16384, "sessions_downlink": 2 * n_sess + 16384}
    pport = PB.free_udp()
    with T.Sxdp(S.PORTS, pipeline=S.PIPE, port_opts=S.WAN, mem_mb=2048,
                extra_cfg={"table_sizes": sizes}) as dp, \
            S.Sxcd(dp.sock_path, resync_ms=10000, extra=["--pfcp", "127.0.0.1:%d" % pport,
                                                         "--pfcp-node-id", "127.0.0.1"]) as cd:
        c = SB.Client(cd.url, cd.token)
        items = [S.SITE, S.PEER] + [{"kind": "slices", "metadata": {"name": "s%04d" % i}, "spec": SB.slice_spec(i)}
                                    for i in range(N_SLICES)]
        code, res = c.req("POST", "/api/v1/apply", {"items": items})
        expect_eq(code, 200, "apply of the site, a peer and %d slices: %s" % (N_SLICES, str(res)[:300]))
        took = wait_ready(c, 2 + N_SLICES, "the slices")
        print("#   %d slices (and the site, a peer) Ready %.1f s after their apply" % (N_SLICES, took))
        t0 = time.monotonic()
        for u in range(N_UPFS):
            code, res = c.req("PUT", "/api/v1/upf/u%02d" % u, {"spec": SB.upf_spec(u, N_SESS)})
            expect(code in (200, 201), "PUT upf u%02d: %d %s" % (u, code, str(res)[:300]))
        wait_ready(c, 2 + N_SLICES + N_UPFS, "the upf intents")
        print("#   %d upf intents of %d sessions Ready %.1f s after the first PUT" % (N_UPFS, N_SESS,
                                                                                   time.monotonic() - t0))
        print("#   loop held while loading (not asserted): max %.0f ms; by %s" % (
            loop_lag(c)["max_seconds"] * 1e3, held_by(loop_lag(c))))

        smf = P.Smf(("127.0.0.1", pport), profile="oai")
        r = smf.associate()
        expect(r is not None and P.ie(r, P.IE_CAUSE).cause == 1, "PFCP association")
        try:
            _, ans, _ = PB.run(smf, SB.pfcp_establishments(smf, N_PFCP), 64)
        except SystemExit as e:
            raise T.TestFailure("PFCP establishments: %s" % e)
        seids = [PB.fseid_of(r) for r in ans.values() if PB.cause_of(r) == 1]
        expect_eq(len(seids), N_PFCP, "PFCP sessions established on u00")
        mods = SB.handovers(smf, seids, MOD_RATE * WINDOW_S, [10 ** 6])
        # the SMF's Recovery Time Stamp of its association: a new one would say it restarted
        hbs = [bytes(smf.wrap(P.PFCPHeartbeatRequest(IE_list=[P.IE_RecoveryTimeStamp(timestamp=smf.rts)]),
                              0x800000 + k)) for k in range(len(mods) // HB_EVERY)]
        reqs = []
        for k, m in enumerate(mods):
            if k % HB_EVERY == 0:
                reqs.append(hbs[k // HB_EVERY])
            reqs.append(m)
        hb_seqs = {PB.seq_of(b) for b in hbs}
        mod_seqs = {PB.seq_of(b) for b in mods}
        upf_new = {"spec": SB.upf_spec(N_UPFS, N_SESS)}

        # the window: the poller is a process (its GETs are not paced by this one's GIL),
        # started before the SMF's thread (no fork with threads running)
        stop = multiprocessing.Event()
        q = multiprocessing.Queue()
        poller = multiprocessing.Process(target=SB.bystander, args=(cd.url, cd.token, stop, q), daemon=True)
        pf_out = {}
        pf = threading.Thread(target=smf_window, args=(smf, reqs, MOD_RATE * (HB_EVERY + 1) / HB_EVERY, pf_out),
                              daemon=True)
        lag0 = loop_lag(c)
        try:
            poller.start()
            t_win = time.monotonic()
            pf.start()
            time.sleep(CHANGE_AT_S)
            t = time.monotonic()
            code, res = c.req("PUT", "/api/v1/upf/u%02d?wait=1" % N_UPFS, upf_new)
            t_upf = time.monotonic() - t
            expect(code == 201 and res["status"]["phase"] == "Ready",
                   "a new upf intent of %d sessions, PUT ?wait=1: %d %s" % (N_SESS, code, str(res)[:300]))
            t_slices = []
            for i in SLICE_CHANGES:
                t = time.monotonic()
                code, res = c.req("PUT", "/api/v1/slices/s%04d?wait=1" % i, {"spec": SB.slice_spec(i, via=3)})
                t_slices.append(time.monotonic() - t)
                expect(code == 200 and res["status"]["phase"] == "Ready",
                       "slice s%04d changed, PUT ?wait=1: %d %s" % (i, code, str(res)[:300]))
            t_changed = time.monotonic() - t_win
            pf.join(WINDOW_S + 60)
            expect(not pf.is_alive(), "the SMF's requests ended")
            t_end = time.monotonic() - t_win
        finally:
            stop.set()
        errors, lat_st = [], None
        deadline = time.monotonic() + 30
        while lat_st is None:
            try:
                kind, v = q.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise T.TestFailure("the status poller ended without its latencies (exit code %s)" % poller.exitcode)
            if kind == "lat":
                lat_st = v
            else:
                errors.append(v)
        poller.join(10)
        lag1 = loop_lag(c)

        if "error" in pf_out:
            raise T.TestFailure("the SMF: %s" % pf_out["error"])
        ans, lat_by = pf_out["ans"], pf_out["lat_by"]
        lat_hb = [lat_by[s] for s in hb_seqs]
        lat_mod = [lat_by[s] for s in mod_seqs]
        not_hb = sorted(s for s in hb_seqs if ans[s][1] != P.HEARTBEAT_RSP)
        refused = sorted((s, PB.cause_of(ans[s])) for s in mod_seqs if PB.cause_of(ans[s]) != 1)
        worst, worst_txt = window_max(lag0, lag1)
        n, h0 = as_hist(lag0)
        m, h1 = as_hist(lag1)
        over = (m - n) - (h1[HOLD_BOUND_S] - h0.get(HOLD_BOUND_S, 0))
        raised = {k: v for k, v in lag1["held_by"].items() if lag0["held_by"].get(k) != v}

        print("#   window %.1f s: the changes done %.1f s in (a %d-session upf intent PUT ?wait=1 %.2f s; "
              "slice changes %s s); load average %s" % (
                  t_end, t_changed, N_SESS, t_upf, ", ".join("%.2f" % x for x in t_slices),
                  open("/proc/loadavg").read().split()[0]))
        print("#   loop lag over the window: %s; longest %s; %d tick(s) past HOLD_BOUND_S %.1f s" % (
            SB.lag_between(as_hist(lag0), as_hist(lag1)), worst_txt, over, HOLD_BOUND_S))
        print("#   held past 50 ms by (since start): %s" % held_by(lag1))
        print("#   of which raised during the window: %s" % (held_by({"held_by": raised}) if raised else "none"))
        print("#   heartbeats every %.1f s: answer %s" % (HB_EVERY / MOD_RATE, ms(lat_hb)))
        print("#   Session Modifications at %d/s: answer %s; refused %d" % (MOD_RATE, ms(lat_mod), len(refused)))
        print("#   GET /status back to back: %s; errors %d" % (ms(lat_st), len(errors)))

        fails = []
        if over or worst > HOLD_BOUND_S:
            fails.append("the loop was held %s, past HOLD_BOUND_S %.1f s (%d ticks)" % (worst_txt, HOLD_BOUND_S, over))
        if max(lat_hb) > HB_BOUND_S:
            fails.append("a heartbeat answered in %.2f s, past HB_BOUND_S %.1f s" % (max(lat_hb), HB_BOUND_S))
        if not_hb:
            fails.append("heartbeats answered by other than a Heartbeat Response: seq %s" % not_hb[:10])
        if refused:
            fails.append("%d modifications refused: (seq, cause) %s" % (len(refused), refused[:10]))
        if errors:
            fails.append("%d status polls failed: %s" % (len(errors), errors[:10]))
        if not lat_st:
            fails.append("no status poll answered")
        if fails:
            print("#   loop_lag histogram before the window: %s" % lag0["buckets"])
            print("#   loop_lag histogram after the window:  %s" % lag1["buckets"])
            print("#   held_by: %s" % lag1["held_by"])
            raise T.TestFailure("; ".join(fails))
        cd.stop()
        dp.stop()   # exit 0, its socket removed


if __name__ == "__main__":
    if not os.access(S.sxcd_path(), os.X_OK):
        print("not ok - sxcd: %s missing (build first)" % S.sxcd_path())
        print("0 passed, 1 failed")
        sys.exit(1)
    R.main()
