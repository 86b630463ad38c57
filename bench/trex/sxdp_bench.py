"""TRex STL profile of a bench/run.sh scenario: the frames bench/gen_pcap.py
writes into the bench's pcap, in its order, sent from TRex port 0.

    trex> start -f bench/trex/l3.py -p 0 -m 10mpps
    trex> start -f bench/trex/sxdp_bench.py -p 0 -m 100% -t --scenario upf_ul --flows 1048576
    trex> start -f bench/trex/sxdp_bench.py -p 0 -m 100% -t --scenario upf_dl --size imix

The frames come from gen_pcap.py itself (loaded by path: the profile and
the pcap cannot drift). TRex takes at most 20,000 streams a port and a
field-engine value list of at most 65,535 values, so a frame is not a
stream: the frames are cut into runs of equal length (at most 65,535 each;
65,536 frames are two runs of 32,768) and a run is one stream whose
template is its first frame and whose field engine writes, per packet, the
bytes in which the run's frames differ from it (flow variables with a value
list, stepped together: packet k of the run carries value k of every list).
So each packet is the pcap's frame, checksums included, with no
per-packet fix-up. One run: a continuous stream; several: single bursts of
a run's length, each naming the next, the last the first, looping for
ever (a pcap replay). Rates: percentage=100 of the port, scaled by the
console's -m. With several TRex cores each core sends every cores-th
frame of a run (split_to_cores): the same frames, interleaved.

The MACs are the scenario's (the router MAC, the l2 scenario's 65,536
destinations): the streams keep the packet's source and destination MAC
rather than the port's configured ones. Direction 1 (port 1, the box's
sink side) gets no streams: no bench scenario has a reverse flow.
"""

import argparse
import importlib.util
import os
import sys

try:   # TRex >= 2.4x
    from trex.stl.api import (STLStream, STLPktBuilder, STLTXCont, STLTXSingleBurst, STLVmFlowVar,
                              STLVmWrFlowVar, STLFlowStats, STLStreamDstMAC_PKT)
except ImportError:   # older packaging of the same API
    from trex_stl_lib.api import (STLStream, STLPktBuilder, STLTXCont, STLTXSingleBurst, STLVmFlowVar,
                                  STLVmWrFlowVar, STLFlowStats, STLStreamDstMAC_PKT)

HERE = os.path.dirname(os.path.abspath(__file__))
GEN_PCAP = os.path.join(os.path.dirname(HERE), "gen_pcap.py")
MAX_VALUES = 65535     # STLVmFlowVar's value_list
MAX_VAR_BYTES = 64     # the server's flow variables per stream (StreamVm::svMAX_FLOW_VAR)
MAX_STREAMS = 20000    # streams a port
BENCH_FLOWS = 65536    # what bench/run.sh gives gen_pcap.py unless --flows


def gen_pcap():
    """bench/gen_pcap.py as a module, loaded from its path."""
    mod = sys.modules.get("sxdp_gen_pcap")
    if mod is None:
        spec = importlib.util.spec_from_file_location("sxdp_gen_pcap", GEN_PCAP)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules["sxdp_gen_pcap"] = mod
    return mod


def frames(scenario, flows=BENCH_FLOWS, size="64"):
    """The scenario's frames, as bench/run.sh's pcap holds them (--size: its
    frames of that size, or IMIX). IMIX here is grouped by size, 64 B then
    576 then 1,400 (7:4:1 of each loop, the same frames): interleaved, every
    frame would be a run of its own, past the streams a port takes."""
    g = gen_pcap()
    if scenario not in g.SCENARIOS:
        raise ValueError("unknown scenario %r (known: %s)" % (scenario, ", ".join(sorted(g.SCENARIOS))))
    fr = g.sized(g.SCENARIOS[scenario][0], flows, str(size))[0]
    return sorted(fr, key=len) if size == "imix" else fr


def runs(fr):
    """fr cut where the frame length changes and into balanced pieces of at
    most MAX_VALUES: [(first index, frames)]."""
    out, i = [], 0
    while i < len(fr):
        j = i
        while j < len(fr) and len(fr[j]) == len(fr[i]):
            j += 1
        pieces = -(-(j - i) // MAX_VALUES)
        size = -(-(j - i) // pieces)
        for k in range(i, j, size):
            out.append((k, fr[k:min(k + size, j)]))
        i = j
    return out


def windows(run):
    """Byte windows (offset, size 1/2/4/8) covering every byte in which a
    frame of run differs from its first, fewest bytes first."""
    n = len(run[0])
    t, acc = int.from_bytes(run[0], "big"), 0
    for f in run:
        acc |= int.from_bytes(f, "big") ^ t
    diff = [i for i in range(n) if acc >> (8 * (n - 1 - i)) & 0xff]
    out, i = [], 0
    while i < len(diff):
        p = diff[i]
        far = max(q for q in diff[i:] if q < p + 8)
        size = next(s for s in (1, 2, 4, 8) if p + s > far)
        start = min(p, n - size)
        out.append((start, size))
        while i < len(diff) and diff[i] < start + size:
            i += 1
    return out


def field_engine(run):
    """Flow variables with value lists and their writes: packet k of the run
    is run[k]."""
    wins = windows(run)
    if sum(s for _, s in wins) > MAX_VAR_BYTES:
        raise ValueError("frames differ in %d bytes, more than TRex's %d bytes of flow variables"
                         % (sum(s for _, s in wins), MAX_VAR_BYTES))
    vm = []
    for off, size in wins:
        vals = [int.from_bytes(f[off:off + size], "big") for f in run]
        vm.append(STLVmFlowVar(name="b%d" % off, size=size, op="inc", value_list=vals))
    vm += [STLVmWrFlowVar(fv_name="b%d" % off, pkt_offset=off) for off, _ in wins]
    return vm


def expressible(run):
    """Can one stream's field engine write every frame of run?"""
    return sum(s for _, s in windows(run)) <= MAX_VAR_BYTES


def streams(fr, pg_id=None):
    """The STLStreams sending the frames fr in order, looping. A run whose
    frames differ in more bytes than flow variables hold (ciphertext) is
    sent one frame a stream, within TRex's 20,000 streams a port."""
    rs = []
    for first, run in runs(fr):
        rs += [(first, run)] if expressible(run) else [(first + i, [f]) for i, f in enumerate(run)]
    if len(rs) > MAX_STREAMS:
        raise ValueError("%d streams, more than TRex's %d a port" % (len(rs), MAX_STREAMS))
    out = []
    for n, (first, run) in enumerate(rs):
        vm = field_engine(run)
        pkt = STLPktBuilder(pkt_buffer=bytes(run[0]), vm=vm or None)
        common = dict(name="run%d" % n, packet=pkt, mac_src_override_by_pkt=True,
                      mac_dst_override_mode=STLStreamDstMAC_PKT)
        if pg_id is not None:
            common["flow_stats"] = STLFlowStats(pg_id=pg_id + n)
        if len(rs) == 1:
            out.append(STLStream(mode=STLTXCont(percentage=100), **common))
        else:
            out.append(STLStream(mode=STLTXSingleBurst(total_pkts=len(run), percentage=100),
                                 self_start=n == 0, next="run%d" % ((n + 1) % len(rs)), action_count=0,
                                 **common))
    return out


class SxdpBench(object):
    """A profile: get_streams() as TRex's console and STLProfile.load_py call it."""

    def __init__(self, scenario=None):
        self.scenario = scenario

    def get_streams(self, tunables=None, direction=0, port_id=0, **kwargs):
        ap = argparse.ArgumentParser(prog="sxdp_bench.py", description="a bench/run.sh scenario's frames")
        ap.add_argument("--scenario", default=self.scenario, required=self.scenario is None,
                        help="bench/gen_pcap.py's scenario")
        ap.add_argument("--flows", type=int, default=BENCH_FLOWS,
                        help="gen_pcap.py's --flows (bench/run.sh's --flows of the upf scenarios)")
        ap.add_argument("--size", default="64", help="gen_pcap.py's --size: 64 .. 9018 (with the FCS) or imix")
        ap.add_argument("--pg-id", type=int, default=None,
                        help="per-stream statistics (STLFlowStats) from this packet group id on")
        if tunables is None:   # TRex before the argparse tunables: keyword arguments
            tunables = sum((["--" + k.replace("_", "-"), str(v)] for k, v in kwargs.items()), [])
        a = ap.parse_args(list(tunables))
        if direction:
            return []
        return streams(frames(a.scenario, a.flows, a.size), a.pg_id)


def register():
    return SxdpBench()
