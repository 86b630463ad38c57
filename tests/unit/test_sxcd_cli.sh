#!/bin/bash
# test_sxcd_cli.sh: sxcd's command line as a person meets it, no sxdp needed:
# -h/--help (every option, exit 0), an unknown option (usage on stderr,
# exit 2), a bad --listen (why, in one line, exit non-zero, the store
# untouched), an OpenAPI document whose kinds are not the registered ones.
#
# usage: test_sxcd_cli.sh [PATH_TO_SXCD]   (or SXCD=...)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SXCD=${1:-${SXCD:-$HERE/../../build/sxcd}}
if [ ! -x "$SXCD" ]; then
	echo "Bail out! sxcd binary not found; pass it as \$1 or SXCD"
	exit 99
fi
PY=${PYTHON3:-/usr/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3 || true)

TMP=$(mktemp -d /tmp/test_sxcd_cli.XXXXXX)
HOLD=
trap '[ -n "$HOLD" ] && kill $HOLD 2>/dev/null; rm -rf "$TMP"' EXIT
OUT=$TMP/out
ERR=$TMP/err
PASS=0 FAIL=0 N=0 RC=0

ok() { N=$((N + 1)); PASS=$((PASS + 1)); echo "ok $N - $1"; }
not_ok() {
	N=$((N + 1)); FAIL=$((FAIL + 1))
	echo "not ok $N - $1"
	shift
	for l in "$@"; do echo "#   $l"; done
	sed 's/^/#   stdout: /' "$OUT" | head -20
	sed 's/^/#   stderr: /' "$ERR" | head -20
}
cd_run() { timeout 10 "$SXCD" "$@" >"$OUT" 2>"$ERR"; RC=$?; }
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1: exit $2"; else not_ok "$1: exit $2" "got exit $RC"; fi
}
expect_grep() {
	if grep -qF -- "$3" "$2"; then ok "$1: has '$3'"; else not_ok "$1: has '$3'"; fi
}
# one_line NAME TEXT: stderr is TEXT, one line; stdout empty
one_line() {
	if [ "$(wc -l <"$ERR")" -eq 1 ] && [ "$(cat "$ERR")" = "$2" ] && [ ! -s "$OUT" ]; then
		ok "$1: one line"
	else
		not_ok "$1: one line" "want: $2"
	fi
}

# --- help, version, unknown options -----------------------------------------
OPTS="--socket --store --listen --token-file --schema --resync-ms --sxdp-timeout-ms
--no-netlink --version --help"
for h in -h --help; do
	cd_run "$h"
	expect_rc "sxcd $h" 0
	expect_grep "sxcd $h" "$OUT" "usage: sxcd [options]"
	for o in $OPTS; do expect_grep "sxcd $h lists $o" "$OUT" "$o"; done
	if [ -s "$ERR" ]; then not_ok "sxcd $h: nothing on stderr"; else ok "sxcd $h: nothing on stderr"; fi
done
# every option the usage lists is one sxcd takes (a value, then an
# argument it refuses: sxcd stops before it starts)
for o in $(grep -o -- '--[a-z-]*' "$OUT" | sort -u); do
	cd_run "$o" "" extra
	if [ "$RC" -le 2 ] && ! grep -q "unrecognized option" "$ERR"; then ok "usage's $o is an option"
	else not_ok "usage's $o is an option"; fi
done
cd_run --frobnicate "" extra
if grep -q "unrecognized option" "$ERR"; then ok "an option sxcd does not take is told apart"
else not_ok "an option sxcd does not take is told apart"; fi
for v in -V --version; do
	cd_run "$v"; expect_rc "sxcd $v" 0
	if grep -qE '^sxcd [0-9]+\.[0-9]+\.[0-9]+$' "$OUT"; then ok "sxcd $v: the version"
	else not_ok "sxcd $v: the version"; fi
done
for bad in --bogus -x "--listen"; do
	cd_run $bad
	expect_rc "sxcd $bad" 2
	expect_grep "sxcd $bad: usage on stderr" "$ERR" "usage: sxcd [options]"
	if [ -s "$OUT" ]; then not_ok "sxcd $bad: nothing on stdout"; else ok "sxcd $bad: nothing on stdout"; fi
done
cd_run extra; expect_rc "sxcd extra" 2
expect_grep "sxcd extra" "$ERR" "sxcd: unexpected argument 'extra'"

# --- a bad --listen: why, in one line; the store untouched ------------------
echo 0123456789abcdef0123 >"$TMP/token" && chmod 600 "$TMP/token"
listen() {	# listen NAME WANT-RC LISTEN WHY
	cd_run --store "$TMP/store" --socket "$TMP/nope.sock" --no-netlink \
		--token-file "$TMP/token" --listen "$3"
	expect_rc "$1" "$2"
	one_line "$1" "sxcd: --listen $3: $4"
	if [ -e "$TMP/store" ]; then not_ok "$1: store untouched"; rm -rf "$TMP/store"
	else ok "$1: store untouched"; fi
}
listen "no port" 2 127.0.0.1 "no port (ADDR:PORT)"
listen "empty port" 2 127.0.0.1: "no port (ADDR:PORT)"
listen "port 0" 2 127.0.0.1:0 "port '0' is not 1..65535"
listen "port out of range" 2 127.0.0.1:65536 "port '65536' is not 1..65535"
listen "port not a number" 2 127.0.0.1:http "port 'http' is not 1..65535"
listen "no address" 2 :8181 "no address before the port (0.0.0.0 or [::] for any)"
listen "IPv6 without brackets" 2 ::1:8181 "an IPv6 address goes in brackets ([ADDR]:PORT)"
listen "IPv6 unclosed" 2 "[::1:8181" "no ']:PORT' after the IPv6 address ([ADDR]:PORT)"
listen "name that does not resolve" 2 nosuchhost.invalid:8181 \
	"cannot resolve 'nosuchhost.invalid': Name or service not known"
listen "not this host's address" 1 192.0.2.55:8181 \
	"cannot bind 192.0.2.55 port 8181: Cannot assign requested address (not an address of this host)"
if [ -n "$PY" ]; then
	"$PY" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$TMP/port" &
	HOLD=$!
	for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
	P=$(cat "$TMP/port")
	listen "port in use" 1 "127.0.0.1:$P" "cannot bind 127.0.0.1 port $P: Address already in use"
fi

# --- a document whose kinds are not those the features registered -----------
DOC=$(dirname "$SXCD")/sxcd-openapi.json
if [ -n "$PY" ] && [ -f "$DOC" ]; then
	"$PY" - "$DOC" "$TMP/kinds.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["components"]["schemas"]["IntentIn"]["properties"]["kind"]["enum"].pop()
json.dump(d, open(sys.argv[2], "w"))
PYEOF
	cd_run --schema "$TMP/kinds.json" --store "$TMP/store" --listen 127.0.0.1:1 --token-file "$TMP/token"
	expect_rc "a document short of a kind" 1
	expect_grep "a document short of a kind" "$ERR" "sxcd: schema: its kinds (IntentIn.kind) are not the"
	if [ -e "$TMP/store" ]; then not_ok "a document short of a kind: store untouched"
	else ok "a document short of a kind: store untouched"; fi
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
