#!/usr/bin/python3
"""Seed corpus for tests/fuzz/fuzz_intent.c: each intent kind valid, an apply
set of them all, and the near misses a person writes (wrong types, unknown
fields, conflicts, references to nothing), so the fuzzer starts at every
branch of the checks and the compile.

Writes tests/fuzz/corpus/intent/seed-*.json (overwriting only seed-* files).
"""
import json
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "intent")

SITE = {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}, {"port": "lan2", "vlan": 10}],
                                 "wan": [{"name": "isp1", "port": "wan1", "address": "192.0.2.1/24",
                                          "gateway": "192.0.2.254", "rate_bps": 100000000},
                                         {"name": "isp2", "port": "wan2", "address": "198.51.100.1/24",
                                          "mtu": 1400}]}}
PEER = {"kind": "peers", "metadata": {"name": "b"}, "spec": {
    "id": 2, "endpoints": [{"address": "203.0.113.2", "wan": "isp1"}, {"address": "203.0.113.3", "wan": "isp2"}],
    "probe": {"how": "icmp", "interval_ms": 50, "down_after": 3, "up_after": 5}}}
BLUE = {"kind": "slices", "metadata": {"name": "blue"}, "spec": {
    "id": 1, "vni": 5000, "members": [{"port": "lan1"}], "svi": {"address": "10.10.0.254/24", "mac": "02:00:0a:0a:00:fe"},
    "subnets": ["10.10.0.0/24"], "routes": [{"prefix": "10.40.0.0/16", "via": "10.10.0.1"},
                                             {"prefix": "2001:db8:9::/48", "drop": True}],
    "rate": {"guaranteed_bps": 10000000, "peak_bps": 20000000},
    "path_policy": {"mode": "balance", "wans": ["isp1", "isp2"], "weights": [3, 1]}}}
RED = {"kind": "slices", "metadata": {"name": "red"}, "spec": {
    "id": 2, "vni": 5001, "members": [{"port": "lan2", "vlan": 10}], "peers": ["b"],
    "svi": {"address": "10.10.0.254/24", "mac": "02:00:0a:0a:00:fe"}}}
VDN = {"kind": "vdns", "metadata": {"name": "voice"}, "spec": {
    "slice": "blue", "guaranteed_bps": 2000000, "priority": 5,
    "match": {"src": "10.10.0.0/24", "dst": "10.20.0.1", "proto": 17, "dport": [5060, 5061], "dscp": 46}}}
POL = {"kind": "policies", "metadata": {"name": "video"}, "spec": {
    "slice": "blue", "class": 4, "match": {"proto": 6, "dport": [443, 443]},
    "path_policy": {"mode": "sla", "wans": ["isp2", "isp1"], "sla": {"rtt_ms": 80, "loss_pct": 2}}}}

UPF = {"kind": "upf", "metadata": {"name": "edge"}, "spec": {
    "slice": "blue", "ue_pool": "10.45.0.0/16", "n6_addresses": ["10.10.0.254"], "rate_bps": 1000000000,
    "n3": {"port": "n3", "address": "192.0.3.1/24"}, "n9": {"port": "n9", "address": "198.51.101.1/24"},
    "peers": [{"name": "gnb", "address": "192.0.3.10", "dscp": 46},
              {"name": "anchor", "address": "198.51.101.9", "via": "n9", "gateway": "198.51.101.254"}],
    "local_dns": [{"name": "mec", "prefixes": ["10.10.0.0/24", "10.11.0.0/16"], "proto": 6, "ports": [80, 443]}],
    "sessions": [{"id": 1, "ue": "10.45.0.1", "uplink": {"teid": 256, "ohr": "any"},
                  "downlink": {"peer": "gnb", "teid": 8192, "qfi": 9},
                  "anchor": {"peer": "anchor", "teid": 36864, "n9_teid": 28672},
                  "ambr_ul_bps": 50000000, "ambr_dl_bps": 100000000, "usage_threshold_bytes": 1000000},
                 {"id": 2, "ue": "10.45.0.2", "uplink": {"teid": 257},
                  "downlink": {"peer": "gnb", "teid": 8193, "state": "buffer"}, "gate": "closed"}]}}

SEEDS = {
    "site": SITE, "peer": PEER, "blue": BLUE, "red": RED, "vdn": VDN, "policy": POL,
    "all": {"items": [SITE, PEER, BLUE, RED, VDN, POL, UPF], "prune": ["slices"]},
    "upf": {"items": [SITE, BLUE, UPF]},
    "upf_bad_peer": {"items": [SITE, BLUE, dict(UPF, spec=dict(UPF["spec"], sessions=[
        dict(UPF["spec"]["sessions"][0], downlink={"peer": "nobody", "teid": 1})]))]},
    "conflict": {"items": [SITE, BLUE, dict(RED, spec=dict(RED["spec"], id=1))]},
    "port_twice": {"items": [SITE, BLUE, dict(RED, spec=dict(RED["spec"], members=[{"port": "lan1"}]))]},
    "dangling": {"items": [SITE, dict(VDN, spec=dict(VDN["spec"], slice="none")),
                           dict(RED, spec=dict(RED["spec"], peers=["nowhere"]))]},
    "wrong_types": {"items": [{"kind": "slices", "metadata": {"name": "x"}, "spec": {"id": "1", "vni": -1}}]},
    "unknown": {"items": [{"kind": "tunnels", "metadata": {"name": "x"}, "spec": {}},
                          {"kind": "slices", "metadata": {"name": "x"}, "spec": {"id": 1, "color": 1}}]},
    "bad_addr": dict(SITE, spec=dict(SITE["spec"], wan=[dict(SITE["spec"]["wan"][0], address="192.0.2.1/40")])),
    "no_wan": dict(PEER, spec=dict(PEER["spec"], endpoints=[{"address": "203.0.113.2", "wan": "isp9"}])),
    "generation": dict(BLUE, metadata={"name": "blue", "generation": 3}),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.startswith("seed-"):
            os.unlink(os.path.join(OUT, f))
    for name, v in SEEDS.items():
        with open(os.path.join(OUT, "seed-%s.json" % name), "w") as f:
            json.dump(v, f, indent=1)
    # a truncated one and a duplicate key
    with open(os.path.join(OUT, "seed-truncated.json"), "w") as f:
        f.write(json.dumps(SEEDS["all"])[:200])
    with open(os.path.join(OUT, "seed-dupkey.json"), "w") as f:
        f.write('{"kind": "slices", "kind": "peers", "spec": {}}')


if __name__ == "__main__":
    main()
