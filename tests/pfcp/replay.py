#!/usr/bin/python3
"""Replay a real core's PFCP exchange (a capture) against a UPF, and judge its answers.

The capture's CP node (the one sending Session Establishment Requests) and UP node are
found; the CP's requests are sent to the UPF under test with what must differ rewritten,
byte for byte otherwise:
  - the CP's Node ID and F-SEID addresses (IPv4) -> the replaying SMF's address;
  - the UP SEID the capture's UPF gave -> the one the UPF under test gave (header SEID);
  - F-TEIDs the capture's UPF chose (its Created PDRs) and the SMF repeats -> the UPF's
    choice; an F-TEID the SMF chose itself -> the same TEID at the test UPF's N3 (source
    interface Access) or N9 address; UE addresses the capture's UPF chose (CHV4) -> the
    UPF's choice;
  - the gNB / peer addresses of Outer Header Creation -> the test's gNBs (in order of first
    appearance: gnbs[0], gnbs[1], ...), the CP's own -> the SMF's address;
  - sequence numbers: fresh, one per request.
Requests the capture's UPF sent (Heartbeat, Association Setup: OAI's UPF initiates it,
Session Report Requests) are not replayed: what the UPF under test sends is answered as
the capture's SMF answered the first of its type (Cause, Node ID, Recovery Time Stamp).
Each answer is compared with the capture's: message type, Cause, the top-level IEs it
carries and, in Created PDRs, the F-TEIDs and UE addresses.

As a tool:  /usr/bin/python3 tests/pfcp/replay.py CAPTURE HOST:PORT [--smf-bind ADDR]
(prints each request's verdict; exit 1 when a cause differs). The packet test
tests/packet/test_pfcp_replay.py drives it against sxcd --pfcp over sxdp.
Needs Debian's /usr/bin/python3 with scapy (rdpcap only)."""
import socket
import struct
import sys
import time

# message types (TS 29.244 7.3)
HB_REQ, HB_RSP, ASSOC_REQ, ASSOC_RSP = 1, 2, 5, 6
EST_REQ, EST_RSP, MOD_REQ, MOD_RSP, DEL_REQ, DEL_RSP, RPT_REQ, RPT_RSP = 50, 51, 52, 53, 54, 55, 56, 57
NODE_RPT_REQ = 12
REQUESTS = {1, 3, 5, 7, 9, 12, 14, 50, 52, 54, 56}
NAMES = {1: "Heartbeat Request", 2: "Heartbeat Response", 5: "Association Setup Request",
         6: "Association Setup Response", 7: "Association Update Request", 8: "Association Update Response",
         9: "Association Release Request", 10: "Association Release Response", 11: "Version Not Supported",
         12: "Node Report Request", 13: "Node Report Response", 50: "Session Establishment Request",
         51: "Session Establishment Response", 52: "Session Modification Request",
         53: "Session Modification Response", 54: "Session Deletion Request", 55: "Session Deletion Response",
         56: "Session Report Request", 57: "Session Report Response"}
# IE types
IE_CREATE_PDR, IE_PDI, IE_CREATE_FAR, IE_FWD, IE_CREATED_PDR, IE_UPD_FAR, IE_UPD_FWD = 1, 2, 3, 4, 8, 10, 11
IE_CAUSE, IE_SRC_IFACE, IE_FTEID, IE_DST_IFACE, IE_FSEID, IE_PDR_ID, IE_NODE_ID = 19, 20, 21, 42, 57, 56, 60
IE_OHC, IE_UE_IP, IE_RTS, IE_OFFENDING = 84, 93, 96, 40
# grouped IEs (TS 29.244 8.1.2, table 8.1.2-1), walked into
GROUPED = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 51, 54, 58, 59, 77, 78, 79, 80, 83, 85,
           86, 87, 99, 102, 105, 118, 127, 128, 129, 130, 132, 143, 147, 165, 166, 167, 168, 169, 170, 175, 176,
           183, 187, 188, 189, 190, 195, 199, 200, 201, 203, 205, 211, 212, 213, 216, 218, 220, 221, 225, 226,
           227, 233, 234, 237, 238, 239, 240, 242, 247, 252, 254, 256, 261, 263, 264, 265, 266, 267, 268, 270,
           272, 276, 277, 290, 303}


# ------------------------------------------------------------------ the wire
def header(b):
    """(message type, SEID or None, sequence number, offset of the first IE) of PFCP bytes."""
    s = b[0] & 1
    if s:
        return b[1], struct.unpack("!Q", b[4:12])[0], struct.unpack("!I", b"\0" + b[12:15])[0], 16
    return b[1], None, struct.unpack("!I", b"\0" + b[4:7])[0], 8


def set_header(b, seq, seid=None):
    """PFCP bytes @b with sequence number @seq (and, if it has one, SEID @seid)."""
    b = bytearray(b)
    if b[0] & 1:
        if seid is not None:
            b[4:12] = struct.pack("!Q", seid)
        b[12:15] = struct.pack("!I", seq)[1:]
    else:
        b[4:7] = struct.pack("!I", seq)[1:]
    return bytes(b)


def walk(b, start, end, depth=0, path=()):
    """Every IE of b[start:end], grouped ones walked into: (type, value offset, length, path of
    the enclosing IE types), in order. Stops quietly at a truncated IE."""
    at = start
    while at + 4 <= end:
        t, ln = struct.unpack("!HH", b[at:at + 4])
        v = at + 4
        if t & 0x8000:   # vendor IE: enterprise ID first
            v += 2
            ln -= 2
        if ln < 0 or v + ln > end:
            return
        yield t, v, ln, path
        if t in GROUPED and depth < 8:
            yield from walk(b, v, v + ln, depth + 1, path + (t,))
        at = v + ln


def _strip(b, drop, depth=0):
    """IE bytes @b without the IEs drop(type, value) says, grouped IEs rebuilt."""
    out, at = bytearray(), 0
    while at + 4 <= len(b):
        t, ln = struct.unpack("!HH", b[at:at + 4])
        v = b[at + 4:at + 4 + ln]
        at += 4 + ln
        d = drop(t, v)
        if d is True:
            continue
        if isinstance(d, (bytes, bytearray)):
            v = bytes(d)
        if t in GROUPED and not t & 0x8000 and depth < 8:
            v = _strip(v, drop, depth + 1)
        out += struct.pack("!HH", t, len(v)) + v
    return bytes(out + b[at:])


def strip(b, drop):
    """PFCP message @b without the IEs (at any depth) for which drop(type, value) is True (or
    with the value it returns, when bytes), its lengths rebuilt: to see what a refusal of
    one IE hides."""
    _, _, _, off = header(b)
    body = _strip(b[off:], drop)
    h = bytearray(b[:off])
    h[2:4] = struct.pack("!H", off - 4 + len(body))
    return bytes(h) + body


def edit(b, ietype, fn):
    """PFCP message @b with every IE of @ietype (at any depth) whose value fn(value) changes
    (to one of the same length) changed."""
    out = bytearray(b)
    _, _, _, off = header(b)
    end = min(len(b), 4 + struct.unpack("!H", b[2:4])[0])
    for t, v, ln, path in walk(b, off, end):
        if t == ietype:
            nv = fn(bytes(b[v:v + ln]))
            if nv is not None and len(nv) == ln:
                out[v:v + ln] = nv
    return bytes(out)


def ies(b):
    """The top-level IEs of PFCP message @b: [(type, value bytes)]."""
    _, _, _, off = header(b)
    end = min(len(b), 4 + struct.unpack("!H", b[2:4])[0])
    return [(t, b[v:v + ln]) for t, v, ln, path in walk(b, off, end) if not path]


def children(value):
    """The IEs directly inside grouped IE value bytes: [(type, value bytes)]."""
    return [(t, value[v:v + ln]) for t, v, ln, path in walk(value, 0, len(value)) if not path]


def cause(b):
    for t, v in ies(b):
        if t == IE_CAUSE and v:
            return v[0]
    return None


def ip4(v):
    return socket.inet_ntoa(bytes(v))


def fteid_of(v):
    """An F-TEID value: {"ch", "teid", "v4"} (teid/v4 None when CHOOSE or absent)."""
    f = v[0]
    if f & 0x04:
        return {"ch": True, "teid": None, "v4": None}
    teid = struct.unpack("!I", v[1:5])[0]
    return {"ch": False, "teid": teid, "v4": ip4(v[5:9]) if f & 0x01 else None}


def created_pdrs(b):
    """{PDR id: {"fteid": (teid, v4) or None, "ue": IPv4 or None}} of a response's Created PDRs."""
    out = {}
    for t, v in ies(b):
        if t != IE_CREATED_PDR:
            continue
        d = {"fteid": None, "ue": None}
        pid = None
        for ct, cv in children(v):
            if ct == IE_PDR_ID:
                pid = struct.unpack("!H", cv[:2])[0]
            elif ct == IE_FTEID:
                f = fteid_of(cv)
                d["fteid"] = (f["teid"], f["v4"])
            elif ct == IE_UE_IP and cv[0] & 0x02:
                d["ue"] = ip4(cv[1:5])
        out[pid] = d
    return out


def up_fseid(b):
    for t, v in ies(b):
        if t == IE_FSEID:
            return struct.unpack("!Q", v[1:9])[0]
    return None


# ------------------------------------------------------------------ the capture
def load(path):
    """The capture's PFCP datagrams and GTP-U packets in order: dicts {"kind": "pfcp"|"gtp",
    "frame", "t", "src", "dst", "sport", "dport", "data"} (PFCP: the UDP payload; GTP-U: the
    UDP payload too). Copies of one datagram seen on two interfaces (the same bytes between
    the same ends within 10 ms) are kept once."""
    from scapy.all import IP, IPv6, UDP, PcapReader
    out, last = [], {}
    for n, p in enumerate(PcapReader(path), 1):
        ip = p.getlayer(IP) or p.getlayer(IPv6)
        u = p.getlayer(UDP)
        if ip is None or u is None:
            continue
        if 8805 in (u.sport, u.dport):
            kind = "pfcp"
        elif u.dport == 2152 or u.sport == 2152:
            kind = "gtp"
        else:
            continue
        data = bytes(u.payload)
        key = (ip.src, ip.dst, data)
        t = float(p.time)
        if key in last and t - last[key] < 0.010:
            continue
        last[key] = t
        out.append({"kind": kind, "frame": n, "t": t, "src": ip.src, "dst": ip.dst, "sport": u.sport,
                    "dport": u.dport, "data": data})
    return out


class Capture:
    """A capture's PFCP conversation between its CP node and its UP node: steps in order
    ("cp" a request the CP sent, with the UP's answer or None; "up" a request the UP sent,
    with the CP's answer; "gtp" a G-PDU), the CP's retransmissions folded into their request
    (counted in "copies")."""

    def __init__(self, path):
        self.path = path
        ev = load(path)
        pf = [e for e in ev if e["kind"] == "pfcp" and len(e["data"]) >= 8 and e["data"][0] >> 5 == 1]
        # the pair with most session requests: CP -> UP
        pairs = {}
        for e in pf:
            if e["data"][1] in (EST_REQ, MOD_REQ, DEL_REQ):
                pairs[(e["src"], e["dst"])] = pairs.get((e["src"], e["dst"]), 0) + 1
        if not pairs:
            raise ValueError("%s: no session request" % path)
        self.cp, self.up = max(pairs, key=pairs.get)
        conv = [e for e in pf if {e["src"], e["dst"]} == {self.cp, self.up}]
        self.steps = []
        pending = {}   # (sender, seq, type) -> step
        for e in conv:
            mtype, seid, seq, _ = header(e["data"])
            side = "cp" if e["src"] == self.cp else "up"
            if mtype in REQUESTS:
                k = (side, seq, mtype)
                if k in pending and pending[k]["req"]["data"] == e["data"]:
                    pending[k]["copies"] += 1   # sent again
                    continue
                st = {"kind": side, "req": e, "rsp": None, "copies": 0}
                pending[k] = st
                self.steps.append(st)
            else:
                other = "up" if side == "cp" else "cp"
                st = pending.get((other, seq, mtype - 1))
                if st is None:   # free5GC answers a UPF's setup under 1: the one waiting of the type
                    st = next((s for s in reversed(self.steps) if s["kind"] == other and s["rsp"] is None
                               and s["req"]["data"][1] == mtype - 1), None)
                if st is not None and st["rsp"] is None:
                    st["rsp"] = e
        gtp = [e for e in ev if e["kind"] == "gtp"]
        allsteps = self.steps + [{"kind": "gtp", "req": e} for e in gtp]
        allsteps.sort(key=lambda s: s["req"]["frame"])
        self.steps = allsteps
        # the capture UPF's addresses: its own, its F-TEIDs (chosen by it or by the SMF)
        self.up_addrs = {self.up}
        for s in self.steps:
            if s["kind"] == "cp":
                b = s["req"]["data"]
                _, _, _, off = header(b)
                for t, v, ln, path in walk(b, off, len(b)):
                    if t == IE_FTEID and ln >= 9 and not b[v] & 0x04 and b[v] & 0x01:
                        self.up_addrs.add(ip4(b[v + 5:v + 9]))
            if s["kind"] == "cp" and s["rsp"] is not None:
                for d in created_pdrs(s["rsp"]["data"]).values():
                    if d["fteid"] and d["fteid"][1]:
                        self.up_addrs.add(d["fteid"][1])

    def requests(self, side="cp"):
        return [s for s in self.steps if s["kind"] == side]

    def template(self, mtype):
        """The capture's CP answer to the UP's first request of @mtype (bytes), or None."""
        for s in self.steps:
            if s["kind"] == "up" and s["req"]["data"][1] == mtype and s["rsp"] is not None:
                return s["rsp"]["data"]
        return None

    def summary(self):
        c = {}
        for s in self.steps:
            k = s["kind"] if s["kind"] == "gtp" else "%s:%s" % (s["kind"], s["req"]["data"][1])
            c[k] = c.get(k, 0) + 1
        return c


# ------------------------------------------------------------------ the replay
class Replay:
    """Replays a Capture's CP requests from a UDP socket (bound to @smf: (addr, port)) to the
    UPF at @upf. n3, n9: the test UPF's addresses for F-TEIDs the SMF chose; gnbs: the
    addresses the capture's gNBs (Outer Header Creation toward Access) become."""

    T1 = 2.0       # resent after T1 s unanswered (as a real SMF)
    ANSWER_S = 20.0

    def __init__(self, cap, upf, smf=("127.0.0.1", 0), n3="192.0.2.1", n9="198.51.100.1",
                 gnbs=("192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"), anchors=("198.51.100.9",),
                 seq_start=1, sock=None, fix=None):
        self.cap, self.upf = cap, upf
        self.sock = sock or socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if sock is None:
            self.sock.bind(smf)
        self.smf = self.sock.getsockname()[0]
        self.n3, self.n9 = n3, n9
        self.gnbs, self.anchors = list(gnbs), list(anchors)
        self.seq = seq_start - 1
        self.seid = {}      # the capture UPF's UP SEID -> ours
        self.teid = {}      # a TEID the capture's UPF chose -> ours
        self.addr = {}      # an F-TEID address the capture's UPF chose -> ours
        self.ue = {}        # a UE address the capture's UPF chose -> ours
        self.peer = {}      # a capture gNB/anchor address -> the test's
        self.cp_seids = {}  # CP SEID -> our UP SEID (the sessions the replay holds)
        self.asked = []     # the UPF's requests: (type, seq, seid, bytes)
        self.answered = {}  # the UPF's requests answered, by type
        self.results = []
        self.fix = fix      # fix(bytes) -> bytes: applied to each request after rewriting

    def close(self):
        self.sock.close()

    # ---- rewriting
    def _peer(self, a, iface):
        if a == self.cap.cp:
            return self.smf
        if a not in self.peer:
            pool = self.anchors if iface == 1 else self.gnbs
            used = set(self.peer.values())
            free = [x for x in pool if x not in used]
            self.peer[a] = free[0] if free else pool[-1]
        return self.peer[a]

    def rewrite(self, data):
        """The CP's request bytes as the replay sends them (header SEID and sequence number
        apart: set_header)."""
        b = bytearray(data)
        mtype, seid, seq, off = header(b)
        end = min(len(b), 4 + struct.unpack("!H", b[2:4])[0])
        src_iface = {}   # the enclosing PDI's / FAR's interface, by the grouped IE's offset
        items = list(walk(b, off, end))
        # a PDI's Source Interface and a Forwarding Parameters' Destination Interface, found
        # first (the F-TEID or OHC may come before them)
        ctx, stack = {}, []
        for t, v, ln, path in items:
            while stack and v >= stack[-1][1]:
                stack.pop()
            if t in GROUPED:
                stack.append((v, v + ln))
            if t in (IE_SRC_IFACE, IE_DST_IFACE) and stack and ln >= 1:
                ctx[stack[-1][0]] = b[v] & 0x0f
        stack = []
        for t, v, ln, path in items:
            while stack and v >= stack[-1][1]:
                stack.pop()
            iface = ctx.get(stack[-1][0]) if stack else None
            if t in GROUPED:
                stack.append((v, v + ln))
                continue
            if t == IE_NODE_ID and ln >= 5 and b[v] & 0x0f == 0 and not path:
                b[v + 1:v + 5] = socket.inet_aton(self.smf)
            elif t == IE_FSEID and ln >= 9 and b[v] & 0x02 and ln >= 13:
                b[v + 9:v + 13] = socket.inet_aton(self.smf)
            elif t == IE_FTEID and ln >= 5 and not b[v] & 0x04:
                old = struct.unpack("!I", b[v + 1:v + 5])[0]
                a = ip4(b[v + 5:v + 9]) if b[v] & 0x01 and ln >= 9 else None
                if old in self.teid:
                    b[v + 1:v + 5] = struct.pack("!I", self.teid[old])
                if a is not None:
                    new = self.addr.get(a) or (self.n9 if iface == 1 else self.n3)
                    b[v + 5:v + 9] = socket.inet_aton(new)
            elif t == IE_OHC and ln >= 2:
                d = b[v]
                at = v + 2
                if d & 0x03:
                    at += 4
                if d & 0x15 and at + 4 <= v + ln:
                    b[at:at + 4] = socket.inet_aton(self._peer(ip4(b[at:at + 4]), iface))
            elif t == IE_UE_IP and ln >= 5 and b[v] & 0x02:
                a = ip4(b[v + 1:v + 5])
                if a in self.ue:
                    b[v + 1:v + 5] = socket.inet_aton(self.ue[a])
        return bytes(b)

    # ---- I/O
    def next_seq(self):
        self.seq = (self.seq + 1) & 0xffffff or 1
        return self.seq

    def answer(self, b, src):
        """Answer a request of the UPF's as the capture's SMF answered its kind."""
        mtype, seid, seq, _ = header(b)
        self.asked.append((mtype, seq, seid, b))
        tpl = self.cap.template(mtype)
        if tpl is not None:
            r = set_header(self.rewrite(tpl), seq, seid)
        elif mtype == HB_REQ:
            r = struct.pack("!BBHI", 0x20, HB_RSP, 12, seq << 8) + struct.pack("!HHI", IE_RTS, 4, self.rts())
        elif mtype == RPT_REQ:
            r = struct.pack("!BBHQI", 0x21, RPT_RSP, 17, seid or 0, seq << 8) + struct.pack("!HHB", IE_CAUSE, 1, 1)
        elif mtype == ASSOC_REQ:
            ie = struct.pack("!HHB", IE_NODE_ID, 5, 0) + socket.inet_aton(self.smf) + \
                struct.pack("!HHB", IE_CAUSE, 1, 1) + struct.pack("!HHI", IE_RTS, 4, self.rts())
            r = struct.pack("!BBHI", 0x20, ASSOC_RSP, 4 + len(ie), seq << 8) + ie
        else:
            return
        self.answered[mtype] = self.answered.get(mtype, 0) + 1
        self.sock.sendto(r, src)

    def rts(self):
        for s in self.cap.requests("cp"):
            for t, v in ies(s["req"]["data"]):
                if t == IE_RTS:
                    return struct.unpack("!I", v[:4])[0]
        return int(time.time()) + 2208988800

    def recv(self, timeout):
        self.sock.settimeout(max(0.001, timeout))
        try:
            return self.sock.recvfrom(65535)
        except (socket.timeout, BlockingIOError):
            return None, None

    def pump(self, seconds):
        """Answer the UPF's requests for @seconds."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            b, src = self.recv(deadline - time.monotonic())
            if b and len(b) >= 8 and b[1] in REQUESTS:
                self.answer(b, src)

    def request(self, b, timeout=None, retransmit=True):
        """Send request bytes @b (resent every T1 unanswered); the answer under its sequence
        number (bytes), or None. The UPF's own requests meanwhile are answered."""
        seq = header(b)[2] if len(b) >= 16 or (len(b) >= 8 and not b[0] & 1) else -1
        self.sock.sendto(b, self.upf)
        timeout = self.ANSWER_S if timeout is None else timeout
        deadline = time.monotonic() + timeout
        resend = time.monotonic() + (self.T1 if retransmit else timeout)
        while True:
            now = time.monotonic()
            if now >= deadline:
                return None
            got, src = self.recv(min(deadline, resend) - now)
            if got is None:
                if time.monotonic() >= resend and time.monotonic() < deadline:
                    self.sock.sendto(b, self.upf)
                    resend = time.monotonic() + self.T1
                continue
            if len(got) < 8:
                continue
            if got[1] in REQUESTS:
                self.answer(got, src)
                continue
            if len(got) >= 8 and header(got)[2] == seq:
                return got

    # ---- one step
    def prepare(self, step, seq=None):
        """The bytes the replay sends for a CP step: rewritten, its UP SEID ours, a fresh
        sequence number (or @seq)."""
        data = step["req"]["data"]
        mtype, seid, _, _ = header(data)
        b = self.rewrite(data)
        if self.fix is not None:
            b = self.fix(b)
        new_seid = None
        if seid is not None:
            new_seid = 0 if seid == 0 else self.seid.get(seid, seid)
        return set_header(b, self.next_seq() if seq is None else seq, new_seid)

    def learn(self, step, got):
        """Take what the UPF chose from its answer @got to @step, beside what the capture's
        UPF chose."""
        want = step["rsp"]["data"] if step["rsp"] is not None else None
        mtype = step["req"]["data"][1]
        if mtype == EST_REQ and want is not None and got is not None:
            a, b = up_fseid(want), up_fseid(got)
            if a is not None and b is not None:
                self.seid[a] = b
            cp = None
            for t, v in ies(step["req"]["data"]):
                if t == IE_FSEID:
                    cp = struct.unpack("!Q", v[1:9])[0]
            if cp is not None and b is not None:
                self.cp_seids[cp] = b
        if mtype == DEL_REQ and got is not None and cause(got) == 1:
            for cp, up in list(self.cp_seids.items()):
                if up == self.seid.get(header(step["req"]["data"])[1]):
                    del self.cp_seids[cp]
        if want is not None and got is not None:
            cw, cg = created_pdrs(want), created_pdrs(got)
            for pid, d in cw.items():
                g = cg.get(pid)
                if g is None:
                    continue
                if d["fteid"] and g["fteid"]:
                    if d["fteid"][0] is not None:
                        self.teid[d["fteid"][0]] = g["fteid"][0]
                    if d["fteid"][1] and g["fteid"][1]:
                        self.addr[d["fteid"][1]] = g["fteid"][1]
                if d["ue"] and g["ue"]:
                    self.ue[d["ue"]] = g["ue"]

    def judge(self, step, got):
        """The verdict on the UPF's answer @got to @step, against the capture's."""
        req = step["req"]["data"]
        want = step["rsp"]["data"] if step["rsp"] is not None else None
        r = {"frame": step["req"]["frame"], "type": req[1], "name": NAMES.get(req[1], str(req[1])),
             "want_cause": cause(want) if want else None, "got_cause": cause(got) if got else None,
             "got_type": got[1] if got else None, "want_type": want[1] if want else None,
             "missing": [], "extra": [], "notes": []}
        if got is None:
            r["notes"].append("no answer")
        if want is None:
            r["notes"].append("the capture has no answer")
        if got is not None and want is not None:
            tw = sorted({t for t, _ in ies(want)})
            tg = sorted({t for t, _ in ies(got)})
            r["missing"] = [t for t in tw if t not in tg]
            r["extra"] = [t for t in tg if t not in tw]
            cw, cg = created_pdrs(want), created_pdrs(got)
            for pid, d in sorted(cw.items()):
                g = cg.get(pid)
                if g is None:
                    r["notes"].append("Created PDR %s missing" % pid)
                    continue
                if d["fteid"] and not g["fteid"]:
                    r["notes"].append("Created PDR %s without its F-TEID" % pid)
                if d["ue"] and not g["ue"]:
                    r["notes"].append("Created PDR %s without its UE address" % pid)
            for t, v in ies(got):
                if t == IE_OFFENDING:
                    r["notes"].append("offending IE %d" % struct.unpack("!H", v[:2])[0])
        r["match"] = got is not None and (want is None or (r["got_type"] == r["want_type"] and
                                                           r["got_cause"] == r["want_cause"]))
        return r

    def step(self, step, timeout=None):
        b = self.prepare(step)
        got = self.request(b, timeout=timeout)
        self.learn(step, got)
        r = self.judge(step, got)
        r["sent"], r["got"] = b, got
        self.results.append(r)
        return r

    def run(self, until=None, on_gtp=None):
        """Replay every CP request in order (until the step index @until); on_gtp(index, step)
        is called at each G-PDU of the capture. Returns the verdicts."""
        for i, s in enumerate(self.cap.steps):
            if until is not None and i >= until:
                break
            if s["kind"] == "cp":
                self.step(s)
            elif s["kind"] == "gtp" and on_gtp is not None:
                on_gtp(i, s)
        return self.results


def describe(r):
    s = "frame %d %s: cause %s (capture %s)" % (r["frame"], r["name"], r["got_cause"], r["want_cause"])
    if r["missing"]:
        s += ", IEs the capture's answer has and ours lacks %s" % r["missing"]
    if r["extra"]:
        s += ", ours has more %s" % r["extra"]
    if r["notes"]:
        s += " (%s)" % "; ".join(r["notes"])
    return s


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("capture")
    ap.add_argument("upf", help="HOST:PORT of the UPF's PFCP")
    ap.add_argument("--smf-bind", default="127.0.0.1")
    a = ap.parse_args(argv)
    host, port = a.upf.rsplit(":", 1)
    cap = Capture(a.capture)
    print("# %s: CP %s, UP %s, %s" % (a.capture, cap.cp, cap.up, cap.summary()))
    rp = Replay(cap, (host, int(port)), smf=(a.smf_bind, 0))
    bad = 0
    for r in rp.run():
        print(("ok   " if r["match"] else "DIFF ") + describe(r))
        bad += not r["match"]
    print("# %d requests, %d answered as the capture's UPF did; the UPF's requests answered: %s"
          % (len(rp.results), len(rp.results) - bad, rp.answered))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
