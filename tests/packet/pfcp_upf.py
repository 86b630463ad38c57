"""The UPF side of N4 for the packet tests: sxdp with the UPF's ports (n3, n9, lan1) and sxcd
with --pfcp over it, a upf intent Ready (its links, pool and Network Instances, no session of
its own) for a test SMF (pfcp_smf.py) to establish sessions on; the UPF's tables as sxdp holds
them, entry by entry; a gNB's G-PDU into N3.

Run with Debian's /usr/bin/python3 (scapy).
"""
import contextlib
import json

from sxdptest import Sxdp, expect_eq
from sxcdtest import UPF_TABLES, Sxcd, slice_, snapshot

# the upf intent 'edge': N3 and N9 links, the UE pool, the local DN (slice mec's subnet)
UPF = {"slice": "mec", "ue_pool": "10.45.0.0/16", "n6_addresses": ["10.10.0.254"],
       "network_instances": ["internet"],
       "n3": {"port": "n3", "address": "192.0.2.1/24", "network_instance": "access"},
       "n9": {"port": "n9", "address": "198.51.100.1/24", "network_instance": "core"},
       "peers": [{"name": "gnb1", "address": "192.0.2.10"}],
       "local_dns": [{"name": "mec", "prefixes": ["10.10.0.0/24"]}]}


def gpdu(teid, src, n=100, fill=b"u"):
    """A gNB's G-PDU (192.0.2.10 to N3's 192.0.2.1, TEID @teid) carrying @src's UDP to the
    local DN's 10.10.0.5, @n bytes of payload."""
    from scapy.all import Ether, IP, UDP, Raw
    from scapy.contrib.gtp import GTP_U_Header
    return (Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
            UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid, gtp_type=255) /
            IP(src=src, dst="10.10.0.5") / UDP(sport=4000, dport=7777) / Raw(fill * n))


def eth_gpdu(teid, frame):
    """A gNB's G-PDU carrying an Ethernet PDU session's frame whole."""
    from scapy.all import Ether, IP, UDP
    from scapy.contrib.gtp import GTP_U_Header
    return (Ether(src="02:00:00:00:03:0a", dst="02:70:63:61:70:00") / IP(src="192.0.2.10", dst="192.0.2.1") /
            UDP(sport=2152, dport=2152) / GTP_U_Header(teid=teid, gtp_type=255) / frame)


@contextlib.contextmanager
def upf_pfcp(spec=UPF, n3=(), lan1=(), extra_cfg=None, cd_extra=(), cd_env=None, n9=()):
    """sxdp (n3, n9, lan1; n3, n9 and lan1 hold the frames given, released by the test; its
    config plus extra_cfg), sxcd with --pfcp on a free port (and cd_extra), site and slice
    mec, upf intent 'edge' Ready. Yields (dp, cd, pfcp port, the tables before any session)."""
    with Sxdp({"n3": list(n3), "n9": list(n9), "lan1": list(lan1)}, pipeline={"n3": "upf", "n9": "upf", "lan": "switch"},
              port_opts={"n3": {"role": "n3"}, "n9": {"role": "n9"}}, extra_cfg=extra_cfg) as dp, \
            Sxcd(dp.sock_path, pfcp="127.0.0.1", extra=["--pfcp-node-id", "127.0.0.1"] + list(cd_extra),
                 env=cd_env) as cd:
        cd.req("PUT", "/api/v1/site", {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}]}})
        mec = slice_("mec", 1, "lan1", 5000)
        del mec["spec"]["vni"]
        cd.req("PUT", "/api/v1/slices/mec?wait=1", mec)
        code, res = cd.req("PUT", "/api/v1/upf/edge?wait=1", {"spec": spec})
        expect_eq((code, res["status"]["phase"]), (201, "Ready"), "the UPF: %s" % res.get("status"))
        yield dp, cd, cd.pfcp, tables(dp)


def tables(dp):
    """The UPF's tables and the switch's it writes, entry by entry."""
    return {k: [json.loads(e) for e in v] for k, v in snapshot(dp, UPF_TABLES).items()}


def by(t, table, field):
    """The entries of @table in tables() @t, by their match's @field."""
    return {e["match"][field]: e for e in t[table]}
