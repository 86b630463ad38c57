#!/usr/bin/python3
"""Every intent document under examples/ is applied to a real sxdp through
sxcd, as a user would send it with `sxctl apply -f`: sxdp started with the
ports the document names (its site's LAN, WAN and host ports, its UPFs' N3
and N9), the other site's public key where the document has a placeholder
for it. Its dry run answers 200 with no error and announces writes; applied,
every intent settles Ready (or Degraded with no path up: the peer sites
do not run here; or Pending on something outside sxcd), and sxdp then
holds what the dry run announced. A new document
under examples/ is taken by this test with nothing to add.

    /usr/bin/python3 tests/packet/test_examples.py [NAME-SUBSTRING ...]
"""

import base64
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, Sxdp, expect, expect_eq  # noqa: E402
import sxcdtest as S  # noqa: E402

R = T.Runner()
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCS = sorted(glob.glob(os.path.join(ROOT, "examples", "**", "*.json"), recursive=True))


def ports_of(items):
    """{port: role} of every port the document names: the site's LAN (and
    host) ports, WAN ports, and each UPF's N3 and N9."""
    roles = {}
    for it in items:
        spec = it.get("spec", {})
        if it["kind"] == "site":
            roles.update({x["port"]: "lan" for x in spec.get("lan", [])})
            roles.update({x["port"]: "wan" for x in spec.get("wan", [])})
            if "host" in spec:
                roles[spec["host"]["port"]] = "lan"
        elif it["kind"] == "upf":
            for side in ("n3", "n9"):
                if side in spec:
                    roles[spec[side]["port"]] = side
    return roles


def with_keys(text):
    """The document with a fresh X25519 public key (any 32 random bytes but
    the few low-order points) wherever it names the other site's."""
    for ph in ("SITE_A_PUBLIC_KEY", "SITE_B_PUBLIC_KEY"):
        text = text.replace(ph, base64.b64encode(os.urandom(32)).decode())
    return json.loads(text)


def apply_case(path):
    doc = with_keys(open(path).read())
    items = doc["items"]
    roles = ports_of(items)
    expect(roles, "%s names no port" % path)
    ports = {p: [] for p in roles}
    opts = {p: {"role": r} for p, r in roles.items()}
    with Sxdp(ports, pipeline={r: S.PIPE[r] for r in set(roles.values())}, port_opts=opts) as dp, \
            S.Sxcd(dp.sock_path) as cd:
        # a dry run compiles against sxdp's tables as read: once sxcd has them
        T.wait_until(lambda: cd.status()["sxdp"]["connected"], SETTLE_S, "sxcd connected to sxdp")
        code, dry = cd.req("POST", "/api/v1/apply?dry_run=1", doc)
        expect_eq(code, 200, "%s: its dry run (%s)" % (path, json.dumps(dry)[:600]))
        expect(dry.get("diff"), "%s: its dry run announces writes: %s" % (path, json.dumps(dry)[:800]))
        code, res = cd.req("POST", "/api/v1/apply", doc)
        expect(code in (200, 201), "%s: applied: %s %s" % (path, code, json.dumps(res)[:600]))
        phases = cd.wait_settled(timeout=SETTLE_S)
        print("#   %s: %s" % (os.path.relpath(path, ROOT),
                               ", ".join("%s %s%s" % (k, v["phase"], " (waiting for %s)" % v["waiting_for"]
                                                       if v.get("waiting_for") else "")
                                         for k, v in sorted(phases.items()))))
        # Degraded for want of a peer site alone: none runs here, so no path comes up
        bad = {k: v for k, v in phases.items() if v["phase"] != "Ready" and
               not (v["phase"] == "Degraded" and v.get("reason") == "no_path_up") and
               not (v["phase"] == "Pending" and v.get("waiting_for"))}
        expect_eq(bad, {}, "%s: every intent Ready (or Degraded with no path up: no peer here)" % path)
        expect_eq(len(phases), len(items), "%s: every intent has a phase" % path)
        # what the dry run announced is in sxdp now (counted per table: a
        # range or a prefix is written in a form its read gives back otherwise)
        announced = {}
        for d in dry["diff"]:
            if d.get("type", "insert") == "insert":
                announced[d["table"]] = announced.get(d["table"], 0) + 1
        short = {t: (n, dp.table_read(t)[1]) for t, n in announced.items() if dp.table_read(t)[1] < n}
        expect_eq(short, {}, "%s: sxdp holds what the dry run announced (table: announced, held)" % path)
        dp.stop()


@R.test
def test_every_example_document_applies():
    """Each of examples/**/*.json: dry run, apply, settled (Ready, or
    without a peer here), sxdp holding what the dry run announced."""
    expect(len(DOCS) >= 3, "the examples' documents: %s" % DOCS)
    for path in DOCS:
        apply_case(path)


if __name__ == "__main__":
    sys.exit(R.main())
