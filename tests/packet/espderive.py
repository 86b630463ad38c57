"""The derived keying's ESP SAs (pipelines/overlay/control/ov_keys.c) as a test or an attacker computes
them: from the secret two boxes' X25519 keys share, HKDF-SHA256 over the two VTEPs, the epoch, the
cipher, the lane and the generation; and an ESP packet opened with such a key."""
import socket
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive(shared, src, dst, epoch, aes256=False, lane=0, gen=0):
    """(key and salt, SPI) of the SA src -> dst at epoch, of lane and generation."""
    info = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!Q", epoch) + bytes([2 if aes256 else 1])
    if lane or gen:
        info += bytes([lane])
    if gen:
        info += struct.pack("!I", gen)
    okm = HKDF(hashes.SHA256(), 40, b"sxdp esp v1", info).derive(shared)
    key = okm[:32] if aes256 else okm[:16]
    return key + okm[32:36], 0x80000000 | struct.unpack("!I", okm[36:40])[0]


def esp_open(key, esp, esn_hi=None):
    """The plaintext of ESP packet esp (SPI, sequence number, IV, ciphertext, ICV: RFC 4106) under
    key (AES key then 4 bytes of salt), or None: AAD SPI | sequence number, with the ESN's high half
    (esn_hi) between when given."""
    if len(esp) < 8 + 8 + 16:
        return None
    spi, seq = esp[:4], esp[4:8]
    aad = spi + (struct.pack("!I", esn_hi) if esn_hi is not None else b"") + seq
    try:
        return AESGCM(key[:-4]).decrypt(key[-4:] + esp[8:16], esp[16:], aad)
    except Exception:  # noqa: BLE001 (cryptography's InvalidTag: not this key)
        return None
