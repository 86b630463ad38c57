#!/usr/bin/env bash
# e2e package: the Debian package installs, starts and goes away clean.
#
# Builds it (scripts/build-deb.sh: lintian finds no error), installs it
# with dpkg -i, checks where its files land and that the units pass
# systemd-analyze verify, then runs each unit's ExecStart as the unit would
# (tests/e2e/unitrun.py: its user and group, runtime and state directories,
# umask, limits, hardening where this kernel lets us; systemd is not PID 1
# here, so its part is emulated and every setting not emulated is named).
# Talks to both daemons through sxctl (hello, ports, stats as root and as a
# member of group sxdp, refused to others; sxcd's status, an intent applied
# and Ready, the page and /metrics), stops them, purges the package and
# checks nothing it made is left: files, the sxcd user, the sxdp group, the
# state and runtime directories. Cleans up on any exit.
# Ends with "N passed, M failed"; 77 only when the machine lacks what it
# needs (root; systemd-analyze, after every other check has run).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
PKG=smartx-fastpath
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
UNITDIR=/lib/systemd/system
SOCK=/run/sxdp/sxdp.sock

pass=0 fail=0 skips=()
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }
finish() {
  echo "$pass passed, $fail failed${skips[*]:+, ${#skips[@]} skipped}"
  for s in "${skips[@]}"; do echo "# skipped: $s"; done
  [ "$fail" -eq 0 ] || exit 1
  [ ${#skips[@]} -eq 0 ] || exit 77
  exit 0
}

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root (dpkg -i, the units' users and directories)"
  exit 77
fi
for t in dpkg dpkg-deb runuser getent "$PY"; do
  command -v "$t" >/dev/null || { echo "SKIP: $t is not on this machine"; exit 77; }
done

W=$(mktemp -d /tmp/sxdp-pkg.XXXXXX)
DP_PID="" CD_PID="" installed=""
cleanup() {
  local u
  for u in "CD_PID sxcd" "DP_PID sxdp"; do
    set -- $u
    if [ -n "${!1}" ] && kill -0 "${!1}" 2>/dev/null; then
      "$PY" "$here/unitrun.py" stop "$UNITDIR/$2.service" "${!1}" 2>/dev/null
    fi
  done
  if [ -n "$installed" ] && dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
    echo "# cleanup: dpkg --purge $PKG"
    dpkg --purge "$PKG" >/dev/null 2>&1
  fi
  if [ "$fail" -ne 0 ]; then
    for f in sxdp sxcd; do
      [ -s "$W/$f.log" ] && { echo "# $f's output:"; tail -25 "$W/$f.log" | sed 's/^/#   /'; }
    done
  fi
  rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# dpkg waits for no one: retry while another dpkg or apt holds its lock
dpkg_do() {
  local out
  for _ in $(seq 1 60); do
    out=$(dpkg "$@" 2>&1) && { echo "$out"; return 0; }
    case $out in *lock*) sleep 2 ;; *) echo "$out"; return 1 ;; esac
  done
  echo "$out"; return 1
}

# ------------------------------------------------------------ before
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q installed; then
  notok "$PKG is installed already: this test installs and purges it (dpkg --purge $PKG first)"
  finish
fi
for n in "passwd sxcd" "group sxdp"; do
  set -- $n
  if getent "$1" "$2" >/dev/null; then
    notok "the $1 entry $2 exists before the install: a purge would remove it (left by another install?)"
    finish
  fi
done
if [ -e /etc/sxcd/token ]; then
  notok "/etc/sxcd/token exists before the install: a purge would remove it (left by another install?)"
  finish
fi
if pgrep -x sxdp >/dev/null && [ -S "$SOCK" ]; then
  notok "an sxdp already serves $SOCK: the package's would collide with it"
  finish
fi

# ------------------------------------------------------------ build
# PACKAGE_PREBUILT=DIR: scripts/build-deb.sh ran already (scripts/test.sh
# builds it beside its stressed tiers): DIR/deb its stdout, DIR/rc its exit,
# DIR/build.log its stderr
if [ -n "${PACKAGE_PREBUILT:-}" ]; then
  cp "$PACKAGE_PREBUILT/build.log" "$W/build.log" 2>/dev/null
  DEB=$(cat "$PACKAGE_PREBUILT/deb" 2>/dev/null)
  [ "$(cat "$PACKAGE_PREBUILT/rc" 2>/dev/null)" = 0 ] && [ -f "$DEB" ]; built=$?
else
  DEB=$(bash "$root/scripts/build-deb.sh" "$W/out" 2>"$W/build.log"); built=$?
fi
if [ "$built" -ne 0 ]; then
  notok "scripts/build-deb.sh builds the package (lintian: no error)"
  sed 's/^/#   /' "$W/build.log" | tail -30
  finish
fi
ok "scripts/build-deb.sh built $(basename "$DEB"); lintian found no error"
grep -E '^[WIE]: ' "$W/build.log" | sed 's/^/#   lintian: /'

fields() { dpkg-deb -f "$DEB" "$@"; }
deps=$(fields Depends)
echo "# Depends: $deps"
missing=()
for lib in librte-eal23 librte-ethdev23 librte-net-tap23 libjansson4 libevent-2.1-7 libmnl0 libbpf1 adduser; do
  case ", $deps," in *", $lib "*|*", $lib,"*) ;; *) missing+=("$lib") ;; esac
done
check "Depends names DPDK (eal, ethdev, net_tap), jansson, libevent, libmnl, libbpf, adduser${missing[*]:+: not ${missing[*]}}" \
  test ${#missing[@]} -eq 0
conff=$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles | sort | tr '\n' ' ')
check "conffiles: /etc/default/sxcd, /etc/logrotate.d/sxcd, /etc/sxdp/README, /etc/sxdp/sxdp.json ($conff)" \
  test "$conff" = "/etc/default/sxcd /etc/logrotate.d/sxcd /etc/sxdp/README /etc/sxdp/sxdp.json "

# ------------------------------------------------------------ install
if ! out=$(dpkg_do -i "$DEB"); then
  notok "dpkg -i $(basename "$DEB")"; echo "$out" | sed 's/^/#   /'; finish
fi
installed=1
ok "dpkg -i $(basename "$DEB")"
dpkg -L "$PKG" >"$W/files"

for f in /usr/bin/sxdp /usr/bin/sxcd /usr/bin/sxctl; do
  check "$f is installed, executable" test -x "$f"
done
for f in $UNITDIR/sxdp.service $UNITDIR/sxcd.service /etc/sxdp/sxdp.json /etc/sxdp/README \
  /etc/default/sxcd /etc/logrotate.d/sxcd /usr/share/man/man8/sxdp.8.gz /usr/share/man/man8/sxcd.8.gz \
  /usr/share/man/man1/sxctl.1.gz /usr/share/sxcd/sxcd-openapi.json /usr/share/sxcd/www/index.html \
  /usr/share/sxcd/grafana/smartx-fastpath.json \
  /usr/share/sxcd/www/sx.js /usr/lib/*/sxdp/dp_xdp.bpf.o /usr/share/doc/$PKG/copyright \
  /usr/share/doc/$PKG/changelog.gz /usr/share/doc/$PKG/README.md /usr/share/doc/$PKG/README.Debian; do
  check "$f is installed" test -s "$f"
done
nfeat=$(find /usr/share/sxcd/www/feat -name '*.js' | wc -l)
check "the features' views are in /usr/share/sxcd/www/feat ($nfeat)" test "$nfeat" -ge 3
check "the units name the installed binaries and config" \
  grep -q '^ExecStart=/usr/bin/sxdp --config /etc/sxdp/sxdp.json ' $UNITDIR/sxdp.service
check "dpkg --verify: every file as packaged" dpkg --verify "$PKG"
for c in /etc/sxdp/sxdp.json /usr/share/doc/$PKG/examples/*.json; do
  check "sxdp --check-config --config $c" sh -c "sxdp --check-config --config $c >/dev/null"
done
check "the sxdp group exists" sh -c "getent group sxdp >/dev/null"
check "the sxcd user exists, a system user in group sxdp" \
  test "$(id -gn sxcd 2>/dev/null)" = sxdp -a "$(id -u sxcd 2>/dev/null || echo 99999)" -lt 1000
check "sxcd's login shell is nologin" sh -c 'getent passwd sxcd | grep -q ":/usr/sbin/nologin$"'
if command -v man >/dev/null; then
  for m in sxdp sxcd sxctl; do
    check "man $m renders without a warning" \
      sh -c "man --warnings -E UTF-8 -l \$(man -w $m) 2>&1 >/dev/null | grep . && exit 1 || exit 0"
  done
else
  skips+=("the man pages' rendering: man is not installed (package man-db)")
fi

# the units, as systemd would load them (no systemd as PID 1 needed)
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify $UNITDIR/sxdp.service $UNITDIR/sxcd.service 2>&1)
  check "systemd-analyze verify sxdp.service sxcd.service${out:+: $out}" test -z "$out"
else
  skips+=("systemd-analyze verify: systemd-analyze is not installed (package systemd)")
fi

# ------------------------------------------------------------ start sxdp
if [ -d /run/systemd/system ]; then
  echo "# systemd is PID 1 here, but this test runs the units' ExecStart itself (no enable)"
else
  echo "# systemd is not PID 1 here: each unit's ExecStart runs under tests/e2e/unitrun.py, which"
  echo "# does what the unit asks of systemd and names what it cannot"
fi
# systemd's notification socket (the unit's NotifyAccess): a listener of
# ours, for what a reload's successor says
"$PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".tmp", "w").write(s.recv(256).decode())
__import__("os").rename(sys.argv[2] + ".tmp", sys.argv[2])' "$W/notify" "$W/notified" &
NOTIFY_PID=$!
for _ in $(seq 1 100); do [ -S "$W/notify" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$W/notify "$PY" "$here/unitrun.py" start $UNITDIR/sxdp.service >"$W/sxdp.log" 2>&1 &
DP_PID=$!
for _ in $(seq 1 600); do
  [ -S $SOCK ] && sxctl --socket $SOCK hello >/dev/null 2>&1 && break
  kill -0 "$DP_PID" 2>/dev/null || break
  sleep 0.1
done
grep '^unitrun: ' "$W/sxdp.log" | sed 's/^/# sxdp /'
if ! sxctl --socket $SOCK hello >"$W/hello" 2>&1; then
  notok "sxdp.service's ExecStart serves $SOCK"; finish
fi
ok "sxdp.service's ExecStart (root, group sxdp, the shipped /etc/sxdp/sxdp.json) serves $SOCK"
check "sxctl hello: sxdp 0.1.0" grep -q '0\.1\.0' "$W/hello"
check "$SOCK is mode 0660, group sxdp (UMask=0007, Group=sxdp)" \
  test "$(stat -c '%a %G' $SOCK)" = "660 sxdp"
check "/run/sxdp is mode 0750, root:sxdp (RuntimeDirectory)" \
  test "$(stat -c '%a %U:%G' /run/sxdp)" = "750 root:sxdp"
check "/run/dpdk/sxdp holds EAL's files (--file-prefix sxdp)" test -e /run/dpdk/sxdp/config
check "sxctl ports: lan1 and wan1, the shipped TAP ports" \
  sh -c "sxctl --socket $SOCK ports | grep -q lan1 && sxctl --socket $SOCK ports | grep -q wan1"
check "the kernel sees the lab's TAP ports sxlan1 and sxwan1" \
  sh -c 'ip link show sxlan1 >/dev/null && ip link show sxwan1 >/dev/null'
check "sxctl stats" sh -c "sxctl --socket $SOCK stats >/dev/null"
check "a member of group sxdp (user sxcd) uses the socket" \
  sh -c "runuser -u sxcd -- sxctl --socket $SOCK hello >/dev/null"
runuser -u nobody -- sxctl --socket $SOCK hello >/dev/null 2>&1
check "anyone else is refused (nobody: exit 3)" test $? -eq 3

# ------------------------------------------------------------ start sxcd
# the shipped defaults (127.0.0.1:8181) unless that port is taken here
API=http://127.0.0.1:8181
if ! "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 8181))' 2>/dev/null; then
  port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  API=http://127.0.0.1:$port
  echo "# 127.0.0.1:8181 is taken here: /etc/default/sxcd says --listen 127.0.0.1:$port instead"
  sed -i "s|^SXCD_OPTS=.*|SXCD_OPTS=\"--listen 127.0.0.1:$port\"|" /etc/default/sxcd
fi
# the sandbox as emulated holds: sxcd's unit with a probe for ExecStart, as
# root (whom file modes do not stop) writes only to its store
probe='touch /usr/sxprobe && exit 11; touch /etc/sxprobe && exit 12; touch /var/lib/sxcd/p || exit 13; rm /var/lib/sxcd/p; test -n "$(ls -A /root)" && exit 14; exit 0'
awk -v p="$probe" '/^ExecStart=/ { print "ExecStart=/bin/sh -c '"'"'" p "'"'"'"; next }
  /^User=/ { print "User=root"; next } { print }' $UNITDIR/sxcd.service >"$W/probe.service"
"$PY" "$here/unitrun.py" start "$W/probe.service" >"$W/probe.log" 2>&1; rc=$?
rm -f /usr/sxprobe /etc/sxprobe
if grep -q 'not emulated: no mount namespace' "$W/probe.log"; then
  echo "# the sandbox (ProtectSystem, ProtectHome, PrivateTmp) is not emulated here: $(grep -o 'unshare: .*' "$W/probe.log")"
else
  check "sxcd's sandbox: read-only /usr and /etc, its store writable, /root hidden (probe exit $rc)" test $rc -eq 0
fi
"$PY" "$here/unitrun.py" start $UNITDIR/sxcd.service >"$W/sxcd.log" 2>&1 &
CD_PID=$!
for _ in $(seq 1 300); do
  sxctl --api "$API" status >/dev/null 2>&1 && break
  kill -0 "$CD_PID" 2>/dev/null || break
  sleep 0.1
done
grep '^unitrun: ' "$W/sxcd.log" | sed 's/^/# sxcd /'
if ! sxctl --api "$API" status >/dev/null 2>&1; then
  notok "sxcd.service's ExecStart serves $API"; finish
fi
ok "sxcd.service's ExecStart (user sxcd, group sxdp, /etc/default/sxcd's SXCD_OPTS) serves $API"
check "sxcd's token /etc/sxcd/token was made at install: root:sxdp 0640, $(wc -c </etc/sxcd/token) bytes" \
  test "$(stat -c '%a %U:%G' /etc/sxcd/token)" = "640 root:sxdp" -a "$(wc -c </etc/sxcd/token)" -ge 32
check "an account outside group sxdp cannot read it" sh -c '! runuser -u nobody -- cat /etc/sxcd/token >/dev/null 2>&1'
check "sxcd asks for it: no token, 401" \
  "$PY" -c "import urllib.request as u,urllib.error as e,sys
try: u.urlopen('$API/api/v1/status', timeout=5)
except e.HTTPError as x: sys.exit(0 if x.code == 401 else 1)
sys.exit(1)"
check "/var/lib/sxcd is mode 0700, sxcd:sxdp (StateDirectory)" \
  test "$(stat -c '%a %U:%G' /var/lib/sxcd)" = "700 sxcd:sxdp"
connected=no
for _ in $(seq 1 100); do
  sxctl --api "$API" status --json 2>/dev/null | "$PY" -c \
    'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d.get("sxdp", {}).get("connected") else 1)' \
    && { connected=yes; break; }
  sleep 0.1
done
check "sxctl status: sxcd has sxdp connected" test $connected = yes

cat >"$W/intents.json" <<'EOF'
{"items": [
  {"kind": "site", "spec": {"id": 1, "lan": [{"port": "lan1"}],
   "wan": [{"name": "isp1", "port": "wan1", "address": "192.0.2.1/24", "gateway": "192.0.2.254"}]}},
  {"kind": "slices", "metadata": {"name": "lab"}, "spec": {"id": 1, "members": [{"port": "lan1"}],
   "svi": {"address": "10.10.0.254/24", "mac": "02:00:0a:0a:00:fe"}, "subnets": ["10.10.0.0/24"]}}
]}
EOF
out=$(sxctl --api "$API" apply -f "$W/intents.json" --wait 2>&1); rc=$?
check "sxctl apply -f (a site and a slice) --wait${out:+: $(echo "$out" | tr '\n' ' ' | cut -c1-200)}" \
  test $rc -eq 0
phase=$(sxctl --api "$API" get slices lab --json 2>/dev/null | "$PY" -c \
  'import json,sys; d=json.load(sys.stdin); d=d.get("items", [d])[0] if isinstance(d, dict) else d[0]; print(d.get("status", {}).get("phase"))' 2>&1)
check "the slice is Ready ($phase)" test "$phase" = Ready
check "the apply is a line of /var/log/sxcd/audit.log (LogsDirectory, sxcd's: $(stat -c '%a %U:%G' /var/log/sxcd 2>&1))" \
  sh -c "grep -q '\"route\":\"/api/v1/apply\"' /var/log/sxcd/audit.log && test \"\$(stat -c '%a %U' /var/log/sxcd)\" = '750 sxcd'"
check "and revision 1 of sxctl history" sh -c "sxctl --api $API history | grep -q 'POST /api/v1/apply'"
if command -v logrotate >/dev/null; then
  check "logrotate takes /etc/logrotate.d/sxcd" logrotate -d /etc/logrotate.d/sxcd
fi
check "sxdp has the slice's SVI (sxctl table show svi)" \
  sh -c "sxctl --socket $SOCK table show svi | grep -qi 'mac=02:00:0a:0a:00:fe,ip=10.10.0.254'"
check "sxcd serves the Visibility page (GET /)" \
  "$PY" -c "import urllib.request as u,sys; sys.exit(0 if b'<html' in u.urlopen('$API/', timeout=5).read().lower() else 1)"
check "sxcd serves /metrics with the token" \
  "$PY" -c "import urllib.request as u,sys; t=open('/etc/sxcd/token').read().strip(); sys.exit(0 if b'# TYPE' in u.urlopen(u.Request('$API/metrics', headers={'Authorization': 'Bearer ' + t}), timeout=5).read() else 1)"

# ------------------------------------------------------------ reload
# the unit's ExecReload as systemd runs it ($MAINPID the running sxdp): the
# executable on disk takes over (sxdp --takeover), says MAINPID= on the
# unit's NOTIFY_SOCKET before the old one exits 0, and serves the socket
# with a new boot id; sxcd programs it as before
boot0=$(sxctl --socket $SOCK hello | awk '$1 == "boot_id" {print $2}')
"$PY" "$here/unitrun.py" reload $UNITDIR/sxdp.service "$DP_PID"; rrc=$?
wait "$DP_PID"; rc=$?
new=""
for _ in $(seq 1 300); do
  [ -s "$W/notified" ] && new=$(sed -n 's/^MAINPID=//p' "$W/notified") && break
  sleep 0.1
done
check "a reload (ExecReload exit $rrc): the successor said MAINPID=$new, the old sxdp exited $rc" \
  test "$rrc" -eq 0 -a "$rc" -eq 0 -a -n "$new"
boot1=$boot0
for _ in $(seq 1 300); do
  boot1=$(sxctl --socket $SOCK hello 2>/dev/null | awk '$1 == "boot_id" {print $2}')
  [ -n "$boot1" ] && [ "$boot1" != "$boot0" ] && break
  sleep 0.1
done
check "the successor (process $new) serves $SOCK with a new boot id" \
  sh -c "test -n '$boot1' && test '$boot1' != '$boot0' && test -d /proc/$new"
check "sxctl ports after the reload: lan1 and wan1" \
  sh -c "sxctl --socket $SOCK ports | grep -q lan1 && sxctl --socket $SOCK ports | grep -q wan1"
[ -n "$new" ] && DP_PID=$new
kill "$NOTIFY_PID" 2>/dev/null

# ------------------------------------------------------------ stop
"$PY" "$here/unitrun.py" stop $UNITDIR/sxcd.service "$CD_PID"
wait "$CD_PID"; rc=$?
check "sxcd stops on SIGTERM (exit $rc)" test $rc -eq 0
CD_PID=""
"$PY" "$here/unitrun.py" stop $UNITDIR/sxdp.service "$DP_PID"; rc=$?
check "sxdp (the reload's successor) stops on SIGTERM (gone within 30 s: $rc)" test $rc -eq 0
DP_PID=""
check "the socket and the runtime directories are gone with sxdp" \
  sh -c "! test -e $SOCK && ! test -e /run/sxdp && ! test -e /run/dpdk/sxdp"

# ------------------------------------------------------------ reinstall
# an upgrade (the same version again) keeps an edited conffile and the users
sed -i 's/"idle_sleep_max_us": 1000/"idle_sleep_max_us": 2000/' /etc/sxdp/sxdp.json
uid=$(id -u sxcd)
tok=$(cat /etc/sxcd/token)
if out=$(dpkg_do -i --force-confold "$DEB"); then
  ok "dpkg -i again (an upgrade in place)"
  check "the edited /etc/sxdp/sxdp.json is kept" grep -q '"idle_sleep_max_us": 2000' /etc/sxdp/sxdp.json
  check "the sxcd user is the same ($uid)" test "$(id -u sxcd)" = "$uid"
  check "the token is kept" test "$(cat /etc/sxcd/token)" = "$tok"
else
  notok "dpkg -i again (an upgrade in place)"; echo "$out" | sed 's/^/#   /'
fi
# an upgrade from a package that made no token makes one
rm -f /etc/sxcd/token
if out=$(dpkg_do -i --force-confold "$DEB"); then
  check "an upgrade from a package without a token makes one (root:sxdp 0640, another)" \
    test "$(stat -c '%a %U:%G' /etc/sxcd/token 2>/dev/null)" = "640 root:sxdp" -a "$(cat /etc/sxcd/token)" != "$tok"
else
  notok "dpkg -i over a package without a token"; echo "$out" | sed 's/^/#   /'
fi

# ------------------------------------------------------------ purge
if ! out=$(dpkg_do --purge "$PKG"); then
  notok "dpkg --purge $PKG"; echo "$out" | sed 's/^/#   /'; finish
fi
installed=""
ok "dpkg --purge $PKG"
check "dpkg knows no $PKG" sh -c "! dpkg-query -W -f='\${Status}' $PKG 2>/dev/null | grep -q installed"
# its files (directories: those only it had, below)
left=()
while read -r f; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  [ -d "$f" ] && continue
  left+=("$f")
done <"$W/files"
check "none of the package's $(wc -l <"$W/files") paths is left${left[*]:+: ${left[*]}}" test ${#left[@]} -eq 0
for d in /etc/sxdp /etc/sxcd /var/lib/sxcd /var/log/sxcd /run/sxdp /run/dpdk/sxdp /usr/share/sxcd /usr/lib/*/sxdp \
  /usr/share/doc/$PKG; do
  check "$d is gone" test ! -e "$d"
done
check "the sxcd user is gone" sh -c '! getent passwd sxcd'
check "the sxdp group is gone" sh -c '! getent group sxdp'
check "no unit state is left (deb-systemd-helper)" \
  sh -c '! ls /var/lib/systemd/deb-systemd-helper-enabled 2>/dev/null | grep -q "sx[dc][pd]"'
finish
