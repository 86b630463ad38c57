#!/usr/bin/python3
"""Two sxcd on one etcd prefix (sxcd --store etcd://.../PREFIX --site S):
a write through one appears on the other; two racing writers get one 200
and one clean 409 (through two boxes, or both through one); etcd stopped: both keep their intents and say the store
is unreachable in /api/v1/status (a write is 503, nothing changed); etcd
back: both converge; an sxcd killed, the fleet changed and compacted behind
its back, started again (with etcd down first: it serves its cache) reads
everything again. Each box reports under a lease (/api/v1/fleet, sxctl
fleet): a killed one goes stale once its TTL ends; another site's own intents
are written through any box (/api/v1/sites/SITE/..., sxctl apply of a
fleet document), races a clean 409. Over TLS (--store-cacert,
--store-cert, --store-key; certificates made with openssl): a box with
its certificate syncs and writes; one that trusts another CA, or shows no
certificate, is unreachable and says why. sxcd runs without sxdp here (its intents wait Pending on
it): this is the store's contract; the dataplane side is test_sxcd.py's.
etcd is started by the test (one member on loopback, random ports, a
temporary data dir); skipped (77) without it.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, expect, expect_eq, wait_until  # noqa: E402
from sxcdtest import NOSOCK, PIPE, PORTS, WAN, Sxcd, free_port, snapshot, sxcd_path, sxctl_path  # noqa: E402
from fleettest import Etcd, Fleet, b64, bare_slice, fleet_box  # noqa: E402

R = T.Runner()


def slice_on(box, name):
    """slices/NAME as @box has it, None when it has none."""
    c, b = box.req("GET", "/api/v1/slices/" + name)
    return b if c == 200 else None


def make_certs(d):
    """A CA, a server certificate for 127.0.0.1, a client's, another CA."""
    k = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    with open(os.path.join(d, "srv.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n")
    with open(os.path.join(d, "cli.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    for cmd in (["req", "-x509"] + k + ["-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=ca", "-days", "2"],
                ["req", "-x509"] + k + ["-keyout", "other.key", "-out", "other.crt", "-subj", "/CN=other",
                                        "-days", "2"],
                ["req"] + k + ["-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=etcd"],
                ["x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", "srv.crt", "-days", "2", "-extfile", "srv.ext"],
                ["req"] + k + ["-keyout", "cli.key", "-out", "cli.csr", "-subj", "/CN=box"],
                ["x509", "-req", "-in", "cli.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", "cli.crt", "-days", "2", "-extfile", "cli.ext"]):
        subprocess.run(["openssl"] + cmd, cwd=d, check=True, capture_output=True)


@R.test
def test_write_through_one_appears_on_other():
    with Fleet() as f:
        c, b = f.a.req("PUT", "/api/v1/slices/red", bare_slice(10))
        expect_eq(c, 201, "PUT through a")
        gen = b["metadata"]["generation"]
        got = wait_until(lambda: slice_on(f.b, "red"), SETTLE_S, "red on b")
        expect_eq(got["spec"], bare_slice(10)["spec"], "b's red")
        expect_eq(got["metadata"]["generation"], gen, "the generation is the store's revision")
        # a change through b, seen on a; the same spec again changes nothing
        c, b = f.b.req("PUT", "/api/v1/slices/red", bare_slice(11))
        expect_eq(c, 200, "PUT through b")
        expect(b["metadata"]["generation"] > gen, "a new revision")
        wait_until(lambda: (slice_on(f.a, "red") or {}).get("spec", {}).get("id") == 11, SETTLE_S, "red 11 on a")
        c, b2 = f.a.req("PUT", "/api/v1/slices/red", bare_slice(11))
        expect_eq((c, b2["metadata"]["generation"]), (200, b["metadata"]["generation"]), "unchanged")
        # apply of two through a, one withdrawal through b
        c, _ = f.a.req("POST", "/api/v1/apply", {"items": [dict(bare_slice(20), kind="slices", metadata={"name": "g"}),
                                                    dict(bare_slice(21), kind="slices", metadata={"name": "h"})]})
        expect_eq(c, 200, "apply through a")
        wait_until(lambda: slice_on(f.b, "g") and slice_on(f.b, "h"), SETTLE_S, "g, h on b")
        c, _ = f.b.req("DELETE", "/api/v1/slices/red")
        expect_eq(c, 200, "DELETE through b")
        wait_until(lambda: slice_on(f.a, "red") is None
                   or slice_on(f.a, "red")["status"]["phase"] in ("Withdrawing", "Withdrawn"), SETTLE_S,
                   "red gone on a")
        # each site's own: the site intent of a is not b's
        c, _ = f.a.req("PUT", "/api/v1/site", {"spec": {"id": 1}})
        expect(c in (200, 201), "site through a: %d" % c)
        time.sleep(0.3)
        expect_eq(f.b.req("GET", "/api/v1/site")[0], 404, "a's site is not on b")
        keys = f.etcd.call("kv/range", {"key": b64("/fleet/"), "range_end": b64("/fleet0"), "keys_only": True})
        import base64
        names = sorted(base64.b64decode(kv["key"]).decode() for kv in keys.get("kvs", []))
        expect_eq([n for n in names if not n.startswith(("/fleet/boxes/", "/fleet/revisions/"))],
                  ["/fleet/intents/slices/g", "/fleet/intents/slices/h",
                   "/fleet/sites/site-a/intents/site/local"], "the intents' keys in etcd")
        expect_eq([n for n in names if n.startswith("/fleet/boxes/")],
                  ["/fleet/boxes/site-a", "/fleet/boxes/site-a/live", "/fleet/boxes/site-a/seen",
                   "/fleet/boxes/site-b", "/fleet/boxes/site-b/live", "/fleet/boxes/site-b/seen"],
                  "the boxes' reports, leases and heartbeats")
        # at rest a box writes its heartbeat alone, not its report again
        rev = lambda k: int(f.etcd.call("kv/range", {"key": b64(k)})["kvs"][0]["mod_revision"])
        r0, s0 = rev("/fleet/boxes/site-a"), rev("/fleet/boxes/site-a/seen")
        time.sleep(6)
        expect(rev("/fleet/boxes/site-a") == r0 and rev("/fleet/boxes/site-a/seen") > s0,
               "at rest: the heartbeat rewritten, the report not")


@R.test
def test_racing_writers_one_wins_one_409():
    with Fleet() as f:
        c, b = f.a.req("PUT", "/api/v1/slices/red", bare_slice(10))
        wait_until(lambda: slice_on(f.b, "red"), SETTLE_S, "red on b")
        # through two boxes, then both through one (its collision check serves the other meanwhile)
        for i in range(10):
            x, y = (f.a, f.b) if i < 5 else (f.a, f.a)
            gen = wait_until(lambda: (
                slice_on(f.a, "red")["metadata"]["generation"] == slice_on(f.b, "red")["metadata"]["generation"]
                and slice_on(f.a, "red")["metadata"]["generation"]), SETTLE_S, "same generation on both")
            codes = []
            go = threading.Barrier(2)

            def put(box, sid):
                go.wait()
                codes.append(box.req("PUT", "/api/v1/slices/red?expected_generation=%d" % gen, bare_slice(sid)))
            ts = [threading.Thread(target=put, args=(x, 100 + i)), threading.Thread(target=put, args=(y, 200 + i))]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            expect_eq(sorted(c for c, _ in codes), [200, 409], "race %d" % i)
            lost = [b for c, b in codes if c == 409][0]
            expect_eq(lost["error"]["reason"], "stale_generation", "the loser's reason")
            won = [b for c, b in codes if c == 200][0]
            wait_until(lambda: slice_on(f.a, "red")["spec"] == won["spec"] ==
                       slice_on(f.b, "red")["spec"], SETTLE_S, "both on the winner's")
        # a stale expected_generation through either: 409, nothing changed
        c, b = f.b.req("PUT", "/api/v1/slices/red?expected_generation=1", bare_slice(7))
        expect_eq((c, b["error"]["reason"]), (409, "stale_generation"), "stale")


@R.test
def test_store_down_keeps_state_then_converges():
    with Fleet() as f:
        f.a.req("PUT", "/api/v1/slices/red", bare_slice(10))
        wait_until(lambda: slice_on(f.b, "red"), SETTLE_S, "red on b")
        f.etcd.stop()
        for box in (f.a, f.b):
            wait_until(lambda: box.fleet()["state"] == "unreachable", SETTLE_S, "unreachable")
            expect_eq(slice_on(box, "red")["spec"]["id"], 10, "the last state kept")
        c, b = f.a.req("PUT", "/api/v1/slices/blue", bare_slice(12))
        expect_eq((c, b["error"]["reason"]), (503, "store_unreachable"), "a write while it is away")
        expect_eq(slice_on(f.a, "blue"), None, "nothing changed")
        f.etcd.start()
        for box in (f.a, f.b):
            wait_until(lambda: box.fleet()["state"] == "synced", SETTLE_S, "synced again")
        c, _ = f.b.req("PUT", "/api/v1/slices/blue", bare_slice(12))
        expect_eq(c, 201, "a write once it is back")
        wait_until(lambda: slice_on(f.a, "blue"), SETTLE_S, "blue on a")


@R.test
def test_restart_reads_cache_then_resyncs_after_compaction():
    with Fleet() as f:
        for n, sid in (("r1", 1), ("r2", 2), ("r3", 3)):
            f.a.req("PUT", "/api/v1/slices/" + n, bare_slice(sid))
        wait_until(lambda: slice_on(f.b, "r3"), SETTLE_S, "r3 on b")
        f.b.kill9()
        # behind b's back: one changed, one withdrawn, one new; history compacted
        f.a.req("PUT", "/api/v1/slices/r1", bare_slice(31))
        f.a.req("DELETE", "/api/v1/slices/r2")
        f.a.req("PUT", "/api/v1/slices/r4", bare_slice(4))
        rev = int(f.etcd.call("kv/range", {"key": b64("/")})["header"]["revision"])
        f.etcd.call("kv/compaction", {"revision": str(rev)})
        # etcd away: b starts from what it last read
        f.etcd.stop()
        f.b.start(synced=False)
        wait_until(lambda: f.b.fleet()["state"] == "unreachable", SETTLE_S, "b unreachable")
        expect_eq([slice_on(f.b, n)["spec"]["id"] if slice_on(f.b, n) else None for n in ("r1", "r2", "r3", "r4")],
                  [1, 2, 3, None], "b's cache")
        f.etcd.start()
        wait_until(lambda: f.b.fleet()["state"] == "synced", SETTLE_S, "b synced")
        wait_until(lambda: [
            (slice_on(f.b, n) or {}).get("spec", {}).get("id") if (slice_on(f.b, n) or {}).get("status", {})
            .get("phase") not in ("Withdrawing", "Withdrawn") else None
            for n in ("r1", "r2", "r3", "r4")] == [31, None, 3, 4], SETTLE_S, "b converged")


def sxctl(box, *args):
    r = subprocess.run([sxctl_path(), "--api", "http://127.0.0.1:%d" % box.port,
                        "--token-file", box.token_file] + list(args), capture_output=True, text=True, timeout=20)
    return r.returncode, r.stdout, r.stderr


def boxes(box):
    c, b = box.req("GET", "/api/v1/fleet")
    expect_eq(c, 200, "GET fleet: %s" % b)
    return {x["site"]: x for x in b["boxes"]}


@R.test
def test_fleet_view_live_then_stale():
    with Fleet() as f:
        c, _ = f.a.req("PUT", "/api/v1/slices/red", bare_slice(10))
        expect_eq(c, 201, "PUT red")
        # both boxes report (under their lease); each sees both, red on both
        for box in (f.a, f.b):
            wait_until(lambda: (lambda bx: sorted(bx) == ["site-a", "site-b"] and all(
                x["state"] == "live" and "slices/red" in x.get("intents", {}) for x in bx.values()))(
                boxes(box)), SETTLE_S, "both live with red")
        c, view = f.b.req("GET", "/api/v1/fleet")
        a = [x for x in view["boxes"] if x["site"] == "site-a"][0]
        expect_eq(sorted(view["intents"]["slices/red"]), ["site-a", "site-b"], "red on both, by intent")
        expect_eq(a["intents"]["slices/red"]["generation"], slice_on(f.a, "red")["metadata"]["generation"],
                  "the generation reported")
        expect(a["sxdp"]["state"] in ("disconnected", "connecting"), "no sxdp here: %s" % a["sxdp"])
        expect_eq(view["ttl_s"], 5, "the lease's TTL")
        # /metrics: the store's state and resyncs
        m = urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d/metrics" % f.a.port, headers={
            "Authorization": "Bearer " + f.a.token}), timeout=10).read().decode()
        expect('sxcd_fleet_store_state{state="synced"} 1' in m and "sxcd_fleet_resyncs_total " in m,
               "the fleet's metrics: %s" % [x for x in m.splitlines() if "fleet" in x])
        # ?brief: each box's paths counted, not listed; a not-Ready intent says why as its box does
        c, brief = f.b.req("GET", "/api/v1/fleet?brief=1")
        expect(c == 200 and all("view" not in x and "paths" in x for x in brief["boxes"]), "brief: %s" % brief)
        st = slice_on(f.a, "red")["status"]
        red = a["intents"]["slices/red"]
        expect(st["phase"] != "Ready", "no sxdp here: red is not Ready (%s)" % st)
        expect_eq((red.get("reason"), red.get("message"), red.get("waiting_for")),
                  (st.get("reason"), st.get("message"), st.get("waiting_for")),
                  "why a box says a not-Ready intent is so, in its report")
        # sxctl fleet: the table and --json
        rc, out, err = sxctl(f.a, "fleet")
        expect_eq(rc, 0, "sxctl fleet: %s" % err)
        expect("site-a" in out and "site-b" in out and "live" in out, "the table: %s" % out)
        rc, out, err = sxctl(f.a, "--json", "fleet")
        expect_eq(sorted(x["site"] for x in json.loads(out)["boxes"]), ["site-a", "site-b"], "--json")
        # b killed: stale once its lease's TTL ends at etcd, a stays live
        t0 = time.monotonic()
        f.b.kill9()
        wait_until(lambda: boxes(f.a)["site-b"]["state"] == "stale", SETTLE_S, "b stale")
        took = time.monotonic() - t0
        sys.stdout.write("# b stale %.1f s after its kill -9\n" % took)
        bx = boxes(f.a)
        expect_eq(bx["site-a"]["state"], "live", "a still live")
        expect("slices/red" in bx["site-b"]["intents"], "b's last report kept")
        rc, out, _ = sxctl(f.a, "fleet")
        expect("stale" in out, "sxctl shows it stale: %s" % out)
        # b back: live again
        f.b.start()
        wait_until(lambda: boxes(f.a)["site-b"]["state"] == "live", SETTLE_S, "b live again")
        # b frozen past its lease (as a box cut off is): stale; thawed, it takes a new lease: live
        f.b.proc.send_signal(signal.SIGSTOP)
        try:
            wait_until(lambda: boxes(f.a)["site-b"]["state"] == "stale", SETTLE_S, "frozen b stale")
        finally:
            f.b.proc.send_signal(signal.SIGCONT)
        t0 = time.monotonic()
        wait_until(lambda: boxes(f.a)["site-b"]["state"] == "live", SETTLE_S, "thawed b live")
        sys.stdout.write("# a thawed b live again %.1f s later\n" % (time.monotonic() - t0))
        # b stopped cleanly (SIGTERM): its last report says so and its lease is
        # revoked: "stopped" at once, not "stale" after the TTL
        t0 = time.monotonic()
        f.b.stop()
        wait_until(lambda: boxes(f.a)["site-b"]["state"] == "stopped", SETTLE_S, "b stopped")
        sys.stdout.write("# b stopped shown %.1f s after the stop (a stale one shows stale)\n" % (time.monotonic() - t0))
        f.b.start()
        wait_until(lambda: boxes(f.a)["site-b"]["state"] == "live", SETTLE_S, "b live after its restart")


@R.test
def test_apply_past_etcds_txn_limit_is_413_and_nothing():
    with Fleet() as f:
        # etcd's --max-txn-ops is 128 by default: one apply is one txn, its revision one op of it
        items = [dict(bare_slice(100 + k), kind="slices", metadata={"name": "s%d" % k}) for k in range(128)]
        c, b = f.a.req("POST", "/api/v1/apply", {"items": items})
        expect_eq(c, 413, "128 changes in one apply: %s" % b)
        expect("max-txn-ops" in json.dumps(b), "the answer names etcd's flag: %s" % b)
        r = f.etcd.call("kv/range", {"key": b64("/fleet/intents/"), "range_end": b64("/fleet/intents0"),
                                     "count_only": True})
        expect_eq(int(r.get("count", 0)), 0, "nothing stored")
        expect_eq(rev_keys(f), {}, "no revision either")
        c, b = f.a.req("POST", "/api/v1/apply", {"items": items[:127]})
        expect_eq(c, 200, "127 changes: %s" % (b if c != 200 else ""))
        wait_until(lambda: len([x for x in f.b.req("GET", "/api/v1/slices")[1]["items"]]) == 127, SETTLE_S,
                   "127 on b")
        expect_eq(len(history(f.a)[0][3]), 127, "one revision of 127 changes")


@R.test
def test_tls_store_with_client_certificates():
    if shutil.which("etcd") is None or shutil.which("openssl") is None:
        raise T.SkipTest("etcd or openssl is not installed")
    tmp = tempfile.mkdtemp(prefix="sxcd-fleet-tls-")
    etcd = Etcd(tmp, tls=tmp)
    boxes = []
    try:
        make_certs(tmp)
        etcd.start()
        ca, crt, key = (os.path.join(tmp, f) for f in ("ca.crt", "cli.crt", "cli.key"))
        # the CA and a client certificate: synced, a write stored
        a = fleet_box(tmp, etcd, "site-a", extra=["--store-cacert", ca, "--store-cert", crt, "--store-key", key])
        boxes.append(a)
        a.start()
        c, b = a.req("PUT", "/api/v1/slices/red", bare_slice(10))
        expect_eq(c, 201, "PUT over TLS: %s" % b)
        kvs = etcd.call("kv/range", {"key": b64("/fleet/intents/slices/red")}).get("kvs", [])
        expect_eq(len(kvs), 1, "the intent in etcd")
        # a member signed by another CA: not trusted, and the status says why
        b_ = fleet_box(tmp, etcd, "site-b", extra=["--store-cacert", os.path.join(tmp, "other.crt"),
                                              "--store-cert", crt, "--store-key", key])
        boxes.append(b_)
        b_.start(synced=False)
        wait_until(lambda: (lambda st: st["state"] == "unreachable" and
                   "certificate" in st.get("error", ""))(b_.status()["store"]["fleet"]), SETTLE_S,
                   "b unreachable, a certificate's reason")
        c, _ = b_.req("PUT", "/api/v1/slices/green", bare_slice(11))
        expect_eq(c, 503, "a write through the box that trusts no member")
        # no client certificate: etcd refuses the box
        c_ = fleet_box(tmp, etcd, "site-c", extra=["--store-cacert", ca])
        boxes.append(c_)
        c_.start(synced=False)
        wait_until(lambda: c_.status()["store"]["fleet"]["state"] == "unreachable", SETTLE_S, "c unreachable")
        # flags checked at start: a certificate without its key, TLS flags without etcd
        for args, what in ((["--store", "etcd://%s/fleet" % etcd.ep, "--site", "x", "--store-cert", crt],
                            "key"),
                           (["--store", tmp, "--store-cacert", ca], "etcd://")):
            r = subprocess.run([sxcd_path(), "--listen", "127.0.0.1:%d" % free_port(),
                                "--no-netlink", "--insecure-no-auth"] + args, capture_output=True, text=True,
                               timeout=10)
            expect(r.returncode == 2 and what in r.stderr, "sxcd %s: %d %s" % (args, r.returncode, r.stderr))
    finally:
        for x in boxes:
            x.stop()
        etcd.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@R.test
def test_enrol_a_box_with_one_token():
    """A fleet of three boxes on etcd over TLS (client certificates), site-a also its enrolment
    authority (the fleet's CA, HTTPS): an admin's one-time token for site-d; a new box given only
    a's address and the token enrols (its certificate the CA's, CN site-d), runs as site-d on the
    store and converges (the shared intents and site-d's own, written through b before it came);
    a used token, an expired one, a revoked one, a forged one are refused (the box exits 2 saying
    why) and counted; the authority's certificate not the token's: nothing sent; the box started
    again needs no token; retired, its certificate is in the CRL (etcd given it refuses the box, the
    others go on) and its site's intents removed; the site's next box enrols with a new token."""
    if shutil.which("etcd") is None or shutil.which("openssl") is None:
        raise T.SkipTest("etcd or openssl is not installed")
    tmp = tempfile.mkdtemp(prefix="sxcd-enrol-")
    etcd = Etcd(tmp, tls=tmp)
    boxes = []

    def join(name, token, url=None, expect_rc=None):
        tf = os.path.join(tmp, name + ".token")
        with open(tf, "w") as f:
            f.write(token + "\n")
        os.chmod(tf, 0o600)
        args = ["--enrol", url or "https://127.0.0.1:%d" % a.port, "--enrol-token-file", tf,
                "--state-dir", os.path.join(tmp, "state-" + name), "--no-netlink"]
        if expect_rc is not None:
            r = subprocess.run([sxcd_path(), "--listen", "127.0.0.1:%d" % free_port(), "--insecure-no-auth",
                                "--store", os.path.join(tmp, "st-" + name)] + args, capture_output=True, text=True,
                               timeout=60)
            return r
        x = Sxcd(NOSOCK, store=os.path.join(tmp, "st-" + name), resync_ms=None, extra=args)
        boxes.append(x)
        x.start()
        return x
    try:
        make_certs(tmp)
        etcd.start()
        ca, crt, key = (os.path.join(tmp, f) for f in ("ca.crt", "cli.crt", "cli.key"))
        common = ["--store-cacert", ca, "--store-cert", crt, "--store-key", key]
        crl = os.path.join(tmp, "fleet.crl")
        a = fleet_box(tmp, etcd, "site-a", extra=common + [
            "--tls-cert", os.path.join(tmp, "srv.crt"), "--tls-key", os.path.join(tmp, "srv.key"),
            "--enrol-ca-cert", ca, "--enrol-ca-key", os.path.join(tmp, "ca.key"), "--enrol-crl", crl])
        a.tls_ca = ca
        b = fleet_box(tmp, etcd, "site-b", extra=common)
        c = fleet_box(tmp, etcd, "site-c", extra=common)
        for x in (a, b, c):
            boxes.append(x)
            x.start()
        # the authority wrote its CRL (empty) at its start: etcd reads it at every handshake from now on
        expect(os.path.exists(crl), "the CRL made at the authority's start")
        etcd.stop()
        etcd.extra = ["--client-crl-file", crl]
        etcd.start()
        for x in (a, b, c):
            wait_until(lambda: x.req("GET", "/api/v1/status")[1]["store"]["fleet"]["state"] == "synced", SETTLE_S,
                       "%s back on the store" % x.site)
        expect_eq(a.req("PUT", "/api/v1/slices/red", bare_slice(10))[0], 201, "a shared intent")
        code, res = b.req("PUT", "/api/v1/sites/site-d/site", {"spec": {"id": 4}})
        expect(code in (200, 201), "site-d's own intent, written before it comes: %s" % res)
        code, tok = a.req("POST", "/api/v1/enrolments", {"site": "site-d", "ttl_s": 600})
        expect_eq(code, 201, "a token for site-d: %s" % tok)
        expect(tok["token"].startswith("sxe1.%s." % tok["id"]), "its form: %s" % tok["token"][:20])
        code, lst = a.req("GET", "/api/v1/enrolments")
        expect(tok["token"].split(".")[2] not in json.dumps(lst) and "hash" not in json.dumps(lst),
               "listed without its secret: %s" % lst)
        # the authority's certificate must be the token's pin: another pin, nothing sent
        forged_pin = ".".join(tok["token"].split(".")[:3] + ["0" * 64])
        r = join("pinned", forged_pin, expect_rc=True)
        expect(r.returncode == 2 and "not the one the token names" in r.stderr, "a wrong pin: %s" % r.stderr)
        # the box: given a's address and the token alone
        d = join("site-d", tok["token"])
        wait_until(lambda: d.req("GET", "/api/v1/status")[1]["store"]["fleet"]["state"] == "synced", SETTLE_S,
                   "d on the fleet's store")
        wait_until(lambda: slice_on(d, "red") and d.req("GET", "/api/v1/site")[0] == 200, SETTLE_S,
                   "d converged: the shared slice and its own site intent")
        expect_eq(d.req("GET", "/api/v1/site")[1]["spec"]["id"], 4, "its site intent")
        cert = subprocess.run(["openssl", "x509", "-noout", "-subject", "-issuer", "-ext", "extendedKeyUsage", "-in",
                               os.path.join(tmp, "state-site-d", "enrol.crt")], capture_output=True, text=True).stdout
        expect("CN = site-d" in cert and "TLS Web Client Authentication" in cert, "its certificate: %s" % cert)
        expect_eq(oct(os.stat(os.path.join(tmp, "state-site-d", "enrol.key")).st_mode & 0o777), "0o600", "its key's mode")
        wait_until(lambda: any(x.get("site") == "site-d" for x in a.req("GET", "/api/v1/fleet")[1].get("boxes", [])),
                   SETTLE_S, "d reports in the fleet's view")
        r = subprocess.run([sxctl_path(), "--api", a.url, "--cacert", ca, "--token-file", a.token_file, "enrolment",
                            "list"], capture_output=True, text=True, timeout=30)
        expect(r.returncode == 0 and "site-d" in r.stdout and "enrolled" in r.stdout and "used" in r.stdout and
               tok["token"].split(".")[2] not in r.stdout, "sxctl enrolment list: %s %s" % (r.stdout, r.stderr))
        # the token again, an expired one, a revoked one, a forged one
        r = join("again", tok["token"], expect_rc=True)
        expect(r.returncode == 2 and "used" in r.stderr, "a used token: %s" % r.stderr)
        code, short = a.req("POST", "/api/v1/enrolments", {"site": "site-e", "ttl_s": 1})
        time.sleep(2.1)
        r = join("late", short["token"], expect_rc=True)
        expect(r.returncode == 2 and "expired" in r.stderr, "an expired token: %s" % r.stderr)
        r = subprocess.run([sxctl_path(), "--api", a.url, "--cacert", ca, "--token-file", a.token_file, "enrolment",
                            "make", "site-f"], capture_output=True, text=True, timeout=30)
        expect(r.returncode == 0 and r.stdout.startswith("sxe1.") and "shown this once" in r.stderr,
               "sxctl enrolment make: %s %s" % (r.stdout, r.stderr))
        rev = {"token": r.stdout.strip(), "id": r.stdout.split(".")[1]}
        r = subprocess.run([sxctl_path(), "--api", a.url, "--cacert", ca, "--token-file", a.token_file, "enrolment",
                            "revoke", rev["id"]], capture_output=True, text=True, timeout=30)
        expect(r.returncode == 0 and "revoked" in r.stdout, "sxctl enrolment revoke: %s %s" % (r.stdout, r.stderr))
        r = join("revoked", rev["token"], expect_rc=True)
        expect(r.returncode == 2 and "revoked" in r.stderr, "a revoked token: %s" % r.stderr)
        forged = "sxe1.%s.%s.%s" % (rev["id"], "A" * 43, rev["token"].split(".")[3])
        r = join("forged", forged, expect_rc=True)
        expect(r.returncode == 2 and "unknown" in r.stderr, "a forged secret: %s" % r.stderr)
        expect_eq(a.req("POST", "/api/v1/enrolments", {"site": "site-d"})[0], 409, "a token for an enrolled site")
        m = a.req("GET", "/metrics")[1]
        for reason in ("used", "expired", "revoked", "unknown"):
            expect('sxcd_enrol_refused_total{reason="%s"} 1' % reason in m, "counted %s: %s" % (
                reason, [x for x in m.splitlines() if "enrol" in x]))
        expect("sxcd_enrol_redeemed_total 1" in m, "one enrolled")
        # started again: it holds its identity, the token is not asked for
        d.stop()
        os.unlink(os.path.join(tmp, "site-d.token"))
        d.start()
        wait_until(lambda: d.req("GET", "/api/v1/status")[1]["store"]["fleet"]["state"] == "synced", SETTLE_S,
                   "d again, no token")
        # retired: its certificate in the CRL, its own intents removed
        code, res = a.req("DELETE", "/api/v1/enrolled/site-d?remove_intents=1")
        expect_eq((code, res.get("state")), (200, "retired"), "retired: %s" % res)
        text = subprocess.run(["openssl", "crl", "-noout", "-text", "-in", crl], capture_output=True, text=True).stdout
        expect(res["serial"].upper().lstrip("0") in text.replace(":", "").upper(), "its serial in the CRL: %s" % text[:400])
        expect_eq(etcd.call("kv/range", {"key": b64("/fleet/sites/site-d/"), "range_end": b64("/fleet/sites/site-d0"),
                                         "count_only": True}).get("count", "0"), "0", "its own intents removed")
        # etcd reads the CRL at the next handshake: the retired box, started again, is refused, the others go on
        d.stop()
        d.start()
        wait_until(lambda: d.req("GET", "/api/v1/status")[1]["store"]["fleet"]["state"] == "unreachable", SETTLE_S,
                   "the retired box refused by etcd")
        wait_until(lambda: b.req("GET", "/api/v1/status")[1]["store"]["fleet"]["state"] == "synced", SETTLE_S,
                   "the others on the store")
        # a retired site's new box: enrolled with a new token, a new certificate
        code, tok2 = a.req("POST", "/api/v1/enrolments", {"site": "site-d"})
        expect_eq(code, 201, "a token for the retired site: %s" % tok2)
        d2 = join("site-d2", tok2["token"])
        wait_until(lambda: d2.req("GET", "/api/v1/status")[1]["store"]["fleet"]["state"] == "synced", SETTLE_S,
                   "the new box of site-d on the store")
    finally:
        for x in boxes:
            x.stop()
        etcd.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@R.test
def test_write_another_sites_own_through_any_box():
    with Fleet() as f:
        # a writes b's site intent: b has it, a does not
        c, b = f.a.req("PUT", "/api/v1/sites/site-b/site", {"spec": {"id": 2}})
        expect_eq(c, 201, "PUT b's site through a: %s" % b)
        gen = b["metadata"]["generation"]
        expect_eq((b["metadata"]["site"], b["action"]), ("site-b", "created"), "the answer")
        got = wait_until(lambda: f.b.req("GET", "/api/v1/site")[1] if f.b.req("GET", "/api/v1/site")[0] == 200
                         else None, SETTLE_S, "site on b")
        expect_eq((got["spec"]["id"], got["metadata"]["generation"]), (2, gen), "b's site")
        expect_eq(f.a.req("GET", "/api/v1/site")[0], 404, "not a's own")
        # read back through a, its status what b reported
        wait_until(lambda: f.a.req("GET", "/api/v1/sites/site-b/site")[1]["status"]
                   .get("waiting") is None, SETTLE_S, "b's phase through a")
        c, b = f.a.req("GET", "/api/v1/sites/site-b/site")
        expect_eq((c, b["spec"]["id"], b["metadata"]["generation"]), (200, 2, gen), "GET through a")
        # this box's own through the sites route is its usual one
        c, _ = f.a.req("PUT", "/api/v1/sites/site-a/site", {"spec": {"id": 1}})
        expect(c in (200, 201), "a's own through sites/: %d" % c)
        expect_eq(f.a.req("GET", "/api/v1/site")[1]["spec"]["id"], 1, "a's own site")
        # a shared kind is not a site's: 404; a bad spec: 400, nothing written
        expect_eq(f.a.req("PUT", "/api/v1/sites/site-b/slices/x", bare_slice(1))[0], 404, "shared kind under sites/")
        c, b = f.a.req("PUT", "/api/v1/sites/site-b/site", {"spec": {"id": "nope"}})
        expect_eq(c, 400, "a bad spec: %s" % b)
        # racing writers of b's site through a and b: one wins, one clean 409
        for i in range(3):
            gen = wait_until(lambda: (lambda g1, g2: g1 == g2 and g1)(
                f.a.req("GET", "/api/v1/sites/site-b/site")[1]["metadata"]["generation"],
                f.b.req("GET", "/api/v1/site")[1]["metadata"]["generation"]), SETTLE_S, "same")
            codes = []
            go = threading.Barrier(2)

            def put(box, path, sid):
                go.wait()
                codes.append(box.req("PUT", "/api/v1/" + path + "?expected_generation=%d" % gen, {"spec": {"id": sid}}))
            ts = [threading.Thread(target=put, args=(f.a, "sites/site-b/site", 10 + i)),
                  threading.Thread(target=put, args=(f.b, "site", 20 + i))]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            expect_eq(sorted(c for c, _ in codes), [200, 409], "race %d: %s" % (i, codes))
            expect_eq([b["error"]["reason"] for c, b in codes if c == 409], ["stale_generation"], "reason")
        # withdrawn through a
        c, _ = f.a.req("DELETE", "/api/v1/sites/site-b/site")
        expect_eq(c, 200, "DELETE b's site through a")
        wait_until(lambda: f.b.req("GET", "/api/v1/site")[0] == 404
                   or f.b.req("GET", "/api/v1/site")[1]["status"]["phase"] in ("Withdrawing", "Withdrawn"), SETTLE_S,
                   "gone on b")
        # sxctl apply of a fleet document: a shared slice and b's site
        doc = os.path.join(f.tmp, "fleet.json")
        with open(doc, "w") as fd:
            json.dump({"items": [dict(bare_slice(40), kind="slices", metadata={"name": "blue"}),
                                 {"kind": "site", "site": "site-b", "spec": {"id": 7}}]}, fd)
        rc, out, err = sxctl(f.a, "apply", "-f", doc)
        expect_eq(rc, 0, "sxctl apply: %s %s" % (out, err))
        expect("site site-b: site/local: created" in out, "its output: %s" % out)
        wait_until(lambda: slice_on(f.b, "blue") and
                   (f.b.req("GET", "/api/v1/site")[1].get("spec") or {}).get("id") == 7, SETTLE_S,
                   "blue and site 7 on b")


def history(box, **q):
    """@box's GET /api/v1/revisions: its items' (revision, site, route, changes' kind/name/site)."""
    c, b = box.req("GET", "/api/v1/revisions?limit=1000")
    expect_eq(c, 200, "GET revisions: %s" % b)
    return [(r["revision"], r.get("site"), r["route"], [(x["kind"], x["name"], x.get("site")) for x in r["changes"]])
            for r in b["items"]]


def rev_keys(f):
    """The revisions' keys in etcd: name → (create_revision, value)."""
    kvs = f.etcd.call("kv/range", {"key": b64("/fleet/revisions/"), "range_end": b64("/fleet/revisions0")})
    import base64
    return {base64.b64decode(kv["key"]).decode()[len("/fleet/revisions/"):]:
            (int(kv["create_revision"]), base64.b64decode(kv.get("value", "")).decode()) for kv in kvs.get("kvs", [])}


@R.test
def test_history_is_the_fleets():
    """Every change through any box (a PUT, an apply, a DELETE, another site's own through
    the sites/ route) is one revision in etcd, written in the change's txn and numbered by
    it (the intents' generation): both boxes list the same history; a diff, and a rollback
    through a of a change made through b (its dry run first), which leaves another site's own
    intents to their box and says so; the result recorded by the box that made it, seen by
    the other; --history-max across the fleet (etcd keeps as many as the bound); forged and
    truncated revisions in etcd left out (and said), here and after a box restarts."""
    with Fleet(extra=["--history-max", "6"]) as f:
        c, b = f.a.req("PUT", "/api/v1/slices/red", bare_slice(10))
        expect_eq(c, 201, "PUT red through a")
        g1 = b["metadata"]["generation"]
        wait_until(lambda: history(f.b) and history(f.b)[0][0] == g1, SETTLE_S, "a's revision on b")
        expect_eq(history(f.a), history(f.b), "the same history on both")
        expect_eq(history(f.a)[0], (g1, "site-a", "PUT /api/v1/slices/red", [("slices", "red", None)]),
                  "numbered by its txn, the box that made it")
        wait_until(lambda: slice_on(f.b, "red"), SETTLE_S, "red on b")
        c, b = f.b.req("PUT", "/api/v1/slices/red", bare_slice(11))
        expect_eq(c, 200, "PUT red through b")
        g2 = b["metadata"]["generation"]
        c, b = f.b.req("PUT", "/api/v1/site", {"spec": {"id": 2}})
        expect_eq(c, 201, "b's own site through b: %s" % b)
        c, b = f.a.req("POST", "/api/v1/apply", {"items": [dict(bare_slice(20), kind="slices", metadata={"name": "g"})]})
        expect_eq(c, 200, "apply through a")
        g3 = b["revision"]
        c, b = f.a.req("PUT", "/api/v1/sites/site-b/site", {"spec": {"id": 3}})
        expect_eq(c, 200, "b's site through a: %s" % b)
        g4 = b["metadata"]["generation"]
        wait_until(lambda: len(history(f.a)) == len(history(f.b)) == 5 and history(f.a) == history(f.b),
                   SETTLE_S, "five revisions on both")
        h = history(f.b)
        expect_eq([r[0] for r in h][:2], [g4, g3], "newest first, at their generations")
        expect_eq(h[0][1:], ("site-a", "PUT /api/v1/sites/site-b/site", [("site", "local", "site-b")]),
                  "another site's own through a: a's, of site-b")
        expect_eq(h[2][1:], ("site-b", "PUT /api/v1/site", [("site", "local", "site-b")]), "b's own")
        expect_eq(h[3][0], g2, "b's PUT")
        # the whole revision, and a diff, read through either box
        c, one = f.b.req("GET", "/api/v1/revisions/%d" % g4)
        expect_eq((c, one["changes"][0]["before"]["spec"], one["changes"][0]["after"]["spec"]), (200, {"id": 2}, {"id": 3}),
                  "before and after of site-b's site")
        c, d = f.a.req("GET", "/api/v1/revisions/diff?from=%d&to=%d" % (g1, g2))
        expect_eq((c, [(i["kind"], i["name"], i["from"]["spec"]["id"], i["to"]["spec"]["id"]) for i in d["intents"]]),
                  (200, [("slices", "red", 10, 11)]), "diff g1..g2 through a")
        # rollback through a to g1: red back to 10, g withdrawn; b's site left to b, said
        c, dry = f.a.req("POST", "/api/v1/revisions/%d/rollback?dry_run=1" % g1)
        expect_eq(c, 200, "dry run: %s" % dry)
        expect_eq(sorted((x["kind"], x["name"], x["action"]) for x in dry["changes"]),
                  [("slices", "g", "withdrawn"), ("slices", "red", "replaced")], "what it would change")
        expect_eq([(x["site"], x["kind"], x["name"], x.get("then")) for x in dry["elsewhere"]],
                  [("site-b", "site", "local", None)], "what it leaves: b's site (none then)")
        rc, out, err = sxctl(f.b, "history")
        expect(rc == 0 and "via site-a" in out and "site-b:site/local replaced" in out, "sxctl history on b: %s %s"
               % (out, err))
        rc, out, err = sxctl(f.a, "rollback", str(g1), "--dry-run")
        expect(rc == 0 and "left to their sites' boxes" in out and "site-b:site/local" in out,
               "sxctl rollback --dry-run: %s %s" % (out, err))
        c, rb = f.a.req("POST", "/api/v1/revisions/%d/rollback" % g1)
        expect_eq(c, 200, "rollback: %s" % rb)
        expect_eq(len(rb["elsewhere"]), 1, "said in its answer too")
        wait_until(lambda: (slice_on(f.b, "red") or {}).get("spec", {}).get("id") == 10, SETTLE_S, "red 10 on b")
        wait_until(lambda: history(f.b)[0][0] == rb["revision"], SETTLE_S, "the rollback's revision on b")
        c, one = f.b.req("GET", "/api/v1/revisions/%d" % rb["revision"])
        expect_eq((one["rollback_of"], one["site"], one["by"]), (g1, "site-a", "admin"), "a rollback of g1 by a")
        expect_eq(f.b.req("GET", "/api/v1/site")[1]["spec"]["id"], 3, "b's own site left as it was")
        # the result: the making box's, written into the revision in etcd, read by the other
        wait_until(lambda: f.b.req("GET", "/api/v1/revisions/%d" % g3)[1]["result"].get("slices/g"), 60,
                   "a's apply's result on b")
        # the bound, across the fleet: etcd keeps the newest 6
        for i in range(4):
            x = (f.a, f.b)[i % 2]
            c, _ = x.req("PUT", "/api/v1/slices/red", bare_slice(50 + i))
            expect_eq(c, 200, "PUT %d" % i)
            wait_until(lambda: history(f.a) == history(f.b), SETTLE_S, "the same history")
        keys = rev_keys(f)
        expect_eq(len(keys), 6, "etcd keeps 6: %s" % sorted(keys))
        expect_eq(sorted(r for r, _ in keys.values()), sorted(r[0] for r in history(f.a)), "the boxes' are etcd's")
        # forged and truncated revisions: left out, said; the history goes on
        good = history(f.a)
        f.etcd.call("kv/put", {"key": b64("/fleet/revisions/notjson"), "value": b64("{\"changes\": [")})
        f.etcd.call("kv/put", {"key": b64("/fleet/revisions/forged"), "value": b64(json.dumps(
            {"changes": [{"kind": "slices", "name": 5}]}))})
        f.etcd.call("kv/put", {"key": b64("/fleet/revisions/../x"), "value": b64("{}")})
        c, _ = f.b.req("PUT", "/api/v1/slices/red", bare_slice(60))
        wait_until(lambda: len(history(f.a)) == 6 and history(f.a) == history(f.b) and
                   history(f.a)[0][2] == "PUT /api/v1/slices/red", SETTLE_S, "on after forged ones")
        keys = rev_keys(f)
        expect_eq(sorted(r[0] for r in history(f.a)),
                  sorted(r for n, (r, _) in keys.items() if n not in ("notjson", "forged", "../x")), "none of the forged")
        for x in (f.a, f.b):
            expect("revision notjson" in x.logtext() and "revision forged" in x.logtext(), "said in the log")
        f.b.stop()
        f.b.start()
        wait_until(lambda: history(f.b) == history(f.a), SETTLE_S, "b restarted: the same history")


@R.test
def test_not_on_a_fleet_404():
    with Sxcd(NOSOCK, resync_ms=None, extra=["--no-netlink"]) as box:
        for path in ("fleet", "sites/x/site"):
            c, b = box.req("GET", "/api/v1/" + path)
            expect_eq((c, b["error"]["reason"]), (404, "not_fleet"), path)
        rc, _, err = sxctl(box, "fleet")
        expect(rc != 0 and "not_fleet" in err, "sxctl fleet: %d %s" % (rc, err))


# each box an sxdp on pcap ports, every feature sxcd compiles for (sxcdtest's PORTS); the
# tables compared, those a site's slices and peers write
TABLES = ["interfaces", "bd_ports", "flood", "svi", "fdb", "routes", "vteps", "vnis", "peers",
          "tunnels", "endpoints", "paths", "policies", "classes", "meters", "vdns"]


def site_spec(sid, net):
    return {"spec": {"id": sid, "lan": [{"port": "lan1"}, {"port": "lan2"}],
                     "wan": [{"name": "isp1", "port": "wan1", "address": "192.0.%d.1/24" % net,
                              "gateway": "192.0.%d.254" % net}]}}


@R.test
def test_two_boxes_with_sxdp_kill9_no_write():
    """Two boxes, each an sxdp: a slice (and b's site) written through a reaches Ready on b with
    its tables in b's sxdp; b's sxcd killed -9 and started again with nothing changed writes
    nothing to its sxdp (the reconciler's counter, and the tables the same)."""
    T.check_prereqs()
    with T.Sxdp(PORTS, pipeline=PIPE, port_opts=WAN, name="fa", mem_mb=256) as da, \
            T.Sxdp(PORTS, pipeline=PIPE, port_opts=WAN, name="fb", mem_mb=256) as db, \
            Fleet((da.sock_path, db.sock_path)) as f:
        base_b = snapshot(db, TABLES)
        for site, sid, net in (("site-a", 1, 2), ("site-b", 2, 3)):
            c, b = f.a.req("PUT", "/api/v1/sites/%s/site" % site, site_spec(sid, net))
            expect(c in (200, 201), "%s's site through a: %s" % (site, b))
        # a full mesh of peers, every site one (a third, site-c, has no box here): each box leaves
        # its own site's out; the paths' health in the view
        for name, pid, net in (("site-a", 1, 2), ("site-b", 2, 3), ("site-c", 3, 4)):
            c, b = f.a.req("PUT", "/api/v1/peers/" + name, {"spec": {"id": pid, "endpoints": [
                {"address": "192.0.%d.1" % net, "wan": "isp1"}], "probe": {"how": "static"}}})
            expect_eq(c, 201, "peer %s through a: %s" % (name, b))
        slice_b = {"spec": {"id": 7, "vni": 7000, "members": [{"port": "lan1"}],
                            "svi": {"address": "10.7.0.254/24", "mac": "02:00:0a:07:00:fe"},
                            "subnets": ["10.7.0.0/24"]}}
        t0 = time.monotonic()
        c, b = f.a.req("PUT", "/api/v1/slices/green", slice_b)
        expect_eq(c, 201, "green through a: %s" % b)
        wait_until(lambda: (slice_on(f.b, "green") or {}).get("status", {}).get("phase") == "Ready", SETTLE_S,
                   "green Ready on b")
        sys.stdout.write("# green Ready on b %.0f ms after a acknowledged it\n" % ((time.monotonic() - t0) * 1000))
        wait_until(lambda: f.b.req("GET", "/api/v1/site")[1].get("status", {}).get("phase") == "Ready", SETTLE_S,
                   "b's site Ready")
        # a slice stretched to a list of sites that names each box's own: Ready on both (each
        # leaves its own site out of the list, as of the mesh)
        c, b = f.a.req("PUT", "/api/v1/slices/blue", {"spec": {"id": 8, "vni": 7001, "members": [],
                                                         "peers": ["site-a", "site-b"]}})
        expect_eq(c, 201, "blue through a: %s" % b)
        wait_until(lambda: f.a.req("GET", "/api/v1/fleet")[1]["intents"]
                   .get("slices/blue") == {"site-a": "Ready", "site-b": "Ready"}, SETTLE_S, "blue Ready on both")
        # one placed at site-a and site-c (no box here), and its policy: b compiles nothing
        # of them (Ready, "elsewhere"), a holds them
        c, b = f.a.req("PUT", "/api/v1/slices/red", {"spec": {"id": 9, "vni": 7002, "members": [{"port": "lan2"}],
                                                        "svi": {"address": "10.9.0.254/24",
                                                                "mac": "02:00:0a:09:00:fe"},
                                                        "peers": ["site-a", "site-c"]}})
        expect_eq(c, 201, "red through a: %s" % b)
        c, b = f.a.req("PUT", "/api/v1/policies/red-web", {"spec": {"slice": "red", "class": 1,
                                                              "match": {"dst": "10.99.0.0/16"},
                                                              "path_policy": {"mode": "failover",
                                                                              "wans": ["isp1"]}}})
        expect_eq(c, 201, "red's policy through a: %s" % b)
        # the fleet view: a's alone (b's report names only its own site's intents)
        wait_until(lambda: all(
            f.a.req("GET", "/api/v1/fleet")[1]["intents"].get(w) == {"site-a": "Ready"}
            for w in ("slices/red", "policies/red-web")), SETTLE_S,
            "red and its policy Ready on a, not in b's report")
        rb = (slice_on(f.b, "red") or {}).get("status", {})
        pb = f.b.req("GET", "/api/v1/policies/red-web")[1].get("status", {})
        expect_eq((rb.get("elsewhere"), rb.get("entries", 0), pb.get("elsewhere"), pb.get("entries", 0)),
                  ("its peers list does not name this site (peers/site-b)", 0, "slices/red is not this site's",
                   0), "b: red and its policy elsewhere, holding nothing")
        ra = (slice_on(f.a, "red") or {}).get("status", {})
        expect(ra.get("entries", 0) > 0 and "elsewhere" not in ra, "a holds red: %s" % ra)
        expect(not any('"vni": 7002' in e for t in TABLES for e in snapshot(db, TABLES)[t]),
               "nothing of red in b's sxdp")
        expect(any('"vni": 7002' in e for t in TABLES for e in snapshot(da, TABLES)[t]), "red's VNI in a's sxdp")
        good = snapshot(db, TABLES)
        added = []
        for t in TABLES:
            added += [e for e in good[t] if e not in base_b[t]]
        expect(any('"vni": 7000' in e for e in added), "green's VNI in b's sxdp: %s" % added[:5])
        # the fleet view from a: b live, green Ready on both
        wait_until(lambda: f.a.req("GET", "/api/v1/fleet")[1]["intents"]
                   .get("slices/green") == {"site-a": "Ready", "site-b": "Ready"}, SETTLE_S,
                   "green Ready on both in the view")
        def mesh(x, peers):
            return x["paths"] == {"up": 2, "total": 2} and sorted(
                p["name"] for p in x["view"]["peers"] if p["paths"]) == peers and all(
                ph == "Ready" for w, ph in ((w, i["phase"]) for w, i in x["intents"].items()) if w.startswith("peers/"))
        wait_until(lambda: mesh(boxes(f.a)["site-b"], ["site-a", "site-c"])
                   and mesh(boxes(f.b)["site-a"], ["site-b", "site-c"]), SETTLE_S, "the mesh in the view")
        w0 = f.b.status()["sxdp"]["reconcile"]["writes"]
        expect(w0 > 0, "b wrote its tables: %d" % w0)
        f.b.kill9()
        f.b.start()
        wait_until(lambda: (slice_on(f.b, "green") or {}).get("status", {}).get("phase") == "Ready"
                   and f.b.status()["sxdp"]["reconcile"]["runs"] > 0, SETTLE_S, "b Ready again")
        time.sleep(1.0)  # a resync or two more
        st = f.b.status()["sxdp"]["reconcile"]
        expect_eq(st["writes"], 0, "no dataplane write after a restart with nothing changed: %s" % st)
        expect_eq(snapshot(db, TABLES), good, "b's tables unchanged")
        # a change after it still goes through
        c, _ = f.a.req("DELETE", "/api/v1/slices/green")
        expect_eq(c, 200, "withdraw green through a")
        wait_until(lambda: not any('"vni": 7000' in e for t in TABLES for e in snapshot(db, TABLES)[t]), SETTLE_S,
                   "green gone from b's sxdp")


if __name__ == "__main__":
    R.main()
