#!/usr/bin/python3
"""sxcd keys the encrypted paths: a peer's intent with encryption {public_key}
makes, in sxdp, the ESP SAs of each of its paths (outbound for this epoch,
inbound for this one and the next), derived by both ends from their X25519
keys: this test is the peer, with python3-cryptography's X25519 and HKDF as
the independent implementation. The SPIs sxdp holds are the ones the peer
derives, and an ESP packet the peer seals with the key it derives is opened
by sxdp. The box's key lives in the store (mode 0600) and nowhere else:
not in the status, the log or /metrics; its public key is in the status.
Rekeying every few seconds moves every path to the next epoch's SAs, the
next inbound ones already there (make-before-break). A restarted sxcd takes
the SAs sxdp holds as its own. A public key that is none is said in the
status and keys nothing.

    /usr/bin/python3 tests/packet/test_overlay_keys.py [NAME-SUBSTRING ...]
"""

import base64
import json
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import SETTLE_S, Sxdp, expect, expect_eq  # noqa: E402

try:
    from cryptography.hazmat.primitives import serialization  # noqa: E402
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey  # noqa: E402
    import espderive  # noqa: E402
    from scapy.all import IP, UDP, Ether, Raw  # noqa: E402
    from scapy.layers.ipsec import ESP, SecurityAssociation  # noqa: E402
    from scapy.layers.vxlan import VXLAN  # noqa: E402
except ImportError as e:
    print("SKIP: %s (install python3-cryptography and python3-scapy, run with /usr/bin/python3)" % e)
    sys.exit(77)

import sxcdtest as S  # noqa: E402

R = T.Runner()
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw
PEER_KEY = X25519PrivateKey.generate()
BOX_KEY = X25519PrivateKey.from_private_bytes(os.urandom(32))
EPOCH_S = 3600         # sxcd's epoch (--esp-rekey as shipped): SAs are of the wall clock's hour
GRACE_S = 30           # sxcd's ESP_GRACE_S: the last epoch's inbound SAs kept into the next
TEST_BOUND_S = 150     # generous: the longest a test here takes on a busy machine


def quiet_epoch():
    """This hour's epoch, once the wall clock is clear of its edges: past the
    last epoch's grace, and a test's bound before the next epoch. A test
    keyed by the hour then spans no boundary (CI crossed one mid-test: sxcd
    rightly moved to the next epoch's SAs, which the test did not expect)."""
    while True:
        now = time.time()
        into = now % EPOCH_S
        if GRACE_S + 1 <= into <= EPOCH_S - TEST_BOUND_S:
            return int(now) // EPOCH_S
        wait = GRACE_S + 1 - into if into < GRACE_S + 1 else EPOCH_S - into + GRACE_S + 1
        print("# waiting %.0f s for the wall clock to clear an epoch's edge" % wait, flush=True)
        time.sleep(wait)


def in_epoch(e):
    expect_eq(int(time.time()) // EPOCH_S, e, "the test stayed in its epoch (within TEST_BOUND_S)")


def b64(pub):
    return base64.b64encode(pub.public_bytes(*RAW)).decode()


def box_private_bytes():
    return BOX_KEY.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())


def derive(src, dst, epoch, aes256=False, lane=0, gen=0):
    """(key and salt, SPI) of the SA src -> dst at epoch (of lane and generation), as the peer derives it."""
    shared = PEER_KEY.exchange(X25519PublicKey.from_public_bytes(BOX_KEY.public_key().public_bytes(*RAW)))
    return espderive.derive(shared, src, dst, epoch, aes256, lane, gen)


def peer(public_key=None, cipher=None, lanes=None, nat=False, gen=None):
    p = dict(S.PEER, spec=dict(S.PEER["spec"]))
    p["spec"]["encryption"] = {"public_key": public_key or b64(PEER_KEY.public_key())}
    if cipher:
        p["spec"]["encryption"]["cipher"] = cipher
    if lanes:
        p["spec"]["encryption"]["lanes"] = lanes
    if nat:
        p["spec"]["encryption"]["nat_traversal"] = True
    if gen is not None:
        p["spec"]["encryption"]["generation"] = gen
    return p


def store_with_key():
    """A store whose box key is BOX_KEY (as sxcd would have made it: raw, 0600)."""
    import tempfile
    d = tempfile.mkdtemp(prefix="sxcd-store-")
    fd = os.open(os.path.join(d, "esp.key"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, box_private_bytes())
    os.close(fd)
    return d


def sas_of(dp):
    return dp.rpc("overlay.sa.list")


def wait_sas(dp, pred, what, timeout=SETTLE_S):
    deadline = time.monotonic() + timeout
    while True:
        sas = sas_of(dp)
        if pred(sas):
            return sas
        if time.monotonic() > deadline:
            raise T.TestFailure("%s: sxdp holds %s" % (what, sas))
        time.sleep(0.1)


# the two paths of test_sxcd's PEER: (local VTEP, the peer's endpoint)
PATHS = [("192.0.2.1", "203.0.113.2"), ("198.51.100.1", "203.0.113.3")]


def expected(epoch):
    """{(dir, src, dst): SPIs} sxdp must hold at epoch (past the last one's grace)."""
    out = {}
    for local, remote in PATHS:
        out[("out", local, remote)] = {derive(local, remote, epoch)[1]}
        out[("in", remote, local)] = {derive(remote, local, e)[1] for e in
                                      (epoch, epoch + 1)}
    return out


def held(sas):
    out = {}
    for s in sas:
        out.setdefault((s["dir"], s["src"], s["dst"]), set()).add(s["spi"])
    return out


def sealed_to_box(spi, key, seq, src, dst, nat=None):
    """An ESP frame from the peer's endpoint src to the box's VTEP dst carrying a VXLAN datagram
    (nat: (address, port), where its NAT puts it: UDP-encapsulated from there); seq its full
    64-bit number (ESN: the low half on the wire, the high half in the ICV)."""
    inner = IP(src=src, dst=dst) / UDP(sport=50000, dport=4789) / VXLAN(vni=4242, flags=0x08) / \
        Ether(src="02:00:00:00:09:01", dst="02:00:00:00:09:02") / IP() / UDP() / Raw(b"k")
    sa = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=key, auth_algo="NULL",
                             tunnel_header=IP(src=nat[0] if nat else src, dst=dst),
                             nat_t_header=UDP(sport=nat[1], dport=4500) if nat else None,
                             esn_en=True, esn=seq >> 32, seq_num=seq & 0xffffffff)
    e = bytearray(bytes(sa.encrypt(inner)))
    if nat:   # scapy writes a UDP length of 8 (the header alone): what follows is ESP
        e[24:26] = struct.pack("!H", len(e) - 20)
    return Ether(src="02:00:00:00:ff:02", dst="02:00:00:00:ff:01", type=0x0800) / Raw(bytes(e))


@R.test
def test_sas_derived_by_both_ends():
    """sxdp holds, for each path, the outbound SA of this epoch and the inbound
    ones of this epoch and the next, with the SPIs the peer derives; ESP the
    peer seals with the keys it derives is opened (each epoch's inbound SA
    counts one), and what it carried goes on to the VXLAN checks (VNI 4242 is
    none: overlay.unknown_vni). The box's key: only in esp.key (0600)."""
    e = quiet_epoch()
    pkts = []
    for ep in (e, e + 1):
        key, spi = derive("203.0.113.2", "192.0.2.1", ep)
        pkts.append(sealed_to_box(spi, key, 1, "203.0.113.2", "192.0.2.1"))
    ports = dict(S.PORTS, wan1=pkts)
    with Sxdp(ports, pipeline=S.PIPE, port_opts=S.WAN) as dp, \
            S.Sxcd(dp.sock_path, store=store_with_key()) as cd:
        code, r = cd.req("POST", "/api/v1/apply", {"items": [S.SITE, peer()]})
        expect(code in (200, 201), "apply: %s %s" % (code, r))
        want = expected(e)
        sas = wait_sas(dp, lambda s: held(s) == want, "the SAs of both paths")
        st = cd.status()["services"]["esp"]
        expect_eq(st["public_key"], b64(BOX_KEY.public_key()), "the status shows the box's public key")
        expect_eq(st["peers"], {"siteB": "keyed"}, "the peer is keyed")
        in_epoch(e)
        expect(all(s["active"] for s in sas if s["dir"] == "out"), "each path's outbound SA in use")
        dp.phase(["wan1"])
        st = dp.stats()
        by_spi = {s["spi"]: s for s in sas_of(dp)}
        for ep in (e, e + 1):
            spi = derive("203.0.113.2", "192.0.2.1", ep)[1]
            expect_eq(by_spi[spi]["packets"], 1, "epoch %d's inbound SA opened the peer's packet" % ep)
        expect_eq(T.drops_of(st).get("overlay.unknown_vni"), 2, "the datagrams went on to the VXLAN checks")
        expect(not any(k.startswith("overlay.esp_") for k in T.drops_of(st)), "no ESP refusal: %s" % T.drops_of(st))
        path = os.path.join(cd.store, "esp.key")
        expect_eq(oct(os.stat(path).st_mode & 0o777), "0o600", "esp.key's mode")
        secret = box_private_bytes()
        status = repr(cd.status())
        metrics = cd.req("GET", "/metrics")[1]
        log = open(cd.log, "rb").read()
        for form in (secret.hex(), base64.b64encode(secret).decode(), secret.hex().upper()):
            expect(form not in status and form not in metrics and form.encode() not in log,
                   "the private key nowhere but in esp.key")
        for local, remote in PATHS:
            k = derive(local, remote, e)[0].hex()
            expect(k not in status and k not in metrics and k.encode() not in log, "no derived key shown")


@R.test
def test_a_new_box_makes_its_key_once():
    """A store without a key gets one at the first start (0600, 32 bytes) and
    keeps it across a restart: the same public key. One others may read, one
    another user owns, one not 32 bytes: refused at start, said."""
    with Sxdp(dict(S.PORTS), pipeline=S.PIPE, port_opts=S.WAN) as dp:
        cd = S.Sxcd(dp.sock_path)
        try:
            cd.start()
            pub = cd.status()["services"]["esp"]["public_key"]
            path = os.path.join(cd.store, "esp.key")
            expect_eq((oct(os.stat(path).st_mode & 0o777), os.stat(path).st_size), ("0o600", 32), "esp.key")
            expect_eq(len(base64.b64decode(pub)), 32, "a 32-byte public key")
            cd.stop()
            cd.start()
            expect_eq(cd.status()["services"]["esp"]["public_key"], pub, "the same key after a restart")
            def refused(what):
                cd.stop()
                try:
                    cd.start()
                    ok = False
                except T.TestFailure:
                    ok = True
                expect(ok and "of mode 0600 owned by uid" in cd.logtext(), "%s: refused at start: %s"
                       % (what, cd.logtail()))
            os.chmod(path, 0o644)
            refused("a key others may read")
            # 0600 but another user's (who may write it), or not 32 bytes: refused alike
            os.chmod(path, 0o600)
            os.chown(path, 65534, 65534)
            refused("a key another user owns")
            os.chown(path, os.geteuid(), os.getegid())
            with open(path, "ab") as f:
                f.write(b"x")
            refused("a key of 33 bytes")
        finally:
            cd.stop()
            import shutil
            shutil.rmtree(cd.store, ignore_errors=True)


@R.test
def test_rekey_make_before_break():
    """With --esp-rekey 3: every path moves to each next epoch's SAs, the
    next epoch's inbound SA there before its outbound one is used; the old
    outbound SA goes, the last epoch's inbound one stays its grace; sxcd
    counts the rekeys. A restarted sxcd takes sxdp's SAs as its own: no SA
    made twice, none missing."""
    with Sxdp(dict(S.PORTS), pipeline=S.PIPE, port_opts=S.WAN) as dp, \
            S.Sxcd(dp.sock_path, store=store_with_key(), extra=["--esp-rekey", "3"]) as cd:
        cd.req("POST", "/api/v1/apply", {"items": [S.SITE, peer(cipher="aes-gcm-256")]})
        seen_out = {}
        deadline = time.monotonic() + 14
        while time.monotonic() < deadline:
            sas = sas_of(dp)
            for s in sas:
                if s["dir"] == "out":
                    seen_out.setdefault(s["spi"], s)
            ins = {s["spi"] for s in sas if s["dir"] == "in"}
            e = int(time.time()) // 3
            for local, remote in PATHS:
                # the next epoch's inbound SA is there whenever this one's outbound is used
                outs = [s for s in sas if s["dir"] == "out" and s["src"] == local and s["active"]]
                if outs and outs[0]["spi"] == derive(local, remote, e, True)[1]:
                    expect(derive(remote, local, e + 1, True)[1] in ins,
                           "epoch %d's inbound SA before its outbound one is used (%s)" % (e + 1, local))
            time.sleep(0.2)
        expect(len(seen_out) >= 6, "a new outbound SA per path and epoch: %d seen" % len(seen_out))
        expect(all(s["cipher"] == "aes-gcm-256" for s in seen_out.values()), "the peer's cipher")
        st = cd.status()["services"]["esp"]
        expect(st["rekeys"] >= 3 and st["errors"] == 0, "sxcd's rekeys: %s" % st)
        # a new sxcd on the same store and sxdp
        made = st["made"]
        cd.stop()
        e0 = int(time.time()) // 3
        cd.start()
        cd.wait_settled()

        def current(sas):
            e = int(time.time()) // 3
            act = {(s["src"], s["spi"]) for s in sas if s["dir"] == "out" and s["active"]}
            return all((local, derive(local, remote, e, True)[1]) in act for local, remote in PATHS)
        after = wait_sas(dp, current, "each path's outbound SA of the epoch after sxcd's restart")
        e1 = int(time.time()) // 3
        st2 = cd.status()["services"]["esp"]
        expect_eq(st2["errors"], 0, "no error adopting sxdp's SAs: %s" % st2)
        expect(st2["made"] <= 4 * (e1 - e0 + 1), "the restarted sxcd made only what new epochs need (%d in %d "
               "epochs; %d before)" % (st2["made"], e1 - e0, made))
        expect_eq(len({s["spi"] for s in after}), len(after), "no SA twice")


@R.test
def test_a_key_that_is_none_keys_nothing():
    """A public key of the right length that is the all-zero point (low
    order: RFC 7748 6.1) is said in the status and makes no SA; the
    peer's paths are written sealed all the same: nothing leaves on them."""
    with Sxdp(dict(S.PORTS), pipeline=S.PIPE, port_opts=S.WAN) as dp, S.Sxcd(dp.sock_path) as cd:
        cd.req("POST", "/api/v1/apply", {"items": [S.SITE, peer(public_key=base64.b64encode(bytes(32)).decode())]})
        cd.wait_settled()
        deadline = time.monotonic() + SETTLE_S
        while cd.status()["services"]["esp"]["peers"].get("siteB") is None and time.monotonic() < deadline:
            time.sleep(0.1)
        expect("no X25519" in cd.status()["services"]["esp"]["peers"].get("siteB", ""), "the status says why")
        expect_eq(sas_of(dp), [], "no SA")
        # the paths are the peer's all the same, written sealed: never clear without an SA
        paths = dp.table_read("paths")[0]
        expect(len(paths) == 2 and all(p["params"].get("sealed") == 1 for p in paths),
               "both paths sealed: %s" % [p["params"] for p in paths])
        expect_eq([p["encryption"] for p in dp.rpc("overlay.paths")], ["none (required)"] * 2,
                  "both paths carry nothing, clear or not")


@R.test
def test_lanes_derived_by_both_ends():
    """encryption.lanes 3: each path has 3 outbound SAs (lanes 0..2, each
    active) and each lane's inbound SAs, the SPIs the peer derives with the
    lane as one more byte of info (lane 0 as without lanes); an ESP packet
    the peer seals on lane 2 is opened."""
    e = quiet_epoch()
    key, spi = derive("203.0.113.2", "192.0.2.1", e, lane=2)
    pkts = [sealed_to_box(spi, key, 1, "203.0.113.2", "192.0.2.1")]
    with Sxdp(dict(S.PORTS, wan1=pkts), pipeline=S.PIPE, port_opts=S.WAN) as dp, \
            S.Sxcd(dp.sock_path, store=store_with_key()) as cd:
        code, r = cd.req("POST", "/api/v1/apply", {"items": [S.SITE, peer(lanes=3)]})
        expect(code in (200, 201), "apply: %s %s" % (code, r))
        want_out = {(local, lane): derive(local, remote, e, lane=lane)[1] for local, remote in PATHS
                    for lane in range(3)}
        sas = wait_sas(dp, lambda s: {(x["src"], x["lane"]): x["spi"] for x in s if x["dir"] == "out"} == want_out,
                       "three lanes of outbound SAs per path")
        in_epoch(e)
        expect(all(x["active"] for x in sas if x["dir"] == "out"), "every lane's SA in use")
        ins = {x["spi"] for x in sas if x["dir"] == "in"}
        expect(all(derive(remote, local, ep, lane=lane)[1] in ins for local, remote in PATHS
                   for lane in range(3) for ep in (e, e + 1)), "each lane's inbound SAs, this epoch and the next")
        dp.phase(["wan1"])
        by_spi = {x["spi"]: x for x in sas_of(dp)}
        expect_eq(by_spi[spi]["packets"], 1, "lane 2's inbound SA opened the peer's packet")


@R.test
def test_nat_traversal_keyed():
    """encryption.nat_traversal: every SA UDP-encapsulated on port 4500,
    each inbound one of its path (taken from any source); the peer's
    packet from behind a NAT (another address and port) is opened and the
    path's endpoint moves there; a NAT keepalive goes out on each path
    every --natt-keepalive seconds (counted in the status, one byte 0xff
    from UDP 4500 on the WAN)."""
    e = quiet_epoch()
    key, spi = derive("203.0.113.2", "192.0.2.1", e)
    nat = ("100.64.7.9", 40500)
    pkts = [sealed_to_box(spi, key, 1, "203.0.113.2", "192.0.2.1", nat=nat)]
    with Sxdp(dict(S.PORTS, wan1=pkts), pipeline=S.PIPE, port_opts=S.WAN) as dp, \
            S.Sxcd(dp.sock_path, store=store_with_key(), extra=["--natt-keepalive", "1"]) as cd:
        code, r = cd.req("POST", "/api/v1/apply", {"items": [S.SITE, peer(nat=True)]})
        expect(code in (200, 201), "apply: %s %s" % (code, r))
        sas = wait_sas(dp, lambda s: held(s) == expected(e), "the SAs of both paths")
        in_epoch(e)
        expect(all(x["natt_dport"] == 4500 for x in sas), "every SA UDP-encapsulated: %s" % sas)
        paths = {x["src"]: x["path"] for x in sas if x["dir"] == "out"}
        expect(all(x["path"] == paths[x["dst"]] for x in sas if x["dir"] == "in"),
                   "each inbound SA of its path: %s" % sas)
        # the gateway resolved (no ARP peer here)
        dp.table_write([Sxdp.update("neigh", {"vrf": 4000, "ip": "192.0.2.254"}, "rewrite",
                                    {"port": "wan1", "vlan": 0, "dmac": "02:00:00:00:ff:02",
                                     "smac": "02:00:00:00:ff:01"})])
        dp.phase(["wan1"])
        by_spi = {x["spi"]: x for x in sas_of(dp)}
        expect_eq(by_spi[spi]["packets"], 1, "the packet from behind the NAT opened")
        expect_eq(by_spi[spi].get("endpoint"), {"address": nat[0], "port": nat[1]}, "the path follows the NAT")
        deadline = time.monotonic() + SETTLE_S
        while cd.status()["services"]["esp"]["nat_keepalives"] < 4 and time.monotonic() < deadline:
            time.sleep(0.2)
        expect(cd.status()["services"]["esp"]["nat_keepalives"] >= 4, "keepalives on both paths, twice")
        dp.stop()
        kas = [f for f in dp.outputs()["wan1"] if UDP in Ether(f) and Ether(f)[UDP].sport == 4500 and
               bytes(Ether(f)[UDP].payload) == b"\xff"]
        expect(len(kas) >= 1, "a NAT keepalive left on wan1: %s" % [Ether(f).summary() for f in dp.outputs()["wan1"]][-5:])
        expect(all(Ether(f)[IP].dst == nat[0] and Ether(f)[UDP].dport == nat[1] for f in kas),
               "to where the NAT put the peer")


@R.test
def test_rekey_now_by_generation():
    """encryption.generation changed (an operator's rekey now): the new
    generation's inbound SAs (derived with it) are in sxdp at once, beside
    the old ones, and open the peer's packet sealed with them; the
    outbound SAs move to it a few seconds later, the old generation's
    inbound SAs still there; the status counts one rekey now."""
    e = quiet_epoch()
    local, remote = PATHS[0]
    key, spi = derive(remote, local, e, gen=7)
    pkts = [sealed_to_box(spi, key, 1, remote, local)]
    with Sxdp(dict(S.PORTS, wan1=pkts), pipeline=S.PIPE, port_opts=S.WAN) as dp, \
            S.Sxcd(dp.sock_path, store=store_with_key()) as cd:
        code, r = cd.req("POST", "/api/v1/apply", {"items": [S.SITE, peer()]})
        expect(code in (200, 201), "apply: %s %s" % (code, r))
        wait_sas(dp, lambda s: held(s) == expected(e), "generation 0's SAs")
        t0 = time.monotonic()   # before sxcd can have seen generation 7
        code, r = cd.req("POST", "/api/v1/apply", {"items": [S.SITE, peer(gen=7)]})
        expect(code in (200, 201), "apply generation 7: %s %s" % (code, r))
        new_in = {derive(remote, local, x, gen=7)[1] for x in (e, e + 1)}
        old_in = {derive(remote, local, x)[1] for x in (e, e + 1)}
        sas = wait_sas(dp, lambda s: new_in <= {x["spi"] for x in s if x["dir"] == "in"},
                       "generation 7's inbound SAs")
        outs = {x["spi"] for x in sas if x["dir"] == "out" and x["active"]}
        if time.monotonic() - t0 < 3:   # sxcd's switch is 5 s after in its whole seconds (4 s at the least)
            expect_eq(outs & {derive(local, remote, e)[1]}, {derive(local, remote, e)[1]},
                      "the outbound SA still generation 0's while the peer takes the new one")
        expect(old_in <= {x["spi"] for x in sas if x["dir"] == "in"}, "the old inbound SAs kept")
        dp.phase(["wan1"])
        by_spi = {x["spi"]: x for x in sas_of(dp)}
        expect_eq(by_spi[spi]["packets"], 1, "the peer's packet of generation 7 opened")
        new_out = derive(local, remote, e, gen=7)[1]
        sas = wait_sas(dp, lambda s: any(x["spi"] == new_out and x["active"] for x in s), "the outbound SA moved")
        expect(old_in <= {x["spi"] for x in sas if x["dir"] == "in"}, "the old inbound SAs still kept")
        in_epoch(e)
        expect_eq(cd.status()["services"]["esp"]["rekeys_now"], 1, "one rekey now")


@R.test
def test_ikev2_keying_checked():
    """keying ikev2: an intent naming no key (neither the peer's public key
    nor ike.psk_file) fails naming what is missing, ike without keying
    ikev2 fails, and so does ikev2 with WireGuard; a PSK file others may
    read, or too short, is refused (the status says why, nothing of it
    shown); a good one and a derived keying's peer beside it: no derived
    SA for the IKEv2 peer, its paths never clear, and the PSK nowhere in
    the status."""
    import tempfile
    d = tempfile.mkdtemp(prefix="sxcd-psk-")
    psk = os.path.join(d, "gw.psk")
    secret = "the-gateways-pre-shared-key-0123"
    with Sxdp(dict(S.PORTS), pipeline=S.PIPE, port_opts=S.WAN) as dp, S.Sxcd(dp.sock_path) as cd:
        def ike_peer(enc):
            p = dict(S.PEER, spec=dict(S.PEER["spec"]))
            p["spec"]["encryption"] = enc
            return p

        cd.req("POST", "/api/v1/apply", {"items": [S.SITE]})
        for enc, where in (({"keying": "ikev2"}, "/spec/encryption/public_key"),
                           ({"public_key": b64(PEER_KEY.public_key()), "ike": {"dpd_s": 5}}, "/spec/encryption/ike"),
                           ({"cipher": "wireguard", "keying": "ikev2", "public_key": b64(PEER_KEY.public_key())},
                            "/spec/encryption/keying")):
            code, r = cd.req("PUT", "/api/v1/peers/siteB?wait=1", {"spec": ike_peer(enc)["spec"]})
            st = r.get("status", {}) if isinstance(r, dict) else {}
            expect(code in (200, 201, 422) and (st.get("phase") == "Failed" or code == 422) and where in json.dumps(r),
                   "%s refused naming %s: %s %s" % (enc, where, code, r))
        cd.req("DELETE", "/api/v1/peers/siteB")
        enc = {"keying": "ikev2", "ike": {"psk_file": psk}}
        for mode, text, why in ((0o644, secret, "others may read it"), (0o600, "short", "too short")):
            with open(psk, "w") as f:
                f.write(text)
            os.chmod(psk, mode)
            code, r = cd.req("POST", "/api/v1/apply", {"items": [S.SITE, ike_peer(enc)]})
            expect(code in (200, 201), "apply: %s %s" % (code, r))
            deadline = time.monotonic() + SETTLE_S
            while "PSK file" not in cd.status()["services"]["ike"]["peers"].get("siteB", "") and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
            expect("PSK file" in cd.status()["services"]["ike"]["peers"].get("siteB", ""),
                   "a PSK file %s refused, said: %s" % (why, cd.status()["services"]["ike"]["peers"]))
        with open(psk, "w") as f:
            f.write(secret + "\n")
        os.chmod(psk, 0o600)
        deadline = time.monotonic() + SETTLE_S
        while cd.status()["services"]["ike"]["peers"].get("siteB") is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        st = cd.status()["services"]
        expect_eq(st["ike"]["peers"], {}, "the good PSK file taken")
        expect_eq(sorted(p["state"] for p in st["ike"]["paths"].values()), ["connecting", "connecting"],
                  "both paths' IKE SAs starting (a third-party gateway: the box starts)")
        expect(secret not in json.dumps(st) and secret not in cd.logtext(), "the PSK in no status or log line")
        expect_eq(sas_of(dp), [], "no derived SA for an IKEv2 peer")
        expect_eq(st["esp"]["peers"], {}, "the derived keying leaves it alone")
        expect_eq([p["encryption"] for p in dp.rpc("overlay.paths")], ["none (required)"] * 2,
                  "both paths carry nothing until a Child SA is up, clear or not")


def saved_marks(store):
    """The marks sxcd saved last (its state document "esp"), {} if none yet."""
    import glob
    import json
    docs = sorted(glob.glob(os.path.join(store, "state", "esp*.json")), key=os.path.getmtime)
    try:
        doc = json.load(open(docs[-1])) if docs else {}
    except ValueError:   # being written: the next look
        return {}
    return doc.get("doc", doc) if isinstance(doc, dict) else {}


@R.test
def test_sxdp_restart_keeps_windows():
    """The receiving sxdp killed (-9) and started again as the peer's SA
    counts past 2^32: sxcd makes its inbound SAs again with each window
    where it was (overlay.sa.add seq: one past the top it saw last), so the
    peer's next packet (2^32 + 2: its ESN high half 1) is taken, and replays
    of packets from before the restart are refused. Before: the new window
    at 0 read the high half as 0 (the packet refused as auth, until the
    next epoch) and took the replays."""
    import shutil
    import tempfile
    e = quiet_epoch()
    local, remote = PATHS[0]
    key, spi = derive(remote, local, e)
    top = (1 << 32) - 1     # the peer's last number before 2^32
    before = [sealed_to_box(spi, key, top + i, remote, local) for i in (-3, -2, -1, 0)]
    after = [sealed_to_box(spi, key, top, remote, local),          # a replay of the last before
             sealed_to_box(spi, key, top - 2, remote, local),      # and of one before it
             sealed_to_box(spi, key, top + 3, remote, local)]      # the peer's next: 2^32 + 2
    d = tempfile.mkdtemp(prefix="sxcd-link-")
    link = os.path.join(d, "sxdp.sock")
    store = store_with_key()
    try:
        with Sxdp(dict(S.PORTS, wan1=before), pipeline=S.PIPE, port_opts=S.WAN) as dp1:
            os.symlink(dp1.sock_path, link)
            with S.Sxcd(link, store=store) as cd:
                code, r = cd.req("POST", "/api/v1/apply", {"items": [S.SITE, peer()]})
                expect(code in (200, 201), "apply: %s %s" % (code, r))
                wait_sas(dp1, lambda x: spi in {a["spi"] for a in x if a["dir"] == "in"}, "the inbound SA")
                dp1.phase(["wan1"])
                row = {a["spi"]: a for a in sas_of(dp1)}[spi]
                expect_eq((row["packets"], row["top"]), (4, top), "the peer's numbers up to 2^32 - 1 taken: %s" % row)
                deadline = time.monotonic() + SETTLE_S
                name = next((n for n in saved_marks(store) if n.startswith("in|%s|%s|" % (remote, local))), None)
                while (name is None or saved_marks(store)[name].get("top") != top) and \
                        time.monotonic() < deadline:
                    time.sleep(0.2)
                    name = next((n for n in saved_marks(store) if n.startswith("in|%s|%s|" % (remote, local))), None)
                expect(name is not None and saved_marks(store)[name].get("top") == top,
                       "sxcd recorded the window's top: %s" % saved_marks(store))
                boot1 = cd.status()["sxdp"]["boot_id"]
                dp1.proc.kill()
                dp1.proc.wait()
                with Sxdp(dict(S.PORTS, wan1=after), pipeline=S.PIPE, port_opts=S.WAN) as dp2:
                    os.unlink(link)
                    os.symlink(dp2.sock_path, link)
                    deadline = time.monotonic() + SETTLE_S
                    while cd.status()["sxdp"]["boot_id"] == boot1 and time.monotonic() < deadline:
                        time.sleep(0.1)
                    row = next(a for a in wait_sas(dp2, lambda x: spi in {a["spi"] for a in x if a["dir"] == "in"},
                                                   "the inbound SA made again") if a["spi"] == spi)
                    expect_eq(row["top"], top, "made again with its window's top")
                    dp2.phase(["wan1"])
                    row = {a["spi"]: a for a in sas_of(dp2)}[spi]
                    expect_eq((row["packets"], row["replay"], row["auth"], row["top"]), (1, 2, 0, top + 3),
                              "the peer's next packet (high half 1) taken, both replays refused: %s" % row)
                    in_epoch(e)
    finally:
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)


@R.test
def test_key_rotation_make_before_break():
    """POST /api/v1/services/esp/rotate: a new box key (esp.key replaced,
    0600; the old one kept in esp.key.prev), the answer both public keys
    and nothing secret. While the peer still derives with the old public
    key, sxdp holds the inbound SAs of both keys and seals with the old
    key's; sxcd restarted meanwhile keeps the rotation. The peer's first
    packet on the new key's SA opens, and the box's outbound SA moves to
    the new key; every peer on it, the old key retires by itself (its SAs
    and esp.key.prev gone). Another rotate while one is under way: 409."""
    import shutil
    e = quiet_epoch()
    local, remote = PATHS[0]
    store = store_with_key()
    old_priv = box_private_bytes()

    def shared_of(priv):
        return PEER_KEY.exchange(X25519PrivateKey.from_private_bytes(priv).public_key())

    def sa(priv, src, dst):
        return espderive.derive(shared_of(priv), src, dst, e)

    try:
        with Sxdp(dict(S.PORTS), pipeline=S.PIPE, port_opts=S.WAN) as dp, \
                S.Sxcd(dp.sock_path, store=store, keep_store=True) as cd:
            code, r = cd.req("POST", "/api/v1/apply", {"items": [S.SITE, peer()]})
            expect(code in (200, 201), "apply: %s %s" % (code, r))
            wait_sas(dp, lambda x: held(x) == expected(e), "the old key's SAs")
            old_pub = cd.status()["services"]["esp"]["public_key"]
            code, r = cd.req("POST", "/api/v1/services/esp/rotate")
            expect_eq(code, 200, "rotate: %s" % r)
            expect(r.get("previous_public_key") == old_pub and r.get("public_key") not in (None, old_pub),
                   "the answer: both public keys: %s" % r)
            new_priv = open(os.path.join(store, "esp.key"), "rb").read()
            expect(len(new_priv) == 32 and new_priv != old_priv, "esp.key replaced")
            expect_eq(oct(os.stat(os.path.join(store, "esp.key")).st_mode & 0o777), "0o600", "esp.key's mode")
            expect_eq(open(os.path.join(store, "esp.key.prev"), "rb").read(), old_priv, "the old key kept")
            expect(new_priv.hex() not in json.dumps(r) + cd.logtext() and old_priv.hex() not in cd.logtext(),
                   "no private key in the answer or the log")
            code, r2 = cd.req("POST", "/api/v1/services/esp/rotate")
            expect_eq(code, 409, "another rotation while one is under way: %s" % r2)
            code, r3 = cd.req("POST", "/api/v1/services/esp/unknown")
            expect_eq(code, 404, "an action there is not: %s" % r3)
            dp.stop()
        # sxcd and sxdp again, the peer now sealing with the new key's SA
        new_key, new_spi = sa(new_priv, remote, local)
        pkt = sealed_to_box(new_spi, new_key, 1, remote, local)
        with Sxdp(dict(S.PORTS, wan1=[pkt]), pipeline=S.PIPE, port_opts=S.WAN) as dp, \
                S.Sxcd(dp.sock_path, store=store, keep_store=True) as cd:
            cd.req("POST", "/api/v1/apply", {"items": [S.SITE, peer()]})
            old_out = sa(old_priv, local, remote)[1]
            new_out = sa(new_priv, local, remote)[1]
            both_in = {sa(k, remote, local)[1] for k in (old_priv, new_priv)}
            sas = wait_sas(dp, lambda x: both_in <= {a["spi"] for a in x if a["dir"] == "in"} and
                           old_out in {a["spi"] for a in x if a["dir"] == "out"}, "both keys' inbound SAs, "
                           "the old key's outbound (sxcd restarted mid-rotation)")
            expect(new_out not in {a["spi"] for a in sas if a["dir"] == "out"}, "nothing sealed with the new key yet")
            expect_eq(cd.status()["services"]["esp"]["rotation"]["previous_public_key"], b64(
                X25519PrivateKey.from_private_bytes(old_priv).public_key()), "the status: the rotation under way")
            dp.phase(["wan1"])
            expect_eq({a["spi"]: a for a in sas_of(dp)}[new_spi]["packets"], 1, "the peer's packet on the new key")
            sas = wait_sas(dp, lambda x: new_out in {a["spi"] for a in x if a["dir"] == "out" and a["active"]},
                           "the outbound SA moved to the new key")
            sas = wait_sas(dp, lambda x: sa(old_priv, remote, local)[1] not in {a["spi"] for a in x},
                           "the old key's SAs gone: it retired")
            expect("rotation" not in cd.status()["services"]["esp"], "no rotation under way")
            expect(not os.path.exists(os.path.join(store, "esp.key.prev")), "esp.key.prev gone")
            in_epoch(e)
    finally:
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(R.main())
