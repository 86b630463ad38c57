#!/usr/bin/python3
"""The traffic generators' profiles send the bench's own packets.

For every bench/run.sh scenario (bench/gen_pcap.py's SCENARIOS):
  - bench/trex/SCENARIO.py is loaded as TRex's console loads a profile
    (register().get_streams(tunables, direction, port_id)) against a fake
    trex.stl.api that records streams, templates and field-engine programs
    with TRex's own argument checks (value lists of at most 65,535 values,
    64 bytes of flow variables, no next on a continuous stream); the
    streams are expanded into the packets TRex sends (the self-starting
    stream, then each stream's next, until the chain loops; a stream's
    packet k = its template with value k of each variable written at its
    offset) and compared byte for byte with the pcap gen_pcap.py writes
    (the same command bench/run.sh runs);
  - bench/pktgen/SCENARIO.lua runs under lua5.4 with a fake `pktgen`
    table on that pcap: it must accept it, count its frames, and ask for
    pcap replay on port 0, a rate and a start on port 0, nothing else;
  - bench/pktgen/pktgen.sh --dry-run names bench/run.sh's cached pcap.
Both sides use a small --flows (gen_pcap.py's frames for 1,024 flows; the
upf scenarios keep their 65,536 packets), and forward at the bench's size.
Exit 77 when lua5.4 is missing (scripts/deps.sh installs it).
"""
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import types

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")
FAILS = []


def check(cond, msg):
    if not cond:
        FAILS.append(msg)
        print("FAIL:", msg, flush=True)
    return cond


# ------------------------------------------------------------ fake TRex API
class TRexError(Exception):
    pass


class STLTXMode(object):
    def __init__(self, pps=None, bps_L1=None, bps_L2=None, percentage=None):
        given = [x for x in (pps, bps_L1, bps_L2, percentage) if x is not None]
        if len(given) > 1:
            raise TRexError("one rate unit only")
        if percentage is not None and not 0 < percentage <= 100:
            raise TRexError("percentage out of range")
        self.rate = given[0] if given else 1.0


class STLTXCont(STLTXMode):
    pass


class STLTXSingleBurst(STLTXMode):
    def __init__(self, total_pkts=1, **kw):
        if not isinstance(total_pkts, int):
            raise TRexError("total_pkts")
        super().__init__(**kw)
        self.total_pkts = total_pkts


class STLVmFlowVar(object):
    def __init__(self, name, init_value=None, min_value=0, max_value=255, size=4, step=1, op="inc",
                 value_list=None, split_to_cores=True, next_var=None):
        if size not in (1, 2, 4, 8) or op not in ("inc", "dec", "random"):
            raise TRexError("bad size/op")
        if value_list is None:
            raise TRexError("this fake models value_list variables only")
        if len(value_list) > 65535:
            raise TRexError("value_list size %d bigger than 65535" % len(value_list))
        if any(not isinstance(v, int) or v < 0 or v >> (8 * size) for v in value_list):
            raise TRexError("value does not fit %d bytes" % size)
        self.name, self.size, self.op, self.values, self.step = name, size, op, list(value_list), step


class STLVmWrFlowVar(object):
    def __init__(self, fv_name, pkt_offset, offset_fixup=0, add_val=0, is_big=True):
        if not isinstance(pkt_offset, int):
            raise TRexError("this fake takes numeric offsets")
        self.name, self.offset, self.add, self.big = fv_name, pkt_offset + offset_fixup, add_val, is_big


class STLPktBuilder(object):
    def __init__(self, pkt=None, pkt_buffer=None, vm=None, **kw):
        if pkt is not None or not isinstance(pkt_buffer, bytes):
            raise TRexError("the profiles give raw frames (pkt_buffer)")
        self.buf, self.vm = pkt_buffer, list(vm or [])
        variables = {i.name: i for i in self.vm if isinstance(i, STLVmFlowVar)}
        if sum(v.size for v in variables.values()) > 64:
            raise TRexError("too many flow variables (more than 64 bytes)")
        for w in self.vm:
            if isinstance(w, STLVmWrFlowVar):
                v = variables.get(w.name)
                if v is None or w.offset + v.size > len(pkt_buffer):
                    raise TRexError("write of %s outside the packet or of no variable" % w.name)

    def packet(self, k):
        """Packet k of the stream: every variable steps once per packet."""
        b = bytearray(self.buf)
        variables = {i.name: i for i in self.vm if isinstance(i, STLVmFlowVar)}
        for w in self.vm:
            if isinstance(w, STLVmWrFlowVar):
                v = variables[w.name]
                if v.op != "inc" or v.step != 1:
                    raise TRexError("this fake expands inc/step 1 only")
                val = (v.values[k % len(v.values)] + w.add) & ((1 << (8 * v.size)) - 1)
                b[w.offset:w.offset + v.size] = val.to_bytes(v.size, "big" if w.big else "little")
        return bytes(b)


class STLFlowStats(object):
    def __init__(self, pg_id):
        self.pg_id = pg_id


STLStreamDstMAC_PKT = 1


class STLStream(object):
    def __init__(self, name=None, packet=None, mode=None, enabled=True, self_start=True, isg=0.0,
                 flow_stats=None, next=None, stream_id=None, action_count=0, random_seed=0,
                 mac_src_override_by_pkt=None, mac_dst_override_mode=None, dummy_stream=False,
                 start_paused=False):
        mode = mode or STLTXCont(pps=1)
        if isinstance(mode, STLTXCont) and next is not None:
            raise TRexError("Continuous stream cannot have a next stream ID")
        self.__dict__.update(name=name, packet=packet, mode=mode, self_start=self_start, next=next,
                             action_count=action_count, mac_src=mac_src_override_by_pkt,
                             mac_dst=mac_dst_override_mode, flow_stats=flow_stats)


def fake_trex():
    api = types.ModuleType("trex.stl.api")
    for n in ("STLStream", "STLPktBuilder", "STLTXCont", "STLTXSingleBurst", "STLVmFlowVar",
              "STLVmWrFlowVar", "STLFlowStats", "STLStreamDstMAC_PKT", "TRexError"):
        setattr(api, n, globals()[n])
    trex, stl = types.ModuleType("trex"), types.ModuleType("trex.stl")
    trex.stl, stl.api = stl, api
    sys.modules.update({"trex": trex, "trex.stl": stl, "trex.stl.api": api})


def load_profile(path):
    """As TRex's STLProfile.load_py: the file imported, register()."""
    name = "trex_profile_" + os.path.basename(path)[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.register()


def expand(streams):
    """The packets the streams send, in order, over one loop of the chain."""
    by_name = {s.name: s for s in streams}
    starts = [s for s in streams if s.self_start]
    if len(starts) != 1:
        raise TRexError("%d self-starting streams (one chain expected)" % len(starts))
    out, s, seen = [], starts[0], set()
    while s is not None and s.name not in seen:
        seen.add(s.name)
        if s.mac_src is not True or s.mac_dst != STLStreamDstMAC_PKT:
            raise TRexError("stream %s lets TRex rewrite the MACs" % s.name)
        if isinstance(s.mode, STLTXCont):
            lens = {len(v.values) for v in s.packet.vm if isinstance(v, STLVmFlowVar)} or {1}
            if len(lens) != 1:
                raise TRexError("value lists of different lengths do not repeat together")
            count = lens.pop()   # one period of the continuous stream
        else:
            count = s.mode.total_pkts
            if s.next is not None and s.action_count != 0:
                raise TRexError("a finite loop: the bench source never runs dry")
        out += [s.packet.packet(k) for k in range(count)]
        s = by_name.get(s.next) if s.next is not None else None
        if s is None and streams[-1].next is not None:
            raise TRexError("next names no stream")
    if len(seen) != len(streams):
        raise TRexError("streams outside the chain")
    return out


# ------------------------------------------------------------------- pcaps
def read_pcap(path):
    data = open(path, "rb").read()
    off, out = 24, []
    while off < len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def gen_pcap_file(tmp, scen, flows):
    """gen_pcap.py as bench/run.sh runs it, named as its cache names it;
    started, not waited for: (path, process)."""
    key = subprocess.run(["sha1sum"], stdin=open(os.path.join(BENCH, "gen_pcap.py"), "rb"),
                         stdout=subprocess.PIPE, check=True).stdout[:12].decode()
    pcap = os.path.join(tmp, "%s-%d-%s.pcap" % (scen, flows, key))
    p = subprocess.Popen([sys.executable, os.path.join(BENCH, "gen_pcap.py"), scen, "--flows", str(flows),
                          "--pcap", pcap, "--entries", pcap[:-5] + ".entries.json"], stderr=subprocess.DEVNULL)
    return pcap, p


LUA_FAKE = r'''
calls = {}
pktgen = setmetatable({}, {__index = function(_, k)
  return function(...)
    local a = {k}
    for _, v in ipairs({...}) do a[#a + 1] = tostring(v) end
    calls[#calls + 1] = table.concat(a, " ")
  end
end})
local ok, err = pcall(dofile, arg[1])
for _, c in ipairs(calls) do print("CALL " .. c) end
if not ok then print("ERROR " .. tostring(err)); os.exit(1) end
'''


def run_lua(lua, script, pcap, tmp):
    fake = os.path.join(tmp, "fake_pktgen.lua")
    open(fake, "w").write(LUA_FAKE)
    env = dict(os.environ, SXDP_BENCH_PCAP=pcap)
    env.pop("SXDP_BENCH_RATE", None)
    return subprocess.run([lua, fake, script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=env)


def main():
    lua = shutil.which("lua5.4") or shutil.which("lua5.3")
    if not lua:
        print("SKIP: no lua5.4/lua5.3 (scripts/deps.sh installs lua5.4)")
        sys.exit(77)
    fake_trex()
    sys.path.insert(0, BENCH)
    import gen_pcap
    scens = sorted(gen_pcap.SCENARIOS)
    files = lambda d, ext: sorted(f[:-len(ext)] for f in os.listdir(os.path.join(BENCH, d))
                                  if f.endswith(ext) and f not in ("sxdp_bench.py", "bench.lua"))
    want = sorted(s.replace("-", "_") for s in scens)
    check(files("trex", ".py") == want, "bench/trex/ has a profile per scenario: %s" % files("trex", ".py"))
    check(files("pktgen", ".lua") == want, "bench/pktgen/ has a script per scenario: %s" % files("pktgen", ".lua"))
    tmp = tempfile.mkdtemp(prefix="sxdp-trafgen-")
    try:
        for scen in scens:
            flows = 65536 if scen == "forward" else 1024
            pcap, gen = gen_pcap_file(tmp, scen, flows)   # beside the profile's own run of the generator
            base = scen.replace("-", "_")
            prof = load_profile(os.path.join(BENCH, "trex", base + ".py"))
            try:
                # the argparse tunables of TRex >= 2.89, and the keyword ones before
                st = prof.get_streams(tunables=["--flows", str(flows)], direction=0, port_id=0)
                st_kw = prof.get_streams(direction=0, port_id=0, flows=flows) if scen == "l3" else None
                pkts = expand(st)
            except (TRexError, ValueError) as e:
                check(False, "%s: TRex profile: %s" % (scen, e))
                gen.wait()
                continue
            if not check(gen.wait() == 0, "%s: gen_pcap.py failed" % scen):
                continue
            ref = read_pcap(pcap)
            check(prof.get_streams(tunables=[], direction=1, port_id=1) == [],
                  "%s: direction 1 sends nothing" % scen)
            check(len(st) <= 20000, "%s: %d streams (TRex: at most 20,000 a port)" % (scen, len(st)))
            check(st_kw is None or expand(st_kw) == pkts, "%s: keyword tunables differ" % scen)
            first_bad = next((i for i, (a, b) in enumerate(zip(pkts, ref)) if a != b), None)
            check(len(pkts) == len(ref) and first_bad is None,
                  "%s: TRex sends %d packets, the pcap has %d; first difference at %s"
                  % (scen, len(pkts), len(ref), first_bad))
            r = run_lua(lua, os.path.join(BENCH, "pktgen", base + ".lua"), pcap, tmp)
            calls = [ln[5:] for ln in r.stdout.splitlines() if ln.startswith("CALL ")]
            check(r.returncode == 0 and calls == ["pcap 0 on", "set 0 rate 100", "start 0"],
                  "%s: pktgen script: rc %d, calls %s\n%s" % (scen, r.returncode, calls, r.stdout[-500:]))
            check(" %d frames of %d bytes" % (len(ref), len(ref[0])) in r.stdout,
                  "%s: the pktgen script read the pcap: %s" % (scen, r.stdout.splitlines()[:1]))
            print("ok %s: %d streams, %d packets equal the pcap's; pktgen script %s" % (
                scen, len(st), len(pkts), calls), flush=True)
        # a pcap of another scenario, or none: the pktgen script refuses before sending
        pcap_l3 = os.path.join(tmp, [f for f in os.listdir(tmp) if f.startswith("l3-1024-")][0])
        r = run_lua(lua, os.path.join(BENCH, "pktgen", "forward.lua"), pcap_l3, tmp)
        check(r.returncode != 0 and "CALL" not in r.stdout, "forward.lua refuses l3's pcap: %s" % r.stdout)
        # pktgen.sh names bench/run.sh's own cached pcap
        env = dict(os.environ, BENCH_CACHE=os.path.join(tmp, "cache"))
        out = subprocess.run(["bash", os.path.join(BENCH, "pktgen", "pktgen.sh"), "upf_dl", "--flows", "64",
                              "--dry-run", "--", "-l", "0-2"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env, check=True).stdout
        run_pcap = subprocess.run(["bash", os.path.join(BENCH, "run.sh"), "upf_dl", "--flows", "64",
                                   "--input-only"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  text=True, env=env, check=True).stdout.split("\n")[0]
        check(" -s 0:%s " % run_pcap in out and "SXDP_BENCH_PCAP=%s " % run_pcap in out,
              "pktgen.sh names bench/run.sh's pcap %s: %s" % (run_pcap, out))
        check(read_pcap(run_pcap) == gen_pcap.gen_upf_dl(n_flows=64)[0], "bench/run.sh's pcap is gen_pcap's frames")
        # --size: bench/run.sh and pktgen.sh name the pcap of that size (IMIX here: its frames
        # the 64 B ones' flows at 7:4:1 of 64, 576, 1,400 B), the pktgen script takes it; TRex
        # sends gen_pcap's frames of a size (IMIX grouped by size, the same frames)
        out = subprocess.run(["bash", os.path.join(BENCH, "pktgen", "pktgen.sh"), "upf_dl", "--flows", "64",
                              "--size", "imix", "--dry-run", "--", "-l", "0-2"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, env=env, check=True).stdout
        run_pcap = subprocess.run(["bash", os.path.join(BENCH, "run.sh"), "upf_dl", "--flows", "64", "--input-only"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  env=dict(env, BENCH_SIZE="imix"), check=True).stdout.split("\n")[0]
        ref = read_pcap(run_pcap)
        check([len(f) + 4 for f in ref[:12]] == list(gen_pcap.IMIX) and {len(f) + 4 for f in ref} == set(gen_pcap.IMIX),
              "--size imix: upf_dl's frames 7:4:1 of 64, 576, 1,400 B: %s" % [len(f) + 4 for f in ref[:12]])
        check(" -s 0:%s " % run_pcap in out, "pktgen.sh --size imix names run.sh's pcap %s: %s" % (run_pcap, out))
        r = run_lua(lua, os.path.join(BENCH, "pktgen", "upf_dl.lua"), run_pcap, tmp)
        check(r.returncode == 0, "upf_dl.lua takes the --size imix pcap: %s" % r.stdout[-300:])
        for size in ("1400", "imix"):
            st = load_profile(os.path.join(BENCH, "trex", "l3.py")).get_streams(
                tunables=["--flows", "1024", "--size", size], direction=0, port_id=0)
            pkts = expand(st)
            ref = gen_pcap.sized(gen_pcap.SCENARIOS["l3"][0], 1024, size)[0]
            check((sorted(pkts) if size == "imix" else pkts) == (sorted(ref) if size == "imix" else ref) and
                  len(st) <= 20000 and {len(f) + 4 for f in ref} == ({1400} if size == "1400" else set(gen_pcap.IMIX)),
                  "--size %s: TRex's %d packets in %d streams are gen_pcap's %d" % (size, len(pkts), len(st), len(ref)))
        bad = subprocess.run([sys.executable, os.path.join(BENCH, "gen_pcap.py"), "vxlan_encap_1400", "--size", "576",
                              "--ovs-flows", os.path.join(tmp, "x")], stderr=subprocess.PIPE, text=True)
        check(bad.returncode != 0 and "one size" in bad.stderr, "a _1400 scenario takes no --size: %s" % bad.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        print("%d failures" % len(FAILS))
        sys.exit(1)
    print("all scenarios: TRex and pktgen send the bench's packets")


if __name__ == "__main__":
    main()
