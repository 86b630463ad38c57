#!/usr/bin/env bash
# e2e fleet: N sites (FLEET_SITES, 3 by default; the issue's goal is 8),
# each an sxdp (AF_PACKET on veths, sleeping workers) and an sxcd in its
# own network namespace, all on one 3-member etcd cluster, joined by a
# full-mesh overlay compiled from the fleet's intents (every site a peer of
# every other, one red and one green slice stretched over all of them),
# written through site 1 alone (sxctl apply of a fleet document).
#
#   root: bridge mg (10.99.0.1: the 3 etcd members, sxcd's REST)
#         bridge ul (the WAN underlay, 192.0.2.0/24)
#   site i: netns s<i>: sxdp lan1, lan2, wan1 (192.0.2.i); sxcd on 10.99.0.(10+i)
#           netns r<i> (red host 10.10.0.i) on lan1, g<i> (green host
#           10.10.0.(100+i)) on lan2: one subnet, two slices
#
# Checks: every box live in the fleet view with every intent Ready; each
# host pings the other sites' hosts of its own slice and none of the
# other's; a new slice stretched over every site, then changes of it: the
# time from the acknowledged write to the last box's Ready, printed.
# Faults: one etcd member killed (writes still acknowledged, every box
# converges); one sxcd killed -9 and started again (no table write); site
# 1's sxcd made the fleet's enrolment authority, and a new box in a netns of
# its own, given site 1's address and a one-time token alone, enrols and
# converges (the token used again is refused).
# The etcd leader killed -9 during a burst of writes through every box
# (every acknowledged write in the store and Ready on every box, the others
# counted); one box cut off from the store with nftables (it forwards on
# its last state, shows stale in the fleet view; the fleet changes and etcd
# compacts behind it; healed, it reads everything again and is Ready on the
# change within 2 s).
# Ends with "N passed, M failed"; 77 without netns/veth or etcd.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(cd "$(dirname "$0")" && pwd)/common.sh"

SXCD=$BUILD/sxcd
N=${FLEET_SITES:-3}
CHANGES=${FLEET_CHANGES:-5}
TAG=$$
P="flt$TAG"
nsn() { printf '%s-%s' "$P" "$1"; }
in_ns() { local n=$1; shift; ip netns exec "$(nsn "$n")" "$@"; }
api() { local i=$1; shift; "$SXCTL" --api "http://10.99.0.$((10 + i)):8181" --token-file "$DIR/token" "$@"; }
PIDS=()

command -v etcd >/dev/null || { echo "SKIP: etcd is not installed (apt-get install etcd-server)"; exit 77; }
[ -x "$SXCD" ] || { notok "$SXCD is missing: build first"; finish; }

# what an earlier run left (its pid gone)
for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^flt[0-9]+-') \
         $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^flt[0-9]+-'); do
  pid=${n#flt}; pid=${pid%%-*}
  kill -0 "$pid" 2>/dev/null && continue
  nl_ns_del "$n" || ip link del "$n" 2>/dev/null
done

DIR=$(mktemp -d /tmp/sxdp-e2e-fleet.XXXXXX)
cleanup() {
  local p i
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  if [ "$fail" -ne 0 ]; then
    for f in "$DIR"/sxcd-s1.log "$DIR"/sxdp-s1.log "$DIR"/etcd-e1.log; do
      [ -f "$f" ] && { echo "# $f:"; tail -15 "$f" | sed 's/^/#   /'; }
    done
  fi
  for i in $(seq 1 "$N"); do
    for p in s r g; do nl_ns_del "$(nsn "$p$i")"; done
    rm -rf "/var/run/dpdk/$(nsn "s$i")"
  done
  nl_ns_del "$(nsn nx)"
  ip link del "$(nsn mg)" 2>/dev/null
  ip link del "$(nsn ul)" 2>/dev/null
  [ -n "${FLEET_KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------- topology
topo() {
  local i c
  ip link add "$(nsn mg)" type bridge && ip addr add 10.99.0.1/24 dev "$(nsn mg)" &&
    ip link set "$(nsn mg)" up || return 1
  ip link add "$(nsn ul)" type bridge && ip link set "$(nsn ul)" up || return 1
  for i in $(seq 1 "$N"); do
    for c in s r g; do
      ip netns add "$(nsn "$c$i")" || return 1
      ip -n "$(nsn "$c$i")" link set lo up
      in_ns "$c$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    done
    ip link add "$(nsn "m$i")" type veth peer name m0 netns "$(nsn "s$i")" || return 1
    ip link set "$(nsn "m$i")" master "$(nsn mg)" up
    ip -n "$(nsn "s$i")" addr add "10.99.0.$((10 + i))/24" dev m0
    ip -n "$(nsn "s$i")" link set m0 up
    ip link add "$(nsn "w$i")" type veth peer name wan1 netns "$(nsn "s$i")" || return 1
    ip link set "$(nsn "w$i")" master "$(nsn ul)" up
    sysctl -qw "net.ipv6.conf.$(nsn "w$i").disable_ipv6=1" "net.ipv6.conf.$(nsn "m$i").disable_ipv6=1"
    ip -n "$(nsn "s$i")" link add lan1 type veth peer name eth0 netns "$(nsn "r$i")" || return 1
    ip -n "$(nsn "s$i")" link add lan2 type veth peer name eth0 netns "$(nsn "g$i")" || return 1
    for c in lan1 lan2 wan1; do ip -n "$(nsn "s$i")" link set "$c" up; done
    ip -n "$(nsn "r$i")" addr add "10.10.0.$i/24" dev eth0
    ip -n "$(nsn "g$i")" addr add "10.10.0.$((100 + i))/24" dev eth0
    for c in r g; do
      ip -n "$(nsn "$c$i")" link set eth0 mtu 1450 up
      in_ns "$c$i" ethtool -K eth0 tx off >/dev/null 2>&1
    done
  done
}
if ! topo; then notok "topology: $N sites' netns, a management and an underlay bridge"; finish; fi
ok "topology: $N sites (sxdp netns, a red and a green host each), management and underlay bridges"

# ------------------------------------------------------------- etcd
free_ports() { "$PY" -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("10.99.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"; }
read -r -a PORTS <<<"$(free_ports 6)"
CLUSTER="" EPS=""
declare -A ETCD_PID
for k in 1 2 3; do
  CLUSTER+="${CLUSTER:+,}e$k=http://10.99.0.1:${PORTS[$((k + 2))]}"
  EPS+="${EPS:+,}10.99.0.1:${PORTS[$((k - 1))]}"
done
start_etcd() { # k (a member started again keeps its data dir: it rejoins)
  local k=$1
  etcd --name "e$k" --data-dir "$DIR/e$k" \
    --listen-client-urls "http://10.99.0.1:${PORTS[$((k - 1))]}" \
    --advertise-client-urls "http://10.99.0.1:${PORTS[$((k - 1))]}" \
    --listen-peer-urls "http://10.99.0.1:${PORTS[$((k + 2))]}" \
    --initial-advertise-peer-urls "http://10.99.0.1:${PORTS[$((k + 2))]}" \
    --initial-cluster "$CLUSTER" --initial-cluster-state new \
    --auto-compaction-mode periodic --auto-compaction-retention 1h >>"$DIR/etcd-e$k.log" 2>&1 &
  PIDS+=($!)
  ETCD_PID[$k]=$!
}
for k in 1 2 3; do start_etcd "$k"; done
etcd_up() { ETCDCTL_API=3 etcdctl --endpoints "$EPS" endpoint health >/dev/null 2>&1; }
for _ in $(seq 100); do etcd_up && break; sleep 0.1; done
if etcd_up; then ok "etcd: 3 members ($EPS)"; else notok "etcd: 3 members"; finish; fi

# ------------------------------------------------------------- sxdp, sxcd
head -c 24 /dev/urandom | base64 >"$DIR/token" && chmod 600 "$DIR/token"
start_site() { # i
  local i=$1 sock="$DIR/s$1.sock" n
  cat >"$DIR/sxdp-s$i.json" <<EOF
{
  "eal": [$(nl_eal_mem 256), "--no-pci", "--file-prefix", "$(nsn "s$i")"],
  "lcores": {"main": 0, "workers": [1]},
  "socket": "$sock",
  "mbufs": 8191,
  "idle_sleep_max_us": 1000,
  "pipeline": {"lan": "switch", "wan": "overlay"},
  "ports": [
    {"name": "lan1", "devargs": "net_af_packet0,iface=lan1,qpairs=1", "role": "lan", "rx_queues": 1, "rxd": 1024, "txd": 1024},
    {"name": "lan2", "devargs": "net_af_packet1,iface=lan2,qpairs=1", "role": "lan", "rx_queues": 1, "rxd": 1024, "txd": 1024},
    {"name": "wan1", "devargs": "net_af_packet2,iface=wan1,qpairs=1", "role": "wan", "rx_queues": 1, "rxd": 1024, "txd": 1024}
  ]
}
EOF
  # ip netns exec execs: $! is the process itself (a function's would be a subshell)
  ip netns exec "$(nsn "s$i")" "$SXDP" --config "$DIR/sxdp-s$i.json" --socket "$sock" >"$DIR/sxdp-s$i.log" 2>&1 </dev/null &
  PIDS+=($!)
  for n in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
  [ -S "$sock" ] || return 1
  start_sxcd "$i"
}
declare -A CD_PID
start_sxcd() { # i
  local i=$1 n
  # plain HTTP between this test's own namespaces (test_sxcd_front.py has the TLS)
  ip netns exec "$(nsn "s$i")" "$SXCD" --socket "$DIR/s$i.sock" --store "etcd://$EPS/fleet" --site "s$i" \
    --state-dir "$DIR/state-s$i" --listen "10.99.0.$((10 + i)):8181" --token-file "$DIR/token" \
    --resync-ms 1000 --no-netlink --insecure-plain-http >>"$DIR/sxcd-s$i.log" 2>&1 &
  CD_PID[$i]=$!
  PIDS+=($!)
  for n in $(seq 50); do api "$i" status >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
for i in $(seq 1 "$N"); do
  if ! start_site "$i"; then notok "site $i: sxdp and sxcd start"; finish; fi
done
ok "$N sites: sxdp (AF_PACKET, idle_sleep_max_us 1000) and sxcd (on etcd) each"

# ------------------------------------------------------------- intents
"$PY" - "$N" >"$DIR/fleet.json" <<'EOF'
import json, sys
n = int(sys.argv[1])
items = []
for i in range(1, n + 1):
    items.append({"kind": "site", "site": "s%d" % i, "spec": {
        "id": i, "lan": [{"port": "lan1"}, {"port": "lan2"}],
        "wan": [{"name": "isp1", "port": "wan1", "address": "192.0.2.%d/24" % i}]}})
    items.append({"kind": "peers", "metadata": {"name": "s%d" % i}, "spec": {
        "id": i, "endpoints": [{"address": "192.0.2.%d" % i, "wan": "isp1"}],
        "probe": {"how": "icmp", "interval_ms": 100, "down_after": 3, "up_after": 2}}})
for name, sid, vni, port in (("red", 1, 5000, "lan1"), ("green", 2, 5001, "lan2")):
    items.append({"kind": "slices", "metadata": {"name": name}, "spec": {
        "id": sid, "vni": vni, "members": [{"port": port}], "subnets": ["10.10.0.0/24"]}})
print(json.dumps({"items": items}))
EOF
if out=$(api 1 apply -f "$DIR/fleet.json" 2>&1); then
  ok "the fleet's intents applied through site 1 alone ($(printf '%s\n' "$out" | wc -l) changes)"
else
  notok "apply through site 1: $(printf '%s' "$out" | head -c 600)"; finish
fi

# every box live, every intent Ready on each (NAME: only the ones named)
fleet_ready() { # seconds [intent]
  local end=$((SECONDS + $1))
  while [ $SECONDS -le "$end" ]; do
    api 1 --json fleet 2>/dev/null | "$PY" -c '
import json, sys
v, n, want = json.load(sys.stdin), int(sys.argv[1]), sys.argv[2]
bx = [b for b in v["boxes"] if b["state"] == "live"]
ok = len(bx) == n and all(i["phase"] == "Ready" for b in bx for w, i in b["intents"].items()
                          if not want or w == want) and (not want or all(want in b["intents"] for b in bx))
sys.exit(0 if ok else 1)' "$N" "${2:-}" && return 0
    sleep 0.2
  done
  return 1
}
if fleet_ready 60; then
  ok "the fleet view: $N boxes live, every intent Ready on every box"
else
  notok "the fleet converged: $(api 1 fleet 2>&1 | head -c 1500)"; finish
fi

# ------------------------------------------------------------- reachability
# a site's hosts ping every other site's host of their slice at once,
# PING_SITES sites at a time: each host one shell in its netns (ip netns
# exec costs more than a ping here) starting its pings side by side,
# "ADDR RC" each
# shotgun HOST ADDR...: the lines on stdout
shotgun() {
  local h=$1; shift
  # shellcheck disable=SC2016  # expanded by the shell in the netns
  in_ns "$h" bash -c 'for a; do (ping -c 3 -i 0.2 -w 4 -q "$a" >/dev/null 2>&1; echo "$a $?") & done; wait' _ "$@"
}
PING_SITES=3
pings_ok=0 pings_bad=0
for i0 in $(seq 1 "$PING_SITES" "$N"); do
  pids=() group=$(seq "$i0" "$((i0 + PING_SITES - 1 < N ? i0 + PING_SITES - 1 : N))")
  for i in $group; do
    for c in r g; do
      addrs=()
      for j in $(seq 1 "$N"); do
        [ "$i" -eq "$j" ] || addrs+=("$([ "$c" = r ] && echo "10.10.0.$j" || echo "10.10.0.$((100 + j))")")
      done
      shotgun "$c$i" "${addrs[@]}" >"$DIR/pings.$c$i" &
      pids+=($!)
    done
  done
  wait "${pids[@]}"
  for i in $group; do
    for c in r g; do
      while read -r addr rc; do
        if [ "$rc" = 0 ]; then
          pings_ok=$((pings_ok + 1))
        else
          pings_bad=$((pings_bad + 1)); echo "#   $c$i -> $addr: no answer"
        fi
      done <"$DIR/pings.$c$i"
    done
  done
done
if [ "$pings_bad" -eq 0 ]; then ok "every host pings every other site's host of its slice ($pings_ok pairs)"
else notok "in-slice pings: $pings_bad of $((pings_ok + pings_bad)) failed"; fi
cross=0 red=() green=()
for j in $(seq 2 "$N"); do red+=("10.10.0.$((100 + j))") green+=("10.10.0.$j"); done
while read -r _ rc; do [ "$rc" != 0 ] || cross=$((cross + 1)); done < <(shotgun r1 "${red[@]}"; shotgun g1 "${green[@]}")
if [ "$cross" -eq 0 ]; then ok "no host reaches the other slice's hosts"; else notok "$cross cross-slice pings answered"; fi

# ------------------------------------------------------------- convergence
# a slice stretched over every site, then changed: acknowledged write ->
# the last box's Ready (each box's own API, polled from here)
converge() { # changes first-serial
"$PY" - "$N" "$1" "$DIR/token" "$2" <<'EOF'
import json, sys, time, urllib.request
n, changes, tok = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3]).read().strip()
first = int(sys.argv[4])
def req(i, method, path, body=None):
    r = urllib.request.Request("http://10.99.0.%d:8181/api/v1/%s" % (10 + i, path),
                               json.dumps(body).encode() if body is not None else None,
                               {"Content-Type": "application/json", "Authorization": "Bearer " + tok},
                               method=method)
    try:
        with urllib.request.urlopen(r, timeout=5) as a:
            return a.status, json.loads(a.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")
times = []
for k in range(changes):
    spec = {"id": 3, "vni": 5002, "members": [], "subnets": ["10.30.%d.0/24" % (first + k)]}
    c, b = req(1, "PUT", "slices/blue", {"spec": spec})
    t0 = time.monotonic()
    if c not in (200, 201):
        print("write %d: %d %s" % (k, c, b)); sys.exit(1)
    gen, left = b["metadata"]["generation"], set(range(1, n + 1))
    while left:
        for i in list(left):
            c, d = req(i, "GET", "slices/blue")
            if c == 200 and d["metadata"]["generation"] == gen and d["status"]["phase"] == "Ready" \
                    and d["status"].get("observedGeneration") == gen:
                left.discard(i)
        if time.monotonic() - t0 > 10:
            print("change %d: boxes %s not Ready in 10 s" % (k, sorted(left))); sys.exit(1)
        time.sleep(0.005)
    times.append((time.monotonic() - t0) * 1000)
times.sort()
print("%d changes over %d sites: p50 %.0f ms, max %.0f ms" % (len(times), n, times[len(times) // 2], times[-1]))
EOF
}
if conv=$(converge "$CHANGES" 0); then ok "convergence: $conv"; else notok "convergence: $conv"; fi

# ------------------------------------------------------------- faults
# one etcd member killed: writes are acknowledged and every box converges
kill "${ETCD_PID[3]}" && wait "${ETCD_PID[3]}" 2>/dev/null
if conv=$(converge 3 100); then ok "one etcd member of 3 killed: $conv"; else notok "one member killed: $conv"; fi

# sxcd of site 2 killed -9 and started again, nothing changed: no table write
intents_ready() { api 2 --json status 2>/dev/null | "$PY" -c '
import json, sys
s = json.load(sys.stdin)
sys.exit(0 if s["sxdp"]["reconcile"]["runs"] > 0 and set(s["intents"]) == {"Ready"} else 1)'; }
kill -9 "${CD_PID[2]}"; wait "${CD_PID[2]}" 2>/dev/null
if start_sxcd 2; then
  for _ in $(seq 100); do intents_ready && break; sleep 0.1; done
  sleep 1.5  # a resync more
  w=$(api 2 --json status | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["sxdp"]["reconcile"]["writes"])')
  if intents_ready && [ "$w" = 0 ]; then ok "site 2's sxcd killed -9, started again: every intent Ready, no table write"
  else notok "site 2's sxcd after kill -9: $w table writes, $(api 2 status 2>&1 | tail -3 | tr '\n' ' ')"; fi
else
  notok "site 2's sxcd started again"
fi

# ------------------------------------------------------------- the leader killed under writes
start_etcd 3
for _ in $(seq 100); do [ "$(ETCDCTL_API=3 etcdctl --endpoints "$EPS" endpoint health 2>&1 | grep -c 'is healthy')" = 3 ] && break; sleep 0.1; done
leader=$(ETCDCTL_API=3 etcdctl --endpoints "$EPS" endpoint status -w json 2>/dev/null | "$PY" -c '
import json, sys
for e in json.load(sys.stdin):
    if e["Status"]["header"]["member_id"] == e["Status"]["leader"]:
        print(e["Endpoint"].rsplit(":", 1)[1])' | head -1)
lk=0
for k in 1 2 3; do [ "${PORTS[$((k - 1))]}" = "$leader" ] && lk=$k; done
if [ "$lk" -eq 0 ]; then
  notok "the etcd leader found (3 members healthy again)"
else
  # the burst: 24 new slices, written through every box in turn by 4
  # clients; the leader killed once a quarter are stored
  "$PY" - "$N" "$DIR/token" "$DIR/burst.json" <<'PYEOF' &
import json, sys, threading, time, urllib.request
n, tok, out = int(sys.argv[1]), open(sys.argv[2]).read().strip(), sys.argv[3]
res, lock = {}, threading.Lock()
def put(k):
    i = k % n + 1
    body = {"spec": {"id": 10 + k, "vni": 6010 + k, "members": [], "subnets": ["10.40.%d.0/24" % k]}}
    r = urllib.request.Request("http://10.99.0.%d:8181/api/v1/slices/burst%d" % (10 + i, k),
                               json.dumps(body).encode(), {"Content-Type": "application/json",
                               "Authorization": "Bearer " + tok}, method="PUT")
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(r, timeout=30) as a:
            code, b = a.status, json.loads(a.read())
    except urllib.error.HTTPError as e:
        code, b = e.code, json.loads(e.read() or b"null")
    except OSError as e:
        code, b = 0, {"error": str(e)}
    with lock:
        res[k] = {"code": code, "body": b, "ms": (time.monotonic() - t0) * 1000}
def worker(ks):
    for k in ks:
        put(k)
        time.sleep(0.05)
ts = [threading.Thread(target=worker, args=(range(w, 24, 4),)) for w in range(4)]
for t in ts: t.start()
for t in ts: t.join()
json.dump(res, open(out, "w"))
PYEOF
  bpid=$!
  for _ in $(seq 200); do
    [ "$(ETCDCTL_API=3 etcdctl --endpoints "$EPS" get --prefix /fleet/intents/slices/burst --keys-only 2>/dev/null | grep -c burst)" -ge 6 ] && break
    sleep 0.02
  done
  kill -9 "${ETCD_PID[$lk]}"; wait "${ETCD_PID[$lk]}" 2>/dev/null
  wait "$bpid"
  # the store (2 members, a new leader) against what was acknowledged
  for _ in $(seq 50); do
    ETCDCTL_API=3 etcdctl --endpoints "$EPS" get --prefix /fleet/intents/slices/burst -w json 2>/dev/null >"$DIR/burst-store.json" && break
    sleep 0.2
  done
  if sum=$("$PY" - "$DIR/burst.json" "$DIR/burst-store.json" <<'PYEOF'
import base64, json, sys
res, st = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
store = {}
for kv in st.get("kvs", []):
    store[base64.b64decode(kv["key"]).decode().rsplit("/", 1)[1]] = (
        json.loads(base64.b64decode(kv["value"])), int(kv["mod_revision"]))
codes, lost, ms = {}, [], []
for k, r in res.items():
    codes[r["code"]] = codes.get(r["code"], 0) + 1
    ms.append(r["ms"])
    if r["code"] in (200, 201):
        d = store.get("burst%s" % k)
        if d is None or d[0]["spec"]["id"] != 10 + int(k) or d[1] != r["body"]["metadata"]["generation"]:
            lost.append(k)
    elif r["code"] != 503:
        lost.append("%s: %s %s" % (k, r["code"], r["body"]))
print("%d writes: %s; slowest %.0f ms; %d in the store" % (len(res), ", ".join(
    "%d x %s" % (c, k) for k, c in sorted(codes.items())), max(ms), len(store)))
if lost:
    print("acknowledged but not in the store (or answered oddly): %s" % lost)
    sys.exit(1)
PYEOF
  ); then ok "etcd leader (e$lk) killed -9 during a burst of writes: every acknowledged write stored ($sum)"
  else notok "leader killed under writes: $sum"; fi
  # every box has what the store has, Ready
  if "$PY" - "$N" "$DIR/token" "$DIR/burst-store.json" <<'PYEOF'
import base64, json, sys, time, urllib.request
n, tok, st = int(sys.argv[1]), open(sys.argv[2]).read().strip(), json.load(open(sys.argv[3]))
want = {base64.b64decode(kv["key"]).decode().rsplit("/", 1)[1]: int(kv["mod_revision"])
        for kv in st.get("kvs", [])}
def get(i, path):
    r = urllib.request.Request("http://10.99.0.%d:8181/api/v1/%s" % (10 + i, path),
                               headers={"Authorization": "Bearer " + tok})
    with urllib.request.urlopen(r, timeout=10) as a:
        return json.loads(a.read())
t0, bad = time.monotonic(), None
while time.monotonic() - t0 < 30:
    bad = None
    for i in range(1, n + 1):
        items = get(i, "slices")["items"]
        have = {d["metadata"]["name"]: d for d in items if d["metadata"]["name"].startswith("burst")}
        if set(have) != set(want) or any(have[k]["metadata"]["generation"] != g or
                                         have[k]["status"]["phase"] != "Ready" for k, g in want.items()):
            bad = "box %d: %d of %d burst slices, not all Ready at the store's revision" % (i, len(have), len(want))
            break
    if bad is None:
        print("# every box has the store's %d burst slices, Ready, %.1f s after the burst"
              % (len(want), time.monotonic() - t0))
        sys.exit(0)
    time.sleep(0.2)
print("# " + bad)
sys.exit(1)
PYEOF
  then ok "every box converged on the store after the leader's kill"
  else notok "the boxes converged after the leader's kill"; fi
  start_etcd "$lk"
fi

# ------------------------------------------------------------- a box cut off from the store
# site 3 (2 with two sites) loses etcd's ports both ways; its REST stays reachable
C=$((N >= 3 ? 3 : 2))
nft_cut() { in_ns "s$C" nft -f - <<NFEOF
table inet fleetcut {
  chain o { type filter hook output priority 0; ip daddr 10.99.0.1 tcp dport { ${PORTS[0]}, ${PORTS[1]}, ${PORTS[2]} } drop; }
  chain i { type filter hook input priority 0; ip saddr 10.99.0.1 tcp sport { ${PORTS[0]}, ${PORTS[1]}, ${PORTS[2]} } drop; }
}
NFEOF
}
box_state() { api 1 --json fleet 2>/dev/null | "$PY" -c '
import json, sys
print([b["state"] for b in json.load(sys.stdin)["boxes"] if b["site"] == sys.argv[1]][0])' "s$C"; }
store_state() { api "$C" --json status 2>/dev/null | "$PY" -c '
import json, sys
f = json.load(sys.stdin)["store"]["fleet"]
print(f["state"], f["resyncs"])'; }
read -r _ rs0 <<<"$(store_state)"
if ! nft_cut; then
  notok "nftables: site $C cut from the store"
else
  t0=$SECONDS
  for _ in $(seq 60); do [ "$(box_state)" = stale ] && break; sleep 0.25; done
  st=$(box_state)
  read -r own _ <<<"$(store_state)"
  if [ "$st" = stale ] && [ "$own" = unreachable ]; then
    ok "site $C cut from the store: stale in the fleet view after $((SECONDS - t0)) s, its sxcd says unreachable"
  else notok "site $C cut: the fleet view says '$st', its sxcd '$own'"; fi
  if in_ns "r$C" ping -c 3 -i 0.2 -w 4 -q 10.10.0.1 >/dev/null 2>&1 &&
     ! in_ns "r$C" ping -c 2 -i 0.2 -w 1 -q 10.10.0.101 >/dev/null 2>&1; then
    ok "site $C forwards on its last state while cut off (in-slice ping answered, cross-slice not)"
  else notok "site $C's forwarding while cut off"; fi
  # the fleet changes behind its back, and etcd compacts that history away
  gen=$("$PY" - "$DIR/token" <<'PYEOF'
import json, sys, urllib.request
tok = open(sys.argv[1]).read().strip()
body = {"spec": {"id": 3, "vni": 5002, "members": [], "subnets": ["10.31.0.0/24"]}}
r = urllib.request.Request("http://10.99.0.11:8181/api/v1/slices/blue", json.dumps(body).encode(),
                           {"Content-Type": "application/json", "Authorization": "Bearer " + tok},
                           method="PUT")
with urllib.request.urlopen(r, timeout=10) as a:
    print(json.loads(a.read())["metadata"]["generation"])
PYEOF
  )
  rev=$(ETCDCTL_API=3 etcdctl --endpoints "$EPS" endpoint status -w json 2>/dev/null | "$PY" -c '
import json, sys
print(max(e["Status"]["header"]["revision"] for e in json.load(sys.stdin)))')
  if [ -n "$gen" ] && ETCDCTL_API=3 etcdctl --endpoints "$EPS" compact "$rev" >/dev/null 2>&1; then
    ok "while site $C is cut off: blue changed (revision $gen), etcd compacted to $rev"
  else notok "the change ($gen) and the compaction ($rev) while site $C is cut off"; fi
  sleep 1
  in_ns "s$C" nft delete table inet fleetcut
  if took=$("$PY" - "$C" "$DIR/token" "$gen" <<'PYEOF'
import json, sys, time, urllib.request
c, tok, gen = int(sys.argv[1]), open(sys.argv[2]).read().strip(), int(sys.argv[3])
t0 = time.monotonic()
while time.monotonic() - t0 < 10:
    r = urllib.request.Request("http://10.99.0.%d:8181/api/v1/slices/blue" % (10 + c),
                               headers={"Authorization": "Bearer " + tok})
    with urllib.request.urlopen(r, timeout=5) as a:
        d = json.loads(a.read())
    if d["metadata"]["generation"] == gen and d["status"]["phase"] == "Ready" and \
            d["status"].get("observedGeneration") == gen:
        print("%.0f" % ((time.monotonic() - t0) * 1000))
        sys.exit(0)
    time.sleep(0.01)
print("not in 10 s")
sys.exit(1)
PYEOF
  ) && [ "$took" -le 2000 ]; then
    read -r own rs1 <<<"$(store_state)"
    ok "healed: site $C read everything again (resyncs $rs0 -> $rs1, $own) and is Ready on the change in $took ms"
  else notok "site $C after the heal: $took ms"; fi
  for _ in $(seq 40); do [ "$(box_state)" = live ] && break; sleep 0.25; done
  if [ "$(box_state)" = live ]; then ok "site $C live again in the fleet view"; else notok "site $C live again: $(box_state)"; fi
fi

# ------------------------------------------------------------- a new box enrolled with one token
# site 1's sxcd again, as the fleet's enrolment authority: the fleet's CA
# (what signs the boxes' client certificates) and HTTPS on its address
enrol_pki() {
  ( cd "$DIR" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout fca.key -out fca.crt \
      -subj /CN=fleet-ca -days 2 &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout s1.key -out s1.csr -subj /CN=s1 &&
    printf 'subjectAltName=IP:10.99.0.11\nextendedKeyUsage=serverAuth\n' >s1.ext &&
    openssl x509 -req -in s1.csr -CA fca.crt -CAkey fca.key -CAcreateserial -out s1.crt -days 2 -extfile s1.ext
  ) >/dev/null 2>&1
}
https1() { # METHOD PATH [BODY]: site 1 over HTTPS, the admin's token
  "$PY" - "$DIR" "$@" <<'PYEOF'
import json, ssl, sys, urllib.error, urllib.request
d, m, path = sys.argv[1:4]
body = sys.argv[4].encode() if len(sys.argv) > 4 else None
ctx = ssl.create_default_context(cafile=d + "/fca.crt")
r = urllib.request.Request("https://10.99.0.11:8181" + path, body, method=m, headers={
    "Content-Type": "application/json", "Authorization": "Bearer " + open(d + "/token").read().strip()})
try:
    with urllib.request.urlopen(r, timeout=10, context=ctx) as a:
        print(a.read().decode())
except urllib.error.HTTPError as e:
    print(e.read().decode())
    sys.exit(1)
PYEOF
}
if ! enrol_pki; then
  notok "openssl: the fleet's CA and site 1's HTTPS certificate"
else
  kill "${CD_PID[1]}" 2>/dev/null; wait "${CD_PID[1]}" 2>/dev/null
  ip netns exec "$(nsn s1)" "$SXCD" --socket "$DIR/s1.sock" --store "etcd://$EPS/fleet" --site s1 \
    --state-dir "$DIR/state-s1" --listen 10.99.0.11:8181 --token-file "$DIR/token" --resync-ms 1000 --no-netlink \
    --tls-cert "$DIR/s1.crt" --tls-key "$DIR/s1.key" --enrol-ca-cert "$DIR/fca.crt" --enrol-ca-key "$DIR/fca.key" \
    >>"$DIR/sxcd-s1.log" 2>&1 &
  CD_PID[1]=$!
  PIDS+=($!)
  for _ in $(seq 300); do https1 GET /api/v1/status >/dev/null 2>&1 && break; sleep 0.1; done
  tok=$(https1 POST /api/v1/enrolments '{"site": "nx", "ttl_s": 600}' 2>/dev/null |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["token"])' 2>/dev/null)
fi
if [ -z "${tok:-}" ]; then
  notok "site 1 as the enrolment authority (HTTPS, the fleet's CA): a token: $(tail -3 "$DIR/sxcd-s1.log" | tr '\n' ' ')"
else
  # the new box: a netns of its own on the management bridge, the address and the token alone
  ip netns add "$(nsn nx)" && ip -n "$(nsn nx)" link set lo up &&
    ip link add "$(nsn mx)" type veth peer name m0 netns "$(nsn nx)" &&
    ip link set "$(nsn mx)" master "$(nsn mg)" up && ip -n "$(nsn nx)" addr add 10.99.0.250/24 dev m0 &&
    ip -n "$(nsn nx)" link set m0 up
  printf '%s\n' "$tok" >"$DIR/nx.token" && chmod 600 "$DIR/nx.token"
  t0=$(date +%s%N)
  ip netns exec "$(nsn nx)" "$SXCD" --socket "$DIR/nx.sock" --store "$DIR/st-nx" --state-dir "$DIR/state-nx" \
    --enrol https://10.99.0.11:8181 --enrol-token-file "$DIR/nx.token" --listen 10.99.0.250:8181 \
    --token-file "$DIR/token" --no-netlink --insecure-plain-http >>"$DIR/sxcd-nx.log" 2>&1 &
  PIDS+=($!)
  nx() { "$SXCTL" --api http://10.99.0.250:8181 --token-file "$DIR/token" "$@"; }
  conv=""
  for _ in $(seq 200); do
    if nx --json status 2>/dev/null | "$PY" 2>/dev/null -c '
import json, sys
sys.exit(0 if json.load(sys.stdin)["store"]["fleet"]["state"] == "synced" else 1)' &&
       nx get slices 2>/dev/null | grep -q '^red ' && nx get slices 2>/dev/null | grep -q '^green '; then
      conv=$(( ($(date +%s%N) - t0) / 1000000 )); break
    fi
    sleep 0.1
  done
  if [ -n "$conv" ] && grep -q "CN *= *nx" <(openssl x509 -noout -subject -in "$DIR/state-nx/enrol.crt" 2>/dev/null); then
    ok "a new box in its own netns, given site 1's address and a one-time token alone, enrolled as nx (its certificate the fleet CA's) and converged on the fleet's intents in $conv ms"
  else
    notok "the new box enrolled and converged: $(tail -3 "$DIR/sxcd-nx.log" | tr '\n' ' ')"
  fi
  out=$(ip netns exec "$(nsn nx)" "$SXCD" --socket "$DIR/nx.sock" --store "$DIR/st-nxb" --state-dir "$DIR/state-nxb" \
    --enrol https://10.99.0.11:8181 --enrol-token-file "$DIR/nx.token" --listen 10.99.0.250:8182 --token-file "$DIR/token" \
    --no-netlink --insecure-plain-http 2>&1); rc=$?
  if [ "$rc" -eq 2 ] && grep -q "used" <<<"$out"; then ok "the token again: refused (used)"
  else notok "the token again: exit $rc: $out"; fi
fi

finish
