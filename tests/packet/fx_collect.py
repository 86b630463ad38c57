"""Flow export's test side: known flows to send through sxdp, the table writes that turn
its exporter on (to a local collector) and wire two ports, and that collector, a UDP socket
whose IPFIX messages go into fx_ipfix's Decoder (per_flow sums its records by flow).

Run with Debian's /usr/bin/python3 (scapy).
"""

import socket
import sys
import time

from sxdptest import Sxdp, expect

try:
    from scapy.all import IP, TCP, UDP, Ether, IPv6, Raw
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)


def eth():
    return Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b")


def flows():
    """Known flows: (key, [packets]); key as the records name it."""
    out = []
    for i in range(6):
        key = ("10.0.0.%d" % (i + 1), "10.0.1.1", 17, 30000 + i, 4000)
        pkts = [eth() / IP(src=key[0], dst=key[1]) / UDP(sport=key[3], dport=key[4]) / Raw(b"x" * (10 + 7 * j))
                for j in range(3 + i)]
        out.append((key, pkts))
    key = ("10.0.0.9", "10.0.2.2", 6, 40000, 80)
    out.append((key, [eth() / IP(src=key[0], dst=key[1]) / TCP(sport=40000, dport=80, flags="PA") / Raw(b"t" * 100)
                      for _ in range(5)]))
    key = ("2001:db8::1", "2001:db8::2", 17, 5000, 6000)
    out.append((key, [eth() / IPv6(src=key[0], dst=key[1]) / UDP(sport=5000, dport=6000) / Raw(b"v6" * 20)
                      for _ in range(4)]))
    return out


def ip_bytes(p):
    return len(p[IP]) if IP in p else len(p[IPv6])


def interleave(fl):
    seq, i = [], 0
    while any(i < len(p) for _, p in fl):
        seq += [p[i] for _, p in fl if i < len(p)]
        i += 1
    return seq


def collector():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.2)
    return s, s.getsockname()[1]


# how long records may take to arrive where a test waits for them: an idle
# flow expires after 1 s and is exported at once; generous for a busy
# machine (collect returns as soon as the packets are all counted)
RECORDS_WITHIN_S = 30


def collect(s, dec, until, want=None):
    """Read messages until `until` (monotonic) or, with want, until the
    records' packets reach want."""
    while time.monotonic() < until:
        try:
            b = s.recv(65535)
        except socket.timeout:
            continue
        expect(len(b) <= 1400, "an IPFIX message of %d bytes: over the 1400 bound" % len(b))
        dec.feed(b)
        if want is not None and sum(r.get("packets", 0) for t, r in dec.records if t != 258) >= want:
            return


def export_on(dp, port, sampling=1, idle_s=1, active_s=60, template_s=60, domain=7, how="insert"):
    dp.table_write([
        Sxdp.update("flowexp_collectors", {"id": 0}, "ipv4", {"ip": "127.0.0.1", "port": port}, type=how),
        Sxdp.update("flowexp_config", {"id": 0}, "export",
                    {"sampling": sampling, "active_s": active_s, "idle_s": idle_s,
                     "template_s": template_s, "domain": domain}, type=how),
    ])


def wire(a, b):
    return [Sxdp.update("port", {"in_port": a}, "output", {"port": b})]
