-- pktgen-dpdk: bench/run.sh's scenario vxlan6_encap_esp, its pcap from port 0 (bench.lua
-- says how). Exact command line:
--   bash bench/pktgen/pktgen.sh vxlan6_encap_esp -- -l 0-2 -n 4 -a PCI0 -a PCI1
-- which runs
--   SXDP_BENCH_PCAP=$(bash bench/run.sh vxlan6_encap_esp --input-only | head -1) \
--   pktgen -l 0-2 -n 4 -a PCI0 -a PCI1 -- -P -T -m "[1:2].0, [1:2].1" \
--     -s 0:$SXDP_BENCH_PCAP -f bench/pktgen/vxlan6_encap_esp.lua
sxdp_scenario = "vxlan6_encap_esp"
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(dir .. "bench.lua")
