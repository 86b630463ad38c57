#!/usr/bin/python3
"""An attacker with a recording and a stolen key: can they read the overlay's past traffic?

esp_thief.py --key FILE --peer-pub B64 --vteps A,B [--vteps A,B ...] --rekey-s N --from T0 --to T1
             [--pattern HEX] PCAP...

FILE is one box's stolen esp.key (its raw X25519 private key, as sxcd keeps it in its store), B64 the
peer's public key (public: the peer's status shows it), the --vteps the two VTEPs of each path (public:
the intents), N the boxes' --esp-rekey, T0..T1 the wall-clock seconds the recording spans. The attacker
computes everything the stolen key gives: the secret it shares with the peer; the derived keying's SA
of every direction, path, epoch of the recording (and one either side), lane (8) and generation (0..3),
both ciphers; and keying ikev2's pre-shared key between the two (what lets them pose as the box: it
opens no SA). Each ESP packet of the recordings (plain, or in UDP 4500) is tried with the SA of its SPI,
and the first 50 whose SPI is of no derived SA with every key (an SA whose SPI was not derived: an
IKEv2 Child SA's). Prints one JSON line: {"esp", "opened", "pattern", "brute_tried", "psk"}.
"""
import argparse
import base64
import json
import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packet"))
try:
    from cryptography.hazmat.primitives import hashes  # noqa: E402
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey  # noqa: E402
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF  # noqa: E402
    from scapy.all import IP, UDP, rdpcap  # noqa: E402
    import espderive  # noqa: E402
except ImportError as e:
    print("SKIP: %s (python3-cryptography, python3-scapy; run with /usr/bin/python3)" % e)
    sys.exit(77)

BRUTE = 50          # packets of SPIs no derived SA has, each tried with every derived key


def esp_of(pkt):
    """The ESP bytes of an IPv4 packet (protocol 50, or UDP 4500 not led by the non-ESP marker)."""
    if IP not in pkt:
        return None
    ip = pkt[IP]
    if ip.proto == 50:
        return bytes(ip.payload)
    if UDP in ip and 4500 in (ip[UDP].sport, ip[UDP].dport):
        b = bytes(ip[UDP].payload)
        return b if len(b) > 8 and b[:4] != b"\0\0\0\0" else None
    return None


def ike_psk(shared, a, b):
    """keying ikev2's PSK of two boxes (ov_ikesvc.c): HKDF-SHA256 over their VTEPs, the lower first."""
    lo, hi = sorted((socket.inet_aton(a), socket.inet_aton(b)), key=lambda x: int.from_bytes(x, "big"))
    return HKDF(hashes.SHA256(), 32, b"sxdp ike psk v1", lo + hi).derive(shared)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--peer-pub", required=True)
    ap.add_argument("--vteps", action="append", required=True)
    ap.add_argument("--rekey-s", type=int, required=True)
    ap.add_argument("--from", dest="t0", type=float, required=True)
    ap.add_argument("--to", dest="t1", type=float, required=True)
    ap.add_argument("--pattern", default="")
    ap.add_argument("pcaps", nargs="+")
    a = ap.parse_args()
    stolen = X25519PrivateKey.from_private_bytes(open(a.key, "rb").read())
    shared = stolen.exchange(X25519PublicKey.from_public_bytes(base64.b64decode(a.peer_pub)))
    keys = {}
    for pair in a.vteps:
        x, y = pair.split(",")
        for src, dst in ((x, y), (y, x)):
            for epoch in range(int(a.t0) // a.rekey_s - 1, int(a.t1) // a.rekey_s + 2):
                for lane in range(8):
                    for gen in range(4):
                        for aes256 in (False, True):
                            key, spi = espderive.derive(shared, src, dst, epoch, aes256, lane, gen)
                            keys.setdefault(spi, []).append(key)
    psks = [ike_psk(shared, *p.split(",")).hex() for p in a.vteps]
    pattern = bytes.fromhex(a.pattern) if a.pattern else None
    seen = opened = brute = 0
    found = False
    every = [k for ks in keys.values() for k in ks]
    for f in a.pcaps:
        for pkt in rdpcap(f):
            esp = esp_of(pkt)
            if esp is None:
                continue
            seen += 1
            spi = int.from_bytes(esp[:4], "big")
            tries = keys.get(spi)
            if tries is None and brute < BRUTE:
                brute += 1
                tries = every
            for k in tries or ():
                plain = next((p for hi in (0, None) for p in (espderive.esp_open(k, esp, hi),) if p is not None), None)
                if plain is not None:
                    opened += 1
                    found = found or (pattern is not None and pattern in plain)
                    break
    print(json.dumps({"esp": seen, "opened": opened, "pattern": found, "brute_tried": brute,
                      "derived_sas": len(every), "psk": "derived (%d bytes each, %d paths)" % (32, len(psks))}))


if __name__ == "__main__":
    main()
