"""A small IPFIX (RFC 7011) decoder for the flowexp tests: templates
(incl. options templates and enterprise IEs) remembered per observation
domain, data records decoded by them into dicts keyed by IE name."""

import ipaddress
import struct

FX_PEN = 32473
IE = {1: "bytes", 2: "packets", 4: "proto", 7: "sport", 8: "src4", 10: "in", 11: "dport",
      12: "dst4", 14: "out", 27: "src6", 28: "dst6", 136: "end_reason", 149: "domain",
      152: "start_ms", 153: "end_ms", 305: "samp_interval", 306: "samp_space", 351: "l2seg",
      (FX_PEN, 1): "slice", (FX_PEN, 2): "teid",
      # NAT44's events (RFC 8158), the edge's
      225: "post_src4", 226: "post_dst4", 227: "post_sport", 228: "post_dport", 230: "nat_event",
      234: "in_vrf", 235: "out_vrf", 323: "time_ms", 361: "range_start", 362: "range_end", 363: "range_step",
      364: "range_ports"}


class Decoder:
    def __init__(self):
        self.templates = {}     # (domain, id) -> [(key, len)], scope count
        self.records = []       # (template id, dict)
        self.messages = []      # (seq, export_s, domain, n data records)

    def feed(self, b):
        ver, length, export_s, seq, domain = struct.unpack_from("!HHIII", b, 0)
        if ver != 10 or length != len(b):
            raise ValueError("not an IPFIX message: version %d length %d of %d" % (ver, length, len(b)))
        off, n = 16, 0
        while off < length:
            sid, slen = struct.unpack_from("!HH", b, off)
            if slen < 4 or off + slen > length:
                raise ValueError("set %d of length %d at %d overruns the message" % (sid, slen, off))
            body = b[off + 4: off + slen]
            if sid in (2, 3):
                self._templates(domain, sid, body)
            elif sid >= 256:
                n += self._data(domain, sid, body)
            off += slen
        self.messages.append((seq, export_s, domain, n))

    def _templates(self, domain, sid, body):
        off = 0
        while off + 4 <= len(body):
            tid, count = struct.unpack_from("!HH", body, off)
            off += 4
            scope = 0
            if sid == 3:
                scope = struct.unpack_from("!H", body, off)[0]
                off += 2
            fields = []
            for _ in range(count):
                ie, ln = struct.unpack_from("!HH", body, off)
                off += 4
                key = ie
                if ie & 0x8000:
                    key = (struct.unpack_from("!I", body, off)[0], ie & 0x7fff)
                    off += 4
                fields.append((IE.get(key, key), ln))
            self.templates[(domain, tid)] = fields

    def _data(self, domain, sid, body):
        fields = self.templates.get((domain, sid))
        if fields is None:
            raise ValueError("data set %d before its template" % sid)
        size = sum(ln for _, ln in fields)
        n, off = 0, 0
        while off + size <= len(body):
            rec = {}
            for name, ln in fields:
                v = body[off: off + ln]
                off += ln
                if name in ("src4", "dst4", "src6", "dst6"):
                    rec[name[:3]] = str(ipaddress.ip_address(v))
                elif name in ("post_src4", "post_dst4"):
                    rec[name[:-1]] = str(ipaddress.ip_address(v))
                else:
                    rec[name] = int.from_bytes(v, "big")
            self.records.append((sid, rec))
            n += 1
        return n


def per_flow(dec):
    """{(src, dst, proto, sport, dport): [packets, bytes, {(in, out, slice, end_reason)}]} of
    the decoder's flow records (its options records, template 258, left out)."""
    got = {}
    for tid, r in dec.records:
        if tid == 258:
            continue
        k = (r["src"], r["dst"], r["proto"], r["sport"], r["dport"])
        g = got.setdefault(k, [0, 0, set()])
        g[0] += r["packets"]
        g[1] += r["bytes"]
        g[2].add((r["in"], r["out"], r["slice"], r["end_reason"]))
    return got
