#!/bin/bash
# test_sxctl.sh: sxctl against a fake sxdp (fake_sxdp.py). Checks the exact
# requests sxctl sends, exit codes (0/1/2/3), human and --json output, and
# the client's transport handling (big, chunked, stale, slow, broken replies).
#
# usage: test_sxctl.sh [PATH_TO_SXCTL [SXDP_API_JSON]]   (or SXCTL=...;
# PYTHON3=... to pick the interpreter; the API file is the build's
# tests/sxdp-api.json, sxdp's declared control API, which the fake serves
# and judges requests by). Exit 77 = skipped (no python3).
set -u

PY=${PYTHON3:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "SKIP: python3 not found (needed for the fake sxdp server)"
	exit 77
fi

HERE=$(cd "$(dirname "$0")" && pwd)
SXCTL=${1:-${SXCTL:-}}
if [ -z "$SXCTL" ]; then
	for c in "$HERE/../../build/control/sxctl" "$HERE/../../build/sxctl"; do
		[ -x "$c" ] && SXCTL=$c && break
	done
fi
if [ -z "$SXCTL" ] || [ ! -x "$SXCTL" ]; then
	echo "Bail out! sxctl binary not found; pass it as \$1 or SXCTL"
	exit 99
fi

API=${2:-$(dirname "$SXCTL")/tests/sxdp-api.json}
if [ ! -f "$API" ]; then
	echo "Bail out! $API not found (meson builds it); pass it as \$2"
	exit 99
fi

TMP=$(mktemp -d /tmp/test_sxctl.XXXXXX)
SOCK=$TMP/sxdp.sock
LOG=$TMP/requests.log
: >"$LOG"
"$PY" "$HERE/fake_sxdp.py" "$SOCK" "$LOG" "$API" 2>"$TMP/server.err" &
SRV=$!
trap 'kill $SRV 2>/dev/null; wait $SRV 2>/dev/null; rm -rf "$TMP"' EXIT

for _ in $(seq 100); do
	[ -S "$SOCK" ] && break
	sleep 0.05
done
if [ ! -S "$SOCK" ]; then
	echo "Bail out! fake server did not start:"
	cat "$TMP/server.err"
	exit 99
fi

PASS=0
FAIL=0
N=0
OUT=$TMP/out
ERR=$TMP/err
RC=0

ok() {
	N=$((N + 1)); PASS=$((PASS + 1))
	echo "ok $N - $1"
}

not_ok() {
	N=$((N + 1)); FAIL=$((FAIL + 1))
	echo "not ok $N - $1"
	shift
	for l in "$@"; do echo "#   $l"; done
	sed 's/^/#   stdout: /' "$OUT" | head -20
	sed 's/^/#   stderr: /' "$ERR" | head -20
}

# sx ARGS...: run sxctl on the fake socket; sets RC, $OUT, $ERR.
sx() {
	"$SXCTL" --socket "$SOCK" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# expect_rc NAME WANT
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1: exit $2"
	else not_ok "$1: exit $2" "got exit $RC"; fi
}

# expect_req NAME JSON: the last request logged equals JSON (parsed).
expect_req() {
	local got
	got=$(tail -n 1 "$LOG")
	if "$PY" - "$got" "$2" <<'EOF'
import json, sys
got, want = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.exit(0 if got == want else 1)
EOF
	then ok "$1: request"
	else not_ok "$1: request" "got:  $got" "want: $2"; fi
}

# expect_grep NAME FILE PATTERN (fixed string)
expect_grep() {
	if grep -qF -- "$3" "$2"; then ok "$1: output has '$3'"
	else not_ok "$1: output has '$3'"; fi
}

# expect_json NAME PYEXPR: stdout parses as JSON and PYEXPR (on d) is true.
expect_json() {
	if "$PY" - "$OUT" "$2" <<'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    sys.exit(0 if eval(sys.argv[2]) else 1)
except Exception as e:
    print("#   %s: %s" % (type(e).__name__, e))
    sys.exit(1)
EOF
	then ok "$1: json ($2)"
	else not_ok "$1: json ($2)"; fi
}

req() { # req METHOD PARAMS-JSON: the full request sxctl must send
	echo "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}"
}

# expect_call NAME METHOD PARAMS-JSON: the last request logged is METHOD
# with these params, whatever its id (commands that read before writing).
expect_call() {
	local got
	got=$(tail -n 1 "$LOG")
	if "$PY" - "$got" "$2" "$3" <<'EOF'
import json, sys
got = json.loads(sys.argv[1])
sys.exit(0 if got.get("method") == sys.argv[2] and
         got.get("params") == json.loads(sys.argv[3]) else 1)
EOF
	then ok "$1: $2 request"
	else not_ok "$1: $2 request" "got:  $got" "want: $2 $3"; fi
}

# expect_calls NAME FROM "METHOD ...": the methods of the requests logged
# after line FROM, in order, table.read as table.read:TABLE/OFFSET; ids
# must count up from 1 (one connection per sxctl run).
expect_calls() {
	local got
	got=$(tail -n "+$(($2 + 1))" "$LOG" | "$PY" -c '
import json, sys
out = []
for i, l in enumerate(sys.stdin):
    r = json.loads(l)
    m = r["method"]
    if m == "table.read":
        m += ":%s/%d" % (r["params"]["table"], r["params"].get("offset", 0))
    if r["id"] != i + 1:
        m += "(id %s)" % r["id"]
    out.append(m)
print(" ".join(out))')
	if [ "$got" = "$3" ]; then ok "$1: requests $3"
	else not_ok "$1: requests $3" "got: $got"; fi
}

# expect_out NAME TEXT: stdout is exactly TEXT.
expect_out() {
	if [ "$(cat "$OUT")" = "$2" ]; then ok "$1: output"
	else not_ok "$1: output" "want: $2"; fi
}

# --- help and usage errors (exit 2, nothing sent) ---------------------------
"$SXCTL" --help >"$OUT" 2>"$ERR"; RC=$?
expect_rc "--help" 0
for c in hello ports "stats [clear]" "port-stats [PORT]" xdp "describe [TABLE]" \
	discover "table add" "table mod" "table del" "table default" \
	"table show" "table clear" "table load" "raw METHOD" \
	"slice attach PORT [vlan V] slice S bd B [routed]" "slice detach PORT [vlan V]" \
	"svi add SLICE BD MAC IP/PLEN" "svi del SLICE BD [ipv6]" \
	"route add VRF PREFIX via NH" "route add VRF PREFIX ecmp NH1 NH2" \
	"route add VRF PREFIX drop" "route del VRF PREFIX" "route show [VRF]" \
	"route show6 [VRF]" "neigh show6 [VRF]" \
	"mac add BD MAC PORT" "mac del BD MAC" "mac show [BD]" \
	"mac ageing SECONDS" "neigh add VRF IP PORT VLAN DMAC SMAC" \
	"neigh del VRF IP" "neigh show [VRF]" \
	"vtep add IP" "vtep del IP" "site add SITE endpoint IP" "site del IP" \
	"vni add VNI slice S bd B" "vni add VNI slice S l3" "vni del VNI" \
	"path add ID src IP dst IP gw IP vrf VRF [mtu N] [probe static|sxdp|icmp|bfd]" \
	"[interval MS] [down N] [up N] [hold MS] [sealed]" "path del ID" "path show" \
	"tunnel add ID slice S vni V path P [geneve] [ttl N|copy] [dscp N|copy] [csum]" \
	"[rmac MAC] [peer IP ...] [flood BD]" "tunnel del ID" "tunnel show" \
	"policy set TUNNEL CLASS failover P0 [P1 [P2 [P3]]]" \
	"policy set TUNNEL CLASS balance P0:W0 [P1:W1 ...]" \
	"policy set TUNNEL CLASS sla P0 [P1 ...] [rtt MS] [jitter MS] [loss PCT]" \
	"policy del TUNNEL CLASS" "policy show [TUNNEL]" "app add SLICE APP class CLASS" \
	"class add SLICE CLASS prio N [src PREFIX] [dst PREFIX] [proto N] [sport A[-B]]" \
	"[dport A[-B]] [dscp N]" "class del SLICE CLASS [prio N]"; do
	expect_grep "--help" "$OUT" "$c"
done

# --- version: the project's, as sxdp reports it; no socket touched ----------
SXDP_BIN=$(dirname "$SXCTL")/sxdp
before=$(wc -l <"$LOG")
for v in --version -V version "--socket $TMP/nope.sock --version"; do
	# shellcheck disable=SC2086
	"$SXCTL" $v >"$OUT" 2>"$ERR"; RC=$?
	expect_rc "sxctl $v" 0
	if [ -x "$SXDP_BIN" ]; then
		want="sxctl $("$SXDP_BIN" --version | head -n 1 | cut -d' ' -f2)"
	else
		want="sxctl $(sed -n "s/^  version: '\(.*\)',$/\1/p" "$HERE/../../meson.build")"
	fi
	expect_out "sxctl $v: sxdp's version" "$want"
	if [ -s "$ERR" ]; then not_ok "sxctl $v: nothing on stderr"; else ok "sxctl $v: nothing on stderr"; fi
done
if [ "$(wc -l <"$LOG")" -eq "$before" ]; then ok "--version: nothing sent"
else not_ok "--version: nothing sent"; fi
sx version extra; expect_rc "version extra" 2

sx; expect_rc "no command" 2
expect_grep "no command usage" "$ERR" "Usage: sxctl"
sx frobnicate; expect_rc "unknown command" 2
sx table add flow in_port=p0; expect_rc "table add without action" 2
sx table add flow in_port=p0 in_port=p1 action drop
expect_rc "duplicate field" 2
sx table add flow priority x action drop; expect_rc "bad priority" 2
sx table del flow action drop; expect_rc "action on del" 2
sx table default flow in_port=p0 action drop; expect_rc "match on default" 2
sx hello --offset 3; expect_rc "option not for command" 2
sx table add flow action drop --atomicity sometimes; expect_rc "bad atomicity" 2
sx table show; expect_rc "table show without table" 2
sx raw test.echo '{bad'; expect_rc "raw bad JSON" 2
sx --timeout; expect_rc "option missing value" 2
sx table load "$TMP/nonexistent.json"; expect_rc "table load missing file" 2
sx slice attach p0 slice 1; expect_rc "slice attach without bd" 2
sx slice attach p0 vlan 4096 slice 1 bd 1; expect_rc "slice attach bad vlan" 2
sx slice attach p0 slice 1 bd 1 slice 2; expect_rc "slice attach repeated" 2
sx slice detach p0 slice 1; expect_rc "slice detach with slice" 2
sx slice move p0; expect_rc "slice bad subcommand" 2
sx svi add 1 10 02:00:00:00:01 10.0.1.1/24; expect_rc "svi add bad MAC" 2
sx svi add 1 10 02:00:00:00:01:0a 10.0.1.1/32; expect_rc "svi add /32" 2
sx svi add 1 10 02:00:00:00:01:0a 10.0.1.1; expect_rc "svi add no PLEN" 2
sx svi del 1; expect_rc "svi del missing BD" 2
sx route add 1 10.0.0.0/33 via 10.0.1.254; expect_rc "route add bad prefix" 2
sx route add 70000 10.0.0.0/8 drop; expect_rc "route add bad VRF" 2
sx route add 1 10.0.0.0/8 via 10.0.1; expect_rc "route add bad NH" 2
sx route add 1 10.0.0.0/8 via 10.0.1.1 10.0.1.2; expect_rc "route add via 2 NHs" 2
sx route add 1 10.0.0.0/8 ecmp 10.0.1.1; expect_rc "route add ecmp 1 NH" 2
sx route add 1 10.0.0.0/8 ecmp 1.1.1.1 1.1.1.2 1.1.1.3 1.1.1.4 1.1.1.5
expect_rc "route add ecmp 5 NHs" 2
sx route add 1 10.0.0.0/8; expect_rc "route add without next hop" 2
sx route del 1 10.0.0.0/8 drop; expect_rc "route del extra" 2
sx route show x; expect_rc "route show bad VRF" 2
sx route add 1 2001:db8::/32 ecmp 2001:db8:1::1 2001:db8:1::2 2001:db8:1::3
expect_rc "IPv6 route add ecmp 3 NHs" 2
expect_grep "IPv6 route add ecmp 3 NHs" "$ERR" "an IPv6 route add needs 'via NH', 'ecmp NH1 NH2' or 'drop'"
sx route add 1 2001:db8::/32 via fe80::1; expect_rc "IPv6 route via link-local" 2
sx route add 1 2001:db8::/32 via 10.0.1.1; expect_rc "IPv6 route via IPv4" 2
sx route add 1 2001:db8::/129 drop; expect_rc "IPv6 route add bad prefix" 2
sx svi add 1 10 02:00:00:00:01:0a 2001:db8::1/128; expect_rc "svi add IPv6 /128" 2
sx svi del 1 10 ipv4; expect_rc "svi del 1 10 ipv4" 2
sx route show6 x; expect_rc "route show6 bad VRF" 2
sx mac add 10 02:00:00:00:00:0b; expect_rc "mac add missing PORT" 2
sx mac add 10 02-00-00-00-00-0b p0; expect_rc "mac add bad MAC" 2
sx mac ageing 010; expect_rc "mac ageing 010" 2
expect_grep "mac ageing 010" "$ERR" "no sign or leading zero"
sx mac ageing 0x10; expect_rc "mac ageing 0x10" 2
sx route add 01 10.0.0.0/8 drop; expect_rc "route add VRF 01" 2
sx route add 1 10.0.0.0/08 drop; expect_rc "route add prefix /08" 2
sx mac ageing 31536001; expect_rc "mac ageing over a year (sxdp's limit)" 2
sx mac show 10 --limit 3; expect_rc "mac show --limit" 2
sx neigh add 1 10.0.1.254 p1 100 02:00:00:00:00:fe; expect_rc "neigh add missing SMAC" 2
sx neigh add 1 10.0.1.254 p1 5000 02:00:00:00:00:fe 02:00:00:00:01:0a
expect_rc "neigh add bad VLAN" 2
sx neigh del 1; expect_rc "neigh del missing IP" 2
# the overlay's: the words (sxctl), their values and limits (the intent
# library), both before anything is sent
PATH_WHERE="src 192.0.2.10 dst 198.51.100.20 gw 192.0.2.1"
TUN="tunnel add 24 slice 1 vni 5000 path 1"
for bad in "vtep add|missing IP" "vtep add 192.0.2|bad IP '192.0.2'" \
	"vtep add 2001:db8::g|bad IP '2001:db8::g'" \
	"vtep show|usage: vtep add|del IP" \
	"site add 2 198.51.100.20|site add needs 'endpoint IP'" \
	"site add x endpoint 198.51.100.20|bad SITE 'x' (a decimal number" \
	"site add 70000 endpoint 198.51.100.20|bad SITE 70000 (0..65535)" \
	"vni add 5000 slice 1|vni add needs 'slice S' and one of 'bd B' or 'l3'" \
	"vni add 5000 slice 1 bd 10 l3|vni add needs 'slice S' and one of 'bd B' or 'l3'" \
	"vni add 16777216 slice 1 l3|bad VNI 16777216 (0..16777215)" \
	"vni add 05000 slice 1 l3|bad VNI '05000'" "vni del 5000 l3|unexpected 'l3'" \
	"path add 1 $PATH_WHERE|path add needs 'src IP', 'dst IP', 'gw IP' and 'vrf VRF'" \
	"path add 1 $PATH_WHERE vrf 100 interval 20|a static path is not probed" \
	"path add 1 $PATH_WHERE vrf 100 hold 500|a static path is not probed" \
	"path add 1 $PATH_WHERE vrf 100 probe icmp hold 60001|bad hold 60001 (0..60000)" \
	"path add 1 $PATH_WHERE vrf 100 probe twamp|bad probe 'twamp' (static, sxdp, icmp or bfd)" \
	"path add 1 $PATH_WHERE vrf 100 probe bfd up 2|a bfd path is up when its session is" \
	"path add 0 $PATH_WHERE vrf 100|bad PATH 0 (1..65535)" \
	"path add 1 $PATH_WHERE vrf 100 probe sxdp down 256|bad down 256 (1..255)" \
	"path add 1 src 192.0.2.10 dst 198.51.100 gw 192.0.2.1 vrf 100|bad dst '198.51.100'" \
	"path add 1 src 192.0.2.10 dst 2001:db8:20::2 gw 192.0.2.1 vrf 100|a path is of one family: src is IPv4, dst is IPv6" \
	"path add 1 src 2001:db8:10::1 dst 2001:db8:20::2 gw 192.0.2.1 vrf 100|a path is of one family: src is IPv6, gw is IPv4" \
	"path add 1 src fe80::1 dst 2001:db8:20::2 gw fe80::9 vrf 100|bad src 'fe80::1' (a path's ends are global addresses" \
	"path add 1 $PATH_WHERE vrf 100 vrf 100|unexpected 'vrf'" \
	"tunnel add 24 slice 1 vni 5000|tunnel add needs 'slice S', 'vni V' and 'path P'" \
	"$TUN ttl x|bad TTL 'x'" "$TUN peer|'peer' needs a value" \
	"$TUN dscp 65|bad DSCP 65 (0..64)" "$TUN rmac 02:00|bad rmac '02:00'" \
	"$TUN peer 198.51.100.30 198.51.100.30|peer 198.51.100.30 given twice" \
	"$TUN geneve geneve|unexpected 'geneve'" "$TUN flood 70000|bad BD 70000 (0..65535)" \
	"tunnel add 0 slice 1 vni 5000 path 1|bad TUNNEL 0 (1..65535)" \
	"tunnel del 24 now|unexpected 'now'" \
	"policy set 21 0 failover|a policy picks from 1..8 paths" \
	"policy set 21 0 failover 1 2 3 4 5 6 7 8 9|a policy picks from 1..8 paths" \
	"policy set 21 0 balance 1:1 2|bad weight 0 (1..255)" \
	"policy set 21 0 failover 1:2|weights are a balance policy's" \
	"policy set 21 0 failover 1 rtt 10|rtt, jitter and loss limits are an sla policy's" \
	"policy set 21 0 sla 1 loss 101|bad loss 101 (0..100)" \
	"policy set 21 0 failover 1 copies 2|copies 2: the policy picks from 1 path(s)" \
	"app add 1 NoSuchApp class 3|unknown application 'NoSuchApp'" \
	"app add 1 DNS|app add needs 'class CLASS'" "app add 1 DNS class 256|bad CLASS 256 (1..255)" \
	"app del 1|missing APP" "app show x|bad SLICE 'x'" \
	"policy set 21 0 failover 1 2 copies 5|bad copies 5 (0..4)" \
	"policy set 21 0 failover 1 fec 1|fec: adaptive, or a block of 2..16" \
	"policy set 21 0 failover 1 fec 17|bad fec 17 (0..16)" \
	"policy set 21 0 sla 1 rtt|'rtt' needs a value" \
	"policy set 21 0 random 1|bad policy 'random' (failover, balance or sla)" \
	"policy set 21|missing CLASS" "policy show x|bad TUNNEL 'x'" \
	"class add 1 3|class add needs 'prio N'" "class add 1 3 prio 0|bad prio 0" \
	"class add 1 3 prio 1 sport 10-5|bad sport 10-5 (LO-HI, 0 <= LO <= HI)" \
	"class add 1 3 prio 1 dport 0|bad dport '0' (ports 1..65535)" \
	"class add 1 3 prio 1 src 10.0.0.0/33|bad src '10.0.0.0/33'" \
	"class add 1 3 prio 1 src 2001:db8::/129|bad src '2001:db8::/129' (an IPv4 or IPv6 prefix or address)" \
	"class add 1 3 prio 1 src 10.0.0.0/8 dst 2001:db8::/32|a class matches one family: src is IPv4, dst is IPv6" \
	"class add 1 3 prio 1 proto 0|bad proto '0' (1..255)" \
	"class add 1 3 prio 1 dscp 64|bad dscp 64 (0..63)" \
	"class del 1 3 src 10.0.0.0/8|unexpected 'src'"; do
	# shellcheck disable=SC2086
	sx ${bad%%|*}
	expect_rc "${bad%%|*}" 2
	expect_grep "${bad%%|*}" "$ERR" "${bad#*|}"
done
after=$(wc -l <"$LOG")
if [ "$before" -eq "$after" ]; then ok "usage errors send nothing"
else not_ok "usage errors send nothing" "$((after - before)) requests"; fi

# --- requests ---------------------------------------------------------------
sx table add flow in_port=p0 ipv4_dst=10.0.0.1 l4_dport=1..1024 \
	'ipv4_src=10.0.0.0&&&255.0.0.0' priority 5 action output port=p1
expect_rc "table add" 0
expect_req "table add" "$(req table.write '{"updates":[{"type":"insert",
	"table":"flow","match":{"in_port":"p0","ipv4_dst":"10.0.0.1",
	"l4_dport":{"min":1,"max":1024},
	"ipv4_src":{"value":"10.0.0.0","mask":"255.0.0.0"}},
	"priority":5,"action":"output","params":{"port":"p1"}}]}')"
expect_grep "table add" "$OUT" "ok: 1 update applied, generation 7"
if tail -n 1 "$LOG" | grep -q '^{"jsonrpc":"2.0","id":1,"method":"table.write","params":{"updates":\[{"type":"insert","table":"flow","match":{"in_port":"p0"'; then
	ok "table add: compact, ordered wire form"
else
	not_ok "table add: compact, ordered wire form" "$(tail -n 1 "$LOG")"
fi

sx --atomicity dataplane-atomic table mod route ipv4_dst=10.1.0.0/16 \
	action output port=1
expect_rc "table mod" 0
expect_req "table mod (lpm, integer param)" "$(req table.write '{
	"atomicity":"dataplane-atomic","updates":[{"type":"modify",
	"table":"route","match":{"ipv4_dst":"10.1.0.0/16"},"action":"output",
	"params":{"port":1}}]}')"

sx table del flow in_port=p0 ipv4_dst=10.0.0.1
expect_rc "table del" 0
expect_req "table del" "$(req table.write '{"updates":[{"type":"delete",
	"table":"flow","match":{"in_port":"p0","ipv4_dst":"10.0.0.1"}}]}')"

sx table del acl 'ipv4_src=0x0a000000&&&0xff000000' priority 7 --atomicity continue
expect_rc "table del ternary" 0
expect_req "table del ternary" "$(req table.write '{"atomicity":"continue",
	"updates":[{"type":"delete","table":"acl","match":{"ipv4_src":
	{"value":"0x0a000000","mask":"0xff000000"}},"priority":7}]}')"

sx table default flow action drop
expect_rc "table default" 0
expect_req "table default" "$(req table.write '{"updates":[{"type":"default",
	"table":"flow","action":"drop","params":{}}]}')"

sx table default flow action output port=p1 mac=aa:bb:cc:dd:ee:ff
expect_req "table default with params" "$(req table.write '{"updates":[{
	"type":"default","table":"flow","action":"output",
	"params":{"port":"p1","mac":"aa:bb:cc:dd:ee:ff"}}]}')"

sx raw test.echo '{"a":[1,2],"b":{"c":"x"}}'
expect_rc "raw" 0
expect_req "raw" "$(req test.echo '{"a":[1,2],"b":{"c":"x"}}')"
expect_json "raw prints result" 'd == {"a": [1, 2], "b": {"c": "x"}}'

sx raw stats.clear
expect_req "raw default params" "$(req stats.clear '{}')"
expect_json "raw default params" 'd == {"cleared": True}'

sx port-stats p0;  expect_req "port-stats name" "$(req port.stats '{"port":"p0"}')"
sx port-stats 1;   expect_req "port-stats index" "$(req port.stats '{"port":1}')"
sx port-stats;     expect_req "port-stats all" "$(req port.stats '{}')"
sx describe acl;   expect_req "describe table" "$(req pipeline.describe '{"table":"acl"}')"
sx xdp;            expect_req "xdp" "$(req xdp.steer '{}')"
expect_grep "xdp: a shared port's verdicts" "$OUT" "p1    wan0     42  native     1200     345          0"
expect_grep "xdp: a rule with its owners" "$OUT" "192.0.2.1  udp    4789  overlay     1100"
sx xdp p1;         expect_rc "xdp takes no argument" 2
sx stats clear;    expect_req "stats clear" "$(req stats.clear '{}')"
sx table clear flow
expect_req "table clear" "$(req table.clear '{"table":"flow"}')"
expect_grep "table clear" "$OUT" "deleted 5 entries, generation 8"

cat >"$TMP/batch.json" <<'EOF'
{"atomicity": "rollback", "updates": [
  {"type": "insert", "table": "flow", "match": {"in_port": "p0", "ipv4_dst": "10.0.0.9"}, "action": "drop", "params": {}},
  {"type": "delete", "table": "flow", "match": {"in_port": "p1", "ipv4_dst": "10.0.0.8"}}
]}
EOF
"$SXCTL" --socket "$SOCK" table load - <"$TMP/batch.json" >"$OUT" 2>"$ERR"; RC=$?
expect_rc "table load stdin" 0
expect_req "table load stdin" "$(req table.write "$(cat "$TMP/batch.json")")"
sx table load "$TMP/batch.json" --atomicity continue
expect_rc "table load file" 0
expect_req "table load --atomicity" "$(req table.write "$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1])); d["atomicity"] = "continue"
print(json.dumps(d))' "$TMP/batch.json")")"

# --- server errors (exit 1) -------------------------------------------------
sx table add nosuch in_port=p0 action drop
expect_rc "unknown table" 1
expect_grep "unknown table" "$ERR" \
	"sxctl: error -32602 not_found at /updates/0/table: names no table"
sx --json table add nosuch in_port=p0 action drop
expect_rc "unknown table --json" 1
expect_json "unknown table --json" 'd["error"]["code"] == -32602'

sx table add flow in_port=dup ipv4_dst=10.0.0.1 action drop
expect_rc "failed update" 1
expect_grep "failed update" "$ERR" \
	"sxctl: update 0: error -32001 exists at /updates/0/match: entry already exists"
printf '[{"type":"delete","table":"flow","match":{"in_port":"p0"}},
{"type":"insert","table":"flow","match":{"in_port":"dup"},"action":"drop","params":{}}]' \
	>"$TMP/bad.json"
sx table load "$TMP/bad.json"
expect_rc "table load with failing update" 1
expect_grep "table load with failing update" "$ERR" "sxctl: update 1: error -32001 exists"

sx raw no.such.method
expect_rc "unknown method" 1
expect_grep "unknown method" "$ERR" "error -32601"
sx port-stats p9
expect_rc "unknown port" 1

# --- human output -----------------------------------------------------------
sx hello;     expect_rc "hello" 0
expect_grep "hello" "$OUT" "5f0c3a52-8f0e-4d7e-9a43-0c1f2b3d4e5f"
sx ports;     expect_rc "ports" 0
expect_grep "ports" "$OUT" "2001:db8::1/64"
expect_grep "ports" "$OUT" "down"
sx stats;     expect_rc "stats" 0
expect_grep "stats" "$OUT" "parse.runt"
expect_grep "stats" "$OUT" "CYCLES/PKT"
expect_grep "stats events" "$OUT" "events:"
expect_grep "stats events" "$OUT" "switch.learn  4"
sx describe;  expect_rc "describe" 0
expect_grep "describe" "$OUT" "output(port: port/16)"
sx discover;  expect_rc "discover" 0
expect_grep "discover" "$OUT" "table.read"
expect_grep "discover: the declared methods" "$OUT" "table.config"

# --- call/help METHOD: typed and checked by the server's rpc.discover --------
sx help table.read;  expect_rc "help METHOD" 0
expect_grep "help METHOD" "$OUT" "usage: sxctl call table.read table=TABLE [offset=N] [limit=N]"
expect_grep "help METHOD" "$OUT" "limit=N                optional, 1..1000, default 100"
# without sxdp: the same help, from sxctl's built-in copy of sxdp's
# declarations (the fake serves the same ones), said so in one line
for m in table.read table.write port.set sys.hello; do
	sx help "$m"; cp "$OUT" "$TMP/help.live"
	"$SXCTL" --socket "$TMP/nope.sock" help "$m" >"$OUT" 2>"$ERR"; RC=$?
	expect_rc "help $m without sxdp" 0
	if cmp -s "$OUT" "$TMP/help.live"; then ok "help $m without sxdp: as sxdp says it"
	else not_ok "help $m without sxdp: as sxdp says it" "$(diff "$TMP/help.live" "$OUT" | head -5)"; fi
	if [ "$(wc -l <"$ERR")" -eq 1 ]; then ok "help $m without sxdp: one line on stderr"
	else not_ok "help $m without sxdp: one line on stderr"; fi
	expect_grep "help $m without sxdp" "$ERR" "sxctl: no sxdp on $TMP/nope.sock (No such file or directory): help from sxctl's built-in schema"
done
"$SXCTL" --socket "$TMP/nope.sock" call table.config --help >"$OUT" 2>"$ERR"; RC=$?
expect_rc "call --help without sxdp" 0
expect_grep "call --help without sxdp" "$OUT" "idle_timeout_s=N       required, 0..31536000"
"$SXCTL" --socket "$TMP/nope.sock" help overlay.paths >"$OUT" 2>"$ERR"; RC=$?
expect_rc "help of a feature's method without sxdp" 3
expect_grep "help of a feature's method without sxdp" "$ERR" "no method 'overlay.paths' among sxdp's core methods"
"$SXCTL" --socket "$TMP/nope.sock" call table.read table=flow >"$OUT" 2>"$ERR"; RC=$?
expect_rc "call without sxdp is no help" 3
expect_grep "call without sxdp is no help" "$ERR" "cannot connect to $TMP/nope.sock"
"$SXCTL" --socket "$TMP/nope.sock" help >"$OUT" 2>"$ERR"; RC=$?
expect_rc "help without sxdp" 0
expect_grep "help without sxdp" "$OUT" "Usage: sxctl"
expect_grep "help without sxdp: the methods" "$OUT" "Methods of sxdp's core, built in"
for m in sys.hello table.read table.write table.config port.set xdp.steer rpc.discover; do
	if grep -qE "^  $m +[A-Z]" "$OUT"; then ok "help without sxdp lists $m"
	else not_ok "help without sxdp lists $m"; fi
done
sx help; expect_rc "help with sxdp" 0
expect_grep "help with sxdp: its methods" "$OUT" "Methods of the running sxdp"
expect_call "help with sxdp: asks it" rpc.discover '{}'
sx call table.config --help;  expect_rc "call --help" 0
expect_grep "call --help" "$OUT" "idle_timeout_s=N       required, 0..31536000"
sx call table.read table=flow limit=2 offset=0
expect_rc "call" 0
expect_call "call: typed by the schema" table.read '{"table":"flow","limit":2,"offset":0}'
expect_json "call prints the result" 'd["entries"][0]["params"] == {"port": "p1"}'
sx call port.stats port=1
expect_call "call: a decimal port is its index" port.stats '{"port":1}'
sx call port.stats port=p1
expect_call "call: a port by name" port.stats '{"port":"p1"}'
sx call port.set port=p0 admin=down mtu=9000
expect_rc "call port.set" 0
expect_call "call port.set" port.set '{"port":"p0","admin":"down","mtu":9000}'
sx call table.write 'updates=[{"type":"delete","table":"flow","match":{"in_port":"p0"}}]'
expect_rc "call with a JSON param" 0
expect_call "call with a JSON param" table.write '{"updates":[{"type":"delete","table":"flow","match":{"in_port":"p0"}}]}'
# what the schema alone refuses is a usage error, and no call is made
for bad in "table=flow limit=0|limit wants 1..1000" "table=flow limit=x|limit wants N" \
	"limit=5|table.read needs table=..." "table=flow bogus=1|table.read takes no 'bogus'" \
	"table=flow table=acl|'table' given twice" "table|'table' is not NAME=VALUE"; do
	: >"$LOG"
	# shellcheck disable=SC2086
	sx call table.read ${bad%%|*}
	expect_rc "call refused: ${bad%%|*}" 2
	expect_grep "call refused: ${bad%%|*}" "$ERR" "${bad#*|}"
	expect_grep "call refused: ${bad%%|*}: help follows" "$ERR" "usage: sxctl call table.read"
	if grep -q '"table.read"' "$LOG"; then not_ok "call refused: ${bad%%|*}: not sent"
	else ok "call refused: ${bad%%|*}: not sent"; fi
done
sx call port.set port=p0 admin=sideways
expect_rc "call: enum" 2
expect_grep "call: enum" "$ERR" "admin wants down|up"
sx call no.such.method
expect_rc "call: unknown method" 1
expect_grep "call: unknown method" "$ERR" "sxdp has no method 'no.such.method'"
# what needs the server's state, the server refuses (here the fake, as sxdp)
sx call table.read table=nosuch
expect_rc "call: no such table" 1
expect_grep "call: no such table" "$ERR" "error -32602 not_found at /table"
sx raw table.read '{"table":"flow","limit":1001}'
expect_rc "raw: the fake refuses as sxdp" 1
expect_grep "raw: the fake refuses as sxdp" "$ERR" "error -32602 out_of_range at /limit"
sx table show flow --limit 2
expect_rc "table show" 0
expect_req "table show" "$(req table.read '{"table":"flow","offset":0,"limit":2}')"
expect_grep "table show" "$OUT" "in_port=p0 ipv4_dst=10.0.0.1 -> output(port=p1) hits=12"
expect_grep "table show" "$OUT" "more at --offset 2"
sx table show acl
expect_grep "table show ternary" "$OUT" \
	"ipv4_src=10.0.0.0&&&255.0.0.0 l4_dport=1..1024 priority 5 -> drop() hits=0"
sx table show nosuch
expect_rc "table show unknown table" 1
before=$(wc -l <"$LOG")
sx table show flow --all --limit 2
expect_rc "table show --all" 0
after=$(wc -l <"$LOG")
if [ $((after - before)) -eq 3 ]; then ok "table show --all: 3 pages"
else not_ok "table show --all: 3 pages" "$((after - before)) requests"; fi
if [ "$(grep -c ' -> ' "$OUT")" -eq 5 ]; then ok "table show --all: 5 entries"
else not_ok "table show --all: 5 entries"; fi

# --- --json -----------------------------------------------------------------
sx --json hello;          expect_json "hello --json" 'd["generation"] == 6'
sx ports --json;          expect_json "ports --json" 'len(d["ports"]) == 2'
sx --json stats;          expect_json "stats --json" 'd["drops"]["parse.runt"] == 3'
sx --json describe flow;  expect_json "describe --json" 'd["pipeline"] == "forward"'
sx --json port-stats;     expect_json "port-stats --json" 'd["ports"][0]["hw"]["imissed"] == 0'
sx --json xdp;            expect_json "xdp --json" 'd["ports"][0]["steered"] == 1200'
sx --json table show flow --all --limit 2
expect_json "table show --all --json" \
	'len(d["entries"]) == 5 and d["next_offset"] is None'
sx --json table add flow in_port=p0 action drop
expect_json "table add --json" 'd["committed"] is True'

# --- switch shortcuts -------------------------------------------------------
# slice attach: port.list, the flood table page by page (the fake gives 2
# a page; bd 10 is on page 2 with p1+p2 = 6), then one dataplane-atomic
# write adding p0 (bit 0).
before=$(wc -l <"$LOG")
sx slice attach p0 slice 1 bd 10
expect_rc "slice attach" 0
expect_calls "slice attach" "$before" \
	"port.list table.read:flood/0 table.read:flood/2 table.write"
expect_call "slice attach" table.write '{"atomicity":"dataplane-atomic",
	"updates":[
	{"type":"insert","table":"interfaces","match":{"in_port":"p0","vlan":0},
	 "action":"attach","params":{"slice":1,"bd":10}},
	{"type":"insert","table":"bd_ports","match":{"bd":10,"port":"p0"},
	 "action":"member","params":{"vlan":0}},
	{"type":"modify","table":"flood","match":{"bd":10},
	 "action":"flood","params":{"ports":7},
	 "expect":{"action":"flood","params":{"ports":6}}}]}'
expect_grep "slice attach" "$OUT" "ok: 3 updates applied, generation 7"
if tail -n 2 "$LOG" | head -n 1 | grep -q '"limit":1000'; then
	ok "slice attach: reads ask for pages of 1000"
else not_ok "slice attach: reads ask for pages of 1000" "$(tail -n 2 "$LOG")"; fi

sx slice attach 1 vlan 7 slice 3 bd 30 --atomicity rollback
expect_rc "slice attach new bd" 0
expect_call "slice attach new bd (index, vlan, --atomicity)" table.write '{
	"atomicity":"rollback","updates":[
	{"type":"insert","table":"interfaces","match":{"in_port":1,"vlan":7},
	 "action":"attach","params":{"slice":3,"bd":30}},
	{"type":"insert","table":"bd_ports","match":{"bd":30,"port":1},
	 "action":"member","params":{"vlan":7}},
	{"type":"insert","table":"flood","match":{"bd":30},
	 "action":"flood","params":{"ports":2}}]}'

before=$(wc -l <"$LOG")
sx slice detach p1 vlan 100
expect_rc "slice detach" 0
expect_calls "slice detach" "$before" "port.list table.read:interfaces/0 \
table.read:flood/0 table.read:flood/2 table.write"
expect_call "slice detach" table.write '{"atomicity":"dataplane-atomic",
	"updates":[
	{"type":"delete","table":"interfaces","match":{"in_port":"p1","vlan":100}},
	{"type":"delete","table":"bd_ports","match":{"bd":10,"port":"p1"}},
	{"type":"modify","table":"flood","match":{"bd":10},
	 "action":"flood","params":{"ports":4},
	 "expect":{"action":"flood","params":{"ports":6}}}]}'
sx slice detach 0
expect_rc "slice detach last port" 0
expect_call "slice detach last port: flood entry deleted" table.write '{
	"atomicity":"dataplane-atomic","updates":[
	{"type":"delete","table":"interfaces","match":{"in_port":0,"vlan":0}},
	{"type":"delete","table":"bd_ports","match":{"bd":20,"port":0}},
	{"type":"delete","table":"flood","match":{"bd":20},
	 "expect":{"action":"flood","params":{"ports":1}}}]}'

# sxdp's compare-and-set, as the fake server speaks it: a modify or delete
# with "expect" applies only while its entry holds exactly that.
flood_mod() { # flood_mod BD PORTS EXPECTED-PORTS: one flood modify with expect
	echo "{\"type\":\"modify\",\"table\":\"flood\",\"match\":{\"bd\":$1},\"action\":\"flood\",
	\"params\":{\"ports\":$2},\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":$3}}}"
}
FLOW_INS='{"type":"insert","table":"flow","match":{"in_port":"p0"},"action":"drop","params":{}}'
echo "[$(flood_mod 10 7 6)]" >"$TMP/cas.json"
sx table load "$TMP/cas.json"
expect_rc "expect that holds" 0
echo "[$(flood_mod 10 7 5)]" >"$TMP/cas.json"
sx table load "$TMP/cas.json"
expect_rc "expect that does not hold" 1
expect_grep "expect that does not hold" "$ERR" "sxctl: update 0: error -32001 changed at /updates/0/expect: the entry changed since it was read (expect did not match)"
echo "[$(flood_mod 99 1 1)]" >"$TMP/cas.json"
sx table load "$TMP/cas.json"
expect_rc "expect on a missing entry" 1
expect_grep "expect on a missing entry" "$ERR" "sxctl: update 0: error -32001 not_found at /updates/0: no entry with this match"
echo "[$(flood_mod 10 7 5), $FLOW_INS]" >"$TMP/cas.json"
sx table load "$TMP/cas.json"
expect_rc "expect fails a rollback batch" 1
expect_grep "expect fails a rollback batch" "$ERR" "sxctl: update 1: error -32001 not_applied"
expect_grep "expect fails a rollback batch" "$OUT" "2 of 2 updates failed, nothing committed"
sx table load "$TMP/cas.json" --atomicity continue
expect_rc "expect fails one update of a continue batch" 1
expect_grep "expect fails one update of a continue batch" "$OUT" "1 of 2 updates failed, others committed"
sx raw table.write '{"updates":[{"type":"default","table":"flood","action":"flood",
	"params":{"ports":1},"expect":{"action":"flood","params":{"ports":1}}}]}'
expect_rc "expect on default refused" 1
expect_grep "expect on default refused" "$ERR" "error -32602 unknown_field at /updates/0/expect"

# writes_since N: how many table.write requests came after log line N
writes_since() { tail -n "+$(($1 + 1))" "$LOG" | grep -c '"method":"table.write"'; }

# Two clients changing one flood mask at once: the write whose "expect"
# no longer holds fails as "changed" and nothing of it is applied; sxctl
# reads the mask again and retries, and gives up after 8 attempts.
# (fake.race: another client flips a port bit of the entry before the
# write; 6 is then 6 ^ 512.)
sx raw fake.race '{"count":1}' >/dev/null
before=$(wc -l <"$LOG")
sx slice attach p0 slice 1 bd 10
expect_rc "slice attach after a lost compare-and-set" 0
expect_calls "slice attach retried" "$before" \
	"port.list table.read:flood/0 table.read:flood/2 table.write \
table.read:flood/0 table.read:flood/2 table.write"
expect_grep "slice attach retried" "$OUT" "ok: 3 updates applied, generation 7"
expect_call "slice attach retried: the mask as read again, the other client's port kept" \
	table.write '{"atomicity":"dataplane-atomic","updates":[
	{"type":"insert","table":"interfaces","match":{"in_port":"p0","vlan":0},
	 "action":"attach","params":{"slice":1,"bd":10}},
	{"type":"insert","table":"bd_ports","match":{"bd":10,"port":"p0"},
	 "action":"member","params":{"vlan":0}},
	{"type":"modify","table":"flood","match":{"bd":10},
	 "action":"flood","params":{"ports":519},
	 "expect":{"action":"flood","params":{"ports":518}}}]}'
sx raw fake.reset >/dev/null

sx raw fake.race '{"count":7}' >/dev/null
before=$(wc -l <"$LOG")
sx slice attach p0 slice 1 bd 10
expect_rc "slice attach winning its 8th attempt" 0
if [ "$(writes_since "$before")" -eq 8 ]; then ok "slice attach winning its 8th attempt: 8 writes"
else not_ok "slice attach winning its 8th attempt: 8 writes" "$(writes_since "$before") writes"; fi
sx raw fake.reset >/dev/null

sx raw fake.race '{"count":8}' >/dev/null
before=$(wc -l <"$LOG")
sx slice attach p0 slice 1 bd 10
expect_rc "slice attach losing every race" 1
expect_grep "slice attach gives up" "$ERR" \
	"flood entry of bd 10 changed concurrently, giving up after 8 attempts"
expect_grep "slice attach gives up: the failed update named" "$ERR" "changed"
expect_grep "slice attach gives up: nothing applied" "$OUT" "3 of 3 updates failed, nothing committed"
if [ "$(writes_since "$before")" -eq 8 ]; then ok "slice attach gives up: 8 writes, no more"
else not_ok "slice attach gives up: 8 writes, no more" "$(writes_since "$before") writes"; fi
sx raw fake.reset >/dev/null
sx raw table.write '{"updates":[{"type":"insert","table":"flood","match":{"bd":5},
	"action":"flood","params":{"ports":1},"expect":{"action":"flood","params":{"ports":1}}}]}'
expect_rc "expect on insert refused" 1
expect_grep "expect on insert refused" "$ERR" "error -32602 unknown_field at /updates/0/expect"

# A new bridge domain whose flood entry another client inserts first: our
# insert meets "exists", and the retry modifies the entry it now reads.
sx raw fake.race '{"count":1}' >/dev/null
before=$(wc -l <"$LOG")
sx slice attach 1 vlan 7 slice 3 bd 30
expect_rc "slice attach after a concurrent insert" 0
expect_calls "slice attach after a concurrent insert" "$before" \
	"port.list table.read:flood/0 table.read:flood/2 table.write \
table.read:flood/0 table.read:flood/2 table.read:flood/4 table.write"
expect_call "slice attach after a concurrent insert: a modify" table.write '{
	"atomicity":"dataplane-atomic","updates":[
	{"type":"insert","table":"interfaces","match":{"in_port":1,"vlan":7},
	 "action":"attach","params":{"slice":3,"bd":30}},
	{"type":"insert","table":"bd_ports","match":{"bd":30,"port":1},
	 "action":"member","params":{"vlan":7}},
	{"type":"modify","table":"flood","match":{"bd":30},
	 "action":"flood","params":{"ports":514},
	 "expect":{"action":"flood","params":{"ports":512}}}]}'
sx raw fake.reset >/dev/null

# The flood entry deleted under a detach: "not_found", read again (the
# flood table only), and the retry has no flood update left to make.
sx raw fake.race '{"count":1,"how":"delete"}' >/dev/null
before=$(wc -l <"$LOG")
sx slice detach p1 vlan 100
expect_rc "slice detach after a concurrent delete" 0
expect_calls "slice detach after a concurrent delete" "$before" \
	"port.list table.read:interfaces/0 table.read:flood/0 table.read:flood/2 \
table.write table.read:flood/0 table.read:flood/2 table.write"
expect_call "slice detach after a concurrent delete: no flood update" table.write '{
	"atomicity":"dataplane-atomic","updates":[
	{"type":"delete","table":"interfaces","match":{"in_port":"p1","vlan":100}},
	{"type":"delete","table":"bd_ports","match":{"bd":10,"port":"p1"}}]}'
sx raw fake.reset >/dev/null

# --atomicity continue: the rest of the batch applied despite the lost
# race, so the result stands and is reported, not retried.
sx raw fake.race '{"count":1}' >/dev/null
before=$(wc -l <"$LOG")
sx slice attach p0 slice 1 bd 10 --atomicity continue
expect_rc "slice attach, continue, lost race" 1
if [ "$(writes_since "$before")" -eq 1 ]; then ok "slice attach, continue, lost race: not retried"
else not_ok "slice attach, continue, lost race: not retried" "$(writes_since "$before") writes"; fi
expect_grep "slice attach, continue, lost race" "$OUT" "1 of 3 updates failed, others committed"
sx raw fake.reset >/dev/null

before=$(wc -l <"$LOG")
sx slice detach p0 vlan 9
expect_rc "slice detach not attached" 1
expect_grep "slice detach not attached" "$ERR" "sxctl: p0 vlan 9 is not attached"
sx --json slice detach p0 vlan 9
expect_rc "slice detach not attached --json" 1
expect_json "slice detach not attached --json" \
	'd["error"]["data"]["reason"] == "not_found"'
sx slice attach p9 slice 1 bd 1
expect_rc "slice attach unknown port" 1
expect_grep "slice attach unknown port" "$ERR" "sxctl: no port 'p9'"
if ! tail -n "+$((before + 1))" "$LOG" | grep -q table.write; then
	ok "failed lookups write nothing"
else not_ok "failed lookups write nothing"; fi

before=$(wc -l <"$LOG")
sx svi add 1 10 02:00:00:00:01:0a 10.0.1.1/24
expect_rc "svi add" 0
expect_calls "svi add" "$before" "table.read:svi6/0 table.write"
expect_call "svi add" table.write '{"atomicity":"dataplane-atomic",
	"updates":[
	{"type":"insert","table":"svi","match":{"vrf":1,"bd":10},"action":"svi",
	 "params":{"mac":"02:00:00:00:01:0a","ip":"10.0.1.1","plen":24}},
	{"type":"insert","table":"fdb","match":{"bd":10,"mac":"02:00:00:00:01:0a"},
	 "action":"route","params":{}},
	{"type":"insert","table":"routes","match":{"vrf":1,"dst":"10.0.1.1/32"},
	 "action":"local","params":{}},
	{"type":"insert","table":"routes","match":{"vrf":1,"dst":"10.0.1.0/24"},
	 "action":"connected","params":{"bd":10}}]}'
expect_grep "svi add" "$OUT" "ok: 4 updates applied"
# the router MAC of bd 20 is its IPv6 SVI's already: no fdb insert
sx svi add 2 20 02:00:00:00:02:01 10.0.2.1/24
expect_call "svi add, MAC shared with the IPv6 SVI" table.write '{"atomicity":"dataplane-atomic",
	"updates":[
	{"type":"insert","table":"svi","match":{"vrf":2,"bd":20},"action":"svi",
	 "params":{"mac":"02:00:00:00:02:01","ip":"10.0.2.1","plen":24}},
	{"type":"insert","table":"routes","match":{"vrf":2,"dst":"10.0.2.1/32"},
	 "action":"local","params":{}},
	{"type":"insert","table":"routes","match":{"vrf":2,"dst":"10.0.2.0/24"},
	 "action":"connected","params":{"bd":20}}]}'
before=$(wc -l <"$LOG")
sx svi add 1 10 02:00:00:00:01:0a 2001:db8:1::1/64
expect_rc "svi add IPv6" 0
expect_calls "svi add IPv6" "$before" "table.read:svi/0 table.write"
expect_call "svi add IPv6 (MAC shared with the IPv4 SVI)" table.write '{"atomicity":"dataplane-atomic",
	"updates":[
	{"type":"insert","table":"svi6","match":{"vrf":1,"bd":10},"action":"svi6",
	 "params":{"mac":"02:00:00:00:01:0a","ip":"2001:db8:1::1","plen":64}},
	{"type":"insert","table":"routes6","match":{"vrf":1,"dst":"2001:db8:1::1/128"},
	 "action":"local","params":{}},
	{"type":"insert","table":"routes6","match":{"vrf":1,"dst":"2001:db8:1::/64"},
	 "action":"connected","params":{"bd":10}}]}'
before=$(wc -l <"$LOG")
sx svi del 2 20 ipv6
expect_rc "svi del ipv6" 0
expect_calls "svi del ipv6" "$before" "table.read:svi6/0 table.read:svi/0 table.write"
expect_call "svi del ipv6" table.write '{"atomicity":"dataplane-atomic",
	"updates":[
	{"type":"delete","table":"svi6","match":{"vrf":2,"bd":20}},
	{"type":"delete","table":"fdb","match":{"bd":20,"mac":"02:00:00:00:02:01"}},
	{"type":"delete","table":"routes6","match":{"vrf":2,"dst":"2001:db8:2::1/128"}},
	{"type":"delete","table":"routes6","match":{"vrf":2,"dst":"2001:db8:2::/64"}}]}'
sx svi del 1 10 ipv6
expect_rc "svi del ipv6 unknown" 1
expect_grep "svi del ipv6 unknown" "$ERR" "sxctl: no svi6 for slice 1 bd 10"
sx svi add 2 20 02:00:00:00:02:01 172.16.5.9/20
if tail -n 1 "$LOG" | grep -q '"dst":"172.16.0.0/20"},"action":"connected"'; then
	ok "svi add: the connected route is the network, 172.16.0.0/20"
else not_ok "svi add: the connected route is the network, 172.16.0.0/20" \
	"$(tail -n 1 "$LOG")"; fi

before=$(wc -l <"$LOG")
sx svi del 1 10
expect_rc "svi del" 0
expect_calls "svi del" "$before" "table.read:svi/0 table.read:svi6/0 table.write"
expect_call "svi del" table.write '{"atomicity":"dataplane-atomic",
	"updates":[
	{"type":"delete","table":"svi","match":{"vrf":1,"bd":10}},
	{"type":"delete","table":"fdb","match":{"bd":10,"mac":"02:00:00:00:01:0A"}},
	{"type":"delete","table":"routes","match":{"vrf":1,"dst":"10.0.1.1/32"}},
	{"type":"delete","table":"routes","match":{"vrf":1,"dst":"10.0.1.0/24"}}]}'
sx svi del 1 11
expect_rc "svi del unknown" 1
expect_grep "svi del unknown" "$ERR" "sxctl: no svi for slice 1 bd 11"

sx route add 1 10.0.0.0/24 via 10.0.1.254
expect_rc "route add via" 0
expect_req "route add via" "$(req table.write '{"updates":[{"type":"insert",
	"table":"routes","match":{"vrf":1,"dst":"10.0.0.0/24"},"action":"via",
	"params":{"nh":"10.0.1.254"}}]}')"
expect_grep "route add via" "$OUT" "ok: 1 update applied, generation 7"
sx route add 1 10.2.0.0/16 ecmp 10.0.1.2 10.0.1.3 10.0.1.4
expect_rc "route add ecmp" 0
expect_req "route add ecmp" "$(req table.write '{"updates":[{"type":"insert",
	"table":"routes","match":{"vrf":1,"dst":"10.2.0.0/16"},"action":"ecmp",
	"params":{"n":3,"nh0":"10.0.1.2","nh1":"10.0.1.3","nh2":"10.0.1.4",
	"nh3":"0.0.0.0"}}]}')"
sx route add 1 10.2.0.0/16 ecmp 10.0.1.2 10.0.1.3
expect_req "route add ecmp 2" "$(req table.write '{"updates":[{"type":"insert",
	"table":"routes","match":{"vrf":1,"dst":"10.2.0.0/16"},"action":"ecmp",
	"params":{"n":2,"nh0":"10.0.1.2","nh1":"10.0.1.3","nh2":"0.0.0.0",
	"nh3":"0.0.0.0"}}]}')"
sx route add 2 0.0.0.0/0 drop --atomicity dataplane-atomic
expect_req "route add drop" "$(req table.write '{"atomicity":"dataplane-atomic",
	"updates":[{"type":"insert","table":"routes","match":{"vrf":2,
	"dst":"0.0.0.0/0"},"action":"drop","params":{}}]}')"
sx route del 1 10.0.0.0/24
expect_rc "route del" 0
expect_req "route del" "$(req table.write '{"updates":[{"type":"delete",
	"table":"routes","match":{"vrf":1,"dst":"10.0.0.0/24"}}]}')"
sx route add 1 10.66.0.0/16 via 10.0.1.254
expect_rc "route add exists" 1
expect_grep "route add exists" "$ERR" "sxctl: update 0: error -32001 exists"

before=$(wc -l <"$LOG")
sx route show
expect_rc "route show" 0
expect_calls "route show" "$before" \
	"table.read:routes/0 table.read:routes/2 table.read:routes/4"
expect_out "route show" "vrf 1 10.0.0.0/24 via 10.0.1.254 hits=12
vrf 2 0.0.0.0/0 drop hits=1
vrf 1 10.2.0.0/16 ecmp 10.0.1.2 10.0.1.3 hits=5
vrf 1 10.0.1.0/24 connected bd 10 hits=0
vrf 1 10.0.1.1/32 local hits=2"
sx route show 2
expect_out "route show VRF" "vrf 2 0.0.0.0/0 drop hits=1"
sx --json route show 1
expect_json "route show --json" \
	'd["table"] == "routes" and len(d["entries"]) == 4 and all(e["match"]["vrf"] == 1 for e in d["entries"])'
sx route show 9
expect_rc "route show empty VRF" 0
expect_out "route show empty VRF" ""
sx route add 2 2001:db8:99::/48 via 2001:db8:2::9
expect_rc "route add IPv6 via" 0
expect_req "route add IPv6 via" "$(req table.write '{"updates":[{"type":"insert",
	"table":"routes6","match":{"vrf":2,"dst":"2001:db8:99::/48"},"action":"via",
	"params":{"nh":"2001:db8:2::9"}}]}')"
sx route add 1 2001:db8:77::/48 ecmp 2001:db8:1::2 2001:db8:1::3
expect_req "route add IPv6 ecmp" "$(req table.write '{"updates":[{"type":"insert",
	"table":"routes6","match":{"vrf":1,"dst":"2001:db8:77::/48"},"action":"ecmp",
	"params":{"n":2,"nh0":"2001:db8:1::2","nh1":"2001:db8:1::3"}}]}')"
sx route del 2 2001:db8:99::/48
expect_req "route del IPv6" "$(req table.write '{"updates":[{"type":"delete",
	"table":"routes6","match":{"vrf":2,"dst":"2001:db8:99::/48"}}]}')"
before=$(wc -l <"$LOG")
sx route show6
expect_rc "route show6" 0
expect_calls "route show6" "$before" "table.read:routes6/0 table.read:routes6/2"
expect_out "route show6" "vrf 2 2001:db8:99::/48 via 2001:db8:2::9 hits=4
vrf 2 2001:db8:2::/64 connected bd 20 hits=1
vrf 1 2001:db8:77::/48 ecmp 2001:db8:1::2 2001:db8:1::3 hits=6"
sx --json route show6 1
expect_json "route show6 --json" \
	'd["table"] == "routes6" and len(d["entries"]) == 1 and d["entries"][0]["action"] == "ecmp"'

sx mac add 10 02:00:00:00:00:0b p1
expect_rc "mac add" 0
expect_req "mac add" "$(req table.write '{"updates":[{"type":"insert",
	"table":"fdb","match":{"bd":10,"mac":"02:00:00:00:00:0b"},
	"action":"forward","params":{"port":"p1"}}]}')"
sx mac del 10 02:00:00:00:00:0b
expect_rc "mac del" 0
expect_req "mac del" "$(req table.write '{"updates":[{"type":"delete",
	"table":"fdb","match":{"bd":10,"mac":"02:00:00:00:00:0b"}}]}')"
sx mac show
expect_rc "mac show" 0
expect_out "mac show" "bd 10 02:00:00:00:00:0a port p0 learned idle 3.2s hits 12
bd 20 02:00:00:00:00:0b port p1 static idle 41.0s hits 0
bd 10 02:00:00:00:01:0a route idle 0.5s hits 7"
sx mac show 20
expect_out "mac show BD" "bd 20 02:00:00:00:00:0b port p1 static idle 41.0s hits 0"
sx --json mac show 10
expect_json "mac show --json" \
	'len(d["entries"]) == 2 and d["entries"][0]["idle_s"] == 3.2'
sx mac ageing 120
expect_rc "mac ageing" 0
expect_req "mac ageing" "$(req table.config '{"table":"fdb","idle_timeout_s":120}')"
expect_out "mac ageing" "fdb idle timeout 120 s"
sx --json mac ageing 120
expect_json "mac ageing --json" 'd == {"table": "fdb", "idle_timeout_s": 120, "ageing": True}'
# 0 turns ageing off, as table.config says; the CLI says it too
sx mac ageing 0
expect_rc "mac ageing 0" 0
expect_req "mac ageing 0" "$(req table.config '{"table":"fdb","idle_timeout_s":0}')"
expect_out "mac ageing 0" "fdb idle timeout 0 s (ageing off: entries never age)"

sx neigh add 1 10.0.1.254 p1 100 02:00:00:00:00:fe 02:00:00:00:01:0a
expect_rc "neigh add" 0
expect_req "neigh add" "$(req table.write '{"updates":[{"type":"insert",
	"table":"neigh","match":{"vrf":1,"ip":"10.0.1.254"},"action":"rewrite",
	"params":{"port":"p1","vlan":100,"dmac":"02:00:00:00:00:fe",
	"smac":"02:00:00:00:01:0a"}}]}')"
sx neigh del 1 10.0.1.254
expect_rc "neigh del" 0
expect_req "neigh del" "$(req table.write '{"updates":[{"type":"delete",
	"table":"neigh","match":{"vrf":1,"ip":"10.0.1.254"}}]}')"
sx neigh show
expect_rc "neigh show" 0
expect_out "neigh show" "vrf 1 10.0.1.254 port p1 vlan 100 dmac 02:00:00:00:00:fe smac 02:00:00:00:01:0a static hits=12
vrf 2 10.9.0.7 port p0 vlan 0 dmac 02:00:00:00:00:07 smac 02:00:00:00:02:01 learned hits=1
vrf 1 10.0.1.9 unresolved hits=0"
sx neigh show 2
expect_out "neigh show VRF" "vrf 2 10.9.0.7 port p0 vlan 0 dmac 02:00:00:00:00:07 smac 02:00:00:00:02:01 learned hits=1"
sx neigh add 2 2001:db8:2::9 p0 0 02:00:00:00:00:09 02:00:00:00:02:01
expect_req "neigh add IPv6" "$(req table.write '{"updates":[{"type":"insert",
	"table":"neigh6","match":{"vrf":2,"ip":"2001:db8:2::9"},"action":"rewrite",
	"params":{"port":"p0","vlan":0,"dmac":"02:00:00:00:00:09",
	"smac":"02:00:00:00:02:01"}}]}')"
sx neigh del 2 2001:db8:2::9
expect_req "neigh del IPv6" "$(req table.write '{"updates":[{"type":"delete",
	"table":"neigh6","match":{"vrf":2,"ip":"2001:db8:2::9"}}]}')"
sx neigh show6 2
expect_out "neigh show6" "vrf 2 2001:db8:2::9 port p0 vlan 0 dmac 02:00:00:00:00:09 smac 02:00:00:00:02:01 learned hits=4"

sx table show fdb
expect_grep "table show idle_s" "$OUT" \
	"bd=10 mac=02:00:00:00:00:0A -> learned(port=p0) hits=12 idle_s=3.2"

# --- overlay shortcuts ------------------------------------------------------
# One entry each: no read, one update, sxdp's default atomicity.
for c in "vtep add 192.0.2.10|vteps|insert|{\"ip\":\"192.0.2.10\"}|vtep|{}" \
	"vtep del 192.0.2.10|vteps|delete|{\"ip\":\"192.0.2.10\"}||" \
	"site add 2 endpoint 198.51.100.20|endpoints|insert|{\"ip\":\"198.51.100.20\"}|endpoint|{\"site\":2}" \
	"site del 198.51.100.20|endpoints|delete|{\"ip\":\"198.51.100.20\"}||" \
	"vni add 5000 slice 1 bd 10|vnis|insert|{\"vni\":5000}|l2|{\"slice\":1,\"bd\":10}" \
	"vni add 7000 slice 1 l3|vnis|insert|{\"vni\":7000}|l3|{\"slice\":1}" \
	"vni del 5000|vnis|delete|{\"vni\":5000}||" \
	"path add 1 src 192.0.2.10 dst 198.51.100.20 gw 192.0.2.1 vrf 100|paths|insert|{\"id\":1}|static|{\"src\":\"192.0.2.10\",\"dst\":\"198.51.100.20\",\"vrf\":100,\"mtu\":0,\"gw\":\"192.0.2.1\"}" \
	"path add 2 vrf 100 gw 192.0.2.1 probe sxdp dst 198.51.100.21 src 192.0.2.10|paths|insert|{\"id\":2}|sxdp|{\"src\":\"192.0.2.10\",\"dst\":\"198.51.100.21\",\"vrf\":100,\"mtu\":0,\"gw\":\"192.0.2.1\",\"interval_ms\":50,\"down_after\":3,\"up_after\":5}" \
	"path add 3 src 192.0.2.10 dst 203.0.113.7 gw 192.0.2.1 vrf 100 mtu 1400 probe icmp interval 100 down 4 up 2|paths|insert|{\"id\":3}|icmp|{\"src\":\"192.0.2.10\",\"dst\":\"203.0.113.7\",\"vrf\":100,\"mtu\":1400,\"gw\":\"192.0.2.1\",\"interval_ms\":100,\"down_after\":4,\"up_after\":2}" \
	"vtep add 2001:db8:10::1|vteps|insert|{\"ip\":\"2001:db8:10::1\"}|vtep|{}" \
	"site add 2 endpoint 2001:db8:20::2|endpoints|insert|{\"ip\":\"2001:db8:20::2\"}|endpoint|{\"site\":2}" \
	"path add 4 src 2001:db8:10::1 dst 2001:db8:20::2 gw fe80::1 vrf 100 probe sxdp|paths|insert|{\"id\":4}|sxdp|{\"src\":\"2001:db8:10::1\",\"dst\":\"2001:db8:20::2\",\"vrf\":100,\"mtu\":0,\"gw\":\"fe80::1\",\"interval_ms\":50,\"down_after\":3,\"up_after\":5}" \
	"path add 5 src 192.0.2.10 dst 198.51.100.22 gw 192.0.2.1 vrf 100 probe sxdp sealed|paths|insert|{\"id\":5}|sxdp|{\"src\":\"192.0.2.10\",\"dst\":\"198.51.100.22\",\"vrf\":100,\"mtu\":0,\"gw\":\"192.0.2.1\",\"interval_ms\":50,\"down_after\":3,\"up_after\":5,\"sealed\":1}" \
	"path add 6 src 2001:db8:10::1 dst 2001:db8:20::3 gw fe80::1 vrf 100 sealed|paths|insert|{\"id\":6}|static|{\"src\":\"2001:db8:10::1\",\"dst\":\"2001:db8:20::3\",\"vrf\":100,\"mtu\":0,\"gw\":\"fe80::1\",\"sealed\":1}" \
	"path del 3|paths|delete|{\"id\":3}||" \
	"policy del 21 1|policies|delete|{\"tunnel\":21,\"class\":1}||" \
	"tunnel add 25 slice 1 vni 7000 path 0 geneve ttl copy dscp 10 csum rmac 02:00:00:00:aa:01|tunnels|insert|{\"id\":25}|geneve|{\"slice\":1,\"vni\":7000,\"path\":0,\"ttl\":0,\"dscp\":10,\"csum\":1,\"rmac\":\"02:00:00:00:aa:01\"}"; do
	IFS='|' read -r cmd table type match action params <<<"$c"
	want="{\"type\":\"$type\",\"table\":\"$table\",\"match\":$match"
	[ -n "$action" ] && want="$want,\"action\":\"$action\",\"params\":$params"
	before=$(wc -l <"$LOG")
	# shellcheck disable=SC2086
	sx $cmd
	expect_rc "$cmd" 0
	expect_calls "$cmd" "$before" "table.write"
	expect_req "$cmd" "$(req table.write "{\"updates\":[$want}]}")"
	expect_grep "$cmd" "$OUT" "ok: 1 update applied, generation 7"
done

# tunnel add: the tunnel, its peers, and bd 10's flood entry (bd 10 is
# slice 1's: the interfaces say so) with the tunnel in its first free
# slot, expecting the entry as read: one dataplane-atomic batch.
before=$(wc -l <"$LOG")
sx tunnel add 24 slice 1 vni 5000 path 1 dscp copy peer 198.51.100.30 198.51.100.31 flood 10
expect_rc "tunnel add" 0
expect_calls "tunnel add" "$before" \
	"table.read:interfaces/0 table.read:flood/0 table.read:flood/2 table.read:flood_more/0 table.write"
TUN24='{"type":"insert","table":"tunnels","match":{"id":24},"action":"vxlan",
	 "params":{"slice":1,"vni":5000,"path":1,"ttl":64,"dscp":64,"csum":0}},
	{"type":"insert","table":"peers","match":{"slice":1,"ip":"198.51.100.30"},
	 "action":"peer","params":{"tunnel":24}},
	{"type":"insert","table":"peers","match":{"slice":1,"ip":"198.51.100.31"},
	 "action":"peer","params":{"tunnel":24}}'
expect_call "tunnel add" table.write "{\"atomicity\":\"dataplane-atomic\",\"updates\":[$TUN24,
	{\"type\":\"modify\",\"table\":\"flood\",\"match\":{\"bd\":10},\"action\":\"flood\",
	 \"params\":{\"ports\":6,\"t0\":24},\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":6}}}]}"
expect_grep "tunnel add" "$OUT" "ok: 4 updates applied, generation 7"

# another client changes bd 10's flood entry between the read and the
# write: its change is read again and kept
sx raw fake.race '{"count":1}' >/dev/null
before=$(wc -l <"$LOG")
sx tunnel add 24 slice 1 vni 5000 path 1 dscp copy peer 198.51.100.30 198.51.100.31 flood 10
expect_rc "tunnel add after a lost compare-and-set" 0
expect_calls "tunnel add retried: the flood entry read again" "$before" \
	"table.read:interfaces/0 table.read:flood/0 table.read:flood/2 table.read:flood_more/0 table.write \
table.read:flood/0 table.read:flood/2 table.write"
expect_call "tunnel add retried: the other client's port kept" table.write \
	"{\"atomicity\":\"dataplane-atomic\",\"updates\":[$TUN24,
	{\"type\":\"modify\",\"table\":\"flood\",\"match\":{\"bd\":10},\"action\":\"flood\",
	 \"params\":{\"ports\":518,\"t0\":24},\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":518}}}]}"
sx raw fake.reset >/dev/null

# refused before any write: bd 40 floods into 256 tunnels already; bd 30 has
# no flood entry; bd 10 is slice 1's, not slice 2's
before=$(wc -l <"$LOG")
sx tunnel add 24 slice 1 vni 5000 path 1 flood 40
expect_rc "tunnel add, flood entry full" 1
expect_grep "tunnel add, flood entry full" "$ERR" "sxctl: bd 40 floods into 256 tunnels already (t0..t7 and 248 in flood_more)"
sx --json tunnel add 24 slice 1 vni 5000 path 1 flood 40
expect_json "tunnel add, flood entry full --json" 'd["error"]["data"]["reason"] == "full"'
sx tunnel add 24 slice 1 vni 5000 path 1 flood 30
expect_rc "tunnel add, no flood entry" 1
expect_grep "tunnel add, no flood entry" "$ERR" "sxctl: bd 30 has no flood entry (attach a port to it first)"
sx --json tunnel add 24 slice 2 vni 6000 path 1 flood 10
expect_rc "tunnel add, another slice's bd" 1
expect_json "tunnel add, another slice's bd" 'd["error"]["data"]["reason"] == "slice_conflict"'
if [ "$(writes_since "$before")" -eq 0 ]; then ok "tunnel add refusals write nothing"
else not_ok "tunnel add refusals write nothing" "$(writes_since "$before") writes"; fi
# refused by sxdp (the fake: 10.66. is taken): its reason, nothing applied
sx tunnel add 24 slice 1 vni 5000 path 1 peer 10.66.0.1
expect_rc "tunnel add, peer refused by sxdp" 1
expect_grep "tunnel add, peer refused by sxdp" "$ERR" "sxctl: update 1: error -32001 exists at /updates/1/match"
expect_grep "tunnel add, peer refused by sxdp" "$OUT" "2 of 2 updates failed, nothing committed"

# a port joining bd 1 keeps its tunnels
sx slice attach p1 vlan 5 slice 1 bd 1
expect_rc "slice attach keeps the flood's tunnels" 0
T1='"t0":11,"t1":12,"t2":13,"t3":21,"t4":15,"t5":16,"t6":17,"t7":18'
expect_call "slice attach keeps the flood's tunnels" table.write "{\"atomicity\":\"dataplane-atomic\",
	\"updates\":[
	{\"type\":\"insert\",\"table\":\"interfaces\",\"match\":{\"in_port\":\"p1\",\"vlan\":5},
	 \"action\":\"attach\",\"params\":{\"slice\":1,\"bd\":1}},
	{\"type\":\"insert\",\"table\":\"bd_ports\",\"match\":{\"bd\":1,\"port\":\"p1\"},
	 \"action\":\"member\",\"params\":{\"vlan\":5}},
	{\"type\":\"modify\",\"table\":\"flood\",\"match\":{\"bd\":1},\"action\":\"flood\",
	 \"params\":{\"ports\":3,$T1},\"expect\":{\"action\":\"flood\",\"params\":{\"ports\":1,$T1}}}]}"

# tunnel del: the tunnel, its two peers (one per page), its policies, its
# place t3 of bd 1 (the tunnels after it move up: t7 is free), each
# expecting what was read
before=$(wc -l <"$LOG")
sx tunnel del 21
expect_rc "tunnel del" 0
expect_calls "tunnel del" "$before" "table.read:peers/0 table.read:peers/2 \
table.read:policies/0 table.read:policies/2 table.read:flood/0 table.read:flood/2 table.read:flood_more/0 \
table.write"
expect_call "tunnel del" table.write "{\"atomicity\":\"dataplane-atomic\",\"updates\":[
	{\"type\":\"delete\",\"table\":\"tunnels\",\"match\":{\"id\":21}},
	{\"type\":\"delete\",\"table\":\"peers\",\"match\":{\"slice\":1,\"ip\":\"198.51.100.20\"},
	 \"expect\":{\"action\":\"peer\",\"params\":{\"tunnel\":21}}},
	{\"type\":\"delete\",\"table\":\"peers\",\"match\":{\"slice\":1,\"ip\":\"198.51.100.21\"},
	 \"expect\":{\"action\":\"peer\",\"params\":{\"tunnel\":21}}},
	{\"type\":\"delete\",\"table\":\"policies\",\"match\":{\"tunnel\":21,\"class\":0},
	 \"expect\":{\"action\":\"failover\",\"params\":{\"p0\":1,\"p1\":2,\"p2\":0,\"p3\":0}}},
	{\"type\":\"delete\",\"table\":\"policies\",\"match\":{\"tunnel\":21,\"class\":1},
	 \"expect\":{\"action\":\"sla\",\"params\":{\"p0\":1,\"p1\":2,\"p2\":0,\"p3\":0,
	 \"rtt_ms\":50,\"jitter_ms\":0,\"loss_pct\":1}}},
	{\"type\":\"modify\",\"table\":\"flood\",\"match\":{\"bd\":1},\"action\":\"flood\",
	 \"params\":{\"ports\":1,\"t0\":11,\"t1\":12,\"t2\":13,\"t3\":15,\"t4\":16,\"t5\":17,\"t6\":18},
	 \"expect\":{\"action\":\"flood\",\"params\":{\"ports\":1,$T1}}}]}"
expect_grep "tunnel del" "$OUT" "ok: 6 updates applied, generation 7"
# a peer entry deleted by another client meanwhile: read again, not named again
sx raw fake.race '{"count":1,"how":"delete"}' >/dev/null
before=$(wc -l <"$LOG")
sx tunnel del 21
expect_rc "tunnel del after a concurrent delete" 0
expect_calls "tunnel del after a concurrent delete: the peers read again" "$before" \
	"table.read:peers/0 table.read:peers/2 table.read:policies/0 table.read:policies/2 \
table.read:flood/0 table.read:flood/2 table.read:flood_more/0 table.write table.read:peers/0 table.write"
if tail -n 1 "$LOG" | grep -q '198.51.100.20'; then
	not_ok "tunnel del after a concurrent delete: the gone peer not deleted again"
else ok "tunnel del after a concurrent delete: the gone peer not deleted again"; fi
sx raw fake.reset >/dev/null

before=$(wc -l <"$LOG")
sx tunnel show
expect_rc "tunnel show" 0
expect_calls "tunnel show" "$before" "table.read:tunnels/0 table.read:tunnels/2 \
table.read:peers/0 table.read:peers/2 table.read:flood/0 table.read:flood/2 table.read:flood_more/0"
expect_out "tunnel show" "ID  TYPE    SLICE   VNI  PATH   TTL  DSCP  CSUM  RMAC               PEERS                        FLOOD  HITS
21  vxlan       1  5000     1    64  copy  off   -                  198.51.100.20,198.51.100.21      1     4
22  geneve      1  7000     0  copy     0  on    02:00:00:00:AA:01  198.51.100.22                    -     0
23  vxlan       2  6000     3    64     0  off   -                  -                                -     1"
sx --json tunnel show
expect_json "tunnel show --json" 'd["tunnels"][0] == {"id": 21, "type": "vxlan", "slice": 1,
	"vni": 5000, "path": 1, "ttl": 64, "dscp": 64, "csum": 0, "hits": 4, "flood": [1],
	"peers": ["198.51.100.20", "198.51.100.21"]} and d["tunnels"][1]["rmac"] == "02:00:00:00:AA:01"'
sx tunnel show --atomicity continue
expect_rc "tunnel show --atomicity" 2

# policy set: over the entry as read (a modify expecting it) or new
before=$(wc -l <"$LOG")
sx policy set 21 0 balance 1:1 2:1 3:2
expect_rc "policy set over a policy" 0
expect_calls "policy set over a policy" "$before" \
	"table.read:policies/0 table.read:policies/2 table.write"
expect_call "policy set over a policy" table.write '{"updates":[{"type":"modify",
	"table":"policies","match":{"tunnel":21,"class":0},"action":"balance",
	"params":{"p0":1,"p1":2,"p2":3,"p3":0,"p4":0,"p5":0,"p6":0,"p7":0,"w0":1,"w1":1,"w2":2,"w3":0,"w4":0,"w5":0,"w6":0,"w7":0},
	"expect":{"action":"failover","params":{"p0":1,"p1":2,"p2":0,"p3":0}}}]}'
sx policy set 22 5 sla 2 1 rtt 80 jitter 10 loss 2
expect_rc "policy set sla" 0
expect_call "policy set sla, a new policy" table.write '{"updates":[{"type":"insert",
	"table":"policies","match":{"tunnel":22,"class":5},"action":"sla",
	"params":{"p0":2,"p1":1,"p2":0,"p3":0,"p4":0,"p5":0,"p6":0,"p7":0,"rtt_ms":80,"jitter_ms":10,"loss_pct":2}}]}'
sx policy set 22 5 failover 4 3 2 1 --atomicity dataplane-atomic
expect_call "policy set failover" table.write '{"atomicity":"dataplane-atomic","updates":[
	{"type":"insert","table":"policies","match":{"tunnel":22,"class":5},"action":"failover",
	"params":{"p0":4,"p1":3,"p2":2,"p3":1,"p4":0,"p5":0,"p6":0,"p7":0}}]}'
sx raw fake.race '{"count":1}' >/dev/null
before=$(wc -l <"$LOG")
sx policy set 21 0 failover 2 1
expect_rc "policy set after a concurrent change" 0
if [ "$(writes_since "$before")" -eq 2 ]; then ok "policy set after a concurrent change: written again"
else not_ok "policy set after a concurrent change: written again" "$(writes_since "$before") writes"; fi
expect_call "policy set after a concurrent change: expects what it read again" table.write \
	'{"updates":[{"type":"modify","table":"policies","match":{"tunnel":21,"class":0},
	"action":"failover","params":{"p0":2,"p1":1,"p2":0,"p3":0,"p4":0,"p5":0,"p6":0,"p7":0},"expect":{"action":"failover",
	"params":{"p0":1,"p1":2,"p2":0,"p3":0,"other_writer":1}}}]}'
sx raw fake.reset >/dev/null

sx policy show
expect_rc "policy show" 0
expect_out "policy show" "tunnel 21 class 0 failover 1 2 hits=40
tunnel 22 class 0 balance 1:1 2:3 hits=2
tunnel 21 class 1 sla 1 2 rtt 50 loss 1 hits=0"
sx policy show 22
expect_out "policy show TUNNEL" "tunnel 22 class 0 balance 1:1 2:3 hits=2"
sx --json policy show 21
expect_json "policy show --json" \
	'd["table"] == "policies" and [e["match"]["class"] for e in d["entries"]] == [0, 1]'

# class add: one rule; class del: the class's rules in the slice as read
sx class add 1 3 prio 100 src 10.1.2.3/16 dst 192.0.2.9 proto 17 sport 1024-65535 dport 5060 dscp 0
expect_rc "class add" 0
expect_req "class add" "$(req table.write '{"updates":[{"type":"insert","table":"classes",
	"match":{"slice":1,"src":{"value":"10.1.0.0","mask":"255.255.0.0"},
	"dst":{"value":"192.0.2.9","mask":"255.255.255.255"},"proto":17,
	"sport":{"min":1024,"max":65535},"dport":5060,"dscp":0},
	"action":"class","params":{"class":3},"priority":100}]}')"
# an IPv6 rule: value/mask of an IPv6 address (it matches IPv6 packets only)
sx class add 1 4 prio 50 src 2001:db8:1::7/48 dst 2001:db8:2::9 proto 6
expect_rc "class add IPv6" 0
expect_req "class add IPv6" "$(req table.write '{"updates":[{"type":"insert","table":"classes",
	"match":{"slice":1,"src":{"value":"2001:db8:1::","mask":"ffff:ffff:ffff::"},
	"dst":{"value":"2001:db8:2::9","mask":"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},"proto":6},
	"action":"class","params":{"class":4},"priority":50}]}')"
before=$(wc -l <"$LOG")
sx class del 1 1
expect_rc "class del" 0
expect_calls "class del" "$before" "table.read:classes/0 table.read:classes/2 table.write"
expect_call "class del" table.write '{"atomicity":"dataplane-atomic","updates":[
	{"type":"delete","table":"classes","match":{"slice":1,"proto":{"value":17,"mask":255},
	 "dport":{"min":5060,"max":5061}},"priority":10,
	 "expect":{"action":"class","params":{"class":1}}},
	{"type":"delete","table":"classes","match":{"slice":1,"dscp":{"value":46,"mask":255}},
	 "priority":20,"expect":{"action":"class","params":{"class":1}}}]}'
sx class del 1 1 prio 20
expect_call "class del at a priority" table.write '{"updates":[{"type":"delete","table":"classes",
	"match":{"slice":1,"dscp":{"value":46,"mask":255}},"priority":20,
	"expect":{"action":"class","params":{"class":1}}}]}'
before=$(wc -l <"$LOG")
sx class del 2 2
expect_rc "class del, no such rule" 1
expect_grep "class del, no such rule" "$ERR" "sxctl: slice 2 has no rule of class 2"
if [ "$(writes_since "$before")" -eq 0 ]; then ok "class del, no such rule: nothing written"
else not_ok "class del, no such rule: nothing written"; fi

# --- UPF: sessions, interfaces, counters, read through table.read -----------
before=$(wc -l <"$LOG")
sx upf sessions; expect_rc "upf sessions" 0
expect_calls "upf sessions" "$before" "table.read:sessions_uplink/0 \
table.read:sessions_n9_downlink/0 table.read:sessions_downlink/0 table.read:sessions_downlink6/0 \
table.read:sessions_eth/0"
expect_grep "upf sessions" "$OUT" "DIR     KEY"
for l in "ul      iface=1 teid=256                     7  fwd_n6        1  10.45.0.2     0     0    -     3      4   70     0" \
	"ul      iface=2 teid=512                     8  fwd_n9        2  -             2  4096    -     -      -    -     0" \
	"dl      slice=1 ue=10.45.0.2                 7  encap_n3      1  10.45.0.2     1  1024    9     -      -    -     1" \
	"dl6     slice=2 ue=2001:db8:45:1::/64        8  buffer        2  -             0     0    -     -      -    -     0" \
	"dl-eth  session=9                            9  encap_n3      1  -             1  2048    9     -      -    -     0"; do
	expect_grep "upf sessions: a line per entry" "$OUT" "$l"
done
before=$(wc -l <"$LOG")
sx upf sessions ul; expect_rc "upf sessions ul" 0
expect_calls "upf sessions ul" "$before" "table.read:sessions_uplink/0"
if grep -q "^dl" "$OUT"; then not_ok "upf sessions ul: no downlink"; else ok "upf sessions ul: no downlink"; fi
sx upf sessions dl; expect_rc "upf sessions dl" 0
if grep -q "^ul" "$OUT"; then not_ok "upf sessions dl: no uplink"; else ok "upf sessions dl: no uplink"; fi
expect_grep "upf sessions dl" "$OUT" "dl6     slice=2"
sx upf sessions --json ul; expect_rc "upf sessions --json" 0
expect_json "upf sessions --json" 'd["sessions_uplink"][1]["params"]["teid"] == 4096 and list(d) == ["sessions_uplink"]'
sx upf sessions up; expect_rc "upf sessions up" 2
expect_grep "upf sessions up" "$ERR" "usage: upf sessions [ul|dl]"
sx upf sessions --atomicity rollback; expect_rc "upf sessions --atomicity" 2
before=$(wc -l <"$LOG")
sx upf interfaces; expect_rc "upf interfaces" 0
expect_calls "upf interfaces" "$before" "table.read:upf_interfaces/0 table.read:upf_interfaces/2 table.read:upf_interfaces6/0"
expect_grep "upf interfaces" "$OUT" "PREFIX             KIND  SLICE  ID  HITS"
expect_grep "upf interfaces" "$OUT" "192.0.2.10/32      n3        0   1    31"
expect_grep "upf interfaces" "$OUT" "198.51.100.0/24    n6        1   -     0"
expect_grep "upf interfaces" "$OUT" "2001:db8:5::1/128  n3        0   3     0"
sx upf interfaces extra; expect_rc "upf interfaces extra" 2
sx upf counters; expect_rc "upf counters" 0
expect_call "upf counters" stats.get '{}'
expect_grep "upf counters" "$OUT" "upf.unknown_teid  11"
expect_grep "upf counters" "$OUT" "upf.to_n3  38"
expect_grep "upf counters" "$OUT" "sessions_uplink        2    40      11"
for w in parse.runt switch.learn flow; do
	if grep -q "$w" "$OUT"; then not_ok "upf counters: no $w"; else ok "upf counters: no $w"; fi
done
sx --json upf counters; expect_rc "upf counters --json" 0
expect_json "upf counters --json" 'd["drops"] == {"upf.spoofed": 2, "upf.unknown_teid": 11} and list(d["tables"]) == ["sessions_uplink", "upf_interfaces"]'
sx upf; expect_rc "upf alone" 2
expect_grep "upf alone" "$ERR" "upf counters"
sx upf frob; expect_rc "upf frob" 2
sx help upf; expect_rc "help upf" 0
expect_grep "help upf" "$OUT" "upf sessions [ul|dl]"

# --- sxcd that takes the connection and never answers: the timeout says
# which call, after how long, and what to do (exit 3)
"$PY" - "$TMP/mute.port" <<'EOF' &
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
s.settimeout(30)
try:
    while True:
        held.append(s.accept()[0])   # read nothing, answer nothing
except OSError:
    pass
EOF
MUTE=$!
for _ in $(seq 1 100); do [ -s "$TMP/mute.port" ] && break; sleep 0.1; done
"$SXCTL" --api "http://127.0.0.1:$(cat "$TMP/mute.port")" --timeout 400 status >"$OUT" 2>"$ERR"; RC=$?
expect_rc "sxcd never answers" 3
expect_grep "sxcd never answers: the call" "$ERR" "sxctl: GET /api/v1/status on sxcd at"
expect_grep "sxcd never answers: how long" "$ERR" "no answer after 0.4 s (--timeout 400)"
expect_grep "sxcd never answers: what to do" "$ERR" "--timeout MS waits longer"
script -qec "'$SXCTL' --api http://127.0.0.1:$(cat "$TMP/mute.port") --timeout 1700 status" /dev/null >"$OUT" 2>&1
expect_grep "sxcd's progress on a terminal" "$OUT" "sxctl: waiting for sxcd (GET /api/v1/status): 1."
kill "$MUTE" 2>/dev/null; wait "$MUTE" 2>/dev/null

# --- apply -f: a file that cannot be read or is not JSON (exit 2, one line) --
# (port 1: nothing listens; the file is judged before sxcd is asked)
ap() { "$SXCTL" --api http://127.0.0.1:1 apply -f "$@" >"$OUT" 2>"$ERR"; RC=$?; }
one_line() {
	if [ "$(wc -l <"$ERR")" -eq 1 ] && [ "$(cat "$ERR")" = "$2" ]; then ok "$1: one line"
	else not_ok "$1: one line" "want: $2"; fi
}
ap "$TMP/nope.json"; expect_rc "apply missing file" 2
one_line "apply missing file" "sxctl: $TMP/nope.json: No such file or directory"
ap "$TMP"; expect_rc "apply a directory" 2
one_line "apply a directory" "sxctl: $TMP: Is a directory"
printf '{"kind": "slice",\n "name": }\n' >"$TMP/bad.json"
ap "$TMP/bad.json"; expect_rc "apply not JSON" 2
one_line "apply not JSON" "sxctl: $TMP/bad.json:2:10: not JSON: unexpected token near '}'"
: >"$TMP/empty.json"
ap "$TMP/empty.json"; expect_rc "apply empty file" 2
expect_grep "apply empty file" "$ERR" "sxctl: $TMP/empty.json:1:0: not JSON:"
"$SXCTL" --api http://127.0.0.1:1 apply -f - <"$TMP/bad.json" >"$OUT" 2>"$ERR"; RC=$?
expect_rc "apply not JSON on stdin" 2
one_line "apply not JSON on stdin" "sxctl: (stdin):2:10: not JSON: unexpected token near '}'"
if [ "$(id -u)" -ne 0 ]; then
	echo '{}' >"$TMP/secret.json"; chmod 000 "$TMP/secret.json"
	ap "$TMP/secret.json"; expect_rc "apply unreadable file" 2
	one_line "apply unreadable file" "sxctl: $TMP/secret.json: Permission denied"
fi
echo '{"kind": "slice", "name": "s1"}' >"$TMP/good.json"
ap "$TMP/good.json"; expect_rc "apply a good file: sxcd is asked" 3

# --- transport --------------------------------------------------------------
sx raw test.big
expect_rc "2 MB response" 0
expect_json "2 MB response" 'len(d["blob"]) == 2000000'
sx raw test.chunked
expect_rc "chunked response after stale id and notification" 0
expect_json "chunked response" 'd == {"chunked": "y" * 100000}'
sx --timeout 300 raw test.slow
expect_rc "timeout" 3
expect_grep "timeout names the call and how long" "$ERR" "no answer after 0.3 s (--timeout 300)"
expect_grep "timeout names the call" "$ERR" "sxctl: test.slow on "
expect_grep "timeout says what to do" "$ERR" "--timeout MS waits longer"
# on a terminal (script(1)'s pty: util-linux, Essential in Debian) a call
# waiting past a second says so, rewriting one line; not on a pipe (above:
# nothing but the error)
script -qec "'$SXCTL' --socket '$SOCK' --timeout 1700 raw test.slow" /dev/null >"$OUT" 2>&1
expect_grep "progress on a terminal" "$OUT" "sxctl: waiting for test.slow: 1."
expect_grep "progress names the bound" "$OUT" "of --timeout 1.7 s"
expect_grep "then the timeout" "$OUT" "no answer after 1.7 s"
if grep -q "waiting for" "$ERR"; then not_ok "no progress on a pipe"; else ok "no progress on a pipe"; fi
sx raw test.garbage
expect_rc "garbage response" 3
sx raw test.close
expect_rc "server closes" 3

sx raw test.full
expect_rc "server full" 1
expect_grep "server full" "$ERR" "server full: 64 clients"
"$SXCTL" --socket "$TMP" hello >"$OUT" 2>"$ERR"; RC=$?
expect_rc "socket path is a directory" 3
expect_grep "socket path is a directory" "$ERR" "that is a directory"

# --- help and usage errors ----------------------------------------------------
sx table --help
expect_rc "table --help" 0
expect_grep "table --help" "$OUT" "table show TABLE"
if grep -q "neigh show" "$OUT"; then not_ok "table --help: only table's lines"; else ok "table --help: only table's lines"; fi
sx help route
expect_rc "help route" 0
expect_grep "help route" "$OUT" "route add VRF PREFIX via NH"
sx table add --help
expect_rc "table add --help" 0
expect_out "table add --help" "  table add TABLE [FIELD=VALUE ...] [priority N] action ACTION [PARAM=VALUE ...]"
sx help mac ageing
expect_rc "help mac ageing" 0
expect_out "help mac ageing" "  mac ageing SECONDS          idle timeout of learned MACs (0: never age)"
sx help nope
expect_rc "help nope" 2
expect_grep "help nope" "$ERR" "no command 'nope'"
if grep -q "help  " "$ERR"; then not_ok "help nope: no usage lines of 'help'"; else ok "help nope: no usage lines of 'help'"; fi
sx nope --help
expect_rc "nope --help" 2
expect_grep "nope --help" "$ERR" "Run 'sxctl help'"
sx table add
expect_rc "table add without TABLE" 2
expect_grep "table add without TABLE" "$ERR" "missing TABLE"
if grep -q "table show" "$ERR"; then not_ok "table add usage error: only 'table add' lines"; else ok "table add usage error: only 'table add' lines"; fi
expect_grep "table add without TABLE" "$ERR" "Run 'sxctl table add --help'"
sx route add 1
expect_rc "route add without prefix" 2
if grep -q "route del" "$ERR"; then not_ok "route add usage error: only 'route add' lines"; else ok "route add usage error: only 'route add' lines"; fi
expect_grep "route add without prefix" "$ERR" "route add VRF PREFIX via NH"
if grep -q "Usage: sxctl" "$ERR"; then not_ok "usage error is short (no whole usage)"; else ok "usage error is short (no whole usage)"; fi
sx stats clear
expect_rc "stats clear" 0
expect_call "stats clear" stats.clear '{}'
sx stats sideways
expect_rc "stats sideways" 2
expect_grep "stats sideways" "$ERR" "'stats' takes nothing or 'clear'"
sx table add flow l4_sport=010 action drop
expect_call "leading zero goes as a string (sxdp refuses it)" table.write \
	'{"updates":[{"type":"insert","table":"flow","match":{"l4_sport":"010"},"action":"drop","params":{}}]}'

"$SXCTL" --socket "$TMP/nope.sock" hello >"$OUT" 2>"$ERR"; RC=$?
expect_rc "no server" 3
expect_grep "no server" "$ERR" \
	"sxctl: cannot connect to $TMP/nope.sock: No such file or directory"
SXDP_SOCKET=$TMP/nope2.sock "$SXCTL" ports >"$OUT" 2>"$ERR"; RC=$?
expect_rc "SXDP_SOCKET" 3
expect_grep "SXDP_SOCKET" "$ERR" "cannot connect to $TMP/nope2.sock"
SXDP_SOCKET=$SOCK "$SXCTL" hello >"$OUT" 2>"$ERR"; RC=$?
expect_rc "SXDP_SOCKET to server" 0

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
