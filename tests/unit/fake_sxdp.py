#!/usr/bin/python3
"""Fake sxdp control socket for the sxctl tests.

Serves canned JSON-RPC 2.0 answers for the sxdp methods on a unix socket
and appends every request line, exactly as received, to a log file, so a
test can check what a client really sent. Stdlib only.

usage: fake_sxdp.py SOCKET_PATH REQUEST_LOG [API_JSON]

It knows sxdp's methods from sxdp's own declaration (API_JSON, default the
build's tests/sxdp-api.json, as tests/packet/sxdptest.py's ApiSchema reads
it): rpc.discover answers with it, every request is refused as sxdp would
refuse it (same data.reason and data.pointer) before a canned handler runs,
and every canned answer must fit the declared result, or the fake answers
-32603 "fake out of date" so the test fails instead of drifting from sxdp.

Besides the real methods it knows a few test.* methods that misbehave on
purpose (big, chunked, slow, garbage, close) to exercise the client's
transport handling, and fake.race / fake.reset, another client writing
between a client's read and its write (see fake_race).

table.write judges updates as sxdp does (atomicity modes, "expect"
compare-and-set, per-update results) but applies none of them.
"""
import copy
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "packet"))
from sxdptest import ApiSchema  # noqa: E402

TABLES = {
    "flow": {
        "name": "flow", "id": 0, "kind": "exact", "size": 65536, "entries": 5,
        "keys": [
            {"name": "in_port", "match": "exact", "type": "port", "bits": 16},
            {"name": "ipv4_dst", "match": "exact", "type": "ipv4", "bits": 32},
        ],
        "actions": [
            {"name": "output",
             "params": [{"name": "port", "type": "port", "bits": 16}]},
            {"name": "drop", "params": []},
        ],
        "default_action": {"action": "drop", "params": {}},
        "next_table": None,
    },
    "acl": {
        "name": "acl", "id": 1, "kind": "ternary", "size": 1024, "entries": 0,
        "keys": [
            {"name": "ipv4_src", "match": "ternary", "type": "ipv4",
             "bits": 32},
            {"name": "l4_dport", "match": "range", "type": "u16", "bits": 16},
        ],
        "actions": [{"name": "drop", "params": []}],
        "default_action": {"action": "drop", "params": {}},
        "next_table": "flow",
    },
    "route": {
        "name": "route", "id": 2, "kind": "lpm", "size": 4096, "entries": 0,
        "keys": [{"name": "ipv4_dst", "match": "lpm", "type": "ipv4",
                  "bits": 32}],
        "actions": [{"name": "output",
                     "params": [{"name": "port", "type": "port",
                                 "bits": 16}]}],
        "default_action": {"action": "drop", "params": {}},
        "next_table": None,
    },
}

PORTS = [
    {"index": 0, "name": "p0", "port_id": 0, "admin": "up", "mtu": 1500,
     "devargs": "net_pcap0,iface=a",
     "driver": "net_pcap", "role": "lan", "mac": "02:00:00:00:00:01",
     "ipv4": ["10.0.0.1/24"], "ipv6": [],
     "link": {"up": True, "speed_mbps": 10000},
     "rx_queues": 1, "tx_queues": 2,
     "rss": {"types": [], "offered": [], "gtpu": False, "soft_rss": False}, "tx_offloads": []},
    {"index": 1, "name": "p1", "port_id": 1, "admin": "up", "mtu": 1500,
     "devargs": "net_pcap1,iface=b",
     "driver": "net_pcap", "role": "wan", "mac": "02:00:00:00:00:02",
     "ipv4": ["192.0.2.1/24"], "ipv6": ["2001:db8::1/64"],
     "link": {"up": False, "speed_mbps": 0},
     "rx_queues": 1, "tx_queues": 2,
     "rss": {"types": [], "offered": [], "gtpu": False, "soft_rss": False}, "tx_offloads": ["ipv4_cksum"]},
]


def port_counters(p, hw):
    c = {"index": p["index"], "name": p["name"], "rx_packets": 100,
         "rx_bytes": 6400, "rx_missed": 0, "tx_packets": 90,
         "tx_bytes": 5760, "tx_dropped": 10}
    if hw:
        c["hw"] = {"ipackets": 100, "opackets": 90, "ibytes": 6400,
                   "obytes": 5760, "imissed": 0, "ierrors": 0,
                   "oerrors": 0, "rx_nombuf": 0}
    return c


FLOW_ENTRIES = [
    {"match": {"in_port": "p0", "ipv4_dst": "10.0.0.%d" % (i + 1)},
     "priority": 0, "action": "output", "params": {"port": "p1"},
     "hits": 12 + i}
    for i in range(5)
]


# The switch pipeline's tables (pipelines/pl_switch.c): writable, and
# readable with the entries below. Their reads return at most SW_PAGE
# entries a page whatever the limit, so clients must follow next_offset.
SW_PAGE = 2
FLOOD_MORE_PAGE = 256   # a whole list a page: its 248 entries in 124 pages would be all the log says
SW_ENTRIES = {
    "interfaces": [
        {"match": {"in_port": "p1", "vlan": 100}, "action": "attach",
         "params": {"slice": 1, "bd": 10}, "hits": 3},
        {"match": {"in_port": "p0", "vlan": 0}, "action": "attach",
         "params": {"slice": 2, "bd": 20}, "hits": 0},
    ],
    "bd_ports": [],
    # bd 10 on the second page; its mask has p1 (bit 1) and p2 (bit 2).
    # bd 1 floods into 8 overlay tunnels (all its slots), tunnel 21 at t3;
    # bd 40 into 256 (its slots and a flood_more list of 248: full).
    "flood": [
        {"match": {"bd": 1}, "action": "flood",
         "params": {"ports": 1, "t0": 11, "t1": 12, "t2": 13, "t3": 21,
                    "t4": 15, "t5": 16, "t6": 17, "t7": 18}, "hits": 0},
        {"match": {"bd": 40}, "action": "flood",
         "params": {"ports": 0, "t0": 31, "t1": 32, "t2": 33, "t3": 34,
                    "t4": 35, "t5": 36, "t6": 37, "t7": 38, "more": 248}, "hits": 0},
        {"match": {"bd": 20}, "action": "flood", "params": {"ports": 1},
         "hits": 0},
        {"match": {"bd": 10}, "action": "flood", "params": {"ports": 6},
         "hits": 9},
    ],
    # bd 40's list, read in one page (FLOOD_MORE_PAGE)
    "flood_more": [
        {"match": {"bd": 40, "index": i}, "action": "tunnel", "params": {"tunnel": 100 + i}, "hits": 0}
        for i in range(248)
    ],
    "svi": [
        {"match": {"vrf": 1, "bd": 10}, "action": "svi",
         "params": {"mac": "02:00:00:00:01:0A", "ip": "10.0.1.1",
                    "plen": 24}, "hits": 0},
    ],
    "routes": [
        {"match": {"vrf": 1, "dst": "10.0.0.0/24"}, "action": "via",
         "params": {"nh": "10.0.1.254"}, "hits": 12},
        {"match": {"vrf": 2, "dst": "0.0.0.0/0"}, "action": "drop",
         "params": {}, "hits": 1},
        {"match": {"vrf": 1, "dst": "10.2.0.0/16"}, "action": "ecmp",
         "params": {"n": 2, "nh0": "10.0.1.2", "nh1": "10.0.1.3",
                    "nh2": "0.0.0.0", "nh3": "0.0.0.0"}, "hits": 5},
        {"match": {"vrf": 1, "dst": "10.0.1.0/24"}, "action": "connected",
         "params": {"bd": 10}, "hits": 0},
        {"match": {"vrf": 1, "dst": "10.0.1.1/32"}, "action": "local",
         "params": {}, "hits": 2},
    ],
    "fdb": [
        {"match": {"bd": 10, "mac": "02:00:00:00:00:0A"},
         "action": "learned", "params": {"port": "p0"}, "hits": 12,
         "idle_s": 3.2},
        {"match": {"bd": 20, "mac": "02:00:00:00:00:0B"},
         "action": "forward", "params": {"port": "p1"}, "hits": 0,
         "idle_s": 41.0},
        {"match": {"bd": 10, "mac": "02:00:00:00:01:0A"}, "action": "route",
         "params": {}, "hits": 7, "idle_s": 0.5},
    ],
    # bd 20's IPv6 SVI shares its router MAC with no IPv4 SVI; bd 10 has none
    "svi6": [
        {"match": {"vrf": 2, "bd": 20}, "action": "svi6",
         "params": {"mac": "02:00:00:00:02:01", "ip": "2001:db8:2::1",
                    "plen": 64}, "hits": 0},
    ],
    "routes6": [
        {"match": {"vrf": 2, "dst": "2001:db8:99::/48"}, "action": "via",
         "params": {"nh": "2001:db8:2::9"}, "hits": 4},
        {"match": {"vrf": 2, "dst": "2001:db8:2::/64"}, "action": "connected",
         "params": {"bd": 20}, "hits": 1},
        {"match": {"vrf": 1, "dst": "2001:db8:77::/48"}, "action": "ecmp",
         "params": {"n": 2, "nh0": "2001:db8:1::2", "nh1": "2001:db8:1::3"},
         "hits": 6},
    ],
    "neigh6": [
        {"match": {"vrf": 2, "ip": "2001:db8:2::9"}, "action": "learned",
         "params": {"port": "p0", "vlan": 0, "dmac": "02:00:00:00:00:09",
                    "smac": "02:00:00:00:02:01"}, "hits": 4},
    ],
    "neigh": [
        {"match": {"vrf": 1, "ip": "10.0.1.254"}, "action": "rewrite",
         "params": {"port": "p1", "vlan": 100, "dmac": "02:00:00:00:00:FE",
                    "smac": "02:00:00:00:01:0A"}, "hits": 12},
        {"match": {"vrf": 2, "ip": "10.9.0.7"}, "action": "learned",
         "params": {"port": "p0", "vlan": 0, "dmac": "02:00:00:00:00:07",
                    "smac": "02:00:00:00:02:01"}, "hits": 1},
        {"match": {"vrf": 1, "ip": "10.0.1.9"}, "action": "unresolved",
         "params": {}, "hits": 0},
    ],
}


# The overlay's tables (pipelines/overlay/datapath/pl_overlay.c), read page by
# page like the switch's: tunnels 21 and 22 of slice 1 (21 with two peers
# and two policies), 23 of slice 2; class rules of slices 1 and 2.
SW_ENTRIES.update({
    "vteps": [], "vnis": [], "endpoints": [], "paths": [],
    "tunnels": [
        {"match": {"id": 21}, "action": "vxlan",
         "params": {"slice": 1, "vni": 5000, "path": 1, "ttl": 64, "dscp": 64, "csum": 0},
         "hits": 4},
        {"match": {"id": 22}, "action": "geneve",
         "params": {"slice": 1, "vni": 7000, "path": 0, "ttl": 0, "dscp": 0, "csum": 1,
                    "rmac": "02:00:00:00:AA:01"}, "hits": 0},
        {"match": {"id": 23}, "action": "vxlan",
         "params": {"slice": 2, "vni": 6000, "path": 3, "ttl": 64, "dscp": 0, "csum": 0},
         "hits": 1},
    ],
    "peers": [
        {"match": {"slice": 1, "ip": "198.51.100.20"}, "action": "peer",
         "params": {"tunnel": 21}, "hits": 9},
        {"match": {"slice": 1, "ip": "198.51.100.22"}, "action": "peer",
         "params": {"tunnel": 22}, "hits": 0},
        {"match": {"slice": 1, "ip": "198.51.100.21"}, "action": "peer",
         "params": {"tunnel": 21}, "hits": 0},
    ],
    "policies": [
        {"match": {"tunnel": 21, "class": 0}, "action": "failover",
         "params": {"p0": 1, "p1": 2, "p2": 0, "p3": 0}, "hits": 40},
        {"match": {"tunnel": 22, "class": 0}, "action": "balance",
         "params": {"p0": 1, "p1": 2, "p2": 0, "p3": 0, "w0": 1, "w1": 3, "w2": 0, "w3": 0},
         "hits": 2},
        {"match": {"tunnel": 21, "class": 1}, "action": "sla",
         "params": {"p0": 1, "p1": 2, "p2": 0, "p3": 0, "rtt_ms": 50, "jitter_ms": 0,
                    "loss_pct": 1}, "hits": 0},
    ],
    "classes": [
        {"match": {"slice": 1, "proto": {"value": 17, "mask": 255},
                   "dport": {"min": 5060, "max": 5061}}, "priority": 10,
         "action": "class", "params": {"class": 1}, "hits": 3},
        {"match": {"slice": 2, "sport": {"min": 80, "max": 80}}, "priority": 10,
         "action": "class", "params": {"class": 1}, "hits": 0},
        {"match": {"slice": 1, "dscp": {"value": 46, "mask": 255}}, "priority": 20,
         "action": "class", "params": {"class": 1}, "hits": 0},
        {"match": {"slice": 1}, "priority": 5, "action": "class",
         "params": {"class": 2}, "hits": 0},
    ],
})

# The UPF's (pipelines/upf/datapath/pl_upf.c): two sessions, session 7 with an N3
# tunnel and a UE address, session 8 anchored further (N9) and IPv6 only.
SESS = {"meter": 0, "teid": 0, "threshold": 0, "urr": 0, "peer": 0, "qfi": 0,
        "ohr": 0, "ambr": 0, "ue": "0.0.0.0", "slice": 1, "apps": 0}
SW_ENTRIES.update({
    "upf_interfaces": [
        {"match": {"dst": "192.0.2.10/32"}, "action": "n3",
         "params": {"slice": 0, "id": 1}, "hits": 31},
        {"match": {"dst": "198.51.100.0/24"}, "action": "n6",
         "params": {"slice": 1}, "hits": 0},
        {"match": {"dst": "203.0.113.1/32"}, "action": "n9",
         "params": {"slice": 2, "id": 2}, "hits": 5},
    ],
    "upf_interfaces6": [
        {"match": {"dst": "2001:db8:5::1/128"}, "action": "n3",
         "params": {"slice": 0, "id": 3}, "hits": 0},
    ],
    "sessions_uplink": [
        {"match": {"iface": 1, "teid": 256}, "action": "fwd_n6",
         "params": dict(SESS, id=7, ambr=3, ue="10.45.0.2", urr=70, meter=4), "hits": 0},
        {"match": {"iface": 2, "teid": 512}, "action": "fwd_n9",
         "params": dict(SESS, id=8, peer=2, teid=4096, slice=2), "hits": 0},
    ],
    "sessions_n9_downlink": [],
    "sessions_downlink": [
        {"match": {"slice": 1, "ue": "10.45.0.2"}, "action": "encap_n3",
         "params": dict(SESS, id=7, peer=1, teid=1024, qfi=9, ue="10.45.0.2", apps=1), "hits": 0},
    ],
    "sessions_downlink6": [
        {"match": {"slice": 2, "ue": "2001:db8:45:1::/64"}, "action": "buffer",
         "params": dict(SESS, id=8, slice=2), "hits": 0},
    ],
    "sessions_eth": [
        {"match": {"session": 9}, "action": "encap_n3",
         "params": dict(SESS, id=9, peer=1, teid=2048, qfi=9, slice=1), "hits": 0},
    ],
})


class RpcError(Exception):
    def __init__(self, code, message, reason=None, pointer=None):
        Exception.__init__(self, message)
        self.obj = {"code": code, "message": message}
        if reason is not None:
            self.obj["data"] = {"reason": reason, "pointer": pointer}


# Writes are checked, never applied, so every test sees the same tables.
# The one thing that changes them is another writer, simulated on demand
# (fake.race), until fake.reset.
INITIAL = copy.deepcopy(SW_ENTRIES)
RACE = {"count": 0, "how": "change", "n": 0}
# (table, match) of entries the other writer inserted: an insert of ours
# meets those as "exists"
OTHERS = set()


def fake_race(params):
    """fake.race {"count": N, "how": "change"|"delete"}: before each of the
    next N writes with a read-modify-write update (one with "expect", or an
    insert into flood), another client changes that entry first: one port
    bit of its mask flipped (the entry inserted if it was not there), or
    the entry deleted."""
    RACE["count"] = params.get("count", 1)
    RACE["how"] = params.get("how", "change")
    return {"count": RACE["count"], "how": RACE["how"]}


def fake_reset(params):
    SW_ENTRIES.clear()
    SW_ENTRIES.update(copy.deepcopy(INITIAL))
    OTHERS.clear()
    RACE.update(count=0, how="change", n=0)
    return {"reset": True}


def entries_of(table):
    if table in SW_ENTRIES:
        return SW_ENTRIES[table]
    return {"flow": FLOW_ENTRIES, "acl": ACL_ENTRIES}.get(table, [])


def find(table, match):
    return next((e for e in entries_of(table) if e["match"] == match), None)


def key(table, match):
    return table, json.dumps(match, sort_keys=True)


def other_writer(ups):
    target = next((u for u in ups if "expect" in u), None) or next(
        (u for u in ups if u.get("type") == "insert" and u.get("table") == "flood"), None)
    if target is None:
        return
    RACE["count"] -= 1
    RACE["n"] += 1
    table, match = target["table"], target.get("match", {})
    entries = SW_ENTRIES.setdefault(table, [])
    e = find(table, match)
    bit = 1 << (8 + RACE["n"] % 16)
    if RACE["how"] == "delete":
        if e is not None:
            entries.remove(e)
    elif e is None:
        entries.append({"match": dict(match), "action": target.get("action", "flood"),
                        "params": {"ports": bit}, "hits": 0})
        OTHERS.add(key(table, match))
    elif isinstance(e["params"].get("ports"), int):
        e["params"]["ports"] ^= bit     # always a change: a port in or out
    else:
        e["params"]["other_writer"] = RACE["n"]


def failure(i, reason, message, suffix=""):
    return {"ok": False, "error": {"code": -32001, "message": message,
            "data": {"reason": reason, "pointer": "/updates/%d%s" % (i, suffix)}}}


def update_result(i, u):
    """As sxdp's table.write judges one update; "dup" or "10.66." in a
    match stands for an entry that exists."""
    table, match = u.get("table"), u.get("match", {})
    if "expect" in u:
        # compare-and-set: only while the entry holds what was read
        e, x = find(table, match), u["expect"]
        if e is None:
            return failure(i, "not_found", "no entry with this match")
        if e["action"] != x.get("action") or e["params"] != x.get("params", {}):
            return failure(i, "changed", "the entry changed since it was read "
                           "(expect did not match)", "/expect")
        return {"ok": True}
    dump = json.dumps(match)
    if "dup" in dump or "10.66." in dump or (
            u.get("type") == "insert" and key(table, match) in OTHERS):
        return failure(i, "exists", "entry already exists", "/match")
    return {"ok": True}


def table_write(params):
    ups = params.get("updates", [])
    if RACE["count"] > 0:
        other_writer(ups)
    results = [update_result(i, u) for i, u in enumerate(ups)]
    # rollback and dataplane-atomic: one failure and nothing is applied
    if params.get("atomicity", "rollback") != "continue" and not all(r["ok"] for r in results):
        results = [r if not r["ok"] else failure(
            i, "not_applied", "not applied: another update of the batch failed")
            for i, r in enumerate(results)]
    applied = sum(1 for r in results if r["ok"])
    return {"generation": 7 if applied else 6, "committed": applied > 0,
            "applied": applied, "failed": len(results) - applied,
            "results": results}


ACL_ENTRIES = [
    {"match": {"ipv4_src": {"value": "10.0.0.0", "mask": "255.0.0.0"},
               "l4_dport": {"min": 1, "max": 1024}},
     "priority": 5, "action": "drop", "params": {}, "hits": 0},
]


def table_read(params):
    name = params.get("table")
    entries = {"flow": FLOW_ENTRIES, "acl": ACL_ENTRIES}.get(name, [])
    lim = params.get("limit", 100)
    if name in SW_ENTRIES:
        entries, lim = SW_ENTRIES[name], min(lim, FLOOD_MORE_PAGE if name == "flood_more" else SW_PAGE)
    off = params.get("offset", 0)
    page = entries[off:off + lim]
    nxt = off + lim if off + lim < len(entries) else None
    return {"table": name, "total": len(entries), "offset": off,
            "entries": page, "next_offset": nxt}


def port_stats(params):
    want = params.get("port")
    ports = [p for p in PORTS
             if want is None or want in (p["name"], p["index"])]
    return {"ports": [port_counters(p, True) for p in ports]}


def describe(params):
    name = params.get("table")
    # describes the forward tables; the switch tables it only reads and writes
    tabs = [TABLES[name]] if name in TABLES else [] if name else list(TABLES.values())
    return {"pipeline": "forward", "description": FEATURE["description"],
            "features": [FEATURE], "stages": ["parse"] + FEATURE["stages"],
            "graph": GRAPH, "tables": tabs}


FEATURE = {"name": "forward", "description": "exact flow table, then port cross-connect",
           "roles": ["lan", "wan", "n3", "n6", "n9"], "stages": ["forward.flow"]}
GRAPH = [{"node": "forward.flow", "next": ["port_out", "forward.punt", "drop"]},
         {"node": "forward.punt", "next": []},
         {"node": "rx", "next": ["port_out", "drop", "forward.flow"]},
         {"node": "port_out", "next": []}, {"node": "drop", "next": []}]


STATS = {
    "uptime_s": 42, "tsc_hz": 2600000000, "generation": 6,
    "total": {"rx_packets": 100, "tx_packets": 90, "drop_packets": 10,
              "punt_packets": 0},
    "lcores": [{"lcore": 1, "role": "worker", "rx_packets": 100,
                "tx_packets": 90, "drop_packets": 10, "punt_packets": 0,
                "inject_packets": 0, "slow_packets": 0, "inject_dropped": 0,
                "copy_packets": 0, "handoff_packets": 0, "handin_packets": 0, "rss_buckets": 256,
                "busy_cycles": 5000,
                "idle_cycles": 95000, "pipeline_cycles": 3000, "sleep_cycles": 0, "polls": 40,
                "cycles_per_packet": 50.0}],
    "ports": [port_counters(p, False) for p in PORTS],
    "drops": {"parse.runt": 3, "flow.miss": 7, "upf.spoofed": 2, "upf.unknown_teid": 11},
    "events": {"switch.learn": 4, "core.aged": 2, "upf.ul": 40, "upf.to_n3": 38},
    "tables": {"flow": {"hits": 90, "misses": 10, "entries": 5},
               "sessions_uplink": {"hits": 40, "misses": 11, "entries": 2},
               "upf_interfaces": {"hits": 36, "misses": 3, "entries": 3}},
    "mempool": {"in_use": 512, "available": 7679, "size": 8191},
}

# one shared AF_XDP port, an overlay VTEP's claims
XDP_STEER = {
    "ports": [{"port": "p1", "iface": "wan0", "prog_id": 42, "mode": "native",
               "steered": 1200, "passed": 345, "no_socket": 0}],
    "rules": [{"addr": "192.0.2.1", "proto": "udp", "port": 4789, "owners": ["overlay"],
               "packets": 1100},
              {"addr": "192.0.2.1", "proto": "arp", "port": 0, "owners": ["overlay"],
               "packets": 3}],
}


def table_config(params):
    if params.get("table") != "fdb":
        raise RpcError(-32602, "table does not age entries", "bad_value",
                       "/idle_timeout_s")
    # as sxdp: 0 turns ageing off and the answer says so
    return {"table": "fdb", "idle_timeout_s": params["idle_timeout_s"],
            "ageing": params["idle_timeout_s"] != 0}


def port_set(params):
    p = next(p for p in PORTS if params["port"] in (p["name"], p["index"]))
    p = dict(p)
    p.update({k: params[k] for k in ("admin", "mtu") if k in params})
    return p   # the port as it would be; PORTS stays as it is


GRAPH_STATS = {"nodes": [{"node": n["node"], "calls": 4, "packets": 100, "cycles": 5000,
                          "cycles_per_packet": 50.0} for n in GRAPH],
               "cycles_sampled_every": 16}


def slow(params):
    time.sleep(2)
    return {"slow": True}


API = None   # sxdp's declaration (main)


def takeover(p):
    """As sxdp answers any caller but an sxdp of its own executable."""
    raise RpcError(-32001, "only an sxdp of this executable, run by this user, takes over", "not_allowed")

METHODS = {
    "sys.hello": lambda p: {"name": "sxdp", "version": "0.1.0",
                            "boot_id": "5f0c3a52-8f0e-4d7e-9a43-0c1f2b3d4e5f",
                            "generation": 6, "pipeline": "forward",
                            "workers": 1, "ports": 2, "replaced": 0},
    "rpc.discover": lambda p: {"methods": list(API.methods.values())},
    "port.list": lambda p: {"ports": PORTS},
    "port.stats": port_stats,
    "port.set": port_set,
    "graph.stats": lambda p: GRAPH_STATS,
    "pipeline.describe": describe,
    "table.write": table_write,
    "table.read": table_read,
    "table.clear": lambda p: {"deleted": 5, "generation": 8},
    "table.config": table_config,
    "stats.get": lambda p: STATS,
    "stats.clear": lambda p: {"cleared": True},
    "xdp.steer": lambda p: XDP_STEER,
    "sys.takeover": takeover,
    "test.echo": lambda p: p,
    "fake.race": fake_race,
    "fake.reset": fake_reset,
    "test.big": lambda p: {"blob": "x" * 2000000},
    "test.slow": slow,
}


def send(conn, obj):
    conn.sendall((json.dumps(obj) + "\n").encode())


def serve_one(conn, line):
    try:
        req = json.loads(line)
    except ValueError:
        send(conn, {"jsonrpc": "2.0", "id": None,
                    "error": {"code": -32700, "message": "parse error"}})
        return True
    rid, method = req.get("id"), req.get("method")
    params = req.get("params", {})

    if method == "test.garbage":
        conn.sendall(b"this is not json\n")
        return True
    elif method == "test.close":
        return False
    elif method == "test.full":
        # what sxdp says to a client it cannot take: an error with a null
        # id (it never read a request), then the close
        send(conn, {"jsonrpc": "2.0", "id": None,
                    "error": {"code": -32000, "message": "server full: 64 clients",
                              "data": {"reason": "server_full", "pointer": ""}}})
        return False
    elif method == "test.chunked":
        # A stale answer to an old id and a notification come first; the
        # real answer arrives in pieces.
        send(conn, {"jsonrpc": "2.0", "id": 999, "result": {"stale": True}})
        send(conn, {"jsonrpc": "2.0", "method": "event", "params": {}})
        data = json.dumps({"jsonrpc": "2.0", "id": rid,
                           "result": {"chunked": "y" * 100000}}) + "\n"
        data = data.encode()
        for i in range(0, len(data), 7000):
            conn.sendall(data[i:i + 7000])
            time.sleep(0.01)
        return True
    fn = METHODS.get(method)
    try:
        if fn is None:
            raise RpcError(-32601, "method not found", "unknown_method",
                           "/method")
        if method in API.methods:
            bad = API.check_params(method, params)
            if bad:
                raise RpcError(-32602, bad[2], bad[0], bad[1])
        result = fn(params)
        bad = method in API.methods and API.check_result(method, result)
        if bad:
            raise RpcError(-32603, "fake out of date: its %s answer breaks sxdp's "
                           "declaration at %s: %s" % (method, bad[1], bad[2]))
        send(conn, {"jsonrpc": "2.0", "id": rid, "result": result})
    except RpcError as e:
        send(conn, {"jsonrpc": "2.0", "id": rid, "error": e.obj})
    return True


def handle(conn, log):
    buf = b""
    while True:
        try:
            data = conn.recv(65536)
        except OSError:
            return
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            with open(log, "ab") as f:
                f.write(line + b"\n")
            try:
                if not serve_one(conn, line.decode()):
                    return
            except OSError:
                return


def main():
    global API
    if len(sys.argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    path, log = sys.argv[1], sys.argv[2]
    API = ApiSchema.load(sys.argv[3] if len(sys.argv) == 4 else None)
    API.know("port", [p["name"] for p in PORTS])
    API.know("table", list(TABLES) + [t for t in SW_ENTRIES if t not in TABLES])
    missing = sorted(set(API.methods) - set(METHODS))
    if missing:
        sys.stderr.write("fake out of date: sxdp declares %s, the fake serves none of them\n"
                         % ", ".join(missing))
        return 1
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path + ".tmp")
    srv.listen(8)
    # Appear only when ready, so waiting for the path is enough.
    os.rename(path + ".tmp", path)
    while True:
        conn, _ = srv.accept()
        with conn:
            handle(conn, log)


if __name__ == "__main__":
    sys.exit(main())
