#!/usr/bin/python3
"""sxcd under a buggy orchestrator and a failing disk, against a real sxdp: colliding
intents (refused at write time, the older wins a race), capacity, a full or read-only
store, a corrupt stored intent, withdrawals whose entries were touched behind sxcd's back,
a prune racing a withdrawal, kill -9 in the middle of a large apply.

Each case states what must hold and checks sxdp's tables, not only sxcd's word.
"""
import contextlib
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402
from sxcdtest import (PEER, PIPE, PORTS, SITE, UPF, WAN, Sxcd, expect_err, slice_,  # noqa: E402
                      snap_diff, snapshot, sxcd_path)

R = T.Runner()


def settled_all(cd):
    return cd.wait_settled()


def owned_by(dp, vrf):
    """Entries of the tables a slice writes that name VRF/BD/slice `vrf`."""
    return owned_by_snap(snapshot(dp), vrf)


def owned_by_snap(snap, vrf):
    """owned_by() over a snapshot already read."""
    out = []
    for t, ents in snap.items():
        for e in ents:
            d = json.loads(e)
            m, p = d["match"], d.get("params", {})
            if m.get("vrf") == vrf or m.get("bd") == vrf or p.get("slice") == vrf or p.get("vrf") == vrf \
                    or m.get("slice") == vrf:
                out.append("%s %s" % (t, e))
    return out


@contextlib.contextmanager
def mounted(path, opts):
    """`path` as a fresh tmpfs (opts "size=..."), or bind-mounted read-only (opts "ro")."""
    if opts == "ro":
        subprocess.check_call(["mount", "--bind", path, path])
        subprocess.check_call(["mount", "-o", "remount,bind,ro", path])
    else:
        subprocess.check_call(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", path])
    try:
        yield path
    finally:
        subprocess.call(["umount", "-l", path])


def fill(path):
    """Fill the filesystem of `path` to the last byte."""
    for name, chunk in (("filler", 4096), ("filler2", 1)):
        fd = os.open(os.path.join(path, name), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * chunk)
        except OSError:
            pass
        finally:
            os.close(fd)


def fill_but(path, blocks):
    """Fill the filesystem of `path` but for `blocks` of its blocks (a tmpfs: pages, one a
    small file)."""
    fill(path)
    os.unlink(os.path.join(path, "filler2"))
    f = os.path.join(path, "filler")
    os.truncate(f, max(0, os.path.getsize(f) - blocks * os.statvfs(path).f_bsize))


def unfill(path):
    for name in ("filler", "filler2"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(path, name))


# ----------------------------------------------------------------- collisions

@R.test
def test_collisions_refused_at_write_time():
    """A slice claiming a Ready slice's id, VNI or port (alone, in an apply, or an older
    slice replaced to take a younger's port), a second UPF on the first's N3 link and TEIDs:
    409 conflict naming the holder with a pointer; the Ready ones keep every entry, nothing
    is stored."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [
            SITE, PEER, slice_("blue", 1, "lan1", 5000), slice_("red", 2, "lan2", 5001, members=[])]})
        expect_eq(code, 200, "apply: %s" % res)
        ph = settled_all(cd)
        expect(all(v["phase"] == "Ready" for v in ph.values()), "Ready: %s" % ph)
        before = (snapshot(dp), cd.store_files())
        cases = [
            ("slice id", "PUT", "/api/v1/slices/zz", slice_("zz", 1, "lan2", 6000, members=[]), "/spec/id"),
            ("VNI", "PUT", "/api/v1/slices/aa", slice_("aa", 3, "lan2", 5000, members=[]), "/spec/vni"),
            ("port", "PUT", "/api/v1/slices/aa", slice_("aa", 3, "lan1", 6001), "/spec/members/0"),
            ("port by POST", "POST", "/api/v1/slices", slice_("aa", 3, "lan1", 6001), "/spec/members/0"),
            ("port in an apply", "POST", "/api/v1/apply",
             {"items": [slice_("ok", 4, "lan2", 6002, members=[]), slice_("aa", 3, "lan1", 6001)]},
             "/items/1/spec/members/0"),
            ("two new ones colliding", "POST", "/api/v1/apply",
             {"items": [slice_("n1", 7, "lan2", 6007, members=[]), slice_("n2", 7, "lan2", 6008, members=[])]},
             "/items/1/spec/id"),
        ]
        for what, method, path, body, pointer in cases:
            code, res = cd.req(method, path, body)
            expect_err(res, code, 409, "conflict", pointer)
            expect("slices/blue" in json.dumps(res) or what == "two new ones colliding",
                   "%s: names the holder: %s" % (what, res))
            expect_eq((snapshot(dp), cd.store_files()), before, "%s: nothing changed" % what)
        # the older one replaced to take the younger's port: red (Ready) would fail
        code, res = cd.req("PUT", "/api/v1/slices/red", slice_("red", 2, "lan2", 5001))
        expect_eq(code, 200, "red takes lan2: %s" % res)
        settled_all(cd)
        before = (snapshot(dp), cd.store_files())
        code, res = cd.req("PUT", "/api/v1/slices/blue", slice_("blue", 1, "lan2", 5000))
        expect_err(res, code, 409, "conflict")
        expect("slices/red" in json.dumps(res), "names the one it would take down: %s" % res)
        expect_eq((snapshot(dp), cd.store_files()), before, "blue's replacement changed nothing")
        for n in ("blue", "red"):
            expect_eq(cd.req("GET", "/api/v1/slices/" + n)[1]["status"]["phase"], "Ready", "%s Ready" % n)


@R.test
def test_upf_collisions_refused():
    """A second UPF on the first's N3/N9 links and TEIDs, and one reusing a session's uplink
    TEID or UE address in the same UPF's slice: 409, the first keeps its entries."""
    ports = {"n3": [], "n9": [], "lan1": []}
    pipe = {"n3": "upf", "n9": "upf", "lan": "switch"}
    opts = {"n3": {"role": "n3"}, "n9": {"role": "n9"}}
    with Sxdp(ports, pipeline=pipe, port_opts=opts) as dp, Sxcd(dp.sock_path) as cd:
        mec = slice_("mec", 1, "lan1", 5000)
        del mec["spec"]["vni"]
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [
            {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}]}}, mec,
            {"kind": "upf", "metadata": {"name": "edge"}, "spec": UPF}]})
        expect_eq(code, 200, "apply")
        ph = settled_all(cd)
        expect_eq(ph["upf/edge"]["phase"], "Ready", "edge Ready: %s" % ph)
        before = snapshot(dp, ["upf_interfaces", "sessions_uplink", "sessions_downlink", "interfaces", "svi"])
        twin = json.loads(json.dumps(UPF))
        code, res = cd.req("PUT", "/api/v1/upf/twin", {"spec": twin})
        expect_err(res, code, 409, "conflict")
        expect("upf/edge" in json.dumps(res), "names the holder: %s" % res)
        # the same slice, other links, a session reusing edge's session 1 UE address
        other = json.loads(json.dumps(UPF))
        other.pop("n9")
        other["n3"] = {"port": "n3", "address": "192.0.3.2/24", "vlan": 7}
        other["n6_addresses"] = ["10.10.0.253"]
        other["ue_pool"] = "10.46.0.0/16"
        other.pop("local_dns")
        other.pop("rate_bps")
        other["peers"] = [{"name": "gnb1", "address": "192.0.3.10"}]
        other["sessions"] = [{"id": 9, "ue": "10.45.0.1", "uplink": {"teid": 999},
                              "downlink": {"peer": "gnb1", "teid": 1}}]
        code, res = cd.req("PUT", "/api/v1/upf/other", {"spec": other})
        expect_err(res, code, 409, "conflict", "/spec/sessions/0")
        expect_eq(snapshot(dp, ["upf_interfaces", "sessions_uplink", "sessions_downlink", "interfaces", "svi"]),
                  before, "edge's entries untouched")
        expect_eq(cd.req("GET", "/api/v1/upf/edge")[1]["status"]["phase"], "Ready", "edge Ready")
        expect_eq(cd.req("GET", "/api/v1/upf/other")[0], 404, "nothing stored")


@R.test
def test_collision_race_older_wins():
    """Two colliding slices both stored (a race, a restore): the older by creation order keeps
    its entries and stays Ready, whatever the names; the younger is Failed naming it."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        cd = Sxcd(dp.sock_path)
        try:
            cd.start()
            code, res = cd.req("POST", "/api/v1/apply?wait=1",
                               {"items": [SITE, PEER, slice_("blue", 1, "lan1", 5000)]})
            settled_all(cd)
            good = snapshot(dp)
            cd.stop()
            blue = json.load(open(os.path.join(cd.store, "slices", "blue.json")))
            young = slice_("aaa", 1, "lan1", 5000)
            young["metadata"].update({"generation": 1, "serial": blue["metadata"].get("serial", 0) + 1,
                                      "created": "2099-01-01T00:00:00Z", "updated": "2099-01-01T00:00:00Z"})
            with open(os.path.join(cd.store, "slices", "aaa.json"), "w") as f:
                json.dump(young, f)
            cd2 = Sxcd(dp.sock_path, store=cd.store)
            cd2.start()
            try:
                ph = cd2.wait_settled()
                expect_eq(ph["slices/blue"]["phase"], "Ready", "the older stays Ready: %s" % ph)
                expect_eq((ph["slices/aaa"]["phase"], ph["slices/aaa"]["reason"]), ("Failed", "conflict"),
                          "the younger fails")
                expect("slices/blue" in ph["slices/aaa"]["message"], "naming the older")
                expect_eq(snapshot(dp), good, "blue's entries stay")
            finally:
                cd2.stop()
        finally:
            cd.stop()
            shutil.rmtree(cd.store, ignore_errors=True)


# ------------------------------------------------------------------ capacity

@R.test
def test_capacity_is_failed_not_retried():
    """More slices (VRFs) with an SVI than sxdp holds (its routes table runs out of room for
    VRFs before svi's 1024 entries): those past it are Failed with reason capacity naming the
    table and its size, never Error; no run fails for them (no retry loop); /status shows
    each table's used/size."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path, resync_ms=1000) as cd:
        items = [SITE] + [{"kind": "slices", "metadata": {"name": "s%04d" % i}, "spec": {
            "id": 1 + i, "svi": {"address": "10.%d.%d.1/24" % (i // 250, i % 250), "mac": "02:00:00:00:00:01"}}}
            for i in range(1040)]
        code, res = cd.req("POST", "/api/v1/apply", {"items": items})
        expect_eq(code, 200, "apply: %s" % str(res)[:300])
        ph = cd.wait_settled(timeout=120)
        byphase = {}
        for w, v in ph.items():
            byphase.setdefault(v["phase"], []).append(w)
        expect("Error" not in byphase, "none in Error: %s" % {k: len(v) for k, v in byphase.items()})
        failed = [ph[w] for w in byphase.get("Failed", [])]
        expect(len(failed) > 0, "some past the table: %s" % {k: len(v) for k, v in byphase.items()})
        bad = [f for f in failed if not (f["reason"] == "capacity" and "table" in f["message"]
                                         and "size" in f["message"])]
        expect(bad == [], "capacity, the table and its size: %s" % bad[:3])
        runs = cd.status()["sxdp"]["reconcile"]
        time.sleep(2.5)
        st = cd.status()
        expect_eq(st["sxdp"]["reconcile"]["runs_failed"], runs["runs_failed"], "no failed runs, no retry loop")
        expect_eq(st["sxdp"]["reconcile"]["retry_ms"], 0, "nothing to retry")
        svi = st["sxdp"].get("tables", {}).get("svi")
        ready = len(byphase.get("Ready", []))
        expect(svi is not None and svi["size"] == 1024 and svi["used"] >= ready - 1,
               "the headroom of svi in /status: %s (%d Ready)" % (svi, ready))


# --------------------------------------------------------------------- store

@R.test
def test_store_full():
    """The store's filesystem full: a PUT, a POST and an apply answer 507 store_full (JSON),
    nothing changes in memory or sxdp; the intents already stored stay Ready."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        d = tempfile.mkdtemp(prefix="sxcd-full-")
        try:
            with mounted(d, "size=512k"):
                cd = Sxcd(dp.sock_path, store=os.path.join(d, "store"))
                cd.log = d + ".log"
                with cd:
                    code, res = cd.req("POST", "/api/v1/apply?wait=1",
                                       {"items": [SITE, PEER, slice_("blue", 1, "lan1", 5000)]})
                    expect_eq(code, 200, "apply")
                    settled_all(cd)
                    fill(d)
                    before = (snapshot(dp), cd.req("GET", "/api/v1/slices")[1])
                    for method, path, body in (
                            ("PUT", "/api/v1/slices/red", slice_("red", 2, "lan2", 5001)),
                            ("POST", "/api/v1/slices", slice_("red", 2, "lan2", 5001)),
                            ("POST", "/api/v1/apply", {"items": [slice_("red", 2, "lan2", 5001),
                                                                 slice_("green", 3, "lan2", 5002, members=[])]}),
                            ("POST", "/api/v1/apply", {"items": [], "prune": ["slices"]}),
                            ("DELETE", "/api/v1/slices/blue", None)):
                        code, res = cd.req(method, path, body)
                        if method == "DELETE" and code == 200:
                            break   # an unlink may find room: then it is a real withdrawal
                        expect_err(res, code, 507, "store_full")
                        time.sleep(0.3)
                        expect_eq((snapshot(dp), cd.req("GET", "/api/v1/slices")[1]), before,
                                  "%s %s changed nothing" % (method, path))
                    expect_eq(cd.req("GET", "/api/v1/slices/red")[0], 404, "red not there")
        finally:
            shutil.rmtree(d, ignore_errors=True)


@R.test
def test_store_read_only():
    """A read-only store: writes answer 503 store_unavailable, nothing changes."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, slice_("blue", 1, "lan1", 5000)]})
        settled_all(cd)
        before = (snapshot(dp), cd.req("GET", "/api/v1/slices")[1])
        with mounted(cd.store, "ro"):
            for method, path, body in (
                    ("PUT", "/api/v1/slices/red", slice_("red", 2, "lan2", 5001)),
                    ("POST", "/api/v1/apply", {"items": [slice_("red", 2, "lan2", 5001)]}),
                    ("POST", "/api/v1/apply", {"items": [], "prune": ["slices"]}),
                    ("DELETE", "/api/v1/slices/blue", None)):
                code, res = cd.req(method, path, body)
                expect_err(res, code, 503, "store_unavailable")
                time.sleep(0.3)
                expect_eq((snapshot(dp), cd.req("GET", "/api/v1/slices")[1]), before, "%s %s" % (method, path))


READY_BOUND_S = 45   # the retry backs off up to 30 s: a run after it must make the slice Ready
OBSERVE_S = 1.5      # how long a phase is watched for a lapse (the first retries come 1 s, 2 s after)


class Watch:
    """Observations of slices and of sxdp, each made status first, then sxdp's tables: a
    slice that read Ready had its entries in sxdp by then, and entries are never taken
    away in these tests, so the later read of sxdp must hold them all."""

    def __init__(self, cd, dp, slices):
        self.cd, self.dp, self.slices = cd, dp, slices   # name -> slice id
        self.seen = []   # ({name: (phase, reason)}, {name: its entries in sxdp})

    def look(self):
        code, res = self.cd.req("GET", "/api/v1/slices")
        expect_eq(code, 200, "GET slices: %s" % (res,))
        st = {it["metadata"]["name"]: (it["status"]["phase"], it["status"].get("reason"))
              for it in res["items"] if it["metadata"]["name"] in self.slices}
        snap = snapshot(self.dp)
        ents = {n: sorted(owned_by_snap(snap, sid)) for n, sid in self.slices.items()}
        self.seen.append((st, ents))
        return st, ents, snap

    def until_ready(self, names, bound_s, what):
        """Observe until every slice named reads Ready; fails past `bound_s`."""
        deadline = time.monotonic() + bound_s
        while True:
            st, _, _ = self.look()
            if all(st.get(n, ("",))[0] == "Ready" for n in names):
                return
            expect(time.monotonic() < deadline, "%s: not Ready within %d s: %s" % (what, bound_s, st))
            time.sleep(0.05)

    def check(self, final):
        """Every observation in which a slice read Ready had every one of its entries
        (`final`: name -> its entries once settled) in sxdp."""
        expect(all(final[n] for n in self.slices), "each slice has entries: %s" % final)
        for st, ents in self.seen:
            for n, (phase, _reason) in st.items():
                expect(phase != "Ready" or ents[n] == final[n],
                       "%s read Ready with %d of its %d entries in sxdp (missing: %s)" % (
                           n, len(set(final[n]) & set(ents[n])), len(final[n]),
                           sorted(set(final[n]) - set(ents[n]))[:3]))


def held_back(w, names, before, what, seconds=OBSERVE_S):
    """For `seconds`, every observation: the slices named are Error with reason store and
    sxdp holds what it held `before`."""
    end = time.monotonic() + seconds
    while True:
        st, _, snap = w.look()
        for n in names:
            expect_eq(st.get(n), ("Error", "store"), "%s: %s not Ready" % (what, n))
        expect(snap == before, "%s: nothing written to sxdp: %s" % (what, snap_diff(before, snap)))
        if time.monotonic() >= end:
            return
        time.sleep(0.05)


@R.test
def test_ready_means_in_sxdp_when_state_cannot_be_stored():
    """The intents are stored but what sxcd owns cannot be (its state directory read-only):
    nothing is written to sxdp, and the slice is Error (reason store), never Ready; once the
    store is writable again, the first run, whatever starts it (here one with nothing new to
    compile: an unchanged PUT), writes what the refused runs could not, and the slice is
    Ready within a bound. Read at every observation: Ready only with every entry in sxdp."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path, resync_ms=500) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER]})
        expect_eq(code, 200, "site and peer: %s" % (res,))
        settled_all(cd)
        before = snapshot(dp)
        w = Watch(cd, dp, {"blue": 1})
        blue = slice_("blue", 1, "lan1", 5000)
        with mounted(os.path.join(cd.store, "state"), "ro"):
            code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", blue)
            expect_eq(code, 201, "stored: %s" % (res,))
            expect_eq((res["status"]["phase"], res["status"].get("reason")), ("Error", "store"),
                      "answered not Ready: %s" % res["status"])
            held_back(w, ["blue"], before, "read-only")
        # a run with nothing new to compile, right after the store is back: it must carry
        # the writes the refused runs did not make
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", blue)
        expect_eq(code, 200, "unchanged PUT: %s" % (res,))
        w.look()
        w.until_ready(["blue"], READY_BOUND_S, "store writable")
        held = time.monotonic() + OBSERVE_S
        while time.monotonic() < held:
            w.look()
            time.sleep(0.05)
        settled_all(cd)
        final = {"blue": sorted(owned_by(dp, 1))}
        expect(len(final["blue"]) > 3, "its entries in sxdp: %s" % final)
        w.check(final)
        expect_eq(cd.req("GET", "/api/v1/slices/blue")[1]["status"]["phase"], "Ready", "stays Ready")


@R.test
def test_never_ready_while_state_read_only():
    """While what sxcd owns cannot be stored, other runs (an unchanged PUT, another slice
    PUT, which cannot be written either) never make the refused slice Ready: each run
    that would write it is refused again (Error, reason store), sxdp untouched; once the
    store is writable both become Ready with every entry in sxdp, observed strictly."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path, resync_ms=500) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER]})
        expect_eq(code, 200, "site and peer: %s" % (res,))
        settled_all(cd)
        before = snapshot(dp)
        w = Watch(cd, dp, {"blue": 1, "red": 2})
        blue, red = slice_("blue", 1, "lan1", 5000), slice_("red", 2, "lan2", 5001)
        with mounted(os.path.join(cd.store, "state"), "ro"):
            code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", blue)
            expect_eq((code, res["status"]["phase"], res["status"].get("reason")), (201, "Error", "store"),
                      "blue stored, not Ready: %s" % (res,))
            held_back(w, ["blue"], before, "blue refused", seconds=0.3)
            # a run with nothing new (blue unchanged)
            code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", blue)
            expect_eq((code, res["status"]["phase"], res["status"].get("reason")), (200, "Error", "store"),
                      "an unchanged PUT: still not Ready: %s" % (res,))
            held_back(w, ["blue"], before, "after an unchanged PUT", seconds=0.3)
            # a run for another slice
            code, res = cd.req("PUT", "/api/v1/slices/red?wait=1", red)
            expect_eq((code, res["status"]["phase"], res["status"].get("reason")), (201, "Error", "store"),
                      "red stored, not Ready: %s" % (res,))
            held_back(w, ["blue", "red"], before, "after red's PUT")
        w.until_ready(["blue", "red"], READY_BOUND_S, "store writable")
        settled_all(cd)
        final = {"blue": sorted(owned_by(dp, 1)), "red": sorted(owned_by(dp, 2))}
        w.check(final)


N_SLICES = 38
# Free blocks (a tmpfs's pages: one a small file) left when the store fills: room for the
# apply's documents (38, and its journal), not for the run's records (a shard of what sxcd
# owns and of its ids for each slice, their temp files beside them)
ROOM_FOR_THE_INTENTS = N_SLICES + 22
# ... and, for applies one slice at a time, room for a dozen slices and their records, then
# a slice whose records do not fit, then none
ROOM_FOR_SOME = 100


def many_slices():
    """name -> slice id, and the slices (no member ports: any number of them at once)."""
    names = {"s%02d" % i: 10 + i for i in range(N_SLICES)}
    return names, {n: slice_(n, sid, "lan1", 6000 + sid, members=[]) for n, sid in names.items()}


@R.test
def test_ready_means_in_sxdp_when_the_store_fills_during_an_apply():
    """The store's file system has room for an apply's 38 slices but not for what the run
    that writes them must record first (what sxcd owns, its ids): the apply is acknowledged,
    nothing is written to sxdp and every slice is Error (reason store), never Ready, observed
    strictly, also after a run with nothing new to compile (the same apply again); once there
    is room the retry, with nothing else to start a run, makes every slice Ready with its
    entries in sxdp within a bound."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        d = tempfile.mkdtemp(prefix="sxcd-fills-")
        try:
            with mounted(d, "size=2m"):
                cd = Sxcd(dp.sock_path, store=os.path.join(d, "store"), resync_ms=500)
                cd.log = d + ".log"
                with cd:
                    code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER]})
                    expect_eq(code, 200, "site and peer: %s" % (res,))
                    settled_all(cd)
                    before = snapshot(dp)
                    names, items = many_slices()
                    w = Watch(cd, dp, names)
                    fill_but(d, ROOM_FOR_THE_INTENTS)
                    code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": list(items.values())})
                    expect_eq(code, 200, "the apply is stored: %s" % (res,))
                    held_back(w, list(names), before, "no room for what sxcd owns")
                    expect("cannot store what sxcd owns" in cd.logtext(), "logged")
                    # a run with nothing new to compile (the same apply again) still full:
                    # it carries the writes the refused run did not make, and is refused too
                    code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": list(items.values())})
                    expect_eq((code, {c["action"] for c in res.get("changes", [])}), (200, {"unchanged"}),
                              "the same apply again: %s" % (res,))
                    held_back(w, list(names), before, "after a run with nothing new")
                    unfill(d)
                    w.until_ready(list(names), READY_BOUND_S, "room again")
                    settled_all(cd)
                    snap = snapshot(dp)
                    w.check({n: sorted(owned_by_snap(snap, sid)) for n, sid in names.items()})
        finally:
            shutil.rmtree(d, ignore_errors=True)


@R.test
def test_ready_means_in_sxdp_when_the_store_fills_during_a_series():
    """Slices applied one at a time while the store's file system fills: the first are
    Ready, then runs cannot record what sxcd owns (those slices stored, Error), then the
    store refuses the slices themselves (507). Observed after every apply and while it
    stays full: a slice that reads Ready has every entry in sxdp; once there is room, every
    slice acknowledged is Ready with its entries within a bound."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        d = tempfile.mkdtemp(prefix="sxcd-fills-")
        try:
            with mounted(d, "size=2m"):
                cd = Sxcd(dp.sock_path, store=os.path.join(d, "store"), resync_ms=500)
                cd.log = d + ".log"
                with cd:
                    code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER]})
                    expect_eq(code, 200, "site and peer: %s" % (res,))
                    settled_all(cd)
                    names, items = many_slices()
                    w = Watch(cd, dp, names)
                    fill_but(d, ROOM_FOR_SOME)
                    acked, refused, not_ready = [], [], set()
                    for n, it in items.items():
                        code, res = cd.req("POST", "/api/v1/apply", {"items": [it]})
                        expect(code in (200, 507), "%s: stored or refused for want of room: %d %s" % (n, code, res))
                        (acked if code == 200 else refused).append(n)
                        st, _, _ = w.look()
                        not_ready |= {x for x, (ph, why) in st.items() if (ph, why) == ("Error", "store")}
                    held = time.monotonic() + OBSERVE_S
                    while time.monotonic() < held:
                        st, _, _ = w.look()
                        not_ready |= {x for x, (ph, why) in st.items() if (ph, why) == ("Error", "store")}
                        time.sleep(0.05)
                    expect(len(acked) > 0 and (refused or not_ready),
                           "the store filled during the series: %d stored, %d refused, Error: %s" % (
                               len(acked), len(refused), sorted(not_ready)))
                    unfill(d)
                    w.until_ready(acked, READY_BOUND_S, "room again")
                    settled_all(cd)
                    snap = snapshot(dp)
                    w.slices = {n: names[n] for n in acked}
                    w.check({n: sorted(owned_by_snap(snap, names[n])) for n in acked})
                    print("#   %d stored (%d of them Error for a while), %d refused" % (
                        len(acked), len(not_ready), len(refused)))
        finally:
            shutil.rmtree(d, ignore_errors=True)


@R.test
def test_corrupt_intent_quarantined():
    """A stored intent whose file no longer parses: quarantined (listed, in /status and the
    log, the file kept) and its entries stay in sxdp across resyncs; a DELETE of the name
    removes file and entries; a PUT replacing it takes over."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        cd = Sxcd(dp.sock_path, resync_ms=300)
        try:
            cd.start()
            cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, slice_("red", 2, "lan2", 5001)]})
            settled_all(cd)
            without = snapshot(dp)
            cd.req("PUT", "/api/v1/slices/blue?wait=1", slice_("blue", 1, "lan1", 5000))
            settled_all(cd)
            good = snapshot(dp)
            cd.stop()
            path = os.path.join(cd.store, "slices", "blue.json")
            for corrupt in (b"{\"kind\": \"slices\", \"metad", b'{"kind": "slices", "spec": {"id": "one"}}'):
                with open(path, "wb") as f:
                    f.write(corrupt)
                cd.start()
                time.sleep(1.2)   # several resyncs
                expect_eq(snapshot(dp), good, "blue's entries kept: %s" % (snap_diff(good, snapshot(dp)),))
                code, res = cd.req("GET", "/api/v1/slices/blue")
                expect_eq((code, res.get("status", {}).get("phase")), (200, "Quarantined"), "listed: %s" % res)
                st = cd.status()
                expect_eq([q["intent"] for q in st["store"]["quarantined"]], ["slices/blue"], "in /status")
                expect_eq(st["intents"].get("Quarantined"), 1, "counted")
                expect("quarantined" in cd.logtext(), "logged")
                expect_eq(open(path, "rb").read(), corrupt, "the file is kept as it was")
                cd.stop()
            cd.start()
            code, res = cd.req("DELETE", "/api/v1/slices/blue?wait=1")
            expect_eq(code, 200, "the operator withdraws it: %s" % res)
            expect_eq(snapshot(dp), without, "its entries go")
            expect(not os.path.exists(path), "its file goes")
            cd.stop()
            with open(path, "wb") as f:
                f.write(b"garbage")
            cd.start()
            code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", slice_("blue", 1, "lan1", 5000))
            expect_eq((code, res["status"]["phase"]), (201, "Ready"), "a PUT replaces it: %s" % res)
            expect_eq(cd.status()["store"]["quarantined"], [], "no longer quarantined")
            expect_eq(snapshot(dp), good, "its entries")
        finally:
            cd.stop()
            shutil.rmtree(cd.store, ignore_errors=True)


@R.test
def test_long_stored_name_quarantined():
    """An intent an older sxcd stored under a name longer than today's 63 characters: not
    dropped (its entries stay in sxdp across resyncs), quarantined under a name the API
    takes, with the file named in /status; a DELETE of that name removes file and entries."""
    longname = "edge-" + "x" * 95
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        cd = Sxcd(dp.sock_path, resync_ms=300)
        try:
            cd.start()
            cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, slice_("red", 2, "lan2", 5001)]})
            settled_all(cd)
            without = snapshot(dp)
            cd.req("PUT", "/api/v1/slices/blue?wait=1", slice_("blue", 1, "lan1", 5000))
            settled_all(cd)
            good = snapshot(dp)
            cd.stop()
            # what the older sxcd left: the file and its ownership under the long name
            sl = os.path.join(cd.store, "slices")
            doc = json.load(open(os.path.join(sl, "blue.json")))
            doc["metadata"]["name"] = longname
            os.unlink(os.path.join(sl, "blue.json"))
            json.dump(doc, open(os.path.join(sl, longname + ".json"), "w"))
            for f in glob.glob(os.path.join(cd.store, "state", "own.*.json")):
                text = open(f).read()
                open(f, "w").write(text.replace('"slices/blue"', '"slices/%s"' % longname))
            cd.start()
            time.sleep(1.2)   # several resyncs
            expect_eq(snapshot(dp), good, "its entries kept: %s" % (snap_diff(good, snapshot(dp)),))
            q = cd.status()["store"]["quarantined"]
            expect_eq([x["file"] for x in q], ["slices/%s.json" % longname], "in /status: %s" % q)
            alias = q[0]["intent"].split("/", 1)[1]
            expect(len(alias) <= 63 and alias.startswith("edge-x"), "a name the API takes: %s" % alias)
            code, res = cd.req("GET", "/api/v1/slices/" + alias)
            expect_eq((code, res.get("status", {}).get("phase")), (200, "Quarantined"), "listed: %s" % res)
            code, res = cd.req("DELETE", "/api/v1/slices/%s?wait=1" % alias)
            expect_eq(code, 200, "the operator withdraws it: %s" % res)
            expect_eq(snapshot(dp), without, "its entries go")
            expect(not os.path.exists(os.path.join(sl, longname + ".json")), "its file goes")
            expect_eq(cd.status()["store"]["quarantined"], [], "no longer quarantined")
        finally:
            cd.stop()
            shutil.rmtree(cd.store, ignore_errors=True)


@R.test
def test_corrupt_state_set_aside():
    """sxcd's own records that no longer read back (its ids, a shard of what it owns): the
    file is kept aside as evidence (not overwritten), named in /status and the log, and sxcd
    goes on: every intent Ready again with its entries in sxdp."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        cd = Sxcd(dp.sock_path, resync_ms=300)
        try:
            cd.start()
            cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, slice_("red", 2, "lan2", 5001),
                                                             slice_("blue", 1, "lan1", 5000)]})
            settled_all(cd)
            cd.stop()
            st_dir = os.path.join(cd.store, "state")
            id_shards = sorted(glob.glob(os.path.join(st_dir, "ids.*.json")))
            expect(len(id_shards) > 0, "ids stored")
            ids = id_shards[0]
            shard = sorted(glob.glob(os.path.join(st_dir, "own.*.json")))[0]
            open(ids, "w").write('{"paths": {"red/pe')
            open(shard, "w").write("\0garbage")
            cd.start()
            settled_all(cd)
            st = cd.status()
            aside = sorted(x["document"] for x in st["store"]["set_aside"])
            expect_eq(aside, sorted(["state/" + os.path.basename(ids)[:-5], "state/" + os.path.basename(shard)[:-5]]),
                      "in /status: %s" % st["store"])
            kept = glob.glob(ids + ".corrupt-*")
            expect(len(kept) == 1 and open(kept[0]).read() == '{"paths": {"red/pe', "the corrupt ids kept aside: %s" % kept)
            expect_eq(len(glob.glob(shard + ".corrupt-*")), 1, "the corrupt shard kept aside")
            expect("does not read back" in cd.logtext(), "logged")
            expect_eq(st["intents"], {"Ready": 4}, "every intent Ready")
            expect(len(owned_by(dp, 1)) > 3 and len(owned_by(dp, 2)) > 3, "their entries in sxdp")
        finally:
            cd.stop()
            shutil.rmtree(cd.store, ignore_errors=True)


@R.test
def test_whole_ids_document_moved_into_shards():
    """A store an older sxcd wrote, with its allocated ids in one document (state/ids.json):
    read, then stored in shards (state/ids.N.json) and the whole document emptied, every id
    kept: sxdp's entries are not touched."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        cd = Sxcd(dp.sock_path, resync_ms=300)
        try:
            cd.start()
            cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, slice_("red", 2, "lan2", 5001),
                                                             slice_("blue", 1, "lan1", 5000)]})
            settled_all(cd)
            good = snapshot(dp)
            cd.stop()
            st_dir = os.path.join(cd.store, "state")
            whole = {}
            for f in glob.glob(os.path.join(st_dir, "ids.*.json")):
                for ns, m in json.load(open(f)).items():
                    whole.setdefault(ns, {}).update(m)
                os.unlink(f)
            expect(len(whole.get("path", {})) > 0, "paths were allocated: %s" % whole)
            json.dump(whole, open(os.path.join(st_dir, "ids.json"), "w"))
            cd.start()
            time.sleep(1.2)   # several resyncs
            settled_all(cd)
            expect_eq(snapshot(dp), good, "entries untouched: %s" % (snap_diff(good, snapshot(dp)),))
            expect_eq(json.load(open(os.path.join(st_dir, "ids.json"))), {}, "the whole document emptied")
            again = {}
            for f in glob.glob(os.path.join(st_dir, "ids.*.json")):
                for ns, m in json.load(open(f)).items():
                    again.setdefault(ns, {}).update(m)
            expect_eq(again, whole, "every id in the shards")
        finally:
            cd.stop()
            shutil.rmtree(cd.store, ignore_errors=True)


# --------------------------------------------------------- withdrawal, apply

@R.test
def test_withdraw_after_entry_deleted_behind_back():
    """One of a slice's entries deleted in sxdp by someone else: DELETE ?wait=1 answers
    Withdrawn only when every other entry of it is gone from sxdp."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path, resync_ms=60000) as cd:
        cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER]})
        settled_all(cd)
        base = snapshot(dp)
        code, res = cd.req("PUT", "/api/v1/slices/blue?wait=1", slice_("blue", 1, "lan1", 5000))
        expect_eq(res["status"]["phase"], "Ready", "blue Ready")
        dp.table_write([Sxdp.update("routes", {"vrf": 1, "dst": "10.40.0.0/16"}, type="delete")])
        code, res = cd.req("DELETE", "/api/v1/slices/blue?wait=1")
        expect_eq(code, 200, "withdrawn")
        expect_eq(res["status"]["phase"], "Withdrawn", "answered Withdrawn: %s" % res)
        left, _ = snap_diff(snapshot(dp), base)
        expect_eq(left, [], "none of blue's entries left")


def by_match(snap):
    """(table, match) -> entry, over a snapshot."""
    out = {}
    for t, ents in snap.items():
        for e in ents:
            d = json.loads(e)
            out[(t, json.dumps(d["match"], sort_keys=True))] = d
    return out


def changes_between(before, after):
    """What changed in sxdp between two snapshots: (table, match) -> (entry before or None,
    entry after or None)."""
    a, b = by_match(before), by_match(after)
    return {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}


def expect_announced(diff, before, after, what):
    """The writes a dry run announced (`diff`) are exactly what changed in sxdp from `before`
    to `after`: each entry announced changed as announced, and nothing else changed."""
    done = changes_between(before, after)
    said = {(u["table"], json.dumps(u["match"], sort_keys=True)): u for u in diff}
    expect_eq(len(said), len(diff), "%s: each entry announced once" % what)
    expect_eq(sorted(said), sorted(done), "%s: the entries written are those announced" % what)
    for k, u in sorted(said.items()):
        was, now = done[k]
        expect_eq(u["type"], "insert" if was is None else "delete" if now is None else "modify",
                  "%s: %s as announced (%s -> %s)" % (what, k, was, now))
        if now is not None:
            expect_eq((now["action"], now.get("params", {})), (u["action"], u.get("params", {})),
                      "%s: %s holds what was announced" % (what, k))


@R.test
def test_dry_run_announces_what_the_apply_writes_under_drift():
    """sxdp's tables changed behind sxcd's back (an entry of a slice it keeps deleted, one of a
    slice it prunes deleted, someone else's entry where the apply puts one, and one in the
    pruned slice's VRF nobody owns): a dry run of an apply with prune announces exactly the
    writes the apply then makes (the deleted one written again, no delete of what is gone,
    the other's entry modified, the unowned one untouched), and sxcd counts that many writes.
    Without a dry run, a withdrawal whose delete finds its entry gone counts only the writes
    sxdp applied."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path, resync_ms=600000) as cd:
        blue, red = slice_("blue", 1, "lan1", 5000), slice_("red", 2, "lan2", 5001)
        code, res = cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER, blue, red]})
        expect_eq(code, 200, "apply: %s" % (res,))
        ph = settled_all(cd)
        expect(all(v["phase"] == "Ready" for v in ph.values()), "Ready: %s" % ph)
        vrf1_40, vrf2_40 = {"vrf": 1, "dst": "10.40.0.0/16"}, {"vrf": 2, "dst": "10.40.0.0/16"}
        vrf1_41, vrf2_98 = {"vrf": 1, "dst": "10.41.0.0/16"}, {"vrf": 2, "dst": "10.98.0.0/16"}
        dp.table_write([Sxdp.update("routes", vrf1_40, type="delete"),
                        Sxdp.update("routes", vrf2_40, type="delete"),
                        Sxdp.update("routes", vrf1_41, "drop"),
                        Sxdp.update("routes", vrf2_98, "drop")])
        blue2 = slice_("blue", 1, "lan1", 5000, routes=[{"prefix": "10.40.0.0/16", "via": "10.10.0.1"},
                                                         {"prefix": "10.41.0.0/16", "via": "10.10.0.1"}])
        body = {"items": [SITE, PEER, blue2], "prune": ["slices"]}
        before = snapshot(dp)
        w0 = cd.status()["sxdp"]["reconcile"]["writes"]
        code, dry = cd.req("POST", "/api/v1/apply?dry_run=1", body)
        expect_eq(code, 200, "dry run: %s" % (dry,))
        expect_eq(snapshot(dp), before, "a dry run writes nothing")
        said = {(u["type"], u["table"], json.dumps(u["match"], sort_keys=True)): u for u in dry["diff"]}
        for key, why in ((("insert", "routes", json.dumps(vrf1_40, sort_keys=True)), "blue's, deleted: again"),
                         (("modify", "routes", json.dumps(vrf1_41, sort_keys=True)), "another's where blue's goes")):
            expect(key in said and said[key].get("owner") == "slices/blue", "%s: %s" % (why, dry["diff"]))
        touched = {(u["table"], json.dumps(u["match"], sort_keys=True)) for u in dry["diff"]}
        for m, why in ((vrf2_40, "red's, already gone: no delete"), (vrf2_98, "nobody's: untouched")):
            expect(("routes", json.dumps(m, sort_keys=True)) not in touched, "%s: %s" % (why, dry["diff"]))
        expect(("delete", "interfaces", json.dumps({"in_port": "lan2", "vlan": 0}, sort_keys=True)) in said,
               "red's entries deleted: %s" % dry["diff"])
        code, res = cd.req("POST", "/api/v1/apply?wait=1", body)
        expect_eq(code, 200, "apply: %s" % (res,))
        after = snapshot(dp)
        expect_announced(dry["diff"], before, after, "the apply after its dry run")
        expect_eq(cd.status()["sxdp"]["reconcile"]["writes"] - w0, len(dry["diff"]),
                  "sxcd counts the writes the dry run announced")
        ph = settled_all(cd)
        expect_eq(ph["slices/blue"]["phase"], "Ready", "blue Ready")
        expect("slices/red" not in ph, "red withdrawn: %s" % ph)
        # a withdrawal that finds an entry gone, no dry run before it: the delete sxdp
        # refuses (not_found) is no write
        code, res = cd.req("PUT", "/api/v1/slices/red?wait=1", red)
        expect_eq((code, res["status"]["phase"]), (201, "Ready"), "red again: %s" % (res,))
        dp.table_write([Sxdp.update("routes", vrf2_40, type="delete")])
        before = snapshot(dp)
        w0 = cd.status()["sxdp"]["reconcile"]["writes"]
        code, res = cd.req("DELETE", "/api/v1/slices/red?wait=1")
        expect_eq((code, res["status"]["phase"]), (200, "Withdrawn"), "red withdrawn: %s" % (res,))
        gone = changes_between(before, snapshot(dp))
        expect(len(gone) > 3 and all(now is None for _was, now in gone.values()), "red's entries deleted: %s" % gone)
        expect(("routes", json.dumps(vrf2_98, sort_keys=True)) not in gone, "nobody's entry kept")
        expect_eq(cd.status()["sxdp"]["reconcile"]["writes"] - w0, len(gone),
                  "the writes counted are the entries deleted")


@R.test
def test_prune_sees_put_again_during_withdrawal():
    """DELETE x, PUT x, then an apply pruning slices without x, all while the withdrawal's run
    cannot end (sxdp stopped): x is withdrawn in the end, its entries gone."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        cd.req("POST", "/api/v1/apply?wait=1", {"items": [SITE, PEER]})
        settled_all(cd)
        base = snapshot(dp)
        cd.req("PUT", "/api/v1/slices/x?wait=1", slice_("x", 1, "lan1", 5000))
        dp.proc.send_signal(signal.SIGSTOP)
        try:
            code, _ = cd.req("DELETE", "/api/v1/slices/x")
            expect_eq(code, 200, "delete")
            code, res = cd.req("PUT", "/api/v1/slices/x", slice_("x", 1, "lan1", 5000))
            expect_eq(code, 201, "put again")
            expect(res["status"]["phase"] != "Withdrawing", "a live intent again: %s" % res["status"])
            code, res = cd.req("POST", "/api/v1/apply", {"items": [], "prune": ["slices"]})
            expect_eq(code, 200, "apply with prune")
            expect_eq([(c["name"], c["action"]) for c in res["changes"]], [("x", "withdrawn")], "x pruned")
        finally:
            dp.proc.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 15
        while snapshot(dp) != base or cd.req("GET", "/api/v1/slices/x")[0] != 404:
            expect(time.monotonic() < deadline, "x gone: %s" % (snap_diff(snapshot(dp), base),))
            time.sleep(0.2)


@R.test
def test_apply_kill9_whole_or_nothing():
    """kill -9 of sxcd at random moments during large applies: after each restart every apply
    is stored whole or not at all (each round's set has one subnet)."""
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp:
        store = tempfile.mkdtemp(prefix="sxcd-store-")
        rnd = random.Random(7)
        N = 300
        partial = 0
        try:
            # how long one takes, to kill within it
            cd = Sxcd(dp.sock_path, store=store)
            cd.start()
            t0 = time.monotonic()
            code, _ = cd.req("POST", "/api/v1/apply", {"items": [
                {"kind": "slices", "metadata": {"name": "c%03d" % i}, "spec": {"id": 100 + i}} for i in range(N)]})
            took = time.monotonic() - t0
            expect_eq(code, 200, "a first apply")
            cd.stop()
            for rnd_i in range(1, 9):
                cd = Sxcd(dp.sock_path, store=store)
                cd.start()
                items = [{"kind": "slices", "metadata": {"name": "c%03d" % i},
                          "spec": {"id": 100 + i, "subnets": ["10.%d.%d.0/24" % (rnd_i, i % 250)]}}
                         for i in range(N)]
                body = json.dumps({"items": items}).encode()
                import threading
                th = threading.Thread(target=lambda: _swallow(cd, body), daemon=True)
                th.start()
                time.sleep(rnd.uniform(0.1, 1.2) * took)
                cd.proc.send_signal(signal.SIGKILL)
                cd.proc.wait()
                cd.proc = None
                th.join(5)
                cd = Sxcd(dp.sock_path, store=store)
                cd.start()
                try:
                    code, res = cd.req("GET", "/api/v1/slices")
                    rounds = {}
                    for it in res["items"]:
                        r = int(it["spec"]["subnets"][0].split(".")[1]) if it["spec"].get("subnets") else 0
                        rounds[r] = rounds.get(r, 0) + 1
                    expect(all(n == N for n in rounds.values()) and len(rounds) == 1,
                           "round %d: the store holds whole applies only: %s" % (rnd_i, rounds))
                    partial += rnd_i in rounds
                    expect_eq(glob.glob(os.path.join(store, "*", ".*.tmp")) + glob.glob(os.path.join(store, ".j*")),
                              [], "nothing half-done left")
                finally:
                    cd.stop()
            print("#   %d of 8 applies were stored before the kill (one takes %.0f ms)" % (partial, took * 1000))
        finally:
            shutil.rmtree(store, ignore_errors=True)


def _swallow(cd, body):
    try:
        cd.req("POST", "/api/v1/apply", raw=body)
    except Exception:  # the kill cuts it
        pass


if __name__ == "__main__":
    if not os.access(sxcd_path(), os.X_OK):
        print("not ok - sxcd: %s missing (build first)" % sxcd_path())
        print("0 passed, 1 failed")
        sys.exit(1)
    R.main()
