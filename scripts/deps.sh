#!/usr/bin/env bash
# Install what building and testing SmartX Fastpath needs, from Debian 12 only.
# Idempotent: installs just the packages that are missing. Run as root.
set -euo pipefail

pkgs=(
  build-essential meson ninja-build pkg-config
  dpdk dpdk-dev libdpdk-dev
  libjansson-dev libevent-dev libssl-dev openssl libsodium-dev libipsec-mb-dev libndpi-dev libmnl-dev libbpf-dev libxdp-dev libpcap-dev
  libjemalloc-dev
  check
  python3-scapy python3-cryptography tshark nfdump wireguard-go wireguard-tools
  iproute2 iputils-ping iperf3 ethtool nftables systemd
  clang libclang-rt-14-dev
  prometheus python3-jsonschema
  etcd-server etcd-client
  chromium chromium-driver python3-selenium libjs-chart.js
  lua5.4
  frr
  keepalived
  udhcpc isc-dhcp-client
  strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins libstrongswan-extra-plugins
  lintian dpkg-dev
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing ${missing[*]}; run as root to install" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
