#!/usr/bin/python3
# WireGuard handshake known answers for test_ovnoise.c: an implementation of
# the whitepaper's section 5 apart from ov_noise.c (python3-cryptography and
# hashlib, not libsodium), run on fixed keys, indices, timestamp and psk.
# Its output is pasted into test_ovnoise.c between "wg_vectors.py begin" and
# "end"; to regenerate the vectors: python3 wg_vectors.py, and paste again.
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
LABEL_MAC1 = b"mac1----"
LABEL_COOKIE = b"cookie--"


def HASH(x):
    return hashlib.blake2s(x).digest()


def MAC(key, x):
    return hashlib.blake2s(x, key=key, digest_size=16).digest()


def HMAC(key, x):
    return hmac.new(key, x, hashlib.blake2s).digest()


def KDF(n, key, x):
    t0 = HMAC(key, x)
    out, t = [], b""
    for i in range(1, n + 1):
        t = HMAC(t0, t + bytes([i]))
        out.append(t)
    return out


def pub(priv):
    raw = X25519PrivateKey.from_private_bytes(priv).public_key()
    return raw.public_bytes(Encoding.Raw, PublicFormat.Raw)


def DH(priv, pub_):
    return X25519PrivateKey.from_private_bytes(priv).exchange(X25519PublicKey.from_public_bytes(pub_))


def AEAD(key, counter, plain, auth):
    return ChaCha20Poly1305(key).encrypt(b"\0" * 4 + struct.pack("<Q", counter), plain, auth)


def hchacha20(key, nonce16):
    # ChaCha20's block minus its input words: what HChaCha20 outputs (words 0-3, 12-15)
    block = Cipher(algorithms.ChaCha20(key, nonce16), mode=None).encryptor().update(b"\0" * 64)
    w = struct.unpack("<16I", block)
    inp = struct.unpack("<4I", b"expand 32-byte k") + struct.unpack("<4I", nonce16)
    out = [(w[i] - inp[i]) % 2**32 for i in range(4)] + [(w[12 + i] - inp[4 + i]) % 2**32 for i in range(4)]
    return struct.pack("<8I", *out)


# draft-irtf-cfrg-xchacha-03 2.2.1
assert hchacha20(bytes(range(32)), bytes.fromhex("000000090000004a0000000031415927")) == bytes.fromhex(
    "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc")


def XAEAD(key, nonce24, plain, auth):
    return ChaCha20Poly1305(hchacha20(key, nonce24[:16])).encrypt(b"\0" * 4 + nonce24[16:], plain, auth)


def tai64n(unix_s, ns):
    # as Linux's and wireguard-go's: TAI64 label 2^62 + 10, ns rounded down to 2^24
    return struct.pack(">QI", 2**62 + 10 + unix_s, ns & ~0xFFFFFF)


def fixed(label):
    return hashlib.blake2s(label.encode()).digest()


S_i, S_r = fixed("initiator static"), fixed("responder static")
E_i, E_r = fixed("initiator ephemeral"), fixed("responder ephemeral")
PSK = fixed("pre-shared key")
I_i, I_r = 0x11223344, 0xA1B2C3D4
TAI = tai64n(1700000000, 123456789)
COOKIE_SECRET, COOKIE_ADDR = fixed("cookie secret"), bytes([192, 0, 2, 1, 0xCA, 0x6C])    # 192.0.2.1:51820
COOKIE = MAC(COOKIE_SECRET, COOKIE_ADDR)
COOKIE_NONCE = bytes(range(24))
Sp_i, Sp_r = pub(S_i), pub(S_r)


def initiation(cookie):
    C = HASH(CONSTRUCTION)
    H = HASH(C + IDENTIFIER)
    H = HASH(H + Sp_r)
    Ep = pub(E_i)
    (C,) = KDF(1, C, Ep)
    msg = struct.pack("<I", 1) + struct.pack("<I", I_i) + Ep
    H = HASH(H + Ep)
    C, k = KDF(2, C, DH(E_i, Sp_r))
    static = AEAD(k, 0, Sp_i, H)
    msg += static
    H = HASH(H + static)
    C, k = KDF(2, C, DH(S_i, Sp_r))
    ts = AEAD(k, 0, TAI, H)
    msg += ts
    H = HASH(H + ts)
    msg += MAC(HASH(LABEL_MAC1 + Sp_r), msg)
    msg += MAC(cookie, msg) if cookie else b"\0" * 16
    assert len(msg) == 148
    return msg, C, H


def response(C, H, cookie):
    Ep_i = pub(E_i)
    Ep = pub(E_r)
    (C,) = KDF(1, C, Ep)
    msg = struct.pack("<III", 2, I_r, I_i) + Ep
    H = HASH(H + Ep)
    (C,) = KDF(1, C, DH(E_r, Ep_i))
    (C,) = KDF(1, C, DH(E_r, Sp_i))
    C, tau, k = KDF(3, C, PSK)
    H = HASH(H + tau)
    empty = AEAD(k, 0, b"", H)
    msg += empty
    msg += MAC(HASH(LABEL_MAC1 + Sp_i), msg)
    msg += MAC(cookie, msg) if cookie else b"\0" * 16
    assert len(msg) == 92
    r_recv, r_send = KDF(2, C, b"")
    return msg, r_send, r_recv


def carray(name, b):
    lines = ["static const uint8_t %s[%d] = {" % (name, len(b))]
    for i in range(0, len(b), 12):
        lines.append("\t" + " ".join("0x%02x," % c for c in b[i:i + 12]))
    return "\n".join(lines) + "\n};"


init0, C, H = initiation(None)
init_c, _, _ = initiation(COOKIE)
resp0, r_send, r_recv = response(C, H, None)
resp_c, _, _ = response(C, H, COOKIE)


def initiator_keys(C, Ep_r):
    # the initiator's own way to them: its DHs the other way round
    (C,) = KDF(1, C, Ep_r)
    (C,) = KDF(1, C, DH(E_i, Ep_r))
    (C,) = KDF(1, C, DH(S_i, Ep_r))
    C, _, _ = KDF(3, C, PSK)
    return KDF(2, C, b"")


i_send, i_recv = initiator_keys(C, resp0[12:44])
assert (i_send, i_recv) == (r_recv, r_send)
# a cookie reply of the responder to the initiation with a cookie, for the initiator
mac1 = init_c[116:132]
cookie_reply = struct.pack("<II", 3, I_i) + COOKIE_NONCE + XAEAD(HASH(LABEL_COOKIE + Sp_r), COOKIE_NONCE, COOKIE, mac1)

print("/* wg_vectors.py begin */")
print("#define KAT_I_INDEX 0x%08xu\n#define KAT_R_INDEX 0x%08xu" % (I_i, I_r))
for name, b in [("kat_s_i", S_i), ("kat_s_r", S_r), ("kat_e_i", E_i), ("kat_e_r", E_r), ("kat_psk", PSK),
                ("kat_tai", TAI), ("kat_cookie_secret", COOKIE_SECRET), ("kat_cookie_addr", COOKIE_ADDR),
                ("kat_cookie", COOKIE), ("kat_init", init0), ("kat_init_cookie", init_c),
                ("kat_resp", resp0), ("kat_resp_cookie", resp_c), ("kat_i_send", i_send), ("kat_i_recv", i_recv),
                ("kat_r_send", r_send), ("kat_r_recv", r_recv), ("kat_cookie_reply", cookie_reply)]:
    print(carray(name, b))
print("/* wg_vectors.py end */")
