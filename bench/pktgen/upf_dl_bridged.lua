-- pktgen-dpdk: bench/run.sh's scenario upf_dl_bridged, its pcap from port 0 (bench.lua
-- says how). Exact command line:
--   bash bench/pktgen/pktgen.sh upf_dl_bridged -- -l 0-2 -n 4 -a PCI0 -a PCI1
-- which runs
--   SXDP_BENCH_PCAP=$(bash bench/run.sh upf_dl_bridged --input-only | head -1) \
--   pktgen -l 0-2 -n 4 -a PCI0 -a PCI1 -- -P -T -m "[1:2].0, [1:2].1" \
--     -s 0:$SXDP_BENCH_PCAP -f bench/pktgen/upf_dl_bridged.lua
sxdp_scenario = "upf_dl_bridged"
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "bench.lua")
