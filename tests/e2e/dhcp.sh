#!/usr/bin/env bash
# e2e dhcp: the box's DHCP server for the hosts of a slice's VDN, against
# Debian's clients in network namespaces on AF_XDP ports of the switch.
#
#   slice 1, bd 11 (10.0.1.0/24, SVI 10.0.1.1), pool 10.0.1.100-10.0.1.150
#   c1: busybox udhcpc    c2: ISC dhclient    c3: udhcpc, after the restart
#
# Checks: each client gets an address of the pool, the mask and the SVI as
# its router from the box, and pings the SVI; dhcp.leases lists both bound;
# the lease file (config.state_dir/dhcp-leases.json) holds them. Then sxdp
# is stopped and started again (not a takeover; its tables loaded again,
# as sxcd would): the leases are read back from the file before any client
# asks; c1 (a DISCOVER) and c2 (its INIT-REBOOT request) get the SAME
# addresses again, and c3, new, another.
# Then the same from an intent alone (phase 3): sxdp on a state_dir of its
# own and no table written by hand, sxcd, and `sxctl apply` of a slice (id
# 11) whose dhcp is a pool 10.0.1.160-10.0.1.199 and a static lease for c3;
# c1 gets an address of that pool and c3 its static one; `sxctl dhcp
# leases`, sxcd's counters (key dhcp) and /metrics show them; a dhcp whose
# pool holds the SVI's address is refused at its pointer; sxdp restarted,
# sxcd programs it again by itself and c1 keeps its address, c3 its own.
# Ends with "N passed, M failed"; exit 1 if any failed, 77 if the machine
# cannot run it (no netns, no udhcpc or dhclient: scripts/deps.sh installs
# them). BUILD=dir picks the build directory, NL_KEEP=1 keeps the temp dir.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"
# shellcheck source-path=SCRIPTDIR source=switchlib.sh
. "$here/switchlib.sh"

for b in udhcpc dhclient; do
  if ! command -v "$b" >/dev/null; then
    echo "SKIP: $b is missing (apt-get install udhcpc isc-dhcp-client: scripts/deps.sh)"
    exit 77
  fi
done

TAG=$$
HOSTS=(c1 c2 c3)
declare -A MAC=([c1]=02:00:0a:00:01:c1 [c2]=02:00:0a:00:01:c2 [c3]=02:00:0a:00:01:c3)
SVI=10.0.1.1
SVI_MAC=02:5e:00:00:01:01
DHCP_BOUND=${DHCP_BOUND:-30}   # a client's whole exchange, on a busy machine: generous, never waited out
ns() { printf 'dhe%s-%s' "$TAG" "$1"; }
in_ns() { local h=$1; shift; ip netns exec "$(ns "$h")" "$@"; }
ctl() { "$SXCTL" --socket "$NL_SOCK" "$@"; }
api() { "$SXCTL" --api "http://127.0.0.1:$API_PORT" --token-file "$NL_DIR/token" "$@"; }
SXCD=$BUILD/sxcd
BOUND=${DHCP_SXCD_BOUND:-20}   # sxcd's waits: generous on a busy machine, each ends at its event

# shellcheck disable=SC2317  # the EXIT trap
on_exit() {
  local h
  for h in "${HOSTS[@]}"; do
    [ -f "$NL_DIR/$h.pid" ] && kill "$(cat "$NL_DIR/$h.pid")" 2>/dev/null
  done
  [ -n "${CD_PID:-}" ] && kill "$CD_PID" 2>/dev/null && wait "$CD_PID" 2>/dev/null
  if [ "$fail" -ne 0 ] && [ -f "${NL_DIR:-/nonexistent}/sxcd.log" ]; then
    echo "# sxcd log:"; tail -20 "$NL_DIR/sxcd.log" | sed 's/^/#   /'
  fi
  if [ "$fail" -ne 0 ] && [ -n "${NL_LOG:-}" ] && [ -f "$NL_LOG" ]; then
    echo "# sxdp log ($NL_LOG):"; tail -30 "$NL_LOG" | sed 's/^/#   /'
  fi
  nl_stop_sxdp >/dev/null 2>&1
  for h in "${HOSTS[@]}"; do nl_ns_del "$(ns "$h")"; ip link del "$(ns "$h")" 2>/dev/null; done
  if [ -n "$NL_DIR" ] && [ -z "${NL_KEEP:-}" ]; then rm -rf "$NL_DIR"; fi
  [ -z "${NL_KEEP:-}" ] || echo "# kept $NL_DIR"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ topology
sw_stale_cleanup dhe
NL_DIR=$(mktemp -d /tmp/sxdp-e2e-dhcp.XXXXXX)
NL_SOCK="$NL_DIR/sxdp.sock"
# sxdp's config.state_dir (made by sxdp): its lease file there
STATE_DIR="$NL_DIR/lib"
LEASE_FILE="$STATE_DIR/dhcp-leases.json"
for h in "${HOSTS[@]}"; do
  # the hosts start with no address: DHCP gives it
  if ! nl_host "$(ns "$h")" 192.0.2.1 "$(ns "$h")" >/dev/null 2>&1 ||
     ! nl_host_l2l3 "$(ns "$h")" "${MAC[$h]}" || ! ip -n "$(ns "$h")" addr flush dev eth0; then
    notok "topology: host $h"
    finish
  fi
done
ok "topology: 3 hosts without addresses (netns dhe$TAG-{c1,c2,c3}) on veth"

# The client scripts: configure eth0 as told and write what was given.
cat >"$NL_DIR/udhcpc.script" <<'SH'
#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -z "$router" ] || ip route replace default via "${router%% *}" dev "$interface"
    echo "ip=$ip mask=$mask router=$router lease=$lease serverid=$serverid" >"$OUT" ;;
esac
exit 0
SH
# (dhclient runs its script with a scrubbed environment: the file is named in it)
{ echo '#!/bin/sh'; echo "OUT=$NL_DIR/c2.out"; } >"$NL_DIR/dhclient.script"
cat >>"$NL_DIR/dhclient.script" <<'SH'
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT)
    ip addr flush dev "$interface"
    ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
    [ -z "$new_routers" ] || ip route replace default via "${new_routers%% *}" dev "$interface"
    echo "ip=$new_ip_address mask=$new_subnet_mask router=$new_routers reason=$reason" >"$OUT" ;;
esac
exit 0
SH
chmod +x "$NL_DIR/udhcpc.script" "$NL_DIR/dhclient.script"

# ---------------------------------------------------------------- sxdp
# switchlib's config, and the state_dir this phase's sxdp keeps its leases in
eval "$(declare -f sw_write_config | sed '1s/^sw_write_config/sw_config_base/')"
sw_write_config() {
  sw_config_base "$@" || return 1
  "$PY" - "$NL_DIR/sxdp.json" "$STATE_DIR" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["state_dir"] = sys.argv[2]
json.dump(c, open(sys.argv[1], "w"), indent=2)
PYEOF
}
tables_json() {
  PYTHONPATH="$here" "$PY" - "$SVI_MAC" <<'PYEOF'
import json, sys
from swtables import svi
u = []
def add(table, match, action, params=None):
    u.append({"type": "insert", "table": table, "match": match, "action": action, "params": params or {}})
for p in ("c1", "c2", "c3"):
    add("interfaces", {"in_port": p, "vlan": 0}, "attach", {"slice": 1, "bd": 11})
    add("bd_ports", {"bd": 11, "port": p}, "member", {"vlan": 0})
add("flood", {"bd": 11}, "flood", {"ports": 7})
svi(add, 1, 11, "10.0.1.1", sys.argv[1], "10.0.1.0/24")
add("dhcp_pools", {"vrf": 1, "bd": 11}, "pool",
    {"first": "10.0.1.100", "last": "10.0.1.150", "router": "10.0.1.1", "dns1": "10.0.1.1", "lease_s": 600})
print(json.dumps({"atomicity": "rollback", "updates": u}))
PYEOF
}
start() { # what
  if ! sw_launch "dhe$TAG" '"switch"'; then
    notok "sxdp starts ($1)"; finish
  fi
  if out=$(tables_json | ctl --json table load - 2>&1); then
    ok "sxdp $1 on net_$drv, the slice's bd 11 and its pool programmed"
  else
    notok "table load: $(printf '%s' "$out" | head -c 400)"; finish
  fi
}
sw_links_up "${HOSTS[@]}"
start started

# leases as "mac ip state" lines
leases() {
  ctl --json call dhcp.leases | "$PY" -c '
import json, sys
for r in json.load(sys.stdin)["leases"]:
    print(r["mac"], r["ip"], r["state"])' | sort
}
field() { sed -n "s/.*$2=\([^ ]*\).*/\1/p" "$NL_DIR/$1.out" 2>/dev/null; }
udhcpc_run() { # host
  rm -f "$NL_DIR/$1.out"
  OUT="$NL_DIR/$1.out" timeout "$DHCP_BOUND" ip netns exec "$(ns "$1")" \
    udhcpc -i eth0 -f -q -n -t 10 -T 2 -s "$NL_DIR/udhcpc.script" >"$NL_DIR/$1.log" 2>&1
}
dhclient_run() { # host
  rm -f "$NL_DIR/$1.out"
  timeout "$DHCP_BOUND" ip netns exec "$(ns "$1")" \
    dhclient -1 -d -v -sf "$NL_DIR/dhclient.script" -lf "$NL_DIR/$1.leases" -pf "$NL_DIR/$1.pid" eth0 \
    >"$NL_DIR/$1.log" 2>&1 &
  wait_for "$DHCP_BOUND" test -s "$NL_DIR/$1.out"
  kill "$!" 2>/dev/null; wait "$!" 2>/dev/null   # stopped without a release: the lease stays the client's
  test -s "$NL_DIR/$1.out"
}
in_pool() { case $1 in 10.0.1.1[0-4][0-9]|10.0.1.150) return 0 ;; esac; return 1; }

# ------------------------------------------------------------ 1. leases
if udhcpc_run c1 && in_pool "$(field c1 ip)" && [ "$(field c1 router)" = "$SVI" ] &&
   { [ "$(field c1 mask)" = 24 ] || [ "$(field c1 mask)" = 255.255.255.0 ]; }; then
  ok "udhcpc (c1): $(cat "$NL_DIR/c1.out")"
else
  notok "udhcpc (c1) got no lease of the pool: $(cat "$NL_DIR/c1.out" 2>/dev/null); $(tail -3 "$NL_DIR/c1.log" | tr '\n' ' ')"
fi
if dhclient_run c2 && in_pool "$(field c2 ip)" && [ "$(field c2 router)" = "$SVI" ] &&
   [ "$(field c2 mask)" = 255.255.255.0 ]; then
  ok "dhclient (c2): $(cat "$NL_DIR/c2.out")"
else
  notok "dhclient (c2) got no lease of the pool: $(cat "$NL_DIR/c2.out" 2>/dev/null); $(tail -3 "$NL_DIR/c2.log" | tr '\n' ' ')"
fi
IP1=$(field c1 ip) IP2=$(field c2 ip)
for h in c1 c2; do
  if in_ns "$h" ping -c 2 -W 2 -i 0.2 "$SVI" >/dev/null 2>&1; then ok "$h pings the SVI $SVI from its leased address"
  else notok "$h pings the SVI $SVI"; fi
done
want="${MAC[c1]} $IP1 bound
${MAC[c2]} $IP2 bound"
if [ "$(leases)" = "$want" ]; then ok "dhcp.leases: both bound"; else notok "dhcp.leases: $(leases | tr '\n' ';'), want $(echo "$want" | tr '\n' ';')"; fi
if wait_for 10 grep -q "$IP2" "$LEASE_FILE" && grep -q "$IP1" "$LEASE_FILE"; then
  ok "the lease file holds both ($LEASE_FILE, config.state_dir)"
else
  notok "the lease file: $(head -c 300 "$LEASE_FILE" 2>&1)"
fi

# ------------------------------------------------------- 2. a restart
nl_stop_sxdp >/dev/null 2>&1
start "started again (stopped, not taken over)"
if [ "$(leases)" = "$want" ]; then ok "the leases read back from the file before any client asked"
else notok "after the restart dhcp.leases: $(leases | tr '\n' ';')"; fi
if udhcpc_run c1 && [ "$(field c1 ip)" = "$IP1" ]; then ok "c1 (udhcpc, a new DISCOVER) gets the same address $IP1"
else notok "c1 after the restart: $(cat "$NL_DIR/c1.out" 2>/dev/null), want $IP1"; fi
if dhclient_run c2 && [ "$(field c2 ip)" = "$IP2" ]; then ok "c2 (dhclient, $(field c2 reason)) keeps $IP2"
else notok "c2 after the restart: $(cat "$NL_DIR/c2.out" 2>/dev/null), want $IP2"; fi
if udhcpc_run c3 && in_pool "$(field c3 ip)" && [ "$(field c3 ip)" != "$IP1" ] && [ "$(field c3 ip)" != "$IP2" ]; then
  ok "c3, new, gets another address: $(field c3 ip)"
else
  notok "c3 after the restart: $(cat "$NL_DIR/c3.out" 2>/dev/null) (c1 $IP1, c2 $IP2)"
fi
for h in c1 c2; do
  if in_ns "$h" ping -c 2 -W 2 -i 0.2 "$SVI" >/dev/null 2>&1; then ok "$h pings the SVI after the restart"
  else notok "$h pings the SVI after the restart"; fi
done
# ------------------------------------------- 3. from an intent (sxcd)
# sxdp started afresh on a state_dir of its own (nothing of the phases
# above carried over) and no table written by hand: sxcd programs it from
# a slice's dhcp
kill "$(cat "$NL_DIR/c2.pid" 2>/dev/null)" 2>/dev/null
nl_stop_sxdp >/dev/null 2>&1
STATE_DIR="$NL_DIR/lib-sxcd" LEASE_FILE="$NL_DIR/lib-sxcd/dhcp-leases.json"
for h in c1 c3; do ip -n "$(ns "$h")" addr flush dev eth0; done
if [ ! -x "$SXCD" ]; then
  skip "the same through sxcd (sxctl apply of a slice's dhcp)" "$SXCD is not built"
  finish
fi
if ! sw_launch "dhe$TAG" '"switch"'; then notok "sxdp starts for sxcd"; finish; fi
API_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
head -c 32 /dev/urandom | base64 | tr -d '=+/\n' >"$NL_DIR/token"
chmod 600 "$NL_DIR/token"
"$SXCD" --socket "$NL_SOCK" --store "$NL_DIR/store" --listen "127.0.0.1:$API_PORT" \
  --token-file "$NL_DIR/token" --resync-ms 1000 --no-netlink >>"$NL_DIR/sxcd.log" 2>&1 &
CD_PID=$!
if wait_for "$BOUND" api status >/dev/null 2>&1; then ok "sxdp (state_dir $STATE_DIR, no tables) and sxcd started"
else notok "sxcd starts within $BOUND s"; finish; fi

SVI_IP=10.0.1.1 POOL2=10.0.1.160-10.0.1.199 STATIC3=10.0.1.77
slice_json() { # NAME ID DHCP-JSON [MEMBERS-JSON [SVI-ADDRESS SVI-MAC]]
  cat <<EOF
{"kind": "slices", "metadata": {"name": "$1"}, "spec": {"id": $2, "members": ${4:-[]},
  "svi": {"address": "${5:-$SVI_IP/24}", "mac": "${6:-$SVI_MAC}"}, "dhcp": $3}}
EOF
}
cat >"$NL_DIR/intents.json" <<EOF
{"items": [
 {"kind": "site", "spec": {"id": 1, "lan": [{"port": "c1"}, {"port": "c2"}, {"port": "c3"}]}},
 $(slice_json vdn 11 '{"pool": "'$POOL2'", "dns": ["'$SVI_IP'"], "lease_s": 600,
   "static": [{"mac": "'"${MAC[c3]}"'", "ip": "'$STATIC3'"}]}' '[{"port": "c1"}, {"port": "c2"}, {"port": "c3"}]')
]}
EOF
phase_of() { # NAME: its phase
  api get slices "$1" --json 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin); d = d.get("items", [d])[0] if isinstance(d, dict) else d[0]
print(d.get("status", {}).get("phase"))' 2>/dev/null
}
status_of() { # NAME: its status, one line
  api get slices "$1" --json 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin); d = d.get("items", [d])[0] if isinstance(d, dict) else d[0]
print(json.dumps(d.get("status", {}), sort_keys=True))' 2>/dev/null
}
entries() { # TABLE: its entries, one line each (match -> action params)
  ctl --json table show "$1" --all 2>/dev/null | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for e in sorted(d.get("entries", d) if isinstance(d, dict) else d, key=lambda e: json.dumps(e["match"], sort_keys=True)):
    print(json.dumps(e["match"], sort_keys=True), e["action"], json.dumps(e.get("params", {}), sort_keys=True))'
}
http_get() { # PATH
  "$PY" -c '
import sys, urllib.request as u
t = open(sys.argv[2]).read().strip()
print(u.urlopen(u.Request(sys.argv[1], headers={"Authorization": "Bearer " + t}), timeout=10).read().decode())' \
    "http://127.0.0.1:$API_PORT$1" "$NL_DIR/token"
}
want_pool='{"bd": 11, "vrf": 11} pool {"dns1": "10.0.1.1", "first": "10.0.1.160", "last": "10.0.1.199", "lease_s": 600, "router": "10.0.1.1"}'
want_static='{"bd": 11, "mac": "'"${MAC[c3]^^}"'"} static {"ip": "10.0.1.77"}'
if out=$(api apply -f "$NL_DIR/intents.json" --wait 2>&1) && wait_eq "$BOUND" Ready phase_of vdn &&
   [ "$(entries dhcp_pools)" = "$want_pool" ] && [ "$(entries dhcp_static)" = "$want_static" ]; then
  ok "sxctl apply: slice vdn's dhcp Ready, compiled to dhcp_pools and dhcp_static"
else
  notok "apply: $(printf '%s' "$out" | tr '\n' ' ' | head -c 300); vdn $(status_of vdn | head -c 300); pools $(entries dhcp_pools); static $(entries dhcp_static)"
  finish
fi
in_pool2() { case $1 in 10.0.1.1[6-9][0-9]) return 0 ;; esac; return 1; }
if udhcpc_run c1 && in_pool2 "$(field c1 ip)" && [ "$(field c1 router)" = "$SVI_IP" ]; then
  ok "c1 (udhcpc) gets an address of the intent's pool: $(cat "$NL_DIR/c1.out")"
else notok "c1 from the intent's pool: $(cat "$NL_DIR/c1.out" 2>/dev/null); $(tail -3 "$NL_DIR/c1.log" | tr '\n' ' ')"; fi
if udhcpc_run c3 && [ "$(field c3 ip)" = "$STATIC3" ]; then ok "c3 (udhcpc) gets its static address $STATIC3"
else notok "c3's static lease: $(cat "$NL_DIR/c3.out" 2>/dev/null), want $STATIC3"; fi
IP1=$(field c1 ip)
want3="${MAC[c1]} $IP1 bound
${MAC[c3]} $STATIC3 bound"
if [ "$(leases)" = "$want3" ] &&
   ctl dhcp leases 11 | grep -q "^vrf 11: 2 bound (1 static)" &&
   ctl --json dhcp leases 11 | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["file"] == sys.argv[1] and len(d["leases"]) == 2 else 1)' "$LEASE_FILE"; then
  ok "sxctl dhcp leases 11: both bound, one static, in $LEASE_FILE"
else notok "sxctl dhcp leases: $(ctl dhcp leases 2>&1 | tr '\n' '|' | head -c 400)"; fi
if http_get /api/v1/counters | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["dhcp"]
s = [x for x in d["slices"] if x["vrf"] == 11]
sys.exit(0 if s and s[0]["slice"] == "vdn" and s[0]["bound"] == 2 and d["leases"] >= 2
         and d["events"].get("ack", 0) >= 2 else 1)'; then
  ok "sxcd's counters: dhcp (slice vdn, 2 bound, its ACKs)"
else notok "sxcd's counters, dhcp: $(http_get /api/v1/counters 2>&1 | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin).get("dhcp"))[:300])' 2>&1)"; fi
# a malformed request (c2 still has its address of phase 1): dhcp.malformed
in_ns c2 "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("0.0.0.0", 68))
s.sendto(b"\x01" * 20, ("255.255.255.255", 67))'
wait_for 5 sh -c "\"$SXCTL\" --socket \"$NL_SOCK\" --json stats | grep -q '\"dhcp.malformed\": [1-9]'"
http_get /metrics >"$NL_DIR/metrics" 2>&1
if grep -q '^sxdp_dhcp_leases{vrf="11",state="bound"} 2$' "$NL_DIR/metrics" &&
   grep -q '^sxdp_events_total{event="dhcp.ack"} [1-9]' "$NL_DIR/metrics" &&
   grep -q '^sxdp_drops_total{reason="dhcp.malformed"} [1-9]' "$NL_DIR/metrics"; then
  ok "/metrics: sxdp_dhcp_leases, sxdp_events_total{event=dhcp.ack}, sxdp_drops_total{reason=dhcp.malformed}"
else notok "/metrics: $(grep -E 'dhcp' "$NL_DIR/metrics" | grep -v table | head -8 | tr '\n' '|')"; fi

# a pool holding the SVI's address: the apply refused (sxcd compiles it
# first) at its pointer, nothing stored or written
slice_json bad 12 '{"pool": "10.0.2.1-10.0.2.9"}' '[]' 10.0.2.1/24 02:5e:00:00:01:02 >"$NL_DIR/bad.json"
if bad_out=$(api apply -f "$NL_DIR/bad.json" --wait 2>&1); then bad_rc=0; else bad_rc=$?; fi
if [ "$bad_rc" -ne 0 ] && [[ $bad_out == *'/spec/dhcp/pool'* && $bad_out == *"SVI's own address"* ]] &&
   [[ $(status_of bad) != *phase* ]] && [ "$(entries dhcp_pools)" = "$want_pool" ]; then
  ok "a pool holding the SVI's address: refused at /spec/dhcp/pool, nothing stored or written"
else notok "a pool holding the SVI's address: rc $bad_rc $(printf '%s' "$bad_out" | tr '\n' ' ' | head -c 300); bad $(status_of bad); pools $(entries dhcp_pools)"; fi

# sxdp restarted (not a takeover): its leases read back from its file,
# its tables programmed again by sxcd alone (a new boot_id)
nl_stop_sxdp >/dev/null 2>&1
if ! sw_launch "dhe$TAG" '"switch"'; then notok "sxdp starts again"; finish; fi
if [ "$(leases)" = "$want3" ]; then ok "sxdp restarted: both leases read back from $LEASE_FILE"
else notok "after the restart dhcp.leases: $(leases | tr '\n' ';'), want $(echo "$want3" | tr '\n' ';')"; fi
if wait_eq "$BOUND" "$want_pool" entries dhcp_pools && wait_eq "$BOUND" Ready phase_of vdn; then
  ok "sxcd programmed the restarted sxdp by itself: the pool back, vdn Ready"
else notok "sxcd's reconcile: pools '$(entries dhcp_pools)', vdn $(status_of vdn | head -c 300)"; fi
if udhcpc_run c1 && [ "$(field c1 ip)" = "$IP1" ]; then ok "c1 keeps its address $IP1 across the restart"
else notok "c1 after the restart: $(cat "$NL_DIR/c1.out" 2>/dev/null), want $IP1"; fi
if udhcpc_run c3 && [ "$(field c3 ip)" = "$STATIC3" ]; then ok "c3 keeps its static $STATIC3"
else notok "c3 after the restart: $(cat "$NL_DIR/c3.out" 2>/dev/null)"; fi
if in_ns c1 ping -c 2 -W 2 -i 0.2 "$SVI_IP" >/dev/null 2>&1; then ok "c1 pings the SVI from its lease"
else notok "c1 pings the SVI after the restart"; fi
kill "$CD_PID" 2>/dev/null && wait "$CD_PID" 2>/dev/null
CD_PID=
if nl_stop_sxdp; then ok "sxdp stops cleanly"; else notok "sxdp stops cleanly"; fi
finish
