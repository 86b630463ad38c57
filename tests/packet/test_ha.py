#!/usr/bin/python3
"""ha (a pair of boxes): the site's "pair" compiled by sxcd into VRRP routers
and held gateways on a real sxdp (net_pcap ports), and sxdp's own refusals of
router entries. The election on the wire, against keepalived, is
tests/e2e/ha.sh's.
"""
import copy
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402
from sxcdtest import PEER, PIPE, PORTS, SITE, WAN, Sxcd, slice_  # noqa: E402
import topo_overlay as O  # noqa: E402
from scapy.all import IP, UDP, Ether, Raw  # noqa: E402

U = Sxdp.update

R = T.Runner()

GW = {"slice": "blue", "vrid": 7, "address": "10.10.0.2", "peer": "10.10.0.3",
      "vrid6": 8, "address6": "fe80::2", "peer6": "fe80::3"}


def site_with(pair):
    s = copy.deepcopy(SITE)
    s["spec"]["pair"] = pair
    return s


def refusal(res):
    """The reason table.write gave its one update."""
    r = (res.get("results") or [{}])[0]
    return (r.get("error") or {}).get("data", {}).get("reason") or r.get("reason")


def pointer(res):
    return ((res.get("error") or {}).get("errors") or [{}])[0].get("pointer")


def entries(dp, table):
    return {(e["match"]["vrf"], e["match"]["bd"]): (e["action"], e["params"]) for e in dp.table_read(table)[0]}


@R.test
def test_pair_compiles_routers_and_held_gateways():
    """A slice whose gateway the site's pair holds: an IPv4 and an IPv6 router
    (vrrp, vrrp6) with the pair's priority, interval and hold-down; the SVIs
    written held with the virtual MACs, their fdb entries route_held; sxdp's
    routers start (ha.vrrp). Taking the slice out of the pair writes the
    plain gateway back."""
    pair = {"peer": "a2", "priority": 200, "advert_ms": 100, "preempt_hold_s": 5, "gateways": [GW]}
    svi = {"address": "10.10.0.1/24", "address6": "2001:db8:10::1/64", "mac": "02:00:0a:0a:00:fe"}
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("POST", "/api/v1/apply?wait=1",
                           {"items": [site_with(pair), PEER, slice_("blue", 1, "lan1", 5000, svi=svi)]})
        expect_eq(code, 200, "apply: %s" % res)
        expect_eq(cd.wait_settled().get("slices/blue", {}).get("phase"), "Ready", "blue Ready")
        expect_eq(entries(dp, "vrrp").get((1, 1)),
                  ("router", {"vrid": 7, "prio": 200, "adv_cs": 10, "preempt": 1, "hold_s": 5,
                              "self": "10.10.0.2", "peer": "10.10.0.3"}), "the IPv4 router")
        expect_eq(entries(dp, "vrrp6").get((1, 1)),
                  ("router", {"vrid": 8, "prio": 200, "adv_cs": 10, "preempt": 1, "hold_s": 5,
                              "self": "fe80::2", "peer": "fe80::3"}), "the IPv6 router")
        a, p = entries(dp, "svi")[(1, 1)]
        expect_eq((p["mac"].lower(), p["ip"], p.get("held")), ("00:00:5e:00:01:07", "10.10.0.1", 1),
                  "the IPv4 gateway held, its MAC the router's")
        a, p = entries(dp, "svi6")[(1, 1)]
        expect_eq((p["mac"].lower(), p["ip"], p.get("held")), ("00:00:5e:00:02:08", "2001:db8:10::1", 1),
                  "the IPv6 gateway held, its MAC the IPv6 router's")
        fdb = {e["match"]["mac"].lower(): (e["action"], e["params"]) for e in dp.table_read("fdb")[0]
               if e["match"]["bd"] == 1}
        expect_eq((fdb.get("00:00:5e:00:01:07"), fdb.get("00:00:5e:00:02:08"), fdb.get("02:00:0a:0a:00:fe")),
                  (("route_held", {"held": 1}), ("route_held", {"held": 2}), None),
                  "each virtual MAC routed while its router is master; the slice's own MAC not at all")
        rows = {r["family"]: r for r in dp.rpc("ha.vrrp")}
        expect_eq(sorted(rows), ["ipv4", "ipv6"], "sxdp runs both routers")
        expect(all(r["state"] in ("backup", "master") and r["priority"] == 200 for r in rows.values()),
               "started, at the pair's priority: %s" % rows)
        # out of the pair: the gateway is the slice's plain one again
        code, res = cd.req("PUT", "/api/v1/site?wait=1", site_with(dict(pair, gateways=[])))
        expect_eq(code, 200, "site without gateways: %s" % res)
        cd.wait_settled()
        expect_eq((entries(dp, "vrrp"), entries(dp, "vrrp6")), ({}, {}), "no routers left")
        a, p = entries(dp, "svi")[(1, 1)]
        expect_eq((p["mac"].lower(), p.get("held", 0)), ("02:00:0a:0a:00:fe", 0), "the plain gateway back")
        expect_eq(dp.rpc("ha.vrrp"), [], "sxdp's routers stopped")


@R.test
def test_pair_refusals():
    """At the door: a priority of 255 (the address owner's: no pair member
    owns the gateway) and an unknown member are 400, nothing stored. In the
    compile: an IPv6 gateway without the box's link-local address is 422
    naming the slice's field, nothing stored; a global address as the IPv6
    router's own is refused (409) as it would fail the Ready slice."""
    svi6 = {"address": "10.10.0.1/24", "address6": "2001:db8:10::1/64", "mac": "02:00:0a:0a:00:fe"}
    with Sxdp(PORTS, pipeline=PIPE, port_opts=WAN) as dp, Sxcd(dp.sock_path) as cd:
        code, res = cd.req("PUT", "/api/v1/site", site_with({"priority": 255, "gateways": [GW]}))
        expect_eq((code, pointer(res)), (400, "/spec/pair/priority"), "priority 255: %s" % res)
        code, res = cd.req("PUT", "/api/v1/site", site_with({"gateways": [dict(GW, color="red")]}))
        expect_eq((code, pointer(res)), (400, "/spec/pair/gateways/0/color"), "an unknown member: %s" % res)
        expect_eq(cd.req("GET", "/api/v1/site")[0], 404, "nothing stored")
        gw4 = {k: v for k, v in GW.items() if not k.endswith("6")}
        code, res = cd.req("POST", "/api/v1/apply?wait=1",
                           {"items": [site_with({"gateways": [gw4]}), PEER, slice_("blue", 1, "lan1", 5000, svi=svi6)]})
        expect_eq((code, res["error"]["reason"], pointer(res)), (422, "missing", "/items/2/spec/svi/address6"),
                  "an IPv6 gateway the pair holds needs the box's link-local address: %s" % res)
        expect_eq(cd.req("GET", "/api/v1/slices/blue")[0], 404, "nothing stored")
        code, res = cd.req("POST", "/api/v1/apply?wait=1",
                           {"items": [site_with({"gateways": [GW]}), PEER, slice_("blue", 1, "lan1", 5000, svi=svi6)]})
        expect_eq(cd.wait_settled().get("slices/blue", {}).get("phase"), "Ready", "blue with the pair's gateway")
        code, res = cd.req("PUT", "/api/v1/site?wait=1",
                           site_with({"gateways": [dict(GW, address6="2001:db8:10::2")]}))
        expect_eq((code, res["error"]["reason"]), (409, "conflict"),
                  "a global address as the IPv6 router's own would fail blue: %s" % res)
        expect("/spec/svi/address6" in res["error"]["message"], "the refusal says which field: %s" % res)


@R.test
def test_router_entries_checked():
    """sxdp refuses a router entry the election cannot run (VRID, priority or
    interval 0, a peer that is itself, an IPv6 router advertising from a
    global address) with a reason, and writes nothing; a good one starts a
    router that is backup until it hears nobody (RFC 5798 6.4.1: a
    priority below 255 waits Master_Down_Interval)."""
    with Sxdp({"lan": []}, pipeline={"lan": "switch"}) as dp:
        base = {"vrid": 7, "prio": 100, "adv_cs": 100, "preempt": 1, "hold_s": 0, "self": "10.0.0.2",
                "peer": "10.0.0.3"}
        for table, bad, why in (("vrrp", dict(base, vrid=0), "bad_router"), ("vrrp", dict(base, prio=0), "bad_router"),
                                ("vrrp", dict(base, adv_cs=0), "bad_router"),
                                ("vrrp", dict(base, peer="10.0.0.2"), "bad_router"),
                                ("vrrp6", dict(base, self="2001:db8::2", peer="fe80::3"), "self_not_link_local")):
            res = dp.table_write([dp.update(table, {"vrf": 1, "bd": 1}, "router", bad)], check=False)
            expect_eq((res.get("committed"), refusal(res)), (False, why), "%s refused: %s" % (bad, res))
        expect_eq(dp.table_read("vrrp")[0] + dp.table_read("vrrp6")[0], [], "nothing written")
        # a router waits for its gateway's SVI
        dp.table_add("vrrp", {"vrf": 1, "bd": 1}, "router", base)
        expect_eq(dp.rpc("ha.vrrp"), [], "no SVI yet: no router")
        dp.table_add("svi", {"vrf": 1, "bd": 1}, "svi", {"mac": "00:00:5e:00:01:07", "ip": "10.0.0.1", "plen": 24,
                                                           "held": 1})
        rows = dp.rpc("ha.vrrp")
        expect_eq([(r["vrid"], r["state"], r["priority"]) for r in rows], [(7, "backup", 100)],
                  "the router starts with its SVI, backup")
        dp.table_write([dp.update("svi", {"vrf": 1, "bd": 1}, type="delete")])
        expect_eq(dp.rpc("ha.vrrp"), [], "its SVI gone: the router stopped")
        dp.stop()



def standby_box(prio):
    """topo_overlay's site (bd 10 of slice 1 stretched to site 2 over TUN)
    whose gateway a VRRP router holds: priority 255 is master at once (the
    address owner), anything lower backup for three of its 41 s
    advertisements: the box is its pair's standby for the whole test."""
    router = {"vrid": 7, "prio": prio, "adv_cs": 4095, "preempt": 1, "hold_s": 0, "self": "10.1.0.252",
              "peer": "10.1.0.253"}
    flood = U("flood", {"bd": 10}, "flood", {"ports": 0b1, "t0": O.TUN}, type="modify")
    return O.setup() + [flood,
        U("endpoints", {"ip": O.PEER}, "endpoint", {"site": 2}),
        U("svi", {"vrf": 1, "bd": 10}, "svi", {"mac": "00:00:5e:00:01:07", "ip": "10.1.0.254", "plen": 24,
                                                 "held": 1}),
        U("vrrp", {"vrf": 1, "bd": 10}, "router", router)]


@R.test
def test_standby_says_so_and_bridges_nothing_to_its_tunnels():
    """The pair's standby (its router backup): a peer's probe is answered
    with the standby flag, so the peer sends to the active box; a host's
    frame to a MAC behind the tunnel is switch.not_forwarder (the master
    alone bridges the domain to its peer sites, or a peer's broadcast would
    loop back to it) and a broadcast stays on the LAN; the peer's frame
    still reaches the LAN (a peer sends a frame to one box: nothing loops).
    The master (the address owner) answers with no flag and bridges both
    ways, and its takeover announced the MAC behind the tunnel out of the
    LAN port (a RARP from it: the LAN's switches learn the new way)."""
    probe = Ether(src=O.PEER_MAC, dst=O.WAN_MAC) / IP(src=O.PEER, dst=O.VTEP) / \
        UDP(sport=3785, dport=3785) / Raw(O.probe_msg(seq=5))
    to_peer = O.inner(O.MAC_A, O.MAC_R, b"to the peer")
    bcast = Ether(src=O.MAC_A, dst="ff:ff:ff:ff:ff:ff") / IP(src="10.1.0.1", dst="10.1.0.255") / \
        UDP(sport=1, dport=2) / Raw(b"b")
    from_peer = O.outer(O.inner(O.MAC_R, O.MAC_A, b"from the peer"))
    for prio, standby in ((100, True), (255, False)):
        with Sxdp({"p0": [to_peer, bcast], "p1": [], "w0": [probe, from_peer]}, pipeline=O.PIPELINE,
                  port_opts=O.PORTS) as dp:
            dp.table_write(standby_box(prio))
            expect_eq([r["state"] for r in dp.rpc("ha.vrrp")], ["backup" if standby else "master"],
                      "the router (priority %d)" % prio)
            role = dp.rpc("ha.role")
            expect_eq((role["role"], role["partner"], role["routers"]), ("standby" if standby else "active", "unknown", 1),
                      "the box's role: %s" % role)
            st = dp.run_traffic()
            dp.stop()
            out = dp.outputs()
            replies = [Raw(bytes(UDP(o[34:]).payload)).load for o in out["w0"]
                       if IP(o[14:]).proto == 17 and UDP(o[34:42]).dport == 3785]
            expect_eq([struct.unpack(">I", r[12:16])[0] & 0xff for r in replies], [1 if standby else 0],
                      "the probe's answer says standby: %s" % standby)
            tunneled = [o for o in out["w0"] if IP(o[14:]).proto == 17 and UDP(o[34:42]).dport == 4789]
            if standby:
                T.expect_drops(st, {"switch.not_forwarder": 1, "switch.no_flood": 1})
                expect_eq(len(tunneled), 0, "nothing into the tunnel")
            else:
                T.expect_drops(st, {})
                expect_eq(len(tunneled), 2, "the frame and the broadcast into the tunnel")
            expect_eq([Ether(o)[Raw].load for o in out["p0"] if Ether(o).haslayer(UDP)], [b"from the peer"],
                      "the peer's frame")
            rarps = [Ether(o) for o in out["p0"] if Ether(o).type == 0x8035]
            expect_eq([(r.src.lower(), r.dst, bytes(r.payload)[6:8], bytes(r.payload)[8:14] == bytes(r.payload)[18:24])
                       for r in rarps], [] if standby else [(O.MAC_R.lower(), "ff:ff:ff:ff:ff:ff", b"\x00\x03", True)],
                      "the master's takeover announces the remote MAC to the LAN (RARP from it), the standby nothing")



@R.test
def test_pair_holds_the_upf_n3_address():
    """A UPF's N3 link named in the site's pair (upf_links): its SVI written held with the
    router's virtual MAC, a VRRP router on its bridge domain in the underlay, its GTP-U
    endpoint held on that domain (held_bd). While the router is backup (advertisements every
    41 s: three of them before it takes over), a gNB's G-PDU to the N3 address is
    upf.held_elsewhere: neither carried nor answered (no Error Indication from the standby);
    a router that became master (every 10 ms) takes it as the UPF does (no session for its
    TEID: an Error Indication)."""
    from pfcp_upf import UPF, gpdu
    for adv, why in ((40950, "upf.held_elsewhere"), (10, "upf.error_ind_sent")):
        pair = {"peer": "a2", "priority": 100, "advert_ms": adv, "preempt_hold_s": 0,
                "upf_links": [{"upf": "edge", "link": "n3", "vrid": 3, "address": "192.0.2.2",
                               "peer": "192.0.2.3"}]}
        with Sxdp({"n3": [gpdu(0x7101, "10.45.0.9")], "n9": [], "lan1": []},
                  pipeline={"n3": "upf", "n9": "upf", "lan": "switch"},
                  port_opts={"n3": {"role": "n3"}, "n9": {"role": "n9"}}) as dp, Sxcd(dp.sock_path) as cd:
            code, res = cd.req("PUT", "/api/v1/site", {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}],
                                                                                 "pair": pair}})
            mec = slice_("mec", 1, "lan1", 5000)
            del mec["spec"]["vni"]
            cd.req("PUT", "/api/v1/slices/mec?wait=1", mec)
            code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": UPF})
            expect_eq((code, res["status"]["phase"]), (201, "Ready"), "the UPF: %s" % res.get("status"))
            ifc = [e for e in dp.table_read("upf_interfaces")[0] if e["action"] == "n3"]
            expect_eq(len(ifc), 1, "one N3 endpoint: %s" % ifc)
            bd = ifc[0]["params"].get("held_bd")
            expect(bd, "its endpoint held on a bridge domain: %s" % ifc[0])
            svi = [e for e in dp.table_read("svi")[0] if e["match"]["bd"] == bd]
            expect_eq([(e["params"]["mac"].lower(), e["params"].get("held")) for e in svi], [("00:00:5e:00:01:03", 1)],
                      "its SVI held, the router's virtual MAC")
            routers = dp.rpc("ha.vrrp")
            expect_eq([(r["bd"], r["vrid"]) for r in routers], [(bd, 3)], "its router: %s" % routers)
            if adv == 10:
                deadline = time.monotonic() + 10
                while dp.rpc("ha.vrrp")[0]["state"] != "master" and time.monotonic() < deadline:
                    time.sleep(0.05)
            expect_eq(dp.rpc("ha.vrrp")[0]["state"], "backup" if adv > 10 else "master", "the router")
            st = dp.phase(["n3"])
            dp.stop()
            got = st["drops"].get(why) if adv > 10 else st["events"].get(why)
            expect_eq(got, 1, "the G-PDU: %s (drops %s)" % (why, {k: v for k, v in st["drops"].items() if v}))
            out = [Ether(o) for o in dp.outputs()["n3"]]
            expect_eq(len([o for o in out if UDP in o and o[UDP].sport == 2152]), 0 if adv > 10 else 1,
                      "from the N3 address: nothing from the standby, the master's Error Indication")


@R.test
def test_pair_pfcp_sessions_taken_over():
    """Two boxes' sxcd with --pfcp-pair (one N4 address and Node ID; here both on loopback,
    each box's sxdp on its own pcap ports): a's router on the UPF's N3 link becomes master
    (advertisements every 10 ms, no peer heard), so a serves PFCP; b's stays backup (every
    41 s) and takes a's journal as it is committed: a's answers wait for b's commit. a's sxdp
    killed: a's sxcd lets the node go at once (starts again as a standby); b's router made
    to take over (a new VRID: it starts again, master within three 10 ms intervals): b's
    sxcd serves with the same Recovery Time Stamp and associations, every session a
    established is written into b's sxdp as a had it, and the SMF modifies and deletes them
    through b. Strangers' connections to the pair's port, however many, never displace b's
    handshake. A wrong pair key is refused."""
    import signal
    import tempfile
    import threading
    import pfcp_smf as S
    from pfcp_upf import UPF, by, tables
    from sxcdtest import free_port
    d = tempfile.mkdtemp(prefix="sxdp-pair-")
    key = os.path.join(d, "pair.key")
    with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write("k" * 40 + "\n")
    n4 = free_port(T.socket.SOCK_DGRAM)
    qa, qb = free_port(), free_port()

    def link(adv, vrid):
        return {"peer": "x", "priority": 100, "advert_ms": adv, "preempt_hold_s": 0,
                "upf_links": [{"upf": "edge", "link": "n3", "vrid": vrid, "address": "192.0.2.2",
                               "peer": "192.0.2.3"}]}

    def setup(cd, pair):
        code, res = cd.req("PUT", "/api/v1/site", {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}],
                                                                             "pair": pair}})
        expect(code in (200, 201), "the site: %s" % res)
        mec = slice_("mec", 1, "lan1", 5000)
        del mec["spec"]["vni"]
        cd.req("PUT", "/api/v1/slices/mec?wait=1", mec)
        code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": UPF})
        expect_eq(res["status"]["phase"], "Ready", "the UPF: %s" % res.get("status"))

    def pair_of(cd):
        try:
            return cd.status()["services"]["pfcp"].get("pair") or {}
        except Exception:   # noqa: BLE001 (restarting)
            return {}

    def wait(what, fn, bound=20):
        deadline = time.monotonic() + bound
        while not fn():
            if time.monotonic() > deadline:
                raise T.TestFailure("waited %d s: %s" % (bound, what))
            time.sleep(0.05)

    def args(listen, peer, k=key):
        return ["--pfcp", "127.0.0.1:%d" % n4, "--pfcp-node-id", "127.0.0.1", "--pfcp-pair", "127.0.0.1:%d" % peer,
                "--pfcp-pair-listen", "127.0.0.1:%d" % listen, "--pfcp-pair-key", k]
    def pfcp_of(dp):   # the sessions' entries (the gateway's differ: b's VRID)
        return {k: v for k, v in tables(dp).items() if k.startswith(("sessions", "terminations", "tunnel_peers",
                                                                         "meters", "applications"))}
    ports = {"n3": [], "n9": [], "lan1": []}
    opts = dict(pipeline={"n3": "upf", "n9": "upf", "lan": "switch"},
                port_opts={"n3": {"role": "n3"}, "n9": {"role": "n9"}})
    with Sxdp(dict(ports), **opts) as dpa, Sxdp(dict(ports), **opts) as dpb, \
            Sxcd(dpa.sock_path, extra=args(qa, qb)) as cda, Sxcd(dpb.sock_path, extra=args(qb, qa)) as cdb:
        setup(cda, link(10, 3))
        setup(cdb, link(40950, 3))
        wait("a serves, b is its connected standby", lambda: pair_of(cda).get("role") == "active" and
             pair_of(cda).get("peer_connected") and pair_of(cdb).get("role") == "standby" and
             pair_of(cdb).get("in_sync"))
        with S.Smf(("127.0.0.1", n4), profile="free5gc") as smf:
            smf.associate()
            rts0 = S.ie(smf.heartbeat(), S.IE_RECOVERY).timestamp
            seids = []
            for k in range(20):
                r, sess = smf.open_session(cp_seid=0xd00 + k, ue="10.45.7.%d" % k, gnb="192.0.2.10",
                                           gnb_teid=0x5000 + k)
                expect_eq(S.cause_of(r), 1, "session %d at a" % k)
                seids.append(sess["up_seid"])
            held = pfcp_of(dpa)
            pb = pair_of(cdb)
            expect(pb.get("records_in", 0) >= 20 and pb.get("commits_in", 0) >= 1,
                   "b took a's records as they were committed: %s" % pb)
            expect(pair_of(cda).get("acks", 0) >= 1, "a's answers waited for b's commits: %s" % pair_of(cda))
            expect_eq(tables(dpb)["sessions_downlink"], [], "b's sxdp holds none of them yet")
            # a dies: its sxcd lets the N4 node go (started again as a standby)
            dpa.proc.send_signal(signal.SIGKILL)
            dpa.proc.wait()
            wait("a's sxcd a standby again", lambda: pair_of(cda).get("role") == "standby")
            # b's router takes over (a new VRID: it starts again, hears no master)
            code, res = cdb.req("PUT", "/api/v1/site", {"kind": "site", "spec": {
                "id": 1, "lan": [{"port": "lan1"}], "pair": link(10, 4)}})
            wait("b serves", lambda: pair_of(cdb).get("role") == "active")
            wait("b's sessions written",
                 lambda: (cdb.status()["services"]["pfcp"].get("sessions") or {}).get("restoring") is False and
                 pfcp_of(dpb) == held)
            expect_eq(pfcp_of(dpb), held, "b's sxdp holds every session as a's did")
            st = cdb.status()["services"]["pfcp"]
            expect_eq((st["sessions"]["total"], st["sessions"]["taken_over"]), (20, 20), "b's books: %s" %
                      st["sessions"])
            expect_eq(S.ie(smf.heartbeat(), S.IE_RECOVERY).timestamp, rts0,
                      "the same Recovery Time Stamp: no UP restart for the SMF")
            r = smf.modify(seids[0], 0xd00, far=2, gnb="192.0.2.10", gnb_teid=0x5f00)
            expect_eq(S.cause_of(r), 1, "a session a established takes a Modification at b")
            expect_eq(by(tables(dpb), "sessions_downlink", "ue")["10.45.7.0"]["params"]["teid"], 0x5f00,
                      "written into b's sxdp")
            r = smf.delete(seids[1])
            expect_eq(S.cause_of(r), 1, "and a Deletion, with its usage")
            expect(S.ie(r, 79) is not None, "its final usage report")
            r, _ = smf.open_session(cp_seid=0xdff, ue="10.45.7.200", gnb="192.0.2.10", gnb_teid=0x5100)
            expect_eq(S.cause_of(r), 1, "a new session at b")
            wait("b streams to a", lambda: pair_of(cdb).get("peer_connected") and pair_of(cda).get("in_sync"))
        # strangers (another source address) connecting to a's pair port as fast as they
        # can, never handshaking, while b's stream starts again: b's handshake is never
        # displaced (each stranger's would be, by the next one)
        stop = threading.Event()

        def flood():
            held = []
            while not stop.is_set():
                c = T.socket.socket()
                try:
                    c.bind(("127.0.0.2", 0))
                    c.connect(("127.0.0.1", qa))
                    held.append(c)
                except OSError:
                    c.close()
                while len(held) > 64:
                    held.pop(0).close()
            for c in held:
                c.close()
        cda.stop()
        cda.start(synced=False)
        ths = [threading.Thread(target=flood) for _ in range(2)]
        for th in ths:
            th.start()
        try:
            wait("b streams to a through the strangers' connections",
                 lambda: pair_of(cdb).get("peer_connected") and pair_of(cda).get("in_sync"))
        finally:
            stop.set()
            for th in ths:
                th.join()
        expect(pair_of(cda).get("refused", 0) > 0, "the strangers' handshakes displaced, counted: %s" % pair_of(cda))
        # a wrong key: the stream is refused, b's answers do not wait for it
        bad = os.path.join(d, "bad.key")
        with open(os.open(bad, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("z" * 40)
        cda.extra = args(qa, qb, bad)
        cda.stop()
        fails = pair_of(cdb).get("connect_failures", 0)
        cda.start(synced=False)
        wait("b's stream refused twice", lambda: pair_of(cdb).get("connect_failures", 0) >= fails + 2)
        expect_eq((pair_of(cda).get("records_in"), pair_of(cda).get("in_sync"), pair_of(cdb).get("peer_connected")),
                  (0, False, False), "a standby with a wrong key takes nothing: %s" % pair_of(cda))


@R.test
def test_pair_n4_address_moves():
    """--pfcp-n4-dev: the box that takes the node over adds the N4 address to that device
    (the active's sxcd runs in a namespace with a veth, m0) and announces it: IPv4 a
    gratuitous ARP (a request from and for the address, from m0's MAC), IPv6 an unsolicited
    neighbour advertisement to all nodes (Override, its link-layer address, hop limit 255);
    its sxdp killed, it lets the address go (its sxcd a standby again)."""
    import signal
    import subprocess
    import tempfile
    from scapy.all import rdpcap, ARP, IPv6, ICMPv6ND_NA, ICMPv6NDOptDstLLAddr
    from pfcp_upf import UPF
    from sxcdtest import free_port
    d = tempfile.mkdtemp(prefix="sxdp-n4-")
    key = os.path.join(d, "pair.key")
    with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write("n" * 40)
    ns, peer = "sxn4%d" % os.getpid(), "sxn4p%d" % os.getpid()

    def ip(*a):
        r = subprocess.run(["ip"] + list(a), stderr=subprocess.PIPE, text=True)
        expect_eq(r.returncode, 0, "ip %s: %s" % (" ".join(a), r.stderr))
    r = subprocess.run(["ip", "netns", "add", ns], stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise T.SkipTest("no network namespaces here (ip netns add: %s)" % r.stderr.strip())
    try:
        ip("netns", "add", peer)
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "link", "add", "m0", "type", "veth", "peer", "name", "m1", "netns", peer)
        ip("-n", ns, "link", "set", "m0", "up")
        ip("-n", peer, "link", "set", "m1", "up")
        for addr in ("10.9.9.10", "2001:db8:9::10"):
            v6 = ":" in addr
            pcap = os.path.join(d, "m1-%d.pcap" % v6)
            cap = subprocess.Popen(["ip", "netns", "exec", peer, "dumpcap", "-q", "-i", "m1", "-w", pcap],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while not os.path.exists(pcap) and time.monotonic() < deadline:
                time.sleep(0.05)
            pair = {"peer": "x", "priority": 100, "advert_ms": 10, "preempt_hold_s": 0,
                    "upf_links": [{"upf": "edge", "link": "n3", "vrid": 3, "address": "192.0.2.2",
                                   "peer": "192.0.2.3"}]}
            n4 = "[%s]:%d" % (addr, free_port(T.socket.SOCK_DGRAM)) if v6 else "%s:%d" % (addr, free_port(
                T.socket.SOCK_DGRAM))
            extra = ["--pfcp", n4, "--pfcp-node-id", addr, "--pfcp-pair", "127.0.0.1:%d" % free_port(),
                     "--pfcp-pair-listen", "127.0.0.1:%d" % free_port(), "--pfcp-pair-key", key,
                     "--pfcp-n4-dev", "m0"]
            with Sxdp({"n3": [], "n9": [], "lan1": []}, pipeline={"n3": "upf", "n9": "upf", "lan": "switch"},
                      port_opts={"n3": {"role": "n3"}, "n9": {"role": "n9"}}) as dp, \
                    Sxcd(dp.sock_path, netns=ns, extra=extra) as cd:
                cd.req("PUT", "/api/v1/site", {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}],
                                                                         "pair": pair}})
                mec = slice_("mec", 1, "lan1", 5000)
                del mec["spec"]["vni"]
                cd.req("PUT", "/api/v1/slices/mec?wait=1", mec)
                cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": UPF})

                def has(want):
                    out = subprocess.run(["ip", "-n", ns, "addr", "show", "dev", "m0"], stdout=subprocess.PIPE,
                                         text=True).stdout
                    return (addr + "/") in out if want else (addr + "/") not in out
                deadline = time.monotonic() + 20
                while not has(True) and time.monotonic() < deadline:
                    time.sleep(0.05)
                expect(has(True), "the N4 address %s on m0 once the node is served" % addr)
                m0 = subprocess.run(["ip", "-n", ns, "-br", "link", "show", "m0"], stdout=subprocess.PIPE,
                                    text=True).stdout.split()[2].lower()
                time.sleep(0.3)   # dumpcap writes what it took
                cap.send_signal(signal.SIGTERM)
                cap.wait()
                pk = rdpcap(pcap)
                if v6:
                    na = [p for p in pk if p.haslayer(ICMPv6ND_NA) and p[ICMPv6ND_NA].tgt == addr]
                    expect(len(na) >= 1, "an unsolicited NA for %s: %s" % (addr, [p.summary() for p in pk]))
                    n = na[0]
                    expect_eq((n[IPv6].dst, n[IPv6].hlim, n[ICMPv6ND_NA].O, n[ICMPv6ND_NA].S, n[ICMPv6ND_NA].R,
                               n[ICMPv6NDOptDstLLAddr].lladdr.lower(), n[IPv6].src),
                              ("ff02::1", 255, 1, 0, 0, m0, addr), "the NA: %s" % n.summary())
                else:
                    ga = [p for p in pk if p.haslayer(ARP) and p[ARP].psrc == addr and p[ARP].pdst == addr]
                    expect(len(ga) >= 1, "a gratuitous ARP for %s: %s" % (addr, [p.summary() for p in pk]))
                    expect_eq((ga[0][ARP].op, ga[0][ARP].hwsrc.lower(), ga[0].dst), (1, m0, "ff:ff:ff:ff:ff:ff"),
                              "the gratuitous ARP: %s" % ga[0].summary())
                # its sxdp gone: the node and the address let go
                dp.proc.send_signal(signal.SIGKILL)
                dp.proc.wait()
                deadline = time.monotonic() + 20
                while not has(False) and time.monotonic() < deadline:
                    time.sleep(0.05)
                expect(has(False), "the N4 address off m0 once sxdp is gone")

                def standby():
                    try:
                        return (cd.status()["services"]["pfcp"].get("pair") or {}).get("role") == "standby"
                    except Exception:   # noqa: BLE001 (starting again)
                        return False
                deadline = time.monotonic() + 20
                while not standby() and time.monotonic() < deadline:
                    time.sleep(0.05)
                expect(standby(), "its sxcd a standby again")
    finally:
        for n in (ns, peer):
            subprocess.run(["ip", "netns", "del", n], stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    sys.exit(R.main())
