"""TRex STL profile of bench/run.sh's scenario upf_dl_bridged: its pcap's frames from
port 0 (sxdp_bench.py says how; bench/README.md how to run it).

    trex> start -f bench/trex/upf_dl_bridged.py -p 0 -m 100%
"""
import importlib.util
import os

_spec = importlib.util.spec_from_file_location(
    "sxdp_bench_trex", os.path.join(os.path.dirname(os.path.abspath(__file__)), "sxdp_bench.py"))
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)


def register():
    return _bench.SxdpBench("upf_dl_bridged")
