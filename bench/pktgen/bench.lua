-- pktgen-dpdk: replay a bench/run.sh scenario's pcap (bench/gen_pcap.py's
-- frames, the very file bench/run.sh replays) from pktgen port 0 at line
-- rate, looping. Run through bench/pktgen/pktgen.sh, which finds the pcap
-- (bench/run.sh SCENARIO --input-only), hands it to pktgen (-s 0:PCAP) and
-- names it here in SXDP_BENCH_PCAP:
--
--   bash bench/pktgen/pktgen.sh upf_ul -- -l 0-2 -n 4 -a 0000:03:00.0 -a 0000:03:00.1
--   (runs: SXDP_BENCH_PCAP=/tmp/sxdp-bench-cache/upf_ul-65536-KEY.pcap \
--          pktgen -l 0-2 -n 4 -a ... -- -P -T -m "[1:2].0, [1:2].1" \
--          -s 0:$SXDP_BENCH_PCAP -f bench/pktgen/upf_ul.lua)
--
-- A per-scenario script sets sxdp_scenario and runs this one. The pcap is
-- checked first (its name is the scenario's cache entry, its frames are
-- read and counted): a wrong or missing file stops here, before any
-- packet is sent. Port 1 (the box's sink side) sends nothing: no bench
-- scenario has a reverse flow; its RX counters are the box's output.
local scenario = sxdp_scenario or os.getenv("SXDP_BENCH_SCENARIO")
local pcap = os.getenv("SXDP_BENCH_PCAP")
local rate = tonumber(os.getenv("SXDP_BENCH_RATE") or "100")   -- percent of the port's line rate

if not scenario then error("bench.lua: no scenario (run a bench/pktgen/SCENARIO.lua)") end
if not pcap then error("bench.lua: SXDP_BENCH_PCAP unset (start pktgen through bench/pktgen/pktgen.sh)") end
local base = pcap:match("([^/]+)$")
-- bench/run.sh's cache: SCENARIO-FLOWS-KEY.pcap (KEY: gen_pcap.py's hash),
-- SCENARIO-FLOWS-SIZE-KEY.pcap with --size (SIZE: bytes, or imix)
local esc = scenario:gsub("%-", "%%-")
if not (base:match("^" .. esc .. "%-%d+%-%x+%.pcap$") or base:match("^" .. esc .. "%-%d+%-%d+%-%x+%.pcap$") or
        base:match("^" .. esc .. "%-%d+%-imix%-%x+%.pcap$")) then
  error("bench.lua: " .. pcap .. " is not bench/run.sh's pcap of " .. scenario)
end

-- read the pcap (libpcap format as gen_pcap.py writes it): frames and sizes
local f = assert(io.open(pcap, "rb"))
local hdr = f:read(24)
if not hdr or #hdr ~= 24 or string.unpack("<I4", hdr) ~= 0xa1b2c3d4 then
  error("bench.lua: " .. pcap .. " is not a little-endian microsecond pcap")
end
local frames, bytes, sizes = 0, 0, {}
while true do
  local rec = f:read(16)
  if not rec then break end
  local incl = string.unpack("<I4", rec, 9)
  local data = f:read(incl)
  if not data or #data ~= incl then error("bench.lua: " .. pcap .. " is cut short") end
  frames, bytes, sizes[incl] = frames + 1, bytes + incl, true
end
f:close()
if frames == 0 then error("bench.lua: " .. pcap .. " holds no frame") end
local sz = {}
for s in pairs(sizes) do sz[#sz + 1] = s end
table.sort(sz)
print(string.format("sxdp bench %s: %s, %d frames of %s bytes, port 0 at %d%%",
                    scenario, pcap, frames, table.concat(sz, "/"), rate))

pktgen.pcap("0", "on")          -- port 0 sends the -s 0: file, in order, looping
pktgen.set("0", "rate", rate)
pktgen.start("0")
