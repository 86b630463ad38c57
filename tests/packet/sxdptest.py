"""Helpers for sxdp packet tests: pcap in, pcap out, compared byte by byte.

Run the tests with /usr/bin/python3 (Debian's python3-scapy). Only the
standard library and scapy are used.

A test builds a Sxdp with its ports and their input packets, starts it (ports
start administratively down so that nothing is read before the tables are
programmed), writes table entries, releases the ports, waits until every
input packet has been read and accounted for (tx + drop), reads the
counters, stops sxdp with SIGTERM (exit code 0 required) and compares each
output pcap packet by packet with the expected scapy packets. Every output
pcap must have zero malformed packets according to tshark (read once for
the whole file, when its tests are over: see TsharkSpool), and the mempool
must be back to the in-use count read right after start.

    with Sxdp({"p0": [pkt, ...], "p1": []}) as dp:
        dp.table_add("port", {"in_port": "p0"}, "output", {"port": "p1"})
        dp.run_traffic()
        st = dp.stats()
        dp.stop()
        dp.expect_outputs({"p0": [], "p1": [pkt, ...]})

Environment: BUILD (meson build dir, default build/ at the repo root),
SXDP (path of the binary, overrides BUILD), SXDP_KEEP=1 keeps the temp dir.
"""

import itertools
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import traceback
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

_seq = itertools.count()


class SkipTest(Exception):
    """The machine lacks something this test needs (exit 77)."""


class TestFailure(AssertionError):
    pass


class RpcError(Exception):
    """A JSON-RPC error answer: code, message, data (reason, pointer)."""

    def __init__(self, error):
        self.code = error.get("code")
        self.message = error.get("message")
        self.data = error.get("data") or {}
        super().__init__("%s %s at %s: %s" % (self.code, self.data.get("reason"),
                                             self.data.get("pointer"), self.message))


def check_prereqs():
    """Raise SkipTest when scapy or tshark is missing."""
    try:
        import scapy.all  # noqa: F401
    except ImportError:
        raise SkipTest("scapy is not importable by %s (install python3-scapy, "
                       "run with /usr/bin/python3)" % sys.executable)
    if shutil.which("tshark") is None:
        raise SkipTest("tshark is not installed")


def build_dir():
    b = os.environ.get("BUILD", "build")
    return b if os.path.isabs(b) else os.path.join(REPO, b)


def sxdp_path():
    return os.environ.get("SXDP") or os.path.join(build_dir(), "sxdp")


# --------------------------------------------------------------- pcap files

def write_pcap(path, pkts):
    """Write packets (scapy packets or bytes) as a classic Ethernet pcap."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(pkts):
            b = bytes(p)
            f.write(struct.pack("<IIII", 1700000000 + i // 1000000, i % 1000000,
                                len(b), len(b)))
            f.write(b)


def ours(pkts, mac):
    """The frames from MAC mac (the kernel may add its own on its interfaces)."""
    want = bytes.fromhex(mac.replace(":", ""))
    return [p for p in pkts if p[6:12] == want]


class KernelSide:
    """The test's AF_PACKET socket on a kernel interface: sends frames, and
    collects the ones arriving from sxdp (not its own outgoing ones)."""

    def __init__(self, iface):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.s.bind((iface, 0))
        self.s.settimeout(0.2)
        self.iface = iface

    def send(self, pkts):
        for p in pkts:
            self.s.send(bytes(p))

    def collect(self, mac, n, timeout=10.0):
        got, end = [], time.monotonic() + timeout
        while len(got) < n and time.monotonic() < end:
            try:
                b, addr = self.s.recvfrom(65535)
            except socket.timeout:
                continue
            if addr[2] != socket.PACKET_OUTGOING:
                got += ours([b], mac)
        return got

    def close(self):
        self.s.close()


def read_pcap(path):
    """Frames of a pcap file (usec or nsec, either byte order) as bytes."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise TestFailure("%s: not a pcap file (%d bytes)" % (path, len(data)))
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        e = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        e = ">"
    else:
        raise TestFailure("%s: bad pcap magic %#x" % (path, magic))
    out, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        off += 16
        if off + incl > len(data):
            raise TestFailure("%s: truncated record at offset %d" % (path, off - 16))
        if incl != orig:
            raise TestFailure("%s: record %d captured %d of %d bytes"
                              % (path, len(out), incl, orig))
        out.append(data[off:off + incl])
        off += incl
    if off != len(data):
        raise TestFailure("%s: %d trailing bytes" % (path, len(data) - off))
    return out


PCAP_HEADER = 24   # a capture file with no packet is its header alone


def tshark_malformed(path):
    """Number of packets tshark flags as malformed in path (0 is required).
    A file without packets has none (tshark's start, ~0.6 CPU-s, is most of
    what the packet tier's checks cost)."""
    if os.path.getsize(path) <= PCAP_HEADER:
        return 0, []
    r = subprocess.run(["tshark", "-n", "-r", path, "-Y", "_ws.malformed"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    if r.returncode != 0:
        raise TestFailure("tshark -r %s failed (%d): %s" % (path, r.returncode, r.stderr.strip()))
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    return len(lines), lines


def tshark_malformed_any(paths):
    """Whether tshark flags a packet malformed in any of paths: the files
    with packets read by one tshark (mergecap joins them end to end)."""
    full = [p for p in paths if os.path.getsize(p) > PCAP_HEADER]
    if len(full) <= 1:
        return any(tshark_malformed(p)[0] for p in full)
    with tempfile.TemporaryDirectory(prefix="sxdp-tshark-") as d:
        joined = os.path.join(d, "all.pcap")
        r = subprocess.run(["mergecap", "-a", "-F", "pcap", "-w", joined] + full,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        if r.returncode != 0:
            raise TestFailure("mergecap failed (%d): %s" % (r.returncode, r.stderr.strip()))
        return tshark_malformed(joined)[0] > 0


class TsharkSpool:
    """The outputs expect_outputs compared, kept until the file's tests are
    over and then read by one tshark (mergecap joins them): its start,
    ~0.7 CPU-s, was most of what the packet tier's checks cost, once per
    sxdp. A file with a malformed packet fails the test that made it, by
    name (each kept file is read alone only then)."""

    def __init__(self):
        self.dir = None
        self.kept = []       # (test, port, path)
        self.test = "?"      # the test running (Runner.main)

    def keep(self, port, path):
        if os.path.getsize(path) <= PCAP_HEADER:
            return
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="sxdp-tshark-spool-")
        dst = os.path.join(self.dir, "%d.pcap" % len(self.kept))
        shutil.copyfile(path, dst)
        self.kept.append((self.test, port, dst))

    def check(self):
        """[(test, message)] for every kept file with a malformed packet."""
        if not self.kept:
            return []
        try:
            if not tshark_malformed_any([path for _, _, path in self.kept]):
                return []
            bad = []
            for test, port, path in self.kept:
                n, lines = tshark_malformed(path)
                if n:
                    bad.append((test, "%s: tshark found %d malformed packets:\n    %s"
                                % (port, n, "\n    ".join(lines[:5]))))
            return bad
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir, self.kept = None, []


SPOOL = TsharkSpool()


def _describe(b):
    try:
        from scapy.all import Ether
        return Ether(b).summary()
    except Exception:  # pragma: no cover - only for messages
        return "%d bytes" % len(b)


def _first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def compare_packets(port, got, want):
    """List of mismatch messages between got (bytes) and want (packets)."""
    errs = []
    want = [bytes(p) for p in want]
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            d = _first_diff(g, w)
            errs.append("%s packet %d differs at byte %d (got %d bytes, want %d):\n"
                        "    got  %s\n         %s\n    want %s\n         %s"
                        % (port, i, d, len(g), len(w), _describe(g), g[max(0, d - 8):d + 16].hex(),
                           _describe(w), w[max(0, d - 8):d + 16].hex()))
            if len(errs) >= 5:
                break
    if len(got) != len(want):
        errs.append("%s: got %d packets, want %d" % (port, len(got), len(want)))
        for i in range(len(want), min(len(got), len(want) + 5)):
            errs.append("    extra %d: %s" % (i, _describe(got[i])))
        for i in range(len(got), min(len(want), len(got) + 5)):
            errs.append("    missing %d: %s" % (i, _describe(want[i])))
    return errs


# -------------------------------------------------------------- JSON-RPC

class RpcClient:
    """Newline-delimited JSON-RPC 2.0 over a unix stream socket. With a
    schema (ApiSchema), call() checks params against a method's declaration
    before sending and the result after: a test that sends what sxdp would
    refuse, or an answer that is not what sxdp declares, fails there."""

    def __init__(self, path, timeout=10.0, schema=None):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.ids = itertools.count(1)
        self.schema = schema

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def call_raw(self, method, params=None):
        """Send one request, return the whole response object (unchecked)."""
        rid = next(self.ids)
        req = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            req["params"] = params
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while b"\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise TestFailure("sxdp closed the control socket during %s" % method)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        resp = json.loads(line)
        if resp.get("jsonrpc") != "2.0" or resp.get("id") != rid:
            raise TestFailure("bad JSON-RPC response to %s: %s" % (method, line[:300]))
        return resp

    def call(self, method, params=None):
        if self.schema is not None:
            bad = self.schema.check_params(method, params if params is not None else {})
            if bad:
                raise TestFailure("%s %s: the schema refuses it (%s at %s: %s)"
                                  % (method, json.dumps(params)[:300], bad[0], bad[1], bad[2]))
        resp = self.call_raw(method, params)
        if "error" in resp:
            raise RpcError(resp["error"])
        if self.schema is not None:
            bad = self.schema.check_result(method, resp["result"])
            if bad:
                raise TestFailure("%s answered what it does not declare (%s at %s: %s): %s"
                                  % (method, bad[0], bad[1], bad[2], json.dumps(resp["result"])[:300]))
        return resp["result"]


def _ptr(ptr, token):
    """RFC 6901: ptr + "/" + token, escaped."""
    return "%s/%s" % (ptr, str(token).replace("~", "~0").replace("/", "~1"))


def _json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def _types(schema):
    t = schema.get("type")
    if t is None:
        return None if "discriminator" not in schema else ["object"]
    return t if isinstance(t, list) else [t]


def _fits(schema, v):
    if "oneOf" in schema and "discriminator" not in schema:
        return any(_fits(b, v) for b in schema["oneOf"])
    types = _types(schema)
    jt = _json_type(v)
    return types is None or jt in types or (jt == "integer" and "number" in types)


def _decimal(s, top):
    """sxdp's numbers as text (dp_num.h): decimal digits, no leading zero."""
    if not s or not s.isdigit() or not s.isascii() or (s[0] == "0" and len(s) > 1):
        return None
    n = int(s)
    return n if n <= top else None


def _format_ok(fmt, s):
    import ipaddress
    if "\0" in s:
        return False
    if fmt == "mac":
        groups = s.split(":")
        width = {6: 2, 3: 4}.get(len(groups))
        return width is not None and all(len(g) == width and all(c in "0123456789abcdefABCDEF" for c in g)
                                         for g in groups)
    if fmt in ("ipv4", "ipv6"):
        try:
            (ipaddress.IPv4Address if fmt == "ipv4" else ipaddress.IPv6Address)(s)
            return True
        except ValueError:
            return False
    if fmt in ("ipv4-prefix", "ipv6-prefix"):
        a, sep, plen = s.partition("/")
        return bool(sep) and _format_ok(fmt[:4], a) and \
            _decimal(plen, 32 if fmt == "ipv4-prefix" else 128) is not None
    return True


def _merged_order(lists):
    """One order of the keys of several ordered lists that keeps each
    list's own (the declaration order the branches of a tagged object
    were cut from)."""
    out = []
    for keys in lists:
        for i, k in enumerate(keys):
            if k not in out:
                prev = next((keys[j] for j in range(i - 1, -1, -1) if keys[j] in out), None)
                out.insert(out.index(prev) + 1 if prev is not None else 0, k)
    return out


def _example(schema):
    """A value the schema takes, as sxdp builds its templates."""
    if "examples" in schema:
        return json.loads(json.dumps(schema["examples"][0]))
    if "default" in schema:
        return schema["default"]
    if "x-known" in schema and schema["x-known"]:
        return schema["x-known"][0]
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    if "oneOf" in schema:
        return _example(schema["oneOf"][0])
    t = (_types(schema) or ["null"])[0]
    if t == "integer":
        return max(schema.get("minimum", 0), 0)
    if t == "string":
        return {"mac": "02:00:00:00:00:01", "ipv4": "192.0.2.1", "ipv6": "2001:db8::1",
                "ipv4-prefix": "192.0.2.0/24", "ipv6-prefix": "2001:db8::/32"}.get(schema.get("format"), "x")
    if t == "boolean":
        return False
    if t == "array":
        return [_example(schema["items"])] if schema.get("minItems") and "items" in schema else []
    if t == "object":
        return {k: _example(p) for k, p in schema.get("properties", {}).items()
                if k in schema.get("required", [])}
    return None


class ApiSchema:
    """sxdp's control API as sxdp declares it: rpc.discover's answer, or the
    build's tests/sxdp-api.json (the same from the declarations alone, for
    a fake server or a client without an sxdp). check_params() refuses what
    sxdp refuses, with the same data.reason and data.pointer (None when it
    takes the params); check_result() holds an answer to its declaration;
    bad_params() derives from a declaration the requests sxdp must refuse."""

    WRONG = [True, 1, 1.5, "x", [1], {"a": 1}, None]

    def __init__(self, discover):
        self.methods = {m["name"]: m for m in discover["methods"]}

    @classmethod
    def load(cls, path=None):
        with open(path or os.path.join(build_dir(), "tests", "sxdp-api.json")) as f:
            return cls(json.load(f))

    def know(self, ref, names):
        """Let REF params (x-ref: "port", "table") name these: what a schema
        file cannot list, for a fake server that holds them. Returns self."""
        def walk(v):
            if isinstance(v, dict):
                if v.get("x-ref") == ref:
                    v["x-known"] = list(names)
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
        walk(self.methods)
        return self

    def template(self, method):
        return json.loads(json.dumps(self.methods[method]["params"]))

    def param(self, method, name):
        return self.methods[method]["params_schema"]["properties"][name]

    def check_params(self, method, params):
        """(reason, pointer, message) of the first thing sxdp refuses in params, or None."""
        if method not in self.methods:
            return ("unknown_method", "/method", "no such method")
        if not isinstance(params, dict):
            return ("wrong_type", "", "params must be an object")
        return self.check(self.methods[method]["params_schema"], params, "")

    def check_result(self, method, result):
        return self.check(self.methods[method]["result"]["schema"], result, "")

    def check(self, schema, v, ptr):
        if "oneOf" in schema and "discriminator" not in schema:
            for b in schema["oneOf"]:
                if _fits(b, v):
                    return self.check(b, v, ptr)
            return ("wrong_type", ptr, "none of %s" % [b.get("type") for b in schema["oneOf"]])
        types = _types(schema)
        if not _fits(schema, v):
            return ("wrong_type", ptr, "must be %s, not %s" % (types, _json_type(v)))
        if v is None or types is None:
            return None
        if isinstance(v, bool):
            return None
        if isinstance(v, int) and "x-ref" not in schema:
            if v < schema.get("minimum", v) or v > schema.get("maximum", v):
                return ("out_of_range", ptr, "outside %s..%s" % (schema.get("minimum"), schema.get("maximum")))
            return None
        if "x-ref" in schema:
            return self._check_ref(schema, v, ptr)
        if isinstance(v, str):
            if "enum" in schema and v not in schema["enum"]:
                return ("bad_value", ptr, "not one of %s" % schema["enum"])
            n = len(v.encode())
            if n < schema.get("minLength", 0) or n > schema.get("maxLength", n):
                return ("bad_value", ptr, "length %d" % n)
            if "format" in schema and not _format_ok(schema["format"], v):
                return ("bad_value", ptr, "not %s" % schema["format"])
            return None
        if isinstance(v, list):
            if len(v) < schema.get("minItems", 0) or len(v) > schema.get("maxItems", len(v)):
                return ("out_of_range", ptr, "%d items" % len(v))
            for i, e in enumerate(v):
                bad = self.check(schema.get("items", {}), e, _ptr(ptr, i))
                if bad:
                    return bad
            return None
        if isinstance(v, dict):
            return self._check_object(schema, v, ptr)
        return None

    def _check_ref(self, schema, v, ptr):
        known = schema.get("x-known")
        if known is None:
            return None   # names the server holds: not in a schema file
        if isinstance(v, int):
            ok = 0 <= v < len(known)
        elif "integer" in _types(schema) and v[:1].isdigit():
            ok = _decimal(v, len(known) - 1) is not None
        else:
            ok = v in known
        ref = schema["x-ref"]
        what = ("%d (of %d)" % (v, len(known))) if isinstance(v, int) else '"%s"' % v[:64]
        return None if ok else ("not_found", ptr, "names no %s: there is no %s %s" % (ref, ref, what))

    def _check_object(self, schema, v, ptr):
        if "discriminator" not in schema:
            props = schema.get("properties")
            extra = schema.get("additionalProperties", True)
            if props is None:
                for k, e in (v.items() if isinstance(extra, dict) else ()):
                    bad = self.check(extra, e, _ptr(ptr, k))
                    if bad:
                        return bad
                return None
            for k in (v if extra is False else ()):
                if k not in props:
                    return ("unknown_field", _ptr(ptr, k), "unknown")
            return self._check_members(props, schema.get("required", []), list(props), v, ptr)
        # a tagged object: what its tag takes, in the order sxdp declares it
        tag = schema["discriminator"]["propertyName"]
        branches = {b["properties"][tag]["const"]: b for b in schema["oneOf"]}
        order = _merged_order([list(b["properties"]) for b in schema["oneOf"]])
        for k in v:
            if k not in order:
                return ("unknown_field", _ptr(ptr, k), "unknown")
        if tag not in v:
            return ("missing_field", _ptr(ptr, tag), "required")
        if not isinstance(v[tag], str):
            return ("wrong_type", _ptr(ptr, tag), "must be a string")
        if v[tag] not in branches:
            return ("bad_value", _ptr(ptr, tag), "not one of %s" % list(branches))
        b = branches[v[tag]]
        return self._check_members(b["properties"], b.get("required", []),
                                   [k for k in order if k != tag], v, ptr)

    def _check_members(self, props, required, order, v, ptr):
        for k in order:
            if k not in props:
                if k in v:
                    return ("unknown_field", _ptr(ptr, k), "not taken here")
            elif k not in v:
                if k in required:
                    return ("missing_field", _ptr(ptr, k), "required")
            else:
                bad = self.check(props[k], v[k], _ptr(ptr, k))
                if bad:
                    return bad
        return None

    def bad_params(self, method):
        """(params, reason, pointer) for every refusal a declaration implies:
        a member of each wrong JSON type, out of range, not in its enum, too
        long or short, not in its format, naming nothing; left out when
        required; unknown; for a tagged object (table.write's updates) each
        member where its tag does not take it and left out where it needs
        it. Built on the method's template, which sxdp takes as it stands."""
        base = self.template(method)
        out = []
        for value, reason, pointer in self._bad(self.methods[method]["params_schema"], base, "", root=True):
            out.append((value, reason, pointer))
        return out

    def _bad(self, schema, base, ptr, root=False):
        if not root:
            for w in self.WRONG:
                if not _fits(schema, w):
                    yield w, "wrong_type", ptr
        if "oneOf" in schema and "discriminator" not in schema:
            for b in schema["oneOf"]:
                if _fits(b, base):
                    yield from self._bad(b, base, ptr, root=True)
            return
        t = _types(schema) or []
        if "x-ref" in schema and "x-known" in schema:
            yield "no-such-%s" % schema["x-ref"], "not_found", ptr
            if "integer" in t:
                yield len(schema["x-known"]), "not_found", ptr
                yield -1, "not_found", ptr
                yield "0%d" % len(schema["x-known"]), "not_found", ptr
            return
        if "integer" in t:
            if "minimum" in schema and schema["minimum"] > -(1 << 63):
                yield schema["minimum"] - 1, "out_of_range", ptr
            if "maximum" in schema and schema["maximum"] < (1 << 63) - 1:
                yield schema["maximum"] + 1, "out_of_range", ptr
        if "string" in t:
            if "enum" in schema:
                yield "no-such-value", "bad_value", ptr
            if schema.get("minLength"):
                yield "", "bad_value", ptr
            if "maxLength" in schema:
                yield "x" * (schema["maxLength"] + 1), "bad_value", ptr
            if "format" in schema:
                yield "not-a-" + schema["format"], "bad_value", ptr
        if "array" in t:
            if schema.get("minItems"):
                yield [], "out_of_range", ptr
            if "maxItems" in schema:
                yield [{}] * (schema["maxItems"] + 1), "out_of_range", ptr
            if "items" in schema and isinstance(base, list) and base:
                for v, r, p in self._bad(schema["items"], base[0], _ptr(ptr, 0)):
                    yield [v] + base[1:], r, p
        if "object" in t or "discriminator" in schema:
            if not isinstance(base, dict):
                base = _example(schema)
            yield from self._bad_object(schema, base, ptr)

    def _bad_object(self, schema, base, ptr):
        if "discriminator" in schema:
            tag = schema["discriminator"]["propertyName"]
            every = {}
            for b in schema["oneOf"]:
                every.update(b["properties"])
            names = [b["properties"][tag]["const"] for b in schema["oneOf"]]
            yield dict(base, bogus=1), "unknown_field", _ptr(ptr, "bogus")
            yield {k: v for k, v in base.items() if k != tag}, "missing_field", _ptr(ptr, tag)
            for v, r, p in self._bad({"type": "string", "enum": names}, base[tag], _ptr(ptr, tag)):
                yield dict(base, **{tag: v}), r, p
            for b in schema["oneOf"]:
                # this tag's own base: the members it needs, from base or examples
                bb = {k: (base[k] if k in base else _example(p)) for k, p in b["properties"].items()
                      if k in b.get("required", []) or k in base}
                bb[tag] = b["properties"][tag]["const"]
                for k, p in every.items():
                    if k not in b["properties"]:
                        yield dict(bb, **{k: _example(p)}), "unknown_field", _ptr(ptr, k)
                yield from self._bad_members(dict(b, properties={k: p for k, p in b["properties"].items()
                                                                 if k != tag}), bb, ptr)
            return
        if "properties" not in schema:
            return
        if schema.get("additionalProperties") is False:
            yield dict(base, bogus=1), "unknown_field", _ptr(ptr, "bogus")
        yield from self._bad_members(schema, base, ptr)

    def _bad_members(self, schema, base, ptr):
        for k, p in schema["properties"].items():
            if k in schema.get("required", []):
                yield {x: y for x, y in base.items() if x != k}, "missing_field", _ptr(ptr, k)
            for v, r, q in self._bad(p, base[k] if k in base else _example(p), _ptr(ptr, k)):
                yield dict(base, **{k: v}), r, q


# ------------------------------------------------------------------ sxdp

class Queues(list):
    """Input of one port split over its RX queues: Queues([pkts_q0, pkts_q1]).
    With several workers each queue is read by one worker (queues of all
    ports are dealt round-robin to the workers), so this is how a test spreads
    one port's traffic over workers, as RSS would."""


class Replay(list):
    """Input of a port that replays its packets forever (net_pcap
    infinite_rx=1): a steady source, e.g. to keep a learned MAC active. Such
    a port is never "consumed": set it admin down before waiting for the
    others (Sxdp.wait_consumed skips it). Non-empty."""


class Sxdp:
    """One sxdp process on net_pcap ports.

    ports: ordered mapping name -> list of input packets (empty list or None:
    an empty rx pcap; a Replay list: replayed forever). Port i is
    net_pcap<i>, named as given.
    """

    def __init__(self, ports, pipeline="forward", mbufs=8192, log_level=None,
                 admin_down=True, extra_eal=None, name=None, mem_mb=512, workers=1,
                 port_opts=None, extra_cfg=None, discard_tx=False, huge=None, tmp=None, takeover=None,
                 log_format=None):
        check_prereqs()
        binary = sxdp_path()
        if not os.access(binary, os.X_OK):
            raise TestFailure("%s not found or not executable (build first, or set BUILD=dir)" % binary)
        self.binary = binary
        self.ports = list(ports.items())
        self.pipeline = pipeline
        self.mbufs = mbufs
        self.mem_mb = mem_mb
        self.log_level = log_level
        self.log_format = log_format
        self.admin_down = admin_down
        self.extra_eal = list(extra_eal or [])
        self.name = name or "t"
        # n workers need n RX and n TX queues per port: one pcap file each
        self.workers = workers
        self.port_opts = dict(port_opts or {})
        self.extra_cfg = dict(extra_cfg or {})
        # long replays: what goes out is not kept (no outputs to compare)
        self.discard_tx = discard_tx
        # on hugepages: huge=True (DPDK's secondary processes, dpdk-pdump and
        # dumpcap, need them; the caller reserves them: Hugepages), or from
        # the pool of the run or the tier (SXDP_TEST_HUGE=1, hugepool.sh): pages
        # taken as needed, at most mem_mb, their files unlinked (a crash
        # leaves none taken). On 4 KB pages a start-up's page faults (the
        # mempool, the tables) cost ~1 CPU-s on a VM: x4 what it does on 2 MB
        # pages. huge=False: 4 KB pages (--no-huge) whatever the pool.
        self.huge = huge is True
        self.huge_pool = huge is None and os.environ.get("SXDP_TEST_HUGE") == "1"
        self.dir = tempfile.mkdtemp(prefix="sxdp-pkt-", dir=tmp)   # tmp: where (default: TMPDIR's)
        self.prefix = "sxpkt%d_%d" % (os.getpid(), next(_seq))
        self.sock_path = os.path.join(self.dir, "sxdp.sock")
        # takeover=<a running Sxdp>: this one starts with --takeover on its
        # socket and file prefix (sxdp runs on the prefix's twin), takes its
        # tables, state and ports, and is on its socket when started; its
        # own ports are this one's (their pcaps this one's)
        self.takeover = takeover
        if takeover is not None:
            self.prefix = takeover.prefix
            self.sock_path = takeover.sock_path
        self.log_path = os.path.join(self.dir, "sxdp.log")
        self.cfg_path = os.path.join(self.dir, "config.json")
        self.proc = None
        self.rpcc = None
        self.api = None          # ApiSchema, from rpc.discover at start
        self.exit_code = None
        self.baseline_in_use = None
        self.n_in = {}
        self.released = set()
        self.replaying = set()
        self.out_paths = {}      # name -> TX queue 0's pcap
        self.out_qpaths = {}     # name -> every TX queue's pcap
        self.failed = False

    # context manager: stop and clean up whatever happens
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.failed = True
            self.cleanup()
            raise
        return self

    def __exit__(self, et, ev, tb):
        if et is not None:
            self.failed = True
        self.cleanup()
        return False

    def in_path(self, name, q=0):
        return os.path.join(self.dir, "in-%s%s.pcap" % (name, "-q%d" % q if q else ""))

    def worker_waited(self):
        """Seconds sxdp's workers have so far been kept off a CPU while they
        could run: waiting on a run queue (the kernel's schedstat run_delay)
        plus what the host stole from the CPUs they run on. Whatever a
        worker's timing holds back (a shaper's credits) lags by no more than
        this on a busy machine; on its own core it stays near zero."""
        hz = os.sysconf("SC_CLK_TCK")
        steal = {}
        for line in open("/proc/stat"):
            f = line.split()
            if f[0].startswith("cpu") and f[0] != "cpu" and len(f) > 8:
                steal[int(f[0][3:])] = int(f[8]) / hz
        total = 0.0
        tasks = "/proc/%d/task" % self.proc.pid
        for tid in os.listdir(tasks):
            try:
                with open(os.path.join(tasks, tid, "comm")) as f:
                    name = f.read().strip()
                # DPDK names a worker lcore's thread rte-worker-<lcore> (lcore-worker-<lcore> before 22.11.5)
                if not name.startswith(("rte-worker-", "lcore-worker-")):
                    continue
                with open(os.path.join(tasks, tid, "schedstat")) as f:
                    total += int(f.read().split()[1]) / 1e9
                with open(os.path.join(tasks, tid, "stat")) as f:
                    cpu = int(f.read().rsplit(")", 1)[1].split()[36])
                total += steal.get(cpu, 0.0)
            except (OSError, IndexError, ValueError):
                continue
        return total

    def out_path(self, name, q=0):
        if self.discard_tx:
            return os.devnull
        return os.path.join(self.dir, "out-%s%s.pcap" % (name, "-q%d" % q if q else ""))

    def write_config(self):
        ports = []
        nq = self.workers
        for i, (name, pkts) in enumerate(self.ports):
            replay = isinstance(pkts, Replay)
            queues = [list(q or []) for q in pkts] if isinstance(pkts, Queues) else [list(pkts or [])]
            if len(queues) > nq:
                raise TestFailure("port %s: %d input queues for %d workers" % (name, len(queues), nq))
            # every queue of a replaying port replays the list: the pcap PMD's
            # infinite_rx on an empty file allocates a burst of mbufs on each
            # call and returns none of them (DPDK 22.11), draining the mempool
            queues += [queues[0] if replay else []] * (nq - len(queues))
            for q, qp in enumerate(queues):
                write_pcap(self.in_path(name, q), qp)
            self.n_in[name] = sum(len(q) for q in queues)
            if replay:
                self.replaying.add(name)
            self.out_paths[name] = self.out_path(name)
            self.out_qpaths[name] = [self.out_path(name, q) for q in range(nq)]
            devargs = "net_pcap%d" % i + "".join(",rx_pcap=%s" % self.in_path(name, q) for q in range(nq)) + \
                "".join(",tx_pcap=%s" % self.out_path(name, q) for q in range(nq)) + \
                (",infinite_rx=1" if replay else "")
            p = {"name": name, "devargs": devargs,
                 "role": "lan", "rx_queues": nq, "rxd": 1024, "txd": 1024}
            p.update(self.port_opts.get(name, {}))
            if self.admin_down:
                p["admin"] = "down"
            ports.append(p)
        # extra workers share CPU 1 with the first: a 2-CPU box runs them all
        workers = [1] + [{"lcore": 1 + w, "cpu": 1 if (os.cpu_count() or 1) > 1 else 0}
                         for w in range(1, self.workers)]
        mem = ["-m", str(self.mem_mb)] if self.huge else \
            ["--socket-limit", str(self.mem_mb), "--huge-unlink"] if self.huge_pool else \
            ["--no-huge", "-m", str(self.mem_mb)]
        cfg = {"eal": mem + ["--no-pci", "--file-prefix", self.prefix] + self.extra_eal,
               "lcores": {"main": 0, "workers": workers},
               "socket": self.sock_path,
               "mbufs": self.mbufs,
               "pipeline": self.pipeline,
               "ports": ports,
               # idle workers sleep (up to 0.5 ms): the packet tier runs files
               # side by side (run.sh), each sxdp's worker on CPU 1, and a
               # test that waits on one must not be starved by another's poll
               "idle_sleep_max_us": 500}
        cfg.update(self.extra_cfg)
        with open(self.cfg_path, "w") as f:
            json.dump(cfg, f, indent=1)

    def start(self, timeout=20.0):
        self.write_config()
        cmd = [self.binary, "--config", self.cfg_path, "--socket", self.sock_path]
        if self.log_level is not None:
            cmd += ["--log-level", str(self.log_level)]
        if self.log_format is not None:
            cmd += ["--log-format", self.log_format]
        old = self.takeover
        if old is not None:
            cmd.append("--takeover")
            if old.rpcc:
                old.rpcc.close()
                old.rpcc = None
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise TestFailure("sxdp exited with %d during start-up" % self.proc.returncode)
            if old is not None and old.proc.poll() is not None and old.exit_code is None:
                # reaped: the new one waits for the old one gone, not a zombie
                old.exit_code = old.proc.returncode
                if old.exit_code != 0:
                    raise TestFailure("the sxdp taken over from exited with %d" % old.exit_code)
            ready = old is None or (old.exit_code is not None and "ready: control socket" in self.log())
            if ready and os.path.exists(self.sock_path):
                try:
                    self.rpcc = RpcClient(self.sock_path)
                    break
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise TestFailure("sxdp control socket %s did not appear in %.0f s" % (self.sock_path, timeout))
            time.sleep(0.05)
        # what sxdp declares of its methods: every later call is checked against it
        disc = self.rpcc.call("rpc.discover")
        self.api = ApiSchema(disc)
        bad = self.api.check_result("rpc.discover", disc)
        if bad:
            raise TestFailure("rpc.discover is not what it declares: %s at %s: %s" % bad)
        self.rpcc.schema = self.api
        self.hello = self.rpc("sys.hello")
        if "boot_id" not in self.hello:
            raise TestFailure("sys.hello has no boot_id: %s" % self.hello)
        self.baseline_in_use = self.stats()["mempool"]["in_use"]
        return self

    def rpc(self, method, params=None):
        if self.rpcc is None:
            raise TestFailure("no control connection")
        return self.rpcc.call(method, params)

    def rpc_raw(self, method, params=None):
        """The whole response, unchecked: for requests meant to be refused."""
        return self.rpcc.call_raw(method, params)

    # ---------------------------------------------------------- tables
    def table_write(self, updates, atomicity=None, check=True):
        """table.write; atomicity None: sxdp's declared default (rollback)."""
        params = {"updates": updates}
        if atomicity is not None:
            params["atomicity"] = atomicity
        res = self.rpc("table.write", params)
        if check:
            bad = [(i, r) for i, r in enumerate(res.get("results", [])) if not r.get("ok")]
            if bad or not res.get("committed"):
                raise TestFailure("table.write not committed: %s" % json.dumps(res)[:1000])
        return res

    @staticmethod
    def update(table, match, action=None, params=None, type="insert"):
        u = {"type": type, "table": table, "match": match}
        if action is not None:
            u["action"] = action
            u["params"] = params or {}
        return u

    def table_add(self, table, match, action, params=None):
        return self.table_write([self.update(table, match, action, params)])

    def table_config(self, table, idle_timeout_s):
        return self.rpc("table.config", {"table": table, "idle_timeout_s": idle_timeout_s})

    def table_read(self, table):
        """All entries of a table (follows next_offset) and the total."""
        entries, off, total = [], 0, None
        limit = self.api.param("table.read", "limit")["maximum"]
        while True:
            r = self.rpc("table.read", {"table": table, "offset": off, "limit": limit})
            entries += r.get("entries", [])
            total = r.get("total")
            if r.get("next_offset") is None:
                return entries, total
            off = r["next_offset"]

    # --------------------------------------------------------- traffic
    def port_admin(self, name, up):
        """port.set admin up/down (down: its RX queue is no longer polled)."""
        self.rpc("port.set", {"port": name, "admin": "up" if up else "down"})
        if up:
            self.released.add(name)

    def release(self, names=None):
        """Set ports administratively up (all, or the given names): reading
        their pcaps starts. Releasing ports one group at a time gives a test
        phases: a group's input is read only after the previous group's."""
        names = [n for n, _ in self.ports] if names is None else list(names)
        for name in names:
            if name not in self.n_in:
                raise TestFailure("release: no port %r" % name)
            if self.admin_down and name not in self.released:
                self.rpc("port.set", {"port": name, "admin": "up"})
            self.released.add(name)

    def stats(self):
        return self.rpc("stats.get")

    def wait_consumed(self, timeout=20.0, settle=3.0, names=None, mempool=True):
        """Wait until every released port (or the given names) has read its
        whole input and every packet the workers read was sent, dropped or
        punted; then (mempool=True) require the mempool back at its start-up
        in-use count (a few seconds' grace for in-flight mbufs). Pass
        mempool=False between phases when the box legitimately holds mbufs
        (packets waiting for ARP). Returns the last stats.get."""
        deadline = time.monotonic() + timeout
        if names is None:
            names = self.released if self.admin_down else [n for n, _ in self.ports]
        want = {n: self.n_in[n] for n in names if n not in self.replaying}
        while True:
            st = self.stats()
            rx = {p["name"]: p["rx_packets"] for p in st["ports"]}
            workers = [lc for lc in st["lcores"] if lc.get("role") == "worker"]
            w_rx = sum(lc["rx_packets"] + lc["inject_packets"] + lc["copy_packets"] + lc["handin_packets"]
                       for lc in workers)
            w_done = sum(lc["tx_packets"] + lc["drop_packets"] + lc["punt_packets"] + lc["handoff_packets"]
                         for lc in workers)
            # a worker counts a burst in its own counters, then its port's: a
            # snapshot that read the workers' before a burst and the ports'
            # after it is torn (it would pass with nothing accounted yet)
            torn = sum(lc["rx_packets"] for lc in workers) < sum(rx.values())
            # what a worker handed to another (software RSS, a stage's
            # handoff) is done with only once that one took it in
            in_rings = sum(lc["handoff_packets"] for lc in workers) - sum(lc["handin_packets"] for lc in workers)
            # and what the main lcore injected (answers, released buffers, end
            # markers) only once a worker took it from its ring
            main = [lc for lc in st["lcores"] if lc.get("role") == "main"]
            in_rings += sum(lc["inject_packets"] for lc in main) - sum(lc["inject_packets"] for lc in workers)
            if all(rx.get(n, 0) >= c for n, c in want.items()) and w_done >= w_rx and not torn and in_rings <= 0:
                # one snapshot more, taken after every burst above was done: stats.get
                # reads the event counters apart from the lcores' (a burst ending
                # between the two reads shows sent with its events not yet
                # counted); the same totals again, and nothing is left half-read
                st2 = self.stats()
                w2 = [lc for lc in st2["lcores"] if lc.get("role") == "worker"]
                if sum(lc["tx_packets"] + lc["drop_packets"] + lc["punt_packets"] + lc["handoff_packets"]
                       for lc in w2) == w_done:
                    st = st2
                    break
                continue
            if self.proc.poll() is not None:
                raise TestFailure("sxdp exited with %d while traffic ran" % self.proc.returncode)
            if time.monotonic() > deadline:
                raise TestFailure("input not consumed in %.0f s: port rx %s, want %s; worker rx %d, "
                                  "tx+drop %d" % (timeout, rx, want, w_rx, w_done))
            time.sleep(0.05)
        if not mempool:
            return st
        st = self.wait_mempool(settle)
        # quiescent (nothing held, nothing in flight): every packet adds up
        self.check_accounting(st)
        return st

    def check_accounting(self, st=None):
        """The counter identities of dp_stats.h, on a quiescent box:
        per worker rx + inject + copies + handed in = tx + drop + punt + handed
        off, and what workers handed off others took; on the main lcore every
        punted packet was dropped (named), consumed or forwarded; what the
        main lcore injected the workers took; per port the device's counts
        equal sxdp's and nothing was missed; named drops add up to the drop
        counters. Returns the stats it checked."""
        st = st or self.stats()
        errs = []
        lcores = st["lcores"]
        main = next(lc for lc in lcores if lc["role"] == "main")
        workers = [lc for lc in lcores if lc["role"] == "worker"]
        for lc in workers:
            a = lc["rx_packets"] + lc["inject_packets"] + lc["copy_packets"] + lc["handin_packets"]
            b = lc["tx_packets"] + lc["drop_packets"] + lc["punt_packets"] + lc["handoff_packets"]
            if a != b:
                errs.append("worker lcore %d: rx %d + inject %d + copies %d + in %d != tx %d + drop %d + punt %d"
                            " + off %d" % (lc["lcore"], lc["rx_packets"], lc["inject_packets"], lc["copy_packets"],
                                           lc["handin_packets"], lc["tx_packets"], lc["drop_packets"],
                                           lc["punt_packets"], lc["handoff_packets"]))
        if sum(lc["handoff_packets"] for lc in workers) != sum(lc["handin_packets"] for lc in workers):
            errs.append("workers handed off %d, took %d" % (sum(lc["handoff_packets"] for lc in workers),
                                                           sum(lc["handin_packets"] for lc in workers)))
        ev = st.get("events") or {}
        consumed = sum(v for k, v in ev.items() if k.endswith(".consumed"))
        forwarded = sum(v for k, v in ev.items() if k.endswith(".forwarded"))
        punted = sum(lc["punt_packets"] for lc in workers)
        if punted != main["slow_packets"]:
            errs.append("workers punted %d, the slow path took %d" % (punted, main["slow_packets"]))
        if main["slow_packets"] != main["drop_packets"] + consumed + forwarded:
            errs.append("slow path: took %d != dropped %d + consumed %d + forwarded %d"
                        % (main["slow_packets"], main["drop_packets"], consumed, forwarded))
        w_inj = sum(lc["inject_packets"] for lc in workers)
        if main["inject_packets"] != w_inj:
            errs.append("main injected %d, workers took %d" % (main["inject_packets"], w_inj))
        named = sum((st.get("drops") or {}).values())
        counted = sum(lc["drop_packets"] + lc["inject_dropped"] for lc in lcores)
        if named != counted:
            errs.append("named drops sum to %d, lcore drop counters to %d" % (named, counted))
        for p in self.rpc("port.stats")["ports"]:
            hw = p["hw"]
            if p["rx_missed"]:
                errs.append("port %s: %d packets missed before sxdp read them" % (p["name"], p["rx_missed"]))
            if hw["ipackets"] != p["rx_packets"]:
                errs.append("port %s: device received %d, sxdp counted %d"
                            % (p["name"], hw["ipackets"], p["rx_packets"]))
            if hw["opackets"] != p["tx_packets"]:
                errs.append("port %s: device sent %d, sxdp counted %d"
                            % (p["name"], hw["opackets"], p["tx_packets"]))
        if errs:
            raise TestFailure("counters do not add up:\n  " + "\n  ".join(errs))
        return st

    def wait_mempool(self, settle=3.0):
        """Require the mempool back at its start-up in-use count within
        settle seconds; returns the last stats.get."""
        deadline = time.monotonic() + settle
        st = self.stats()
        while st["mempool"]["in_use"] != self.baseline_in_use:
            if time.monotonic() > deadline:
                raise TestFailure("mempool leak: %d mbufs in use after all traffic, %d at start"
                                  % (st["mempool"]["in_use"], self.baseline_in_use))
            time.sleep(0.05)
            st = self.stats()
        return st

    def wait_stats(self, pred, what, timeout=10.0, interval=0.02):
        """Poll stats.get until pred(stats) is true; return those stats."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.stats()
            if pred(st):
                return st
            if self.proc.poll() is not None:
                raise TestFailure("sxdp exited with %d while waiting for %s" % (self.proc.returncode, what))
            if time.monotonic() > deadline:
                raise TestFailure("timed out after %.0f s waiting for %s; drops %s, events %s"
                                  % (timeout, what, drops_of(st), events_of(st)))
            time.sleep(interval)

    def wait_events(self, want, timeout=10.0):
        """Wait until every event counter in want has at least that value."""
        return self.wait_stats(lambda st: all(events_of(st).get(k, 0) >= v for k, v in want.items()),
                               "events %s" % want, timeout)

    def phase(self, names, timeout=20.0, mempool=False, events=None):
        """Release the named ports, wait until their input is consumed and,
        if given, until the event counters reach `events` (e.g. learn events
        made by the control thread). Returns the last stats.get."""
        self.release(names)
        st = self.wait_consumed(timeout, names=names, mempool=mempool)
        if events:
            st = self.wait_events(events, timeout)
        return st

    def run_traffic(self, timeout=20.0):
        self.release()
        return self.wait_consumed(timeout)

    # ------------------------------------------------------------ stop
    def stop(self, timeout=20.0):
        """SIGTERM, require exit 0 and the socket removed."""
        if self.rpcc:
            self.rpcc.close()
            self.rpcc = None
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None and self.exit_code is None:
                self.exit_code = self.proc.returncode
                raise TestFailure("sxdp had already exited with %d" % self.exit_code)
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.exit_code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.exit_code = self.proc.wait()
            raise TestFailure("sxdp did not exit within %.0f s of SIGTERM" % timeout)
        if self.exit_code != 0:
            raise TestFailure("sxdp exited with %d after SIGTERM" % self.exit_code)
        if os.path.exists(self.sock_path):
            raise TestFailure("sxdp left its control socket %s behind" % self.sock_path)

    def outputs(self):
        """Each port's transmitted frames; with several workers the TX queues'
        files one after the other (their relative order is not defined)."""
        return {name: [f for path in self.out_qpaths[name] for f in read_pcap(path)]
                for name, _ in self.ports}

    def expect_outputs(self, expected, unordered=()):
        """Compare every port's output with expected[name] (list of packets,
        missing name = no packets); the files are kept for tshark, which must
        find zero malformed when the file's tests are over (SPOOL). Ports named
        in unordered (or every port, unordered=True) are compared as sorted
        lists: the same frames byte for byte, in any order (for outputs that
        mix packets of different bursts or stages, whose order the dataplane
        does not promise)."""
        errs = []
        outs = self.outputs()
        for name, _ in self.ports:
            got, want = outs[name], [bytes(p) for p in expected.get(name, [])]
            if unordered is True or name in unordered:
                got, want = sorted(got), sorted(want)
            errs += compare_packets(name, got, want)
        for name, _ in self.ports:
            for path in self.out_qpaths[name]:
                SPOOL.keep(name, path)
        if errs:
            raise TestFailure("output mismatch:\n  " + "\n  ".join(errs))
        return outs

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def cleanup(self):
        if self.rpcc:
            self.rpcc.close()
            self.rpcc = None
        if self.proc is not None and self.proc.poll() is None:
            self.failed = True
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "logf", None):
            self.logf.close()
            self.logf = None
        if self.failed:
            sys.stdout.write("# sxdp log (%s):\n" % self.log_path)
            for ln in self.log().splitlines()[-80:]:
                sys.stdout.write("#   %s\n" % ln)
        shutil.rmtree("/var/run/dpdk/" + self.prefix, ignore_errors=True)
        if os.environ.get("SXDP_KEEP") == "1":
            sys.stdout.write("# kept %s\n" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


class Hugepages:
    """At least n free 2 MB hugepages and hugetlbfs on /dev/hugepages for the
    with-block: reserves what is missing, gives it back after. SkipTest (with
    why) when the kernel will not give them."""

    NR = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"

    def __init__(self, n):
        self.n = n
        self.added = None

    @staticmethod
    def free():
        m = {}
        with open("/proc/meminfo") as f:
            for ln in f:
                k, v = ln.split(":", 1)
                m[k] = int(v.split()[0])
        return m.get("HugePages_Free", 0) - m.get("HugePages_Rsvd", 0)

    def __enter__(self):
        if not os.path.ismount("/dev/hugepages"):
            os.makedirs("/dev/hugepages", exist_ok=True)
            r = subprocess.run(["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"],
                               stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                raise SkipTest("no hugetlbfs on /dev/hugepages: mount: %s" % r.stderr.strip())
        short = self.n - self.free()
        if short > 0:
            try:
                with open(self.NR) as f:
                    now = int(f.read())
                with open(self.NR, "w") as f:
                    f.write(str(now + short))
                # given back as a count, not a value to restore: another
                # tier may reserve and give back its own meanwhile
                self.added = short
            except OSError as e:
                self.added = None
                raise SkipTest("%d free 2 MB hugepages, %d needed, and %s cannot be raised: %s"
                               % (self.free(), self.n, self.NR, e))
        if self.free() < self.n:
            have = self.free()
            self.__exit__(None, None, None)
            raise SkipTest("the kernel gave %d free 2 MB hugepages of the %d asked for" % (have, self.n))
        return self

    def __exit__(self, *exc):
        if self.added is not None:
            with open(self.NR) as f:
                now = int(f.read())
            with open(self.NR, "w") as f:
                f.write(str(max(0, now - self.added)))
            self.added = None
        return False


# ------------------------------------------------------- shared table shapes

def svi6_updates(vrf, bd, mac, ip, net, plen=64):
    """An IPv6 SVI: the svi6 entry, fdb (bd, mac) -> route, ip/128 local,
    the subnet (net/plen) connected."""
    U = Sxdp.update
    return [U("svi6", {"vrf": vrf, "bd": bd}, "svi6", {"mac": mac, "ip": ip, "plen": plen}),
            U("fdb", {"bd": bd, "mac": mac}, "route"),
            U("routes6", {"vrf": vrf, "dst": "%s/128" % ip}, "local"),
            U("routes6", {"vrf": vrf, "dst": "%s/%d" % (net, plen)}, "connected", {"bd": bd})]


# ------------------------------------------------------------ assertions

def drops_of(st):
    """The non-zero drop reasons of a stats.get result."""
    return {k: v for k, v in (st.get("drops") or {}).items() if v}


def events_of(st):
    """The non-zero event counters of a stats.get result."""
    return {k: v for k, v in (st.get("events") or {}).items() if v}


def expect_events(st, want, only=None):
    """Event counters equal want; with only=PREFIX, compare only the events
    whose name starts with PREFIX (e.g. "switch.")."""
    got = events_of(st)
    if only is not None:
        got = {k: v for k, v in got.items() if k.startswith(only)}
    want = {k: v for k, v in want.items() if v}
    if got != want:
        raise TestFailure("event counters: got %s, want %s" % (got, want))


def expect_drops(st, want):
    got = drops_of(st)
    want = {k: v for k, v in want.items() if v}
    if got != want:
        raise TestFailure("drop counters: got %s, want %s" % (got, want))


def expect_eq(got, want, what):
    if got != want:
        raise TestFailure("%s: got %r, want %r" % (what, got, want))


def expect(cond, what):
    if not cond:
        raise TestFailure(what)


# The tier's bounds on waits. Each is a ceiling, never a delay: a wait returns as soon
# as what it waits for shows, so a generous bound costs a passing test nothing, and the
# tier runs three files at a time on 2 CPUs beside other jobs (a busy machine answers
# late, not never). A file keeps a bound of its own only when it means something else
# (a protocol's timer, how long a thing is watched), named for what it means.
#
# A daemon's start, ready to serve: sxcd (a new store's directories and keys are fsynced
# one by one: a single fsync took 6 s here beside other jobs' writes), nfcapd listening,
# DPDK's capture tools attached to sxdp.
START_S = 60
# State to show after an event: sxcd's (a reconcile, a phase, an SMF judged), sxdp's (a
# write applied, what its main lcore does on a timer), another box's through etcd (each
# write fsynced), a report an SMF waits for.
SETTLE_S = 60


def wait_until(pred, bound_s, what, interval=0.05):
    """Poll pred() until it is true (its value returned), for at most
    bound_s seconds (a generous, named bound: a busy machine answers late,
    not never); past it, a TestFailure saying what was waited for (what:
    text, or a callable asked for it then, to say what was seen last)."""
    deadline = time.monotonic() + bound_s
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise TestFailure("%s: not within %s s" % (what() if callable(what) else what, bound_s))
        time.sleep(interval)


# ---------------------------------------------------------------- runner

class Runner:
    """TAP-like runner: `ok - name` / `not ok - name`, then `N passed, M failed`
    (`, K skipped` when some were). A test that raises SkipTest is reported
    `ok - name # SKIP reason` (scripts/test.sh lists those with their
    reasons); a file whose every selected test skipped exits 77."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.tests = []

    def test(self, fn):
        self.tests.append(fn)
        return fn

    def main(self, argv=None):
        argv = sys.argv[1:] if argv is None else argv
        try:
            check_prereqs()
        except SkipTest as e:
            print("SKIP: %s" % e)
            sys.exit(77)
        if not os.access(sxdp_path(), os.X_OK):
            print("not ok - sxdp binary: %s missing (build first or set BUILD=dir)" % sxdp_path())
            print("0 passed, 1 failed")
            sys.exit(1)
        sel = [t for t in self.tests if not argv or any(a in t.__name__ for a in argv)]
        for fn in sel:
            name = fn.__name__[5:] if fn.__name__.startswith("test_") else fn.__name__
            SPOOL.test = name
            t0 = time.monotonic()
            try:
                fn()
            except SkipTest as e:
                self.skipped += 1
                print("ok - %s # SKIP %s" % (name, " ".join(str(e).split())))
            except Exception as e:  # every failure is reported, the run goes on
                self.failed += 1
                print("not ok - %s" % name)
                for ln in ("%s: %s" % (type(e).__name__, e)).splitlines():
                    print("#   %s" % ln)
                if not isinstance(e, AssertionError):   # a test's own defect: where
                    for ln in traceback.format_tb(e.__traceback__)[-3:]:
                        for part in ln.rstrip().splitlines():
                            print("#   %s" % part)
            else:
                self.passed += 1
                print("ok - %s" % name)
                print("#   %.1f s" % (time.monotonic() - t0))
            sys.stdout.flush()
        # the outputs the tests compared, through one tshark
        try:
            bad = SPOOL.check()
        except Exception as e:  # tshark itself failed: every output unread
            bad = [("*", "%s: %s" % (type(e).__name__, e))]
        for test, msg in bad:
            self.failed += 1
            print("not ok - %s: its outputs through tshark" % test)
            for ln in msg.splitlines():
                print("#   %s" % ln)
        print("%d passed, %d failed%s" % (self.passed, self.failed,
                                          ", %d skipped" % self.skipped if self.skipped else ""))
        if self.failed:
            sys.exit(1)
        sys.exit(77 if self.skipped and not self.passed else 0)


def tshark_fields(path, fields, prefs=()):
    """tshark's reading of a pcap: one list of field values per packet
    (prefs: tshark preferences, "udp.check_checksum:TRUE" ...)."""
    r = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields"] + sum((["-o", o] for o in prefs), []) +
                       sum((["-e", f] for f in fields), []),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if r.returncode != 0:
        raise TestFailure("tshark failed: %s" % r.stderr.strip())
    return [ln.split("\t") for ln in r.stdout.splitlines() if ln.strip()]
