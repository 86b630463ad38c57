#!/usr/bin/python3
"""Slice isolation matrix of the `switch` pipeline: pcap in, pcap out.

    /usr/bin/python3 tests/packet/test_isolation.py [NAME-SUBSTRING ...]

Three slices (VRF 1, 2, 3) built to collide: the same subnets (10.0.0.0/24
in bd S, 10.0.1.0/24 in bd 10+S), the same host MACs and IPs, the same SVI
MAC and IPs. Each slice has access ports of its own (aS, bS, cS; e2 for
slice 2) and all three share the trunk `t` (VID 100+S -> bd S, VID 200+S ->
bd 10+S). Hosts with the same MAC sit at different places in different
slices, so an fdb or neighbour entry used across slices sends a frame to a
port (or VLAN) of the wrong slice. Every probe carries its slice: in its
payload ("[slice=S ...]", kept by ARP and echo replies), in its UDP source
port (1000 * S + n, which ICMP errors quote), or in the target of the ARP
requests the box sends for it.

Every output frame is attributed to a slice and its (port, VLAN) must belong
to that slice (zero leaks); outputs are also compared, byte for byte and per
port, with what a model of the topology predicts; refused packets are
counted under their named reasons; learned fdb and neighbour entries are
compared with the expected set and each one points at a port/VLAN of its
own slice. Prints `isolation: 3 slices, N probes, 0 leaks` and the matrix.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_drops, expect_eq  # noqa: E402

try:
    from scapy.all import ARP, ICMP, IP, UDP, Dot1Q, Ether, Raw  # noqa: E402
except ImportError:
    print("SKIP: scapy is not importable by %s (install python3-scapy, run with /usr/bin/python3)"
          % sys.executable)
    sys.exit(77)

R = T.Runner()

# every test here with the fast paths (switch.bridged, switch.routed)
# checked against the general path (dp_fastcheck.h): a difference in any
# burst aborts sxdp
os.environ.setdefault("SXDP_FAST_CHECK", "1")
U = Sxdp.update

SLICES = (1, 2, 3)
BCAST = "ff:ff:ff:ff:ff:ff"
ZERO_MAC = "00:00:00:00:00:00"
RMAC = "02:5e:00:00:00:fe"          # the SVI MAC of every bd of every slice
GW_L, GW_R = "10.0.0.254", "10.0.1.254"
MAC_Z = "02:00:00:00:00:ee"         # nobody, anywhere
PORTS = ["a1", "a2", "a3", "b1", "b2", "b3", "c1", "c2", "c3", "t", "e2"]

# identical hosts in every slice
HOSTS = {
    "H1": ("02:00:00:00:00:01", "10.0.0.1", "L"),
    "H2": ("02:00:00:00:00:02", "10.0.0.2", "L"),
    "H3": ("02:00:00:00:00:03", "10.0.0.3", "L"),
    "G1": ("02:00:00:00:00:11", "10.0.1.1", "R"),
    "G2": ("02:00:00:00:00:12", "10.0.1.2", "R"),
}
N50_MAC, N50_IP = "02:00:00:00:00:50", "10.0.1.50"   # exists in slice 2 only (port e2)


def u_mac(s):
    """A MAC that lives in slice s only."""
    return "02:00:00:00:00:9%d" % s


def vid_l(s):
    return 100 + s


def vid_r(s):
    return 200 + s


def bd_l(s):
    return s


def bd_r(s):
    return 10 + s


# where each host is, per slice: (port, vid or None)
PLACE = {
    1: {"H1": ("a1", None), "H2": ("t", 101), "G1": ("b1", None), "G2": ("t", 201), "H3": ("c1", None)},
    2: {"H1": ("t", 102), "H2": ("a2", None), "G1": ("t", 202), "G2": ("b2", None), "H3": ("c2", None)},
    3: {"H1": ("a3", None), "H2": ("t", 103), "G1": ("b3", None), "G2": ("t", 203), "H3": ("c3", None)},
}


def members(bd):
    """[(port, vid or None)] of a bridge domain, in port order."""
    if bd < 10:
        s = bd
        return [("a%d" % s, None), ("c%d" % s, None), ("t", vid_l(s))]
    s = bd - 10
    m = [("b%d" % s, None), ("t", vid_r(s))]
    if s == 2:
        m.append(("e2", None))
    return m


def slice_of_place(port, vid):
    """The slice a (port, VLAN) belongs to, None if none."""
    if port == "t":
        if vid is not None and 101 <= vid <= 103:
            return vid - 100
        if vid is not None and 201 <= vid <= 203:
            return vid - 200
        return None
    return int(port[1]) if vid is None else None


def bd_of_place(port, vid):
    s = slice_of_place(port, vid)
    if s is None:
        return None
    if port == "t":
        return bd_l(s) if vid < 200 else bd_r(s)
    return bd_l(s) if port[0] in "ac" else bd_r(s)


def frame(src, dst, l3, vid=None):
    e = Ether(src=src, dst=dst)
    if vid is not None:
        e = e / Dot1Q(vlan=vid)
    return e / l3


def routed(l3):
    p = IP(bytes(l3))
    p.ttl -= 1
    del p.chksum
    return IP(bytes(p))


class Model:
    """Builds the probes, port by port and phase by phase, and what sxdp
    must send for each of them."""

    def __init__(self):
        self.inputs = {p: [] for p in PORTS}
        self.outputs = {p: [] for p in PORTS}
        self.seq = {s: 0 for s in (0,) + SLICES}
        self.drops = {}
        self.events = {}
        self.fdb = {}            # (bd, mac) -> port
        self.neigh = {}          # (vrf, ip) -> (port, vlan, dmac)
        self.unresolved = {}     # (vrf, ip) -> held packets never released
        self.arp_targets = {}    # target ip -> slices that resolve it

    def count(self, d, k, n=1):
        d[k] = d.get(k, 0) + n

    def marker(self, s):
        self.seq[s] += 1
        return b"[slice=%d probe=%03d]" % (s, self.seq[s])

    def sport(self, s):
        return 1000 * s + self.seq[s]

    def udp(self, s, sip, dip, ttl=64):
        m = self.marker(s)
        return IP(src=sip, dst=dip, ttl=ttl) / UDP(sport=self.sport(s), dport=7000) / Raw(m)

    def send(self, s, host, dst_mac, l3, src_mac=None, place=None):
        """host (name) of slice s sends l3 to dst_mac; returns (port, vid)."""
        port, vid = place or PLACE[s][host]
        mac = src_mac or HOSTS[host][0]
        self.inputs[port].append(frame(mac, dst_mac, l3, vid))
        self.learn(s, port, vid, mac)
        return port, vid

    def learn(self, s, port, vid, mac):
        key = (bd_of_place(port, vid), mac)
        if key not in self.fdb:
            self.fdb[key] = port
            self.count(self.events, "switch.learn")

    def out(self, port, vid, src, dst, l3):
        self.outputs[port].append(frame(src, dst, l3, vid))

    def flood(self, bd, in_port, src, dst, l3):
        for port, vid in members(bd):
            if port != in_port:
                self.out(port, vid, src, dst, l3)

    # ---- probes
    def bridged(self, s, host, dst_mac, l3=None):
        """A bridged frame: to the learned port, or flooded in the bd."""
        mac, ip, side = HOSTS[host]
        l3 = l3 if l3 is not None else self.udp(s, ip, "10.0.0.99")
        port, vid = PLACE[s][host]
        bd = bd_of_place(port, vid)
        known = self.fdb.get((bd, dst_mac))    # looked up before learning this frame
        self.send(s, host, dst_mac, l3)
        if dst_mac != BCAST and known is not None:
            for p, v in members(bd):
                if p == known:
                    self.out(p, v, mac, dst_mac, l3)
        else:
            self.flood(bd, port, mac, dst_mac, l3)

    def arp_gw(self, s, host):
        """ARP request for the host's gateway SVI: answered, host learned as neighbour."""
        mac, ip, side = HOSTS[host]
        gw = GW_L if side == "L" else GW_R
        pad = self.marker(s)
        req = ARP(op=1, hwsrc=mac, psrc=ip, hwdst=ZERO_MAC, pdst=gw) / Raw(pad)
        port, vid = self.send(s, host, BCAST, req)
        self.out(port, vid, RMAC, mac, ARP(op=2, hwsrc=RMAC, psrc=gw, hwdst=mac, pdst=ip) / Raw(pad))
        self.count(self.events, "switch.arp_reply")
        self.count(self.events, "switch.consumed")      # an answered request was for the box
        self.count(self.events, "switch.neigh_learned")
        self.neigh[(s, ip)] = (port, vid or 0, mac)

    def ping_gw(self, s, host):
        mac, ip, side = HOSTS[host]
        gw = GW_L if side == "L" else GW_R
        m = self.marker(s)
        req = IP(src=ip, dst=gw, id=s) / ICMP(id=s, seq=self.seq[s]) / Raw(m)
        port, vid = self.send(s, host, RMAC, req)
        self.out(port, vid, RMAC, mac, IP(src=gw, dst=ip, id=s, ttl=64) / ICMP(type=0, id=s, seq=self.seq[s]) / Raw(m))
        self.count(self.events, "switch.icmp_echo")
        self.count(self.events, "switch.consumed")

    def route(self, s, host, dip, nh=None):
        """A routed probe from host (slice s) to dip via next hop nh (default
        dip): out to the neighbour if known, else held (never answered
        unless released later), else no route."""
        mac, ip, side = HOSTS[host]
        l3 = self.udp(s, ip, dip)
        port, vid = self.send(s, host, RMAC, l3)
        if nh is False:
            self.count(self.drops, "switch.no_route")
            self.count(self.events, "switch.icmp_error")
            gw = GW_L if side == "L" else GW_R
            self.out(port, vid, RMAC, mac, IP(src=gw, dst=ip, ttl=64, tos=0xc0, id=0) / ICMP(type=3, code=0) /
                     Raw(bytes(l3)[:28]))
            return l3
        nh = nh or dip
        n = self.neigh.get((s, nh))
        if n is None:
            self.count(self.unresolved, (s, nh))
            self.arp_targets.setdefault(nh, set()).add(s)
            return l3
        nport, nvid, nmac = n
        self.out(nport, nvid or None, RMAC, nmac, routed(l3))
        return l3

    def unmapped(self, port, vid):
        self.inputs[port].append(frame("02:00:00:00:00:01", BCAST, self.udp(0, "10.0.0.1", "10.0.0.2"), vid))
        self.count(self.drops, "switch.no_interface")


def program(dp):
    def mask(names):
        return sum(1 << PORTS.index(n) for n in names)

    ups = []
    for s in SLICES:
        for bd in (bd_l(s), bd_r(s)):
            mem = members(bd)
            for port, vid in mem:
                ups.append(U("interfaces", {"in_port": port, "vlan": vid or 0}, "attach", {"slice": s, "bd": bd}))
                ups.append(U("bd_ports", {"bd": bd, "port": port}, "member", {"vlan": vid or 0}))
            ups.append(U("flood", {"bd": bd}, "flood", {"ports": mask([p for p, _ in mem])}))
        for bd, gw, subnet in ((bd_l(s), GW_L, "10.0.0.0/24"), (bd_r(s), GW_R, "10.0.1.0/24")):
            ups += [U("svi", {"vrf": s, "bd": bd}, "svi", {"mac": RMAC, "ip": gw, "plen": 24}),
                    U("fdb", {"bd": bd, "mac": RMAC}, "route"),
                    U("routes", {"vrf": s, "dst": gw + "/32"}, "local"),
                    U("routes", {"vrf": s, "dst": subnet}, "connected", {"bd": bd})]
    # slice-only prefixes: 172.16.S.0/24 exists in VRF S only, via a host of bd 10+S
    for s in SLICES:
        ups.append(U("routes", {"vrf": s, "dst": "172.16.%d.0/24" % s}, "via", {"nh": HOSTS[access_g(s)][1]}))
    dp.table_write(ups)


def access_g(s):
    """The bd 10+S host of slice s that sits on an access port."""
    return [h for h in ("G1", "G2") if PLACE[s][h][0] != "t"][0]


def access_h(s):
    return [h for h in ("H1", "H2") if PLACE[s][h][0] != "t"][0]


def trunk_h(s):
    return [h for h in ("H1", "H2") if PLACE[s][h][0] == "t"][0]


def trunk_g(s):
    return [h for h in ("G1", "G2") if PLACE[s][h][0] == "t"][0]


def build():
    m = Model()
    # phase 1: access ports a*, b*: hosts announce themselves, learn, probe
    for s in SLICES:
        for h in (access_h(s), access_g(s)):
            m.arp_gw(s, h)
            m.bridged(s, h, BCAST)
            m.bridged(s, h, MAC_Z)
        # a MAC that exists in slice s only, on aS
        port = "a%d" % s
        l3 = m.udp(s, "10.0.0.9", "10.0.0.255")
        m.send(s, None, BCAST, l3, src_mac=u_mac(s), place=(port, None))
        m.flood(bd_l(s), port, u_mac(s), BCAST, l3)
    phase1 = {"learn": dict(m.events), "ports": ["a1", "a2", "a3", "b1", "b2", "b3"]}

    # phase 2: the shared trunk
    for s in SLICES:
        for h in (trunk_h(s), trunk_g(s)):
            m.arp_gw(s, h)
            m.bridged(s, h, BCAST)
            m.ping_gw(s, h)
        th, tg = trunk_h(s), trunk_g(s)
        m.bridged(s, th, HOSTS[access_h(s)][0])            # known unicast, same bd
        m.bridged(s, tg, HOSTS[access_g(s)][0])
        m.route(s, th, HOSTS[access_g(s)][1])              # bd S -> bd 10+S
        m.route(s, tg, HOSTS[access_h(s)][1])              # bd 10+S -> bd S
        for other in SLICES:                               # every slice's own MAC and prefix
            m.bridged(s, th, u_mac(other))
            m.route(s, th, "172.16.%d.9" % other, nh=HOSTS[access_g(s)][1] if other == s else False)
    for vid in (None, 104, 204, 1, 300):
        m.unmapped("t", vid)
    # phase 3: the c ports (H3 of each slice)
    for s in SLICES:
        m.bridged(s, "H3", BCAST)
        m.bridged(s, "H3", HOSTS["H1"][0])
        m.bridged(s, "H3", HOSTS["H2"][0])
        m.ping_gw(s, "H3")
        m.route(s, "H3", "10.0.1.1")
        m.route(s, "H3", "10.0.1.2")
        held50 = [m.route(s, "H3", N50_IP) for _ in range(2)]       # the same address in every slice
        m.route(s, "H3", "10.0.1.%d" % (60 + s))                    # a per-slice address
        if s == 2:
            held50_s2 = held50
    # phase 4: slice 2's 10.0.1.50 answers on e2: its held packets go out there
    pad = m.marker(2)
    reply = ARP(op=2, hwsrc=N50_MAC, psrc=N50_IP, hwdst=RMAC, pdst=GW_R) / Raw(pad)
    m.send(2, None, RMAC, reply, src_mac=N50_MAC, place=("e2", None))
    m.count(m.events, "switch.neigh_learned")
    m.count(m.events, "switch.consumed")
    m.neigh[(2, N50_IP)] = ("e2", 0, N50_MAC)
    for l3 in held50_s2:
        m.out("e2", None, RMAC, N50_MAC, routed(l3))
        m.count(m.events, "switch.forwarded")           # released from the hold queue
    del m.unresolved[(2, N50_IP)]
    m.count(m.drops, "switch.arp_unresolved", sum(m.unresolved.values()))
    return m, phase1


def attribute(b):
    """(slice or None, kind) of an output frame, from what it carries."""
    e = Ether(b)
    mk = re.search(rb"\[slice=(\d) probe=\d{3}\]", b)
    if mk:
        return int(mk.group(1)), "marker"
    if ICMP in e and e[ICMP].type in (3, 11):
        quote = IP(bytes(e[ICMP].payload))
        if UDP in quote:
            return quote[UDP].sport // 1000, "icmp-quote"
    if ARP in e and e[ARP].op == 1 and e.src == RMAC.lower():
        tip = e[ARP].pdst
        last = int(tip.split(".")[-1])
        if 61 <= last <= 63:
            return last - 60, "arp-target"
        return None, "arp-target " + tip
    return None, "unattributed"


@R.test
def test_isolation_matrix():
    m, phase1 = build()
    n_probes = sum(len(v) for v in m.inputs.values())
    with Sxdp(m.inputs, pipeline="switch", mem_mb=1024) as dp:
        program(dp)
        # phase 1: access ports
        dp.phase(phase1["ports"], events={"switch.learn": phase1["learn"]["switch.learn"],
                                          "switch.neigh_learned": phase1["learn"]["switch.neigh_learned"]})
        # phase 2: the trunk
        n_learn2 = 9 + 6
        dp.phase(["t"], events={"switch.learn": n_learn2, "switch.neigh_learned": 12})
        # phase 3: c ports; wait for the first ARP requests of the 6 held neighbours
        # (slice 1 and 3: 2 bd ports each, slice 2: 3) -> 2 * (2 + 3 + 2)
        t3 = time.monotonic()
        dp.phase(["c1", "c2", "c3"], events={"switch.learn": n_learn2 + 3, "switch.arp_request": 14})
        st = dp.stats()
        expect_eq(T.drops_of(st), {k: v for k, v in m.drops.items() if k in ("switch.no_interface", "switch.no_route")},
                  "drops after phase 3")
        # phase 4: slice 2's 10.0.1.50 answers
        dp.phase(["e2"], events={"switch.neigh_learned": 13, "switch.learn": n_learn2 + 4})
        st = dp.wait_stats(lambda s: s["drops"].get("switch.arp_unresolved", 0) >= m.drops["switch.arp_unresolved"],
                           "held packets given up", 10)
        expect(time.monotonic() - t3 >= 2.5, "held packets given up before 3 s")
        st = dp.wait_consumed()
        expect_drops(st, m.drops)
        ev = {k: v for k, v in T.events_of(st).items() if k != "switch.arp_request"}
        want_ev = dict(m.events)
        expect_eq(ev, want_ev, "events (but arp_request)")
        n_arp_req = T.events_of(st).get("switch.arp_request", 0)

        # learned state: exactly the model's, each entry in its own slice
        fdb = {}
        for e in dp.table_read("fdb")[0]:
            if e["action"] == "learned":
                fdb[(e["match"]["bd"], e["match"]["mac"].lower())] = e["params"]["port"]
            else:
                expect(e["action"] == "route" and e["match"]["mac"].lower() == RMAC, "unexpected fdb entry %s" % e)
        expect_eq(fdb, m.fdb, "learned fdb entries")
        for (bd, mac), port in fdb.items():
            expect(port in [p for p, _ in members(bd)], "fdb (bd %d, %s) -> %s: not a port of bd %d" % (bd, mac, port, bd))
        neigh = {}
        for e in dp.table_read("neigh")[0]:
            pr = e["params"]
            expect_eq((e["action"], pr["smac"].lower()), ("learned", RMAC), "neigh %s action/smac" % e["match"])
            neigh[(e["match"]["vrf"], e["match"]["ip"])] = (pr["port"], pr["vlan"], pr["dmac"].lower())
        expect_eq(neigh, m.neigh, "learned neighbours")
        for (vrf, ip), (port, vlan, _) in neigh.items():
            expect_eq(slice_of_place(port, vlan or None), vrf, "slice of neighbour (%d, %s) at %s/%s" % (vrf, ip, port, vlan))
        dp.stop()

        # every output frame: attributed to a slice, on a (port, VLAN) of that slice
        outs = dp.outputs()
        matrix = {(a, b): 0 for a in SLICES for b in SLICES}
        leaks, box_arp = [], []
        for port, frames in outs.items():
            for b in frames:
                e = Ether(b)
                vid = e[Dot1Q].vlan if Dot1Q in e else None
                where = slice_of_place(port, vid)
                who, kind = attribute(b)
                if kind.startswith("arp-target "):
                    # a box ARP request for the address every slice holds packets for
                    tip = kind.split()[1]
                    expect(tip == N50_IP, "%s: ARP request for %s" % (port, tip))
                    if where not in m.arp_targets[tip] or bd_of_place(port, vid) != bd_r(where):
                        leaks.append("%s vid %s: ARP request for %s outside the resolving slices' bds" % (port, vid, tip))
                    box_arp.append((port, vid, b))
                    continue
                if who is None:
                    leaks.append("%s vid %s: frame of no slice: %s" % (port, vid, e.summary()))
                    continue
                if kind == "arp-target":
                    box_arp.append((port, vid, b))
                if where is None or who not in SLICES:
                    leaks.append("%s vid %s: frame of slice %s on no slice's port/VLAN: %s" % (port, vid, who, e.summary()))
                    continue
                matrix[(who, where)] += 1
                if who != where:
                    leaks.append("%s vid %s (slice %d): frame of slice %d: %s" % (port, vid, where, who, e.summary()))
        print("#   isolation: %d slices, %d probes, %d leaks" % (len(SLICES), n_probes, len(leaks)))
        print("#   frames out, by the slice of the packet (rows) and of the port/VLAN (columns):")
        print("#          " + "".join("  slice%d" % b for b in SLICES))
        for a in SLICES:
            print("#   slice%d " % a + "".join("%8d" % matrix[(a, b)] for b in SLICES))
        expect(not leaks, "%d leaks:\n  %s" % (len(leaks), "\n  ".join(leaks[:20])))

        # box ARP requests: right bytes, only in the resolving slice's bd 10+S
        per = {}
        for port, vid, b in box_arp:
            tip = Ether(b)[ARP].pdst
            expect_eq(b, bytes(frame(RMAC, BCAST, ARP(op=1, hwsrc=RMAC, psrc=GW_R, hwdst=ZERO_MAC, pdst=tip), vid)).ljust(60, b"\x00"),
                      "ARP request bytes on %s" % port)
            per[(tip, port, vid)] = per.get((tip, port, vid), 0) + 1
        for tip, slices in m.arp_targets.items():
            for s in slices:
                for port, vid in members(bd_r(s)):
                    n = per.get((tip, port, vid), 0)
                    expect(1 <= n <= 3, "%d ARP requests for %s on %s vid %s (slice %d)" % (n, tip, port, vid, s))
        expect_eq(sum(per.values()), n_arp_req, "ARP requests out vs switch.arp_request")

        # and the rest, byte for byte, per port (order between bursts/stages not promised)
        box = {b for _, _, b in box_arp}
        for port in PORTS:
            got = sorted(b for b in outs[port] if b not in box)
            want = sorted(bytes(p) for p in m.outputs[port])
            errs = T.compare_packets(port, got, want)
            expect(not errs, "output mismatch:\n  " + "\n  ".join(errs))
        for port in PORTS:
            T.SPOOL.keep(port, dp.out_paths[port])   # tshark: none malformed


# ------------------------------------------------------------ config guard
def write_one(dp, update, atomicity="continue"):
    """(ok, reason) of a one-update batch."""
    r = dp.table_write([update], atomicity=atomicity, check=False)
    res = r["results"][0]
    if res.get("ok"):
        return True, None
    expect_eq(res["error"]["data"].get("pointer"), "/updates/0", "error pointer")
    return False, res["error"]["data"].get("reason")


def totals(dp):
    return {t: dp.table_read(t)[1] for t in ("interfaces", "bd_ports", "flood", "svi", "routes", "neigh", "fdb")}


@R.test
def test_config_guard_refuses_shared_bd():
    """A bridge domain belongs to one slice: table.write refuses an
    interface, SVI or connected route that would give a bd of one slice to
    another (reason slice_conflict), in continue and rollback batches; the
    same entries for the owning slice are accepted."""
    probe = frame("02:00:00:00:00:01", BCAST, IP(src="10.0.0.1", dst="10.0.0.255") /
                  UDP(sport=1001, dport=7000) / Raw(b"[slice=1 probe=900]"), 150)
    with Sxdp({p: ([probe] if p == "t" else []) for p in PORTS}, pipeline="switch", mem_mb=1024) as dp:
        program(dp)
        before = totals(dp)
        bad = [U("interfaces", {"in_port": "t", "vlan": 150}, "attach", {"slice": 2, "bd": bd_l(1)}),
               U("interfaces", {"in_port": "a1", "vlan": 7}, "attach", {"slice": 3, "bd": bd_r(2)}),
               U("svi", {"vrf": 2, "bd": bd_l(1)}, "svi", {"mac": RMAC, "ip": "10.0.0.253", "plen": 24}),
               U("routes", {"vrf": 3, "dst": "10.8.0.0/24"}, "connected", {"bd": bd_r(1)}),
               U("interfaces", {"in_port": "a2", "vlan": 0}, "attach", {"slice": 3, "bd": bd_l(2)}, type="modify")]
        for u in bad:
            expect_eq(write_one(dp, u), (False, "slice_conflict"), "write %s" % u)
        r = dp.table_write([U("interfaces", {"in_port": "t", "vlan": 150}, "attach", {"slice": 1, "bd": bd_l(1)}),
                            bad[0]], atomicity="rollback", check=False)
        expect_eq((r["committed"], [x.get("ok") or x["error"]["data"]["reason"] for x in r["results"]]),
                  (False, ["not_applied", "slice_conflict"]), "rollback batch with a conflict")
        expect_eq(totals(dp), before, "table sizes after refused writes")
        # the owner may add to its own bd
        expect_eq(write_one(dp, U("interfaces", {"in_port": "t", "vlan": 150}, "attach", {"slice": 1, "bd": bd_l(1)})),
                  (True, None), "slice 1 interface in bd 1")
        st = dp.run_traffic()
        expect_drops(st, {})
        dp.stop()
        dp.expect_outputs({"a1": [frame("02:00:00:00:00:01", BCAST, probe[IP])],
                           "c1": [frame("02:00:00:00:00:01", BCAST, probe[IP])]})   # t is the ingress port


@R.test
def test_config_guard_default_interface_action():
    """The interfaces table's default action is an interface too: a default
    attach(slice 2, bd 1) puts every unmapped (port, VLAN) into slice 1's
    bridge domain under VRF 2. Expected: refused like an entry
    (slice_conflict). Checked with traffic: a frame on an unmapped VLAN must
    not reach slice 1's ports."""
    stray = frame("02:00:00:00:00:77", BCAST, IP(src="10.0.0.77", dst="10.0.0.255") /
                  UDP(sport=2001, dport=7000) / Raw(b"[slice=2 probe=901]"), 999)
    with Sxdp({p: ([stray] if p == "t" else []) for p in PORTS}, pipeline="switch", mem_mb=1024) as dp:
        program(dp)
        got = write_one(dp, {"type": "default", "table": "interfaces", "action": "attach",
                             "params": {"slice": 2, "bd": bd_l(1)}})
        st = dp.run_traffic()
        dp.stop()
        outs = dp.outputs()
        leaked = ["%s: %s" % (p, Ether(b).summary()) for p in PORTS for b in outs[p]]
        expect(got == (False, "slice_conflict") and not leaked,
               "default action attach(slice 2, bd 1) with bd 1 owned by slice 1: write answered %s; "
               "the VRF-2 frame from unmapped t/999 went out %s; drops %s"
               % ("ok" if got[0] else got[1], leaked or "nowhere", T.drops_of(st)))


@R.test
def test_config_guard_egress_into_other_slice():
    """Egress entries name a (port, VLAN) too: bd_ports (bd 1, a2) member
    (vlan 0) sends slice 1's bridged frames out on a2 untagged, which is
    slice 2's interface; a static neigh of VRF 1 rewriting to (a2, 0) sends
    VRF 1's routed packets there. Expected: both refused (slice_conflict),
    as interfaces/svi/connected are."""
    with Sxdp({p: [] for p in PORTS}, pipeline="switch", mem_mb=1024) as dp:
        program(dp)
        res = {
            "bd_ports (bd 1, a2) member vlan 0": write_one(dp, U("bd_ports", {"bd": bd_l(1), "port": "a2"}, "member", {"vlan": 0})),
            "bd_ports (bd 1, t) modify member vlan 102": write_one(dp, U("bd_ports", {"bd": bd_l(1), "port": "t"}, "member",
                                                                         {"vlan": vid_l(2)}, type="modify")),
            "neigh (vrf 1, 10.0.0.77) rewrite a2 vlan 0": write_one(dp, U("neigh", {"vrf": 1, "ip": "10.0.0.77"}, "rewrite",
                                                                          {"port": "a2", "vlan": 0, "dmac": "02:00:00:00:00:77",
                                                                           "smac": RMAC})),
        }
        dp.stop()
        accepted = [k for k, v in res.items() if v != (False, "slice_conflict")]
        expect(not accepted, "accepted, though the (port, VLAN) is another slice's interface: %s" % accepted)


if __name__ == "__main__":
    R.main()
