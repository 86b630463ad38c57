#!/usr/bin/python3
"""sxcd's IKEv2 (pipelines/overlay/control/ov_ike.c) against strongSwan: the engine on a kernel
socket (ike_peer, a test's binary) in one namespace, charon with its user-space ESP (kernel-libipsec,
a TUN: this kernel has no ESP transforms) in another, a veth between. In both roles an IKE SA and a
Child SA come up with a pre-shared key, and the Child SA's keys are proved with traffic both ways:
scapy seals a ping with the key the engine handed out, charon opens it onto its TUN, its kernel
answers, charon seals the reply and scapy opens it with the engine's other key. A wrong key is refused
and counted on both sides; a Delete from the engine ends charon's SAs; charon's liveness checks are
answered; a peer gone silent is found dead by each side's dead peer detection.

Over IPv6 the same (the veth's IPv6 addresses, the engine's ID_IPV6_ADDR, NAT_DETECTION hashes over
the 16-byte addresses, TS_IPV6_ADDR_RANGE selectors), in both roles, each side's CREATE_CHILD_SA rekey
of the Child SA (a fresh DH) taken by the other, the keys of the Child SA and of its rekeyed successor
proved with an ICMPv6 echo the same way; and charon offering IPv4 selectors over an IPv6 IKE SA is
answered TS_UNACCEPTABLE (a selector of the other family is not the path's).

kernel-libipsec in strongSwan 5.9 always UDP-encapsulates (it fakes a NAT): so do these SAs (port
4500), which is the engine's NAT traversal under test too. Skipped (77) without strongSwan's charon.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packet"))
import sxdptest as T  # noqa: E402
from sxdptest import expect, expect_eq, wait_until  # noqa: E402

R = T.Runner()
CHARON = "/usr/lib/ipsec/charon"
BUILD = os.environ.get("BUILD", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build"))
PEER = os.path.join(BUILD, "pipelines", "overlay", "tests", "ike_peer")
NS_BOX, NS_GW = "ikebox", "ikegw"
BOX, GW = "10.77.0.1", "10.77.0.2"              # the IKE (outer) addresses
BOX_TS, GW_TS = "10.88.0.1", "10.88.0.2"        # the Child SA's selectors (the VTEPs)
BOX6, GW6 = "fd77::1", "fd77::2"                # the same over IPv6
BOX_TS6, GW_TS6 = "fd88::1", "fd88::2"
PSK = "a-long-pre-shared-key-for-tests-1"
SETTLE = 20                                     # s: an exchange, or a liveness check's verdict


def sh(*cmd, check=True):
    return subprocess.run(list(cmd), check=check, capture_output=True, text=True)


def ns(name, *cmd, check=True):
    return sh("ip", "netns", "exec", name, *cmd, check=check)


def topology():
    for n in (NS_BOX, NS_GW):
        sh("ip", "netns", "del", n, check=False)
        sh("ip", "netns", "add", n)
        ns(n, "ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", "ikebox0", "netns", NS_BOX, "type", "veth", "peer", "name", "ikegw0", "netns", NS_GW)
    ns(NS_BOX, "ip", "addr", "add", BOX + "/24", "dev", "ikebox0")
    ns(NS_BOX, "ip", "link", "set", "ikebox0", "up")
    ns(NS_GW, "ip", "addr", "add", GW + "/24", "dev", "ikegw0")
    ns(NS_GW, "ip", "link", "set", "ikegw0", "up")
    ns(NS_GW, "ip", "addr", "add", GW_TS + "/32", "dev", "lo")
    # IPv6 beside, usable at once (no duplicate address detection to wait for)
    ns(NS_BOX, "ip", "-6", "addr", "add", BOX6 + "/64", "dev", "ikebox0", "nodad")
    ns(NS_GW, "ip", "-6", "addr", "add", GW6 + "/64", "dev", "ikegw0", "nodad")
    ns(NS_GW, "ip", "-6", "addr", "add", GW_TS6 + "/128", "dev", "lo", "nodad")


class Charon:
    """charon in the gateway's namespace, its configuration and log in @tmp."""

    def __init__(self, tmp, psk=PSK, start=False, dpd_s=5, v6=False, ts_v4=False, esp="aes256gcm16"):
        """v6: IKE over IPv6 (and the selectors IPv6's, unless ts_v4); esp: its Child SA's proposal
        (with a DH group: PFS on rekeys)."""
        gw, box = (GW6, BOX6) if v6 else (GW, BOX)
        gw_ts, box_ts = (GW_TS6, BOX_TS6) if v6 and not ts_v4 else (GW_TS, BOX_TS)
        plen = 128 if ":" in gw_ts else 32
        self.tmp, self.vici = tmp, "unix://%s/charon.vici" % tmp
        self.log = os.path.join(tmp, "charon.log")
        with open(os.path.join(tmp, "strongswan.conf"), "w") as f:
            f.write("""charon {
  port = 500
  port_nat_t = 4500
  retransmit_timeout = 1
  retransmit_base = 1.4
  retransmit_tries = 3
  load = random nonce aes sha1 sha2 hmac gcm curve25519 openssl pem pkcs1 pkcs8 x509 pubkey kdf kernel-libipsec kernel-netlink socket-default vici updown
  plugins { vici { socket = %s } }
  filelog { ikelog { path = %s
    default = 1
    ike = 2
    flush_line = yes } }
}
""" % (self.vici, self.log))
        with open(os.path.join(tmp, "swanctl.conf"), "w") as f:
            f.write("""connections { box {
  version = 2
  local_addrs = %s
  remote_addrs = %s
  proposals = aes256gcm16-prfsha256-x25519
  encap = yes
  dpd_delay = %ds
  local { auth = psk
    id = %s }
  remote { auth = psk
    id = %s }
  children { vtep {
    local_ts = %s/%d
    remote_ts = %s/%d
    esp_proposals = %s
    mode = tunnel
    dpd_action = clear
    start_action = %s } }
} }
secrets { ike-box { id-1 = %s
  id-2 = %s
  secret = "%s" } }
""" % (gw, box, dpd_s, gw, box, gw_ts, plen, box_ts, plen, esp, "start" if start else "none", box, gw, psk))

    def __enter__(self):
        env = dict(os.environ, STRONGSWAN_CONF=os.path.join(self.tmp, "strongswan.conf"))
        # its own /run (a mount namespace): charon's pid file is /run/charon.pid,
        # and another test's charon may be running beside (CI's lanes)
        run = os.path.join(self.tmp, "run")
        os.makedirs(run, exist_ok=True)
        self.proc = subprocess.Popen(["ip", "netns", "exec", NS_GW, "unshare", "-m", "sh", "-c",
                                      'mount --bind "$1" /run && exec "$2"', "sh", run, CHARON], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: os.path.exists(self.vici[len("unix://"):]), SETTLE, "charon's vici socket")
        r = ns(NS_GW, "swanctl", "--load-all", "--file", os.path.join(self.tmp, "swanctl.conf"), "--uri", self.vici)
        expect("loaded connection 'box'" in r.stdout, "swanctl: %s %s" % (r.stdout, r.stderr))
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if os.path.exists(self.vici[len("unix://"):]):
            os.unlink(self.vici[len("unix://"):])

    def sas(self):
        return ns(NS_GW, "swanctl", "--list-sas", "--uri", self.vici, check=False).stdout

    def logtext(self):
        return open(self.log).read() if os.path.exists(self.log) else ""


class Peer:
    """ike_peer in the box's namespace: its lines kept as they come."""

    def __init__(self, tmp, *args, psk=PSK, v6=False):
        self.psk = os.path.join(tmp, "psk")
        with open(self.psk, "w") as f:
            f.write(psk)
        os.chmod(self.psk, 0o600)
        self.args = (["--local", BOX6, "--remote", GW6, "--psk-file", self.psk, "--ts-local", BOX_TS6,
                      "--ts-remote", GW_TS6] if v6 else
                     ["--local", BOX, "--remote", GW, "--psk-file", self.psk, "--ts-local", BOX_TS,
                      "--ts-remote", GW_TS]) + list(args)
        if os.environ.get("IKE_DUMP"):  # the messages, as the fuzz corpus's seeds (tests/fuzz/corpus/ikemsg)
            self.args += ["--dump", os.environ["IKE_DUMP"]]
        self.lines = []

    def __enter__(self):
        self.proc = subprocess.Popen(["ip", "netns", "exec", NS_BOX, PEER] + self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        wait_until(lambda: "ready" in self.lines, SETTLE, "ike_peer ready")
        return self

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)

    def children(self):
        """How many Child SAs were handed out (a responder's rekeyed one twice: in, then out)."""
        return sum(1 for line in self.lines if line.startswith("child_up"))

    def child(self):
        """The last Child SA handed out: its fields, None when none."""
        for line in reversed(self.lines):
            m = re.match(r"child_up spi_in=(\w+) spi_out=(\w+) esn=(\d) encap=(\d) port=(\d+) setup_us=(\d+) "
                         r"key_in=(\w+) key_out=(\w+)", line)
            if m:
                return {"spi_in": int(m.group(1), 16), "spi_out": int(m.group(2), 16), "encap": m.group(4) == "1",
                        "setup_us": int(m.group(6)), "key_in": bytes.fromhex(m.group(7)),
                        "key_out": bytes.fromhex(m.group(8))}
        return None

    def stats(self):
        for line in reversed(self.lines):
            if line.startswith("stats "):
                return dict(kv.split("=") for kv in line.split()[1:])
        return {}

    def states(self):
        return [line for line in self.lines if line.startswith("state ")]


PROVE = r"""
import sys, threading, time
from scapy.all import Ether, IP, IPv6, UDP, ICMP, ICMPv6EchoRequest, ICMPv6EchoReply, ESP, Raw, sniff, send, sendp
from scapy.layers.ipsec import SecurityAssociation
spi_in, spi_out, kin, kout = int(sys.argv[1]), int(sys.argv[2]), bytes.fromhex(sys.argv[3]), bytes.fromhex(sys.argv[4])
box, gw, box_ts, gw_ts, seq, gw_mac = sys.argv[5:11]
v6 = ":" in box
L3 = IPv6 if v6 else IP
nat = lambda: UDP(sport=4500, dport=4500, chksum=0)
out = SecurityAssociation(ESP, spi=spi_out, crypt_algo="AES-GCM", crypt_key=kout, nat_t_header=nat(),
                          tunnel_header=L3(src=box, dst=gw))
inn = SecurityAssociation(ESP, spi=spi_in, crypt_algo="AES-GCM", crypt_key=kin, nat_t_header=nat(),
                          tunnel_header=L3(src=gw, dst=box))
got = []
t = threading.Thread(target=lambda: got.extend(sniff(iface="ikebox0", filter="udp port 4500", timeout=4)))
t.start()
time.sleep(0.5)
if v6:
    enc = out.encrypt(IPv6(src=box_ts, dst=gw_ts) / ICMPv6EchoRequest(id=7, seq=int(seq), data=b"sxdp" * 8))
    enc[UDP].chksum = None  # over IPv6 a UDP checksum is a must: scapy's 0 would be dropped
    # to the gateway's MAC: scapy's own neighbour solicitation finds no route to the multicast group
    sendp(Ether(dst=gw_mac) / IPv6(bytes(enc)), iface="ikebox0", verbose=0)
else:
    enc = out.encrypt(IP(src=box_ts, dst=gw_ts) / ICMP(id=7, seq=int(seq)) / Raw(b"sxdp" * 8))
    enc[UDP].len = len(bytes(enc)) - 20  # scapy counts the UDP header alone
    send(enc, iface="ikebox0", verbose=0)
t.join()
for p in got:
    if p.haslayer(UDP) and p.haslayer(L3) and p[L3].src == gw and bytes(p[UDP].payload)[:4] != b"\0\0\0\0":
        try:
            d = inn.decrypt(L3(bytes(p[L3])))
        except Exception:
            continue
        if (d.haslayer(ICMPv6EchoReply) and d[ICMPv6EchoReply].seq == int(seq)) or \
                (not v6 and d.haslayer(ICMP) and d[ICMP].type == 0 and d[ICMP].seq == int(seq)):
            print("reply", d[L3].src, d[L3].dst)
"""


def spis_agree(sas, c):
    """swanctl --list-sas's Child SA ("in  SPI", "out SPI") is the engine's the other way round."""
    return re.search(r"\bin\s+%08x" % c["spi_out"], sas) is not None and \
        re.search(r"\bout\s+%08x" % c["spi_in"], sas) is not None


def prove_keys(tmp, c, seq, v6=False):
    """A ping sealed with the engine's outbound key reaches charon's TUN, and its reply opens with
    the inbound one (v6: an ICMPv6 echo between the IPv6 selectors, ESP in UDP over IPv6)."""
    path = os.path.join(tmp, "prove.py")
    with open(path, "w") as f:
        f.write(PROVE)
    box, gw, box_ts, gw_ts = (BOX6, GW6, BOX_TS6, GW_TS6) if v6 else (BOX, GW, BOX_TS, GW_TS)
    mac = json.loads(ns(NS_GW, "ip", "-j", "link", "show", "ikegw0").stdout)[0]["address"]
    r = ns(NS_BOX, "/usr/bin/python3", path, str(c["spi_in"]), str(c["spi_out"]), c["key_in"].hex(),
           c["key_out"].hex(), box, gw, box_ts, gw_ts, str(seq), mac, check=False)
    expect_eq(r.stdout.strip(), "reply %s %s" % (gw_ts, box_ts),
              "the echo reply %d opened: %s %s" % (seq, r.stdout, r.stderr))


def prove_current(tmp, box, seq, v6=False):
    """prove_keys with the engine's current Child SA; one its rekey timer replaced meanwhile leaves
    the proof open: again with the new one. The Child SA proved."""
    for _ in range(3):
        c, n = box.child(), box.children()
        try:
            prove_keys(tmp, c, seq, v6)
            return c
        except T.TestFailure:
            if box.children() == n:
                raise
    raise T.TestFailure("the Child SA was rekeyed under each proof")


def fixture(fn):
    def run():
        if not os.path.exists(CHARON) or shutil.which("swanctl") is None:
            raise T.SkipTest("strongSwan's charon is not installed (apt-get install strongswan-charon "
                             "strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins "
                             "libstrongswan-extra-plugins)")
        if not os.path.exists(PEER):
            raise T.SkipTest("ike_peer is not built (meson -Dtests=true)")
        tmp = tempfile.mkdtemp(prefix="sxdp-ike-")
        topology()
        try:
            fn(tmp)
        except BaseException:
            log = os.path.join(tmp, "charon.log")
            if os.path.exists(log):
                sys.stdout.write("# charon.log:\n# " + "\n# ".join(open(log).read().splitlines()[-40:]) + "\n")
            raise
        finally:
            for n in (NS_BOX, NS_GW):
                sh("ip", "netns", "del", n, check=False)
            shutil.rmtree(tmp, ignore_errors=True)
    run.__name__ = fn.__name__
    return R.test(run)


@fixture
def test_box_starts_keys_proved_both_ways_and_deletes(tmp):
    with Charon(tmp) as gw, Peer(tmp, "--start") as box:
        wait_until(lambda: box.child(), SETTLE, "the Child SA up")
        print("# IKE SA and Child SA with strongSwan in %.1f ms (the engine starting)" % (box.child()["setup_us"] / 1000))
        expect("state established" in box.states(), "established: %s" % box.states())
        wait_until(lambda: "ESTABLISHED" in gw.sas() and "INSTALLED" in gw.sas(), SETTLE, "charon's SAs")
        c = box.child()
        expect(c["encap"], "UDP-encapsulated (charon's kernel-libipsec fakes a NAT)")
        expect(spis_agree(gw.sas(), c), "charon's inbound SPI is the engine's outbound and back: %s" % gw.sas())
        prove_keys(tmp, c, 1)
        # charon's liveness checks (every 5 s when idle) are answered: its log says so
        wait_until(lambda: "parsed INFORMATIONAL response" in gw.logtext(), SETTLE, "a DPD answered")
        # the engine deletes: charon's SAs go
        box.proc.send_signal(signal.SIGUSR1)
        wait_until(lambda: "ESTABLISHED" not in gw.sas(), SETTLE, "charon's IKE SA deleted")
        expect("received DELETE for IKE_SA" in gw.logtext(), "charon received the Delete")


@fixture
def test_gateway_starts_engine_answers(tmp):
    with Charon(tmp, start=True) as gw, Peer(tmp) as box:
        wait_until(lambda: box.child(), SETTLE, "the Child SA up, charon starting")
        c = box.child()
        wait_until(lambda: "INSTALLED" in gw.sas(), SETTLE, "charon's Child SA")
        expect(spis_agree(gw.sas(), c), "the SPIs agree: %s" % gw.sas())
        prove_keys(tmp, c, 2)
        # charon deletes: the engine's Child SA goes
        ns(NS_GW, "swanctl", "--terminate", "--ike", "box", "--uri", gw.vici, check=False)
        wait_until(lambda: any(line.startswith("child_down") for line in box.lines), SETTLE, "the engine's Child SA down")
        expect(any("the peer deleted the IKE SA" in s for s in box.states()), "said: %s" % box.states())


@fixture
def test_wrong_key_refused_and_counted(tmp):
    # the engine starting with another key: charon refuses, the engine says and counts it
    with Charon(tmp) as gw, Peer(tmp, "--start", psk="not-the-key-the-gateway-has") as box:
        wait_until(lambda: any("AUTHENTICATION_FAILED" in s for s in box.states()), SETTLE, "refused")
        wait_until(lambda: int(box.stats().get("auth_failed", 0)) >= 1, SETTLE, "counted auth_failed")
        expect(box.child() is None, "no Child SA")
        expect("tried to authenticate" in gw.logtext() or "verification failed" in gw.logtext()
               or "AUTH_FAILED" in gw.logtext() or "authentication of" in gw.logtext(), "charon says why")
    # charon starting with another key: the engine refuses its AUTH, answers AUTHENTICATION_FAILED
    with Charon(tmp, psk="not-the-key-the-box-has", start=True) as gw, Peer(tmp) as box:
        wait_until(lambda: int(box.stats().get("auth_failed", 0)) >= 1, SETTLE, "the engine counted auth_failed")
        expect(box.child() is None, "no Child SA")
        wait_until(lambda: "AUTHENTICATION_FAILED" in gw.logtext() or "AUTH_FAILED" in gw.logtext(), SETTLE,
                   "charon was told")


@fixture
def test_dead_peers_found_both_ways(tmp):
    # the engine gone silent: charon's DPD (every 2 s, then its retransmissions) clears its SAs
    with Charon(tmp, dpd_s=2) as gw:
        with Peer(tmp, "--start") as box:
            wait_until(lambda: box.child(), SETTLE, "up")
            box.proc.kill()
            box.proc.wait()
        wait_until(lambda: "ESTABLISHED" not in gw.sas(), 120, "charon found the engine dead")
    # charon gone: the engine's DPD (--dpd-ms 1000) finds it
    with Charon(tmp) as gw, Peer(tmp, "--start", "--dpd-ms", "1000") as box:
        wait_until(lambda: box.child(), SETTLE, "up")
        gw.proc.kill()
        gw.proc.wait()
        wait_until(lambda: any("dead peer detection" in s for s in box.states()), 60, "the engine found charon dead")
        expect(any(line.startswith("child_down") for line in box.lines), "its Child SA down")


def ts6_installed(sas):
    """charon's Child SA with the two IPv6 selectors (its side first)."""
    return re.search(r"local\s+%s/128\s" % re.escape(GW_TS6), sas) is not None and \
        re.search(r"remote\s+%s/128\s" % re.escape(BOX_TS6), sas) is not None


@fixture
def test_ipv6_box_starts_rekeys_keys_proved(tmp):
    # the engine starting over IPv6 (ID_IPV6_ADDR, NAT-D over 16 bytes, TS_IPV6_ADDR_RANGE); then its
    # own rekey of the Child SA (CREATE_CHILD_SA, a fresh X25519: charon's proposal has the group)
    with Charon(tmp, v6=True, esp="aes256gcm16-x25519") as gw, \
            Peer(tmp, "--start", "--rekey-ms", "8000", v6=True) as box:
        wait_until(lambda: box.child(), SETTLE, "the Child SA up over IPv6")
        print("# IKE SA and Child SA with strongSwan over IPv6 in %.1f ms (the engine starting)"
              % (box.child()["setup_us"] / 1000))
        wait_until(lambda: "ESTABLISHED" in gw.sas() and "INSTALLED" in gw.sas(), SETTLE, "charon's SAs")
        sas = gw.sas()
        # each side known by its IPv6 address: charon's configured ids are ID_IPV6_ADDR, and an ID is
        # matched by its type too
        expect("remote '%s' @ %s[" % (BOX6, BOX6) in sas and "local  '%s' @ %s[" % (GW6, GW6) in sas,
               "charon's IKE SA over IPv6, the engine's ID its IPv6 address: %s" % sas)
        expect("authentication of '%s' with pre-shared key successful" % BOX6 in gw.logtext(),
               "charon verified the engine's AUTH over its ID_IPV6_ADDR")
        # the engine's NAT_DETECTION hashes (over the 16-byte addresses) are what charon sees: no NAT
        # found, UDP encapsulation only kernel-libipsec's own choice
        expect("faking NAT situation" in gw.logtext() and "behind NAT" not in gw.logtext(),
               "charon found no NAT between by the engine's hashes")
        expect(ts6_installed(sas), "charon's Child SA between the IPv6 selectors: %s" % sas)
        c = box.child()
        expect(spis_agree(sas, c), "the SPIs agree: %s" % sas)
        c = prove_current(tmp, box, 1, v6=True)
        # the engine's rekey (every 8 s): a new Child SA, charon's too, the old one deleted; its keys work
        wait_until(lambda: box.child()["spi_in"] != c["spi_in"], SETTLE, "the engine's rekey")
        c2 = box.child()
        expect(c2["key_out"] != c["key_out"] and c2["key_in"] != c["key_in"], "new keys")
        wait_until(lambda: spis_agree(gw.sas(), c2) and not spis_agree(gw.sas(), c), SETTLE,
                   lambda: "charon's rekeyed Child SA alone: %s" % gw.sas())
        expect(ts6_installed(gw.sas()), "the rekeyed Child SA's IPv6 selectors: %s" % gw.sas())
        expect(re.search(r"parsed CREATE_CHILD_SA request \d+ \[ N\(REKEY_SA\) SA No KE TSi TSr \]", gw.logtext()),
               "charon took the engine's CREATE_CHILD_SA (REKEY_SA, a KE: PFS)")
        prove_current(tmp, box, 2, v6=True)
        box.proc.send_signal(signal.SIGUSR1)
        wait_until(lambda: "ESTABLISHED" not in gw.sas(), SETTLE, "charon's IKE SA deleted")


@fixture
def test_ipv6_gateway_starts_and_rekeys_engine_answers(tmp):
    # charon starting over IPv6, the engine answering; then charon's rekey of the Child SA, answered
    with Charon(tmp, start=True, v6=True, esp="aes256gcm16-x25519") as gw, Peer(tmp, v6=True) as box:
        wait_until(lambda: box.child(), SETTLE, "the Child SA up, charon starting over IPv6")
        c = box.child()
        wait_until(lambda: "INSTALLED" in gw.sas(), SETTLE, "charon's Child SA")
        expect(ts6_installed(gw.sas()), "the IPv6 selectors: %s" % gw.sas())
        expect(spis_agree(gw.sas(), c), "the SPIs agree: %s" % gw.sas())
        prove_keys(tmp, c, 3, v6=True)
        ns(NS_GW, "swanctl", "--rekey", "--child", "vtep", "--uri", gw.vici, check=False)
        # the responder's rekeyed Child SA: in at once, out once charon deleted the old one
        wait_until(lambda: box.children() >= 3, SETTLE, "the engine's rekeyed Child SA, in and out")
        c2 = box.child()
        expect(c2["spi_in"] != c["spi_in"], "a new Child SA")
        wait_until(lambda: spis_agree(gw.sas(), c2), SETTLE, lambda: "charon's rekeyed Child SA: %s" % gw.sas())
        prove_keys(tmp, c2, 4, v6=True)
        expect(int(box.stats().get("ts_unacceptable", 0)) == 0, "nothing refused: %s" % box.stats())


@fixture
def test_ipv6_ike_sa_with_ipv4_selectors_refused(tmp):
    # charon over IPv6 offering the IPv4 selectors: not the path's (its family's) ones, refused by name
    with Charon(tmp, start=True, v6=True, ts_v4=True) as gw, Peer(tmp, v6=True) as box:
        wait_until(lambda: int(box.stats().get("ts_unacceptable", 0)) >= 1, SETTLE, "counted ts_unacceptable")
        expect(box.child() is None, "no Child SA")
        wait_until(lambda: "N(TS_UNACCEPT)" in gw.logtext(), SETTLE, "charon was told TS_UNACCEPTABLE")


def bench(n):
    """bench/ike_setup.sh: @n IKE SA + Child SA setups with charon, the engine starting each (a new
    process each time, its Delete between), the time from its IKE_SA_INIT to its Child SA."""
    tmp = tempfile.mkdtemp(prefix="sxdp-ike-")
    topology()
    us = []
    try:
        with Charon(tmp):
            for _ in range(n):
                with Peer(tmp, "--start") as box:
                    wait_until(lambda: box.child(), SETTLE, "the Child SA up")
                    us.append(box.child()["setup_us"])
                    box.proc.send_signal(signal.SIGUSR1)
                    wait_until(lambda: any(line.startswith("child_down") for line in box.lines), SETTLE, "deleted")
    finally:
        for x in (NS_BOX, NS_GW):
            sh("ip", "netns", "del", x, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    us.sort()
    print("ike setup bench: %d IKE SA + Child SA setups with strongSwan 5.9 (charon, kernel-libipsec, "
          "UDP-encapsulated), the engine starting, over a veth between netns: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (n, us[n // 2] / 1000, us[min(n - 1, n * 99 // 100)] / 1000, us[-1] / 1000))


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root (network namespaces)")
        sys.exit(77)
    if os.environ.get("IKE_BENCH"):
        bench(int(os.environ["IKE_BENCH"]))
        sys.exit(0)
    sys.exit(R.main())
