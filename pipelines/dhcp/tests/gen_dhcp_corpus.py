#!/usr/bin/python3
"""The DHCP codec's fuzz seeds (tests/fuzz/corpus/dhcp/), made with scapy:
every message a client sends, a relayed one, a server's answer, and the
malformed kinds dh_parse names (truncated, no cookie, options running past
their field, option 53 twice or of a wrong length, option 52 overload into
file and sname, nested or bad). Run: gen_dhcp_corpus.py DIR"""
import os
import sys

from scapy.all import BOOTP, DHCP, raw

MAC = bytes.fromhex("020000000001")


def msg(t, extra=(), **kw):
    return raw(BOOTP(chaddr=MAC + b"\0" * 10, xid=0x1234, **kw) /
               DHCP(options=[("message-type", t)] + list(extra) + ["end"]))


def seeds():
    s = {
        "discover": msg("discover", [("hostname", "h1"), ("param_req_list", [1, 3, 6, 15]),
                                     ("client_id", b"\x01" + MAC)]),
        "discover_broadcast": msg("discover", flags=0x8000),
        "discover_want": msg("discover", [("requested_addr", "10.1.0.50")]),
        "request_selecting": msg("request", [("server_id", "10.1.0.1"), ("requested_addr", "10.1.0.10")]),
        "request_initreboot": msg("request", [("requested_addr", "10.1.0.10")]),
        "request_renew": msg("request", ciaddr="10.1.0.10"),
        "release": msg("release", [("server_id", "10.1.0.1")], ciaddr="10.1.0.10"),
        "decline": msg("decline", [("server_id", "10.1.0.1"), ("requested_addr", "10.1.0.10")]),
        "inform": msg("inform", ciaddr="10.1.0.77"),
        "relay_agent_info": msg("discover", [(82, b"\x01\x04port\x02\x03abc")], giaddr="10.9.0.1", hops=1),
        "offer_reply": raw(BOOTP(op=2, chaddr=MAC, yiaddr="10.1.0.10", giaddr="10.1.0.1") /
                           DHCP(options=[("message-type", "offer"), ("server_id", "10.9.9.9"), "end"])),
    }
    m = msg("discover")
    s["truncated_fixed"] = m[:100]
    s["truncated_option"] = m[:242]
    s["no_magic"] = m[:236] + b"\0\0\0\0" + m[240:]
    s["bootp_only"] = m[:240]
    s["not_ethernet"] = raw(BOOTP(htype=6, hlen=6, chaddr=MAC) / DHCP(options=[("message-type", "discover"), "end"]))
    s["overlong_option"] = m[:240] + b"\x35\x01\x01" + b"\x0c\xff" + b"abc"
    s["type_twice"] = m[:240] + b"\x35\x01\x01\x35\x01\x03\xff"
    s["type_bad_len"] = m[:240] + b"\x35\x02\x01\x01\xff"
    s["type_out_of_range"] = m[:240] + b"\x35\x01\x09\xff"
    s["no_type"] = m[:240] + b"\x0c\x02h1\xff"
    s["no_end"] = m[:240] + b"\x35\x01\x01"
    s["reqip_short"] = m[:240] + b"\x35\x01\x01\x32\x03\x0a\x01\x00\xff"
    base = bytearray(raw(BOOTP(chaddr=MAC, xid=7) / DHCP(options=[("message-type", "discover"), "end"]))[:240])
    f = base[:]
    f[108:111] = b"\x35\x01\x01"
    f[111] = 0xff
    s["overload_file"] = bytes(f) + b"\x34\x01\x01\xff"
    sn = base[:]
    sn[44:47] = b"\x35\x01\x03"
    sn[47] = 0xff
    s["overload_sname"] = bytes(sn) + b"\x34\x01\x02\x32\x04\x0a\x01\x00\x0a\xff"
    both = base[:]
    both[108:111] = b"\x0c\x7fx"
    both[44:47] = b"\x35\x01\x01"
    s["overload_runs_past_file"] = bytes(both) + b"\x34\x01\x03\xff"
    s["overload_bad_value"] = bytes(base) + b"\x34\x01\x07\x35\x01\x01\xff"
    nested = base[:]
    nested[108:114] = b"\x34\x01\x01\x35\x01\x01"
    s["overload_nested"] = bytes(nested) + b"\x34\x01\x01\xff"
    s["pad_only"] = bytes(base) + b"\0" * 60
    s["empty"] = b""
    return s


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/dhcp"
    os.makedirs(out, exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(out, name), "wb") as fh:
            fh.write(data)
